//! The sub-processor register (DPA § 9.2–9.3): additions announced with 14 days to object,
//! in effect for the restaurants that did not object; removals at once.

use super::text;
use crate::error::StoreError;
use crate::tenant::{Actor, Store};
use chrono::{DateTime, Duration, Utc};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Days between announcing a new sub-processor and its taking effect (DPA § 9.3).
pub const OBJECTION_DAYS: i64 = 14;

/// A sub-processor of the register.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SubProcessor {
    pub key: String,
    pub name: String,
    pub service: String,
    pub location: String,
    pub basis: String,
    pub optional: bool,
    pub added_at: DateTime<Utc>,
}

/// An announced change: `add` or `remove`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, sqlx::FromRow)]
pub struct Change {
    #[serde(default)]
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    pub name: String,
    pub service: String,
    pub location: String,
    pub basis: String,
    pub reason: String,
    #[serde(default)]
    pub announced_at: DateTime<Utc>,
    #[serde(default)]
    pub effective_at: DateTime<Utc>,
    #[serde(default)]
    pub applied_at: Option<DateTime<Utc>>,
}

/// An objection as the operator reads it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Objection {
    pub restaurant_id: Uuid,
    pub restaurant: String,
    pub reason: String,
    pub objected_by: String,
    pub at: DateTime<Utc>,
}

const CHANGE_COLS: &str =
    "id, kind, key, name, service, location, basis, reason, announced_at, effective_at, applied_at";
const SP_COLS: &str = "key, name, service, location, basis, optional, added_at";

