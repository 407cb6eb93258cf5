//! The facts statistics are computed from (`hs_domain::stats`): narrow rows of a restaurant's
//! reservations, calls and conversations in a time window (the reservations by the day index
//! `(restaurant_id, starts_at)` when the window is a small part of the table, else one scan),
//! and each guest's first visit. No summary tables yet: figures computed from the rows
//! themselves can never disagree with them (a status change, an anonymisation or a deletion is
//! in the next page at once). A year of a busy restaurant is tens of thousands of rows, read
//! in about 120 ms (`bench/stats.sh`, `docs/benchmarks.md`, which also says what a daily
//! summary kept by a queue job would change).

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::reservation::{Channel, Status};
use hs_domain::stats::{Booking, Call, Chat};
use std::collections::HashMap;
use uuid::Uuid;

type BookingRow = (
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    i32,
    String,
    String,
    Option<Uuid>,
);

impl TenantTx {
    /// Reservations starting in `[from, to)`.
    pub async fn stats_bookings(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows: Vec<BookingRow> = sqlx::query_as(
            "SELECT starts_at, ends_at, created_at, party_size, status, channel, guest_id \
             FROM reservations WHERE starts_at >= $1 AND starts_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(starts_at, ends_at, created_at, party, status, channel, guest)| {
                    Some(Booking {
                        starts_at,
                        ends_at,
                        created_at,
                        party: u32::try_from(party).ok()?,
                        status: Status::parse(&status)?,
                        channel: Channel::parse(&channel)?,
                        guest,
                    })
                },
            )
            .collect())
    }

    /// The first visit that counts (not cancelled, not a no-show) of every guest who had one
    /// before `to`.
    pub async fn stats_first_visits(
        &mut self,
        to: DateTime<Utc>,
    ) -> Result<HashMap<Uuid, DateTime<Utc>>, StoreError> {
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT guest_id, min(starts_at) FROM reservations \
             WHERE guest_id IS NOT NULL AND starts_at < $1 AND status NOT IN ('cancelled', 'no_show') \
             GROUP BY guest_id",
        )
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().collect())
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
