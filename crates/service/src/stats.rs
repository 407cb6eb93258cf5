//! Statistics for owners and managers (staff see none): the daily sums of a range and of the
//! range before (kept ones, and the reservations of days without one), the calls and the
//! conversations, read on up to [`CONNECTIONS`] connections at once, and the figures computed
//! by `hs_domain::stats`; and the job that keeps the daily sums ([`KeepDays`]). At most [`AT_ONCE`] computations run at a time (each is CPU-bound and
//! holds three pooled connections; a pool of more than `CONNECTIONS × AT_ONCE` connections,
//! which the configuration requires, can never be drained by statistics waiting for their
//! other connections).

use crate::jobs::{Job, JobContext};
use crate::reservations::Caller;
use crate::Services;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hs_domain::availability::Rules;
use hs_domain::stats::{self, Booking, Day, Figures, Floor, Range, RangeError, Summed};
use hs_domain::validate::Invalid;
use hs_domain::Role;
use hs_store::stats::KeptDay;
use hs_store::{Actor, Store, StoreError, TenantTx};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

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

/// Every figure of `range` for the caller's restaurant, compared with the range before: from
/// the kept daily sums of both ranges, and the reservations of every day without one (today,
/// the days to come, and days changed since they were summed), which the `stats_days` job
/// then sums for the next time.
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
    let tz = rules.tz;
    let before = range.previous();
    let (from, _) = before.instants(tz);
    let (_, to) = range.instants(tz);
    // The guests seen before, the calls and the conversations on a connection of their own,
    // read while this one reads the days. Statistics need no single snapshot.
    let others = apart(svc, caller, move |mut tx| async move {
        let earlier = tx.stats_earlier_guests(from).await?;
        let calls = tx.stats_calls(from, to).await?;
        let chats = tx.stats_chats(from, to).await?;
        Ok((earlier, calls, chats, started.elapsed()))
    });
    let span = Range {
        from: before.from,
        to: range.to,
    };
    let days = read_days(svc, caller, &mut tx, span, &rules).await;
    // Awaited whatever this connection gave: the others are back in the pool before the
    // semaphore's place is given back.
    let others = others.join().await;
    let (mut days, bookings, missing) = days?;
    let (earlier_guests, calls, chats, others_read) = others?;
    let read_bookings = bookings.len();
    // Everything is read: the connection goes back to the pool before the arithmetic.
    drop(tx);
    let read = started.elapsed();
    let now = svc.clock().now();
    let kept = days.len();
    let (seats, table_count) = (
        stats::seats(tables.iter().map(|t| t.max_seats)),
        tables.len() as u32,
    );
    // Tens of milliseconds of arithmetic when a year must be summed from its reservations
    // (on two threads from `stats::PARALLEL_FROM`): off the request threads.
    let (figures, summable) = tokio::task::spawn_blocking(move || {
        let fresh = stats::days(&bookings, &rules, now);
        // Days that are over and had reservations are worth keeping; one without any costs
        // an empty read.
        let summable: Vec<NaiveDate> = fresh
            .iter()
            .map(|d| d.date)
            .filter(|d| stats::keepable(*d, tz, now))
            .collect();
        days.extend(fresh);
        let figures = stats::figures_of_days(
            range,
            &Summed {
                floor: Floor {
                    rules: &rules,
                    seats,
                    tables: table_count,
                },
                days: &days,
                calls: &calls,
                chats: &chats,
                earlier_guests: &earlier_guests,
            },
        );
        (figures, summable)
    })
    .await
    .map_err(|e| StoreError::Other(anyhow::anyhow!("statistics computation: {e}")))?;
    if let (Some(first), Some(last)) = (summable.first(), summable.last()) {
        let job = KeepDays {
            restaurant_id: caller.restaurant_id,
            asked: format!(
                "{} {first} {last} {}",
                now.format("%Y-%m-%dT%H:%M"),
                summable.len()
            ),
        };
        if let Err(error) = crate::jobs::enqueue_platform(&svc.store, &job).await {
            tracing::warn!(%error, "statistics: the daily sums could not be asked for");
        }
    }
    tracing::debug!(
        kept_days = kept,
        summed_days = missing.len(),
        bookings = read_bookings,
        days_ms = read.as_secs_f64() * 1000.0,
        others_ms = others_read.as_secs_f64() * 1000.0,
        compute_ms = (started.elapsed() - read).as_secs_f64() * 1000.0,
        "statistics computed"
    );
    Ok(figures)
}

/// From this many days without a kept sum on, their reservations are read on two connections
/// (after a change of the hours, or before the job has summed a restaurant's history).
const SPLIT_FROM: usize = 62;

