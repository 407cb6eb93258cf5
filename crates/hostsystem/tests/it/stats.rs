//! Statistics over HTTP (issue 16): the figures of a range through the API and the page, the
//! range checks naming `to`, staff refused, and another restaurant's data never counted. The
//! hand-computed figures (combination table, no-show, cancellation, walk-in, a visit over
//! midnight, both DST weekends) are `hs_domain::stats` unit tests.

use crate::app::TestApp;
use hs_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PHONE: &str = "+4917612345678";

/// Books through the API for a guest named "Gast" with `phone`; the reservation's id.
async fn book(
    app: &TestApp,
    token: &str,
    date: &str,
    time: &str,
    party: u32,
    phone: &str,
) -> String {
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            token,
            Some(json!({"date": date, "time": time, "party_size": party,
                        "guest": {"name": "Gast", "phone": phone}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r["id"].as_str().expect("id").to_string()
}

async fn cancel(app: &TestApp, token: &str, id: &str) {
    let (s, r) = app
        .call(
            Method::POST,
            &format!("/api/v1/reservations/{id}/cancel"),
            token,
            Some(json!({})),
        )
        .await;
    assert!(s.is_success(), "{r}");
}

async fn stats(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    app.call(
        Method::GET,
        &format!("/api/v1/stats/summary?{query}"),
        token,
        None,
    )
    .await
}

#[tokio::test]
async fn the_api_and_page_give_a_restaurants_own_figures_to_managers_and_owners_only() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Statistik").await;
    let other = app.with_trattoria("Nachbar").await;
    let token = app.api_token(rid, Role::Manager).await;
    let staff = app.api_token(rid, Role::Staff).await;
    let neighbour = app.api_token(other, Role::Manager).await;
    book(&app, &token, "2026-11-27", "19:00", 3, PHONE).await;
    let cancelled = book(&app, &token, "2026-11-27", "20:00", 2, PHONE).await;
    cancel(&app, &token, &cancelled).await;
    for time in ["18:00", "18:30", "19:00", "20:30"] {
        book(&app, &neighbour, "2026-11-27", time, 2, PHONE).await;
    }

    let (s, f) = stats(&app, &token, "from=2026-11-27&to=2026-11-27").await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(
        f["headline"]["reservations"], 2,
        "only this restaurant's: {f}"
    );
    assert_eq!(f["headline"]["covers"], 3);
    assert_eq!(f["headline"]["cancelled"], 1);
    assert_eq!(f["headline"]["cancellation_rate"], 0.5);
    assert_eq!(f["before"]["reservations"], 0);
    assert_eq!(
        f["range"],
        json!({"from": "2026-11-27", "to": "2026-11-27"})
    );
    let api = f["by_channel"].as_array().expect("channels");
    assert_eq!(api.len(), 1);
    assert_eq!(api[0]["key"], "api");

    // Empty, long and refused ranges.
    let (s, empty) = stats(&app, &token, "from=2026-06-01&to=2026-06-30").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(empty["headline"]["reservations"], 0);
    assert_eq!(empty["headline"]["no_show_rate"], Value::Null);
    let (s, five) = stats(&app, &token, "from=2022-01-01&to=2026-12-31").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(five["by_day"].as_array().map(Vec::len), Some(1826));
    for (query, code) in [
        ("from=2026-11-28&to=2026-11-27", "before_from"),
        ("from=1980-01-01&to=2029-12-31", "range_too_long"),
        ("from=2199-12-01&to=9999-12-31", "out_of_range"),
    ] {
        let (s, e) = stats(&app, &token, query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {e}");
        assert_eq!(e["error"]["field"], "to", "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
    }
    let (s, e) = stats(&app, &token, "from=2026-13-01&to=2026-12-31").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["field"], "from", "{e}");
    let (s, _) = stats(&app, &staff, "from=2026-11-27&to=2026-11-27").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "staff see no statistics");

    // CSV of a table.
    let csv = app
        .client()
        .get(format!(
            "{}/api/v1/stats/by_day.csv?from=2026-11-26&to=2026-11-27",
            app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/csv")));
    let body = csv.text().await.expect("body");
    assert_eq!(
        body,
        "key,reservations,covers,cancelled,no_shows,cancellation_rate,no_show_rate\r\n\
         2026-11-26,0,0,0,0,,\r\n2026-11-27,2,3,1,0,0.5000,\r\n"
    );

    // The page: managers see charts with their data tables; staff get 403.
    app.user_in(rid, "chefin@statistik.example", Role::Manager)
        .await;
    app.user_in(rid, "service@statistik.example", Role::Staff)
        .await;
    let mut manager = app.browser();
    manager
        .login("chefin@statistik.example", crate::app::PASSWORD)
        .await;
    let page = manager.get("/stats?from=2026-11-27&to=2026-11-27").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("<title>"));
    assert!(page.body.contains("data-key=\"covers\""));
    let bad = manager.get("/stats?from=2026-11-28&to=2026-11-27").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("range-error"));
    let csv = manager
        .get("/stats/periods.csv?from=2026-11-27&to=2026-11-27")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("period,openings"), "{}", csv.body);
    let mut service = app.browser();
    service
        .login("service@statistik.example", crate::app::PASSWORD)
        .await;
    assert_eq!(service.get("/stats").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        service.get("/stats/by_day.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

/// The value of one `/metrics` line (0 when absent).
async fn metric(app: &TestApp, line: &str) -> u64 {
    let text = app
        .client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::app::METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("# TYPE hostsystem_bookings_total counter"));
    assert!(text.contains("# TYPE hostsystem_agent_outcomes_total counter"));
    assert!(text.contains("# TYPE hostsystem_messages_total counter"));
    text.lines()
        .find_map(|l| l.strip_prefix(line).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_count_bookings_by_channel_only_when_they_commit_and_messages_sent() {
    use hs_domain::reservation::Channel;
    use hs_store::booking::{GuestInput, NewReservation};
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Zähler").await;
    // The email channel: no other test books through it, so the count is this test's own.
    let email = "hostsystem_bookings_total{channel=\"email\"}";
    let before = metric(&app, email).await;
    let request = |time: &str| NewReservation {
        date: "2026-11-27".parse().expect("date"),
        time: chrono::NaiveTime::parse_from_str(time, "%H:%M").expect("time"),
        party_size: 2,
        guest: GuestInput {
            name: "Zähler".into(),
            email: Some("zaehler@example.org".into()),
            ..GuestInput::default()
        },
        notes: String::new(),
        special_notes: None,
        channel: Channel::Email,
        tables: None,
    };
    let mut tx = app
        .store
        .tenant(rid, &hs_store::Actor::Cli)
        .await
        .expect("tx");
    let made = tx
        .create_reservation(&request("19:00"))
        .await
        .expect("book");
    assert!(made.is_ok());
    drop(tx);
    assert_eq!(
        metric(&app, email).await,
        before,
        "rolled back: not counted"
    );
    let sent = "hostsystem_messages_total{channel=\"email\",status=\"sent\"}";
    let sent_before = metric(&app, sent).await;
    let mut tx = app
        .store
        .tenant(rid, &hs_store::Actor::Cli)
        .await
        .expect("tx");
    let made = tx
        .create_reservation(&request("19:30"))
        .await
        .expect("book");
    assert!(made.is_ok());
    tx.commit().await.expect("commit");
    assert_eq!(
        metric(&app, email).await,
        before + 1,
        "committed: counted once"
    );
    app.run_pending_jobs().await;
    assert!(
        metric(&app, sent).await > sent_before,
        "the confirmation sent is counted"
    );
}

#[tokio::test]
async fn a_guest_who_came_before_is_returning_and_one_whose_earlier_booking_was_cancelled_is_new() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Stammgäste").await;
    let token = app.api_token(rid, Role::Manager).await;
    // Wednesday: the regular comes, the other cancels. Friday: both, and a newcomer.
    book(&app, &token, "2026-11-25", "19:00", 2, "+4917610000001").await;
    let cancelled = book(&app, &token, "2026-11-25", "19:00", 2, "+4917610000002").await;
    cancel(&app, &token, &cancelled).await;
    for phone in ["+4917610000001", "+4917610000002", "+4917610000003"] {
        book(&app, &token, "2026-11-27", "19:00", 2, phone).await;
    }
    // Friday alone: Wednesday lies before the range before (Thursday), read from the
    // guests seen earlier; Thursday and Friday: Wednesday is in the range before.
    for query in [
        "from=2026-11-27&to=2026-11-27",
        "from=2026-11-26&to=2026-11-27",
    ] {
        let (s, f) = stats(&app, &token, query).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["guests"]["returning"], 1, "{query}: {f}");
        assert_eq!(f["guests"]["new"], 2, "{query}: {f}");
    }
}

/// The days with a kept daily sum of a restaurant, in order (read past row-level security).
async fn kept_days(app: &TestApp, rid: uuid::Uuid) -> Vec<String> {
    use sqlx::Connection;
    let mut c = app.db.superuser_conn().await.expect("superuser");
    let days: Vec<String> = sqlx::query_scalar(
        "SELECT day::text FROM stats_days WHERE restaurant_id = $1 ORDER BY day",
    )
    .bind(rid)
    .fetch_all(&mut c)
    .await
    .expect("stats_days");
    c.close().await.ok();
    days
}

#[tokio::test]
async fn kept_daily_sums_give_the_same_figures_and_a_change_to_a_kept_day_shows_at_once() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Tagessummen").await;
    let other = app.with_trattoria("Nachbar").await;
    let token = app.api_token(rid, Role::Manager).await;
    let neighbour = app.api_token(other, Role::Manager).await;
    let first = book(&app, &token, "2026-11-25", "19:00", 2, "+4917610000001").await;
    book(&app, &token, "2026-11-27", "20:00", 3, "+4917610000002").await;
    book(&app, &token, "2026-11-27", "19:30", 4, "+4917610000001").await;
    book(&app, &neighbour, "2026-11-26", "19:00", 6, PHONE).await;
    // A week on, those days are over; the page sums them from the reservations and asks the
    // job to keep them (back to the restaurant's first reservation, the 25th).
    app.advance(chrono::Duration::days(7));
    let query = "from=2026-11-25&to=2026-11-30";
    let (s, summed) = stats(&app, &token, query).await;
    assert_eq!(s, StatusCode::OK, "{summed}");
    assert_eq!(summed["headline"]["reservations"], 3, "{summed}");
    assert!(kept_days(&app, rid).await.is_empty(), "the page only reads");
    app.run_pending_jobs().await;
    let days: Vec<String> = (25..=30).map(|d| format!("2026-11-{d}")).collect();
    assert_eq!(kept_days(&app, rid).await, days);
    let (_, kept) = stats(&app, &token, query).await;
    assert_eq!(kept, summed, "the kept sums give exactly the same figures");
    assert_eq!(
        app.run_pending_jobs().await,
        0,
        "nothing left to keep (the empty days before the first reservation ask for no job)"
    );

    // A no-show marked on the 25th: its sum goes in the same transaction, and the figures
    // show the no-show at once; the job keeps the day again.
    let (s, r) = app
        .call(
            Method::POST,
            &format!("/api/v1/reservations/{first}/no-show"),
            &token,
            Some(json!({})),
        )
        .await;
    assert!(s.is_success(), "{r}");
    assert_eq!(kept_days(&app, rid).await, days[1..].to_vec());
    let (_, changed) = stats(&app, &token, query).await;
    assert_eq!(changed["headline"]["no_shows"], 1, "{changed}");
    assert_eq!(changed["headline"]["covers"], 7, "{changed}");
    app.run_pending_jobs().await;
    assert_eq!(kept_days(&app, rid).await, days);
    let (_, again) = stats(&app, &token, query).await;
    assert_eq!(again, changed);
    assert!(
        kept_days(&app, other).await.is_empty(),
        "no sums for a restaurant whose page nobody opened"
    );
}

#[tokio::test]
async fn a_booking_waits_while_daily_sums_are_kept_and_then_removes_the_one_it_made_stale() {
    use hs_domain::stats::{day_key, day_start, Day};
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Sperre").await;
    let token = app.api_token(rid, Role::Manager).await;
    let day: chrono::NaiveDate = "2026-11-27".parse().expect("date");
    // The job's transaction: the lock, then a sum of the 27th without the booking below.
    let mut job = app
        .store
        .tenant(rid, &hs_store::Actor::System)
        .await
        .expect("tx");
    job.lock_stats_days().await.expect("lock");
    let rules = job.rules().await.expect("rules");
    let instants = (
        day_start(day, rules.tz),
        day_start(day + chrono::Duration::days(1), rules.tz),
    );
    job.keep_stats_days(&[hs_store::stats::KeptDay {
        day: Day::empty(day),
        instants,
        key: day_key(&rules, day),
    }])
    .await
    .expect("keep");
    let waiting = async {
        use sqlx::Connection;
        let mut c = app.db.superuser_conn().await.expect("superuser");
        let mut waited = false;
        for _ in 0..500 {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            )
            .fetch_one(&mut c)
            .await
            .expect("pg_locks");
            if n > 0 {
                waited = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        c.close().await.ok();
        job.commit().await.expect("commit");
        waited
    };
    let (_, waited) = tokio::join!(book(&app, &token, "2026-11-27", "19:00", 2, PHONE), waiting);
    assert!(waited, "the booking waited for the job's lock");
    assert!(
        kept_days(&app, rid).await.is_empty(),
        "the sum kept without the booking is gone once the booking commits"
    );
}
