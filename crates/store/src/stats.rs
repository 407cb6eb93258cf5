//! The facts statistics are computed from (`hs_domain::stats`): a restaurant's reservations
//! summed per local day (the daily sums of migration 0033, kept for days that are over and
//! deleted in the same transaction as any change of a reservation of the day), the
//! reservations of the days without a valid sum, the calls and conversations of a time window,
//! and the guests seen before the window. A year's page reads 730 daily sums instead of
//! about 67,000 reservations (`bench/stats.sh`, `docs/benchmarks.md`).

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, NaiveDate, Utc};
use hs_domain::reservation::{Channel, Status};
use hs_domain::stats::{Booking, Call, Chat, Day};
use std::collections::HashSet;
use uuid::Uuid;

/// The reservations of a window as columns, in one order.
type Columns = (
    Vec<DateTime<Utc>>,
    Vec<DateTime<Utc>>,
    Vec<DateTime<Utc>>,
    Vec<i32>,
    String,
    String,
    Vec<Option<Uuid>>,
);

/// A daily sum to keep: the sum, its local day's first instant and the next day's, and the
/// key of the hours it was summed under (`hs_domain::stats::day_key`).
pub struct KeptDay {
    pub day: Day,
    pub instants: (DateTime<Utc>, DateTime<Utc>),
    pub key: String,
}

impl TenantTx {
    /// Reservations starting in any of the windows `[from, to)`, read as one row of columns
    /// (an array per column, status and channel as one comma-separated text each): a year of
    /// a busy restaurant is tens of thousands of reservations, and decoding them row by row
    /// cost the client as much time as the scan cost the server.
    pub async fn stats_bookings(
        &mut self,
        windows: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<Vec<Booking>, StoreError> {
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let (froms, tos): (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>) =
            windows.iter().copied().unzip();
        let (starts, ends, created, parties, statuses, channels, guests): Columns =
            sqlx::query_as(
                "SELECT coalesce(array_agg(starts_at), '{}'), coalesce(array_agg(ends_at), '{}'), \
                        coalesce(array_agg(created_at), '{}'), coalesce(array_agg(party_size), '{}'), \
                        coalesce(string_agg(status, ','), ''), coalesce(string_agg(channel, ','), ''), \
                        coalesce(array_agg(guest_id), '{}') \
                 FROM unnest($1::timestamptz[], $2::timestamptz[]) AS w (a, b) \
                 JOIN reservations ON starts_at >= w.a AND starts_at < w.b",
            )
            .bind(froms)
            .bind(tos)
            .fetch_one(self.conn())
            .await?;
        let n = starts.len();
        if [ends.len(), created.len(), parties.len(), guests.len()]
            .iter()
            .any(|&l| l != n)
        {
            return Err(StoreError::Other(anyhow::anyhow!(
                "statistics: the reservation columns differ in length"
            )));
        }
        Ok(starts
            .into_iter()
            .zip(ends)
            .zip(created)
            .zip(parties)
            .zip(statuses.split(','))
            .zip(channels.split(','))
            .zip(guests)
            .filter_map(
                |((((((starts_at, ends_at), created_at), party), status), channel), guest)| {
                    Some(Booking {
                        starts_at,
                        ends_at,
                        created_at,
                        party: u32::try_from(party).ok()?,
                        status: Status::parse(status)?,
                        channel: Channel::parse(channel)?,
                        guest,
                    })
                },
            )
            .collect())
    }

    /// The guests with a visit that counts (not cancelled, not a no-show) before `before`:
    /// the returning guests among those the window's reservations name (a first visit
    /// inside the window is found in its reservations). Read by the day index for the part
    /// of the table before the window, not by grouping every reservation.
    pub async fn stats_earlier_guests(
        &mut self,
        before: DateTime<Utc>,
    ) -> Result<HashSet<Uuid>, StoreError> {
        let guests: Vec<Uuid> = sqlx::query_scalar(
            "SELECT coalesce(array_agg(DISTINCT guest_id), '{}') FROM reservations \
             WHERE guest_id IS NOT NULL AND starts_at < $1 AND status NOT IN ('cancelled', 'no_show')",
        )
        .bind(before)
        .fetch_one(self.conn())
        .await?;
        Ok(guests.into_iter().collect())
    }

    /// Phone calls started in `[from, to)`.
    pub async fn stats_calls(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Call>, StoreError> {
        let rows: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
            "SELECT started_at, outcome FROM voice_calls WHERE started_at >= $1 AND started_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, outcome)| Call { at, outcome })
            .collect())
    }

    /// Chat conversations begun in `[from, to)` (the command line's test chats left out).
    pub async fn stats_chats(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Chat>, StoreError> {
        let rows: Vec<(DateTime<Utc>, String, Option<String>)> = sqlx::query_as(
            "SELECT created_at, channel, outcome FROM conversations \
             WHERE created_at >= $1 AND created_at < $2 AND channel <> 'cli'",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, channel, outcome)| Chat {
                at,
                channel,
                outcome,
            })
            .collect())
    }

