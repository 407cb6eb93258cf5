//! The team's inbox: a guest who asks for a person waits in it, a team member takes over (the
//! agent pauses), writes to the guest live in the widget, hands back and closes; staff do not
//! read special-category sentences unless the restaurant allows it; bad input is refused by
//! field; another restaurant's conversations stay out of reach.

use crate::app::{TestApp, PASSWORD};
use crate::widget::{say, session, widget_restaurant};
use hs_domain::Role;
use hs_store::Actor;
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

const SHOP: &str = "http://shop.example";

/// A guest's widget with a first message sent: (public id, token, conversation id).
async fn guest_writes(app: &TestApp, pid: &str, text: &str) -> (String, Uuid) {
    let s: Value = session(app, pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let token = s["token"].as_str().expect("token").to_string();
    let (status, _, done) = say(app, pid, SHOP, &token, text).await;
    assert_eq!(status, 200, "{done}");
    let id = done["conversation_id"]
        .as_str()
        .expect("conversation id")
        .parse()
        .expect("uuid");
    (token, id)
}

/// The guest's live stream, read event by event.
struct Stream(reqwest::Response, String);

impl Stream {
    async fn open(app: &TestApp, pid: &str, token: &str, after: i32) -> reqwest::Response {
        app.client()
            .get(format!("{}/api/w/{pid}/stream?after={after}", app.base))
            .header("origin", SHOP)
            .header("x-widget-token", token)
            .send()
            .await
            .expect("send")
    }

    /// The next `data:` event (keep-alive comments skipped).
    async fn next(&mut self) -> Value {
        loop {
            if let Some(i) = self.1.find("\n\n") {
                let ev: String = self.1.drain(..i + 2).collect();
                if let Some(d) = ev.trim_end().strip_prefix("data: ") {
                    return serde_json::from_str(d).expect("json");
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.0.chunk())
                .await
                .expect("an event within 10 s")
                .expect("stream")
                .expect("chunk");
            self.1.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn roles_of(app: &TestApp, rid: Uuid, id: Uuid) -> Vec<(String, String)> {
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.conversation_lines(id)
        .await
        .expect("lines")
        .into_iter()
        .map(|(role, text, _)| (role, text))
        .collect()
}

#[tokio::test]
async fn a_person_takes_over_writes_live_to_the_widget_and_hands_back() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Posteingang", &[SHOP]).await;
    app.user_in(rid, "manager@inbox.example", Role::Manager)
        .await;
    let mut m = app.browser();
    m.login("manager@inbox.example", PASSWORD).await;

    // The guest asks for a person: the conversation waits for the team.
    let (token, id) =
        guest_writes(&app, &pid, "Kann ich bitte mit einem Mitarbeiter sprechen?").await;
    let lines = roles_of(&app, rid, id).await;
    assert!(
        lines
            .iter()
            .any(|(r, t)| r == "agent" && t.contains("antwortet Ihnen hier")),
        "in the chat the agent says the team answers right there: {lines:?}"
    );
    let list = m.get("/inbox").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!("/inbox/{id}")), "listed");
    assert!(list.body.contains("status i-needs_person"), "{}", list.body);
    assert!(list.body.contains("<strong>1</strong>"), "one waits");
    let waiting = m.get("/inbox?status=needs_person").await;
    assert!(waiting.body.contains(&format!("/inbox/{id}")));
    assert!(!m
        .get("/inbox?status=closed")
        .await
        .body
        .contains(&format!("/inbox/{id}")));

    // The guest's widget follows the conversation.
    let r = Stream::open(&app, &pid, &token, -1).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], SHOP);
    let mut live = Stream(r, String::new());
    assert_eq!(
        live.next().await,
        serde_json::json!({"status": "needs_person"})
    );

    // A manager takes over: the guest sees a person, the agent pauses.
    let page = m.get(&format!("/inbox/{id}")).await;
    assert!(page
        .body
        .contains("Kann ich bitte mit einem Mitarbeiter sprechen?"));
    assert_eq!(m.post(&format!("/inbox/{id}/take"), &[]).await.status, 303);
    assert_eq!(live.next().await, serde_json::json!({"status": "person"}));
    let (status, streamed, done) = say(&app, &pid, SHOP, &token, "Hallo, ist da jemand?").await;
    assert_eq!(status, 200);
    assert_eq!((streamed.as_str(), done["text"].as_str()), ("", Some("")));
    let lines = roles_of(&app, rid, id).await;
    assert_eq!(
        lines.last().map(|(r, t)| (r.as_str(), t.as_str())),
        Some(("guest", "Hallo, ist da jemand?")),
        "kept for the team, not answered by the agent: {lines:?}"
    );
    let before = lines.len();

    // The manager writes; the widget shows it live, once, with its position.
    let r = m
        .post(
            &format!("/inbox/{id}/reply"),
            &[(
                "text",
                "Guten Abend! Für 12 Personen richten wir gern den Saal.",
            )],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let team = live.next().await;
    assert_eq!(
        team["team"],
        "Guten Abend! Für 12 Personen richten wir gern den Saal."
    );
    let pos = team["pos"].as_i64().expect("pos");
    assert_eq!(pos as usize, before, "the next position after the guest's");
    let page = m.get(&format!("/inbox/{id}")).await;
    assert!(page.body.contains("Guten Abend! Für 12 Personen"));
    assert!(
        page.body.contains("Taken by Test Person"),
        "who took it over"
    );

    // A widget opened again shows the team's message and goes on after it.
    let s: Value = session(&app, &pid, SHOP, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    let restored: Vec<&str> = s["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(restored.last(), Some(&"team"));
    assert_eq!(s["last"].as_i64(), Some(pos));
    let mut again = Stream(
        Stream::open(&app, &pid, &token, pos as i32).await,
        String::new(),
    );
    assert_eq!(
        again.next().await,
        serde_json::json!({"status": "person"}),
        "no repeat"
    );
    // From an earlier position, the team's message comes again.
    let mut replay = Stream(Stream::open(&app, &pid, &token, -1).await, String::new());
    replay.next().await;
    assert_eq!(replay.next().await["pos"].as_i64(), Some(pos));

    // Back to the agent: it answers again.
    assert_eq!(m.post(&format!("/inbox/{id}/back"), &[]).await.status, 303);
    assert_eq!(live.next().await, serde_json::json!({"status": "agent"}));
    let (_, _, done) = say(&app, &pid, SHOP, &token, "Danke, wann habt ihr geöffnet?").await;
    assert!(
        !done["text"].as_str().unwrap_or_default().is_empty(),
        "{done}"
    );

    // Closed, and a new message opens it for the agent again.
    assert_eq!(m.post(&format!("/inbox/{id}/close"), &[]).await.status, 303);
    assert_eq!(live.next().await, serde_json::json!({"status": "closed"}));
    let (_, _, done) = say(
        &app,
        &pid,
        SHOP,
        &token,
        "Noch eine Frage: gibt es Parkplätze?",
    )
    .await;
    assert!(!done["text"].as_str().unwrap_or_default().is_empty());
    assert_eq!(live.next().await, serde_json::json!({"status": "agent"}));
}

#[tokio::test]
async fn staff_read_the_transcript_without_special_sentences_unless_allowed() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Vertraulich", &[SHOP]).await;
    app.user_in(rid, "staff@inbox.example", Role::Staff).await;
    app.user_in(rid, "owner@inbox.example", Role::Owner).await;
    let (_, id) = guest_writes(
        &app,
        &pid,
        "Tisch für 2 am Freitag um 19 Uhr. Meine Frau hat eine Nussallergie.",
    )
    .await;
    let mut s = app.browser();
    s.login("staff@inbox.example", PASSWORD).await;
    let page = s.get(&format!("/inbox/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tisch für 2 am Freitag um 19 Uhr."));
    assert!(!page.body.contains("Nussallergie"), "masked for staff");
    assert!(page.body.contains("[special note]"));
    let mut o = app.browser();
    o.login("owner@inbox.example", PASSWORD).await;
    assert!(o
        .get(&format!("/inbox/{id}"))
        .await
        .body
        .contains("Meine Frau hat eine Nussallergie."));
    // Staff may take over and write like anyone in the team.
    assert_eq!(s.post(&format!("/inbox/{id}/take"), &[]).await.status, 303);
}

#[tokio::test]
async fn bad_input_and_other_restaurants_are_refused_by_field() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Eins", &[SHOP]).await;
    let (other, other_pid) = widget_restaurant(&app, "Trattoria Zwei", &[SHOP]).await;
    app.user_in(rid, "manager@eins.example", Role::Manager)
        .await;
    let (token, id) = guest_writes(&app, &pid, "Habt ihr heute offen?").await;
    let (other_token, other_id) = guest_writes(&app, &other_pid, "Hallo").await;
    let mut m = app.browser();
    m.login("manager@eins.example", PASSWORD).await;

    // Markup a guest types stays text in the inbox.
    let (status, _, _) = say(
        &app,
        &pid,
        SHOP,
        &token,
        "<script>alert(1)</script><b>fett</b>",
    )
    .await;
    assert_eq!(status, 200);
    let page = m.get(&format!("/inbox/{id}")).await;
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(page
        .body
        .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(
        m.get("/inbox").await.body.contains(">DE<"),
        "the conversation's language"
    );

    let r = m
        .post(&format!("/inbox/{id}/reply"), &[("text", "   ")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("text"));
    let long = "x".repeat(2001);
    assert_eq!(
        m.post(&format!("/inbox/{id}/reply"), &[("text", &long)])
            .await
            .status,
        422
    );
    assert_eq!(m.post(&format!("/inbox/{id}/shout"), &[]).await.status, 404);
    let r = m.get("/inbox?status=waiting").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("status"));
    assert_eq!(m.get("/inbox?channel=fax").await.status, 422);
    assert_eq!(m.get("/inbox/not-a-uuid").await.status, 400);
    // Nothing was stored by the refused replies (two turns of guest and agent).
    assert_eq!(roles_of(&app, rid, id).await.len(), 4);

    // Another restaurant's conversation is not found, whatever the action.
    assert_eq!(m.get(&format!("/inbox/{other_id}")).await.status, 404);
    for action in ["take", "back", "close"] {
        assert_eq!(
            m.post(&format!("/inbox/{other_id}/{action}"), &[])
                .await
                .status,
            404
        );
    }
    assert_eq!(
        m.post(&format!("/inbox/{other_id}/reply"), &[("text", "Hallo")])
            .await
            .status,
        404
    );
    assert!(!m.get("/inbox").await.body.contains(&other_id.to_string()));
    assert_eq!(roles_of(&app, other, other_id).await.len(), 2);

    // The stream: a bad position, a token of another restaurant, no conversation yet.
    let r = Stream::open(&app, &pid, &token, -7).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"]["field"], "after", "{body}");
    assert_eq!(
        Stream::open(&app, &pid, &other_token, -1).await.status(),
        401
    );
    let fresh: Value = session(&app, &pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let r = Stream::open(&app, &pid, fresh["token"].as_str().expect("token"), -1).await;
    assert_eq!(r.status(), 404);
    let r = app
        .client()
        .get(format!("{}/api/w/{pid}/stream", app.base))
        .header("origin", "https://evil.example")
        .header("x-widget-token", &token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403);
    // A conversation holds at most five streams at once (a place coming back is a unit test).
    let mut open = Vec::new();
    for _ in 0..5 {
        let r = Stream::open(&app, &pid, &token, -1).await;
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    let r = Stream::open(&app, &pid, &token, -1).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
    // Without a session, the inbox is for nobody.
    assert_eq!(app.browser().get("/inbox").await.location(), Some("/login"));
}

#[tokio::test]
async fn owners_and_managers_are_emailed_when_nobody_takes_a_waiting_guest_in_time() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Wartezeit", &[SHOP]).await;
    app.user_in(rid, "owner@warte.example", Role::Owner).await;
    app.user_in(rid, "manager@warte.example", Role::Manager)
        .await;
    app.user_in(rid, "staff@warte.example", Role::Staff).await;
    let mut m = app.browser();
    m.login("manager@warte.example", PASSWORD).await;

    // Bad minutes are refused by field; staff may not set it.
    for bad in ["0", "1441", "bald"] {
        let r = m
            .post("/agent/handover", &[("handover_mail_minutes", bad)])
            .await;
        assert_eq!(r.status, 422, "{bad:?} is refused");
        assert!(r.body.contains("1440"), "{}", r.body);
    }
    let mut s = app.browser();
    s.login("staff@warte.example", PASSWORD).await;
    assert_eq!(
        s.post("/agent/handover", &[("handover_mail_minutes", "1")])
            .await
            .status,
        403
    );

    // Off by default: a waiting guest sends no email.
    let (_, quiet) = guest_writes(&app, &pid, "Kann ich mit einem Mitarbeiter sprechen?").await;
    app.advance(chrono::Duration::hours(2));
    assert!(app.mails().await.is_empty());

    let r = m
        .post("/agent/handover", &[("handover_mail_minutes", "10")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(m.get("/agent").await.body.contains("value=\"10\""));

    // Taken over in time: no email.
    let (_, taken) = guest_writes(&app, &pid, "Kann ich mit einem Mitarbeiter sprechen?").await;
    app.advance(chrono::Duration::minutes(5));
    assert_eq!(
        m.post(&format!("/inbox/{taken}/take"), &[]).await.status,
        303
    );
    // Still waiting after ten minutes: owner and manager get the link, staff do not.
    let (_, waits) = guest_writes(
        &app,
        &pid,
        "Ich möchte bitte mit jemandem sprechen, mein Kind hat eine Nussallergie.",
    )
    .await;
    app.advance(chrono::Duration::minutes(9));
    assert!(app.mails().await.is_empty(), "not before ten minutes");
    app.advance(chrono::Duration::minutes(2));
    let mut mails = app.mails().await;
    // Both are written in the same moment: their files' order says nothing.
    mails.sort_by_key(|m| {
        m.lines()
            .find(|l| l.starts_with("To: "))
            .map(str::to_string)
    });
    assert_eq!(mails.len(), 2, "{mails:#?}");
    for (mail, to) in mails
        .iter()
        .zip(["manager@warte.example", "owner@warte.example"])
    {
        assert!(mail.contains(&format!("To: {to}")), "{mail}");
        assert!(mail.contains(&format!("/inbox/{waits}")), "{mail}");
        assert!(!mail.contains(&format!("/inbox/{taken}")));
        assert!(!mail.contains(&format!("/inbox/{quiet}")), "set later");
        assert!(
            !mail.contains("Nussallergie"),
            "no words of the guest: {mail}"
        );
    }
    app.advance(chrono::Duration::hours(1));
    assert_eq!(app.mails().await.len(), 2, "once per wait");
}
