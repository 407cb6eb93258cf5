//! Data-subject and authority requests (DPA § 10.3, due one month after receipt) and the
//! restaurants' instructions (DPA § 3.3).

use super::text;
use crate::error::StoreError;
use chrono::{DateTime, Duration, Utc};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
