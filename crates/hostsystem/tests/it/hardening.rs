//! Defects found by an outside attack and fault run, each pinned by the test that found it.

use crate::app::{TestApp, PASSWORD};
use hs_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn manager_at_trattoria(app: &TestApp) -> (crate::app::Browser, uuid::Uuid, String) {
    let r = app.with_trattoria("Trattoria Test").await;
    app.user_in(r, "manager@trattoria-test.example", Role::Manager)
        .await;
    let mut b = app.browser();
    b.login("manager@trattoria-test.example", PASSWORD).await;
    let token = app.api_token(r, Role::Manager).await;
    (b, r, token)
}

/// How many reservations the restaurant holds on a day, read through the API.
async fn count_on(app: &TestApp, token: &str, date: &str) -> usize {
    let (s, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations?date={date}"),
            token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["reservations"].as_array().map_or(0, Vec::len)
}

/// The text of the field error the page shows for `field`.
fn field_error<'a>(html: &'a str, field: &str) -> Option<&'a str> {
    let marker = format!("data-field=\"{field}\">");
    let start = html.find(&marker)? + marker.len();
    Some(&html[start..start + html[start..].find('<')?])
}

#[tokio::test]
async fn the_booking_form_refuses_bad_dates_times_and_party_sizes_at_their_field_and_books_nothing()
{
    let app = TestApp::new().await;
    let (mut b, _, token) = manager_at_trattoria(&app).await;
    b.get("/reservations/new?date=2026-11-27&party_size=2")
        .await;
    let good = [
        ("date", "2026-11-27"),
        ("time", "19:00"),
        ("party_size", "2"),
        ("name", "X"),
    ];
    let cases: [(&str, &str, &str); 8] = [
        ("date", "2026-02-30", "must be a date that exists"),
        ("date", "", "must be a date that exists"),
        ("time", "25:00", "must be a time as HH:MM"),
        ("time", "19:0", "must be a time as HH:MM"),
        ("party_size", "-1", "must be from 1 to 100"),
        ("party_size", "abc", "must be a whole number"),
        ("party_size", "0", "must be from 1 to 100"),
        ("party_size", "101", "must be from 1 to 100"),
    ];
    for (field, value, says) in cases {
        let form: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| (k, if k == field { value } else { v }))
            .collect();
        let p = b.post("/reservations/new", &form).await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        let shown = field_error(&p.body, field)
            .unwrap_or_else(|| panic!("no error at {field} for {value:?}: {}", p.body));
        assert!(shown.contains(says), "{field}={value:?} says {shown:?}");
    }
    let today = app.clock.now().date_naive().to_string();
    assert_eq!(
        count_on(&app, &token, &today).await,
        0,
        "nothing booked today"
    );
    assert_eq!(count_on(&app, &token, "2026-11-27").await, 0);
    // The same form with good values books.
    assert_eq!(
        b.post("/reservations/new", &good).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(count_on(&app, &token, "2026-11-27").await, 1);
}

#[tokio::test]
async fn moving_a_reservation_refuses_bad_values_instead_of_ignoring_them() {
    let app = TestApp::new().await;
    let (mut b, _, token) = manager_at_trattoria(&app).await;
    let (_, res) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "guest": {"name": "Anna"}})),
        )
        .await;
    let id = res["id"].as_str().expect("id").to_string();
    b.get(&format!("/reservations/{id}")).await;
    for (field, value, says) in [
        ("time", "25:00", "must be a time as HH:MM"),
        ("date", "2026-02-30", "must be a date that exists"),
        ("party_size", "abc", "must be a whole number"),
    ] {
        let p = b
            .post(&format!("/reservations/{id}"), &[(field, value)])
            .await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        assert!(p.body.contains(says), "{field}={value:?}: {}", p.body);
    }
    let (_, now) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (
            now["date"].as_str(),
            now["time"].as_str(),
            now["party_size"].as_i64()
        ),
        (Some("2026-11-27"), Some("19:00"), Some(2)),
        "unchanged"
    );
}

