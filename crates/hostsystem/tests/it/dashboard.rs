//! The day view and its actions through the browser-facing routes (HTML forms, CSRF).

use crate::app::{TestApp, PASSWORD};
use hs_domain::Role;
use reqwest::StatusCode;

async fn signed_in_at_trattoria(app: &TestApp, role: Role) -> (crate::app::Browser, uuid::Uuid) {
    let r = app.with_trattoria("Trattoria Test").await;
    let email = format!("{}@trattoria-test.example", role.as_str());
    app.user_in(r, &email, role).await;
    let mut b = app.browser();
    b.login(&email, PASSWORD).await;
    (b, r)
}

#[tokio::test]
async fn a_reservation_made_in_the_form_appears_in_list_and_timeline_and_moves_through_its_states()
{
    let app = TestApp::new().await;
    let (mut b, _) = signed_in_at_trattoria(&app, Role::Manager).await;
    let form = b
        .get("/reservations/new?date=2026-11-27&party_size=4")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"19:00\""), "free times offered");
    let p = b
        .post(
            "/reservations/new",
            &[
                ("date", "2026-11-27"),
                ("party_size", "4"),
                ("time", "19:00"),
                ("name", "<img src=x onerror=alert(1)>"),
                ("phone", "0761 2345678"),
                ("notes", "Fensterplatz"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), Some("/?date=2026-11-27&view=list"));
    let day = b.get("/?date=2026-11-27").await;
    assert!(
        day.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the name is text"
    );
    assert!(!day.body.contains("<img src=x"));
    assert!(day.body.contains("T7") && day.body.contains("Fensterplatz"));
    assert!(
        day.body.contains("4 covers") || day.body.contains("4 Gäste"),
        "covers counted"
    );
    let timeline = b.get("/?date=2026-11-27&view=timeline").await;
    assert!(
        timeline
            .body
            .contains("class=\"block status s-confirmed gc-"),
        "a block on the timeline"
    );
    // Cancel asks first, then frees the table.
    let id = {
        let i = day.body.find("id=\"r-").expect("row") + 6;
        day.body[i..i + 36].to_string()
    };
    let ask = b.get(&format!("/reservations/{id}/cancel")).await;
    assert_eq!(ask.status, StatusCode::OK);
    let done = b
        .post(
            &format!("/reservations/{id}/cancel"),
            &[("date", "2026-11-27")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = b.get("/?date=2026-11-27").await;
    assert!(after.body.contains("s-cancelled"));
}

#[tokio::test]
async fn staff_seat_and_mark_no_shows_but_cannot_cancel_or_reach_other_restaurants() {
    let app = TestApp::new().await;
    let (mut b, r) = signed_in_at_trattoria(&app, Role::Staff).await;
    // Today at 13:00 in Freiburg (the test clock): book dinner tonight.
    let p = b
        .post(
            "/reservations/new",
            &[
                ("date", "2026-11-24"),
                ("party_size", "2"),
                ("time", "19:00"),
                ("name", "Heute Abend"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let day = b.get("/?date=2026-11-24").await;
    let id = {
        let i = day.body.find("id=\"r-").expect("row") + 6;
        day.body[i..i + 36].to_string()
    };
    assert!(day.body.contains(&format!("/reservations/{id}/seat")));
    assert!(
        !day.body.contains(&format!("/reservations/{id}/cancel")),
        "staff are not offered cancel"
    );
    assert_eq!(
        b.get(&format!("/reservations/{id}/cancel")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post(&format!("/reservations/{id}/cancel"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post(&format!("/reservations/{id}/no-show"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(b.get("/?date=2026-11-24").await.body.contains("s-no_show"));
    assert_eq!(
        b.post(&format!("/reservations/{id}/seat"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER,
        "a late guest is seated after all"
    );
    // A walk-in is seated now.
    assert_eq!(
        b.post("/walk-ins", &[("party_size", "3")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(b.get("/?date=2026-11-24").await.body.contains("s-seated"));
    // Another restaurant's reservation: not found.
    let other = app.with_trattoria("Nebenan").await;
    let token = app.api_token(other, Role::Owner).await;
    let (_, theirs) = app
        .call(reqwest::Method::POST, "/api/v1/reservations", &token, Some(serde_json::json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "guest": {"name": "Fremd"}})))
        .await;
    let their_id = theirs["id"].as_str().expect("id");
    assert_eq!(
        b.post(&format!("/reservations/{their_id}/seat"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let _ = r;
}

#[tokio::test]
async fn the_form_explains_bad_input_next_to_the_field() {
    let app = TestApp::new().await;
    let (mut b, _) = signed_in_at_trattoria(&app, Role::Manager).await;
    b.get("/reservations/new?date=2026-11-27&party_size=2")
        .await;
    let bad_phone = b
        .post(
            "/reservations/new",
            &[
                ("date", "2026-11-27"),
                ("party_size", "2"),
                ("time", "19:00"),
                ("name", "Anna"),
                ("phone", "call me"),
            ],
        )
        .await;
    assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_phone.body.contains("field-error"));
    assert!(
        bad_phone.body.contains("value=\"Anna\""),
        "what was typed is kept"
    );
    let off_grid = b
        .post(
            "/reservations/new",
            &[
                ("date", "2026-11-27"),
                ("party_size", "2"),
                ("time", "19:10"),
                ("name", "Anna"),
            ],
        )
        .await;
    // As the API answers it: a time off the grid can never be booked (422), not "taken" (409).
    assert_eq!(off_grid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = b
        .get("/reservations/new?date=2026-11-30&party_size=2")
        .await;
    assert!(
        closed.body.contains("closed") || closed.body.contains("geschlossen"),
        "Monday is closed"
    );
}

#[tokio::test]
async fn the_event_stream_carries_only_the_own_restaurant_s_changes() {
    let app = TestApp::new().await;
    let (b, r) = signed_in_at_trattoria(&app, Role::Manager).await;
    let other = app.with_trattoria("Nebenan").await;
    let mine = app.api_token(r, Role::Manager).await;
    let theirs = app.api_token(other, Role::Manager).await;
    let mut events = app
        .client()
        .get(format!("{}/events", app.base))
        .header(
            "cookie",
            format!("hs_session={}", b.session.clone().expect("session")),
        )
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), StatusCode::OK);
    assert!(events.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/event-stream"));
    let book = |token: String, name: &'static str| {
        let app = &app;
        async move {
            let body = serde_json::json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "guest": {"name": name}});
            app.call(
                reqwest::Method::POST,
                "/api/v1/reservations",
                &token,
                Some(body),
            )
            .await
            .1["id"]
                .as_str()
                .expect("id")
                .to_string()
        }
    };
    let _their_id = book(theirs, "Fremd").await;
    let my_id = book(mine, "Eigen").await;
    let mut seen = String::new();
    while !seen.contains(&my_id) {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), events.chunk())
            .await
            .expect("an event within 10 s")
            .expect("stream")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: reservation"));
    assert_eq!(
        seen.matches("data: ").count(),
        1,
        "only the own restaurant's event: {seen}"
    );
    assert!(!seen.contains("Eigen"), "ids only, no personal data");
    // Without a session there is no stream.
    assert_eq!(
        app.browser().get("/events").await.location(),
        Some("/login")
    );
}

#[tokio::test]
async fn a_reservation_is_moved_from_its_page_and_a_taken_time_is_refused_there() {
    let app = TestApp::new().await;
    let (mut b, r) = signed_in_at_trattoria(&app, Role::Staff).await;
    b.get("/reservations/new?date=2026-11-27&party_size=2")
        .await;
    b.post(
        "/reservations/new",
        &[
            ("date", "2026-11-27"),
            ("party_size", "2"),
            ("time", "19:00"),
            ("name", "Mover"),
        ],
    )
    .await;
    let day = b.get("/?date=2026-11-27").await;
    let id = {
        let i = day.body.find("id=\"r-").expect("row") + 6;
        day.body[i..i + 36].to_string()
    };
    let page = b.get(&format!("/reservations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("value=\"20:00\""),
        "free times to move to"
    );
    let moved = b
        .post(
            &format!("/reservations/{id}"),
            &[
                ("date", "2026-11-28"),
                ("party_size", "4"),
                ("time", "20:00"),
                ("notes", "Jetzt zu viert"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let next = b.get("/?date=2026-11-28").await;
    assert!(next.body.contains("Jetzt zu viert") && next.body.contains("20:00"));
    // Fill every table that seats 4 at 21:00 on Saturday, then try to move there.
    let token = app.api_token(r, Role::Manager).await;
    for i in 0..12 {
        let body = serde_json::json!({"date": "2026-11-28", "time": "21:00", "party_size": 4, "guest": {"name": format!("Voll {i}")}, "channel": "dashboard"});
        app.call(
            reqwest::Method::POST,
            "/api/v1/reservations",
            &token,
            Some(body),
        )
        .await;
    }
    let refused = b
        .post(
            &format!("/reservations/{id}"),
            &[
                ("date", "2026-11-28"),
                ("party_size", "4"),
                ("time", "21:00"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("field-error"));
    let other = app.with_trattoria("Nebenan").await;
    let foreign = app.api_token(other, Role::Owner).await;
    let (_, theirs) = app
        .call(reqwest::Method::POST, "/api/v1/reservations", &foreign, Some(serde_json::json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "guest": {"name": "Fremd"}})))
        .await;
    assert_eq!(
        b.get(&format!(
            "/reservations/{}",
            theirs["id"].as_str().expect("id")
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn managers_change_settings_in_the_browser_forms_and_staff_cannot() {
    let app = TestApp::new().await;
    let (mut m, r) = signed_in_at_trattoria(&app, Role::Manager).await;
    let page = m.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"Europe&#x2f;Berlin\"") && page.body.contains("Abendessen"));
    let rules = [
        ("street", "Hauptstraße 12"),
        ("postcode", "79098"),
        ("city", "Freiburg"),
        ("country", "de"),
        ("phone", ""),
        ("email", ""),
        ("website", ""),
        ("time_zone", "Europe/Berlin"),
        ("slot_minutes", "15"),
        ("lead_minutes", "30"),
        ("horizon_days", "60"),
        ("pacing_covers", ""),
        ("approval_above", "10"),
    ];
    let saved = m.post("/settings/restaurant", &rules).await;
    assert_eq!(
        saved.location(),
        Some("/settings?saved=1"),
        "{}",
        saved.body
    );
    let token = app.api_token(r, Role::Staff).await;
    let (_, s) = app
        .call(reqwest::Method::GET, "/api/v1/settings", &token, None)
        .await;
    assert_eq!(
        (
            s["lead_minutes"].as_i64(),
            s["pacing_covers"].is_null(),
            s["country"].as_str()
        ),
        (Some(30), true, Some("DE"))
    );
    let mut bad = rules.to_vec();
    bad[7] = ("time_zone", "Mars/Olympus");
    let refused = m.post("/settings/restaurant", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("time_zone"));
    // Open Mondays too: the existing rows plus one new row.
    let page = m.get("/settings").await;
    let rows = page.body.matches("name=\"p").count() / 5;
    let mut form: Vec<(String, String)> = Vec::new();
    for i in 0..rows {
        for f in ["weekday", "name", "start", "last", "end"] {
            let key = format!("p{i}_{f}");
            let needle = format!("name=\"{key}\"");
            let value = page.body.find(&needle).and_then(|at| {
                let tag_end = page.body[at..].find('>').map(|e| at + e)?;
                let tag = &page.body[at..tag_end];
                if f == "weekday" {
                    let sel = page.body[at..].find("selected").map(|s| at + s)?;
                    let v = page.body[..sel].rfind("value=\"")? + 7;
                    Some(page.body[v..v + page.body[v..].find('"')?].to_string())
                } else {
                    let v = tag.find("value=\"")? + 7;
                    Some(tag[v..v + tag[v..].find('"')?].to_string())
                }
            });
            form.push((key, value.unwrap_or_default()));
        }
    }
    let new_row = rows - 3;
    for (f, v) in [
        ("weekday", "0"),
        ("name", "Montagsabend"),
        ("start", "18:00"),
        ("last", "21:00"),
        ("end", "22:00"),
    ] {
        if let Some(e) = form
            .iter_mut()
            .find(|(k, _)| *k == format!("p{new_row}_{f}"))
        {
            e.1 = v.to_string();
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = m.post("/settings/periods", &pairs).await;
    assert_eq!(
        saved.location(),
        Some("/settings?saved=1"),
        "{}",
        saved.body
    );
    let (s, av) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/availability?date=2026-11-30&party_size=2",
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "Monday is open now: {av}");
    // Staff are kept out.
    app.user_in(r, "kellner@trattoria-test.example", Role::Staff)
        .await;
    let mut staff = app.browser();
    staff
        .login("kellner@trattoria-test.example", PASSWORD)
        .await;
    assert_eq!(staff.get("/settings").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        staff.post("/settings/restaurant", &rules).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!staff.get("/").await.body.contains("href=\"/settings\""));
}

#[tokio::test]
async fn the_guest_book_pages_find_show_and_edit_a_guest() {
    let app = TestApp::new().await;
    let (mut b, r) = signed_in_at_trattoria(&app, Role::Staff).await;
    b.get("/reservations/new?date=2026-11-27&party_size=2")
        .await;
    b.post(
        "/reservations/new",
        &[
            ("date", "2026-11-27"),
            ("party_size", "2"),
            ("time", "19:00"),
            ("name", "Greta Gast"),
            ("phone", "0761 998877"),
        ],
    )
    .await;
    let found = b.get("/guests?q=greta").await;
    assert_eq!(found.status, StatusCode::OK);
    let link = {
        let i = found.body.find("href=\"/guests/").expect("a result") + 6;
        found.body[i..i + found.body[i..].find('"').expect("end")].replace("&#x2f;", "/")
    };
    assert!(
        b.get("/guests?q=0761998877")
            .await
            .body
            .contains("Greta Gast"),
        "found by phone"
    );
    let profile = b.get(&link).await;
    assert!(profile.body.contains("2026-11-27 19:00"), "visit history");
    assert!(
        !profile.body.contains("g-special"),
        "staff get no special-notes field"
    );
    let bad = b
        .post(
            &link,
            &[
                ("name", "Greta Gast"),
                ("phone", "12"),
                ("email", ""),
                ("language", "de"),
                ("tags", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("field-error"));
    let bad_tag = b
        .post(
            &link,
            &[
                ("name", "Greta Gast"),
                ("phone", ""),
                ("email", ""),
                ("language", "de"),
                ("tags", &"x".repeat(40)),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(
        bad_tag.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a tag of 40 characters"
    );
    assert!(
        bad_tag.body.contains("field-error"),
        "shown at the tags field"
    );
    let ok = b
        .post(
            &link,
            &[
                ("name", "Greta Gast"),
                ("phone", "0761 998877"),
                ("email", "greta@example.com"),
                ("language", "en"),
                ("tags", "Stammgast, Fenster"),
                ("notes", "mag Rotwein"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let after = b.get(&link).await;
    assert!(
        after.body.contains("Stammgast")
            && after.body.contains("mag Rotwein")
            && after.body.contains("greta@example.com")
    );
    let other = app.with_trattoria("Nebenan").await;
    let _ = (r, other);
    assert_eq!(
        b.get(&format!("/guests/{}", uuid::Uuid::new_v4()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn service_period_tabs_show_one_service_at_a_time() {
    let app = TestApp::new().await;
    let (mut b, _) = signed_in_at_trattoria(&app, Role::Manager).await;
    for (time, name) in [("12:30", "Mittagsgast"), ("19:00", "Abendgast")] {
        b.get("/reservations/new?date=2026-11-28&party_size=2")
            .await;
        let p = b
            .post(
                "/reservations/new",
                &[
                    ("date", "2026-11-28"),
                    ("party_size", "2"),
                    ("time", time),
                    ("name", name),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let all = b.get("/?date=2026-11-28").await;
    assert!(
        all.body.contains("Mittagsgast") && all.body.contains("Abendgast"),
        "{}",
        &all.body[all.body.find("<tbody>").unwrap_or(0)..]
    );
    assert!(
        all.body.contains("period=Mittagessen") && all.body.contains("period=Abendessen"),
        "a tab per service"
    );
    let lunch = b.get("/?date=2026-11-28&period=Mittagessen").await;
    assert!(lunch.body.contains("Mittagsgast") && !lunch.body.contains("Abendgast"));
    let dinner = b.get("/?date=2026-11-28&period=Abendessen").await;
    assert!(!dinner.body.contains("Mittagsgast") && dinner.body.contains("Abendgast"));
    let unknown = b.get("/?date=2026-11-28&period=Fr%C3%BChst%C3%BCck").await;
    assert!(
        unknown.body.contains("Mittagsgast") && unknown.body.contains("Abendgast"),
        "an unknown period shows the whole day"
    );
    let weekday = b.get("/?date=2026-11-27").await;
    assert!(
        !weekday.body.contains("period="),
        "no tabs for a single service"
    );
}

/// The id of a table of the test restaurant by its name.
async fn table_id(app: &TestApp, r: uuid::Uuid, name: &str) -> String {
    let mut su = app.db.superuser_conn().await.expect("su");
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM tables WHERE restaurant_id = $1 AND name = $2")
            .bind(r)
            .bind(name)
            .fetch_one(&mut su)
            .await
            .expect("table");
    id.to_string()
}

#[tokio::test]
async fn the_booking_form_books_the_chosen_table_and_walk_ins_take_a_chosen_table() {
    let app = TestApp::new().await;
    let (mut b, r) = signed_in_at_trattoria(&app, Role::Staff).await;
    let t11 = table_id(&app, r, "T11").await;
    let form = b
        .get("/reservations/new?date=2026-11-27&party_size=2")
        .await;
    assert!(
        form.body
            .contains(&format!("<option value=\"{t11}\">T11 (4–6)</option>")),
        "tables offered instead of the suggestion"
    );
    let booked = |tables: String| {
        vec![
            ("date", "2026-11-27".to_string()),
            ("party_size", "2".to_string()),
            ("time", "19:00".to_string()),
            ("name", "Paula Gast".to_string()),
            ("tables", tables),
        ]
    };
    let as_pairs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    let first = as_pairs(&booked(t11.clone()));
    let refs: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/reservations/new", &refs).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let day = b.get("/?date=2026-11-27").await;
    assert!(day.body.contains("<td>T11</td>"), "booked on T11, not T1");
    // T11 is now taken at 19:00: the form says so next to the table field.
    let again = b.post("/reservations/new", &refs).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("field-error") && again.body.contains("taken"),
        "{}",
        again.body
    );
    let garbage = as_pairs(&booked("not-a-table".into()));
    let refs: Vec<(&str, &str)> = garbage.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        b.post("/reservations/new", &refs).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A walk-in on a chosen table, today.
    let t20 = table_id(&app, r, "T20").await;
    let w = b
        .post(
            "/walk-ins",
            &[("party_size", "3"), ("tables", t20.as_str())],
        )
        .await;
    assert_eq!(w.status, StatusCode::SEE_OTHER, "{}", w.body);
    let today = b.get("/").await;
    assert!(today.body.contains("<td>T20</td>"), "walk-in on T20");
}

#[tokio::test]
async fn known_guests_are_offered_while_typing_a_name_or_number() {
    let app = TestApp::new().await;
    let (mut b, _) = signed_in_at_trattoria(&app, Role::Staff).await;
    let p = b
        .post(
            "/reservations/new",
            &[
                ("date", "2026-11-27"),
                ("party_size", "2"),
                ("time", "19:00"),
                ("name", "Erika <b>Mustermann</b>"),
                ("phone", "0761 2345678"),
                ("email", "erika@example.com"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let by_name = b.get("/guests/lookup?q=musterm").await;
    assert_eq!(by_name.status, StatusCode::OK);
    assert!(
        by_name.body.contains("data-guest-phone=\"+497612345678\""),
        "{}",
        by_name.body
    );
    assert!(by_name.body.contains("data-guest-language=\"en\""));
    assert!(by_name.body.contains("&lt;b&gt;"), "names are escaped");
    // Part of the number as typed, with the national 0.
    let by_number = b.get("/guests/lookup?q=0761%20234").await;
    assert!(
        by_number.body.contains("erika@example.com"),
        "{}",
        by_number.body
    );
    let nobody = b.get("/guests/lookup?q=Zacharias").await;
    assert!(!nobody.body.contains("data-guest-name"));
    let one_letter = b.get("/guests/lookup?q=E").await;
    assert!(
        !one_letter.body.contains("data-guest-name"),
        "two characters at least"
    );
    let huge = b
        .get(&format!("/guests/lookup?q={}", "x".repeat(500)))
        .await;
    assert_eq!(huge.status, StatusCode::OK, "too long asks nothing");
    // Another restaurant's guests are not offered.
    let other = app.with_trattoria("Andere Trattoria").await;
    app.user_in(other, "fremd@other.example", Role::Owner).await;
    let mut o = app.browser();
    o.login("fremd@other.example", PASSWORD).await;
    assert!(!o
        .get("/guests/lookup?q=musterm")
        .await
        .body
        .contains("data-guest-name"));
}

#[tokio::test]
async fn managers_add_special_days_areas_and_combinations_in_settings() {
    let app = TestApp::new().await;
    let (mut m, r) = signed_in_at_trattoria(&app, Role::Manager).await;
    let token = app.api_token(r, Role::Staff).await;
    // Monday 30 November is closed; a special opening makes it bookable.
    let monday = "/api/v1/availability?date=2026-11-30&party_size=2";
    let (s, _) = app.call(reqwest::Method::GET, monday, &token, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "closed on Mondays");
    let special = [
        ("special_day", "2026-11-30"),
        ("special_name", "Adventsessen"),
        ("special_start", "18:00"),
        ("special_last", "20:00"),
        ("special_end", "22:00"),
    ];
    let saved = m.post("/settings/special-days", &special).await;
    assert_eq!(
        saved.location(),
        Some("/settings?saved=1"),
        "{}",
        saved.body
    );
    let (s, av) = app.call(reqwest::Method::GET, monday, &token, None).await;
    assert_eq!(s, StatusCode::OK, "{av}");
    assert_eq!(av["slots"][0]["time"], "18:00");
    let page = m.get("/settings").await;
    assert!(page.body.contains("Adventsessen"));
    let mut bad = special.to_vec();
    bad[3] = ("special_last", "23:00");
    let refused = m.post("/settings/special-days", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("last_seating"), "{}", refused.body);
    let removed = m
        .post("/settings/special-days/2026-11-30/remove", &[])
        .await;
    assert_eq!(removed.location(), Some("/settings?saved=1"));
    let (s, _) = app.call(reqwest::Method::GET, monday, &token, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "closed again");
    // An area, and a combination of T1+T2+T3 for up to six.
    let a = m
        .post("/settings/areas", &[("area_name", "Wintergarten")])
        .await;
    assert_eq!(a.location(), Some("/settings?saved=1"), "{}", a.body);
    assert!(m.get("/settings").await.body.contains("Wintergarten"));
    let (t1, t2, t3) = (
        table_id(&app, r, "T1").await,
        table_id(&app, r, "T2").await,
        table_id(&app, r, "T3").await,
    );
    let (k1, k2, k3) = (
        format!("table_{t1}"),
        format!("table_{t2}"),
        format!("table_{t3}"),
    );
    let c = m
        .post(
            "/settings/combinations",
            &[
                ("combination_name", "Lange Tafel"),
                ("combination_min", "5"),
                ("combination_max", "6"),
                (k1.as_str(), "1"),
                (k2.as_str(), "1"),
                (k3.as_str(), "1"),
            ],
        )
        .await;
    assert_eq!(c.location(), Some("/settings?saved=1"), "{}", c.body);
    let one = m
        .post(
            "/settings/combinations",
            &[
                ("combination_name", "Allein"),
                ("combination_min", "2"),
                ("combination_max", "3"),
                (k1.as_str(), "1"),
            ],
        )
        .await;
    assert_eq!(one.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one.body.contains("table_ids"), "{}", one.body);
    let (_, combos) = app
        .call(reqwest::Method::GET, "/api/v1/tables", &token, None)
        .await;
    let list = combos["combinations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let tafel = list
        .iter()
        .find(|c| c["name"] == "Lange Tafel")
        .unwrap_or_else(|| panic!("combination saved: {combos}"));
    assert_eq!(tafel["table_ids"].as_array().map(Vec::len), Some(3));
    let id = tafel["id"].as_str().expect("id");
    let gone = m
        .post(&format!("/settings/combinations/{id}/remove"), &[])
        .await;
    assert_eq!(gone.location(), Some("/settings?saved=1"));
    assert_eq!(
        m.post(&format!("/settings/combinations/{id}/remove"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // And through the API.
    let manager = app.api_token(r, Role::Manager).await;
    let (s, made) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/combinations",
            &manager,
            Some(serde_json::json!({"name": "Eck", "min_seats": 3, "max_seats": 4, "table_ids": [t1, t2]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let path = format!("/api/v1/combinations/{}", made["id"].as_str().expect("id"));
    let (s, _) = app.call(reqwest::Method::DELETE, &path, &token, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "staff cannot");
    let (s, _) = app
        .call(reqwest::Method::DELETE, &path, &manager, None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Staff cannot.
    app.user_in(r, "kellner@trattoria-test.example", Role::Staff)
        .await;
    let mut staff = app.browser();
    staff
        .login("kellner@trattoria-test.example", PASSWORD)
        .await;
    assert_eq!(
        staff
            .post("/settings/areas", &[("area_name", "Keller")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
