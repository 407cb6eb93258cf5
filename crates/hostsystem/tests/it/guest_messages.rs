//! Guest messages end to end: the confirmation with its calendar file and self-service link,
//! the guest changing and cancelling through that link, reminders on a simulated clock,
//! Resend's wire format with retries and refusals (against a local server that speaks it), and
//! Resend's signed delivery webhook. The clock stands at Tuesday 24 November 2026, 13:00 in
//! Freiburg.

use crate::app::{TestApp, PASSWORD};
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use hs_domain::Role;
use hs_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

const FRIDAY: &str = "2026-11-27";

fn booking(time: &str, party: u32, email: &str) -> Value {
    // One guest per address: the guest book matches guests by phone first.
    let n: u32 = email.bytes().map(u32::from).sum::<u32>() * 7919 % 9_000_000 + 1_000_000;
    json!({
        "date": FRIDAY, "time": time, "party_size": party,
        "guest": {"name": "Erika Mustermann", "phone": format!("0761 {n}"), "email": email, "language": "de"},
    })
}

async fn book(app: &TestApp, token: &str, time: &str, email: &str) -> Value {
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            token,
            Some(booking(time, 2, email)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r
}

/// The decoded calendar file of a mail, if it has one.
fn calendar_of(eml: &str) -> Option<String> {
    let start = eml.find("Content-Type: text/calendar")?;
    let part = &eml[start..];
    let body_start = part.find("\r\n\r\n")? + 4;
    let body: String = part[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The self-service path in a mail.
fn link_of(eml: &str) -> String {
    let i = eml.find("/r/").expect("a self-service link");
    eml[i..]
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .expect("link")
        .to_string()
}

async fn messages(
    app: &TestApp,
    rid: Uuid,
    reservation: &str,
) -> Vec<(String, String, Option<String>)> {
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let id = Uuid::parse_str(reservation).expect("id");
    tx.messages_of_reservation(id)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| (m.kind, m.status, m.reason))
        .collect()
}

#[tokio::test]
async fn a_booking_mails_the_guest_a_confirmation_with_calendar_and_a_working_link() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "one confirmation");
    let m = &mails[0];
    assert!(m.contains("To: gast@example.com\r\n"));
    assert!(
        m.contains("Subject: Ihre Reservierung bei Trattoria Test am Freitag, 27. November\r\n")
    );
    assert!(m.contains("Content-Type: multipart/alternative"));
    assert!(
        m.contains("Wann: Freitag, 27. November 2026 um 19 Uhr"),
        "{m}"
    );
    assert!(m.contains(&format!(
        "Buchungscode: {}",
        r["code"].as_str().expect("code")
    )));
    let ics = calendar_of(m).expect("calendar file");
    assert!(
        ics.contains("METHOD:REQUEST\r\n") && ics.contains("SEQUENCE:0\r\n"),
        "{ics}"
    );
    assert!(ics.contains("DTSTART:20261127T180000Z\r\n"));
    assert!(ics.contains(&format!("UID:{}@127.0.0.1", r["id"].as_str().expect("id"))));
    let link = link_of(m);
    assert!(link.starts_with(&format!("/r/{rid}/")), "{link}");
    let page = app.browser().get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r["code"].as_str().expect("code")));
    assert!(page.body.contains("data-status=\"confirmed\""));
    assert_eq!(
        messages(&app, rid, r["id"].as_str().expect("id")).await,
        vec![("confirmation".into(), "sent".into(), None)]
    );
    // The team sees the message and its status on the reservation's page.
    app.user_in(rid, "manager@example.com", Role::Manager).await;
    let mut team = app.browser();
    team.login("manager@example.com", PASSWORD).await;
    let page = team
        .get(&format!("/reservations/{}", r["id"].as_str().expect("id")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"messages\""), "{}", page.body);
    assert!(page.body.contains("data-status=\"sent\""), "{}", page.body);
    // A retried send job writes nothing twice: the file's name is the message's.
    assert_eq!(app.run_pending_jobs().await, 0);
    assert_eq!(app.mails().await.len(), 1);
}

#[tokio::test]
async fn a_guest_changes_then_cancels_through_the_link_and_hears_of_both() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let id = r["id"].as_str().expect("id").to_string();
    let link = link_of(&app.mails().await[0]);
    let mut guest = app.browser();

    // Off the grid: the field is named, nothing changes.
    let page = guest
        .post(
            &format!("{link}/change"),
            &[("date", FRIDAY), ("time", "19:07"), ("party_size", "2")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"time-error\""));
    // A date that does not exist.
    let page = guest
        .post(
            &format!("{link}/change"),
            &[
                ("date", "2026-02-30"),
                ("time", "19:00"),
                ("party_size", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"date-error\""));

    // Mail files sort by the time of their message: the guest acts a minute later.
    app.advance(Duration::minutes(1));
    let page = guest
        .post(
            &format!("{link}/change"),
            &[("date", FRIDAY), ("time", "20:30"), ("party_size", "3")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].contains("um 20:30 Uhr") && mails[1].contains("Personen: 3"),
        "{}",
        mails[1]
    );
    let ics = calendar_of(&mails[1]).expect("calendar");
    assert!(
        ics.contains("SEQUENCE:1\r\n") && ics.contains("DTSTART:20261127T193000Z"),
        "{ics}"
    );

    app.advance(Duration::minutes(1));
    let page = guest.post(&format!("{link}/cancel"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 3);
    let ics = calendar_of(&mails[2]).expect("calendar");
    assert!(
        ics.contains("METHOD:CANCEL\r\n")
            && ics.contains("SEQUENCE:2\r\n")
            && ics.contains("STATUS:CANCELLED"),
        "{ics}"
    );
    assert!(
        mails[2].contains("wie gewünscht haben wir Ihre Reservierung storniert"),
        "the guest cancelled"
    );
    assert!(!mails[2].contains("/r/"), "nothing left to manage");
    let page = guest.get(&link).await;
    assert!(page.body.contains("data-status=\"cancelled\""));
    let kinds: Vec<String> = messages(&app, rid, &id)
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(kinds, ["confirmation", "changed", "cancelled"]);

    // The audit log says the guest did it.
    let owner = app.api_token(rid, Role::Owner).await;
    let (s, audit) = app
        .call(
            Method::GET,
            "/api/v1/audit?table=reservations&actor=guest",
            &owner,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains(&id), "{audit}");
}

#[tokio::test]
async fn a_wrong_or_expired_link_shows_the_restaurants_phone_and_repeated_guessing_is_slowed() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    book(&app, &token, "19:00", "gast@example.com").await;
    let link = link_of(&app.mails().await[0]);
    let mut b = app.browser();
    let page = b.get(&format!("/r/{rid}/AAAAAAAAAAAAAAAAAAAAAA")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("Dieser Link gilt nicht mehr") || page.body.contains("no longer valid")
    );
    let page = b.get("/r/not-a-uuid/x").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // The visit has ended: the link opens nothing any more.
    app.advance(Duration::days(4));
    let page = b.get(&link).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let mut last = StatusCode::OK;
    for _ in 0..40 {
        last = b
            .get(&format!("/r/{rid}/BBBBBBBBBBBBBBBBBBBBBB"))
            .await
            .status;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "guessing links is limited per address"
    );
}

#[tokio::test]
async fn after_the_cutoff_the_guest_cannot_cancel_and_is_told_to_call() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let link = link_of(&app.mails().await[0]);
    // Friday 17:30 local: 90 minutes before, inside the default 2-hour cutoff.
    app.advance(Duration::hours(3 * 24 + 4) + Duration::minutes(30));
    let mut b = app.browser();
    let page = b.post(&format!("{link}/cancel"), &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    let (_, got) = app
        .call(
            Method::GET,
            &format!("/api/v1/reservations/{}", r["id"].as_str().expect("id")),
            &token,
            None,
        )
        .await;
    assert_eq!(got["status"], "confirmed", "nothing changed");
}