impl Store {
    /// The register as it stands.
    pub async fn sub_processors(&self) -> Result<Vec<SubProcessor>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SP_COLS} FROM sub_processors ORDER BY name"
        ))
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// Announced changes, newest first.
    pub async fn sub_processor_changes(&self) -> Result<Vec<Change>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CHANGE_COLS} FROM sub_processor_changes ORDER BY announced_at DESC LIMIT 200"
        ))
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// Every restaurant's objections to a change.
    pub async fn objections_to(&self, change: Uuid) -> Result<Vec<Objection>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM sub_processor_objections_to($1)")
                .bind(change)
                .fetch_all(&self.pool()?)
                .await?,
        )
    }

    /// Announces an addition (effective after [`OBJECTION_DAYS`]) or a removal (effective at
    /// once, applied by [`Store::apply_sub_processor_changes`]). Fields are checked.
    pub async fn announce_sub_processor(
        &self,
        actor: &Actor,
        c: &Change,
    ) -> Result<Change, StoreError> {
        let kind = match c.kind.as_str() {
            k @ ("add" | "remove") => k,
            _ => return Err(StoreError::invalid("kind", validate::Invalid::Empty)),
        };
        let key = c.key.trim().to_lowercase();
        if key.len() < 2
            || key.len() > 40
            || !key
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            return Err(StoreError::invalid("key", validate::Invalid::TooShort(2)));
        }
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sub_processors WHERE key = $1)")
                .bind(&key)
                .fetch_one(&self.pool()?)
                .await?;
        let (name, service, location, basis) = if kind == "remove" {
            if !exists {
                return Err(StoreError::invalid("key", validate::Invalid::Empty));
            }
            let sp: SubProcessor = sqlx::query_as(&format!(
                "SELECT {SP_COLS} FROM sub_processors WHERE key = $1"
            ))
            .bind(&key)
            .fetch_one(&self.pool()?)
            .await?;
            (sp.name, sp.service, sp.location, sp.basis)
        } else {
            if exists {
                return Err(StoreError::Conflict {
                    code: "exists",
                    message: format!("{key} is in the register already"),
                });
            }
            (
                text("name", &c.name, 200)?,
                text("service", &c.service, 200)?,
                text("location", &c.location, 200)?,
                text("basis", &c.basis, 200)?,
            )
        };
        let reason = text("reason", &c.reason, 2000)?;
        let now = self.clock().now();
        let effective = if kind == "add" {
            now + Duration::days(OBJECTION_DAYS)
        } else {
            now
        };
        let id = Uuid::new_v4();
        let mut tx = self.platform(actor).await?;
        let change: Change = sqlx::query_as(&format!(
            "INSERT INTO sub_processor_changes (id, kind, key, name, service, location, basis, reason, announced_at, effective_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {CHANGE_COLS}"
        ))
        .bind(id)
        .bind(kind)
        .bind(&key)
        .bind(name)
        .bind(service)
        .bind(location)
        .bind(basis)
        .bind(reason)
        .bind(now)
        .bind(effective)
        .bind(actor.to_string())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.admin_log(actor, "sub_processor.announce", &format!("{kind} {key}"))
            .await?;
        Ok(change)
    }

    /// Applies the changes whose time has come; returns how many.
    pub async fn apply_sub_processor_changes(&self) -> Result<u64, StoreError> {
        let now = self.clock().now();
        let due: Vec<Change> = sqlx::query_as(&format!(
            "SELECT {CHANGE_COLS} FROM sub_processor_changes WHERE applied_at IS NULL AND effective_at <= $1 ORDER BY effective_at"
        ))
        .bind(now)
        .fetch_all(&self.pool()?)
        .await?;
        for c in &due {
            let mut tx = self.platform(&Actor::System).await?;
            if c.kind == "add" {
                sqlx::query(
                    "INSERT INTO sub_processors (key, name, service, location, basis, optional, added_by, added_at) \
                     VALUES ($1, $2, $3, $4, $5, true, $6, $7) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&c.key)
                .bind(&c.name)
                .bind(&c.service)
                .bind(&c.location)
                .bind(&c.basis)
                .bind(c.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query("DELETE FROM sub_processors WHERE key = $1")
                    .bind(&c.key)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE sub_processor_changes SET applied_at = $2 WHERE id = $1")
                .bind(c.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(due.len() as u64)
    }
}

impl crate::tenant::TenantTx {
    /// The sub-processors in effect for this restaurant: the register without the additions
    /// it objected to.
    pub async fn sub_processors_in_effect(&mut self) -> Result<Vec<SubProcessor>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SP_COLS} FROM sub_processors s WHERE s.added_by IS NULL OR NOT EXISTS \
               (SELECT 1 FROM sub_processor_objections o WHERE o.change_id = s.added_by) ORDER BY name"
        ))
        .fetch_all(self.conn())
        .await?)
    }

    /// Announced additions still open to objection, with this restaurant's objection if any.
    pub async fn pending_sub_processors(
        &mut self,
    ) -> Result<Vec<(Change, Option<String>)>, StoreError> {
        let now = self.now();
        let changes: Vec<Change> = sqlx::query_as(&format!(
            "SELECT {CHANGE_COLS} FROM sub_processor_changes WHERE kind = 'add' AND applied_at IS NULL \
             AND effective_at > $1 ORDER BY effective_at"
        ))
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::new();
        for c in changes {
            let mine: Option<String> = sqlx::query_scalar(
                "SELECT reason FROM sub_processor_objections WHERE change_id = $1",
            )
            .bind(c.id)
            .fetch_optional(self.conn())
            .await?;
            out.push((c, mine));
        }
        Ok(out)
    }

    /// Records this restaurant's objection to an announced addition, with its reason; only
    /// before it takes effect (else [`StoreError::Conflict`] `too_late`).
    pub async fn object_to(&mut self, change: Uuid, reason: &str) -> Result<(), StoreError> {
        let reason = text("reason", reason, 2000)?;
        let now = self.now();
        let open: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT effective_at FROM sub_processor_changes WHERE id = $1 AND kind = 'add' AND applied_at IS NULL",
        )
        .bind(change)
        .fetch_optional(self.conn())
        .await?;
        match open {
            None => return Err(StoreError::NotFound),
            Some(at) if at <= now => {
                return Err(StoreError::Conflict {
                    code: "too_late",
                    message: "the change has taken effect; objections were possible for 14 days"
                        .into(),
                })
            }
            Some(_) => {}
        }
        let rid = self.restaurant_id();
        let by = self.actor().to_string();
        sqlx::query(
            "INSERT INTO sub_processor_objections (restaurant_id, change_id, reason, objected_by, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (restaurant_id, change_id) DO UPDATE SET reason = EXCLUDED.reason, \
             objected_by = EXCLUDED.objected_by, at = EXCLUDED.at",
        )
        .bind(rid)
        .bind(change)
        .bind(reason)
        .bind(by)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
