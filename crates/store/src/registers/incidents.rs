//! Incidents (DPA § 7.3): a breach notified to each affected restaurant within 24 hours of
//! the operator learning of it.

use super::text;
use crate::error::StoreError;
use crate::tenant::{Actor, Store};
use chrono::{DateTime, Duration, Utc};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Hours from learning of a breach to the notice every affected restaurant must have (§ 7.3).
pub const NOTICE_HOURS: i64 = 24;

/// An incident as the operator records it: the contents § 7.3 requires of the notice.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewIncident {
    pub learned_at: Option<DateTime<Utc>>,
    /// The contact point for questions.
    pub contact: String,
    pub description: String,
    /// Categories of data concerned.
    pub data_categories: String,
    /// Approximate number of persons concerned.
    pub subjects_approx: i32,
    /// Approximate number of records concerned.
    pub records_approx: i32,
    pub consequences: String,
    pub measures_taken: String,
    pub measures_planned: String,
    pub restaurants: Vec<Uuid>,
}

/// A recorded incident.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Incident {
    pub id: Uuid,
    pub learned_at: DateTime<Utc>,
    pub contact: String,
    pub description: String,
    pub data_categories: String,
    pub subjects_approx: i32,
    pub records_approx: i32,
    pub consequences: String,
    pub measures_taken: String,
    pub measures_planned: String,
    pub restaurant_ids: Vec<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Incident {
    /// When every affected restaurant must have been told.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.learned_at + Duration::hours(NOTICE_HOURS)
    }
}

/// A restaurant's view of an incident that concerns it.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub incident: Incident,
    pub notified_at: Option<DateTime<Utc>>,
}

const INCIDENT_COLS: &str = "id, learned_at, contact, description, data_categories, subjects_approx, records_approx, \
     consequences, measures_taken, measures_planned, restaurant_ids, created_by, created_at, closed_at";

