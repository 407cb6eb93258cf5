//! The restaurant's reservation settings: address, time zone, slot grid, lead time, horizon,
//! pacing, approval limit.

use super::model::ReservationSettings;
use crate::error::StoreError;
use crate::tenant::TenantTx;

impl TenantTx {
    /// Whether someone with `role` reads special-category notes in this restaurant
    /// ([`hs_domain::Role::reads_special_notes`] with the restaurant's setting).
    pub async fn may_read_special(&mut self, role: hs_domain::Role) -> Result<bool, StoreError> {
        if role.reads_special_notes(false) {
            return Ok(true);
        }
        Ok(self.setup().await?.settings.staff_read_special)
    }

    /// The reservation settings.
    pub async fn reservation_settings(&mut self) -> Result<ReservationSettings, StoreError> {
        Ok(self.setup().await?.settings.clone())
    }

    /// Replaces the reservation settings after validating them.
    pub async fn set_reservation_settings(
        &mut self,
        s: &ReservationSettings,
    ) -> Result<(), StoreError> {
        self.invalidate_setup();
        s.validate()?;
        let now = self.store.clock.now();
        sqlx::query(
            "UPDATE restaurant_settings SET time_zone = $1, languages = $2, street = $3, postcode = $4, city = $5, \
             country = $6, phone = $7, email = $8, website = $9, slot_minutes = $10, horizon_days = $11, \
             lead_minutes = $12, pacing_covers = $13, approval_above = $14, staff_read_special = $15, updated_at = $16",
        )
        .bind(&s.time_zone)
        .bind(&s.languages)
        .bind(&s.street)
        .bind(&s.postcode)
        .bind(&s.city)
        .bind(&s.country)
        .bind(&s.phone)
        .bind(&s.email)
        .bind(&s.website)
        .bind(s.slot_minutes)
        .bind(s.horizon_days)
        .bind(s.lead_minutes)
        .bind(s.pacing_covers)
        .bind(s.approval_above)
        .bind(s.staff_read_special)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
