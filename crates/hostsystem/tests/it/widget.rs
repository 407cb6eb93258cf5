//! The website widget's server side: the script (public, small), the origin check with CORS,
//! the guest token bound to its restaurant, a whole booking by chat over the streamed
//! messages call, the conversation restored from the token, and bad input.

use crate::app::TestApp;
use hs_store::widget::WidgetSettings;
use hs_store::Actor;
use serde_json::{json, Value};
use uuid::Uuid;

const SHOP: &str = "http://shop.example";

/// A restaurant whose widget may be embedded on `origins`; its public id.
pub(crate) async fn widget_restaurant(
    app: &TestApp,
    name: &str,
    origins: &[&str],
) -> (Uuid, String) {
    let rid = app.with_trattoria(name).await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.set_widget_settings(WidgetSettings {
        origins: origins.iter().map(|o| o.to_string()).collect(),
        privacy_url: Some("https://shop.example/datenschutz".into()),
        ..WidgetSettings::default()
    })
    .await
    .expect("settings");
    let pid = tx.public_ids().await.expect("public id").0;
    tx.commit().await.expect("commit");
    (rid, pid)
}

pub(crate) async fn session(
    app: &TestApp,
    pid: &str,
    origin: &str,
    token: Option<&str>,
) -> reqwest::Response {
    app.client()
        .post(format!("{}/api/w/{pid}/session", app.base))
        .header("origin", origin)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("send")
}

/// Sends one message; the status, the streamed text and the final `done` event.
pub(crate) async fn say(
    app: &TestApp,
    pid: &str,
    origin: &str,
    token: &str,
    text: &str,
) -> (u16, String, Value) {
    let r = app
        .client()
        .post(format!("{}/api/w/{pid}/messages", app.base))
        .header("origin", origin)
        .header("x-widget-token", token)
        .json(&json!({"text": text}))
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    if status != 200 {
        let body: Value = r.json().await.unwrap_or(Value::Null);
        return (status, String::new(), body);
    }
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let body = r.text().await.expect("body");
    let mut streamed = String::new();
    let mut done = Value::Null;
    for e in body.split("\n\n").filter(|e| !e.is_empty()) {
        let v: Value = serde_json::from_str(e.strip_prefix("data: ").expect("data")).expect("json");
        if let Some(d) = v["delta"].as_str() {
            streamed.push_str(d);
        } else if !v["done"].is_null() {
            done = v["done"].clone();
        }
    }
    (status, streamed, done)
}

#[tokio::test]
async fn the_widget_script_is_public_and_under_20_kb_gzipped() {
    let app = TestApp::new().await;
    let r = app
        .client()
        .get(format!("{}/widget.js", app.base))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/javascript"));
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let script = r.bytes().await.expect("body");
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&script).expect("gzip");
    let size = gz.finish().expect("gzip").len();
    println!("widget.js: {} bytes, {size} bytes gzipped", script.len());
    assert!(
        size < 20_000,
        "everything the guest's browser loads for the widget is under 20 KB gzipped: {size}"
    );
    // No inline styles a strict CSP would block: styles come from a constructed stylesheet.
    let text = String::from_utf8_lossy(&script);
    assert!(text.contains("new CSSStyleSheet()") && text.contains("adoptedStyleSheets"));
    assert!(!text.contains("innerHTML"), "text is only ever set as text");
}

