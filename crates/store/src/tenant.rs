//! The store handle and the tenant-scoped transaction request code works in.

use crate::crypto::MasterKey;
use crate::error::StoreError;
use hs_domain::Clock;
use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
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
    /// A guest acting on their own reservation: through an agent (phone, chat) or their
    /// self-service link.
    Guest,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Token(id) => write!(f, "token:{id}"),
            Actor::Cli => f.write_str("cli"),
            Actor::System => f.write_str("system"),
            Actor::Anonymous => f.write_str("anonymous"),
            Actor::Guest => f.write_str("guest"),
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

/// The app pool and whether the database answers, shared by every clone of a [`Store`].
struct Db {
    pool: RwLock<PgPool>,
    /// Set when the server was found away; requests then fail fast instead of waiting for
    /// the pool, until a probe connects again.
    down: AtomicBool,
    /// A probe task is running.
    probing: AtomicBool,
    /// Closed by [`Store::close`]: no more probes or new pools.
    closed: AtomicBool,
    /// Wakes the watch task on close.
    close: tokio::sync::Notify,
}

/// The handle to PostgreSQL that every service goes through.
#[derive(Clone)]
pub struct Store {
    db: Arc<Db>,
    pub(crate) clock: Clock,
    pub(crate) key: Arc<MasterKey>,
    /// Where guests' files live (memory until [`Store::with_files`] sets the configured one).
    files: crate::file_store::Files,
    /// The agent profile last read per restaurant, under its setup version.
    pub(crate) profiles: Arc<crate::agent::Profiles>,
}

impl Store {
    /// Wraps a pool connected as the app role.
    pub fn new(pool: PgPool, clock: Clock, key: MasterKey) -> Self {
        Store {
            db: Arc::new(Db {
                pool: RwLock::new(pool),
                down: AtomicBool::new(false),
                probing: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                close: tokio::sync::Notify::new(),
            }),
            clock,
            key: Arc::new(key),
            files: crate::file_store::Files::memory(),
            profiles: Arc::default(),
        }
    }

    /// The same store with guests' files kept in `files`.
    pub fn with_files(mut self, files: crate::file_store::Files) -> Self {
        self.files = files;
        self
    }

    /// Where guests' files live.
    pub fn files(&self) -> &crate::file_store::Files {
        &self.files
    }

    /// The clock this store stamps rows with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The pool, or at once [`StoreError::Unavailable`] while the database is away.
    pub(crate) fn pool(&self) -> Result<PgPool, StoreError> {
        if self.db.down.load(Ordering::Acquire) {
            self.recover();
            return Err(StoreError::Unavailable(
                "the database is being reconnected".into(),
            ));
        }
        Ok(self
            .db
            .pool
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    /// Notes a failure that shows the database is away, so the next requests fail fast and
    /// a probe starts reconnecting.
    fn observe<T>(&self, r: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Unavailable(why)) = &r {
            self.mark_down(why);
        }
        r
    }

    /// Marks the database away (it stopped answering) and starts reconnecting.
    pub fn mark_down(&self, why: &str) {
        if !self.db.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(error = %why, "database unavailable; answering 503 until it is back");
        }
        self.recover();
    }

    /// Whether requests are being refused because the database is away.
    pub fn is_down(&self) -> bool {
        self.db.down.load(Ordering::Acquire)
    }

    /// Starts one probe task (if none runs) that connects with backoff until the server
    /// answers, then replaces the pool (every old connection is dead) and lets requests in.
    fn recover(&self) {
        if self.db.closed.load(Ordering::Acquire) || self.db.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.db.probing.store(false, Ordering::Release);
            return;
        };
        let store = self.clone();
        runtime.spawn(async move {
            let started = std::time::Instant::now();
            let mut backoff = Duration::from_millis(50);
            while !store.db.closed.load(Ordering::Acquire) && store.is_down() {
                if store.reconnect().await {
                    tracing::warn!(
                        after_ms = started.elapsed().as_millis() as u64,
                        "database reachable again; pool reconnected"
                    );
                    break;
                }
                tracing::debug!(?backoff, "database still away");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            store.db.probing.store(false, Ordering::Release);
        });
    }