    /// The kept daily sums of `[from, to]` with the key each was summed under; a sum that no
    /// longer reads (an older layout) is left out, to be summed again.
    pub async fn stats_days(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, Day)>, StoreError> {
        let rows: Vec<(NaiveDate, String, String, Vec<Uuid>)> = sqlx::query_as(
            "SELECT day, rules_key, summary::text, guests FROM stats_days \
             WHERE day >= $1 AND day <= $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(date, key, summary, guests)| {
                match serde_json::from_str::<Day>(&summary) {
                    Ok(day) if day.date == date => Some((key, Day { guests, ..day })),
                    Ok(_) | Err(_) => {
                        tracing::warn!(%date, "statistics: a daily sum that does not read");
                        None
                    }
                }
            })
            .collect())
    }

    /// The days of `[from, to]` with a kept sum, and the key each was summed under.
    pub async fn stats_day_keys(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT day, rules_key FROM stats_days WHERE day >= $1 AND day <= $2")
                .bind(from)
                .bind(to)
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// Keeps daily sums, replacing any earlier sum of the day. The caller holds
    /// [`TenantTx::lock_stats_days`] and read the reservations under it.
    pub async fn keep_stats_days(&mut self, days: &[KeptDay]) -> Result<(), StoreError> {
        let now = self.now();
        for KeptDay {
            day,
            instants: (starts_at, ends_at),
            key,
        } in days
        {
            let summary = serde_json::to_string(day)
                .map_err(|e| StoreError::Other(anyhow::anyhow!("a daily sum: {e}")))?;
            sqlx::query(
                "INSERT INTO stats_days (restaurant_id, day, starts_at, ends_at, rules_key, summary, guests, computed_at) \
                 VALUES (app_tenant(), $1, $2, $3, $4, $5::json, $6, $7) \
                 ON CONFLICT (restaurant_id, day) DO UPDATE SET starts_at = excluded.starts_at, \
                   ends_at = excluded.ends_at, rules_key = excluded.rules_key, summary = excluded.summary, \
                   guests = excluded.guests, computed_at = excluded.computed_at",
            )
            .bind(day.date)
            .bind(starts_at)
            .bind(ends_at)
            .bind(key)
            .bind(summary)
            .bind(&day.guests)
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Holds off every change of this restaurant's reservations until this transaction ends
    /// (their trigger takes the same lock, shared): daily sums read and kept under it are
    /// never stale when they commit.
    pub async fn lock_stats_days(&mut self) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('stats_days ' || app_tenant()::text, 0))")
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// When the restaurant's first reservation starts (`None` without any).
    pub async fn first_reservation_start(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT min(starts_at) FROM reservations")
                .fetch_one(self.conn())
                .await?,
        )
    }
}