impl Store {
    /// Records an incident and, in each affected restaurant, the notice it is owed. Fields are
    /// checked (422 naming the field); the restaurants must exist.
    pub async fn open_incident(&self, actor: &Actor, n: &NewIncident) -> Result<Uuid, StoreError> {
        let contact = text("contact", &n.contact, 500)?;
        let description = text("description", &n.description, 5000)?;
        let categories = text("data_categories", &n.data_categories, 2000)?;
        let consequences = text("consequences", &n.consequences, 5000)?;
        let taken = text("measures_taken", &n.measures_taken, 5000)?;
        let planned = text("measures_planned", &n.measures_planned, 5000)?;
        for (field, v) in [
            ("subjects_approx", n.subjects_approx),
            ("records_approx", n.records_approx),
        ] {
            if v < 0 {
                return Err(StoreError::invalid(
                    field,
                    validate::Invalid::OutOfRange(0, i64::from(i32::MAX)),
                ));
            }
        }
        let now = self.clock().now();
        let learned = n.learned_at.unwrap_or(now);
        if learned > now {
            return Err(StoreError::invalid("learned_at", validate::Invalid::Date));
        }
        let mut restaurants = n.restaurants.clone();
        restaurants.sort();
        restaurants.dedup();
        if restaurants.is_empty() {
            return Err(StoreError::invalid("restaurants", validate::Invalid::Empty));
        }
        let known: i64 = sqlx::query_scalar("SELECT count(*) FROM restaurants WHERE id = ANY ($1)")
            .bind(&restaurants)
            .fetch_one(&self.pool()?)
            .await?;
        if known != restaurants.len() as i64 {
            return Err(StoreError::invalid("restaurants", validate::Invalid::Empty));
        }
        let id = Uuid::new_v4();
        let mut tx = self.platform(actor).await?;
        sqlx::query(
            "INSERT INTO incidents (id, learned_at, contact, description, data_categories, subjects_approx, records_approx, \
             consequences, measures_taken, measures_planned, restaurant_ids, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id)
        .bind(learned)
        .bind(contact)
        .bind(description)
        .bind(categories)
        .bind(n.subjects_approx)
        .bind(n.records_approx)
        .bind(consequences)
        .bind(taken)
        .bind(planned)
        .bind(&restaurants)
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        for r in &restaurants {
            let mut tx = self.tenant(*r, actor).await?;
            sqlx::query(
                "INSERT INTO incident_notices (restaurant_id, incident_id) VALUES ($1, $2)",
            )
            .bind(r)
            .bind(id)
            .execute(tx.conn())
            .await?;
            tx.commit().await?;
        }
        self.admin_log(actor, "incident.open", &id.to_string())
            .await?;
        Ok(id)
    }

    /// Incidents, open first, then newest.
    pub async fn incidents(&self) -> Result<Vec<Incident>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents ORDER BY closed_at IS NOT NULL, learned_at DESC LIMIT 200"
        ))
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// One incident, with when each affected restaurant was told (restaurant id, name,
    /// notified at).
    pub async fn incident(
        &self,
        id: Uuid,
    ) -> Result<(Incident, Vec<(Uuid, String, Option<DateTime<Utc>>)>), StoreError> {
        let incident: Incident = sqlx::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool()?)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut told = Vec::new();
        for r in &incident.restaurant_ids {
            let mut tx = self.tenant(*r, &Actor::System).await?;
            let name = tx.restaurant().await?.name;
            let at: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
                "SELECT notified_at FROM incident_notices WHERE incident_id = $1",
            )
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
            told.push((*r, name, at.flatten()));
        }
        Ok((incident, told))
    }

    /// Notes that a restaurant's owners were told of an incident.
    pub async fn incident_notified(&self, id: Uuid, restaurant: Uuid) -> Result<(), StoreError> {
        let mut tx = self.tenant(restaurant, &Actor::System).await?;
        sqlx::query(
            "UPDATE incident_notices SET notified_at = coalesce(notified_at, $2) WHERE incident_id = $1",
        )
        .bind(id)
        .bind(self.clock().now())
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Closes an incident (every restaurant told, the measures done).
    pub async fn close_incident(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.platform(actor).await?;
        let n =
            sqlx::query("UPDATE incidents SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL")
                .bind(id)
                .bind(self.clock().now())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.admin_log(actor, "incident.close", &id.to_string())
            .await
    }

    /// Open incidents with a restaurant not yet told: (id, seconds to the deadline, negative
    /// once passed), for the admin start page and `/metrics`.
    pub async fn incident_deadlines(&self) -> Result<Vec<(Uuid, i64)>, StoreError> {
        let now = self.clock().now();
        let open: Vec<Incident> = sqlx::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE closed_at IS NULL ORDER BY learned_at"
        ))
        .fetch_all(&self.pool()?)
        .await?;
        let mut out = Vec::new();
        for i in open {
            let (_, told) = self.incident(i.id).await?;
            if told.iter().any(|(_, _, at)| at.is_none()) {
                out.push((i.id, (i.deadline() - now).num_seconds()));
            }
        }
        Ok(out)
    }
}

impl crate::tenant::TenantTx {
    /// The operator's incidents that concern this restaurant, newest first.
    pub async fn incident_notices(&mut self) -> Result<Vec<Notice>, StoreError> {
        let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT incident_id, notified_at FROM incident_notices ORDER BY incident_id",
        )
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::new();
        for (id, notified_at) in rows {
            let mut incident: Incident = sqlx::query_as(&format!(
                "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"
            ))
            .bind(id)
            .fetch_one(self.conn())
            .await?;
            // Which other restaurants it affects is not this one's to know.
            incident.restaurant_ids = vec![self.restaurant_id()];
            out.push(Notice {
                incident,
                notified_at,
            });
        }
        out.sort_by_key(|n| std::cmp::Reverse(n.incident.learned_at));
        Ok(out)
    }
}
