//! A restaurant's setup for reservations: settings, service periods, special days, closures,
//! turn times, areas, tables and combinations. Every write validates and names the field.
//! The setup is read once per transaction ([`cache`]) and cleared by every setup write.

mod cache;
pub(crate) use cache::{setup_columns, setup_of};
mod floor;
mod hours;
pub(crate) mod model;
mod settings;

pub use floor::{Area, Combination, Table, TableChanges};
pub use hours::{
    validate_periods, validate_turn_times, Closure, ServicePeriod, SpecialDay, TurnBand,
};
pub use model::{ReservationSettings, Seating};

use crate::error::StoreError;
use crate::tenant::TenantTx;
use uuid::Uuid;

impl TenantTx {
    /// Deletes one row of a setup table by id (404 when there is none in this restaurant) and
    /// drops the cached rules.
    pub(super) async fn remove_setup_row(
        &mut self,
        table: &'static str,
        id: Uuid,
    ) -> Result<(), StoreError> {
        self.invalidate_setup();
        let r = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(self.conn())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
