//! Offboarding (DPA § 11.2–11.3): the operator ends a restaurant's contract; its owners may
//! export everything for 30 days; then every row of the restaurant goes, table by table in
//! batches (short transactions, so other restaurants never wait on one long lock), its files
//! too, and the accounts of team members who belonged to no other restaurant. What remains
//! is the restaurant's row (id, name, dates) and its deletion protocol, ending in the
//! confirmation row `restaurant_deleted`.

use crate::error::StoreError;
use crate::tenant::{Actor, Store};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Days between the end of the contract and the deletion.
pub const DELETION_AFTER_DAYS: i64 = 30;
/// Rows deleted per transaction.
pub const BATCH: i64 = 2000;
/// After each batch the deletion pauses as long as the batch took (half the time working), so
/// the other restaurants' requests keep room on a small server (bench/privacy.sh: without a
/// pause their p99 rose 2.3 times while 100,000 reservations went). At most this long.
pub const BATCH_PAUSE_MAX: std::time::Duration = std::time::Duration::from_millis(500);

/// A restaurant whose contract has ended and whose data is not yet deleted.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Offboarding {
    pub id: Uuid,
    pub name: String,
    pub contract_ended_at: DateTime<Utc>,
    pub deletion_due_at: DateTime<Utc>,
    /// Mails already sent: `notice`, `reminder_7`, `reminder_1`, `done`.
    pub offboarding_notices: Vec<String>,
}

/// What the deletion removed: rows per table, and files.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Purged {
    pub tables: Vec<(String, u64)>,
    pub files: u64,
}

impl Purged {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Tables deleted as the restaurant's own, outside row-level security: (table, the column
/// naming the restaurant).
const PLATFORM_ROWS: &[&str] = &["jobs", "message_refs"];

impl Store {
    /// Ends a restaurant's contract at `at` (now when `None`); the deletion is due
    /// [`DELETION_AFTER_DAYS`] later. Ending it again moves both dates; a deleted restaurant
    /// is [`StoreError::Conflict`].
    pub async fn end_contract(
        &self,
        restaurant: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<Offboarding, StoreError> {
        let at = at.unwrap_or_else(|| self.clock().now());
        let mut tx = self.platform(&Actor::Cli).await?;
        let row: Option<Offboarding> = sqlx::query_as(
            "UPDATE restaurants SET contract_ended_at = $2, deletion_due_at = $3 \
             WHERE id = $1 AND deleted_at IS NULL \
             RETURNING id, name, contract_ended_at, deletion_due_at, offboarding_notices",
        )
        .bind(restaurant)
        .bind(at)
        .bind(at + Duration::days(DELETION_AFTER_DAYS))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.ok_or(StoreError::Conflict {
            code: "not_found_or_deleted",
            message: format!("no restaurant {restaurant} with data to offboard"),
        })
    }

    /// When a restaurant's contract ended, if it has.
    pub async fn contract_ended(
        &self,
        restaurant: Uuid,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
            "SELECT contract_ended_at FROM restaurants WHERE id = $1",
        )
        .bind(restaurant)
        .fetch_optional(&self.pool()?)
        .await?
        .flatten())
    }

