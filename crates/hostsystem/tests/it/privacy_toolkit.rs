//! The privacy toolkit (issue 15): a person found everywhere, exported as a ZIP through a link
//! that works once, anonymised or deleted after their name is typed, with protocol rows that
//! name no one; every tenant table covered by a shredder or declared free of guests' data.

use crate::app::TestApp;
use hs_domain::Role;
use hs_service::privacy::{self, Erase, EraseRequest, Fetched, Lookup};
use hs_service::reservations::Caller;
use hs_store::conversations::Turn;
use hs_store::privacy::{NOT_ABOUT_GUESTS, SHREDDERS};
use hs_store::voice::{CallEnd, Provider};
use hs_store::{Actor, StoreError};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use uuid::Uuid;

const NAME: &str = "Jürgen Hollerbach";
const PHONE: &str = "+497615551234";
const EMAIL: &str = "juergen.hollerbach@example.org";
const SPECIAL: &str = "Erdnussallergie";

/// A guest with a past visit, a call, a chat and messages; and Erika, who must be untouched.
async fn jurgen(app: &TestApp) -> (Uuid, Uuid) {
    let rid = app.with_trattoria("Trattoria Vergessen").await;
    let token = app.api_token(rid, Role::Manager).await;
    for (name, phone, email, time) in [
        (NAME, "0761 5551234", EMAIL, "19:00"),
        (
            "Erika Mustermann",
            "0761 7778899",
            "erika@example.org",
            "20:00",
        ),
    ] {
        let (s, r) = app
            .call(
                Method::POST,
                "/api/v1/reservations",
                &token,
                Some(json!({"date": "2026-11-27", "time": time, "party_size": 3,
                            "notes": format!("Fensterplatz für {name}"), "special_notes": SPECIAL,
                            "guest": {"name": name, "phone": phone, "email": email, "language": "de",
                                      "whatsapp_opt_in": true}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    app.run_pending_jobs().await;
    let mut tx = app.store.tenant(rid, &Actor::System).await.expect("tx");
    let call = tx
        .voice_call(Provider::Vapi, "call-jurgen", Some(PHONE), "de")
        .await
        .expect("call");
    tx.voice_event(
        call,
        "status",
        "in-progress",
        None,
        None,
        &json!({"from": PHONE}),
    )
    .await
    .expect("event");
    tx.voice_call_ended(
        call,
        &CallEnd {
            transcript: Some(format!("Hier ist {NAME}, ich reserviere")),
            ..CallEnd::default()
        },
    )
    .await
    .expect("end");
    let conversation = Uuid::new_v4();
    tx.start_conversation(conversation, "whatsapp")
        .await
        .expect("start");
    tx.record_turn(
        conversation,
        &Turn {
            guest: &format!("Hallo, hier ist {NAME}"),
            agent: "Willkommen!",
            state: &json!({"name": NAME}),
            language: Some("de"),
            outcome: Some("informed"),
            intents: &[],
            engine: "builtin",
            tokens: 0,
            unanswered: false,
            booking: None,
            phone: Some(PHONE),
        },
    )
    .await
    .expect("turn");
    tx.commit().await.expect("commit");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let guest = tx
        .person(&Lookup::Email(EMAIL.into()))
        .await
        .expect("person")
        .guests[0];
    (rid, guest)
}

fn owner(rid: Uuid) -> Caller {
    Caller {
        restaurant_id: rid,
        actor: Actor::Cli,
        role: Role::Owner,
    }
}

/// Tables and columns (text, JSON, arrays) where any of `needles` occurs, across the whole
/// database, read as the superuser (past row-level security).
async fn where_found(app: &TestApp, needles: &[&str]) -> Vec<String> {
    use sqlx::Connection;
    let mut c = app.db.superuser_conn().await.expect("superuser");
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY') \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut c)
    .await
    .expect("columns");
    let mut hits = Vec::new();
    for (t, col) in cols {
        for n in needles {
            let found: bool = sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM \"{t}\" WHERE strpos(lower(\"{col}\"::text), lower($1)) > 0)"
            ))
            .bind(n)
            .fetch_one(&mut c)
            .await
            .expect("scan");
            if found {
                hits.push(format!("{t}.{col} holds {n:?}"));
            }
        }
    }
    c.close().await.ok();
    hits
}

#[tokio::test]
async fn every_tenant_table_is_covered_by_a_shredder_or_declared_free_of_guests_data() {
    let app = TestApp::new().await;
    use sqlx::Connection;
    let mut c = app.db.superuser_conn().await.expect("superuser");
    let tenant: BTreeSet<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity",
    )
    .fetch_all(&mut c)
    .await
    .expect("catalog")
    .into_iter()
    .collect();
    c.close().await.ok();
    let mut covered: BTreeSet<String> = SHREDDERS
        .iter()
        .flat_map(|s| s.tables().iter().map(|t| t.to_string()))
        .collect();
    covered.extend(NOT_ABOUT_GUESTS.iter().map(|(t, _)| t.to_string()));
    let missing: Vec<&String> = tenant.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "tenant tables with neither a shredder nor a reason in NOT_ABOUT_GUESTS: {missing:?}"
    );
    let stale: Vec<&String> = covered.difference(&tenant).collect();
    assert!(stale.is_empty(), "named but not in the database: {stale:?}");
}

#[tokio::test]
async fn a_person_is_found_by_name_number_or_address_with_rows_per_category() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    let svc = hs_service::Services::new(app.store.clone());
    for q in [
        "hollerb",
        "0761 555 12 34",
        "+49 761 5551234",
        "JUERGEN.HOLLERBACH@example.org",
    ] {
        let found = privacy::find(&svc, &owner(rid), q).await.expect("find");
        assert_eq!(found.len(), 1, "{q}: {found:?}");
        let f = &found[0];
        assert_eq!(f.person.guests, vec![guest], "{q}");
        let counts: std::collections::HashMap<_, _> = f.counts.iter().cloned().collect();
        for (category, n) in [
            ("guests", 1),
            ("reservations", 1),
            ("voice_calls", 1),
            ("voice_events", 1),
            ("conversations", 1),
            ("opt_ins", 1),
        ] {
            assert_eq!(
                counts.get(category),
                Some(&n),
                "{q}: {category} in {counts:?}"
            );
        }
        assert!(
            counts.get("messages").is_some_and(|n| *n >= 1),
            "{counts:?}"
        );
    }
    assert!(privacy::find(&svc, &owner(rid), "Niemand")
        .await
        .expect("find")
        .is_empty());
    let staff = Caller {
        role: Role::Staff,
        ..owner(rid)
    };
    assert!(matches!(
        privacy::find(&svc, &staff, "hollerb").await,
        Err(StoreError::Forbidden)
    ));
}

