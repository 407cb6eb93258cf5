//! The agent endpoint keeps each restaurant's profile (name, model, FAQ and setup) between
//! turns under the restaurant's setup version (migration 0032), so a turn usually reaches the
//! model without reading it. What it keeps must never be older than what is committed: a
//! change through the store, through another server or the command line (plain SQL here), and
//! a rename are all seen by the next turn; a change that was rolled back is never served.

use chrono::NaiveDate;
use hs_domain::availability::Rules;
use hs_domain::Clock;
use hs_store::agent::{AgentProfile, FaqEntry};
use hs_store::db::connect_app;
use hs_store::setup::{Closure, Table, TableChanges};
use hs_store::team::Restaurant;
use hs_store::{Actor, MasterKey, Store};
use hs_testkit::{fresh_db, TestDb};
use uuid::Uuid;

/// One endpoint turn up to the model: the key query, then the profile and the rules.
async fn turn(store: &Store, rid: Uuid, key: &str) -> (AgentProfile, Rules) {
    let mut tx = store.tenant(rid, &Actor::Guest).await.expect("tx");
    let (ok, _) = tx.voice_secret_and_thread(key, None).await.expect("key");
    assert!(ok, "the key matches");
    let profile = tx.agent_profile().await.expect("profile");
    let rules = tx.rules().await.expect("rules");
    tx.commit().await.expect("commit");
    (profile, rules)
}

/// A fresh database, a store on four connections and a restaurant in it.
async fn restaurant(name: &str) -> (TestDb, Store, Restaurant) {
    let db = fresh_db().await.expect("db");
    let pool = connect_app(&db.targets.app, 4).await.expect("pool");
    let store = Store::new(pool, Clock::system(), MasterKey::generate());
    let r = store
        .create_restaurant(name, &Actor::Cli)
        .await
        .expect("restaurant");
    (db, store, r)
}

fn faq(q: &str) -> FaqEntry {
    FaqEntry {
        question_de: q.into(),
        answer_de: "Ja.".into(),
        ..FaqEntry::default()
    }
}

fn questions(p: &AgentProfile) -> Vec<String> {
    p.faq.iter().map(|f| f.question_de.clone()).collect()
}

#[tokio::test]
async fn a_kept_profile_is_served_only_while_nothing_it_is_made_of_has_changed() {
    let (db, store, r) = restaurant("Profil").await;
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    let key = tx.rotate_voice_secret().await.expect("secret");
    tx.set_faq(&[faq("Parkplätze?")]).await.expect("faq");
    tx.commit().await.expect("commit");

    // The first turn reads it; the next one takes what was kept.
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(questions(&p), ["Parkplätze?"]);
    let reads = store.agent_profile_reads();
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(questions(&p), ["Parkplätze?"]);
    assert_eq!(
        store.agent_profile_reads(),
        reads,
        "an unchanged profile is not read again"
    );

    // A change through the store is seen by the next turn.
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    tx.set_faq(&[faq("Hunde erlaubt?")]).await.expect("faq");
    tx.commit().await.expect("commit");
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(questions(&p), ["Hunde erlaubt?"]);
    assert_eq!(store.agent_profile_reads(), reads + 1);

    // A setup change: the rules the turn books with come along with the profile.
    let closed = NaiveDate::from_ymd_opt(2031, 1, 2).expect("date");
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    tx.add_closure(&Closure {
        id: None,
        first_day: closed,
        last_day: closed,
        reason: "Inventur".into(),
    })
    .await
    .expect("closure");
    tx.commit().await.expect("commit");
    let (_, rules) = turn(&store, r.id, &key).await;
    assert_eq!(rules.closures, [(closed, closed)]);
    let (_, rules) = turn(&store, r.id, &key).await;
    assert_eq!(
        rules.closures,
        [(closed, closed)],
        "the kept setup has it too"
    );

    // Written behind this server's back: by a second server on the same database, and by
    // hand (psql, as the owner).
    let other = Store::new(
        connect_app(&db.targets.app, 1).await.expect("pool"),
        Clock::system(),
        MasterKey::generate(),
    );
    let mut tx = other.tenant(r.id, &Actor::Cli).await.expect("tx");
    tx.set_faq(&[faq("Hunde erlaubt?"), faq("Terrasse?")])
        .await
        .expect("faq");
    tx.commit().await.expect("commit");
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(questions(&p), ["Hunde erlaubt?", "Terrasse?"]);
    let mut su = db.superuser_conn().await.expect("superuser");
    sqlx::query("UPDATE restaurants SET name = 'Profil am Markt' WHERE id = $1")
        .bind(r.id)
        .execute(&mut su)
        .await
        .expect("rename");
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(p.name, "Profil am Markt");

    // A transaction that wrote something reads its own uncommitted state, under a version
    // number that is not committed either: after a rollback, the next committed change
    // (one row, one step: the same number) must not find that state kept under it.
    let mut tx = store.tenant(r.id, &Actor::Guest).await.expect("tx");
    tx.voice_secret_and_thread(&key, None).await.expect("key");
    tx.set_conversation_retention(30).await.expect("one row");
    assert_eq!(
        tx.agent_profile().await.expect("profile").name,
        "Profil am Markt"
    );
    drop(tx);
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(p.name, "Profil am Markt");
    sqlx::query("UPDATE restaurants SET name = 'Profil am Dom' WHERE id = $1")
        .bind(r.id)
        .execute(&mut su)
        .await
        .expect("rename");
    let (p, _) = turn(&store, r.id, &key).await;
    assert_eq!(
        p.name, "Profil am Dom",
        "nothing read in the rolled-back transaction is served"
    );

    // The model a restaurant sets is part of the profile.
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    tx.set_agent_model(Some("http://127.0.0.1:9/v1"), Some("klein"), Some("sk-1"))
        .await
        .expect("model");
    tx.commit().await.expect("commit");
    let (p, _) = turn(&store, r.id, &key).await;
    let model = p.model.expect("a model");
    assert_eq!(
        (model.model.as_str(), model.key.as_str()),
        ("klein", "sk-1")
    );

    // A restaurant deleted with its whole setup (the bump finds no row to raise); the audit
    // trigger wants the tenant set.
    let mut del = sqlx::Connection::begin(&mut su).await.expect("begin");
    sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
        .bind(r.id.to_string())
        .execute(&mut *del)
        .await
        .expect("tenant");
    sqlx::query("DELETE FROM restaurants WHERE id = $1")
        .bind(r.id)
        .execute(&mut *del)
        .await
        .expect("the restaurant and its setup are deleted");
    del.commit().await.expect("commit");
}

