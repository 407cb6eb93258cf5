//! Statistics for owners and managers (staff see none): the facts of a range and of the range
//! before read on [`CONNECTIONS`] connections at once, and the figures computed by
//! `hs_domain::stats`. At most [`AT_ONCE`] computations run at a time (each is CPU-bound and
//! holds three pooled connections; a pool of more than `CONNECTIONS × AT_ONCE` connections,
//! which the configuration requires, can never be drained by statistics waiting for their
//! other connections).

use crate::reservations::Caller;
use crate::Services;
use chrono::NaiveDate;
use hs_domain::stats::{self, Facts, Figures, Floor, Range, RangeError};
use hs_domain::validate::Invalid;
use hs_domain::Role;
use hs_store::{StoreError, TenantTx};

/// A checked range; 422 naming `to` when it is reversed or longer than ten years, or the
/// field whose year lies outside 1900 to 2199.
pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Range, StoreError> {
    Range::new(from, to).map_err(|e| {
        StoreError::invalid(
            e.field(),
            match e {
                RangeError::Reversed => Invalid::BeforeStart,
                RangeError::TooLong => Invalid::RangeTooLong(stats::MAX_DAYS),
                RangeError::OutOfBounds(_) => {
                    Invalid::OutOfRange(i64::from(stats::FIRST_YEAR), i64::from(stats::LAST_YEAR))
                }
            },
        )
    })
}

/// Today in the restaurant's zone (the default range ends there).
pub async fn today(svc: &Services, caller: &Caller) -> Result<NaiveDate, StoreError> {
    caller.at_least(Role::Manager)?;
    caller.tenant(&svc.store).await?.now_local_date().await
}

/// Statistics computed at the same time, at most.
pub const AT_ONCE: usize = 2;

/// The connections one computation reads on at once.
pub const CONNECTIONS: usize = 3;

static COMPUTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

/// Every figure of `range` for the caller's restaurant, compared with the range before.
pub async fn figures(svc: &Services, caller: &Caller, range: Range) -> Result<Figures, StoreError> {
    caller.at_least(Role::Manager)?;
    let _turn = COMPUTING
        .acquire()
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("statistics closed: {e}")))?;
    let started = std::time::Instant::now();
    let mut tx = caller.tenant(&svc.store).await?;
    let rules = tx.rules().await?;
    let tables = tx.tables().await?;
    let (from, start) = range.previous().instants(rules.tz);
    let (_, to) = range.instants(rules.tz);
    // Three connections read at once: this one the range's reservations; another, in a task
    // of its own (so that its rows are decoded on the other core), the reservations of the
    // range before; a third the guests seen before and the calls and conversations of both
    // ranges, so that neither of the long reads waits for them. Statistics need no single
    // snapshot.
    let before = apart(svc, caller, move |mut tx| async move {
        let bookings = tx.stats_bookings(from, start).await?;
        Ok((bookings, started.elapsed()))
    });
    let others = apart(svc, caller, move |mut tx| async move {
        let earlier = tx.stats_earlier_guests(from).await?;
        let calls = tx.stats_calls(from, to).await?;
        let chats = tx.stats_chats(from, to).await?;
        Ok((earlier, calls, chats, started.elapsed()))
    });
    let now_bookings = tx.stats_bookings(start, to).await;
    let range_read = started.elapsed();
    // Awaited whatever this connection gave: the other two are back in the pool before the
    // semaphore's place is given back.
    let before = before.join().await;
    let others = others.join().await;
    let now_bookings = now_bookings?;
    let (mut bookings, before_read) = before?;
    let (earlier_guests, calls, chats, others_read) = others?;
    bookings.extend(now_bookings);
    let read_bookings = bookings.len();
    // Everything is read: the connection goes back to the pool before the arithmetic.
    drop(tx);
    let read = started.elapsed();
    // Tens of milliseconds of arithmetic over a year (on two threads from
    // `stats::PARALLEL_FROM` bookings): off the request threads, which serve everyone else.
    let (seats, table_count) = (
        stats::seats(tables.iter().map(|t| t.max_seats)),
        tables.len() as u32,
    );
    let now = svc.clock().now();
    let figures = tokio::task::spawn_blocking(move || {
        stats::figures(
            range,
            &Facts {
                floor: Floor {
                    rules: &rules,
                    seats,
                    tables: table_count,
                },
                bookings: &bookings,
                calls: &calls,
                chats: &chats,
                earlier_guests: &earlier_guests,
                now,
            },
        )
    })
    .await
    .map_err(|e| StoreError::Other(anyhow::anyhow!("statistics computation: {e}")))?;
    tracing::debug!(
        bookings = read_bookings,
        range_ms = range_read.as_secs_f64() * 1000.0,
        before_ms = before_read.as_secs_f64() * 1000.0,
        others_ms = others_read.as_secs_f64() * 1000.0,
        compute_ms = (started.elapsed() - read).as_secs_f64() * 1000.0,
        "statistics computed"
    );
    Ok(figures)
}

/// `read` in a transaction of its own, on a task of its own.
fn apart<T, F>(
    svc: &Services,
    caller: &Caller,
    read: impl FnOnce(TenantTx) -> F + Send + 'static,
) -> Joined<T>
where
    F: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    T: Send + 'static,
{
    let (store, caller) = (svc.store.clone(), caller.clone());
    let read = async move { read(caller.tenant(&store).await?).await };
    Joined(tokio::spawn(read))
}

/// A spawned read, aborted when the request that waits for it goes away (its connection goes
/// back to the pool with the semaphore's place).
struct Joined<T>(tokio::task::JoinHandle<Result<T, StoreError>>);

impl<T> Joined<T> {
    async fn join(mut self) -> Result<T, StoreError> {
        match (&mut self.0).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Other(anyhow::anyhow!("statistics read: {e}"))),
        }
    }
}

impl<T> Drop for Joined<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