/// The entries of a ZIP as (name, text), read by Python's zipfile (an independent reader).
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut f = tempfile::NamedTempFile::new().expect("tmp");
    f.write_all(bytes).expect("write");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; \
             print(json.dumps([[n, z.read(n).decode()] for n in z.namelist()]))",
        ])
        .arg(f.path())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[tokio::test]
async fn an_export_is_made_by_a_job_downloaded_once_and_logged() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    let svc = hs_service::Services::new(app.store.clone());
    let link = privacy::request_export(&svc, &owner(rid), &Lookup::Guest(guest))
        .await
        .expect("request");
    assert!(matches!(
        privacy::download(&svc, &owner(rid), link.id, &link.token).await,
        Ok(Fetched::Pending)
    ));
    app.run_pending_jobs().await;
    assert!(matches!(
        privacy::download(&svc, &owner(rid), link.id, "wrong").await,
        Err(StoreError::NotFound)
    ));
    let staff = Caller {
        role: Role::Staff,
        ..owner(rid)
    };
    assert!(matches!(
        privacy::download(&svc, &staff, link.id, &link.token).await,
        Err(StoreError::Forbidden)
    ));
    let Ok(Fetched::File(zip)) = privacy::download(&svc, &owner(rid), link.id, &link.token).await
    else {
        panic!("the export");
    };
    let entries = unzip(&zip);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for n in [
        "guests.csv",
        "reservations.csv",
        "voice_calls.csv",
        "conversations.csv",
        "data.json",
        "README.txt",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let text = |n: &str| {
        entries
            .iter()
            .find(|(x, _)| x == n)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let data: Value = serde_json::from_str(&text("data.json")).expect("json");
    assert_eq!(data["guests"][0]["name"], NAME);
    assert_eq!(data["guests"][0]["email"], EMAIL);
    assert_eq!(
        data["reservations"][0]["special_notes"], SPECIAL,
        "special notes decrypted"
    );
    assert_eq!(data["reservations"][0]["party_size"], 3);
    assert!(data["conversations"][0]["messages"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains(NAME)));
    assert!(!data.to_string().contains("Erika"), "only Jürgen's data");
    assert!(
        text("README.txt").starts_with("Ihre Daten"),
        "in the guest's language"
    );
    assert!(text("guests.csv")
        .lines()
        .nth(1)
        .is_some_and(|l| l.contains(NAME)));
    // Once only; the protocol logs the export without naming him.
    assert!(matches!(
        privacy::download(&svc, &owner(rid), link.id, &link.token).await,
        Ok(Fetched::Gone)
    ));
    let privacy::Overview {
        exports, protocol, ..
    } = privacy::overview(&svc, &owner(rid))
        .await
        .expect("overview");
    assert_eq!(exports[0].status, "downloaded");
    let logged = protocol
        .iter()
        .find(|p| p.reason == "export")
        .expect("export logged");
    assert!(
        logged.rows_affected >= 6 && logged.subject_hash.as_ref().is_some_and(|h| h.len() == 64)
    );
    // An expired link answers Gone, and the nightly run removes its file.
    let late = privacy::request_export(&svc, &owner(rid), &Lookup::Phone("0761 5551234".into()))
        .await
        .expect("request");
    app.run_pending_jobs().await;
    app.advance(chrono::Duration::hours(
        hs_store::privacy::EXPORT_LINK_HOURS + 1,
    ));
    assert!(matches!(
        privacy::download(&svc, &owner(rid), late.id, &late.token).await,
        Ok(Fetched::Gone)
    ));
    app.store
        .run_retention(app.clock.now())
        .await
        .expect("retention");
    app.run_pending_jobs().await;
    assert!(
        app.store
            .files()
            .keys(&format!("exports/{rid}"))
            .await
            .expect("keys")
            .is_empty(),
        "no export file is left"
    );
}

async fn erase(
    app: &TestApp,
    rid: Uuid,
    guest: Uuid,
    erase: Erase,
    confirm: &str,
) -> Result<privacy::Erased, StoreError> {
    let svc = hs_service::Services::new(app.store.clone());
    privacy::erase(
        &svc,
        &owner(rid),
        &EraseRequest {
            lookup: Lookup::Guest(guest),
            erase,
            confirm: confirm.into(),
            export_first: false,
        },
    )
    .await
}

#[tokio::test]
async fn a_wrong_name_or_a_staff_member_erases_nothing() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    let refused = erase(&app, rid, guest, Erase::Delete, "Jürgen Holler").await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid { field, .. }) if field == "confirm"),
        "{:?}",
        refused.err()
    );
    let svc = hs_service::Services::new(app.store.clone());
    let staff = Caller {
        role: Role::Staff,
        ..owner(rid)
    };
    let req = EraseRequest {
        lookup: Lookup::Guest(guest),
        erase: Erase::Delete,
        confirm: NAME.into(),
        export_first: false,
    };
    assert!(matches!(
        privacy::erase(&svc, &staff, &req).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        privacy::request_export(&svc, &staff, &Lookup::Guest(guest)).await,
        Err(StoreError::Forbidden)
    ));
    let still = where_found(&app, &[NAME, PHONE, EMAIL]).await;
    assert!(still.len() >= 3, "all still there: {still:?}");
}

