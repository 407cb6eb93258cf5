//! Voice-AI webhooks over HTTP: Vapi, Retell and the generic tool endpoint book through the
//! agent's tools, retries book once, wrong secrets and signatures are refused, bad input gets a
//! sentence to speak, and the retention run anonymises calls after 90 days. The clock stands
//! at Tuesday 24 November 2026, 13:00 in Freiburg.

use crate::app::{t0, TestApp};
use chrono::Duration;
use hmac::{Hmac, Mac};
use hs_store::voice::{CallEnd, Provider};
use hs_store::Actor;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

const CALLER: &str = "+4917612345678";

/// A restaurant with a voice secret (and, when asked, a Retell key).
async fn voice_restaurant(app: &TestApp, name: &str, retell: Option<&str>) -> (Uuid, String) {
    let rid = app.with_trattoria(name).await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let secret = tx.rotate_voice_secret().await.expect("secret");
    tx.set_retell_key(retell).await.expect("retell key");
    tx.commit().await.expect("commit");
    (rid, secret)
}

async fn post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value, String) {
    let mut req = app
        .client()
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

fn vapi_tool_calls(call: &str, calls: &[(&str, &str, Value)]) -> String {
    // As in Vapi's docs: message.type "tool-calls", toolCallList with function name and
    // arguments, the call with the customer's number.
    json!({"message": {
        "type": "tool-calls",
        "call": {"id": call, "type": "inboundPhoneCall", "customer": {"number": CALLER}},
        "toolCallList": calls.iter().map(|(id, name, args)| json!({
            "id": id, "type": "function", "function": {"name": name, "arguments": args}
        })).collect::<Vec<_>>(),
    }})
    .to_string()
}

async fn reservations_of(app: &TestApp, rid: Uuid) -> Vec<(String, String, Option<String>)> {
    let mut su = app.db.superuser_conn().await.expect("su");
    sqlx::query_as(
        "SELECT r.code, r.channel, g.phone FROM reservations r LEFT JOIN guests g ON g.id = r.guest_id \
         WHERE r.restaurant_id = $1 ORDER BY r.created_at",
    )
    .bind(rid)
    .fetch_all(&mut su)
    .await
    .expect("reservations")
}

#[tokio::test]
async fn a_vapi_call_books_once_and_is_logged_with_transcript_and_outcome() {
    let app = TestApp::new().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Vapi", None).await;
    let path = format!("/api/v1/voice/{rid}/vapi");
    let auth = format!("Bearer {secret}");
    let h = [("authorization", auth.as_str())];
    // Spoken forms: "Freitag" is 27 November, "19 Uhr", "zu viert".
    let ask = vapi_tool_calls(
        "call-1",
        &[(
            "tc-1",
            "check_availability",
            json!({"date": "Freitag", "time": "19 Uhr", "party_size": "zu viert"}),
        )],
    );
    let (s, r, _) = post(&app, &path, &h, &ask).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["results"][0]["toolCallId"], "tc-1");
    let result = r["results"][0]["result"].as_str().expect("a result string");
    assert!(!result.contains('\n'), "one line");
    let answer: Value = serde_json::from_str(result).expect("JSON in the line");
    assert_eq!(answer["data"]["available"], true, "{answer}");
    assert!(
        answer["say"]
            .as_str()
            .expect("say")
            .contains("Freitag, 27. November um 19 Uhr"),
        "{answer}"
    );
    // Book; the arguments may also come as a JSON string.
    let book = vapi_tool_calls(
        "call-1",
        &[("tc-2", "create_reservation", json!("{\"date\": \"2026-11-27\", \"time\": \"19:00\", \"party_size\": 4, \"name\": \"Erika Mustermann\"}"))],
    );
    let (s, first, _) = post(&app, &path, &h, &book).await;
    assert_eq!(s, StatusCode::OK);
    let booked: Value =
        serde_json::from_str(first["results"][0]["result"].as_str().expect("result"))
            .expect("json");
    let code = booked["data"]["code"]
        .as_str()
        .expect("a booking code")
        .to_string();
    assert!(booked["say"]
        .as_str()
        .expect("say")
        .contains(&hs_domain::say::spell(&code)));
    // Vapi retries the same tool call: the same answer, one booking.
    let (_, again, _) = post(&app, &path, &h, &book).await;
    assert_eq!(again, first, "the retry gets the first answer");
    let list = reservations_of(&app, rid).await;
    assert_eq!(list.len(), 1, "booked once: {list:?}");
    assert_eq!(
        list[0],
        (code.clone(), "phone_ai".into(), Some(CALLER.into())),
        "caller ID as the guest's phone"
    );
    // Bad input gets a sentence in Vapi's error field.
    let bad = vapi_tool_calls(
        "call-1",
        &[
            (
                "tc-3",
                "create_reservation",
                json!({"date": "2026-11-27", "time": "19:00", "party_size": 0, "name": "X"}),
            ),
            ("tc-4", "order_pizza", json!({})),
            (
                "tc-5",
                "check_availability",
                json!({"date": "2026-11-30", "time": "19:00", "party_size": 2}),
            ),
        ],
    );
    let (s, r, _) = post(&app, &path, &h, &bad).await;
    assert_eq!(s, StatusCode::OK);
    let zero: Value = serde_json::from_str(r["results"][0]["error"].as_str().expect("error field"))
        .expect("json");
    assert_eq!(zero["error"], "party_too_small");
    assert!(zero["say"]
        .as_str()
        .expect("say")
        .contains("wie viele Personen"));
    let unknown: Value =
        serde_json::from_str(r["results"][1]["error"].as_str().expect("error")).expect("json");
    assert_eq!(unknown["error"], "unknown_tool");
    let monday: Value =
        serde_json::from_str(r["results"][2]["result"].as_str().expect("result")).expect("json");
    assert!(
        monday["say"].as_str().expect("say").contains("geschlossen"),
        "{monday}"
    );
    assert_eq!(
        reservations_of(&app, rid).await.len(),
        1,
        "nothing booked by bad input"
    );
    // Status updates and unknown message types are acknowledged.
    let status = json!({"message": {"type": "status-update", "status": "in-progress", "call": {"id": "call-1"}}}).to_string();
    assert_eq!(post(&app, &path, &h, &status).await.0, StatusCode::OK);
    let other = json!({"message": {"type": "speech-update", "call": {"id": "call-1"}}}).to_string();
    let (s, r, _) = post(&app, &path, &h, &other).await;
    assert_eq!((s, r), (StatusCode::OK, json!({})));
    // The end-of-call report (fields as Vapi documents them).
    let report = json!({"message": {
        "type": "end-of-call-report", "endedReason": "customer-ended-call",
        "call": {"id": "call-1", "customer": {"number": CALLER}},
        "startedAt": "2026-11-24T11:58:00.000Z", "endedAt": "2026-11-24T12:00:05.000Z", "durationSeconds": 125.2,
        "transcript": "AI: Trattoria Demo, guten Tag.\nUser: Ich möchte für Freitag reservieren, zu viert, 19 Uhr.",
        "summary": "Reservierung für 4 Personen am Freitag um 19 Uhr.",
        "recordingUrl": "https://storage.vapi.ai/call-1-mono.wav",
        "artifact": {"messages": []}
    }})
    .to_string();
    assert_eq!(post(&app, &path, &h, &report).await.0, StatusCode::OK);
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let calls = tx.voice_calls(&Default::default()).await.expect("calls");
    assert_eq!(calls.len(), 1);
    let (call, events) = tx.voice_call_detail(calls[0].id).await.expect("detail");
    assert_eq!(call.outcome.as_deref(), Some("booked"));
    assert_eq!(call.duration_seconds, Some(125));
    assert_eq!(call.caller.as_deref(), Some(CALLER));
    assert!(call
        .transcript
        .as_deref()
        .is_some_and(|t| t.contains("zu viert")));
    assert_eq!(
        call.recording_url.as_deref(),
        Some("https://storage.vapi.ai/call-1-mono.wav")
    );
    assert!(call.reservation_id.is_some(), "linked to the booking");
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert!(
        names.contains(&"create_reservation")
            && names.contains(&"end-of-call-report")
            && names.contains(&"in-progress"),
        "{names:?}"
    );
    let logged = serde_json::to_string(&events.iter().map(|e| &e.payload).collect::<Vec<_>>())
        .expect("json");
    assert!(
        !logged.contains("Erika") && !logged.contains(&secret),
        "events are minimised: {logged}"
    );
    drop(tx);
    // Transcripts are sealed at rest.
    let mut su = app.db.superuser_conn().await.expect("su");
    let raw: String =
        sqlx::query_scalar("SELECT transcript_enc FROM voice_calls WHERE restaurant_id = $1")
            .bind(rid)
            .fetch_one(&mut su)
            .await
            .expect("row");
    assert!(!raw.contains("zu viert"));
}

