//! Reservations through the JSON API: booking, states, moves, walk-ins, idempotency,
//! concurrency, bad input, special-category notes and tenant isolation. The clock stands at
//! Tuesday 24 November 2026, 13:00 in Freiburg.

use crate::app::TestApp;
use hs_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const FRIDAY: &str = "2026-11-27";

fn booking(time: &str, party: u32, name: &str) -> Value {
    json!({
        "date": FRIDAY, "time": time, "party_size": party,
        "guest": {"name": name, "phone": "0761 2345678", "email": "gast@example.com", "language": "de"},
        "notes": "Geburtstag"
    })
}

async fn setup(app: &TestApp) -> (uuid::Uuid, String, String) {
    let r = app.with_trattoria("Trattoria Test").await;
    (
        r,
        app.api_token(r, Role::Manager).await,
        app.api_token(r, Role::Staff).await,
    )
}

#[tokio::test]
async fn a_booking_gets_code_tables_and_guest_and_is_listed() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("19:00", 4, "Erika Mustermann")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let code = r["code"].as_str().expect("code");
    assert_eq!(code.len(), 6);
    assert!(code
        .bytes()
        .all(|b| hs_domain::reservation::CODE_ALPHABET.contains(&b)));
    assert_eq!(r["status"], "confirmed");
    assert_eq!(r["tables"], json!(["T7"]));
    assert_eq!(r["starts_at"], "2026-11-27T18:00:00Z");
    assert_eq!(
        r["ends_at"], "2026-11-27T20:00:00Z",
        "4 people: 120 minutes"
    );
    assert_eq!(r["guest"]["phone"], "+497612345678");
    let id = r["id"].as_str().expect("id");
    let (s, got) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            &manager,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The booking's answer is built from what was written; it must be what a read returns.
    assert_eq!(got, r, "the created reservation reads back unchanged");
    let (_, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations?date={FRIDAY}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(list["reservations"].as_array().map(Vec::len), Some(1));
    // The same guest booking again is matched, not duplicated.
    let (_, again) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("20:00", 2, "Erika M.")),
        )
        .await;
    assert_eq!(again["guest"]["id"], r["guest"]["id"]);
    assert_eq!(
        again["guest"]["name"], "Erika Mustermann",
        "the guest book's name, not the one typed this time"
    );
    let (_, again_read) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{}", again["id"].as_str().expect("id")),
            &manager,
            None,
        )
        .await;
    assert_eq!(again_read, again);
    // Availability now offers T8 for 4 at 19:00.
    let (s, av) = app
        .call(
            Method::GET,
            &format!("/api/v1/availability?date={FRIDAY}&party_size=4&time=19:00"),
            &staff,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let at_seven = av["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|x| x["time"] == "19:00")
        .cloned()
        .expect("19:00 free");
    assert_eq!(at_seven["tables"], json!(["T8"]));
}

#[tokio::test]
async fn large_parties_wait_for_a_manager_and_states_follow_the_allowed_transitions() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let (_, big) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("18:00", 10, "Vereinsfeier")),
        )
        .await;
    assert_eq!(big["status"], "pending");
    assert_eq!(big["tables"], json!(["T11", "T12"]));
    let id = big["id"].as_str().expect("id").to_string();
    let path = |a: &str| format!("/api/v1/reservations/{id}/{a}");
    assert_eq!(
        app.call(Method::POST, &path("confirm"), &staff, None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::POST, &path("confirm"), &manager, None)
            .await
            .1["status"],
        "confirmed"
    );
    assert_eq!(
        app.call(Method::POST, &path("seat"), &staff, None).await.1["status"],
        "seated"
    );
    let (s, e) = app
        .call(Method::POST, &path("cancel"), &manager, None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error"]["code"], "invalid_transition");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("seated") && m.contains("cancelled")),
        "{e}"
    );
    assert_eq!(
        app.call(Method::POST, &path("complete"), &staff, None)
            .await
            .1["status"],
        "completed"
    );
    assert_eq!(
        app.call(Method::POST, &path("explode"), &staff, None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Completed frees the tables: the same time is bookable again.
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("18:00", 10, "Zweite Feier")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn no_shows_count_against_the_guest_and_staff_cannot_cancel() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let (_, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("19:00", 2, "Max Müller")),
        )
        .await;
    let id = r["id"].as_str().expect("id");
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/reservations/{id}/cancel"),
            &staff,
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/reservations/{id}/no-show"),
            &staff,
            None
        )
        .await
        .1["status"],
        "no_show"
    );
    let mut su = app.db.superuser_conn().await.expect("su");
    let no_shows: i32 = sqlx::query_scalar("SELECT no_show_count FROM guests WHERE id = $1::uuid")
        .bind(r["guest"]["id"].as_str().expect("guest"))
        .fetch_one(&mut su)
        .await
        .expect("count");
    assert_eq!(no_shows, 1);
    let _ = manager;
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let app = TestApp::new().await;
    let (_, _, staff) = setup(&app).await;
    let long_name = "x".repeat(10_000);
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"party_size": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_size",
        ),
        (
            json!({"party_size": 500}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_size",
        ),
        (
            json!({"party_size": -2}),
            StatusCode::BAD_REQUEST,
            "party_size",
        ),
        (
            json!({"date": "2026-11-20"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "date",
        ),
        (
            json!({"date": "2027-06-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "date",
        ),
        (
            json!({"date": "2026-11-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "date",
        ),
        (
            json!({"date": "2026-12-25"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "date",
        ),
        (
            json!({"date": "27.11.2026"}),
            StatusCode::BAD_REQUEST,
            "date",
        ),
        (
            json!({"time": "19:10"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "time",
        ),
        (
            json!({"time": "21:45"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "time",
        ),
        (json!({"time": "25:00"}), StatusCode::BAD_REQUEST, "time"),
        (
            json!({"guest": {"name": "Anna", "phone": "call me"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.phone",
        ),
        (
            json!({"guest": {"name": "Anna", "email": "anna@"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.email",
        ),
        (
            json!({"guest": {"name": long_name}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.name",
        ),
        (
            json!({"guest": {"name": "Anna\u{0007}Bell"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.name",
        ),
        (
            json!({"guest": {"name": "   "}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.name",
        ),
        (
            json!({"guest": {"name": "Anna", "language": "fr"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "guest.language",
        ),
        (
            json!({"channel": "fax"}),
            StatusCode::BAD_REQUEST,
            "channel",
        ),
        (
            json!({"notes": "y".repeat(2001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "notes",
        ),
    ];
    for (patch, status, field) in cases {
        let mut body = booking("19:00", 2, "Anna");
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (s, e) = app
            .call(Method::POST, "/api/v1/reservations", &staff, Some(body))
            .await;
        assert_eq!(s, status, "{patch}: {e}");
        assert_eq!(e["error"]["field"], field, "{patch}: {e}");
    }
    let (s, e) = app
        .call(
            Method::GET,
            "/api/v1/availability?date=2026-11-27&party_size=abc",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("party_size"))
    );
    let mut su = app.db.superuser_conn().await.expect("su");
    let counts: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM reservations), (SELECT count(*) FROM guests)")
            .fetch_one(&mut su)
            .await
            .expect("counts");
    assert_eq!(counts, (0, 0), "nothing half-written");
}

#[tokio::test]
async fn an_idempotency_key_books_once_and_refuses_another_body() {
    let app = TestApp::new().await;
    let (_, _, staff) = setup(&app).await;
    let post = |key: &'static str, body: Value| {
        let app = &app;
        let staff = staff.clone();
        async move {
            let resp = app
                .client()
                .post(format!("{}/api/v1/reservations", app.base))
                .bearer_auth(&staff)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .expect("send");
            (resp.status(), resp.text().await.expect("body"))
        }
    };
    let first = post("key-1", booking("19:00", 2, "Ida")).await;
    let second = post("key-1", booking("19:00", 2, "Ida")).await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(first, second, "same status and body");
    let reused = post("key-1", booking("20:00", 2, "Ida")).await;
    assert_eq!(reused.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.1.contains("idempotency_key_reused"));
    let (_, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations?date={FRIDAY}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(
        list["reservations"].as_array().map(Vec::len),
        Some(1),
        "booked once"
    );
    app.advance(chrono::Duration::hours(25));
    let later = post("key-1", booking("20:00", 2, "Ida")).await;
    assert_eq!(later.0, StatusCode::CREATED, "keys expire after 24 h");
    let bad = post("", booking("20:30", 2, "Ida")).await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
}

/// A restaurant with one table (1-4 seats), open every day 17:00-23:00, 90 minutes a visit;
/// returns a manager token.
async fn single_table(app: &TestApp) -> String {
    let r = app.with_restaurant("Einzeltisch").await;
    let token = app.api_token(r, Role::Manager).await;
    let (s, area) = app
        .call(
            Method::POST,
            "/api/v1/areas",
            &token,
            Some(json!({"name": "Stube"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{area}");
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/tables",
            &token,
            Some(json!({"area_id": area["id"], "name": "T1", "min_seats": 1, "max_seats": 4})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let periods: Vec<Value> = (0..7).map(|d| json!({"weekday": d, "name": "Abend", "start": "17:00:00", "end": "23:00:00", "last_seating": "21:00:00"})).collect();
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/service-periods",
            &token,
            Some(json!({"periods": periods}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let turn = json!({"turn_times": [{"min_party": 1, "max_party": null, "minutes": 90}]});
    assert_eq!(
        app.call(Method::PUT, "/api/v1/turn-times", &token, Some(turn))
            .await
            .0,
        StatusCode::OK
    );
    token
}

#[tokio::test]
async fn fifty_simultaneous_bookings_of_the_last_table_one_wins_the_rest_get_alternatives() {
    let app = TestApp::new().await;
    let token = single_table(&app).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = app.client();
        let url = format!("{}/api/v1/reservations", app.base);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"date": FRIDAY, "time": "19:00", "party_size": 2, "guest": {"name": format!("Gast {i}")}});
            let resp = client.post(url).bearer_auth(token).json(&body).send().await.expect("send");
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("json"))
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (s, body) = t.await.expect("join");
        match s {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "slot_unavailable");
                let alts = body["alternatives"].as_array().expect("alternatives");
                assert!(
                    alts.iter().any(|a| a["time"] == "17:30"),
                    "offers 17:30: {body}"
                );
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1, "exactly one booking wins");
}

#[tokio::test]
async fn other_days_offered_instead_are_free_on_those_days() {
    let app = TestApp::new().await;
    let token = single_table(&app).await;
    let book = |date: &str| json!({"date": date, "time": "19:00", "party_size": 2, "guest": {"name": "Gast"}});
    // Friday, Saturday and Sunday 19:00 are taken; Monday to Wednesday are free.
    for date in [FRIDAY, "2026-11-28", "2026-11-29"] {
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/reservations",
                &token,
                Some(book(date)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{date}: {body}");
    }
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(book(FRIDAY)),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // The days offered instead of Friday, in order.
    let other_days = |v: &Value| -> Vec<String> {
        v["alternatives"]
            .as_array()
            .expect("alternatives")
            .iter()
            .filter(|a| a["date"] != FRIDAY)
            .map(|a| a["date"].as_str().expect("date").to_string())
            .collect()
    };
    assert_eq!(
        other_days(&body),
        ["2026-11-30", "2026-12-01", "2026-12-02"],
        "{body}"
    );
    // The same from the availability endpoint.
    let (s, av) = app
        .call(
            Method::GET,
            &format!("/api/v1/availability?date={FRIDAY}&party_size=2&time=19:00"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{av}");
    assert_eq!(
        other_days(&av),
        ["2026-11-30", "2026-12-01", "2026-12-02"],
        "{av}"
    );
}

#[tokio::test]
async fn moving_and_resizing_recheck_availability_and_reassign_tables() {
    let app = TestApp::new().await;
    let (_, _, staff) = setup(&app).await;
    let (_, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("19:00", 2, "Paula")),
        )
        .await;
    let id = r["id"].as_str().expect("id").to_string();
    assert_eq!(r["tables"], json!(["T1"]));
    let path = format!("/api/v1/reservations/{id}");
    let (s, moved) = app
        .call(
            Method::PATCH,
            &path,
            &staff,
            Some(json!({"time": "20:00", "party_size": 6})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["time"], "20:00");
    assert_eq!(moved["tables"], json!(["T11"]));
    assert_eq!(
        moved["ends_at"], "2026-11-27T21:30:00Z",
        "6 people: 150 minutes"
    );
    let (s, e) = app
        .call(
            Method::PATCH,
            &path,
            &staff,
            Some(json!({"date": "2026-11-30"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("date")),
        "{e}"
    );
    let (s, e) = app
        .call(
            Method::PATCH,
            &path,
            &staff,
            Some(json!({"party_size": 13})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, same) = app.call(Method::GET, &path, &staff, None).await;
    assert_eq!(
        (same["time"].as_str(), same["party_size"].as_i64()),
        (Some("20:00"), Some(6)),
        "unchanged after refusals"
    );
    // Two simultaneous moves of one reservation run one after the other; it ends on one table.
    let a = app.call(Method::PATCH, &path, &staff, Some(json!({"time": "18:00"})));
    let b = app.call(Method::PATCH, &path, &staff, Some(json!({"time": "18:30"})));
    let ((sa, _), (sb, _)) = tokio::join!(a, b);
    assert!(sa == StatusCode::OK && sb == StatusCode::OK);
    let (_, last) = app.call(Method::GET, &path, &staff, None).await;
    assert!(last["time"] == "18:00" || last["time"] == "18:30");
    let mut su = app.db.superuser_conn().await.expect("su");
    let holds: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reservation_tables WHERE reservation_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&mut su)
    .await
    .expect("holds");
    assert_eq!(holds, 1);
}

#[tokio::test]
async fn staff_can_choose_the_tables_instead_of_the_suggestion() {
    let app = TestApp::new().await;
    let (_, _, staff) = setup(&app).await;
    let (_, tables) = app.call(Method::GET, "/api/v1/tables", &staff, None).await;
    let id_of = |name: &str| -> String {
        tables["tables"]
            .as_array()
            .or(tables.as_array())
            .expect("tables")
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["id"].as_str().expect("id").to_string())
            .expect("table")
    };
    let (t1, t11, t12) = (id_of("T1"), id_of("T11"), id_of("T12"));
    let mut on_t11 = booking("19:00", 2, "Paula");
    on_t11["table_ids"] = json!([t11]);
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(on_t11.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["tables"], json!(["T11"]), "the chosen table, not T1");
    // The same table at an overlapping time is taken: 409 naming table_ids.
    on_t11["time"] = json!("20:00");
    let (s, e) = app
        .call(Method::POST, "/api/v1/reservations", &staff, Some(on_t11))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("tables_unavailable"),
            Some("table_ids")
        ),
        "{e}"
    );
    let mut too_small = booking("19:00", 4, "Otto");
    too_small["table_ids"] = json!([t1]);
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(too_small),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("tables_too_small")),
        "{e}"
    );
    let mut unknown = booking("19:00", 2, "Otto");
    unknown["table_ids"] = json!([uuid::Uuid::new_v4()]);
    let (s, e) = app
        .call(Method::POST, "/api/v1/reservations", &staff, Some(unknown))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("table_ids")),
        "{e}"
    );
    // Moving onto chosen tables; T11 stays held by nobody else afterwards.
    let path = format!("/api/v1/reservations/{}", r["id"].as_str().expect("id"));
    let (s, moved) = app
        .call(
            Method::PATCH,
            &path,
            &staff,
            Some(json!({"table_ids": [t12]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["tables"], json!(["T12"]));
    assert_eq!(moved["time"], "19:00");
    let (s, walk) = app
        .call(
            Method::POST,
            "/api/v1/walk-ins",
            &staff,
            Some(json!({"party_size": 2, "table_ids": [t11]})),
        )
        .await;
    assert_eq!(
        (s, walk["tables"].clone()),
        (StatusCode::CREATED, json!(["T11"])),
        "{walk}"
    );
}

#[tokio::test]
async fn walk_ins_are_seated_now() {
    let app = TestApp::new().await;
    let (_, _, staff) = setup(&app).await;
    let (s, w) = app
        .call(
            Method::POST,
            "/api/v1/walk-ins",
            &staff,
            Some(json!({"party_size": 3})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    assert_eq!(w["status"], "seated");
    assert_eq!(w["channel"], "walk_in");
    assert_eq!(w["starts_at"], "2026-11-24T12:00:00Z");
    assert_eq!(w["tables"], json!(["T7"]));
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/walk-ins",
            &staff,
            Some(json!({"party_size": 0})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("party_size"))
    );
}

#[tokio::test]
async fn special_category_notes_are_sealed_and_shown_only_to_those_allowed() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let mut body = booking("19:00", 2, "Clara");
    body["special_notes"] = json!("Erdnussallergie, schwanger");
    let (_, r) = app
        .call(Method::POST, "/api/v1/reservations", &staff, Some(body))
        .await;
    assert!(
        r.get("special_notes").is_none(),
        "staff do not see them: {r}"
    );
    assert_eq!(r["has_special_notes"], true);
    let id = r["id"].as_str().expect("id");
    let (_, m) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            &manager,
            None,
        )
        .await;
    assert_eq!(m["special_notes"], "Erdnussallergie, schwanger");
    let mut su = app.db.superuser_conn().await.expect("su");
    let dump: String = sqlx::query_scalar(
        "SELECT (SELECT string_agg(r::text, ' ') FROM reservations r) || (SELECT string_agg(a::text, ' ') FROM audit_log a)",
    )
    .fetch_one(&mut su)
    .await
    .expect("dump");
    assert!(!dump.contains("Erdnuss"), "never in clear in the database");
    // A restaurant may let staff read them.
    let (_, mut settings) = app
        .call(Method::GET, "/api/v1/settings", &manager, None)
        .await;
    settings["staff_read_special"] = json!(true);
    assert_eq!(
        app.call(Method::PUT, "/api/v1/settings", &manager, Some(settings))
            .await
            .0,
        StatusCode::OK
    );
    let (_, s) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(s["special_notes"], "Erdnussallergie, schwanger");
}

#[tokio::test]
async fn setup_changes_are_validated_field_by_field_and_for_managers_only() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let (_, settings) = app
        .call(Method::GET, "/api/v1/settings", &staff, None)
        .await;
    assert_eq!(settings["time_zone"], "Europe/Berlin");
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/settings",
            &staff,
            Some(settings.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    for (k, v, field) in [
        ("time_zone", json!("Mars/Olympus"), "time_zone"),
        ("slot_minutes", json!(7), "slot_minutes"),
        ("languages", json!(["fr"]), "languages"),
        ("horizon_days", json!(0), "horizon_days"),
    ] {
        let mut s = settings.clone();
        s[k] = v;
        let (status, e) = app
            .call(Method::PUT, "/api/v1/settings", &manager, Some(s))
            .await;
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{e}"
        );
    }
    let overlapping = json!({"periods": [
        {"weekday": 1, "name": "Mittag", "start": "11:30:00", "end": "15:00:00", "last_seating": "14:00:00"},
        {"weekday": 1, "name": "Abend", "start": "14:30:00", "end": "22:00:00", "last_seating": "21:00:00"}
    ]});
    let (s, e) = app
        .call(
            Method::PUT,
            "/api/v1/service-periods",
            &manager,
            Some(overlapping),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("periods[1]")),
        "{e}"
    );
    let late = json!({"periods": [{"weekday": 1, "name": "Abend", "start": "18:00:00", "end": "22:00:00", "last_seating": "22:30:00"}]});
    let (s, e) = app
        .call(Method::PUT, "/api/v1/service-periods", &manager, Some(late))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("periods[0].last_seating")
        ),
        "{e}"
    );
    let gap = json!({"turn_times": [{"min_party": 1, "max_party": 2, "minutes": 90}, {"min_party": 4, "max_party": null, "minutes": 120}]});
    let (s, e) = app
        .call(Method::PUT, "/api/v1/turn-times", &manager, Some(gap))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("turn_times[1].min_party")
        ),
        "{e}"
    );
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/closures",
            &manager,
            Some(json!({"first_day": "2026-12-31", "last_day": "2026-12-30"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("last_day"))
    );
    let (_, floor) = app.call(Method::GET, "/api/v1/tables", &staff, None).await;
    let area = floor["areas"][0]["id"].clone();
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/tables",
            &manager,
            Some(json!({"area_id": area, "name": "T1", "min_seats": 1, "max_seats": 2})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("name")),
        "{e}"
    );
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/tables",
            &manager,
            Some(json!({"area_id": area, "name": "T99", "min_seats": 4, "max_seats": 2})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("max_seats"))
    );
    assert_eq!(floor["tables"].as_array().map(Vec::len), Some(16));
    assert_eq!(floor["combinations"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn reservations_of_another_restaurant_are_not_found() {
    let app = TestApp::new().await;
    let (_, _, staff_a) = setup(&app).await;
    let b = app.with_trattoria("Andere Trattoria").await;
    let manager_b = app.api_token(b, Role::Manager).await;
    let (_, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff_a,
            Some(booking("19:00", 2, "Olga")),
        )
        .await;
    let id = r["id"].as_str().expect("id");
    for (m, path, body) in [
        (Method::GET, format!("/api/v1/reservations/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/reservations/{id}"),
            Some(json!({"time": "20:00"})),
        ),
        (
            Method::POST,
            format!("/api/v1/reservations/{id}/cancel"),
            None,
        ),
    ] {
        let (s, _) = app.call(m, &path, &manager_b, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations?date={FRIDAY}"),
            &manager_b,
            None,
        )
        .await;
    assert_eq!(list["reservations"], json!([]));
    let (_, still) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            &staff_a,
            None,
        )
        .await;
    assert_eq!(
        (still["status"].as_str(), still["time"].as_str()),
        (Some("confirmed"), Some("19:00"))
    );
}

#[tokio::test]
async fn the_guest_book_finds_guests_shows_history_and_guards_special_notes() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    let (_, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("19:00", 2, "Gisela Gastlich")),
        )
        .await;
    let gid = r["guest"]["id"].as_str().expect("guest").to_string();
    app.call(
        Method::POST,
        &format!(
            "/api/v1/reservations/{}/no-show",
            r["id"].as_str().expect("id")
        ),
        &staff,
        None,
    )
    .await;
    for q in ["gastl", "GISELA", "0761%202345678", "gast@example.com"] {
        let (s, found) = app
            .call(Method::GET, &format!("/api/v1/guests?q={q}"), &staff, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(found["guests"][0]["id"], gid.as_str(), "search {q}");
    }
    let (_, none) = app
        .call(Method::GET, "/api/v1/guests?q=%25", &staff, None)
        .await;
    assert_eq!(none["guests"], json!([]), "a % is searched literally");
    let (_, profile) = app
        .call(Method::GET, &format!("/api/v1/guests/{gid}"), &staff, None)
        .await;
    assert_eq!(profile["guest"]["no_show_count"], 1);
    assert_eq!(profile["reservations"].as_array().map(Vec::len), Some(1));
    let path = format!("/api/v1/guests/{gid}");
    let (s, _) = app
        .call(
            Method::PATCH,
            &path,
            &staff,
            Some(json!({"special_notes": "Laktoseintoleranz"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "staff may not write what they may not read"
    );
    let (s, g) = app.call(Method::PATCH, &path, &manager, Some(json!({"special_notes": "Laktoseintoleranz", "tags": ["Stammgast"], "phone": "+44 20 7946 0958"}))).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["special_notes"], "Laktoseintoleranz");
    assert_eq!(g["phone"], "+442079460958");
    let (_, as_staff) = app.call(Method::GET, &path, &staff, None).await;
    assert!(as_staff["guest"].get("special_notes").is_none());
    assert_eq!(as_staff["guest"]["has_special_notes"], true);
    let (s, e) = app
        .call(Method::PATCH, &path, &manager, Some(json!({"phone": "12"})))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("phone"))
    );
    let (s, e) = app
        .call(
            Method::PATCH,
            &path,
            &manager,
            Some(json!({"tags": ["ok", "bad\u{0000}"]})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("tags[1]"))
    );
    let other = app.with_trattoria("Nachbar").await;
    let other_token = app.api_token(other, Role::Owner).await;
    assert_eq!(
        app.call(Method::GET, &path, &other_token, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(
            Method::PATCH,
            &path,
            &other_token,
            Some(json!({"name": "X"}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn special_days_open_a_closed_day_and_tables_change_only_where_safe() {
    let app = TestApp::new().await;
    let (_, manager, staff) = setup(&app).await;
    // Monday 30 November is closed; a special evening opens it.
    let monday = "2026-11-30";
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/availability?date={monday}&party_size=2"),
            &staff,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let day = json!({"special_days": [{"day": monday, "name": "Adventsabend", "start": "18:00:00", "end": "23:00:00", "last_seating": "21:00:00"}]});
    let (s, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/special-days/{monday}"),
            &manager,
            Some(day),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, av) = app
        .call(
            Method::GET,
            &format!("/api/v1/availability?date={monday}&party_size=2"),
            &staff,
            None,
        )
        .await;
    let times: Vec<&str> = av["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|x| x["time"].as_str())
        .collect();
    assert_eq!(
        (times.first().copied(), times.last().copied()),
        (Some("18:00"), Some("21:00"))
    );
    let bad = json!({"special_days": [{"day": monday, "name": "X", "start": "18:00:00", "end": "20:00:00", "last_seating": "21:00:00"}]});
    let (s, e) = app
        .call(
            Method::PUT,
            &format!("/api/v1/special-days/{monday}"),
            &manager,
            Some(bad),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("periods[0].last_seating")
        ),
        "{e}"
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/special-days", &staff, None)
            .await
            .1["special_days"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Tables: a booked party of 4 on T7 keeps it from shrinking below 4 or being removed.
    let (_, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &staff,
            Some(booking("19:00", 4, "Tina")),
        )
        .await;
    assert_eq!(r["tables"], json!(["T7"]));
    let (_, floor) = app.call(Method::GET, "/api/v1/tables", &staff, None).await;
    let id_of = |name: &str| {
        floor["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|t| t["name"] == name)
            .expect("table")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let t7 = id_of("T7");
    let (s, e) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/tables/{t7}"),
            &manager,
            Some(json!({"max_seats": 3})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("max_seats")),
        "{e}"
    );
    let (s, t) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/tables/{t7}"),
            &manager,
            Some(json!({"name": "Fenster 7", "bookable_online": false})),
        )
        .await;
    assert_eq!((s, t["name"].as_str()), (StatusCode::OK, Some("Fenster 7")));
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/tables/{t7}"),
            &manager,
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    let t23 = id_of("T23");
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/tables/{t23}"),
            &staff,
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/tables/{t23}"),
            &manager,
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/tables/{t23}"),
            &manager,
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}