#[tokio::test]
async fn a_guest_books_through_the_widget_from_a_listed_origin() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Widget", &[SHOP]).await;
    let r = session(&app, &pid, SHOP, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], SHOP);
    let s: Value = r.json().await.expect("json");
    let token = s["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("hsw_"));
    assert_eq!(s["config"]["name"], "Trattoria Widget");
    assert_eq!(
        s["config"]["privacy_url"],
        "https://shop.example/datenschutz"
    );
    assert_eq!(s["messages"], json!([]));

    let mut done = Value::Null;
    let mut reads = Vec::new();
    for text in [
        "Hallo, habt ihr Freitag um 19 Uhr einen Tisch für 4?",
        "Erika Mustermann",
        "0176 5554433",
        "ja",
    ] {
        let (status, streamed, d) = say(&app, &pid, SHOP, &token, text).await;
        assert_eq!(status, 200, "{d}");
        assert!(!streamed.is_empty(), "the reply streams");
        assert_eq!(d["text"].as_str(), Some(streamed.as_str()));
        done = d;
        reads.push(app.store.agent_profile_reads());
    }
    // The restaurant's profile and setup are read once; the later turns (the booking among
    // them) use what was kept under the unchanged setup version.
    assert!(
        reads.windows(2).all(|w| w[0] == w[1]),
        "profile reads after each turn: {reads:?}"
    );
    let code = done["card"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a booking card: {done}"))
        .to_string();
    assert_eq!(done["card"]["party_size"], 4);
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let day = tx
        .reservations_on("2026-11-27".parse().expect("date"), false)
        .await
        .expect("day");
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].code, code);
    assert_eq!(day[0].time, "19:00");
    drop(tx);
    // The token brings the conversation back (a reload of the page).
    let s: Value = session(&app, &pid, SHOP, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(s["token"], json!(token), "the same token is kept");
    let lines = s["messages"].as_array().expect("messages");
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["role"], "guest");
    assert_eq!(lines[2]["text"], "Erika Mustermann");
    // Markup is a guest's text like any other: stored and sent back as it was typed.
    let html = "<script>alert(1)</script><b>Parkplatz?</b>";
    assert_eq!(say(&app, &pid, SHOP, &token, html).await.0, 200);
    let s: Value = session(&app, &pid, SHOP, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(s["messages"][8]["text"], html);
    // A long message is read, not refused.
    let (status, _, _) = say(&app, &pid, SHOP, &token, &"sehr lang ".repeat(2000)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn origins_tokens_and_bad_input_are_refused_clearly() {
    let app = TestApp::new().await;
    let (_, a) = widget_restaurant(&app, "Trattoria A", &[SHOP]).await;
    let (_, b) = widget_restaurant(&app, "Trattoria B", &[SHOP]).await;
    let http = app.client();
    // Preflight: the listed origin gets CORS headers, another gets 403 without them.
    let pre = |pid: &str, origin: &str| {
        http.request(
            reqwest::Method::OPTIONS,
            format!("{}/api/w/{pid}/messages", app.base),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, x-widget-token",
        )
        .send()
    };
    let r = pre(&a, SHOP).await.expect("send");
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], SHOP);
    assert!(r.headers()["access-control-allow-headers"]
        .to_str()
        .expect("h")
        .contains("x-widget-token"));
    let r = pre(&a, "https://evil.example").await.expect("send");
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // A session needs a listed origin; none at all (a script without a browser) is refused.
    assert_eq!(
        session(&app, &a, "https://evil.example", None)
            .await
            .status(),
        403
    );
    let r = http
        .post(format!("{}/api/w/{a}/session", app.base))
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403, "no Origin header");
    assert_eq!(
        session(&app, "w0000000000000000", SHOP, None)
            .await
            .status(),
        404
    );
    // The server's own origin (hosted page, settings preview) is always allowed.
    assert_eq!(session(&app, &a, &app.base, None).await.status(), 200);

    let token_a: Value = session(&app, &a, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let token_a = token_a["token"].as_str().expect("token").to_string();
    // A's token is worth nothing at B, and B's session replaces it with its own.
    let (status, _, e) = say(&app, &b, SHOP, &token_a, "Hallo").await;
    assert_eq!(status, 401, "{e}");
    assert_eq!(e["error"]["code"], "token");
    let s: Value = session(&app, &b, SHOP, Some(&token_a))
        .await
        .json()
        .await
        .expect("json");
    assert_ne!(s["token"], json!(token_a));
    // A made-up token, or none, gets nothing.
    let forged = format!("hsw_{}", "0".repeat(64));
    assert_eq!(say(&app, &a, SHOP, &forged, "Hallo").await.0, 401);
    assert_eq!(say(&app, &a, SHOP, "", "Hallo").await.0, 401);
    // Bad bodies name the field.
    let post = |body: reqwest::Body| {
        http.post(format!("{}/api/w/{a}/messages", app.base))
            .header("origin", SHOP)
            .header("x-widget-token", &token_a)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, field) in [
        (json!({}).to_string(), "text"),
        (json!({"text": 5}).to_string(), "text"),
        (json!({"text": "x".repeat(20_001)}).to_string(), "text"),
        ("{not json".to_string(), "body"),
        ("[]".to_string(), "body"),
    ] {
        let r = post(body.clone().into()).await.expect("send");
        assert_eq!(r.status(), 400, "{body:.60}");
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            SHOP,
            "readable by the widget"
        );
        let e: Value = r.json().await.expect("json");
        assert_eq!(e["error"]["field"], field, "{body:.60}");
    }
    let r = post(vec![b'a'; 200 * 1024].into()).await.expect("send");
    assert_eq!(r.status(), 413);
    // Emoji only, control characters and a message of 20,000 characters get an answer, not
    // an error.
    let long = format!("Tisch für 2 am Freitag {}", "bitte ".repeat(3320));
    assert!(long.chars().count() <= 20_000 && long.chars().count() > 19_900);
    for text in ["🍝🍷🙂", "\u{0}\u{7}Tisch\u{1b}[31m", long.as_str()] {
        let (status, streamed, _) = say(&app, &a, SHOP, &token_a, text).await;
        assert_eq!(status, 200);
        assert!(!streamed.is_empty());
    }
}

#[tokio::test]
async fn one_address_gets_60_widget_requests_a_minute() {
    let app = TestApp::new().await;
    let (_, pid) = widget_restaurant(&app, "Trattoria Limit", &[SHOP]).await;
    for i in 0..60 {
        assert_eq!(
            session(&app, &pid, SHOP, None).await.status(),
            200,
            "request {i}"
        );
    }
    let r = session(&app, &pid, SHOP, None).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    app.advance(chrono::Duration::seconds(61));
    assert_eq!(session(&app, &pid, SHOP, None).await.status(), 200);
}

