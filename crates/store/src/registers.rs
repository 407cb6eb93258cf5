//! The processor's registers (DPA § 7.3, § 3.3, § 9.3, § 10.3), kept by the operator in the
//! platform admin area: first the incidents. Every admin action is written to `admin_log`.

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

fn text(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(field, validate::Invalid::Empty));
    }
    if v.chars().count() > max {
        return Err(StoreError::invalid(field, validate::Invalid::TooLong(max)));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(StoreError::invalid(
            field,
            validate::Invalid::ControlCharacters,
        ));
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

/// Kinds of data-subject and authority requests.
pub const REQUEST_KINDS: [&str; 8] = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "authority",
    "other",
];
/// Ways a request reaches the operator.
pub const REQUEST_CHANNELS: [&str; 4] = ["widget", "email", "phone", "letter"];

/// A request to record for a restaurant.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewRequest {
    pub restaurant: Uuid,
    pub kind: String,
    pub channel: String,
    /// Who asked and how to reach them.
    pub requester: String,
    /// What they asked.
    pub details: String,
    pub received_at: Option<DateTime<Utc>>,
}

/// A recorded request, opened.
#[derive(Clone, Debug, Serialize)]
pub struct PrivacyRequest {
    pub id: Uuid,
    pub restaurant_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub requester: String,
    pub details: String,
    pub received_at: DateTime<Utc>,
    /// One month after receipt (Art. 12(3) GDPR).
    pub due_at: DateTime<Utc>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub status: String,
    pub actions: String,
}

/// An instruction of the restaurant.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Instruction {
    pub id: Uuid,
    pub form: String,
    pub given_at: DateTime<Utc>,
    pub persons: String,
    pub body: String,
    pub recorded_by: String,
    pub carried_out: String,
    pub carried_out_at: Option<DateTime<Utc>>,
}

type RequestRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
    String,
);

impl crate::tenant::TenantTx {
    /// Records a request for this restaurant; who asked and what is sealed.
    pub async fn record_request(&mut self, n: &NewRequest) -> Result<Uuid, StoreError> {
        if !REQUEST_KINDS.contains(&n.kind.as_str()) {
            return Err(StoreError::invalid("kind", validate::Invalid::Empty));
        }
        if !REQUEST_CHANNELS.contains(&n.channel.as_str()) {
            return Err(StoreError::invalid("channel", validate::Invalid::Empty));
        }
        let requester = text("requester", &n.requester, 500)?;
        let details = text("details", &n.details, 5000)?;
        let now = self.now();
        let received = n.received_at.unwrap_or(now);
        if received > now {
            return Err(StoreError::invalid("received_at", validate::Invalid::Date));
        }
        let due = received
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(received + Duration::days(30));
        let id = Uuid::new_v4();
        let rid = self.restaurant_id();
        let key = self.data_key().await?;
        sqlx::query(
            "INSERT INTO privacy_requests (restaurant_id, id, kind, channel, requester_enc, details_enc, received_at, due_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(rid)
        .bind(id)
        .bind(&n.kind)
        .bind(&n.channel)
        .bind(key.seal(requester.as_bytes(), &format!("request-requester:{rid}:{id}")))
        .bind(key.seal(details.as_bytes(), &format!("request-details:{rid}:{id}")))
        .bind(received)
        .bind(due)
        .bind(self.actor().to_string())
        .execute(self.conn())
        .await?;
        Ok(id)
    }

    /// This restaurant's requests, open ones first by due date.
    pub async fn privacy_requests(&mut self) -> Result<Vec<PrivacyRequest>, StoreError> {
        let rows: Vec<RequestRow> = sqlx::query_as(
            "SELECT id, restaurant_id, kind, channel, requester_enc, details_enc, received_at, due_at, forwarded_at, status, actions \
             FROM privacy_requests ORDER BY status <> 'open', due_at LIMIT 500",
        )
        .fetch_all(self.conn())
        .await?;
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        rows.into_iter()
            .map(
                |(
                    id,
                    restaurant_id,
                    kind,
                    channel,
                    req,
                    det,
                    received_at,
                    due_at,
                    forwarded_at,
                    status,
                    actions,
                )| {
                    let open = |sealed: &str, what: &str| -> Result<String, StoreError> {
                        Ok(String::from_utf8_lossy(
                            &key.open(sealed, &format!("request-{what}:{rid}:{id}"))?,
                        )
                        .into_owned())
                    };
                    Ok(PrivacyRequest {
                        id,
                        restaurant_id,
                        kind,
                        channel,
                        requester: open(&req, "requester")?,
                        details: open(&det, "details")?,
                        received_at,
                        due_at,
                        forwarded_at,
                        status,
                        actions,
                    })
                },
            )
            .collect()
    }

    /// Notes that the owners were told of a request.
    pub async fn request_forwarded(&mut self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE privacy_requests SET forwarded_at = coalesce(forwarded_at, $2) WHERE id = $1",
        )
        .bind(id)
        .bind(self.now())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Closes a request as `done` or `rejected`, with the actions taken.
    pub async fn close_request(
        &mut self,
        id: Uuid,
        status: &str,
        actions: &str,
    ) -> Result<(), StoreError> {
        if !matches!(status, "done" | "rejected") {
            return Err(StoreError::invalid("status", validate::Invalid::Empty));
        }
        let actions = text("actions", actions, 5000)?;
        let n = sqlx::query(
            "UPDATE privacy_requests SET status = $2, actions = $3, closed_at = $4 WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(status)
        .bind(actions)
        .bind(self.now())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records an instruction: written (by the signed-in owner) or oral (recorded by the
    /// operator, with the persons involved).
    pub async fn record_instruction(
        &mut self,
        form: &str,
        given_at: Option<DateTime<Utc>>,
        persons: &str,
        body: &str,
    ) -> Result<Uuid, StoreError> {
        let body = text("body", body, 5000)?;
        let persons = match form {
            "written" => persons.trim().to_string(),
            "oral" => text("persons", persons, 500)?,
            _ => return Err(StoreError::invalid("form", validate::Invalid::Empty)),
        };
        let now = self.now();
        let given = given_at.unwrap_or(now);
        if given > now {
            return Err(StoreError::invalid("given_at", validate::Invalid::Date));
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO instructions (restaurant_id, id, form, given_at, persons, body, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(form)
        .bind(given)
        .bind(persons)
        .bind(body)
        .bind(self.actor().to_string())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(id)
    }

    /// Links an instruction to the action that carried it out.
    pub async fn instruction_carried_out(
        &mut self,
        id: Uuid,
        action: &str,
    ) -> Result<(), StoreError> {
        let action = text("carried_out", action, 1000)?;
        let n = sqlx::query(
            "UPDATE instructions SET carried_out = $2, carried_out_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(action)
        .bind(self.now())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// This restaurant's instructions, newest first.
    pub async fn instructions(&mut self) -> Result<Vec<Instruction>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, form, given_at, persons, body, recorded_by, carried_out, carried_out_at \
             FROM instructions ORDER BY given_at DESC LIMIT 500",
        )
        .fetch_all(self.conn())
        .await?)
    }
}
