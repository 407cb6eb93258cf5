//! Reservations as shown: one, by code, a day's, a caller's upcoming ones.

use super::*;

impl TenantTx {
    /// The local date in the restaurant's zone now.
    pub async fn now_local_date(&mut self) -> Result<NaiveDate, StoreError> {
        let tz = self.rules().await?.tz;
        Ok(self.store.clock.now().with_timezone(&tz).date_naive())
    }

    /// One reservation; special-category notes decrypted only when `special` is allowed.
    pub async fn reservation(
        &mut self,
        id: Uuid,
        special: bool,
    ) -> Result<Reservation, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        self.present(row, special).await
    }

    /// A reservation by its booking code.
    pub async fn reservation_by_code(
        &mut self,
        code: &str,
        special: bool,
    ) -> Result<Reservation, StoreError> {
        let code = hs_domain::reservation::normalise_code(code);
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.code = $1"))
            .bind(&code)
            .fetch_optional(self.conn())
            .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        self.present(row, special).await
    }

    /// Reservations starting on a local date, by time.
    pub async fn reservations_on(
        &mut self,
        date: NaiveDate,
        special: bool,
    ) -> Result<Vec<Reservation>, StoreError> {
        let rules = self.rules().await?;
        let from = rules
            .instant(date.and_time(NaiveTime::MIN))
            .unwrap_or_else(|| self.store.clock.now());
        let to = rules
            .instant((date + Duration::days(1)).and_time(NaiveTime::MIN))
            .unwrap_or(from + Duration::days(1));
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE r.starts_at >= $1 AND r.starts_at < $2 ORDER BY r.starts_at, r.code"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present(r, special).await?);
        }
        Ok(out)
    }

    /// Pending and confirmed reservations from now on of the guest with this phone number
    /// (E.164), soonest first; at most ten.
    pub async fn upcoming_for_phone(
        &mut self,
        phone: &str,
    ) -> Result<Vec<Reservation>, StoreError> {
        let now = self.store.clock.now();
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE g.phone = $1 AND r.starts_at >= $2 AND r.status IN ('pending', 'confirmed') \
             ORDER BY r.starts_at LIMIT 10"
        ))
        .bind(phone)
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present(r, false).await?);
        }
        Ok(out)
    }

    async fn present(&mut self, r: Row, special: bool) -> Result<Reservation, StoreError> {
        let tz = self.rules().await?.tz;
        let local = r.starts_at.with_timezone(&tz);
        let special_notes = match (&r.special_enc, special) {
            (Some(sealed), true) => {
                let key = self.data_key().await?;
                Some(
                    String::from_utf8_lossy(&key.open(sealed, &format!("reservation:{}", r.id))?)
                        .into_owned(),
                )
            }
            _ => None,
        };
        Ok(Reservation {
            id: r.id,
            code: r.code,
            status: r.status,
            channel: r.channel,
            date: local.date_naive(),
            time: local.format("%H:%M").to_string(),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            party_size: r.party_size,
            tables: r.tables,
            notes: r.notes,
            has_special_notes: r.special_enc.is_some(),
            special_notes,
            guest: r.guest_id.map(|id| GuestRef {
                id,
                name: r.guest_name.unwrap_or_default(),
                phone: r.guest_phone,
                email: r.guest_email,
                language: r.guest_language.unwrap_or_else(|| "de".into()),
            }),
            created_at: r.created_at,
        })
    }
}