#[tokio::test]
async fn widget_settings_are_checked_and_the_snippet_is_shown() {
    use crate::app::PASSWORD;
    use hs_domain::Role;
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Trattoria Einstellungen").await;
    app.user_in(rid, "manager@widget.example", Role::Manager)
        .await;
    let mut m = app.browser();
    m.login("manager@widget.example", PASSWORD).await;
    let form = |origins: &'static str, colour: &'static str, privacy: &'static str| {
        vec![
            ("origins", origins),
            ("colour", colour),
            ("position", "left"),
            ("greeting_de", "Ciao! Wie können wir helfen?"),
            ("greeting_en", "Ciao! How can we help?"),
            ("privacy_url", privacy),
        ]
    };
    for (f, field) in [
        (form("www.trattoria.de", "#112233", ""), "origins[0]"),
        (
            form("https://ok.example\nftp://x", "#112233", ""),
            "origins[1]",
        ),
        (form("https://ok.example", "red", ""), "colour"),
        (
            form("https://ok.example", "#112233", "javascript:alert(1)"),
            "privacy_url",
        ),
    ] {
        let r = m.post("/agent/widget", &f).await;
        assert_eq!(r.status, 422, "{f:?}");
        assert!(r.body.contains(field), "{field}: {}", r.body);
    }
    let r = m
        .post(
            "/agent/widget",
            &form(
                "HTTPS://www.Trattoria.de/reservieren\nhttps://www.trattoria.de",
                "#1A5FB4",
                "https://www.trattoria.de/datenschutz",
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = m.get("/agent").await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let s = tx.widget_settings().await.expect("settings");
    let pid = tx.public_ids().await.expect("pid").0;
    assert_eq!(
        s.origins,
        vec!["https://www.trattoria.de".to_string()],
        "normalised, once"
    );
    assert_eq!(
        (s.colour.as_str(), s.position.as_str()),
        ("#1a5fb4", "left")
    );
    assert!(
        page.body
            .contains(&format!("data-restaurant=&quot;{pid}&quot;")),
        "the snippet"
    );
    assert!(
        page.body.contains(&format!(
            "<script src=\"/widget.js\" data-restaurant=\"{pid}\""
        )),
        "the preview"
    );
}

/// Asks for the conversation by email; the status and the JSON body.
async fn transcript(app: &TestApp, pid: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .client()
        .post(format!("{}/api/w/{pid}/transcript", app.base))
        .header("origin", SHOP)
        .header("x-widget-token", token)
        .json(&body)
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_guest_gets_the_conversation_by_email_masked_and_at_most_three_times() {
    let app = TestApp::new().await;
    let (_, pid) = widget_restaurant(&app, "Trattoria Abschrift", &[SHOP]).await;
    let (_, other) = widget_restaurant(&app, "Trattoria Nebenan", &[SHOP]).await;
    let s: Value = session(&app, &pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let token = s["token"].as_str().expect("token").to_string();

    // Nothing to send before the first message.
    let (status, body) = transcript(&app, &pid, &token, json!({"email": "gast@example.com"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("conversation")),
        "{body}"
    );

    let (status, _, _) = say(
        &app,
        &pid,
        SHOP,
        &token,
        "Habt ihr am Samstag Platz? Mein Sohn hat eine schwere Nussallergie. <b>Danke</b>",
    )
    .await;
    assert_eq!(status, 200);

    // Bad input by field; another restaurant's widget does not know this token.
    let (status, body) = transcript(&app, &pid, &token, json!({})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("email")),
        "{body}"
    );
    let (status, body) = transcript(&app, &pid, &token, json!({"email": "keine adresse"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("email")),
        "{body}"
    );
    let (status, _) = transcript(&app, &other, &token, json!({"email": "gast@example.com"})).await;
    assert_eq!(status, 401);
    assert!(
        app.mails().await.is_empty(),
        "nothing was sent for refused requests"
    );

    let (status, body) = transcript(&app, &pid, &token, json!({"email": "gast@example.com"})).await;
    assert_eq!(status, 202, "{body}");
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(m.contains("To: gast@example.com"), "{m}");
    assert!(
        m.contains("Habt ihr am Samstag Platz?"),
        "the guest's words: {m}"
    );
    assert!(m.contains("[special note]"), "{m}");
    assert!(
        !m.to_lowercase().contains("nussallergie"),
        "no health detail goes out by email: {m}"
    );
    assert!(
        m.contains("<b>Danke</b>") && !m.contains("text/html"),
        "a plain-text mail: markup stays as typed, never rendered: {m}"
    );

    // Twice more, then the conversation is refused by field.
    for _ in 0..2 {
        let (status, _) =
            transcript(&app, &pid, &token, json!({"email": "gast@example.com"})).await;
        assert_eq!(status, 202);
    }
    let (status, body) =
        transcript(&app, &pid, &token, json!({"email": "fremd@example.com"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("limit")),
        "{body}"
    );
    assert_eq!(body["error"]["field"], "conversation");
    assert_eq!(app.mails().await.len(), 3);
}