#[tokio::test]
async fn a_deleted_guest_appears_nowhere_and_the_protocol_names_no_one() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    // The visit is over: nothing planned to cancel.
    app.advance(chrono::Duration::days(4));
    let before = where_found(&app, &[NAME, PHONE, EMAIL, "5551234"]).await;
    assert!(before.len() >= 4, "the fixture holds him: {before:?}");
    let done = erase(&app, rid, guest, Erase::Delete, " jürgen hollerbach ")
        .await
        .expect("delete");
    assert_eq!(done.cancelled, 0);
    let rows: std::collections::HashMap<&str, u64> =
        done.done.iter().map(|d| (d.category, d.rows)).collect();
    assert_eq!(rows.get("guests_deleted"), Some(&1), "{rows:?}");
    assert_eq!(rows.get("reservations_deleted"), Some(&1));
    assert_eq!(rows.get("voice_calls_deleted"), Some(&1));
    assert_eq!(rows.get("conversations_deleted"), Some(&1));
    app.run_pending_jobs().await;
    let left = where_found(&app, &[NAME, PHONE, EMAIL, "5551234", "Hollerbach"]).await;
    assert!(left.is_empty(), "{left:?}");
    assert!(
        !where_found(&app, &["Erika Mustermann"]).await.is_empty(),
        "Erika is untouched"
    );
    let svc = hs_service::Services::new(app.store.clone());
    let protocol = privacy::overview(&svc, &owner(rid))
        .await
        .expect("overview")
        .protocol;
    let deleted: Vec<_> = protocol.iter().filter(|p| p.reason == "delete").collect();
    assert_eq!(deleted.len(), SHREDDERS.len());
    assert!(deleted.iter().all(|p| p.actor.as_deref() == Some("cli")
        && p.subject_hash.as_ref().is_some_and(|h| h.len() == 64)));
    // The audit trail of his guest card is kept, marked shredded.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let audit = tx
        .audit_entries(&hs_store::team::AuditFilter {
            table: Some("guests".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("audit");
    let his: Vec<_> = audit
        .iter()
        .filter(|e| e.row_id == guest.to_string())
        .collect();
    assert!(
        !his.is_empty() && his.iter().all(|e| e.shredded_at.is_some()),
        "{his:?}"
    );
}

#[tokio::test]
async fn an_anonymised_guest_keeps_counts_dates_and_party_sizes_and_nothing_that_identifies() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    app.advance(chrono::Duration::days(4));
    erase(&app, rid, guest, Erase::Anonymise, NAME)
        .await
        .expect("anonymise");
    app.run_pending_jobs().await;
    let left = where_found(
        &app,
        &[NAME, PHONE, EMAIL, "5551234", "Hollerbach", SPECIAL],
    )
    .await;
    // Erika's special note is sealed, so it never shows in clear either.
    assert!(left.is_empty(), "{left:?}");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let card = tx.guest(guest, true).await.expect("card");
    assert_eq!(card.name, hs_store::privacy::ANONYMISED_NAME);
    assert_eq!(
        (card.phone, card.email, card.special_notes),
        (None, None, None)
    );
    let history = tx.guest_history(guest).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].party_size, 3);
    assert_eq!(history[0].notes, "");
    drop(tx);
    // The statistics never needed who he was: his visit still counts, as a guest's.
    let token = app.api_token(rid, Role::Manager).await;
    let (s, f) = app
        .call(
            Method::GET,
            "/api/v1/stats/summary?from=2026-11-27&to=2026-11-27",
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(
        (&f["headline"]["reservations"], &f["headline"]["covers"]),
        (&json!(2), &json!(6)),
        "{f}"
    );
    assert_eq!(
        (&f["guests"]["new"], &f["guests"]["unknown_visits"]),
        (&json!(2), &json!(0)),
        "{f}"
    );
}

#[tokio::test]
async fn planned_reservations_are_cancelled_with_a_message_before_the_deletion() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    let done = erase(&app, rid, guest, Erase::Delete, NAME)
        .await
        .expect("delete");
    assert_eq!(done.cancelled, 1);
    assert!(done.done.is_empty(), "the deletion waits for the notice");
    app.run_pending_jobs().await;
    app.advance(chrono::Duration::minutes(2));
    app.run_pending_jobs().await;
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains(EMAIL) && (m.contains("storniert") || m.contains("Stornierung"))),
        "the cancellation went to him"
    );
    let left = where_found(&app, &[NAME, PHONE, EMAIL]).await;
    assert!(left.is_empty(), "{left:?}");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    assert!(matches!(
        tx.guest(guest, false).await,
        Err(StoreError::NotFound)
    ));
}

/// The export link in a page.
fn export_link(html: &str) -> String {
    let html = html.replace("&#x2f;", "/");
    let at = html.find("/privacy/exports/").expect("an export link");
    html[at..].split('"').next().expect("link").to_string()
}