    /// One probe: connects afresh (not through the pool, whose connections are dead); when
    /// the server answers, puts a new pool in place of the old one and lets requests in.
    async fn reconnect(&self) -> bool {
        let opts = {
            let pool = self.db.pool.read().unwrap_or_else(|e| e.into_inner());
            (*pool.connect_options()).clone()
        };
        let probe = tokio::time::timeout(Duration::from_secs(2), async {
            let mut c = PgConnection::connect_with(&opts).await?;
            sqlx::query("SELECT 1").execute(&mut c).await?;
            c.close().await
        })
        .await;
        if !matches!(probe, Ok(Ok(()))) {
            return false;
        }
        let old = {
            let mut pool = self.db.pool.write().unwrap_or_else(|e| e.into_inner());
            if !self.db.down.load(Ordering::Acquire) {
                return true; // another probe got there first
            }
            let fresh = pool.options().clone().connect_lazy_with(opts);
            let old = std::mem::replace(&mut *pool, fresh);
            self.db.down.store(false, Ordering::Release);
            old
        };
        tokio::spawn(async move { old.close().await });
        true
    }

    /// Holds one connection open to notice at once when the server goes away (its socket
    /// closes), instead of when the next request fails; runs until [`Store::close`]. Servers
    /// and workers spawn it once.
    pub async fn watch(self) {
        loop {
            if self.db.closed.load(Ordering::Acquire) {
                return;
            }
            let lost = match self.pool() {
                Ok(pool) => match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut l) => {
                        l.eager_reconnect(false);
                        let wait = async {
                            l.listen("hs_watch").await?;
                            // Nothing is ever sent on this channel: Ok(None) is the lost connection.
                            while l.try_recv().await?.is_some() {}
                            Ok::<(), sqlx::Error>(())
                        };
                        tokio::select! {
                            r = wait => Some(r.err().map_or("connection closed".to_string(), |e| e.to_string())),
                            _ = self.db.close.notified() => return,
                        }
                    }
                    Err(e) => Some(e.to_string()),
                },
                Err(_) => None,
            };
            if let Some(why) = lost {
                if !self.db.closed.load(Ordering::Acquire) {
                    self.mark_down(&why);
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = self.db.close.notified() => return,
            }
        }
    }

    /// Begins a transaction on a pooled connection (with `sql` instead of a plain `BEGIN`),
    /// the begin run to its end on a task of its own. sqlx (0.8.6, and 0.9.0) counts the
    /// transaction only once `BEGIN`'s answer has arrived, so a caller dropped while waiting
    /// for it (a client that hung up, a timeout) gave the connection back to the pool inside a
    /// transaction nobody would end: the next borrower's statements ran in it ("there is
    /// already a transaction in progress"), and after one error every statement on that
    /// connection failed until it was recycled (github.com/transact-rs/sqlx/issues/4393). On
    /// its own task the begin completes; when nobody waits for it any more, the transaction is
    /// dropped there and rolled back as usual (`tests/cancelled.rs`).
    pub(crate) async fn begin(
        &self,
        sql: Option<String>,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let pool = self.pool()?;
        let begin = tokio::spawn(async move {
            match sql {
                Some(sql) => pool.begin_with(sql).await,
                None => pool.begin().await,
            }
        });
        match begin.await {
            Ok(tx) => Ok(tx?),
            Err(e) => Err(StoreError::Other(anyhow::anyhow!(
                "opening a transaction: {e}"
            ))),
        }
    }

    /// Begins a transaction that sees and writes only `restaurant_id`'s rows, acting as `actor`.
    pub async fn tenant(&self, restaurant_id: Uuid, actor: &Actor) -> Result<TenantTx, StoreError> {
        let begin = self.begin(Some(begin_sql(&[
            ("app.restaurant_id", &restaurant_id.to_string()),
            ("app.actor", &actor.to_string()),
            ("app.now", &self.clock.now().to_rfc3339()),
        ])));
        let tx = self.observe(begin.await)?;
        Ok(TenantTx {
            tx,
            restaurant_id,
            actor: actor.clone(),
            store: self.clone(),
            setup: None,
            setup_version: None,
            data_key: None,
            tell_guests: true,
            counts: Vec::new(),
            counts_at_mark: 0,
        })
    }

    /// A plain transaction for platform tables (users, sessions, restaurants), with the actor
    /// set. Tenant tables show nothing in it.
    pub(crate) async fn platform(
        &self,
        actor: &Actor,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let begin = self.begin(Some(begin_sql(&[
            ("app.actor", &actor.to_string()),
            ("app.now", &self.clock.now().to_rfc3339()),
        ])));
        self.observe(begin.await)
    }

    /// Whether the database answers. While it is marked away, this probes it at once (health
    /// checks are the natural moment to look), so a server that is back is used again.
    pub async fn ping(&self) -> bool {
        if self.is_down() && !self.reconnect().await {
            return false;
        }
        let r = async { Ok(sqlx::query("SELECT 1").execute(&self.pool()?).await?) };
        self.observe(r.await).is_ok()
    }

    /// (open connections, idle connections) of the pool, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        let pool = self.db.pool.read().unwrap_or_else(|e| e.into_inner());
        (pool.size(), pool.num_idle())
    }

    /// A listener for reservation and conversation changes of every restaurant
    /// (`hs_reservations`: `restaurant_id reservation_id`; `hs_conversations`: `restaurant_id
    /// conversation_id status`); the caller routes each to that restaurant's subscribers only.
    /// The listener does not reconnect by itself (`try_recv` answers `Ok(None)` when its
    /// connection is lost): ask for a new one, which comes from the current pool.
    pub async fn reservation_listener(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.pool()?).await?;
        l.eager_reconnect(false);
        l.listen_all(["hs_reservations", "hs_conversations"])
            .await?;
        Ok(l)
    }

    /// Closes the pool, waiting for connections to be returned, and stops watching.
    pub async fn close(&self) {
        self.db.closed.store(true, Ordering::Release);
        self.db.close.notify_waiters();
        let pool = self
            .db
            .pool
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        pool.close().await;
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
    pub(crate) setup: Option<Arc<crate::setup::model::Setup>>,
    /// The restaurant's setup version as the agent endpoint's first query read it (taken by
    /// the profile read, which may then use the profile kept under it: [`Store::profiles`]).
    pub(crate) setup_version: Option<i64>,
    /// The restaurant's data key, unwrapped once per transaction.
    pub(crate) data_key: Option<crate::crypto::MasterKey>,
    /// Whether reservation changes in this transaction write messages to the guests
    /// (off for imports and the demo's history).
    pub(crate) tell_guests: bool,
    /// What this transaction did for the platform's counters, added when it commits.
    counts: Vec<(&'static str, String)>,
    /// How many of `counts` were noted before the last [`TenantTx::mark`].
    counts_at_mark: usize,
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

    /// Writes no guest messages for the changes in this transaction (imports, demo history).
    pub fn without_guest_messages(&mut self) {
        self.tell_guests = false;
    }

    /// Forgets cached setup after a change to it.
    pub(crate) fn invalidate_setup(&mut self) {
        self.setup = None;
        self.setup_version = None;
    }

    /// Marks the point [`TenantTx::roll_back_to_mark`] returns to, without ending the
    /// transaction (a model's turn that fails half-way is undone before the built-in agent
    /// answers instead). A later mark replaces it.
    pub async fn mark(&mut self) -> Result<(), StoreError> {
        sqlx::query("SAVEPOINT hs_mark")
            .execute(self.conn())
            .await?;
        self.counts_at_mark = self.counts.len();
        Ok(())
    }

    /// Undoes everything since [`TenantTx::mark`].
    pub async fn roll_back_to_mark(&mut self) -> Result<(), StoreError> {
        sqlx::query("ROLLBACK TO SAVEPOINT hs_mark")
            .execute(self.conn())
            .await?;
        self.setup = None;
        self.counts.truncate(self.counts_at_mark);
        Ok(())
    }

    /// Notes one event for a platform counter ([`crate::counters`]), counted on commit.
    pub(crate) fn count(&mut self, family: &'static str, labels: &[(&str, &str)]) {
        self.counts.push((family, crate::counters::labels(labels)));
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits; dropping without commit rolls back.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        crate::counters::add(self.counts);
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
