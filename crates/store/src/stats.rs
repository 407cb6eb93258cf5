//! The facts statistics are computed from (`hs_domain::stats`): a restaurant's reservations,
//! calls and conversations in a time window (the reservations by the day index
//! `(restaurant_id, starts_at)` when the window is a small part of the table, else one scan),
//! and the guests seen before the window. No summary tables: figures computed from the rows
//! themselves can never disagree with them (a status change, an anonymisation or a deletion is
//! in the next page at once). A year of a busy restaurant with the year before is about 67,000
//! reservations, read as one row of columns in about 110 ms (`bench/stats.sh`;
//! `docs/benchmarks.md` says where the time goes and what a daily summary would change).

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::reservation::{Channel, Status};
use hs_domain::stats::{Booking, Call, Chat};
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

impl TenantTx {
    /// Reservations starting in `[from, to)`, read as one row of columns (an array per
    /// column, status and channel as one comma-separated text each): a year of a busy
    /// restaurant is tens of thousands of reservations, and decoding them row by row cost
    /// the client as much time as the scan cost the server.
    pub async fn stats_bookings(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let (starts, ends, created, parties, statuses, channels, guests): Columns =
            sqlx::query_as(
                "SELECT coalesce(array_agg(starts_at), '{}'), coalesce(array_agg(ends_at), '{}'), \
                        coalesce(array_agg(created_at), '{}'), coalesce(array_agg(party_size), '{}'), \
                        coalesce(string_agg(status, ','), ''), coalesce(string_agg(channel, ','), ''), \
                        coalesce(array_agg(guest_id), '{}') \
                 FROM reservations WHERE starts_at >= $1 AND starts_at < $2",
            )
            .bind(from)
            .bind(to)
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
}
