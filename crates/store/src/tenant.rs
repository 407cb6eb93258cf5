//! The store handle and the tenant-scoped transaction request code works in.

use crate::crypto::MasterKey;
use crate::error::StoreError;
use hs_domain::Clock;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Postgres, Transaction};
use std::sync::Arc;
use uuid::Uuid;

/// Who is acting, written to `app.actor` and so to the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    Token(Uuid),
    /// The command line (`hostsystem admin …`, `demo`).
    Cli,
    /// Background jobs and the server itself.
    System,
    /// Someone not logged in (accepting an invite, resetting a password).
    Anonymous,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Token(id) => write!(f, "token:{id}"),
            Actor::Cli => f.write_str("cli"),
            Actor::System => f.write_str("system"),
            Actor::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// `BEGIN` and the transaction-local settings in one simple-query message, so opening a
/// transaction costs one round trip instead of two. The values are ids, actor names and
/// timestamps made here, never user input; quotes are doubled all the same.
fn begin_sql(settings: &[(&str, &str)]) -> String {
    let calls: Vec<String> = settings
        .iter()
        .map(|(name, value)| {
            format!(
                "set_config('{}', '{}', true)",
                name.replace('\'', "''"),
                value.replace('\'', "''")
            )
        })
        .collect();
    format!("BEGIN; SELECT {}", calls.join(", "))
}

/// The handle to PostgreSQL that every service goes through.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: PgPool,
    pub(crate) clock: Clock,
    pub(crate) key: Arc<MasterKey>,
}

impl Store {
    /// Wraps a pool connected as the app role.
    pub fn new(pool: PgPool, clock: Clock, key: MasterKey) -> Self {
        Store {
            pool,
            clock,
            key: Arc::new(key),
        }
    }

    /// The clock this store stamps rows with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Begins a transaction that sees and writes only `restaurant_id`'s rows, acting as `actor`.
    pub async fn tenant(&self, restaurant_id: Uuid, actor: &Actor) -> Result<TenantTx, StoreError> {
        let tx = self
            .pool
            .begin_with(begin_sql(&[
                ("app.restaurant_id", &restaurant_id.to_string()),
                ("app.actor", &actor.to_string()),
                ("app.now", &self.clock.now().to_rfc3339()),
            ]))
            .await?;
        Ok(TenantTx {
            tx,
            restaurant_id,
            actor: actor.clone(),
            store: self.clone(),
            setup: None,
            data_key: None,
        })
    }

    /// A plain transaction for platform tables (users, sessions, restaurants), with the actor
    /// set. Tenant tables show nothing in it.
    pub(crate) async fn platform(
        &self,
        actor: &Actor,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self
            .pool
            .begin_with(begin_sql(&[
                ("app.actor", &actor.to_string()),
                ("app.now", &self.clock.now().to_rfc3339()),
            ]))
            .await?)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// (open connections, idle connections) of the pool, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// A listener for reservation changes of every restaurant (`restaurant_id reservation_id`
    /// per notification); the caller routes each to that restaurant's subscribers only.
    pub async fn reservation_listener(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        l.listen("hs_reservations").await?;
        Ok(l)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A transaction scoped to one restaurant by row-level security. Only the store can create one,
/// and only store code can run SQL in it.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    restaurant_id: Uuid,
    actor: Actor,
    pub(crate) store: Store,
    /// Rules, settings, tables and combinations read once per transaction; setup writes
    /// clear them.
    pub(crate) setup: Option<crate::setup::Setup>,
    /// The restaurant's data key, unwrapped once per transaction.
    pub(crate) data_key: Option<crate::crypto::MasterKey>,
}

impl TenantTx {
    /// The restaurant this transaction works for.
    pub fn restaurant_id(&self) -> Uuid {
        self.restaurant_id
    }

    /// Who is acting.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The store clock's now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.store.clock.now()
    }

    /// Forgets cached setup after a change to it.
    pub(crate) fn invalidate_setup(&mut self) {
        self.setup = None;
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits; dropping without commit rolls back.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::begin_sql;

    #[test]
    fn begin_sql_sets_each_value_transaction_locally_and_doubles_quotes() {
        assert_eq!(
            begin_sql(&[("app.actor", "user:1"), ("app.now", "it's")]),
            "BEGIN; SELECT set_config('app.actor', 'user:1', true), set_config('app.now', 'it''s', true)"
        );
    }
}