#[tokio::test]
async fn wrong_or_missing_secrets_are_refused_and_rotation_keeps_the_old_one_for_a_day() {
    let app = TestApp::new().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Schloss", None).await;
    let (other, other_secret) = voice_restaurant(&app, "Trattoria Nachbar", None).await;
    let vapi = format!("/api/v1/voice/{rid}/vapi");
    let body = vapi_tool_calls("c", &[("t", "restaurant_info", json!({}))]);
    for headers in [
        vec![],
        vec![("authorization", "Bearer wrong")],
        vec![("authorization", &*format!("Bearer {other_secret}"))],
        vec![("x-vapi-secret", "hsv_nope")],
    ] {
        let (s, _, text) = post(&app, &vapi, &headers, &body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert!(!text.contains("secret"), "no detail: {text}");
    }
    let (s, _, _) = post(
        &app,
        "/api/v1/voice/not-a-uuid/vapi",
        &[("authorization", "Bearer x")],
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, r, _) = post(&app, &vapi, &[("x-vapi-secret", &secret)], &body).await;
    assert_eq!(s, StatusCode::OK, "the default Vapi header");
    let info: Value =
        serde_json::from_str(r["results"][0]["result"].as_str().expect("result")).expect("json");
    assert!(
        info["say"]
            .as_str()
            .expect("say")
            .contains("Hauptstraße 12"),
        "{info}"
    );
    // Generic endpoint: header or bearer.
    let tools = format!("/api/v1/voice/{rid}/tools/check_availability");
    let args = json!({"date": "2026-11-27", "party_size": 2}).to_string();
    let (s, r, _) = post(&app, &tools, &[("x-hostsystem-secret", &secret)], &args).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["ok"], true, "{r}");
    assert!(r["data"]["times"].as_array().is_some_and(|t| !t.is_empty()));
    // Rotation: both secrets work for a day, then only the new one.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let new = tx.rotate_voice_secret().await.expect("rotate");
    tx.commit().await.expect("commit");
    for s in [&secret, &new] {
        let (st, _, _) = post(
            &app,
            &tools,
            &[("authorization", &format!("Bearer {s}"))],
            &args,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
    }
    app.advance(Duration::hours(25));
    let (st, _, _) = post(
        &app,
        &tools,
        &[("authorization", &format!("Bearer {secret}"))],
        &args,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the old secret expired");
    let (st, _, _) = post(
        &app,
        &tools,
        &[("authorization", &format!("Bearer {new}"))],
        &args,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // The other restaurant's booking code is not found here.
    let mut tx = app.store.tenant(other, &Actor::Cli).await.expect("tx");
    let ctx = hs_agent::Context {
        caller: Some(CALLER.into()),
        language: "de".into(),
        channel: hs_domain::reservation::Channel::PhoneAi,
    };
    let made = hs_agent::run(
        &mut tx,
        "create_reservation",
        &json!({"date": "2026-11-28", "time": "19:00", "party_size": 2, "name": "Otto Nachbar"}),
        &ctx,
    )
    .await
    .expect("booked");
    tx.commit().await.expect("commit");
    let foreign = made.data["code"].as_str().expect("code");
    let find = format!("/api/v1/voice/{rid}/tools/find_reservation");
    let (s, r, _) = post(
        &app,
        &find,
        &[("x-hostsystem-secret", &new)],
        &json!({"code": foreign, "caller": CALLER}).to_string(),
    )
    .await;
    assert_eq!(
        (s, r["ok"].clone(), r["error"].clone()),
        (StatusCode::OK, json!(false), json!("not_found")),
        "{r}"
    );
    // Bad bodies.
    let (s, _, _) = post(&app, &tools, &[("x-hostsystem-secret", &new)], "{not json").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let big = format!("{{\"notes\": \"{}\"}}", "x".repeat(1024 * 1024));
    let (s, _, _) = post(&app, &tools, &[("x-hostsystem-secret", &new)], &big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (s, r, _) = post(&app, &tools, &[("x-hostsystem-secret", &new)], "[1,2]").await;
    assert_eq!(
        (s, r["ok"].clone(), r["error"].clone()),
        (StatusCode::OK, json!(false), json!("invalid_arguments"))
    );
    let ambiguous = json!({"date": "2026-11-27", "time": "8", "party_size": 2}).to_string();
    let (_, r, _) = post(&app, &tools, &[("x-hostsystem-secret", &new)], &ambiguous).await;
    assert_eq!(
        r["ok"], true,
        "a time the hours settle is no question: 8 means 20:00 here: {r}"
    );
}

fn retell_sign(key: &str, body: &str, ts: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    mac.update(ts.to_string().as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v={ts},d={hex}")
}

#[tokio::test]
async fn a_retell_call_books_with_a_valid_signature_and_stale_or_forged_ones_are_refused() {
    let app = TestApp::new().await;
    let key = "key_retell_test_0123456789";
    let (rid, _) = voice_restaurant(&app, "Trattoria Retell", Some(key)).await;
    let now = chrono::Utc::now().timestamp_millis();
    // A custom-function request as Retell documents it: name, args, and the call object.
    let body = json!({
        "name": "create_reservation",
        "call": {"call_id": "retell-call-9", "agent_id": "agent_1", "from_number": CALLER, "to_number": "+497612345678", "direction": "inbound", "call_status": "ongoing"},
        "args": {"date": "morgen", "time": "halb acht", "party_size": "zwei", "name": "Jonas Fischer"}
    })
    .to_string();
    let path = format!("/api/v1/voice/{rid}/retell/function");
    let sig = retell_sign(key, &body, now);
    let (s, r, _) = post(&app, &path, &[("x-retell-signature", &sig)], &body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["data"]["date"], "2026-11-25", "morgen");
    assert_eq!(r["data"]["time"], "19:30", "halb acht in the evening");
    // Retell retries: same call, tool and arguments → same answer, one booking.
    let sig2 = retell_sign(key, &body, now + 2000);
    let (_, again, _) = post(&app, &path, &[("x-retell-signature", &sig2)], &body).await;
    assert_eq!(again["data"]["code"], r["data"]["code"]);
    assert_eq!(reservations_of(&app, rid).await.len(), 1);
    // Forged, stale, missing.
    let forged = retell_sign("another-key", &body, now);
    let stale = retell_sign(key, &body, now - 6 * 60 * 1000);
    for h in [
        vec![("x-retell-signature", forged.as_str())],
        vec![("x-retell-signature", stale.as_str())],
        vec![],
    ] {
        let (s, _, _) = post(&app, &path, &h, &body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{h:?}");
    }
    // Arguments only, tool in the path.
    let args = json!({"date": "2026-11-27", "party_size": 2}).to_string();
    let sig = retell_sign(key, &args, now);
    let (s, r, _) = post(
        &app,
        &format!("{path}/check_availability"),
        &[("x-retell-signature", &sig)],
        &args,
    )
    .await;
    assert_eq!((s, r["ok"].clone()), (StatusCode::OK, json!(true)), "{r}");
    // The call webhook.
    let ended = json!({"event": "call_analyzed", "call": {
        "call_id": "retell-call-9", "from_number": CALLER, "call_status": "ended",
        "start_timestamp": now - 95_000, "end_timestamp": now, "disconnection_reason": "user_hangup",
        "transcript": "Agent: Hallo!\nUser: Morgen halb acht für zwei, bitte.",
        "recording_url": "https://dxc03zgurdly9.cloudfront.net/retell-call-9/recording.wav",
        "call_analysis": {"call_summary": "Tisch für zwei morgen 19:30 reserviert."}
    }})
    .to_string();
    let hook = format!("/api/v1/voice/{rid}/retell/webhook");
    let (s, _, _) = post(
        &app,
        &hook,
        &[("x-retell-signature", &retell_sign(key, &ended, now))],
        &ended,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = post(
        &app,
        &hook,
        &[(
            "x-retell-signature",
            &retell_sign(key, &ended, now - 600_000),
        )],
        &ended,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "stale timestamp");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let calls = tx.voice_calls(&Default::default()).await.expect("calls");
    let retell: Vec<_> = calls
        .iter()
        .filter(|c| c.provider == "retell" && c.external_id == "retell-call-9")
        .collect();
    assert_eq!(retell.len(), 1);
    let (call, _) = tx.voice_call_detail(retell[0].id).await.expect("detail");
    assert_eq!(
        (call.outcome.as_deref(), call.duration_seconds),
        (Some("booked"), Some(95))
    );
    assert_eq!(
        call.summary.as_deref(),
        Some("Tisch für zwei morgen 19:30 reserviert.")
    );
    // Without a Retell key nothing is accepted.
    let (rid2, _) = voice_restaurant(&app, "Trattoria Ohne Retell", None).await;
    let (s, _, _) = post(
        &app,
        &format!("/api/v1/voice/{rid2}/retell/webhook"),
        &[("x-retell-signature", &retell_sign("", &ended, now))],
        &ended,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn retention_anonymises_calls_older_than_90_days_and_deletes_old_webhook_logs() {
    let app = TestApp::new().await;
    let (rid, _) = voice_restaurant(&app, "Trattoria Vergesslich", None).await;
    let now = t0();
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let mut ids = Vec::new();
    for (name, days) in [("old", 91), ("young", 89)] {
        let id = tx
            .voice_call(Provider::Vapi, name, Some(CALLER), "de")
            .await
            .expect("call");
        tx.voice_event(
            id,
            "tool_call",
            "check_availability",
            None,
            Some(true),
            &json!({}),
        )
        .await
        .expect("event");
        tx.voice_call_ended(
            id,
            &CallEnd {
                started_at: Some(now - Duration::days(days)),
                ended_at: Some(now - Duration::days(days) + Duration::minutes(2)),
                transcript: Some(format!("Transkript {name}")),
                summary: Some("Zusammenfassung".into()),
                recording_url: Some("https://example.com/r.wav".into()),
                ..Default::default()
            },
        )
        .await
        .expect("ended");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    let ran = app.store.run_retention(now).await.expect("retention");
    let mine: Vec<_> = ran.iter().filter(|d| d.restaurant_id == rid).collect();
    assert_eq!(
        mine.iter()
            .find(|d| d.category == "voice_calls_anonymised")
            .map(|d| d.rows),
        Some(1)
    );
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let (old, _) = tx.voice_call_detail(ids[0]).await.expect("old");
    assert_eq!(
        (old.caller, old.transcript, old.summary, old.recording_url),
        (None, None, None, None),
        "91 days: anonymised"
    );
    assert!(old.anonymised_at.is_some());
    assert_eq!(
        old.duration_seconds,
        Some(120),
        "duration kept for statistics"
    );
    assert_eq!(old.outcome.as_deref(), Some("abandoned"), "outcome kept");
    let (young, events) = tx.voice_call_detail(ids[1]).await.expect("young");
    assert_eq!(young.caller.as_deref(), Some(CALLER), "89 days: kept");
    assert_eq!(young.transcript.as_deref(), Some("Transkript young"));
    assert_eq!(events.len(), 1, "events younger than 30 days stay");
    let protocol = tx.deletion_protocol(10).await.expect("protocol");
    assert_eq!(
        protocol.len(),
        hs_store::privacy::SHREDDERS.len(),
        "one row per category: {protocol:?}"
    );
    assert!(protocol.iter().all(|p| p.ran_at == now));
    drop(tx);
    // A month later the webhook logs go, and the second call has aged past 90 days too.
    let later = now + Duration::days(31);
    app.store.run_retention(later).await.expect("retention");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let (young, events) = tx.voice_call_detail(ids[1]).await.expect("young");
    assert!(events.is_empty(), "logs older than 30 days deleted");
    assert!(young.transcript.is_none());
    let protocol = tx.deletion_protocol(10).await.expect("protocol");
    let events_row = protocol
        .iter()
        .find(|p| p.ran_at == later && p.category == "voice_events_deleted")
        .expect("row");
    assert_eq!(
        events_row.rows_affected, 2,
        "one event per call: {protocol:?}"
    );
    // The app role cannot rewrite the protocol.
    let mut conn = app
        .db
        .app_pool()
        .await
        .expect("pool")
        .acquire()
        .await
        .expect("conn");
    let e = sqlx::query("DELETE FROM deletion_protocol")
        .execute(&mut *conn)
        .await;
    assert!(e.is_err(), "append-only");
}

/// Writes a call script to a temporary file.
fn script(dir: &tempfile::TempDir, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, v.to_string()).expect("script");
    p
}

#[tokio::test]
async fn the_simulator_replays_a_vapi_and_a_retell_call_that_show_up_in_the_call_log() {
    let app = TestApp::new().await;
    let key = "key_sim_retell_42";
    let (rid, secret) = voice_restaurant(&app, "Trattoria Simulator", Some(key)).await;
    let dir = tempfile::tempdir().expect("dir");
    let vapi = script(
        &dir,
        "vapi.json",
        &json!({"provider": "vapi", "call_id": "sim-vapi-1", "caller": "+4915112345678",
            "tool_calls": [
                {"tool": "check_availability", "arguments": {"date": "Freitag", "time": "19 Uhr", "party_size": "zu viert"}},
                {"tool": "create_reservation", "arguments": {"date": "Freitag", "time": "19 Uhr", "party_size": "zu viert", "name": "Paula Telefon"}}
            ],
            "end": {"transcript": "User: Freitag um 19 Uhr, zu viert.\nAI: Gern, ich habe reserviert.", "summary": "Tisch für 4 am Freitag.", "duration_seconds": 74}}),
    );
    let retell = script(
        &dir,
        "retell.json",
        &json!({"provider": "retell", "call_id": "sim-retell-1", "caller": "+4915187654321",
            "tool_calls": [{"tool": "create_reservation", "arguments": {"date": "2026-11-28", "time": "20:00", "party_size": 2, "name": "Rita Retell", "language": "en"}}],
            "end": {"transcript": "User: Saturday at eight for two.", "summary": "Table for two on Saturday.", "duration_seconds": 51}}),
    );
    for (file, extra) in [
        (&vapi, vec!["--secret", secret.as_str()]),
        (&retell, vec!["--retell-key", key]),
    ] {
        let mut args = vec!["voice", "simulate", "--json", "--url", app.base.as_str()];
        let r = rid.to_string();
        args.extend([
            "--restaurant",
            r.as_str(),
            "--script",
            file.to_str().expect("path"),
        ]);
        args.extend(extra);
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_hostsystem"))
                .args(&args)
                .env_clear()
                .env("HOSTSYSTEM_LOG_LEVEL", "warn")
                .output()
                .expect("run the simulator")
        })
        .await
        .expect("join");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_str(&stdout).expect("JSON report");
        assert_eq!(report["ended"], true);
        let last = report["answers"]
            .as_array()
            .and_then(|a| a.last())
            .expect("answers");
        assert_eq!(last["ok"], true, "{report}");
        assert!(last["data"]["code"].is_string(), "{report}");
    }
    let list = reservations_of(&app, rid).await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().all(|(_, channel, _)| channel == "phone_ai"));
    // The dashboard's call log: both calls, with outcome and transcript.
    let manager = app
        .user_in(rid, "chefin@simulator.example", hs_domain::Role::Manager)
        .await;
    let _ = manager;
    let mut b = app.browser();
    b.login("chefin@simulator.example", crate::app::PASSWORD)
        .await;
    let page = b.get("/calls").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("href=\"/calls/").count(),
        2,
        "two calls listed"
    );
    assert!(page.body.contains("o-booked") && page.body.contains("+4915112345678"));
    let booked_only = b.get("/calls?outcome=handed_over").await;
    assert_eq!(
        booked_only.body.matches("href=\"/calls/").count(),
        0,
        "filtered by outcome"
    );
    let first = page.body.split("href=\"/calls/").nth(1).expect("link");
    let id = &first[..36];
    let detail = b.get(&format!("/calls/{id}")).await;
    assert!(
        detail.body.contains("id=\"transcript\""),
        "managers read the transcript"
    );
    assert!(detail.body.contains("create_reservation"), "events listed");
    assert!(
        detail.body.contains("href=\"/reservations/"),
        "the reservation is linked"
    );
    let res_link = detail
        .body
        .split("href=\"/reservations/")
        .nth(1)
        .expect("reservation link");
    let res = b.get(&format!("/reservations/{}", &res_link[..36])).await;
    assert!(
        res.body.contains(&format!("href=\"/calls/{id}\"")),
        "the reservation shows its call"
    );
    // Staff see the log but not what callers said, unless the restaurant allows it.
    app.user_in(rid, "kellner@simulator.example", hs_domain::Role::Staff)
        .await;
    let mut s = app.browser();
    s.login("kellner@simulator.example", crate::app::PASSWORD)
        .await;
    let staff_view = s.get(&format!("/calls/{id}")).await;
    assert_eq!(staff_view.status, StatusCode::OK);
    assert!(
        !staff_view.body.contains("id=\"transcript\"") && !staff_view.body.contains("zu viert.")
    );
    // Another restaurant's member gets 404 for this call.
    let other = app.with_trattoria("Trattoria Fremd").await;
    app.user_in(other, "fremd@fremd.example", hs_domain::Role::Owner)
        .await;
    let mut o = app.browser();
    o.login("fremd@fremd.example", crate::app::PASSWORD).await;
    assert_eq!(
        o.get(&format!("/calls/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // A wrong secret makes the simulator fail loudly.
    let args: Vec<String> = [
        "voice",
        "simulate",
        "--url",
        &app.base,
        "--restaurant",
        &rid.to_string(),
        "--secret",
        "wrong",
        "--script",
        vapi.to_str().expect("p"),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    // Off the runtime: the server under test runs on it.
    let bad = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hostsystem"))
            .args(&args)
            .env_clear()
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("401"));
}

#[tokio::test]
async fn managers_rotate_the_voice_secret_and_set_retention_in_settings() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Einstellungen").await;
    app.user_in(rid, "chef@einstellungen.example", hs_domain::Role::Manager)
        .await;
    let mut m = app.browser();
    m.login("chef@einstellungen.example", crate::app::PASSWORD)
        .await;
    let page = m.get("/settings").await;
    assert!(
        page.body.contains(&format!("{rid}&#x2f;vapi")),
        "the URLs are shown (minijinja escapes slashes)"
    );
    let made = m.post("/settings/voice/secret", &[]).await;
    assert_eq!(made.status, StatusCode::OK);
    let at = made
        .body
        .find("id=\"voice-secret\">")
        .expect("secret shown once")
        + "id=\"voice-secret\">".len();
    let secret = &made.body[at..at + made.body[at..].find('<').expect("end")];
    assert!(secret.starts_with("hsv_"));
    assert!(
        !m.get("/settings").await.body.contains(secret),
        "never shown again"
    );
    let path = format!("/api/v1/voice/{rid}/tools/restaurant_info");
    let (s, r, _) = post(&app, &path, &[("x-hostsystem-secret", secret)], "{}").await;
    assert_eq!((s, r["ok"].clone()), (StatusCode::OK, json!(true)));
    let bad = m
        .post(
            "/settings/voice",
            &[
                ("vapi_header", "x-vapi-secret"),
                ("retention_days", "365"),
                ("voice_language", "de"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("retention_days"));
    let ok = m
        .post(
            "/settings/voice",
            &[
                ("vapi_header", "X-Trattoria-Key"),
                ("retention_days", "30"),
                ("voice_language", "en"),
            ],
        )
        .await;
    assert_eq!(ok.location(), Some("/settings?saved=1"), "{}", ok.body);
    let vapi = format!("/api/v1/voice/{rid}/vapi");
    let body = vapi_tool_calls("c-9", &[("t", "restaurant_info", json!({}))]);
    let (s, r, _) = post(&app, &vapi, &[("x-trattoria-key", secret)], &body).await;
    assert_eq!(s, StatusCode::OK, "the configured header");
    let info: Value =
        serde_json::from_str(r["results"][0]["result"].as_str().expect("r")).expect("json");
    assert!(
        info["say"]
            .as_str()
            .expect("say")
            .starts_with("You'll find us"),
        "calls now in English: {info}"
    );
    let key = m
        .post("/settings/voice/retell", &[("retell_key", "key_abc")])
        .await;
    assert_eq!(key.location(), Some("/settings?saved=1"));
    assert!(
        m.get("/settings").await.body.contains("retell_key")
            && !m.get("/settings").await.body.contains("key_abc")
    );
    // Staff cannot.
    app.user_in(rid, "kellner@einstellungen.example", hs_domain::Role::Staff)
        .await;
    let mut s = app.browser();
    s.login("kellner@einstellungen.example", crate::app::PASSWORD)
        .await;
    assert_eq!(
        s.post("/settings/voice/secret", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/voice")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test]
async fn the_providers_documented_example_payloads_are_understood() {
    let app = TestApp::new().await;
    let key = "key_fixture_retell";
    let (rid, secret) = voice_restaurant(&app, "Trattoria Beispiel", Some(key)).await;
    let auth = format!("Bearer {secret}");
    let vapi = format!("/api/v1/voice/{rid}/vapi");
    // Vapi's docs example: name and arguments on the list item, not under `function`.
    let (s, r, _) = post(
        &app,
        &vapi,
        &[("authorization", &auth)],
        &fixture("vapi_tool_calls.json"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        r["results"][0]["toolCallId"],
        "toolu_01DTPAzUm5Gk3zxrpJ969oMF"
    );
    let answer: Value =
        serde_json::from_str(r["results"][0]["result"].as_str().expect("result")).expect("json");
    assert_eq!(answer["data"]["available"], true, "{answer}");
    let (s, _, _) = post(
        &app,
        &vapi,
        &[("authorization", &auth)],
        &fixture("vapi_end_of_call_report.json"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Retell's custom-function request and call_analyzed webhook.
    let now = chrono::Utc::now().timestamp_millis();
    let body = fixture("retell_function.json");
    let (s, r, _) = post(
        &app,
        &format!("/api/v1/voice/{rid}/retell/function"),
        &[("x-retell-signature", &retell_sign(key, &body, now))],
        &body,
    )
    .await;
    assert_eq!((s, r["ok"].clone()), (StatusCode::OK, json!(true)), "{r}");
    assert_eq!(
        (r["data"]["date"].as_str(), r["data"]["time"].as_str()),
        (Some("2026-11-25"), Some("19:30"))
    );
    // No `language` argument: the restaurant's voice language (German) is spoken.
    assert!(
        r["say"]
            .as_str()
            .expect("say")
            .starts_with("Ich habe für Sie reserviert"),
        "{r}"
    );
    let body = fixture("retell_call_analyzed.json");
    let (s, _, _) = post(
        &app,
        &format!("/api/v1/voice/{rid}/retell/webhook"),
        &[("x-retell-signature", &retell_sign(key, &body, now))],
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let calls = tx.voice_calls(&Default::default()).await.expect("calls");
    let by = |p: &str| calls.iter().find(|c| c.provider == p).expect("call");
    let (v, _) = tx
        .voice_call_detail(by("vapi").id)
        .await
        .expect("vapi call");
    assert_eq!(
        (
            v.outcome.as_deref(),
            v.duration_seconds,
            v.caller.as_deref()
        ),
        (Some("informed"), Some(8), Some("+14155550123"))
    );
    assert!(
        v.transcript
            .as_deref()
            .is_some_and(|t| t.contains("table for four")),
        "from artifact.transcript"
    );
    assert_eq!(
        v.recording_url.as_deref(),
        Some("https://storage.vapi.ai/call-uuid-mono.wav")
    );
    let (rt, _) = tx
        .voice_call_detail(by("retell").id)
        .await
        .expect("retell call");
    assert_eq!(
        (rt.outcome.as_deref(), rt.duration_seconds),
        (Some("booked"), Some(16))
    );
    assert_eq!(
        rt.summary.as_deref(),
        Some("The caller booked a table for two for tomorrow at 7:30 pm.")
    );
}

#[tokio::test]
async fn a_restaurant_s_voice_webhooks_are_rate_limited_together() {
    let app = TestApp::builder().voice_rate_per_minute(3).start().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Gedrosselt", None).await;
    let (other, other_secret) = voice_restaurant(&app, "Trattoria Frei", None).await;
    let path = |r: Uuid| format!("/api/v1/voice/{r}/tools/restaurant_info");
    for _ in 0..3 {
        let (s, _, _) = post(&app, &path(rid), &[("x-hostsystem-secret", &secret)], "{}").await;
        assert_eq!(s, StatusCode::OK);
    }
    let resp = app
        .client()
        .post(format!("{}{}", app.base, path(rid)))
        .header("x-hostsystem-secret", &secret)
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let (s, _, _) = post(
        &app,
        &path(other),
        &[("x-hostsystem-secret", &other_secret)],
        "{}",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "other restaurants are not affected");
    app.advance(Duration::seconds(30));
    let (s, _, _) = post(&app, &path(rid), &[("x-hostsystem-secret", &secret)], "{}").await;
    assert_eq!(s, StatusCode::OK, "refilled");
}

#[tokio::test]
async fn a_call_handed_over_to_staff_asks_for_a_callback_on_today_s_day_view() {
    let app = TestApp::new().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Rückruf", None).await;
    app.user_in(rid, "service@rueckruf.example", hs_domain::Role::Staff)
        .await;
    let mut b = app.browser();
    b.login("service@rueckruf.example", crate::app::PASSWORD)
        .await;
    assert!(
        !b.get("/").await.body.contains("id=\"handovers\""),
        "nothing to call back yet"
    );
    let path = format!("/api/v1/voice/{rid}/tools/hand_over_to_staff");
    let body = json!({"reason": "Weihnachtsfeier für 30 Personen", "call_id": "cb-1", "caller": "0761 1234567"}).to_string();
    let (s, r, _) = post(&app, &path, &[("x-hostsystem-secret", &secret)], &body).await;
    assert_eq!((s, r["ok"].clone()), (StatusCode::OK, json!(true)), "{r}");
    assert!(
        r["say"].as_str().expect("say").contains("zurück"),
        "a callback is promised: {r}"
    );
    assert_eq!(r["data"]["callback"], "0761 1234567");
    let day = b.get("/").await;
    assert!(
        day.body.contains("id=\"handovers\""),
        "today's view asks for the callback"
    );
    assert!(day.body.contains("outcome=handed_over"));
    assert!(
        !b.get("/?date=2026-11-27")
            .await
            .body
            .contains("id=\"handovers\""),
        "only on today's view"
    );
    app.advance(Duration::hours(25));
    assert!(
        !b.get("/").await.body.contains("id=\"handovers\""),
        "after a day it is in the call log only"
    );
}

#[tokio::test]
async fn odd_ids_and_names_from_a_platform_do_not_break_the_call_log() {
    let app = TestApp::new().await;
    let key = "key_odd_retell";
    let (rid, secret) = voice_restaurant(&app, "Trattoria Seltsam", Some(key)).await;
    let long = "x".repeat(300);
    // A 300-character call id and tool-call id: the key is hashed, the ids clipped.
    let path = format!("/api/v1/voice/{rid}/tools/create_reservation");
    let body = json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "name": "Lang", "call_id": long, "tool_call_id": long}).to_string();
    let (s, first, _) = post(&app, &path, &[("x-hostsystem-secret", &secret)], &body).await;
    assert_eq!(
        (s, first["ok"].clone()),
        (StatusCode::OK, json!(true)),
        "{first}"
    );
    let (_, again, _) = post(&app, &path, &[("x-hostsystem-secret", &secret)], &body).await;
    assert_eq!(again["data"]["code"], first["data"]["code"], "replayed");
    // A Retell request without a tool name: a question back, logged under "unknown".
    let nameless = json!({"name": "", "args": {}, "call": {"call_id": "c-odd"}}).to_string();
    let now = chrono::Utc::now().timestamp_millis();
    let (s, r, _) = post(
        &app,
        &format!("/api/v1/voice/{rid}/retell/function"),
        &[("x-retell-signature", &retell_sign(key, &nameless, now))],
        &nameless,
    )
    .await;
    assert_eq!(
        (s, r["error"].clone()),
        (StatusCode::OK, json!("unknown_tool")),
        "{r}"
    );
}

#[tokio::test]
async fn a_taken_time_is_answered_with_the_nearest_free_times_to_offer() {
    let app = TestApp::new().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Voll", None).await;
    let path = |tool: &str| format!("/api/v1/voice/{rid}/tools/{tool}");
    // Pacing allows 16 covers starting per 15 minutes: four parties of four fill 19:00.
    for i in 0..4 {
        let body = json!({"date": "2026-11-27", "time": "19:00", "party_size": 4, "name": format!("Gast {i}")}).to_string();
        let (_, r, _) = post(
            &app,
            &path("create_reservation"),
            &[("x-hostsystem-secret", &secret)],
            &body,
        )
        .await;
        assert_eq!(r["ok"], true, "{r}");
    }
    let body = json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "name": "Zu Spät", "language": "de"}).to_string();
    let (s, r, _) = post(
        &app,
        &path("create_reservation"),
        &[("x-hostsystem-secret", &secret)],
        &body,
    )
    .await;
    assert_eq!(
        (s, r["ok"].clone(), r["error"].clone()),
        (StatusCode::OK, json!(false), json!("slot_unavailable")),
        "{r}"
    );
    let say = r["say"].as_str().expect("say");
    assert!(
        say.starts_with("Zu dieser Zeit ist leider kein Tisch mehr frei. Wie wäre es mit "),
        "{say}"
    );
    let times = r["data"]["alternatives"]["times"]
        .as_array()
        .expect("times");
    assert!(!times.is_empty() && !times.contains(&json!("19:00")), "{r}");
    // The same question, asked in English, offers the same times in English.
    let (_, en, _) = post(
        &app,
        &path("check_availability"),
        &[("x-hostsystem-secret", &secret)],
        &json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "language": "en"})
            .to_string(),
    )
    .await;
    assert_eq!(en["data"]["available"], false);
    assert!(en["say"].as_str().expect("say").contains("Would "), "{en}");
}

#[tokio::test]
async fn each_night_s_retention_runs_once_even_with_several_servers() {
    use hs_service::jobs::enqueue_platform;
    use hs_service::retention::RetentionRun;
    let app = TestApp::new().await;
    let (rid, _) = voice_restaurant(&app, "Trattoria Zwei Server", None).await;
    let night = t0().date_naive();
    // Two server processes schedule the night's run and both look for due jobs: the night is
    // queued once, and one of them runs it.
    let second = app.worker.clone();
    let (a, b) = tokio::join!(
        async {
            enqueue_platform(&app.store, &RetentionRun { night })
                .await
                .expect("schedule");
            app.worker.run_pending().await.expect("first")
        },
        async {
            enqueue_platform(&app.store, &RetentionRun { night })
                .await
                .expect("schedule");
            second.run_pending().await.expect("second")
        }
    );
    assert_eq!(a + b, 1, "{a} + {b}");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    assert_eq!(
        tx.deletion_protocol(10).await.expect("protocol").len(),
        hs_store::privacy::SHREDDERS.len(),
        "one run recorded"
    );
    drop(tx);
    enqueue_platform(
        &app.store,
        &RetentionRun {
            night: night + Duration::days(1),
        },
    )
    .await
    .expect("next night");
    assert_eq!(app.run_pending_jobs().await, 1, "the next night runs");
}

#[tokio::test]
async fn the_phone_agent_records_the_callers_whatsapp_consent_and_the_confirmation_is_mailed() {
    let app = TestApp::new().await;
    let (rid, secret) = voice_restaurant(&app, "Trattoria Test", None).await;
    let path = format!("/api/v1/voice/{rid}/tools/create_reservation");
    let body = json!({"date": "2026-11-27", "time": "19:00", "party_size": 2, "name": "Erika Mustermann",
        "email": "erika@example.com", "whatsapp_opt_in": "ja", "call_id": "wa-1", "caller": "+4915112345678"})
    .to_string();
    let (s, r, _) = post(&app, &path, &[("x-hostsystem-secret", &secret)], &body).await;
    assert_eq!((s, r["ok"].clone()), (StatusCode::OK, json!(true)), "{r}");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let id = tx.search_guests("Mustermann").await.expect("search")[0].id;
    assert!(
        tx.whatsapp_consent(id).await.expect("consent"),
        "recorded from the agent's question"
    );
    drop(tx);
    let mails = app.mails().await;
    assert!(mails
        .iter()
        .any(|m| m.contains("To: erika@example.com") && m.contains("Buchungscode")));
}
