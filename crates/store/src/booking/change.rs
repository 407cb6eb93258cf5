//! Moving, resizing and changing the state of a reservation, with its table holds in step.

use super::*;

impl TenantTx {
    /// Moves a state along an allowed transition (else 409 naming it), keeping the guest's
    /// visit and no-show counts and the table holds in step.
    pub async fn transition(&mut self, id: Uuid, to: Status) -> Result<Reservation, StoreError> {
        let row: Option<(String, Option<Uuid>)> =
            sqlx::query_as("SELECT status, guest_id FROM reservations WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        let (from, guest) = row.ok_or(StoreError::NotFound)?;
        let from = Status::parse(&from)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown status {from}")))?;
        if !from.can_become(to) {
            return Err(StoreError::Conflict {
                code: "invalid_transition",
                message: format!(
                    "a {} reservation cannot become {}",
                    from.as_str(),
                    to.as_str()
                ),
            });
        }
        let now = self.store.clock.now();
        sqlx::query("UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE reservation_tables SET holds = $2 WHERE reservation_id = $1")
            .bind(id)
            .bind(to.holds_tables())
            .execute(self.conn())
            .await?;
        if let Some(g) = guest {
            let (visits, no_shows) = match (from, to) {
                (_, Status::NoShow) => (0, 1),
                (Status::NoShow, Status::Seated) => (0, -1),
                (_, Status::Completed) => (1, 0),
                _ => (0, 0),
            };
            if visits != 0 || no_shows != 0 {
                sqlx::query("UPDATE guests SET visit_count = visit_count + $2, no_show_count = greatest(no_show_count + $3, 0) WHERE id = $1")
                    .bind(g)
                    .bind(visits)
                    .bind(no_shows)
                    .execute(self.conn())
                    .await?;
            }
        }
        let by_guest = matches!(self.actor(), crate::Actor::Guest);
        if let Some(kind) = hs_domain::message::after_transition(from, to, by_guest) {
            self.tell_guest(id, kind).await?;
        }
        self.reservation(id, false).await
    }

    /// Moves a reservation and/or changes its party size, re-checking availability (ignoring
    /// its own hold) and reassigning tables.
    pub async fn change_reservation(
        &mut self,
        id: Uuid,
        change: &Change<'_>,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let Change {
            date,
            time,
            party_size: party,
            notes,
            ref tables,
        } = *change;
        let current = self.reservation(id, false).await?;
        // Lock the row first, so two moves of the same reservation run one after the other.
        let (status, channel): (String, String) =
            sqlx::query_as("SELECT status, channel FROM reservations WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        let status = Status::parse(&status).unwrap_or(Status::Cancelled);
        if let Some(n) = notes {
            let n = checked_notes("notes", n, NOTES_MAX)?;
            sqlx::query("UPDATE reservations SET notes = $2 WHERE id = $1")
                .bind(id)
                .bind(n)
                .execute(self.conn())
                .await?;
        }
        if date.is_none() && time.is_none() && party.is_none() && tables.is_none() {
            return Ok(Ok(self.reservation(id, false).await?));
        }
        if !status.changeable() {
            return Err(StoreError::Conflict {
                code: "not_changeable",
                message: format!("a {} reservation cannot be moved", status.as_str()),
            });
        }
        let date = date.unwrap_or(current.date);
        let time = match time {
            Some(t) => t,
            None => NaiveTime::parse_from_str(&current.time, "%H:%M")
                .map_err(|e| StoreError::Other(e.into()))?,
        };
        let party = party.unwrap_or(current.party_size as u32);
        let snap = self.snapshot_locked(&[current.date, date]).await?;
        let now = self.store.clock.now();
        let audience = Channel::parse(&channel).map_or(Audience::Staff, Channel::audience);
        let slot = match availability::check_tables(
            &snap,
            date,
            time,
            party,
            now,
            audience,
            Some(id),
            tables.as_deref(),
        ) {
            Ok(s) => s,
            Err(reason) => {
                let alternatives = self
                    .alternatives(&snap, date, time, party, now, audience, 3)
                    .await?;
                return Ok(Err(Rejection {
                    reason,
                    alternatives,
                }));
            }
        };
        sqlx::query("UPDATE reservations SET starts_at = $2, ends_at = $3, party_size = $4, updated_at = $5 WHERE id = $1")
            .bind(id)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(party as i32)
            .bind(now)
            .execute(self.conn())
            .await?;
        self.retable(id, (slot.starts_at, slot.ends_at), &slot.assignment.tables)
            .await?;
        // The guest hears of a new time or party size, not of a table swap.
        if slot.starts_at != current.starts_at || party as i32 != current.party_size {
            self.tell_guest(id, hs_domain::message::Kind::Changed)
                .await?;
        }
        Ok(Ok(self.reservation(id, false).await?))
    }

    // ---- idempotency ------------------------------------------------------------------------

    /// Moves a reservation's table holds to `tables` for `span`.
    async fn retable(
        &mut self,
        id: Uuid,
        span: (DateTime<Utc>, DateTime<Utc>),
        tables: &[Uuid],
    ) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        sqlx::query("DELETE FROM reservation_tables WHERE reservation_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO reservation_tables (restaurant_id, reservation_id, table_id, during) \
             SELECT $1, $2, t, tstzrange($4, $5, '[)') FROM unnest($3::uuid[]) AS t",
        )
        .bind(rid)
        .bind(id)
        .bind(tables)
        .bind(span.0)
        .bind(span.1)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