#[tokio::test]
async fn every_table_the_profile_is_read_from_raises_the_setup_version() {
    let db = fresh_db().await.expect("db");
    let mut su = db.superuser_conn().await.expect("superuser");
    // What `agent_profile` and `setup_columns` read, besides the restaurant's own row.
    let read = [
        "restaurant_settings",
        "service_periods",
        "special_days",
        "closures",
        "turn_times",
        "areas",
        "tables",
        "table_combinations",
        "combination_tables",
        "agent_settings",
        "faq_entries",
    ];
    for table in read {
        let on: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'setup_version' \
             AND tgrelid = $1::regclass AND tgenabled <> 'D')",
        )
        .bind(table)
        .fetch_one(&mut su)
        .await
        .expect("catalog");
        assert!(on, "{table} raises the setup version");
    }
}

#[tokio::test]
async fn two_floor_plan_edits_at_once_queue_instead_of_deadlocking() {
    let (_db, store, r) = restaurant("Zwei Hände").await;
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    let area = tx.add_area("Saal").await.expect("area").id;
    let mut ids = Vec::new();
    for name in ["T1", "T2"] {
        let t = tx
            .add_table(&Table {
                id: Uuid::nil(),
                area_id: area,
                name: name.into(),
                min_seats: 1,
                max_seats: 4,
                bookable_online: true,
            })
            .await
            .expect("table");
        ids.push(t.id);
    }
    tx.commit().await.expect("commit");
    let seats = |n| TableChanges {
        max_seats: Some(n),
        ..TableChanges::default()
    };
    let limit = std::time::Duration::from_secs(20);

    // A changes T1 and, later, T2; B meanwhile changes T2 and then T1: the opposite order.
    let mut a = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    a.update_table(ids[0], &seats(5)).await.expect("A: T1");
    let b = {
        let (store, ids) = (store.clone(), ids.clone());
        tokio::spawn(async move {
            let mut b = store.tenant(r.id, &Actor::Cli).await?;
            b.update_table(ids[1], &seats(6)).await?;
            b.update_table(ids[0], &seats(6)).await?;
            b.commit().await
        })
    };
    // B has had time to take whatever it takes before it must wait for A.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let a_done = tokio::time::timeout(limit, async {
        a.update_table(ids[1], &seats(5)).await?;
        a.commit().await
    })
    .await
    .expect("A finishes");
    let b_done = tokio::time::timeout(limit, b)
        .await
        .expect("B finishes")
        .expect("B's task");
    assert!(a_done.is_ok(), "A: {a_done:?}");
    assert!(b_done.is_ok(), "B: {b_done:?}");
    // B came second and wrote last.
    let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
    let tables = tx.tables().await.expect("tables");
    assert!(tables.iter().all(|t| t.max_seats == 6), "{tables:?}");
}