#[tokio::test]
async fn a_walk_in_with_a_bad_party_size_is_refused_at_the_field() {
    let app = TestApp::new().await;
    let (mut b, _, _) = manager_at_trattoria(&app).await;
    b.get("/").await;
    for (value, says) in [
        ("0", "must be from 1 to 100"),
        ("abc", "must be a whole number"),
    ] {
        let p = b.post("/walk-ins", &[("party_size", value)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        let shown = field_error(&p.body, "party_size").unwrap_or_default();
        assert!(shown.contains(says), "{value}: {shown:?}");
    }
    // 60 guests: no table seats them, said as the booking says it.
    let p = b.post("/walk-ins", &[("party_size", "60")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&p.body, "party_size")
        .unwrap_or_default()
        .contains("no table or combination seats a party of 60"));
}

#[tokio::test]
async fn settings_forms_say_what_is_wrong_with_a_time_or_date() {
    let app = TestApp::new().await;
    let (mut b, _, _) = manager_at_trattoria(&app).await;
    b.get("/settings").await;
    let p = b
        .post(
            "/settings/special-days",
            &[
                ("special_day", "2026-02-30"),
                ("special_name", "Fest"),
                ("special_start", "18:00"),
                ("special_last", "21:00"),
                ("special_end", "23:00"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("must be a date that exists"), "{}", p.body);
    let p = b
        .post(
            "/settings/special-days",
            &[
                ("special_day", "2026-12-24"),
                ("special_name", "Fest"),
                ("special_start", "25:00"),
                ("special_last", "21:00"),
                ("special_end", "23:00"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("must be a time as HH:MM"), "{}", p.body);
}

#[tokio::test]
async fn removing_every_service_period_asks_first_and_then_closes() {
    let app = TestApp::new().await;
    let (mut b, _, token) = manager_at_trattoria(&app).await;
    b.get("/settings").await;
    // Every name blanked: the dashboard asks before closing the restaurant.
    let blank: Vec<(String, String)> = (0..20)
        .flat_map(|i| {
            [
                (format!("p{i}_weekday"), "0".to_string()),
                (format!("p{i}_name"), String::new()),
            ]
        })
        .collect();
    let refs: Vec<(&str, &str)> = blank
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let asked = b.post("/settings/periods", &refs).await;
    assert_eq!(asked.status, StatusCode::CONFLICT);
    assert!(asked.body.contains("id=\"confirm-closed\""));
    let (_, periods) = app
        .call(Method::GET, "/api/v1/service-periods", &token, None)
        .await;
    assert!(
        !periods["periods"].as_array().expect("periods").is_empty(),
        "nothing removed before the answer"
    );
    let mut confirmed = refs.clone();
    confirmed.push(("confirm_closed", "1"));
    let done = b.post("/settings/periods", &confirmed).await;
    assert_eq!(done.location(), Some("/settings?saved=1"), "{}", done.body);
    let (_, periods) = app
        .call(Method::GET, "/api/v1/service-periods", &token, None)
        .await;
    assert_eq!(periods["periods"], json!([]));
}

#[tokio::test]
async fn the_api_takes_times_as_hh_mm_only() {
    let app = TestApp::new().await;
    let (_, _, token) = manager_at_trattoria(&app).await;
    for bad in ["19:0", "25:00", "19:00:30", "7:00"] {
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/reservations",
                &token,
                Some(json!({"date": "2026-11-27", "time": bad, "party_size": 2, "guest": {"name": "Anna"}})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "time", "{bad}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("HH:MM"),
            "{body}"
        );
        let (s, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/availability?date=2026-11-27&party_size=2&time={bad}"),
                &token,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    // The seconds form the API itself sends back for service periods is accepted and normalised.
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(json!({"date": "2026-11-27", "time": "19:00:00", "party_size": 2, "guest": {"name": "Anna"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["time"], "19:00");
}

#[tokio::test]
async fn walk_in_party_sizes_are_refused_with_the_codes_a_booking_gets() {
    let app = TestApp::new().await;
    let (_, _, token) = manager_at_trattoria(&app).await;
    for (party, code) in [(0, "party_too_small"), (500, "party_too_large")] {
        let (s, walk) = app
            .call(
                Method::POST,
                "/api/v1/walk-ins",
                &token,
                Some(json!({"party_size": party})),
            )
            .await;
        let (bs, book) = app
            .call(
                Method::POST,
                "/api/v1/reservations",
                &token,
                Some(json!({"date": "2026-11-27", "time": "19:00", "party_size": party, "guest": {"name": "Anna"}})),
            )
            .await;
        assert_eq!(
            (s, bs),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{walk} {book}"
        );
        assert_eq!(walk["error"]["code"], code, "{walk}");
        assert_eq!(walk["error"]["field"], "party_size", "{walk}");
        assert_eq!(walk["error"], book["error"], "walk-in and booking agree");
    }
}

#[tokio::test]
async fn a_guest_search_with_a_control_character_says_so() {
    let app = TestApp::new().await;
    let (_, _, token) = manager_at_trattoria(&app).await;
    let (s, body) = app
        .call(Method::GET, "/api/v1/guests?q=We%07ber", &token, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "q");
    assert_eq!(body["error"]["code"], "control_characters", "{body}");
}

/// Posts a generic voice tool call from a client address (the app trusts `X-Forwarded-For`).
async fn voice_tool_from(app: &TestApp, ip: &str, rid: &str, secret: &str) -> StatusCode {
    app.client()
        .post(format!(
            "{}/api/v1/voice/{rid}/tools/restaurant_info",
            app.base
        ))
        .header("x-forwarded-for", ip)
        .header("x-hostsystem-secret", secret)
        .header("content-type", "application/json")
        .body(r#"{"call_id": "flood"}"#)
        .send()
        .await
        .expect("request")
        .status()
}

#[tokio::test]
async fn a_flood_of_wrong_voice_secrets_leaves_the_real_platform_served() {
    // A small restaurant budget makes the old defect visible with few requests.
    let app = TestApp::builder()
        .voice_rate_per_minute(20)
        .behind_proxy()
        .start()
        .await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let mut tx = app
        .store
        .tenant(rid, &hs_store::Actor::Cli)
        .await
        .expect("tx");
    let secret = tx.rotate_voice_secret().await.expect("secret");
    tx.commit().await.expect("commit");
    let rid = rid.to_string();
    let mut refused = 0;
    let mut throttled = 0;
    for i in 0..100 {
        match voice_tool_from(&app, "203.0.113.9", &rid, &format!("hsv_wrong{i}")).await {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (refused, throttled),
        (30, 70),
        "the stranger's address is limited after 30 failures"
    );
    // The platform, from its own address, still has the whole budget.
    for _ in 0..20 {
        assert_eq!(
            voice_tool_from(&app, "198.51.100.7", &rid, &secret).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        voice_tool_from(&app, "198.51.100.7", &rid, &secret).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the restaurant's own budget still applies"
    );
}

#[tokio::test]
async fn a_flood_of_wrong_api_tokens_is_limited_per_address_and_spares_real_tokens() {
    let app = TestApp::builder()
        .api_rate_per_minute(5)
        .behind_proxy()
        .start()
        .await;
    let r = app.with_restaurant("Trattoria Test").await;
    let token = app.api_token(r, Role::Manager).await;
    let get = |ip: &'static str, token: String| {
        let client = app.client();
        let url = format!("{}/api/v1/me", app.base);
        async move {
            client
                .get(url)
                .header("x-forwarded-for", ip)
                .bearer_auth(token)
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    // A wrong token that names the real token's restaurant and id, with a wrong secret.
    let forged = format!("{}{}", &token[..token.len() - 43], "A".repeat(43));
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(get("203.0.113.9", forged.clone()).await);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        30
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        10
    );
    assert_eq!(get("198.51.100.7", token.clone()).await, StatusCode::OK);
}

#[tokio::test]
async fn metrics_need_the_configured_bearer_token() {
    let app = TestApp::new().await;
    let get = |token: Option<&'static str>| {
        let mut req = app.client().get(format!("{}/metrics", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.expect("metrics").status() }
    };
    assert_eq!(get(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(Some("guess")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(Some(crate::app::METRICS_TOKEN)).await, StatusCode::OK);
}

#[tokio::test]
async fn a_turn_time_band_up_to_the_largest_integer_is_refused_not_a_dropped_connection() {
    // Found by schemathesis: `max_party + 1` overflowed and the request's task panicked.
    let app = TestApp::new().await;
    let (_, _, token) = manager_at_trattoria(&app).await;
    let (s, body) = app
        .call(
            Method::PUT,
            "/api/v1/turn-times",
            &token,
            Some(json!({"turn_times": [{"min_party": 1, "max_party": 2147483647, "minutes": 90}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "turn_times[0].max_party");
}

#[tokio::test]
async fn a_page_error_renders_the_error_page_in_the_person_s_language() {
    // Page handlers answer `?` with a PageError; the dashboard's layer renders the page.
    let app = TestApp::new().await;
    let (mut b, _, _) = manager_at_trattoria(&app).await;
    let missing = uuid::Uuid::new_v4();
    for path in [
        format!("/calls/{missing}"),
        format!("/reservations/{missing}/cancel"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            p.body.contains("<html"),
            "{path}: an HTML page, not JSON: {}",
            p.body
        );
        assert!(p.body.contains("404"), "{path}: {}", p.body);
    }
}
