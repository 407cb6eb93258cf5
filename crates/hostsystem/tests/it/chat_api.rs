//! The agent's OpenAI-compatible endpoint, `POST /api/v1/agent/{id}/v1/chat/completions`,
//! driven by the official `openai` Python client from PyPI (scripts/common.sh installs it) and
//! by hand for the wire details: a whole booking over four requests (streamed and not) in one
//! conversation found by its history, the key, bad requests naming the field, the stream's
//! framing.

use crate::app::TestApp;
use hs_store::Actor;
use serde_json::{json, Value};
use uuid::Uuid;

async fn agent_restaurant(app: &TestApp, name: &str) -> (Uuid, String) {
    let rid = app.with_trattoria(name).await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let key = tx.rotate_voice_secret().await.expect("key");
    tx.commit().await.expect("commit");
    (rid, key)
}

const CLIENT: &str = r#"
import json, sys, openai
base, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base, api_key=key, max_retries=0)
msgs = [{"role": "system", "content": "Sie sind der Telefonassistent."}]
out = []
def say(text, stream):
    msgs.append({"role": "user", "content": text})
    if stream:
        s = client.chat.completions.create(model="hostsystem", messages=msgs, stream=True)
        parts = [c.choices[0].delta.content or "" for c in s if c.choices]
        reply = "".join(parts)
        out.append({"reply": reply, "pieces": len([p for p in parts if p])})
    else:
        r = client.chat.completions.create(model="hostsystem", messages=msgs)
        reply = r.choices[0].message.content
        out.append({"reply": reply, "usage": r.usage.total_tokens, "finish": r.choices[0].finish_reason})
    msgs.append({"role": "assistant", "content": reply})
say("Hallo, habt ihr Freitag um 19 Uhr einen Tisch für 4?", False)
say("Erika Mustermann", True)
say("0176 5554433", False)
say("ja, passt", True)
try:
    openai.OpenAI(base_url=base, api_key="wrong", max_retries=0).chat.completions.create(
        model="x", messages=[{"role": "user", "content": "hi"}])
    out.append({"wrong_key": "accepted"})
except openai.AuthenticationError as e:
    out.append({"wrong_key": e.status_code})
try:
    client.chat.completions.create(model="x", messages=[])
    out.append({"empty": "accepted"})
except openai.BadRequestError as e:
    out.append({"empty": e.status_code})
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_openai_python_client_books_a_table_through_the_agent_endpoint() {
    let python = std::env::var("HOSTSYSTEM_TEST_PYTHON").expect(
        "HOSTSYSTEM_TEST_PYTHON names a Python with the openai package: run scripts/test.sh, which installs it",
    );
    let app = TestApp::new().await;
    let (rid, key) = agent_restaurant(&app, "Trattoria OpenAI").await;
    let base = format!("{}/api/v1/agent/{rid}/v1", app.base);
    let out = tokio::process::Command::new(python)
        .args(["-c", CLIENT, &base, &key])
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "the client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("the client prints JSON");
    let turns = v.as_array().expect("a list");
    for t in &turns[..4] {
        assert!(t["reply"].as_str().is_some_and(|r| !r.is_empty()), "{t}");
    }
    assert!(
        turns[1]["pieces"].as_u64().unwrap_or(0) > 1,
        "streamed in pieces: {}",
        turns[1]
    );
    assert!(turns[0]["usage"].as_u64().unwrap_or(0) > 0);
    assert_eq!(turns[0]["finish"], json!("stop"));
    assert!(
        turns[3]["reply"]
            .as_str()
            .unwrap_or("")
            .contains("Buchungsnummer"),
        "{}",
        turns[3]
    );
    assert_eq!(turns[4]["wrong_key"], json!(401));
    assert_eq!(turns[5]["empty"], json!(400));

    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let day = tx
        .reservations_on("2026-11-27".parse().expect("date"), false)
        .await
        .expect("day");
    assert_eq!(day.len(), 1, "one reservation");
    let r = &day[0];
    assert_eq!((r.time.as_str(), r.party_size), ("19:00", 4));
    let guest = r.guest.as_ref().expect("guest");
    assert_eq!(guest.name, "Erika Mustermann");
    assert_eq!(guest.phone.as_deref(), Some("+491765554433"));
    drop(tx);
    let mut db = app.db.superuser_conn().await.expect("db");
    let rows: Vec<(String, i32, String)> = sqlx::query_as(
        "SELECT channel, turns, coalesce(outcome, '') FROM conversations WHERE restaurant_id = $1",
    )
    .bind(rid)
    .fetch_all(&mut db)
    .await
    .expect("conversations");
    assert_eq!(
        rows,
        vec![("api".to_string(), 4, "booked".to_string())],
        "the four requests are one conversation, found by its history"
    );
}

