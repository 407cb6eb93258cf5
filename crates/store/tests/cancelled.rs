//! A request that goes away while its transaction is being opened (a client that hung up, a
//! timeout) must not leave its connection in the pool inside that transaction: the next
//! borrower's statements would run in it ("there is already a transaction in progress"), a
//! platform read would see the abandoned tenant's settings, and after one error every
//! statement on the connection would fail until it is recycled.

use hs_domain::Clock;
use hs_store::db::{connect_app, APP_ROLE};
use hs_store::{Actor, MasterKey, Store};
use hs_testkit::fresh_db;
use std::time::Duration;

#[tokio::test]
async fn a_transaction_abandoned_while_it_begins_leaves_no_connection_inside_it() {
    let db = fresh_db().await.expect("db");
    // One connection: every attempt reuses the one the last attempt gave back.
    let pool = connect_app(&db.targets.app, 1).await.expect("pool");
    let store = Store::new(pool, Clock::system(), MasterKey::generate());
    let r = store
        .create_restaurant("Abbruch", &Actor::Cli)
        .await
        .expect("restaurant");
    let mut su = db.superuser_conn().await.expect("superuser");
    let mut stale = Vec::new();
    // Abandon the begin after 0, 5, 10 … µs: some attempts end before BEGIN is sent, some
    // while its answer is on the way (the window that leaked), some after it arrived.
    for step in 0..200u64 {
        let wait = Duration::from_micros(step * 5);
        let _ = tokio::time::timeout(wait, store.tenant(r.id, &Actor::System)).await;
        // Time for the connection to go back to the pool (and a rollback to be sent).
        tokio::time::sleep(Duration::from_millis(10)).await;
        let inside: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND usename = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(APP_ROLE)
        .fetch_one(&mut su)
        .await
        .expect("activity");
        if inside > 0 {
            stale.push(step * 5);
        }
    }
    assert!(
        stale.is_empty(),
        "a connection was left inside a transaction after abandoning the begin at {stale:?} µs"
    );
    // And the store goes on working on that connection.
    let mut tx = store.tenant(r.id, &Actor::System).await.expect("tx");
    tx.rules().await.expect("a read");
    tx.commit().await.expect("commit");
}
