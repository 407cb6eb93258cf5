//! The privacy module's shredders: a data subject's export, their erasure (only theirs, with
//! the protocol and the audit trail kept and marked), and the nightly retention through them.

use crate::app::TestApp;
use chrono::Duration;
use hs_store::privacy::{Erase, Scope, Subject};
use hs_store::voice::{CallEnd, Provider};
use hs_store::Actor;
use serde_json::json;
use uuid::Uuid;

const ANNA: &str = "+4917612345678";
const BERT: &str = "+4915198765432";

/// A finished call from `caller` with a transcript and one logged tool call.
async fn call(app: &TestApp, r: Uuid, caller: &str, said: &str) -> Uuid {
    let mut tx = app.store.tenant(r, &Actor::System).await.expect("tx");
    let id = tx
        .voice_call(
            Provider::Vapi,
            &format!("call-{caller}-{said}"),
            Some(caller),
            "de",
        )
        .await
        .expect("call");
    tx.voice_event(
        id,
        "tool_call",
        "check_availability",
        Some("t1"),
        Some(true),
        &json!({"party_size": 2}),
    )
    .await
    .expect("event");
    tx.voice_call_ended(
        id,
        &CallEnd {
            transcript: Some(said.to_string()),
            summary: Some(format!("Zusammenfassung: {said}")),
            ..CallEnd::default()
        },
    )
    .await
    .expect("end");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn a_caller_s_data_is_exported_and_erased_without_touching_anyone_else_s() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    let anna = call(&app, r, ANNA, "Ich bin Anna und reserviere für zwei").await;
    let bert = call(&app, r, BERT, "Hier ist Bert").await;
    let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
    let export = tx
        .export_subject(&Subject::phone(ANNA))
        .await
        .expect("export");
    let calls = export["voice_calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "{export}");
    assert_eq!(calls[0]["caller"], ANNA);
    assert_eq!(
        calls[0]["transcript"],
        "Ich bin Anna und reserviere für zwei"
    );
    assert_eq!(export["voice_events"].as_array().map(Vec::len), Some(1));
    assert!(!export.to_string().contains("Bert"), "only Anna's data");
    let everything = tx.export_subject(&Subject::Restaurant).await.expect("all");
    assert_eq!(everything["voice_calls"].as_array().map(Vec::len), Some(2));

    let done = tx
        .shred(&Scope::Erasure(&Subject::phone(ANNA), Erase::Anonymise))
        .await
        .expect("erase");
    tx.commit().await.expect("commit");
    let rows: Vec<(&str, u64)> = done.iter().map(|d| (d.category, d.rows)).collect();
    assert_eq!(
        rows,
        [
            ("voice_events_deleted", 1),
            ("voice_calls_anonymised", 1),
            ("idempotency_records_deleted", 0),
            ("message_bodies_purged", 0),
            ("guest_links_deleted", 0),
            ("inbound_messages_deleted", 0),
            ("conversations_anonymised", 0),
            ("privacy_exports_dropped", 0),
            ("reservations_anonymised", 0),
            ("guests_anonymised", 0)
        ]
    );
    let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
    let (a, a_events) = tx.voice_call_detail(anna).await.expect("anna");
    assert_eq!((a.caller, a.transcript, a.summary), (None, None, None));
    assert!(a.anonymised_at.is_some() && a_events.is_empty());
    let (b, b_events) = tx.voice_call_detail(bert).await.expect("bert");
    assert_eq!(b.caller.as_deref(), Some(BERT));
    assert_eq!(b.transcript.as_deref(), Some("Hier ist Bert"));
    assert_eq!(b_events.len(), 1);
    // The protocol says it was an erasure; the audit trail of Anna's call is kept, marked.
    let protocol = tx.deletion_protocol(10).await.expect("protocol");
    assert_eq!(protocol.len(), hs_store::privacy::SHREDDERS.len());
    let audit = tx
        .audit_entries(&hs_store::team::AuditFilter {
            table: Some("voice_calls".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("audit");
    let anna_rows: Vec<_> = audit
        .iter()
        .filter(|e| e.row_id == anna.to_string())
        .collect();
    let bert_rows: Vec<_> = audit
        .iter()
        .filter(|e| e.row_id == bert.to_string())
        .collect();
    assert!(
        anna_rows.len() >= 2,
        "insert and updates are kept: {audit:?}"
    );
    assert!(
        anna_rows.iter().all(|e| e.shredded_at.is_some()),
        "the entries of Anna's call are kept and marked shredded: {anna_rows:?}"
    );
    assert!(bert_rows.iter().all(|e| e.shredded_at.is_none()));
    let again = tx
        .export_subject(&Subject::phone(ANNA))
        .await
        .expect("export");
    assert_eq!(again["voice_calls"], json!([]), "nothing left");
}

#[tokio::test]
async fn retention_runs_through_the_shredders_and_protocols_each_category() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    let old = call(&app, r, ANNA, "alt").await;
    app.advance(Duration::days(91));
    let new = call(&app, r, BERT, "neu").await;
    let done = app
        .store
        .run_retention(app.clock.now())
        .await
        .expect("retention");
    let rows: Vec<(&str, u64)> = done.iter().map(|d| (d.category, d.rows)).collect();
    assert_eq!(
        rows,
        [
            ("voice_events_deleted", 1),
            ("voice_calls_anonymised", 1),
            ("idempotency_records_deleted", 0),
            ("message_bodies_purged", 0),
            ("guest_links_deleted", 0),
            ("inbound_messages_purged", 0),
            ("conversations_anonymised", 0),
            ("privacy_exports_expired", 0),
            ("reservations_anonymised", 0),
            ("guests_anonymised", 0)
        ]
    );
    let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
    assert!(tx
        .voice_call_detail(old)
        .await
        .expect("old")
        .0
        .caller
        .is_none());
    assert_eq!(
        tx.voice_call_detail(new)
            .await
            .expect("new")
            .0
            .caller
            .as_deref(),
        Some(BERT)
    );
}
