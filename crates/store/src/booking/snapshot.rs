//! What the availability engine judges with: the setup and the day's holds, read under the
//! restaurant-day's booking lock when booking.

use super::*;

impl TenantTx {
    /// Serialises bookings of one restaurant day.
    async fn lock_day(&mut self, date: NaiveDate) -> Result<(), StoreError> {
        let key = format!("book:{}:{date}", self.restaurant_id());
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The availability snapshot around a date: rules, tables, combinations and every
    /// reservation holding tables on that day (and its periods past midnight).
    pub async fn snapshot(&mut self, date: NaiveDate) -> Result<Snapshot, StoreError> {
        let mut snap = self.floor_snapshot().await?;
        snap.booked = self.holds(&snap.rules, date, date).await?;
        Ok(snap)
    }

    /// Other times and days for a time that cannot be seated. `snap` is the asked day's
    /// snapshot; the other days are judged with their own reservations, read here.
    #[allow(clippy::too_many_arguments)]
    pub async fn alternatives(
        &mut self,
        snap: &Snapshot,
        date: NaiveDate,
        time: NaiveTime,
        party: u32,
        now: DateTime<Utc>,
        audience: Audience,
        max_days: usize,
    ) -> Result<Alternatives, StoreError> {
        let last = date + Duration::days(availability::ALTERNATIVE_DAYS);
        let wide = Snapshot {
            rules: snap.rules.clone(),
            tables: snap.tables.clone(),
            combinations: snap.combinations.clone(),
            booked: self.holds(&snap.rules, date, last).await?,
        };
        Ok(availability::alternatives(
            &wide, date, time, party, now, audience, max_days,
        ))
    }

    /// As [`TenantTx::snapshot`], taking the day's booking lock after reading the setup and
    /// before reading the holds, so the lock is held as briefly as possible.
    pub(super) async fn snapshot_locked(
        &mut self,
        dates: &[NaiveDate],
    ) -> Result<Snapshot, StoreError> {
        let mut snap = self.floor_snapshot().await?;
        let mut days = dates.to_vec();
        days.sort();
        days.dedup();
        for d in &days {
            self.lock_day(*d).await?;
        }
        snap.booked = self
            .holds(&snap.rules, days[0], days[days.len() - 1])
            .await?;
        Ok(snap)
    }

    async fn floor_snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let rules = self.rules().await?;
        let seating = self.seating().await?;
        Ok(Snapshot {
            rules,
            tables: seating.tables,
            combinations: seating.combinations,
            booked: Vec::new(),
        })
    }

    /// Every reservation holding tables that overlaps the days `first` to `last`, including
    /// their periods past midnight. Reservations last at most a day (a table constraint), so
    /// the index on `starts_at` bounds the scan from both sides.
    async fn holds(
        &mut self,
        rules: &hs_domain::availability::Rules,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Booked>, StoreError> {
        let from = rules
            .instant(first.and_time(NaiveTime::MIN))
            .unwrap_or_else(|| self.store.clock.now());
        let to = rules
            .instant((last + Duration::days(2)).and_time(NaiveTime::MIN))
            .unwrap_or(from + Duration::days(2));
        let rows: Vec<HoldRow> = sqlx::query_as(
            "SELECT r.id, r.starts_at, r.ends_at, r.party_size, \
                    ARRAY(SELECT rt.table_id FROM reservation_tables rt \
                          WHERE rt.restaurant_id = r.restaurant_id AND rt.reservation_id = r.id AND rt.holds) AS tables \
             FROM reservations r \
             WHERE r.status IN ('pending', 'confirmed', 'seated') \
               AND r.starts_at < $2 AND r.starts_at > $1 - interval '1 day' AND r.ends_at > $1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|h| Booked {
                id: h.id,
                starts_at: h.starts_at,
                ends_at: h.ends_at,
                party: h.party_size as u32,
                tables: h.tables,
            })
            .collect())
    }
}