#[tokio::test]
async fn reminders_go_out_at_their_time_once_and_never_for_cancelled_moved_away_or_late_bookings() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let kept = book(&app, &token, "19:00", "kept@example.com").await;
    let cancelled = book(&app, &token, "19:00", "cancelled@example.com").await;
    let moved = book(&app, &token, "19:00", "moved@example.com").await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/reservations/{}/cancel",
                cancelled["id"].as_str().expect("id")
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Moved to Saturday: its reminder moves too.
    let (s, m) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/reservations/{}", moved["id"].as_str().expect("id")),
            &token,
            Some(json!({"date": "2026-11-28"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    app.mails().await;
    let reminders = |mails: &[String], to: &str| {
        mails
            .iter()
            .filter(|m| m.contains(&format!("To: {to}\r\n")) && m.contains("Erinnerung"))
            .count()
    };
    // Thursday 18:59 local (17:59 UTC): not yet.
    app.advance(Duration::hours(2 * 24 + 5) + Duration::minutes(59));
    let mails = app.mails().await;
    assert_eq!(reminders(&mails, "kept@example.com"), 0);
    app.advance(Duration::minutes(2));
    let mails = app.mails().await;
    assert_eq!(reminders(&mails, "kept@example.com"), 1, "due 24 h before");
    assert_eq!(reminders(&mails, "cancelled@example.com"), 0);
    assert_eq!(
        reminders(&mails, "moved@example.com"),
        0,
        "moved to Saturday"
    );
    // A booking now, 24 hours before its visit or less, gets no reminder.
    let late = book(&app, &token, "18:00", "late@example.com").await;
    app.advance(Duration::days(1) + Duration::hours(1));
    let mails = app.mails().await;
    assert_eq!(reminders(&mails, "late@example.com"), 0);
    assert_eq!(
        reminders(&mails, "moved@example.com"),
        1,
        "Saturday's reminder: {:?}",
        mails
            .iter()
            .filter(|m| m.contains("moved@"))
            .map(|m| m.lines().take(4).collect::<Vec<_>>().join(" | "))
            .collect::<Vec<_>>()
    );
    assert_eq!(reminders(&mails, "kept@example.com"), 1, "once");
    let kinds: Vec<String> = messages(&app, rid, late["id"].as_str().expect("id"))
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(kinds, ["confirmation"]);
    let _ = kept;
}

/// A local server that speaks Resend's `POST /emails`: answers from a script (status,
/// Retry-After, body), then `200 {"id": "re_<n>"}`, and records every request.
struct FakeResend {
    url: String,
    requests: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn fake_resend(script: Vec<(u16, Option<&'static str>, &'static str)>) -> FakeResend {
    fake_provider(script, |n| format!("{{\"id\":\"re_{n}\"}}")).await
}

/// A local server that answers from a script, then with `default(n)` for request `n`.
async fn fake_provider(
    script: Vec<(u16, Option<&'static str>, &'static str)>,
    default: fn(usize) -> String,
) -> FakeResend {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let script = Arc::new(Mutex::new(script.into_iter()));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head, body) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        while buf.len() < end + 4 + len {
                            let n = sock.read(&mut chunk).await.unwrap_or(0);
                            if n == 0 {
                                break;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        break (head, buf[end + 4..].to_vec());
                    }
                };
                let n = {
                    let mut s = seen.lock().expect("lock");
                    s.push((head, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                    s.len()
                };
                let next = script.lock().expect("lock").next();
                let (status, retry, text) = match next {
                    Some((s, r, b)) => (s, r, b.to_string()),
                    None => (200, None, default(n)),
                };
                let retry = retry
                    .map(|r| format!("Retry-After: {r}\r\n"))
                    .unwrap_or_default();
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    FakeResend { url, requests }
}

fn header_of(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

#[tokio::test]
async fn resend_gets_its_wire_format_retries_429_and_5xx_with_one_key_and_a_refusal_ends_failed() {
    let resend = fake_resend(vec![
        (
            429,
            Some("1"),
            r#"{"statusCode":429,"message":"Too many requests","name":"rate_limit_exceeded"}"#,
        ),
        (503, None, r#"{"statusCode":503,"message":"unavailable"}"#),
        (200, None, r#"{"id":"re_first"}"#),
        (
            422,
            None,
            r#"{"statusCode":422,"message":"Invalid `to` field.","name":"validation_error"}"#,
        ),
    ])
    .await;
    let mailer = Arc::new(hs_channels::resend::Resend::new(
        &resend.url,
        "re_test_key",
        "Trattoria <noreply@trattoria.example>",
    ));
    let app = TestApp::builder().mailer(mailer).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let first = book(&app, &token, "19:00", "gast@example.com").await;
    let first_id = first["id"].as_str().expect("id");
    app.run_pending_jobs().await;
    assert_eq!(
        resend.requests.lock().expect("l").len(),
        1,
        "429: waits for Retry-After"
    );
    let (_, status, reason) = messages(&app, rid, first_id).await.remove(0);
    assert_eq!(status, "queued");
    assert!(reason.expect("reason").contains("429"));
    app.advance(Duration::seconds(2));
    app.run_pending_jobs().await;
    assert_eq!(resend.requests.lock().expect("l").len(), 2, "then the 503");
    app.advance(Duration::minutes(2));
    app.run_pending_jobs().await;
    let requests = resend.requests.lock().expect("l").clone();
    assert_eq!(requests.len(), 3);
    let keys: Vec<Option<String>> = requests
        .iter()
        .map(|(h, _)| header_of(h, "idempotency-key"))
        .collect();
    assert!(
        keys[0].is_some() && keys.iter().all(|k| *k == keys[0]),
        "one key for every try: {keys:?}"
    );
    let (head, body) = &requests[2];
    assert!(head.starts_with("POST /emails HTTP/1.1"));
    assert_eq!(
        header_of(head, "authorization").as_deref(),
        Some("Bearer re_test_key")
    );
    assert_eq!(body["from"], "Trattoria <noreply@trattoria.example>");
    assert_eq!(body["to"], json!(["gast@example.com"]));
    assert!(body["text"]
        .as_str()
        .expect("text")
        .contains("Freitag, 27. November 2026"));
    assert!(body["html"].as_str().expect("html").contains("<html"));
    assert_eq!(
        body["attachments"][0]["content_type"],
        "text/calendar; charset=utf-8; method=REQUEST"
    );
    assert_eq!(
        body["tags"][1],
        json!({"name": "kind", "value": "confirmation"})
    );
    assert_eq!(messages(&app, rid, first_id).await[0].1, "sent");

    // A refusal (bad recipient) is not retried; the team sees Resend's reason.
    let second = book(&app, &token, "20:00", "zweiter@example.com").await;
    app.run_pending_jobs().await;
    app.advance(Duration::hours(2));
    app.run_pending_jobs().await;
    assert_eq!(
        resend.requests.lock().expect("l").len(),
        4,
        "never tried again"
    );
    let (_, status, reason) = messages(&app, rid, second["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "failed");
    assert!(reason.expect("reason").contains("Invalid `to` field."));

    // The day view flags it; the team sends it again from the reservation's page.
    app.user_in(rid, "chef@example.com", Role::Manager).await;
    let mut team = app.browser();
    team.login("chef@example.com", PASSWORD).await;
    let day = team.get(&format!("/?date={FRIDAY}")).await;
    assert_eq!(
        day.body.matches("data-message-failed").count(),
        1,
        "only the failed one"
    );
    let second_id = second["id"].as_str().expect("id");
    let page = team.get(&format!("/reservations/{second_id}")).await;
    assert!(
        page.body.contains("Invalid `to` field."),
        "the provider's reason is shown"
    );
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let failed = tx
        .messages_of_reservation(Uuid::parse_str(second_id).expect("uuid"))
        .await
        .expect("m")
        .remove(0);
    drop(tx);
    let page = team
        .post(
            &format!("/reservations/{second_id}/messages/{}/again", failed.id),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.run_pending_jobs().await;
    let statuses: Vec<String> = messages(&app, rid, second_id)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(statuses, ["failed", "sent"]);
    let day = team.get(&format!("/?date={FRIDAY}")).await;
    assert_eq!(
        day.body.matches("data-message-failed").count(),
        0,
        "sent since: the flag is gone (the failure stays in the history)"
    );
}

fn svix_sign(secret: &str, id: &str, ts: i64, body: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn resends_webhook_is_verified_applied_once_and_a_hard_bounce_stops_mail_to_the_address() {
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let resend = fake_resend(vec![]).await;
    let mailer = Arc::new(hs_channels::resend::Resend::new(
        &resend.url,
        "re_key",
        "T <t@example.com>",
    ));
    let app = TestApp::builder()
        .mailer(mailer)
        .resend_webhook_secret(SECRET)
        .start()
        .await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let id = r["id"].as_str().expect("id");
    app.run_pending_jobs().await;
    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let client = app.client();
        let url = format!("{}/hooks/resend", app.base);
        async move {
            let mut req = client.post(url).body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let resp = req.send().await.expect("send");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let now = chrono::Utc::now().timestamp();
    let delivered = json!({"type": "email.delivered", "created_at": "2026-11-24T12:00:05Z", "data": {"email_id": "re_1"}}).to_string();
    let (s, _) = post(vec![], delivered.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "unsigned");
    let forged = svix_sign(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "msg_1",
        now,
        &delivered,
    );
    let (s, _) = post(
        vec![
            ("svix-id", "msg_1".into()),
            ("svix-timestamp", now.to_string()),
            ("svix-signature", forged),
        ],
        delivered.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "signed with another secret");
    let stale = svix_sign(SECRET, "msg_1", now - 600, &delivered);
    let (s, _) = post(
        vec![
            ("svix-id", "msg_1".into()),
            ("svix-timestamp", (now - 600).to_string()),
            ("svix-signature", stale),
        ],
        delivered.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "older than 5 minutes");
    assert_eq!(
        messages(&app, rid, id).await[0].1,
        "sent",
        "nothing applied"
    );

    let signed = |id: &str, body: &str| {
        vec![
            ("svix-id", id.to_string()),
            ("svix-timestamp", now.to_string()),
            ("svix-signature", svix_sign(SECRET, id, now, body)),
        ]
    };
    let (s, v) = post(signed("msg_1", &delivered), delivered.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["applied"], true);
    assert_eq!(messages(&app, rid, id).await[0].1, "delivered");
    let (s, v) = post(signed("msg_1", &delivered), delivered.clone()).await;
    assert_eq!(
        (s, v["applied"].clone()),
        (StatusCode::OK, json!(false)),
        "a replay changes nothing"
    );

    let bounced = json!({"type": "email.bounced", "created_at": "2026-11-24T12:00:09Z",
        "data": {"email_id": "re_1", "bounce": {"type": "Permanent", "subType": "General", "message": "550 mailbox unknown"}}}).to_string();
    let (s, _) = post(signed("msg_2", &bounced), bounced).await;
    assert_eq!(s, StatusCode::OK);
    let (_, status, reason) = messages(&app, rid, id).await.remove(0);
    assert_eq!(
        (status.as_str(), reason.as_deref()),
        ("bounced", Some("550 mailbox unknown"))
    );
    // The next booking of that guest sends nothing to the dead address, and says why.
    let again = book(&app, &token, "20:00", "gast@example.com").await;
    app.run_pending_jobs().await;
    let (_, status, reason) = messages(&app, rid, again["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "skipped");
    assert!(reason.expect("reason").contains("bounced"));
    assert_eq!(resend.requests.lock().expect("l").len(), 1);
}

#[tokio::test]
async fn message_texts_are_purged_after_30_days_with_a_protocol_and_the_history_stays() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let id = Uuid::parse_str(r["id"].as_str().expect("id")).expect("uuid");
    app.mails().await;
    let texts = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let mut tx = store.tenant(rid, &Actor::Cli).await.expect("tx");
            let m = tx.messages_of_reservation(id).await.expect("m").remove(0);
            let o = tx.outgoing(m.id).await.expect("o").expect("row");
            (
                m.status,
                o.subject.is_some(),
                o.body_text.is_some(),
                o.params["name"].is_string(),
                o.to_address,
            )
        }
    };
    let day29 = app.clock.now() + Duration::days(29);
    let done = app.store.run_retention(day29).await.expect("retention");
    assert!(
        done.iter()
            .any(|d| d.category == "guest_links_deleted" && d.rows == 1),
        "the link expired with the visit: {done:?}"
    );
    assert_eq!(
        texts(&app).await,
        (
            "sent".into(),
            true,
            true,
            true,
            Some("gast@example.com".into())
        )
    );
    let day31 = app.clock.now() + Duration::days(31);
    let done = app.store.run_retention(day31).await.expect("retention");
    let purged: Vec<(&str, u64)> = done
        .iter()
        .filter(|d| d.category == "message_bodies_purged" || d.category == "guest_links_deleted")
        .map(|d| (d.category, d.rows))
        .collect();
    assert_eq!(
        purged,
        [("message_bodies_purged", 1), ("guest_links_deleted", 0)]
    );
    assert_eq!(
        texts(&app).await,
        (
            "sent".into(),
            false,
            false,
            false,
            Some("gast@example.com".into())
        ),
        "the history stays, the texts are gone"
    );
    // Erasure of the guest's address removes where the message went, too.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let subject = hs_store::privacy::Subject::email("gast@example.com");
    let export = tx.export_subject(&subject).await.expect("export");
    assert_eq!(export["messages"].as_array().expect("rows").len(), 1);
    tx.shred(&hs_store::privacy::Scope::Erasure(
        &subject,
        hs_store::privacy::Erase::Anonymise,
    ))
    .await
    .expect("erase");
    tx.commit().await.expect("commit");
    assert_eq!(texts(&app).await.4, None);
}

fn settings_form(reminder: &str, digest_me: bool) -> Vec<(&str, &str)> {
    let mut f = vec![
        ("reminder_hours", reminder),
        ("cancel_cutoff_minutes", "120"),
        ("digest_time", "09:00"),
        ("p_confirmation_de", "Parken im Hof."),
        ("p_confirmation_en", "Parking in the yard."),
    ];
    if digest_me {
        f.push(("digest_me", "1"));
    }
    f
}

#[tokio::test]
async fn message_settings_are_validated_saved_and_shape_the_next_confirmation() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    app.user_in(rid, "chef@example.com", Role::Manager).await;
    let mut b = app.browser();
    b.login("chef@example.com", PASSWORD).await;
    b.get("/settings").await;
    let page = b
        .post("/settings/messages", &settings_form("500", false))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("reminder_hours"), "the field is named");
    let page = b
        .post("/settings/messages", &settings_form("0", false))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = b.get("/settings").await;
    assert!(page.body.contains("Parken im Hof."));
    // The paragraph is in the next confirmation; reminders are off.
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    let mails = app.mails().await;
    assert!(mails[0].contains("\r\nParken im Hof.\r\n"), "{}", mails[0]);
    let queued = app.store.jobs_in_state("queued").await.expect("jobs");
    assert!(
        queued.iter().all(|j| j.kind != "reminder"),
        "reminders off: {queued:?}"
    );
    let _ = r;
    // A test message goes through the real transport and shows its status.
    let page = b.post("/settings/messages/test", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mails = app.mails().await;
    assert!(mails
        .iter()
        .any(|m| m.contains("To: chef@example.com")
            && m.contains("Test message from Trattoria Test")));
    let page = b.get("/settings").await;
    assert!(page.body.contains("chef@example.com") && page.body.contains("data-status=\"sent\""));
}

#[tokio::test]
async fn the_daily_digest_reaches_members_who_asked_at_their_local_time_with_the_days_figures() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    app.user_in(rid, "chef@example.com", Role::Manager).await;
    app.user_in(rid, "other@example.com", Role::Manager).await;
    let mut b = app.browser();
    b.login("chef@example.com", PASSWORD).await;
    b.get("/settings").await;
    let page = b
        .post("/settings/messages", &settings_form("24", true))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let token = app.api_token(rid, Role::Manager).await;
    // Wednesday: two reservations for the evening, one for 10 people waiting for approval.
    for (time, party, email) in [("19:00", 2, "a@example.com"), ("20:00", 4, "b@example.com")] {
        let mut body = booking(time, party, email);
        body["date"] = json!("2026-11-25");
        let (s, r) = app
            .call(Method::POST, "/api/v1/reservations", &token, Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let mut big = booking("19:30", 10, "c@example.com");
    big["date"] = json!("2026-11-26");
    let (s, r) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(big))
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("pending"))
    );
    hs_service::scheduler(app.store.clone())
        .ensure_next()
        .await
        .expect("plan");
    app.run_pending_jobs().await;
    let digests = |mails: &[String]| {
        mails
            .iter()
            .filter(|m| m.contains("Ihr Tag") || m.contains("your day"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        digests(&app.mails().await).is_empty(),
        "today's 09:00 has passed"
    );
    // Wednesday 08:59 local: not yet; 09:00: there.
    app.advance(Duration::hours(19) + Duration::minutes(59));
    assert!(digests(&app.mails().await).is_empty());
    app.advance(Duration::minutes(1));
    let d = digests(&app.mails().await);
    assert_eq!(d.len(), 1, "only the member who asked");
    assert!(d[0].contains("To: chef@example.com"));
    assert!(d[0].contains("2 reservations, 6 covers"), "{}", d[0]);
    assert!(d[0].contains("Waiting for your approval: 1"), "{}", d[0]);
    // The next day's digest is planned by the nightly planner, once.
    app.advance(Duration::hours(15) + Duration::minutes(5));
    hs_service::scheduler(app.store.clone())
        .ensure_next()
        .await
        .expect("plan");
    app.run_pending_jobs().await;
    app.advance(Duration::hours(9));
    let d = digests(&app.mails().await);
    assert_eq!(d.len(), 2, "Thursday's too");
    app.advance(Duration::hours(1));
    assert_eq!(digests(&app.mails().await).len(), 2, "once a day");
}

/// A real SMTP server (aiosmtpd from PyPI, installed by `scripts/test.sh`) writing what it
/// receives into a Maildir; stopped when dropped.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp_server() -> SmtpServer {
    let python = std::env::var("HOSTSYSTEM_TEST_SMTPD").expect(
        "HOSTSYSTEM_TEST_SMTPD names a Python with aiosmtpd: run scripts/test.sh, which installs it",
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let maildir = tempfile::tempdir().expect("maildir");
    // Owned by the guard from the start, so it is stopped on every path.
    let server = SmtpServer {
        child: std::process::Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd"),
        port,
        maildir,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("aiosmtpd did not start on port {port}");
}

#[tokio::test]
async fn smtp_delivers_the_multipart_confirmation_to_a_real_smtp_server() {
    let server = smtp_server().await;
    let smtp = hs_channels::smtp::Smtp::from_url(
        &format!("smtp://127.0.0.1:{}", server.port),
        "Trattoria <noreply@trattoria.example>",
    )
    .expect("smtp");
    let app = TestApp::builder().mailer(Arc::new(smtp)).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    app.run_pending_jobs().await;
    let new = server.maildir.path().join("box").join("new");
    let files: Vec<_> = std::fs::read_dir(&new)
        .expect("maildir")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "one message arrived");
    let raw = std::fs::read_to_string(files[0].path()).expect("read");
    assert!(raw.contains("To: gast@example.com"), "{raw}");
    assert!(raw.contains("From: Trattoria <noreply@trattoria.example>"));
    assert!(raw.contains("multipart/alternative") && raw.contains("text/html"));
    assert!(
        raw.contains("text/calendar"),
        "the calendar file is attached"
    );
    let id = r["id"].as_str().expect("id");
    let (kind, status, _) = messages(&app, rid, id).await.remove(0);
    assert_eq!((kind.as_str(), status.as_str()), ("confirmation", "sent"));
    // The server goes away: the next message waits and is tried again, not lost.
    drop(server);
    let second = book(&app, &token, "20:00", "zweiter@example.com").await;
    app.run_pending_jobs().await;
    let (_, status, reason) = messages(&app, rid, second["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "queued");
    assert!(reason.expect("reason").contains("SMTP"));
}

fn meta_sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn whatsapp_form<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("phone_number_id", "1111"),
        ("access_token", "EAAG-test-token"),
        ("app_secret", "app-secret-1"),
        ("verify_token", "verify-me"),
        ("template_confirmation", "booking_confirmed"),
        ("template_reminder", "booking_reminder"),
        ("template_cancellation", "booking_cancelled"),
        ("language_de", "de"),
        ("language_en", "en_US"),
    ]
}

#[tokio::test]
async fn whatsapp_sends_meta_templates_to_guests_who_agreed_and_its_signed_webhook_updates_and_opts_out(
) {
    let graph = fake_provider(
        vec![(200, None, r#"{"messaging_product":"whatsapp","contacts":[{"input":"4915112345678","wa_id":"4915112345678"}],"messages":[{"id":"wamid.FIRST"}]}"#)],
        |n| format!(r#"{{"messages":[{{"id":"wamid.{n}"}}]}}"#),
    )
    .await;
    let app = TestApp::builder().graph_url(&graph.url).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    app.user_in(rid, "chef@example.com", Role::Manager).await;
    let mut team = app.browser();
    team.login("chef@example.com", PASSWORD).await;
    team.get("/settings").await;
    // Setting it up needs every secret the first time.
    let mut partial = whatsapp_form();
    partial.retain(|(k, _)| *k != "app_secret");
    let page = team.post("/settings/whatsapp", &partial).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("app_secret"));
    let page = team.post("/settings/whatsapp", &whatsapp_form()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = team.get("/settings").await;
    assert!(
        page.body.contains("booking_confirmed") && !page.body.contains("EAAG-test-token"),
        "secrets never shown again"
    );

    // Meta's subscription check.
    let client = app.client();
    let hook = format!("{}/hooks/whatsapp/{rid}", app.base);
    let r = client
        .get(format!(
            "{hook}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.expect("text"), "1158201444");
    let r = client
        .get(format!(
            "{hook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A guest who agreed gets the template; one who did not, only the email.
    let token = app.api_token(rid, Role::Manager).await;
    let mut body = booking("19:00", 2, "gast@example.com");
    body["guest"]["phone"] = json!("0151 12345678");
    body["guest"]["whatsapp_opt_in"] = json!(true);
    let (s, agreed) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{agreed}");
    let other = book(&app, &token, "20:00", "other@example.com").await;
    app.run_pending_jobs().await;
    let requests = graph.requests.lock().expect("l").clone();
    assert_eq!(requests.len(), 1, "only the guest who agreed");
    let (head, sent) = &requests[0];
    assert!(head.starts_with("POST /1111/messages HTTP/1.1"), "{head}");
    assert_eq!(
        header_of(head, "authorization").as_deref(),
        Some("Bearer EAAG-test-token")
    );
    assert_eq!(sent["to"], "4915112345678");
    assert_eq!(sent["template"]["name"], "booking_confirmed");
    assert_eq!(sent["template"]["language"]["code"], "de");
    let params = &sent["template"]["components"][0]["parameters"];
    assert_eq!(params[1]["text"], "Freitag, 27. November 2026");
    assert_eq!(params[4]["text"], agreed["code"]);
    assert!(params[6]["text"]
        .as_str()
        .expect("link")
        .contains(&format!("/r/{rid}/")));
    let agreed_id = agreed["id"].as_str().expect("id");
    let channels: Vec<(String, String)> = {
        let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
        tx.messages_of_reservation(Uuid::parse_str(agreed_id).expect("u"))
            .await
            .expect("m")
            .into_iter()
            .map(|m| (m.channel, m.status))
            .collect()
    };
    let mut channels = channels;
    channels.sort();
    assert_eq!(
        channels,
        [
            ("email".to_string(), "sent".to_string()),
            ("whatsapp".into(), "sent".into())
        ]
    );
    let ours = sent["biz_opaque_callback_data"]
        .as_str()
        .expect("our id")
        .to_string();
    assert_eq!(
        messages(&app, rid, other["id"].as_str().expect("id"))
            .await
            .len(),
        1
    );

    // Status reports: signed with the app secret, applied once.
    let post = |body: String, sig: Option<String>| {
        let (client, hook) = (app.client(), hook.clone());
        async move {
            let mut req = client
                .post(hook)
                .header("content-type", "application/json")
                .body(body);
            if let Some(s) = sig {
                req = req.header("X-Hub-Signature-256", s);
            }
            let r = req.send().await.expect("post");
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let delivered = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1111"},
        "statuses": [{"id": "wamid.FIRST", "status": "delivered", "timestamp": "1764000000", "recipient_id": "4915112345678", "biz_opaque_callback_data": ours}]}}]}]})
    .to_string();
    assert_eq!(
        post(delivered.clone(), None).await.0,
        StatusCode::UNAUTHORIZED,
        "unsigned"
    );
    assert_eq!(
        post(delivered.clone(), Some(meta_sign("wrong", &delivered)))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (s, v) = post(
        delivered.clone(),
        Some(meta_sign("app-secret-1", &delivered)),
    )
    .await;
    assert_eq!(
        (s, v["statuses"].clone()),
        (StatusCode::OK, json!(1)),
        "{v}"
    );
    let (_, v) = post(
        delivered.clone(),
        Some(meta_sign("app-secret-1", &delivered)),
    )
    .await;
    assert_eq!(v["statuses"], 0, "a replay changes nothing");
    let mut statuses: Vec<String> = messages(&app, rid, agreed_id)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        ["delivered", "sent"],
        "WhatsApp delivered, email sent"
    );

    // The guest writes STOP: no more WhatsApp; the cancellation goes by email only.
    let stop = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1111"},
        "contacts": [{"profile": {"name": "Erika"}, "wa_id": "4915112345678"}],
        "messages": [{"from": "4915112345678", "id": "wamid.IN1", "timestamp": "1764000100", "type": "text", "text": {"body": "STOP"}}]}}]}]})
    .to_string();
    let (s, v) = post(stop.clone(), Some(meta_sign("app-secret-1", &stop))).await;
    assert_eq!((s, v["inbound"].clone()), (StatusCode::OK, json!(1)));
    // The team sees the guest's message and the withdrawal on the guest's page.
    let page = team
        .get(&format!(
            "/guests/{}",
            agreed["guest"]["id"].as_str().expect("guest")
        ))
        .await;
    assert!(
        page.body.contains("data-whatsapp=\"off\"") && page.body.contains("<td>STOP</td>"),
        "{}",
        page.body
    );
    // The self-service page shows the withdrawal, and the guest can agree again there.
    let mails = app.mails().await;
    let mail = mails
        .iter()
        .find(|m| m.contains("To: gast@example.com"))
        .expect("the guest's confirmation");
    let link = link_of(mail);
    let mut guest = app.browser();
    assert!(guest
        .get(&link)
        .await
        .body
        .contains("data-whatsapp=\"off\""));
    let page = guest
        .post(&format!("{link}/whatsapp"), &[("on", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(guest.get(&link).await.body.contains("data-whatsapp=\"on\""));
    let page = guest
        .post(&format!("{link}/whatsapp"), &[("on", "0")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(guest
        .get(&link)
        .await
        .body
        .contains("data-whatsapp=\"off\""));
    app.advance(Duration::minutes(1));
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/reservations/{agreed_id}/cancel"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.run_pending_jobs().await;
    assert_eq!(
        graph.requests.lock().expect("l").len(),
        1,
        "nothing more on WhatsApp"
    );
    let kinds: Vec<(String, String)> = messages(&app, rid, agreed_id)
        .await
        .into_iter()
        .map(|m| (m.0, m.1))
        .collect();
    assert_eq!(kinds.last().map(|k| k.0.as_str()), Some("cancelled"));
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    // The guest's own message is theirs to export and erase.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let subject = hs_store::privacy::Subject::phone("+4915112345678");
    let export = tx.export_subject(&subject).await.expect("export");
    assert_eq!(export["inbound_messages"][0]["text"], "STOP");
    let done = tx
        .shred(&hs_store::privacy::Scope::Erasure(
            &subject,
            hs_store::privacy::Erase::Anonymise,
        ))
        .await
        .expect("erase");
    assert!(done
        .iter()
        .any(|d| d.category == "inbound_messages_deleted" && d.rows == 1));
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn whatsapp_refusals_end_failed_with_metas_reason_and_throttling_is_retried() {
    let graph = fake_provider(
        vec![
            (429, None, r#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"A"}}"#),
            (400, None, r#"{"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001,"fbtrace_id":"B"}}"#),
        ],
        |n| format!(r#"{{"messages":[{{"id":"wamid.{n}"}}]}}"#),
    )
    .await;
    let app = TestApp::builder().graph_url(&graph.url).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    meta_route(&app, rid, "sec").await;
    let token = app.api_token(rid, Role::Manager).await;
    let mut body = booking("19:00", 2, "gast@example.com");
    body["guest"]["whatsapp_opt_in"] = json!(true);
    let (s, r) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = r["id"].as_str().expect("id");
    app.run_pending_jobs().await;
    let whatsapp = || async {
        let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
        let m = tx
            .messages_of_reservation(Uuid::parse_str(id).expect("u"))
            .await
            .expect("m")
            .into_iter()
            .find(|m| m.channel == "whatsapp")
            .expect("whatsapp row");
        ((), m.status, m.reason)
    };
    let (_, status, reason) = whatsapp().await;
    assert_eq!(status, "queued", "throttled: tried again later");
    assert!(reason.expect("r").contains("130429"));
    app.advance(Duration::minutes(5));
    app.run_pending_jobs().await;
    let (_, status, reason) = whatsapp().await;
    assert_eq!(status, "failed");
    assert!(reason.expect("r").contains("Template name does not exist"));
    app.advance(Duration::hours(2));
    app.run_pending_jobs().await;
    assert_eq!(
        graph.requests.lock().expect("l").len(),
        2,
        "a refusal is never retried"
    );
}

/// Sends through the inner transport, then dies before the job can record it (a worker killed
/// right after the provider accepted the message), the first `crashes` times.
struct CrashAfterSend {
    inner: hs_channels::resend::Resend,
    crashes: std::sync::atomic::AtomicUsize,
}

impl hs_channels::mail::Mailer for CrashAfterSend {
    fn send<'a>(&'a self, email: &'a hs_channels::mail::Email) -> hs_channels::mail::Sending<'a> {
        Box::pin(async move {
            let sent = self.inner.send(email).await;
            let left = self.crashes.load(std::sync::atomic::Ordering::SeqCst);
            if left > 0 {
                self.crashes
                    .store(left - 1, std::sync::atomic::Ordering::SeqCst);
                panic!("worker killed after the provider accepted the message");
            }
            sent
        })
    }
}

#[tokio::test]
async fn a_worker_killed_after_the_provider_accepted_sends_the_message_once() {
    let resend = fake_resend(vec![]).await;
    let mailer = Arc::new(CrashAfterSend {
        inner: hs_channels::resend::Resend::new(&resend.url, "re_key", "T <t@example.com>"),
        crashes: std::sync::atomic::AtomicUsize::new(1),
    });
    let mut app = TestApp::builder().mailer(mailer).start().await;
    app.expect_job_failures(1);
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let r = book(&app, &token, "19:00", "gast@example.com").await;
    app.run_pending_jobs().await;
    assert_eq!(
        messages(&app, rid, r["id"].as_str().expect("id")).await[0].1,
        "queued",
        "the crash rolled back"
    );
    // The job is retried after its backoff, with the same Idempotency-Key: Resend answers the
    // first response again and sends nothing (its documented behaviour for a repeated key).
    app.advance(Duration::minutes(1));
    app.run_pending_jobs().await;
    let requests = resend.requests.lock().expect("l").clone();
    assert_eq!(requests.len(), 2, "tried twice");
    let keys: std::collections::HashSet<Option<String>> = requests
        .iter()
        .map(|(h, _)| header_of(h, "idempotency-key"))
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "with one key, so the provider delivers it once: {keys:?}"
    );
    let (_, status, _) = messages(&app, rid, r["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "sent");
}

#[tokio::test]
async fn an_unusable_stored_address_skips_the_message_with_a_reason_and_the_booking_stands() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    let first = book(&app, &token, "19:00", "gast@example.com").await;
    app.mails().await;
    // An address that came in through an old import, unchecked.
    let pool = app.db.app_pool().await.expect("pool");
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
        .bind(rid.to_string())
        .execute(&mut *tx)
        .await
        .expect("tenant");
    sqlx::query("UPDATE guests SET email = 'gast(at)example' WHERE id = $1")
        .bind(Uuid::parse_str(first["guest"]["id"].as_str().expect("g")).expect("u"))
        .execute(&mut *tx)
        .await
        .expect("legacy address");
    tx.commit().await.expect("commit");
    // The same guest books again (matched by phone): booked, the mail skipped, saying why.
    let mut body = booking("20:00", 2, "");
    body["guest"]["phone"] = first["guest"]["phone"].clone();
    body["guest"]["email"] = Value::Null;
    let (s, again) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    app.run_pending_jobs().await;
    let (_, status, reason) = messages(&app, rid, again["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "skipped");
    assert!(reason
        .expect("reason")
        .contains("not a valid email address"));
    assert_eq!(app.mails().await.len(), 1, "nothing sent to it");
    // New input is still checked at the door, naming the field.
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(booking("21:00", 2, "not-an-email")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "guest.email");
}

/// Sets up the Meta route of a restaurant, with a confirmation template and this app secret.
async fn meta_route(app: &TestApp, rid: Uuid, app_secret: &str) {
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.set_whatsapp(&hs_store::whatsapp::WhatsAppInput {
        phone_number_id: "1111".into(),
        access_token: Some("tok".into()),
        app_secret: Some(app_secret.into()),
        verify_token: Some("v".into()),
        templates: [("confirmation".to_string(), "booking_confirmed".to_string())].into(),
        ..Default::default()
    })
    .await
    .expect("set up");
    tx.commit().await.expect("commit");
}

/// Signs a body as HighLevel does (`x-wh-signature`: base64 RSA-SHA256), with the tests' key.
fn ghl_sign(body: &str) -> String {
    let key =
        ring::signature::RsaKeyPair::from_pkcs8(include_bytes!("../fixtures/ghl_test_key.pk8"))
            .expect("test key");
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        body.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    base64::engine::general_purpose::STANDARD.encode(sig)
}

#[tokio::test]
async fn the_gohighlevel_route_upserts_the_contact_once_sends_whatsapp_and_its_signed_webhook_opts_out(
) {
    let ghl = fake_provider(vec![], |n| {
        format!(r#"{{"new":true,"contact":{{"id":"ghl-contact-1"}},"conversationId":"cv1","messageId":"ghl-msg-{n}","msg":"Message queued successfully."}}"#)
    })
    .await;
    let app = TestApp::builder().graph_url(&ghl.url).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    app.user_in(rid, "chef@example.com", Role::Manager).await;
    let mut team = app.browser();
    team.login("chef@example.com", PASSWORD).await;
    team.get("/settings").await;
    let page = team
        .post(
            "/settings/whatsapp",
            &[("route", "gohighlevel"), ("ghl_location_id", "loc-1")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the token is needed the first time"
    );
    assert!(page.body.contains("ghl_token"));
    let page = team
        .post(
            "/settings/whatsapp",
            &[
                ("route", "gohighlevel"),
                ("ghl_location_id", "loc-1"),
                ("ghl_token", "pit-secret-token"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(!team
        .get("/settings")
        .await
        .body
        .contains("pit-secret-token"));

    let token = app.api_token(rid, Role::Manager).await;
    let mut body = booking("19:00", 2, "gast@example.com");
    body["guest"]["phone"] = json!("0151 12345678");
    body["guest"]["whatsapp_opt_in"] = json!(true);
    let (s, r) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["id"].as_str().expect("id");
    app.run_pending_jobs().await;
    let requests = ghl.requests.lock().expect("l").clone();
    assert_eq!(requests.len(), 2, "upsert, then the message");
    let (upsert_head, upsert) = &requests[0];
    assert!(
        upsert_head.starts_with("POST /contacts/upsert HTTP/1.1"),
        "{upsert_head}"
    );
    assert_eq!(
        header_of(upsert_head, "version").as_deref(),
        Some("2021-07-28")
    );
    assert_eq!(
        header_of(upsert_head, "authorization").as_deref(),
        Some("Bearer pit-secret-token")
    );
    assert_eq!(upsert["locationId"], "loc-1");
    assert_eq!(upsert["phone"], "+4915112345678");
    let (send_head, sent) = &requests[1];
    assert!(send_head.starts_with("POST /conversations/messages HTTP/1.1"));
    assert_eq!(
        header_of(send_head, "version").as_deref(),
        Some("2021-04-15")
    );
    assert_eq!(
        (sent["type"].as_str(), sent["contactId"].as_str()),
        (Some("WhatsApp"), Some("ghl-contact-1"))
    );
    assert!(sent["message"]
        .as_str()
        .expect("text")
        .contains(r["code"].as_str().expect("code")));

    // HighLevel reports the message delivered.
    let delivered = json!({"type": "OutboundMessage", "locationId": "loc-1", "contactId": "ghl-contact-1",
        "messageId": "ghl-msg-2", "messageType": "WhatsApp", "direction": "outbound", "status": "delivered"})
    .to_string();
    let resp = app
        .client()
        .post(format!("{}/hooks/gohighlevel/{rid}", app.base))
        .header("x-wh-signature", ghl_sign(&delivered))
        .body(delivered)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.json::<Value>().await.expect("json")["statuses"], 1);
    let mut statuses: Vec<String> = messages(&app, rid, id)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        ["delivered", "sent"],
        "WhatsApp delivered, email sent"
    );
    // The guest writes STOP through HighLevel: signed, applied, consent withdrawn.
    let stop = json!({"type": "InboundMessage", "locationId": "loc-1", "attachments": [], "body": "STOP",
        "contactId": "ghl-contact-1", "contentType": "text/plain", "conversationId": "cv1",
        "dateAdded": "2026-11-24T12:05:00.000Z", "direction": "inbound", "messageType": "WhatsApp", "messageId": "in-1"})
    .to_string();
    let hook = format!("{}/hooks/gohighlevel/{rid}", app.base);
    let client = app.client();
    let r1 = client
        .post(&hook)
        .body(stop.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r1.status(), StatusCode::UNAUTHORIZED, "unsigned");
    let forged = client
        .post(&hook)
        .header("x-wh-signature", ghl_sign(&stop.replace("STOP", "START")))
        .body(stop.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(
        forged.status(),
        StatusCode::UNAUTHORIZED,
        "signature of another body"
    );
    let ok = client
        .post(&hook)
        .header("x-wh-signature", ghl_sign(&stop))
        .body(stop.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.json::<Value>().await.expect("json")["inbound"], 1);
    let again = client
        .post(&hook)
        .header("x-wh-signature", ghl_sign(&stop))
        .body(stop.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(
        again.json::<Value>().await.expect("json")["inbound"],
        0,
        "once per message id"
    );
    app.advance(Duration::minutes(1));
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/reservations/{id}/cancel"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.run_pending_jobs().await;
    assert_eq!(
        ghl.requests.lock().expect("l").len(),
        2,
        "no WhatsApp after STOP"
    );
}

#[tokio::test]
async fn a_whatsapp_message_meta_already_reported_by_our_id_is_not_sent_again_after_a_crash() {
    // A worker that sent and died before committing leaves the message queued; Meta's status
    // report names it by our id (biz_opaque_callback_data), so the retry finds it sent.
    let graph = fake_provider(vec![], |n| {
        format!(r#"{{"messages":[{{"id":"wamid.{n}"}}]}}"#)
    })
    .await;
    let app = TestApp::builder().graph_url(&graph.url).start().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    meta_route(&app, rid, "app-secret-1").await;
    let token = app.api_token(rid, Role::Manager).await;
    let mut body = booking("19:00", 2, "gast@example.com");
    body["guest"]["whatsapp_opt_in"] = json!(true);
    let (_, r) = app
        .call(Method::POST, "/api/v1/reservations", &token, Some(body))
        .await;
    let id = Uuid::parse_str(r["id"].as_str().expect("id")).expect("u");
    let ours = {
        let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
        tx.messages_of_reservation(id)
            .await
            .expect("m")
            .into_iter()
            .find(|m| m.channel == "whatsapp")
            .expect("whatsapp row")
            .id
    };
    let sent = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1111"},
        "statuses": [{"id": "wamid.CRASHED", "status": "sent", "timestamp": "1764000000", "recipient_id": "4915112345678",
                      "biz_opaque_callback_data": ours.to_string()}]}}]}]})
    .to_string();
    let resp = app
        .client()
        .post(format!("{}/hooks/whatsapp/{rid}", app.base))
        .header("X-Hub-Signature-256", meta_sign("app-secret-1", &sent))
        .body(sent)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    app.run_pending_jobs().await;
    assert!(
        graph.requests.lock().expect("l").is_empty(),
        "not sent a second time"
    );
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let m = tx
        .messages_of_reservation(id)
        .await
        .expect("m")
        .into_iter()
        .find(|m| m.id == ours)
        .expect("row");
    assert_eq!(m.status, "sent");
}

#[tokio::test]
async fn a_restaurant_sends_through_its_own_resend_account_and_sender_while_others_use_the_platform(
) {
    const OWN_SECRET: &str = "whsec_c2VjcmV0LW9mLXJlc3RhdXJhbnQtYQ==";
    let resend = fake_resend(vec![]).await;
    let app = TestApp::builder().graph_url(&resend.url).start().await;
    let a = app.with_trattoria("Trattoria A").await;
    let b = app.with_trattoria("Trattoria B").await;
    app.user_in(a, "chef@a.example", Role::Manager).await;
    let mut team = app.browser();
    team.login("chef@a.example", PASSWORD).await;
    team.get("/settings").await;
    let page = team
        .post(
            "/settings/mail",
            &[
                ("transport", "resend"),
                ("from_address", "Trattoria A <reservierung@a.example>"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the key is needed"
    );
    assert!(page.body.contains("resend_key"));
    let page = team
        .post(
            "/settings/mail",
            &[
                ("transport", "platform"),
                ("from_address", "not an address"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("from_address"));
    let page = team
        .post(
            "/settings/mail",
            &[
                ("transport", "resend"),
                ("from_address", "Trattoria A <reservierung@a.example>"),
                ("resend_key", "re_restaurant_a"),
                ("webhook_secret", OWN_SECRET),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        !team.get("/settings").await.body.contains("re_restaurant_a"),
        "never shown again"
    );

    let ta = app.api_token(a, Role::Manager).await;
    let tb = app.api_token(b, Role::Manager).await;
    let ra = book(&app, &ta, "19:00", "gast-a@example.com").await;
    book(&app, &tb, "19:00", "gast-b@example.com").await;
    let mails = app.mails().await;
    let requests = resend.requests.lock().expect("l").clone();
    assert_eq!(requests.len(), 1, "A's message through A's account");
    assert_eq!(
        header_of(&requests[0].0, "authorization").as_deref(),
        Some("Bearer re_restaurant_a")
    );
    assert_eq!(
        requests[0].1["from"],
        "Trattoria A <reservierung@a.example>"
    );
    assert_eq!(requests[0].1["to"], json!(["gast-a@example.com"]));
    assert_eq!(mails.len(), 1, "B's through the platform");
    assert!(mails[0].contains("To: gast-b@example.com"));

    // A's own webhook, signed with A's secret, moves A's message; B has none.
    let delivered = json!({"type": "email.delivered", "created_at": "2026-11-24T12:00:05Z", "data": {"email_id": "re_1"}}).to_string();
    let now = chrono::Utc::now().timestamp();
    let post = |path: String, secret: &'static str| {
        let (client, body) = (app.client(), delivered.clone());
        async move {
            client
                .post(path)
                .header("svix-id", "msg_a1")
                .header("svix-timestamp", now.to_string())
                .header("svix-signature", svix_sign(secret, "msg_a1", now, &body))
                .body(body)
                .send()
                .await
                .expect("post")
                .status()
        }
    };
    assert_eq!(
        post(format!("{}/hooks/resend/{b}", app.base), OWN_SECRET).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(
            format!("{}/hooks/resend/{a}", app.base),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(format!("{}/hooks/resend/{a}", app.base), OWN_SECRET).await,
        StatusCode::OK
    );
    let (_, status, _) = messages(&app, a, ra["id"].as_str().expect("id"))
        .await
        .remove(0);
    assert_eq!(status, "delivered");
}

#[tokio::test]
async fn walk_ins_are_confirmed_only_when_asked() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Staff).await;
    // Tuesday 13:00 in Freiburg: lunch is on.
    let guest =
        json!({"name": "Walter Walkin", "email": "walter@example.com", "phone": "0761 5550001"});
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/walk-ins",
            &token,
            Some(json!({"party_size": 2, "guest": guest})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(app.mails().await.is_empty(), "not asked");
    let guest =
        json!({"name": "Wilma Walkin", "email": "wilma@example.com", "phone": "0761 5550002"});
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/walk-ins",
            &token,
            Some(json!({"party_size": 2, "guest": guest, "send_confirmation": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: wilma@example.com") && mails[0].contains("Buchungscode"));
}

#[tokio::test]
async fn a_guest_moving_to_a_taken_time_gets_the_field_and_the_free_times_instead() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let token = app.api_token(rid, Role::Manager).await;
    book(&app, &token, "19:00", "gast@example.com").await;
    let link = link_of(&app.mails().await[0]);
    // 20:00 fills up to the restaurant's pacing (16 covers per start time).
    for (i, email) in ["a@example.com", "b@example.com"].iter().enumerate() {
        let mut body = booking("20:00", 8, email);
        body["guest"]["name"] = json!(format!("Gruppe {i}"));
        let (s, r) = app
            .call(Method::POST, "/api/v1/reservations", &token, Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let mut guest = app.browser();
    let page = guest
        .post(
            &format!("{link}/change"),
            &[("date", FRIDAY), ("time", "20:00"), ("party_size", "2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("id=\"time-error\""));
    assert!(
        page.body.contains("id=\"alternatives\""),
        "free times to take instead"
    );
    assert!(
        page.body.contains("data-status=\"confirmed\""),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_conversations_transcript_is_mailed_on_request_and_purged_with_the_other_texts() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Test").await;
    let at = app.clock.now();
    let mut tx = app.store.tenant(rid, &Actor::Guest).await.expect("tx");
    let lines = vec![
        (
            "guest".to_string(),
            "Habt ihr Freitag um 19 Uhr einen Tisch für zwei?".to_string(),
            at,
        ),
        (
            "agent".to_string(),
            "Ja, Freitag um 19 Uhr ist frei. Auf welchen Namen?".to_string(),
            at,
        ),
        (
            "evil".to_string(),
            "Line with an unknown speaker".to_string(),
            at,
        ),
    ];
    assert!(
        tx.queue_transcript(None, None, "not an address", "de", &lines)
            .await
            .is_err(),
        "the address is checked"
    );
    let id = tx
        .queue_transcript(None, None, "gast@example.com", "de", &lines)
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(m.contains("To: gast@example.com"));
    assert!(
        m.contains("24.11. 13:00  Sie: Habt ihr Freitag um 19 Uhr einen Tisch"),
        "{m}"
    );
    assert!(m.contains("Trattoria Test (Assistent): Ja, Freitag"));
    app.store
        .run_retention(app.clock.now() + Duration::days(31))
        .await
        .expect("retention");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let o = tx.outgoing(id).await.expect("o").expect("row");
    assert!(
        o.params["lines"].is_null() && o.body_text.is_none(),
        "the words are gone: {:?}",
        o.params
    );
    assert_eq!(o.status, "sent", "the fact that it was sent stays");
}

/// A guest's WhatsApp text as Meta delivers it.
fn meta_text(from_digits: &str, id: &str, text: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1111"},
        "contacts": [{"profile": {"name": "Erika"}, "wa_id": from_digits}],
        "messages": [{"from": from_digits, "id": id, "timestamp": "1764000000", "type": "text", "text": {"body": text}}]}}]}]})
    .to_string()
}

#[tokio::test]
async fn the_chat_agent_answers_whatsapp_messages_and_books_with_the_senders_number() {
    let graph = fake_provider(vec![], |n| {
        format!(r#"{{"messages":[{{"id":"wamid.OUT{n}"}}]}}"#)
    })
    .await;
    let app = TestApp::builder().graph_url(&graph.url).start().await;
    let rid = app.with_trattoria("Trattoria WhatsApp").await;
    meta_route(&app, rid, "app-secret-1").await;
    let client = app.client();
    let say = |id: &'static str, text: &'static str| {
        let body = meta_text("4915112345678", id, text);
        let signature = meta_sign("app-secret-1", &body);
        let client = client.clone();
        let url = format!("{}/hooks/whatsapp/{rid}", app.base);
        async move {
            let r = client
                .post(url)
                .header("X-Hub-Signature-256", signature)
                .body(body)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), StatusCode::OK);
        }
    };
    let sent_texts = || -> Vec<(String, String)> {
        graph
            .requests
            .lock()
            .expect("l")
            .iter()
            .map(|(_, b)| {
                (
                    b["to"].as_str().unwrap_or("").to_string(),
                    b["text"]["body"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    say(
        "wamid.IN1",
        "Hallo, habt ihr Freitag um 19 Uhr einen Tisch für 2?",
    )
    .await;
    // A retry of the same delivery is answered once.
    say(
        "wamid.IN1",
        "Hallo, habt ihr Freitag um 19 Uhr einen Tisch für 2?",
    )
    .await;
    app.run_pending_jobs().await;
    let sent = sent_texts();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "4915112345678");
    assert!(
        sent[0].1.contains("Namen"),
        "asks for the name: {}",
        sent[0].1
    );
    say("wamid.IN2", "Erika Mustermann").await;
    app.run_pending_jobs().await;
    let sent = sent_texts();
    assert!(
        sent[1].1.contains("Soll ich"),
        "reads back, the number is known: {}",
        sent[1].1
    );
    say("wamid.IN3", "ja bitte").await;
    app.run_pending_jobs().await;
    let sent = sent_texts();
    assert!(sent[2].1.contains("Buchungsnummer"), "{}", sent[2].1);
    // STOP withdraws consent and is not answered by the agent.
    say("wamid.IN4", "STOP").await;
    app.run_pending_jobs().await;
    assert_eq!(sent_texts().len(), 3, "STOP gets no answer from the agent");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let day = tx
        .reservations_on("2026-11-27".parse().expect("d"), false)
        .await
        .expect("day");
    assert_eq!(day.len(), 1);
    let r = &day[0];
    assert_eq!((r.time.as_str(), r.party_size), ("19:00", 2));
    assert_eq!(r.channel.as_str(), "whatsapp");
    let guest = r.guest.as_ref().expect("guest");
    assert_eq!(guest.name, "Erika Mustermann");
    assert_eq!(guest.phone.as_deref(), Some("+4915112345678"));
    let guest_id = guest.id;
    drop(tx);
    // A day later a new conversation starts; it is the same guest, known by the number.
    app.advance(chrono::Duration::hours(25));
    say("wamid.IN5", "START").await;
    say("wamid.IN6", "Wann habt ihr am Sonntag geöffnet?").await;
    app.run_pending_jobs().await;
    let mut db = app.db.superuser_conn().await.expect("db");
    let linked: Vec<Option<uuid::Uuid>> = sqlx::query_scalar(
        "SELECT guest_id FROM conversations WHERE restaurant_id = $1 ORDER BY created_at",
    )
    .bind(rid)
    .fetch_all(&mut db)
    .await
    .expect("conversations");
    assert_eq!(
        linked,
        vec![Some(guest_id), Some(guest_id)],
        "both conversations belong to the guest"
    );
}

#[tokio::test]
async fn a_team_member_answers_a_whatsapp_guest_as_free_text_only_within_24_hours() {
    let graph = fake_provider(vec![], |n| {
        format!(r#"{{"messages":[{{"id":"wamid.OUT{n}"}}]}}"#)
    })
    .await;
    let app = TestApp::builder().graph_url(&graph.url).start().await;
    let rid = app.with_trattoria("Trattoria Übernahme").await;
    meta_route(&app, rid, "app-secret-2").await;
    app.user_in(rid, "manager@uebernahme.example", Role::Manager)
        .await;
    let client = app.client();
    let say = |id: &'static str, text: &'static str| {
        let body = meta_text("4915187654321", id, text);
        let signature = meta_sign("app-secret-2", &body);
        let client = client.clone();
        let url = format!("{}/hooks/whatsapp/{rid}", app.base);
        async move {
            let r = client
                .post(url)
                .header("X-Hub-Signature-256", signature)
                .body(body)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), StatusCode::OK);
        }
    };
    let sent_texts = || -> Vec<String> {
        graph
            .requests
            .lock()
            .expect("l")
            .iter()
            .map(|(_, b)| b["text"]["body"].as_str().unwrap_or("").to_string())
            .collect()
    };
    say("wamid.P1", "Kann ich bitte mit einem Mitarbeiter sprechen?").await;
    app.run_pending_jobs().await;
    assert_eq!(sent_texts().len(), 1, "the agent says it hands over");
    let mut db = app.db.superuser_conn().await.expect("db");
    let (id, status): (Uuid, String) =
        sqlx::query_as("SELECT id, status FROM conversations WHERE restaurant_id = $1")
            .bind(rid)
            .fetch_one(&mut db)
            .await
            .expect("conversation");
    assert_eq!(status, "needs_person");

    let mut m = app.browser();
    m.login("manager@uebernahme.example", PASSWORD).await;
    let r = m
        .post(
            &format!("/inbox/{id}/reply"),
            &[(
                "text",
                "Hallo, hier ist Anna vom Service. Wie kann ich helfen?",
            )],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.run_pending_jobs().await;
    let sent = sent_texts();
    assert_eq!(
        sent.last().map(String::as_str),
        Some("Hallo, hier ist Anna vom Service. Wie kann ich helfen?"),
        "{sent:?}"
    );
    // The agent is paused: the guest's next message waits for the team.
    say("wamid.P2", "Wir sind am Samstag 14 Leute, geht das?").await;
    app.run_pending_jobs().await;
    assert_eq!(sent_texts().len(), 2, "no answer from the agent");
    let page = m.get(&format!("/inbox/{id}")).await;
    assert!(page
        .body
        .contains("Wir sind am Samstag 14 Leute, geht das?"));

    // A day later WhatsApp takes no free text: the reply is refused by field, nothing is sent.
    app.advance(Duration::hours(25));
    let mut m = app.browser();
    m.login("manager@uebernahme.example", PASSWORD).await;
    let r = m
        .post(&format!("/inbox/{id}/reply"), &[("text", "Ja, das geht!")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("24"), "{}", r.body);
    app.run_pending_jobs().await;
    assert_eq!(sent_texts().len(), 2);
}