    /// Restaurants whose contract has ended by `now` and whose data is not deleted yet.
    pub async fn offboardings(&self, now: DateTime<Utc>) -> Result<Vec<Offboarding>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, contract_ended_at, deletion_due_at, offboarding_notices FROM restaurants \
             WHERE contract_ended_at <= $1 AND deletion_due_at IS NOT NULL AND deleted_at IS NULL ORDER BY deletion_due_at",
        )
        .bind(now)
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// Notes that a mail of the offboarding went out.
    pub async fn offboarding_notice_sent(
        &self,
        restaurant: Uuid,
        notice: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.platform(&Actor::System).await?;
        sqlx::query(
            "UPDATE restaurants SET offboarding_notices = array_append(offboarding_notices, $2) \
             WHERE id = $1 AND NOT ($2 = ANY (offboarding_notices))",
        )
        .bind(restaurant)
        .bind(notice)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owners of a restaurant: (email, name, language).
    pub async fn owners(
        &self,
        restaurant: Uuid,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut tx = self.tenant(restaurant, &Actor::System).await?;
        Ok(sqlx::query_as(
            "SELECT u.email, u.name, u.language FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.role = 'owner' ORDER BY u.email",
        )
        .fetch_all(tx.conn())
        .await?)
    }

    /// Deletes every row of a restaurant whose deletion is due, in batches of [`BATCH`] rows
    /// per transaction, then its files, then its audit log; writes the confirmation
    /// (`restaurant_deleted`) to its protocol and marks the restaurant deleted. Tables are
    /// tried in rounds: a batch that a foreign key still holds back is undone and tried again
    /// after the rows that point at it are gone.
    pub async fn purge_restaurant(&self, restaurant: Uuid) -> Result<Purged, StoreError> {
        let due: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
            "SELECT deletion_due_at FROM restaurants WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(restaurant)
        .fetch_optional(&self.pool()?)
        .await?;
        match due {
            Some(Some(at)) if at <= self.clock().now() => {}
            _ => {
                return Err(StoreError::Conflict {
                    code: "not_due",
                    message: "the restaurant's deletion is not due".into(),
                })
            }
        }
        let mut tx = self.tenant(restaurant, &Actor::System).await?;
        // The team's accounts go too when this was their only restaurant (read before the
        // memberships go).
        let members: Vec<Uuid> = sqlx::query_scalar("SELECT user_id FROM memberships")
            .fetch_all(tx.conn())
            .await?;
        let mut left: Vec<String> = tx
            .tenant_tables()
            .await?
            .into_iter()
            .filter(|t| t != "deletion_protocol" && t != "audit_log")
            .collect();
        tx.commit().await?;
        let mut purged = Purged::default();
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        while !left.is_empty() {
            let mut held = Vec::new();
            let before = left.len();
            for table in left {
                match self.delete_batches(restaurant, &table).await? {
                    Some(n) => *counts.entry(table).or_default() += n,
                    None => held.push(table),
                }
            }
            if held.len() == before {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "rows of {held:?} are held by foreign keys outside the restaurant"
                )));
            }
            left = held;
        }
        for table in PLATFORM_ROWS {
            let mut tx = self.platform(&Actor::System).await?;
            let n = sqlx::query(&format!(
                "DELETE FROM {table} WHERE restaurant_id = $1{}",
                if *table == "jobs" {
                    " AND state <> 'running'"
                } else {
                    ""
                }
            ))
            .bind(restaurant)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            counts.insert((*table).to_string(), n);
        }
        for prefix in [
            format!("conversations/{restaurant}"),
            format!("exports/{restaurant}"),
        ] {
            for key in self.files().keys(&prefix).await? {
                self.files().delete(&key).await?;
                purged.files += 1;
            }
        }
        let mut accounts = 0;
        for user in members {
            if self.restaurants_of(user).await?.is_empty() {
                let mut tx = self.platform(&Actor::System).await?;
                accounts +=
                    sqlx::query("DELETE FROM users WHERE id = $1 AND NOT is_platform_admin")
                        .bind(user)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                tx.commit().await?;
            }
        }
        counts.insert("users".into(), accounts);
        purged.tables = counts.into_iter().collect();
        let mut tx = self.tenant(restaurant, &Actor::System).await?;
        let now = tx.now();
        tx.protocol(&super::Protocol {
            category: "restaurant_deleted",
            rows: purged.rows(),
            cutoff: now,
            ran_at: now,
            reason: "offboarding",
            subject_hash: None,
            actor: "system",
        })
        .await?;
        let audit: i64 = sqlx::query_scalar("SELECT purge_restaurant_audit()")
            .fetch_one(tx.conn())
            .await?;
        purged.tables.push(("audit_log".into(), audit as u64));
        sqlx::query("UPDATE restaurants SET deleted_at = $2 WHERE id = $1")
            .bind(restaurant)
            .bind(now)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// Deletes a table's rows of the restaurant batch by batch; None when a foreign key holds
    /// them back for now.
    async fn delete_batches(
        &self,
        restaurant: Uuid,
        table: &str,
    ) -> Result<Option<u64>, StoreError> {
        let mut total = 0;
        loop {
            let started = std::time::Instant::now();
            let mut tx = self.tenant(restaurant, &Actor::System).await?;
            let sql = format!(
                "DELETE FROM \"{0}\" WHERE ctid = ANY (ARRAY(SELECT ctid FROM \"{0}\" LIMIT {BATCH}))",
                table.replace('"', "")
            );
            match sqlx::query(&sql).execute(tx.conn()).await {
                Ok(r) => {
                    tx.commit().await?;
                    total += r.rows_affected();
                    if r.rows_affected() < BATCH as u64 {
                        return Ok(Some(total));
                    }
                    tokio::time::sleep(started.elapsed().min(BATCH_PAUSE_MAX)).await;
                }
                Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23503") => {
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