/// The kept sums of `span` valid under `rules`, the reservations of its other days, and
/// those days.
async fn read_days(
    svc: &Services,
    caller: &Caller,
    tx: &mut TenantTx,
    span: Range,
    rules: &Rules,
) -> Result<(Vec<Day>, Vec<Booking>, Vec<NaiveDate>), StoreError> {
    let days: Vec<Day> = tx
        .stats_days(span.from, span.to)
        .await?
        .into_iter()
        .filter(|(key, day)| *key == stats::day_key(rules, day.date))
        .map(|(_, day)| day)
        .collect();
    let kept: HashSet<NaiveDate> = days.iter().map(|d| d.date).collect();
    let missing: Vec<NaiveDate> = span.dates().filter(|d| !kept.contains(d)).collect();
    let (mine, theirs) = if missing.len() >= SPLIT_FROM {
        let (a, b) = missing.split_at(missing.len() / 2);
        (windows(b, rules.tz), windows(a, rules.tz))
    } else {
        (windows(&missing, rules.tz), Vec::new())
    };
    let second = (!theirs.is_empty()).then(|| {
        apart(svc, caller, move |mut tx| async move {
            tx.stats_bookings(&theirs).await
        })
    });
    let bookings = tx.stats_bookings(&mine).await;
    let second = match second {
        Some(read) => read.join().await,
        None => Ok(Vec::new()),
    };
    let mut bookings = bookings?;
    bookings.extend(second?);
    Ok((days, bookings, missing))
}

/// The instants of runs of consecutive days, in the zone.
fn windows(dates: &[NaiveDate], tz: chrono_tz::Tz) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in dates {
        match runs.last_mut() {
            Some((_, last)) if *last + Duration::days(1) == *d => *last = *d,
            _ => runs.push((*d, *d)),
        }
    }
    runs.into_iter()
        .map(|(a, b)| {
            (
                stats::day_start(a, tz),
                stats::day_start(b + Duration::days(1), tz),
            )
        })
        .collect()
}

/// Days summed and kept per transaction of the `stats_days` job: the restaurant's bookings
/// wait for the job's lock while it reads and writes them (about 10 ms for a month of a busy
/// restaurant).
pub const KEEP_AT_ONCE: usize = 31;

/// Sums and keeps a restaurant's days that are over and have no valid sum, the most recent
/// first, back to its first reservation (at most [`stats::MAX_DAYS`] days back). Enqueued by
/// the statistics page when it had to sum such days with reservations from the reservations,
/// once per minute and such days (`asked`: the minute, the first and last of them, how many).
/// Safe to repeat, and two at once take turns at the lock.
#[derive(Serialize, Deserialize)]
pub struct KeepDays {
    pub restaurant_id: Uuid,
    pub asked: String,
}

impl Job for KeepDays {
    const KIND: &'static str = "stats_days";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("{} {}", self.restaurant_id, self.asked))
    }

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> anyhow::Result<()> {
        while keep_days(&ctx.store, self.restaurant_id).await? > 0 {}
        Ok(())
    }
}

/// Sums and keeps up to [`KEEP_AT_ONCE`] days of the restaurant that are over and lack a
/// valid sum, in one transaction under the daily sums' lock: how many (0 when none is left).
pub async fn keep_days(store: &Store, restaurant_id: Uuid) -> Result<usize, StoreError> {
    let mut tx = store.tenant(restaurant_id, &Actor::System).await?;
    tx.lock_stats_days().await?;
    let Some(first) = tx.first_reservation_start().await? else {
        return Ok(0);
    };
    let rules = tx.rules().await?;
    let tz = rules.tz;
    let now = tx.now();
    let today = now.with_timezone(&tz).date_naive();
    let last = today - Duration::days(1);
    let earliest =
        (last - Duration::days(stats::MAX_DAYS)).max(first.with_timezone(&tz).date_naive());
    if earliest > last {
        return Ok(0);
    }
    let keys: HashMap<NaiveDate, String> = tx
        .stats_day_keys(earliest, last)
        .await?
        .into_iter()
        .collect();
    let mut missing: Vec<NaiveDate> = earliest
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| {
            stats::keepable(*d, tz, now) && keys.get(d) != Some(&stats::day_key(&rules, *d))
        })
        .collect();
    // The most recent first: the pages look at recent ranges.
    let missing = missing.split_off(missing.len().saturating_sub(KEEP_AT_ONCE));
    if missing.is_empty() {
        return Ok(0);
    }
    let bookings = tx.stats_bookings(&windows(&missing, tz)).await?;
    let mut summed: HashMap<NaiveDate, Day> = stats::days(&bookings, &rules, now)
        .into_iter()
        .map(|d| (d.date, d))
        .collect();
    let keep: Vec<KeptDay> = missing
        .iter()
        .map(|d| KeptDay {
            day: summed.remove(d).unwrap_or_else(|| Day::empty(*d)),
            instants: (
                stats::day_start(*d, tz),
                stats::day_start(*d + Duration::days(1), tz),
            ),
            key: stats::day_key(&rules, *d),
        })
        .collect();
    tx.keep_stats_days(&keep).await?;
    tx.commit().await?;
    Ok(missing.len())
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
