//! The processor's registers (DPA § 7.3, § 3.3, § 9.3, § 10.3), kept by the operator in the
//! platform admin area: incidents, sub-processors, data-subject and authority requests, and
//! the restaurants' instructions. Every admin action is written to `admin_log`.

mod incidents;
mod requests;
mod sub_processors;

pub use incidents::{Incident, NewIncident, Notice, NOTICE_HOURS};
pub use requests::{Instruction, NewRequest, PrivacyRequest, REQUEST_CHANNELS, REQUEST_KINDS};
pub use sub_processors::{Change, Objection, SubProcessor, OBJECTION_DAYS};

use crate::error::StoreError;
use crate::tenant::{Actor, Store};
use chrono::{DateTime, Utc};
use hs_domain::validate;

/// Required free text of a register (may span lines), checked by `validate::multi_line`.
fn text(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    let v = validate::multi_line(value, max).map_err(|e| StoreError::invalid(field, e))?;
    if v.is_empty() {
        return Err(StoreError::invalid(field, validate::Invalid::Empty));
    }
    Ok(v.to_string())
}

impl Store {
    /// Writes a line of the admin log.
    pub async fn admin_log(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.platform(actor).await?;
        sqlx::query("INSERT INTO admin_log (at, actor, action, target) VALUES ($1, $2, $3, $4)")
            .bind(self.clock().now())
            .bind(actor.to_string())
            .bind(action)
            .bind(target)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The admin log, newest first.
    pub async fn admin_log_entries(
        &self,
        limit: i64,
    ) -> Result<Vec<(DateTime<Utc>, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT at, actor, action, target FROM admin_log ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool()?)
        .await?)
    }
}