#[tokio::test]
async fn the_privacy_page_finds_exports_and_deletes_for_owners_only() {
    let app = TestApp::new().await;
    let (rid, _) = jurgen(&app).await;
    app.advance(chrono::Duration::days(4));
    app.user_in(rid, "chefin@vergessen.example", Role::Owner)
        .await;
    app.user_in(rid, "kellner@vergessen.example", Role::Staff)
        .await;
    let mut staff = app.browser();
    staff
        .login("kellner@vergessen.example", crate::app::PASSWORD)
        .await;
    assert_eq!(
        staff.get("/privacy?q=hollerbach").await.status,
        StatusCode::FORBIDDEN
    );
    let mut owner = app.browser();
    owner
        .login("chefin@vergessen.example", crate::app::PASSWORD)
        .await;
    let page = owner.get("/privacy?q=hollerbach").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(NAME) && page.body.contains("Reservations"),
        "{}",
        page.body
    );
    let guest = {
        let at = page
            .body
            .find("name=\"guest\" value=\"")
            .expect("guest field")
            + 20;
        page.body[at..at + 36].to_string()
    };
    let asked = owner.post("/privacy/export", &[("guest", &guest)]).await;
    assert_eq!(asked.status, StatusCode::OK);
    let link = export_link(&asked.body);
    assert_eq!(
        owner.get(&link).await.status,
        StatusCode::ACCEPTED,
        "not made yet"
    );
    app.run_pending_jobs().await;
    // Another restaurant's owner cannot use the link.
    let (mut stranger, _) = app.login_as(Role::Owner).await;
    assert_eq!(stranger.get(&link).await.status, StatusCode::NOT_FOUND);
    let zip = owner.get(&link).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.headers["content-type"], "application/zip");
    assert_eq!(owner.get(&link).await.status, StatusCode::GONE, "once only");
    // A wrong name changes nothing; the right one deletes.
    let wrong = owner
        .post(
            "/privacy/erase",
            &[("guest", &guest), ("mode", "delete"), ("confirm", "Jürgen")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("confirm"));
    let done = owner
        .post(
            "/privacy/erase",
            &[("guest", &guest), ("mode", "delete"), ("confirm", NAME)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = owner.get(done.location().expect("redirect")).await;
    assert!(
        after.body.contains("Guests deleted"),
        "the protocol shows it"
    );
    assert!(!after.body.contains(NAME));
    assert!(where_found(&app, &[NAME, EMAIL, PHONE]).await.is_empty());
}

#[tokio::test]
async fn the_owner_exports_every_table_of_the_restaurant_with_its_schema_and_nothing_of_others() {
    let app = TestApp::new().await;
    let (rid, _) = jurgen(&app).await;
    let other = app.with_trattoria("Anderswo").await;
    let token = app.api_token(other, Role::Manager).await;
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(
                json!({"date": "2026-11-27", "time": "19:00", "party_size": 2,
                        "guest": {"name": "Fremde Person", "phone": "0761 1112223"}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let svc = hs_service::Services::new(app.store.clone());
    let manager = Caller {
        role: Role::Manager,
        ..owner(rid)
    };
    assert!(matches!(
        privacy::request_restaurant_export(&svc, &manager).await,
        Err(StoreError::Forbidden)
    ));
    let link = privacy::request_restaurant_export(&svc, &owner(rid))
        .await
        .expect("request");
    app.run_pending_jobs().await;
    // A manager holding the owner's link gets nothing, and does not use it up.
    assert!(matches!(
        privacy::download(&svc, &manager, link.id, &link.token).await,
        Err(StoreError::NotFound)
    ));
    let Ok(Fetched::File(zip)) = privacy::download(&svc, &owner(rid), link.id, &link.token).await
    else {
        panic!("the export");
    };
    let entries = unzip(&zip);
    let text = |n: &str| {
        entries
            .iter()
            .find(|(x, _)| x == n)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{n} in the export"))
    };
    let schema: Value = serde_json::from_str(&text("schema.json")).expect("schema");
    let mut c = app.db.superuser_conn().await.expect("superuser");
    let tenant: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .expect("catalog");
    for t in &tenant {
        assert!(schema[t].is_array(), "{t} described");
        text(&format!("tables/{t}.json"));
        text(&format!("tables/{t}.csv"));
    }
    let reservations: Vec<Value> =
        serde_json::from_str(&text("tables/reservations.json")).expect("rows");
    assert_eq!(
        reservations.len(),
        2,
        "Jürgen's and Erika's, not the other restaurant's"
    );
    let all: String = entries.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains(NAME) && !all.contains("Fremde Person"));
    // No key or secret leaves: no column of them in any table's rows.
    for t in &tenant {
        let rows: Vec<Value> =
            serde_json::from_str(&text(&format!("tables/{t}.json"))).expect("rows");
        for r in rows {
            for k in r.as_object().expect("object").keys() {
                let secret = k.ends_with("_enc")
                    || k.ends_with("_hash")
                    || k == "wrapped_key"
                    || k == "thread_key";
                assert!(!secret, "{t}.{k} withheld");
            }
        }
    }
    let decrypted: Vec<Value> =
        serde_json::from_str(&text("decrypted/reservations.json")).expect("decrypted");
    assert!(decrypted.iter().all(|r| r["special_notes"] == SPECIAL));
    assert!(text("SCHEMA.md").contains("## reservations"));
    let privacy::Overview {
        exports, protocol, ..
    } = privacy::overview(&svc, &owner(rid))
        .await
        .expect("overview");
    assert_eq!(
        (exports[0].kind.as_str(), exports[0].status.as_str()),
        ("restaurant", "downloaded")
    );
    assert!(protocol
        .iter()
        .any(|p| p.category == "restaurant_exported" && p.subject_hash.is_none()));
}

/// Runs the nightly offboarding job for the simulated clock's night.
async fn offboarding_night(app: &TestApp) {
    let night = app.clock.now().date_naive();
    hs_service::jobs::enqueue_platform(
        &app.store,
        &hs_service::offboarding::OffboardingRun { night },
    )
    .await
    .expect("enqueue");
    app.run_pending_jobs().await;
}

/// Mails to `to` so far.
async fn mails_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mails()
        .await
        .into_iter()
        .filter(|m| m.contains(&format!("To: {to}")))
        .collect()
}

#[tokio::test]
async fn offboarding_exports_reminds_and_after_30_days_leaves_nothing_but_the_protocol() {
    let app = TestApp::new().await;
    let (rid, _) = jurgen(&app).await;
    let owner_id = app
        .user_in(rid, "inhaberin@vergessen.example", Role::Owner)
        .await;
    let other = app.with_trattoria("Bleibt").await;
    let token = app.api_token(other, Role::Manager).await;
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(
                json!({"date": "2026-11-27", "time": "19:00", "party_size": 2,
                        "guest": {"name": "Bleibende Person", "phone": "0761 4445556"}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // A guest's file and a person's export in the file store.
    app.store
        .files()
        .put(
            &format!("conversations/{rid}/{}/{}", Uuid::new_v4(), Uuid::new_v4()),
            b"x".to_vec(),
        )
        .await
        .expect("put");
    let svc = hs_service::Services::new(app.store.clone());
    privacy::request_export(&svc, &owner(rid), &Lookup::Email(EMAIL.into()))
        .await
        .expect("export");
    app.run_pending_jobs().await;

    let ended = app.store.end_contract(rid, None).await.expect("end");
    assert_eq!(
        ended.deletion_due_at - ended.contract_ended_at,
        chrono::Duration::days(30)
    );
    offboarding_night(&app).await;
    let notice = mails_to(&app, "inhaberin@vergessen.example").await;
    assert_eq!(notice.len(), 1, "{notice:#?}");
    let due = ended.deletion_due_at.format("%Y-%m-%d").to_string();
    assert!(notice[0].contains(&due), "the deletion date");
    let link = notice[0]
        .split_whitespace()
        .find(|w| w.contains("/privacy/exports/"))
        .expect("the export link")
        .to_string();
    let path = &link[link.find("/privacy/exports/").expect("path") + "/privacy/exports/".len()..];
    let (id, token) = path.split_once('/').expect("id/token");
    let as_owner = Caller {
        restaurant_id: rid,
        actor: Actor::User(owner_id),
        role: Role::Owner,
    };
    // Three weeks later the link still works, once.
    app.advance(chrono::Duration::days(21));
    let Ok(Fetched::File(zip)) =
        privacy::download(&svc, &as_owner, id.parse().expect("uuid"), token).await
    else {
        panic!("the restaurant's export through the notice's link");
    };
    assert!(unzip(&zip)
        .iter()
        .any(|(n, t)| n == "tables/guests.json" && t.contains(NAME)));
    offboarding_night(&app).await;
    assert_eq!(
        mails_to(&app, "inhaberin@vergessen.example").await.len(),
        1,
        "nothing yet"
    );
    app.advance(chrono::Duration::days(2));
    offboarding_night(&app).await;
    let mails = mails_to(&app, "inhaberin@vergessen.example").await;
    assert_eq!(mails.len(), 2, "the reminder 7 days before");
    assert!(mails
        .iter()
        .any(|m| m.contains("Erinnerung") || m.contains("reminder")));
    app.advance(chrono::Duration::days(6));
    offboarding_night(&app).await;
    assert_eq!(
        mails_to(&app, "inhaberin@vergessen.example").await.len(),
        3,
        "and 1 day before"
    );
    // Still all there the day before.
    assert!(!where_found(&app, &[NAME]).await.is_empty());
    app.advance(chrono::Duration::days(1));
    offboarding_night(&app).await;
    let mails = mails_to(&app, "inhaberin@vergessen.example").await;
    assert_eq!(mails.len(), 4, "the confirmation");
    // The confirmation in text form, with what was deleted.
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Zeilen und") || m.contains("rows and")),
        "{mails:#?}"
    );
    offboarding_night(&app).await;
    assert_eq!(
        mails_to(&app, "inhaberin@vergessen.example").await.len(),
        4,
        "once"
    );

    // Every table: no row of the restaurant but its protocol (and its own row, marked).
    let mut c = app.db.superuser_conn().await.expect("superuser");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' \
         AND column_name = 'restaurant_id' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .expect("tables");
    assert!(tables.len() > 30, "{tables:?}");
    for t in &tables {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM \"{t}\" WHERE restaurant_id = $1"
        ))
        .bind(rid)
        .fetch_one(&mut c)
        .await
        .expect("count");
        if t == "deletion_protocol" {
            assert!(n > 0, "the protocol stays");
        } else {
            assert_eq!(n, 0, "{t} still holds {n} rows of the restaurant");
        }
    }
    let (deleted, other_rows): (bool, i64) = sqlx::query_as(
        "SELECT (SELECT deleted_at IS NOT NULL FROM restaurants WHERE id = $1), \
                (SELECT count(*) FROM reservations WHERE restaurant_id = $2)",
    )
    .bind(rid)
    .bind(other)
    .fetch_one(&mut c)
    .await
    .expect("state");
    assert!(deleted);
    assert_eq!(other_rows, 1, "the other restaurant keeps its reservation");
    let accounts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE email = 'inhaberin@vergessen.example'",
    )
    .fetch_one(&mut c)
    .await
    .expect("users");
    assert_eq!(
        accounts, 0,
        "an account of this restaurant only goes with it"
    );
    let confirmation: i64 = sqlx::query_scalar(
        "SELECT rows_affected FROM deletion_protocol WHERE restaurant_id = $1 AND category = 'restaurant_deleted'",
    )
    .bind(rid)
    .fetch_one(&mut c)
    .await
    .expect("confirmation row");
    assert!(confirmation > 20, "{confirmation}");
    let left = where_found(
        &app,
        &[
            NAME,
            PHONE,
            EMAIL,
            "Erika Mustermann",
            "Trattoria Vergessen Fensterplatz",
        ],
    )
    .await;
    assert!(left.is_empty(), "{left:?}");
    for prefix in [format!("conversations/{rid}"), format!("exports/{rid}")] {
        assert!(
            app.store
                .files()
                .keys(&prefix)
                .await
                .expect("keys")
                .is_empty(),
            "{prefix}"
        );
    }
    assert!(!where_found(&app, &["Bleibende Person"]).await.is_empty());
}

#[tokio::test]
async fn after_the_contract_ends_the_team_reads_and_exports_but_changes_nothing() {
    let app = TestApp::new().await;
    let (rid, guest) = jurgen(&app).await;
    app.user_in(rid, "chefin@vergessen.example", Role::Owner)
        .await;
    let token = app.api_token(rid, Role::Manager).await;
    let mut owner = app.browser();
    owner
        .login("chefin@vergessen.example", crate::app::PASSWORD)
        .await;
    assert!(!owner.get("/").await.body.contains("id=\"read-only\""));
    app.store.end_contract(rid, None).await.expect("end");

    let home = owner.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("id=\"read-only\""), "the banner says so");
    assert_eq!(
        owner.get(&format!("/guests/{guest}")).await.status,
        StatusCode::OK
    );
    let change = owner
        .post(&format!("/guests/{guest}"), &[("name", "Neuer Name")])
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    let export = owner.post("/privacy/restaurant-export", &[]).await;
    assert_eq!(export.status, StatusCode::OK, "exports still work");
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/reservations",
            &token,
            Some(json!({"date": "2026-11-28", "time": "19:00", "party_size": 2, "guest": {"name": "Neu"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "read_only");
    let (s, _) = app
        .call(
            Method::GET,
            "/api/v1/reservations?date=2026-11-27",
            &token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "reading goes on");
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    assert_eq!(
        tx.guest(guest, false).await.expect("guest").name,
        NAME,
        "unchanged"
    );
}

#[tokio::test]
async fn the_dpa_annexes_follow_the_live_configuration() {
    let app = TestApp::new().await;
    let (rid, _) = jurgen(&app).await;
    app.user_in(rid, "chefin@vergessen.example", Role::Owner)
        .await;
    app.user_in(rid, "kellner@vergessen.example", Role::Staff)
        .await;
    let mut staff = app.browser();
    staff
        .login("kellner@vergessen.example", crate::app::PASSWORD)
        .await;
    assert_eq!(
        staff.get("/privacy/dpa").await.status,
        StatusCode::FORBIDDEN
    );
    let mut owner = app.browser();
    owner
        .login("chefin@vergessen.example", crate::app::PASSWORD)
        .await;

    let page = owner.get("/privacy/dpa?lang=de").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Anlage 1") && page.body.contains("Anlage 2"));
    assert!(
        page.body.contains("Vapi, Inc."),
        "its calls came through Vapi"
    );
    assert!(!page.body.contains("OpenAI"), "no model configured");
    assert!(
        page.body.contains("<td>90 Tage</td>"),
        "the default call retention"
    );

    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.set_agent_model(
        Some("https://api.openai.com/v1"),
        Some("gpt-4o-mini"),
        Some("sk-test"),
    )
    .await
    .expect("model");
    tx.set_conversation_retention(30).await.expect("retention");
    tx.commit().await.expect("commit");
    let md = owner.get("/privacy/dpa.md?lang=en").await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/markdown"));
    assert!(md.body.contains("## Annex 3"), "{}", md.body);
    assert!(
        md.body.contains("OpenAI Ireland Ltd."),
        "the model now is a sub-processor"
    );
    assert!(
        md.body.contains("| Chats (then anonymised) | 30 days |"),
        "{}",
        md.body
    );
    let html = owner.get("/privacy/dpa.html?lang=de").await;
    assert!(html.headers["content-disposition"]
        .to_str()
        .expect("cd")
        .contains(".html"));
    assert!(html.body.starts_with("<!doctype html>") && html.body.contains("<h3>Anlage 3"));
    assert_eq!(
        owner.get("/privacy/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_breach_is_notified_to_the_affected_owners_with_its_deadline_shown_and_measured() {
    let app = TestApp::new().await;
    let (affected, _) = jurgen(&app).await;
    let spared = app.with_restaurant("Verschont").await;
    app.user_in(affected, "chefin@vergessen.example", Role::Owner)
        .await;
    app.user_in(spared, "chef@verschont.example", Role::Owner)
        .await;
    app.store
        .create_user(
            hs_store::accounts::NewUser {
                email: "betrieb@hostsystem.example",
                name: "Betrieb",
                password: crate::app::PASSWORD,
                language: "de",
                platform_admin: true,
            },
            &Actor::Cli,
        )
        .await
        .expect("admin");
    let mut chefin = app.browser();
    chefin
        .login("chefin@vergessen.example", crate::app::PASSWORD)
        .await;
    assert_eq!(chefin.get("/admin").await.status, StatusCode::FORBIDDEN);
    let mut admin = app.browser();
    admin
        .login("betrieb@hostsystem.example", crate::app::PASSWORD)
        .await;
    let start = admin.get("/admin").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(!start.body.contains("id=\"incident-flag\""));

    let learned = (app.clock.now() - chrono::Duration::hours(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let restaurant = format!("r_{affected}");
    let mut form = vec![
        ("learned_at", learned.as_str()),
        (
            "contact",
            "Datenschutz, datenschutz@hostsystem.example, +49 761 000000",
        ),
        (
            "description",
            "Ein Backup-Bucket war 3 Stunden öffentlich lesbar.",
        ),
        (
            "data_categories",
            "Namen, Telefonnummern, Reservierungsdaten",
        ),
        ("subjects_approx", "120"),
        ("records_approx", "340"),
        ("consequences", "Unerwünschte Kontaktaufnahme möglich."),
        ("measures_taken", "Bucket gesperrt, Zugriffe ausgewertet."),
        (
            "measures_planned",
            "Zugriffsrichtlinien automatisch prüfen.",
        ),
        (restaurant.as_str(), "1"),
    ];
    let missing: Vec<(&str, &str)> = form
        .iter()
        .copied()
        .filter(|(k, _)| *k != "description")
        .collect();
    let refused = admin.post("/admin/incidents", &missing).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("description"));
    let opened = admin.post("/admin/incidents", &form).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let path = opened.location().expect("incident page").to_string();
    // Before the job has run: flagged, with 4 hours left, on the start page and in /metrics.
    let start = admin.get("/admin").await;
    assert!(
        start.body.contains("id=\"incident-flag\""),
        "{}",
        start.body
    );
    assert!(start.body.contains("4 h"));
    let metrics = app
        .client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::app::METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("hostsystem_incidents_open 1"), "{metrics}");
    assert!(metrics.contains("hostsystem_incident_deadline_seconds{incident="));

    app.run_pending_jobs().await;
    let to_owner: Vec<String> = app
        .mails()
        .await
        .into_iter()
        .filter(|m| m.contains("To: chefin@vergessen.example"))
        .collect();
    assert_eq!(to_owner.len(), 1);
    for part in [
        "datenschutz@hostsystem.example",
        "3 Stunden öffentlich lesbar",
        "Namen, Telefonnummern, Reservierungsdaten",
        "120",
        "340",
        "Unerwünschte Kontaktaufnahme",
        "Bucket gesperrt",
        "Zugriffsrichtlinien automatisch",
    ] {
        assert!(
            to_owner[0].contains(part),
            "the notice names {part:?}: {}",
            to_owner[0]
        );
    }
    assert!(
        !app.mails()
            .await
            .iter()
            .any(|m| m.contains("To: chef@verschont.example")),
        "the spared restaurant hears nothing"
    );
    let page = admin.get(&path).await;
    assert!(
        !page.body.contains("not yet") && !page.body.contains("noch nicht"),
        "{}",
        page.body
    );
    form.clear();
    let metrics = app
        .client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::app::METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("hostsystem_incidents_open 0"));
    // Each restaurant sees only the incidents that concern it, and not whom else they concern.
    let svc = hs_service::Services::new(app.store.clone());
    let notices = hs_service::registers::notices(&svc, &owner(affected))
        .await
        .expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].incident.restaurant_ids, vec![affected]);
    assert!(hs_service::registers::notices(&svc, &owner(spared))
        .await
        .expect("none")
        .is_empty());
    // The owner reads it on the privacy page too.
    let page = chefin.get("/privacy").await;
    assert!(
        page.body.contains("3 Stunden öffentlich lesbar"),
        "{}",
        page.body
    );
    let log = app.store.admin_log_entries(10).await.expect("log");
    assert!(log
        .iter()
        .any(|(_, actor, action, _)| action == "incident.open" && actor.starts_with("user:")));
}

#[tokio::test]
async fn a_new_sub_processor_is_announced_objected_to_and_takes_effect_after_14_days_for_the_others(
) {
    let app = TestApp::new().await;
    let objecting = app.with_restaurant("Widerspricht").await;
    let accepting = app.with_restaurant("Stimmt zu").await;
    app.user_in(objecting, "chefin@widerspricht.example", Role::Owner)
        .await;
    app.user_in(objecting, "manager@widerspricht.example", Role::Manager)
        .await;
    app.user_in(accepting, "chef@stimmtzu.example", Role::Owner)
        .await;
    app.store
        .create_user(
            hs_store::accounts::NewUser {
                email: "betrieb@hostsystem.example",
                name: "Betrieb",
                password: crate::app::PASSWORD,
                language: "de",
                platform_admin: true,
            },
            &Actor::Cli,
        )
        .await
        .expect("admin");
    let mut admin = app.browser();
    admin
        .login("betrieb@hostsystem.example", crate::app::PASSWORD)
        .await;
    let start = admin.get("/admin").await;
    assert!(
        start.body.contains("Resend, Inc.") && start.body.contains("Meta Platforms Ireland"),
        "seeded"
    );
    let announce = [
        ("kind", "add"),
        ("key", "mistral"),
        ("name", "Mistral AI SAS"),
        ("service", "Sprachmodell"),
        ("location", "EU (Frankreich)"),
        ("basis", "keine Übermittlung (EU)"),
        ("reason", "Ein Modell mit Verarbeitung in der EU"),
    ];
    let no_reason: Vec<(&str, &str)> = announce
        .iter()
        .copied()
        .filter(|(k, _)| *k != "reason")
        .collect();
    assert_eq!(
        admin.post("/admin/sub-processors", &no_reason).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let done = admin.post("/admin/sub-processors", &announce).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    app.run_pending_jobs().await;
    let mails = app.mails().await;
    for to in ["chefin@widerspricht.example", "chef@stimmtzu.example"] {
        let m = mails
            .iter()
            .find(|m| m.contains(&format!("To: {to}")))
            .expect("announced to every owner");
        assert!(m.contains("Mistral AI SAS") && m.contains("/privacy/sub-processors"));
    }

    let mut manager = app.browser();
    manager
        .login("manager@widerspricht.example", crate::app::PASSWORD)
        .await;
    let page = manager.get("/privacy/sub-processors").await;
    assert!(page.body.contains("Mistral AI SAS"), "managers read it");
    let mut owner_a = app.browser();
    owner_a
        .login("chefin@widerspricht.example", crate::app::PASSWORD)
        .await;
    let page = owner_a.get("/privacy/sub-processors").await;
    let change = {
        let html = page.body.replace("&#x2f;", "/");
        let at = html
            .find("/privacy/sub-processors/")
            .expect("objection form")
            + "/privacy/sub-processors/".len();
        html[at..at + 36].to_string()
    };
    let path = format!("/privacy/sub-processors/{change}/object");
    assert_eq!(
        manager.post(&path, &[("reason", "Nein")]).await.status,
        StatusCode::FORBIDDEN,
        "an owner objects"
    );
    assert_eq!(
        owner_a.post(&path, &[("reason", " ")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let objected = owner_a
        .post(
            &path,
            &[(
                "reason",
                "Unser Datenschutzkonzept erlaubt nur bekannte Modelle.",
            )],
        )
        .await;
    assert_eq!(objected.status, StatusCode::SEE_OTHER);
    let start = admin.get("/admin").await;
    assert!(
        start
            .body
            .contains("Widerspricht: Unser Datenschutzkonzept erlaubt nur bekannte Modelle."),
        "the operator sees the objection: {}",
        start.body
    );

    // Not yet in effect for anyone; after 14 days for those who did not object.
    let svc = hs_service::Services::new(app.store.clone());
    let names = |list: Vec<hs_store::registers::SubProcessor>| -> Vec<String> {
        list.into_iter().map(|p| p.name).collect()
    };
    let (before, _) = hs_service::registers::sub_processors_for(&svc, &owner(accepting))
        .await
        .expect("list");
    assert!(!names(before).contains(&"Mistral AI SAS".to_string()));
    app.advance(chrono::Duration::days(14) + chrono::Duration::minutes(1));
    let night = app.clock.now().date_naive();
    hs_service::jobs::enqueue_platform(
        &app.store,
        &hs_service::registers::ApplySubProcessorChanges { night },
    )
    .await
    .expect("enqueue");
    app.run_pending_jobs().await;
    let (accepted, pending) = hs_service::registers::sub_processors_for(&svc, &owner(accepting))
        .await
        .expect("list");
    assert!(
        names(accepted).contains(&"Mistral AI SAS".to_string()),
        "in effect for who did not object"
    );
    assert!(pending.is_empty());
    let (refused, _) = hs_service::registers::sub_processors_for(&svc, &owner(objecting))
        .await
        .expect("list");
    let refused = names(refused);
    assert!(
        !refused.contains(&"Mistral AI SAS".to_string()),
        "not for who objected: {refused:?}"
    );
    assert!(refused.contains(&"Resend, Inc.".to_string()));
    // The generated DPA's Anlage 3 follows: listed for who accepted, not for who objected.
    let platform = hs_domain::dpa::Platform::default();
    for (rid, listed) in [(accepting, true), (objecting, false)] {
        let facts =
            hs_service::privacy::dpa_facts(&svc, &owner(rid), &platform, "https://x.example")
                .await
                .expect("facts");
        let annexes = hs_domain::dpa::annexes("de", &facts);
        let annex3 = &annexes[annexes.find("Anlage 3").expect("Anlage 3")..];
        assert_eq!(annex3.contains("Mistral AI SAS"), listed, "{annex3}");
    }
    // The operator's register shows, per restaurant, what is in effect for it.
    let mut admin = app.browser();
    admin
        .login("betrieb@hostsystem.example", crate::app::PASSWORD)
        .await;
    let start = admin.get("/admin").await.body;
    let enabled = &start[start.find("id=\"sp-enabled\"").expect("per restaurant")..];
    let enabled = &enabled[..enabled.find("</table>").expect("table end")];
    let row = |name: &str| {
        let at = enabled.find(name).expect("a row per restaurant");
        enabled[at..at + enabled[at..].find("</tr>").expect("row end")].to_string()
    };
    assert!(row("Stimmt zu").contains("Mistral AI SAS"), "{enabled}");
    assert!(!row("Widerspricht").contains("Mistral AI SAS"), "{enabled}");
    // Too late now (the sessions of two weeks ago have expired; the rule is the service's).
    let late = hs_service::registers::object(
        &svc,
        &owner(objecting),
        change.parse().expect("uuid"),
        "zu spät",
    )
    .await;
    assert!(late.is_err(), "no objection once in effect");
}

#[tokio::test]
async fn requests_are_forwarded_with_their_due_date_and_instructions_are_recorded_and_linked() {
    let app = TestApp::new().await;
    let concerned = app.with_restaurant("Betroffen").await;
    let other = app.with_restaurant("Unbeteiligt").await;
    app.user_in(concerned, "chefin@betroffen.example", Role::Owner)
        .await;
    app.user_in(concerned, "kellner@betroffen.example", Role::Staff)
        .await;
    app.user_in(other, "chef@unbeteiligt.example", Role::Owner)
        .await;
    app.store
        .create_user(
            hs_store::accounts::NewUser {
                email: "betrieb@hostsystem.example",
                name: "Betrieb",
                password: crate::app::PASSWORD,
                language: "de",
                platform_admin: true,
            },
            &Actor::Cli,
        )
        .await
        .expect("admin");
    let mut admin = app.browser();
    admin
        .login("betrieb@hostsystem.example", crate::app::PASSWORD)
        .await;
    let restaurant = concerned.to_string();
    let request = [
        ("restaurant", restaurant.as_str()),
        ("kind", "erasure"),
        ("channel", "email"),
        ("received_at", "2026-11-20T09:30"),
        ("requester", "Hanna Beispiel, hanna@example.org"),
        ("details", "Bitte alle meine Daten löschen."),
    ];
    let bad: Vec<(&str, &str)> = request
        .iter()
        .map(|&(k, v)| {
            if k == "kind" {
                (k, "delete_all")
            } else {
                (k, v)
            }
        })
        .collect();
    assert_eq!(
        admin.post("/admin/requests", &bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin.post("/admin/requests", &request).await.status,
        StatusCode::SEE_OTHER
    );
    app.run_pending_jobs().await;
    let mails = app.mails().await;
    let forwarded = mails
        .iter()
        .find(|m| m.contains("To: chefin@betroffen.example"))
        .expect("forwarded to the owner at once");
    assert!(
        forwarded.contains("2026-12-20"),
        "due one month after receipt: {forwarded}"
    );
    assert!(
        !forwarded.contains("Hanna"),
        "no words of the person in the mail"
    );
    assert!(!mails
        .iter()
        .any(|m| m.contains("To: chef@unbeteiligt.example")));

    let mut chefin = app.browser();
    chefin
        .login("chefin@betroffen.example", crate::app::PASSWORD)
        .await;
    let page = chefin.get("/privacy").await;
    assert!(
        page.body.contains("Hanna Beispiel") && page.body.contains("2026-12-20"),
        "{}",
        page.body
    );
    let mut stranger = app.browser();
    stranger
        .login("chef@unbeteiligt.example", crate::app::PASSWORD)
        .await;
    assert!(
        !stranger.get("/privacy").await.body.contains("Hanna"),
        "another restaurant's requests stay hidden"
    );
    let id = {
        let html = page.body.replace("&#x2f;", "/");
        let at = html.find("/privacy/requests/").expect("close form") + "/privacy/requests/".len();
        html[at..at + 36].to_string()
    };
    let closed = chefin
        .post(
            &format!("/privacy/requests/{id}"),
            &[
                ("status", "done"),
                ("actions", "Gast gelöscht, Protokoll 2026-11-25."),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let start = admin.get("/admin").await;
    assert!(
        start.body.contains("done") && start.body.contains("Gast gelöscht, Protokoll 2026-11-25."),
        "the operator sees the actions"
    );

    // Instructions: a written one from the owner, an oral one recorded by the operator.
    let mut staff = app.browser();
    staff
        .login("kellner@betroffen.example", crate::app::PASSWORD)
        .await;
    assert_eq!(
        staff
            .post("/privacy/instructions", &[("body", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let written = chefin
        .post(
            "/privacy/instructions",
            &[("body", "Anrufaufnahmen bitte nicht speichern.")],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER);
    let oral = [
        ("restaurant", restaurant.as_str()),
        ("given_at", "2026-11-23T14:15"),
        ("persons", "Inhaberin Frau Beispiel; Betrieb Herr Muster"),
        ("body", "Chat-Aufbewahrung auf 30 Tage kürzen."),
    ];
    let no_persons: Vec<(&str, &str)> = oral
        .iter()
        .copied()
        .filter(|(k, _)| *k != "persons")
        .collect();
    assert_eq!(
        admin.post("/admin/instructions", &no_persons).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin.post("/admin/instructions", &oral).await.status,
        StatusCode::SEE_OTHER
    );
    let svc = hs_service::Services::new(app.store.clone());
    let list = hs_service::registers::instructions(&svc, &owner(concerned))
        .await
        .expect("list");
    assert_eq!(list.len(), 2);
    let oral_one = list.iter().find(|i| i.form == "oral").expect("oral");
    assert!(oral_one.persons.contains("Herr Muster"));
    assert_eq!(
        oral_one.given_at.format("%Y-%m-%d %H:%M").to_string(),
        "2026-11-23 14:15"
    );
    let link = admin
        .post(
            &format!("/admin/instructions/{concerned}/{}", oral_one.id),
            &[(
                "carried_out",
                "Einstellung Chat-Aufbewahrung 30 Tage, 2026-11-23",
            )],
        )
        .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER);
    let page = chefin.get("/privacy").await;
    assert!(page.body.contains("Einstellung Chat-Aufbewahrung 30 Tage"));
    assert!(hs_service::registers::instructions(&svc, &owner(other))
        .await
        .expect("none")
        .is_empty());
    // The operator's record of processing names the restaurants and the sub-processors.
    let record = admin.get("/admin/record.md?lang=en").await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains("Art. 30(2)") && record.body.contains("| Betroffen |"));
    assert!(record.body.contains("Resend, Inc."));
    assert_eq!(
        chefin.get("/admin/record.md").await.status,
        StatusCode::FORBIDDEN
    );
    let log = app.store.admin_log_entries(20).await.expect("log");
    for action in [
        "request.record",
        "instruction.record",
        "instruction.carried_out",
        "record.generate",
    ] {
        assert!(
            log.iter().any(|(_, _, a, _)| a == action),
            "{action} logged"
        );
    }
}

/// Posts the guest's request form of `slug` in English.
async fn request_form<F: serde::Serialize + ?Sized>(
    app: &TestApp,
    slug: &str,
    fields: &F,
) -> (u16, String) {
    let r = app
        .client()
        .post(format!("{}/book/{slug}/privacy?lang=en", app.base))
        .form(fields)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.expect("body"))
}

#[tokio::test]
async fn a_guest_asks_through_the_privacy_link_and_the_owner_is_told_at_once() {
    let app = TestApp::new().await;
    let rid = app.with_trattoria("Zum Anker").await;
    let other = app.with_trattoria("Zum Hafen").await;
    app.user_in(rid, "chefin@anker.example", Role::Owner).await;
    app.user_in(other, "chef@hafen.example", Role::Owner).await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let (_, slug) = tx.public_ids().await.expect("ids");
    tx.commit().await.expect("commit");

    // The booking page links to the form, which offers every kind a guest may ask.
    let book = app
        .client()
        .get(format!("{}/book/{slug}", app.base))
        .send()
        .await
        .expect("book page")
        .text()
        .await
        .expect("body");
    assert!(
        book.replace("&#x2f;", "/")
            .contains(&format!("/book/{slug}/privacy")),
        "the booking page links to the request form"
    );
    let form = app
        .client()
        .get(format!("{}/book/{slug}/privacy?lang=de", app.base))
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.expect("body");
    assert!(form.contains("Löschung meiner Daten") && !form.contains("value=\"authority\""));

    // Bad input names the field, keeps what was typed and records nothing.
    let good = [
        ("kind", "erasure"),
        ("name", "Hanna Beispiel"),
        ("contact", "0761 555 9876"),
        (
            "details",
            "Bitte löschen Sie alles über meinen Besuch am 3. Oktober.",
        ),
    ];
    let with = |field: &str, value: &str| -> Vec<(String, String)> {
        good.iter()
            .map(|&(k, v)| {
                (
                    k.to_string(),
                    if k == field { value } else { v }.to_string(),
                )
            })
            .collect()
    };
    let long = "x".repeat(5001);
    for (field, value, error) in [
        ("kind", "authority", "kind-error"),
        ("kind", "", "kind-error"),
        ("name", " ", "name-error"),
        ("contact", "not a number", "contact-error"),
        ("contact", "hanna@", "contact-error"),
        ("details", long.as_str(), "details-error"),
        ("details", "a\u{7}b", "details-error"),
    ] {
        let fields = with(field, value);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, page) = request_form(&app, &slug, &fields).await;
        assert_eq!(status, 422, "{field}={value:?}");
        assert!(page.contains(error), "{field}={value:?} names {error}");
        assert!(
            field == "name" || page.contains("Hanna Beispiel"),
            "what was typed is kept"
        );
        app.advance(chrono::Duration::seconds(13));
    }
    let svc = hs_service::Services::new(app.store.clone());
    let chefin = owner(rid);
    assert!(hs_service::registers::requests(&svc, &chefin)
        .await
        .expect("requests")
        .is_empty());
    let (status, _) = request_form(&app, "no-such-place", &good).await;
    assert_eq!(status, 404);

    // A good request is recorded for this restaurant only, due in a month, and forwarded.
    app.advance(chrono::Duration::minutes(1));
    let (status, receipt) = request_form(&app, &slug, &good).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("id=\"reference\""), "{receipt}");
    let list = hs_service::registers::requests(&svc, &chefin)
        .await
        .expect("requests");
    assert_eq!(list.len(), 1);
    let q = &list[0];
    assert_eq!((q.kind.as_str(), q.channel.as_str()), ("erasure", "widget"));
    assert_eq!(q.requester, "Hanna Beispiel <+497615559876>");
    assert!(q.details.starts_with("Bitte löschen Sie alles"));
    assert_eq!(
        Some(q.due_at),
        q.received_at.checked_add_months(chrono::Months::new(1)),
        "due one month after receipt"
    );
    assert!(hs_service::registers::requests(&svc, &owner(other))
        .await
        .expect("requests")
        .is_empty());
    app.run_pending_jobs().await;
    let forwarded = mails_to(&app, "chefin@anker.example").await;
    assert_eq!(forwarded.len(), 1, "the owner is told once");
    assert!(
        !forwarded[0].contains("Hanna"),
        "no words of the guest in the mail"
    );
    assert!(mails_to(&app, "chef@hafen.example").await.is_empty());

    // The form is limited per client address like a booking.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(request_form(&app, &slug, &with("contact", "?")).await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}