#[tokio::test]
async fn the_endpoint_streams_chunks_names_bad_fields_and_wants_the_key() {
    let app = TestApp::new().await;
    let (rid, key) = agent_restaurant(&app, "Trattoria Draht").await;
    let url = format!("{}/api/v1/agent/{rid}/v1/chat/completions", app.base);
    let http = app.client();
    let body = json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "Wann habt ihr geöffnet?"}]});
    let resp = http.post(&url).json(&body).send().await.expect("send");
    assert_eq!(resp.status(), 401, "no key");
    let resp = http
        .post(&url)
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("ct"),
        "text/event-stream"
    );
    let text = resp.text().await.expect("body");
    let events: Vec<&str> = text
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| e.strip_prefix("data: ").expect("data lines only"))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("each chunk is JSON"))
        .collect();
    assert!(chunks
        .iter()
        .all(|c| c["object"] == json!("chat.completion.chunk")));
    let said: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(said.contains("17:30"), "the opening hours: {said}");
    let last = chunks.last().expect("last");
    assert_eq!(last["choices"][0]["finish_reason"], json!("stop"));
    assert!(last["hostsystem"]["conversation_id"].is_string());

    // The same conversation by the client's own id (Vapi's call id).
    let id_body = |text: &str| json!({"call": {"id": "call-77"}, "messages": [{"role": "user", "content": text}]});
    for text in ["Tisch für 2 am Samstag um 18 Uhr", "Paul Becker"] {
        let r: Value = http
            .post(&url)
            .bearer_auth(&key)
            .json(&id_body(text))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert_eq!(r["object"], json!("chat.completion"));
        assert!(r["choices"][0]["message"]["content"].is_string());
    }
    let mut db = app.db.superuser_conn().await.expect("db");
    let turns: Vec<i32> = sqlx::query_scalar(
        "SELECT turns FROM conversations WHERE restaurant_id = $1 ORDER BY created_at, turns",
    )
    .bind(rid)
    .fetch_all(&mut db)
    .await
    .expect("rows");
    assert_eq!(turns.iter().sum::<i32>(), 3);
    assert!(
        turns.contains(&2),
        "the call id keeps one conversation: {turns:?}"
    );

    for (body, field) in [
        (json!({"messages": "hi"}), "messages"),
        (
            json!({"messages": [{"role": "user", "content": {"x": 1}}]}),
            "messages[0].content",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}], "stream": 1}),
            "stream",
        ),
    ] {
        let r = http
            .post(&url)
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.expect("json");
        assert_eq!(e["error"]["field"], json!(field), "{body}");
    }
    let huge = json!({"messages": [{"role": "user", "content": "a".repeat(600 * 1024)}]});
    let r = http
        .post(&url)
        .bearer_auth(&key)
        .json(&huge)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 413);
    let other = Uuid::new_v4();
    let r = http
        .post(format!(
            "{}/api/v1/agent/{other}/v1/chat/completions",
            app.base
        ))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401, "a key works only for its restaurant");
}

#[tokio::test]
async fn one_conversation_takes_twelve_messages_a_minute_then_429_while_others_go_on() {
    let app = TestApp::new().await;
    let (rid, key) = agent_restaurant(&app, "Trattoria Tempo").await;
    let url = format!("{}/api/v1/agent/{rid}/v1/chat/completions", app.base);
    let http = app.client();
    let say = |call: &str, stream: bool| {
        json!({"call": {"id": call}, "stream": stream,
               "messages": [{"role": "user", "content": "Wann habt ihr geöffnet?"}]})
    };
    for i in 0..12 {
        let r = http
            .post(&url)
            .bearer_auth(&key)
            .json(&say("flood", i % 2 == 0))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "message {i} is within the pace");
        r.text().await.expect("body");
    }
    for stream in [false, true] {
        let r = http
            .post(&url)
            .bearer_auth(&key)
            .json(&say("flood", stream))
            .send()
            .await
            .expect("send");
        assert_eq!(
            r.status(),
            429,
            "the 13th message within a minute (stream: {stream})"
        );
        assert_eq!(r.headers()["retry-after"], "60");
        let e: Value = r.json().await.expect("json");
        assert_eq!(e["error"]["code"], json!("rate_limited"));
    }
    let r = http
        .post(&url)
        .bearer_auth(&key)
        .json(&say("someone-else", true))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "another conversation is not held up");
    r.text().await.expect("body");
    app.advance(chrono::Duration::seconds(61));
    let r = http
        .post(&url)
        .bearer_auth(&key)
        .json(&say("flood", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "a minute later the conversation goes on");
    let mut db = app.db.superuser_conn().await.expect("db");
    let turns: i32 =
        sqlx::query_scalar("SELECT max(turns) FROM conversations WHERE restaurant_id = $1")
            .bind(rid)
            .fetch_one(&mut db)
            .await
            .expect("turns");
    assert_eq!(turns, 13, "refused messages are not recorded");
}
