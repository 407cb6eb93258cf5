//! The guest-message outbox (migration 0010): a reservation change writes its messages and
//! enqueues their sending in its own transaction (so a rolled-back change tells nobody and a
//! committed one is never forgotten); the reminder is planned as a queue job; the send job
//! reads a message, stores what it rendered, and records the provider's answer; delivery
//! webhooks move the status on. Also the restaurant's message settings and the guest's
//! self-service links (128-bit tokens derived from the restaurant's data key and the message
//! id, stored hashed).

use crate::error::StoreError;
use crate::queue::NewJob;
use crate::secret::token_hash;
use crate::tenant::{Actor, Store, TenantTx};
use base64::Engine;
use chrono::{DateTime, NaiveTime, Utc};
use hs_domain::message::{self, Delivery, Kind};
use hs_domain::reservation::Status;
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use std::collections::BTreeMap;
use uuid::Uuid;

mod links;
mod reads;
mod settings;
mod to_guest;

pub use settings::{MessageSettings, Paragraph, PARAGRAPH_MAX};

/// Sends one message (the payload of the `send_message` job).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendMessage {
    pub message_id: Uuid,
    /// Which try this is, from 1 (retries are new jobs, so a provider's `Retry-After` is kept).
    #[serde(default = "one")]
    pub attempt: i32,
}

fn one() -> i32 {
    1
}

impl SendMessage {
    pub const KIND: &'static str = "send_message";
    /// Tries before a message that keeps meeting temporary errors ends `failed`.
    pub const MAX_TRIES: i32 = 6;

    /// The job row, due at `run_at`.
    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: Some(format!("{}:{}", self.message_id, self.attempt)),
            run_at,
            // A crash mid-send is claimed again; the provider's idempotency keeps it single.
            max_attempts: 3,
        }
    }
}

/// The reminder of one reservation at one start time (the payload of the `reminder` job). It
/// checks when it runs that the reservation still starts then and is still confirmed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reminder {
    pub reservation_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub sequence: i32,
}

impl Reminder {
    pub const KIND: &'static str = "reminder";

    /// The job row, due at `run_at`.
    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: Some(format!(
                "{}:{}:{}",
                self.reservation_id,
                self.starts_at.timestamp(),
                self.sequence
            )),
            run_at,
            max_attempts: 5,
        }
    }
}

/// A message as the send job reads it.
#[derive(Clone, Debug, FromRow)]
pub struct Outgoing {
    pub id: Uuid,
    pub reservation_id: Option<Uuid>,
    pub guest_id: Option<Uuid>,
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub to_address: Option<String>,
    /// The facts at the time of the change: code, date, time, party size, sequence, name.
    pub params: serde_json::Value,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// A message as the team sees it in a reservation's or guest's history.
#[derive(Clone, Debug, FromRow, Serialize, PartialEq)]
pub struct MessageInfo {
    pub id: Uuid,
    pub reservation_id: Option<Uuid>,
    pub guest_id: Option<Uuid>,
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub to_address: Option<String>,
    pub status: String,
    /// Why it failed or was skipped, as the provider said it.
    pub reason: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

const INFO_COLS: &str =
    "id, reservation_id, guest_id, channel, kind, language, to_address, status, reason, \
     attempts, created_at, sent_at, delivered_at, read_at, failed_at";

/// A delivery report from a provider's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub to: Delivery,
    /// The provider's words, for failures and bounces.
    pub reason: Option<String>,
    /// A permanent bounce: the address is not deliverable.
    pub hard_bounce: bool,
    pub at: DateTime<Utc>,
}

#[derive(FromRow)]
struct Facts {
    code: String,
    status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    party_size: i32,
    sequence: i32,
    guest_id: Option<Uuid>,
    name: Option<String>,
    email: Option<String>,
    email_undeliverable_at: Option<DateTime<Utc>>,
    language: Option<String>,
    phone: Option<String>,
    /// Consented to WhatsApp and not withdrawn.
    whatsapp_ok: Option<bool>,
    whatsapp_last_inbound_at: Option<DateTime<Utc>>,
    whatsapp_route: bool,
}

impl TenantTx {
    /// Writes the guest's messages about reservation `id` after a change of `kind` and
    /// enqueues their sending; plans the reminder after a confirmation, approval or move.
    /// Nothing when this transaction tells no guest, or the visit has begun.
    pub(crate) async fn tell_guest(&mut self, id: Uuid, kind: Kind) -> Result<(), StoreError> {
        self.write_messages(id, kind, kind.raises_sequence(), false)
            .await
    }

    /// The confirmation of a walk-in the team asked for (the visit has begun, so
    /// [`Self::tell_guest`] would stay silent).
    pub(crate) async fn confirm_walk_in(&mut self, id: Uuid) -> Result<(), StoreError> {
        self.write_messages(id, Kind::Confirmation, false, true)
            .await
    }

    async fn write_messages(
        &mut self,
        id: Uuid,
        kind: Kind,
        raise: bool,
        begun_too: bool,
    ) -> Result<(), StoreError> {
        if !self.tell_guests {
            return Ok(());
        }
        let now = self.now();
        let facts: Facts = sqlx::query_as(
            "WITH r AS (UPDATE reservations SET sequence = sequence + $2 WHERE id = $1 \
               RETURNING code, status, starts_at, ends_at, party_size, sequence, guest_id) \
             SELECT r.*, g.name, g.email, g.email_undeliverable_at, g.language, g.phone, \
                    g.whatsapp_opt_in_at IS NOT NULL AND g.whatsapp_opt_out_at IS NULL AS whatsapp_ok, \
                    g.whatsapp_last_inbound_at, EXISTS (SELECT 1 FROM whatsapp_settings) AS whatsapp_route \
             FROM r LEFT JOIN guests g ON g.id = r.guest_id",
        )
        .bind(id)
        .bind(i32::from(raise))
        .fetch_one(self.conn())
        .await?;
        if facts.starts_at <= now && !begun_too {
            return Ok(());
        }
        let tz = self.rules().await?.tz;
        let local = facts.starts_at.with_timezone(&tz);
        let params = serde_json::json!({
            "code": facts.code,
            "date": local.date_naive(),
            "time": local.format("%H:%M").to_string(),
            "party_size": facts.party_size,
            "starts_at": facts.starts_at,
            "ends_at": facts.ends_at,
            "sequence": facts.sequence,
            "name": facts.name,
            "by_guest": matches!(self.actor(), Actor::Guest),
        });
        if let Some(email) = facts.email.as_deref() {
            let skip = if facts.email_undeliverable_at.is_some() {
                Some("the address bounced earlier; correct it in the guest book")
            } else if validate::email(email).is_err() {
                Some("the address is not a valid email address")
            } else {
                None
            };
            let message_id = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO messages (restaurant_id, id, reservation_id, guest_id, recipient, channel, kind, language, \
                 to_address, params, status, reason, created_at, updated_at, failed_at) \
                 VALUES ($1, $2, $3, $4, 'guest', 'email', $5, $6, $7, $8, $9, $10, $11, $11, NULL)",
            )
            .bind(self.restaurant_id())
            .bind(message_id)
            .bind(id)
            .bind(facts.guest_id)
            .bind(kind.as_str())
            .bind(facts.language.as_deref().unwrap_or("de"))
            .bind(email)
            .bind(&params)
            .bind(if skip.is_some() { "skipped" } else { "queued" })
            .bind(skip)
            .bind(now)
            .execute(self.conn())
            .await?;
            if skip.is_none() {
                let job = SendMessage {
                    message_id,
                    attempt: 1,
                };
                self.enqueue(&job.job(now)).await?;
            }
        }
        // WhatsApp: only with the guest's consent and the restaurant's route; templates for
        // what Meta lets a business start a conversation with, free text only inside the
        // 24-hour window after the guest's last message.
        if let (Some(phone), Some(true), true) = (
            facts.phone.as_deref(),
            facts.whatsapp_ok,
            facts.whatsapp_route,
        ) {
            let template = message::whatsapp_template(kind);
            let in_window = facts
                .whatsapp_last_inbound_at
                .is_some_and(|t| now - t < chrono::Duration::hours(24));
            if template.is_some() || in_window {
                let mut params = params.clone();
                params["template"] = serde_json::json!(template);
                let message_id = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO messages (restaurant_id, id, reservation_id, guest_id, recipient, channel, kind, language, \
                     to_address, params, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'guest', 'whatsapp', $5, $6, $7, $8, $9, $9)",
                )
                .bind(self.restaurant_id())
                .bind(message_id)
                .bind(id)
                .bind(facts.guest_id)
                .bind(kind.as_str())
                .bind(facts.language.as_deref().unwrap_or("de"))
                .bind(phone)
                .bind(&params)
                .bind(now)
                .execute(self.conn())
                .await?;
                let job = SendMessage {
                    message_id,
                    attempt: 1,
                };
                self.enqueue(&job.job(now)).await?;
            }
        }
        let plans_reminder = matches!(kind, Kind::Confirmation | Kind::Approved | Kind::Changed);
        if plans_reminder && Status::parse(&facts.status) == Some(Status::Confirmed) {
            let hours = self.message_settings().await?.reminder_hours;
            if let Some(due) = message::reminder_due(facts.starts_at, hours, now) {
                let job = Reminder {
                    reservation_id: id,
                    starts_at: facts.starts_at,
                    sequence: facts.sequence,
                };
                self.enqueue(&job.job(due)).await?;
            }
        }
        Ok(())
    }

    /// Whether reservation `id` still starts at `starts_at`, is confirmed and has had no
    /// reminder for that start yet: then the reminder is written, as [`Self::tell_guest`] does.
    pub async fn send_reminder(
        &mut self,
        id: Uuid,
        starts_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let due: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM reservations WHERE id = $1 AND starts_at = $2 AND status = 'confirmed') \
             AND NOT EXISTS (SELECT 1 FROM messages WHERE reservation_id = $1 AND kind = 'reminder' \
                             AND (params->>'starts_at')::timestamptz = $2)",
        )
        .bind(id)
        .bind(starts_at)
        .fetch_one(self.conn())
        .await?;
        if due {
            self.tell_guest(id, Kind::Reminder).await?;
        }
        Ok(due)
    }

    /// Writes a test message to a member's address and enqueues its sending (the settings
    /// page's "send a test message"); it goes through the restaurant's real transport.
    pub async fn queue_test_message(
        &mut self,
        user_id: Uuid,
        to: &str,
        language: &str,
    ) -> Result<Uuid, StoreError> {
        let now = self.now();
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO messages (restaurant_id, id, user_id, recipient, channel, kind, language, to_address, \
             created_at, updated_at) VALUES ($1, $2, $3, 'team', 'email', 'test', $4, $5, $6, $6)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(user_id)
        .bind(if language == "en" { "en" } else { "de" })
        .bind(to)
        .bind(now)
        .execute(self.conn())
        .await?;
        let job = SendMessage {
            message_id: id,
            attempt: 1,
        };
        self.enqueue(&job.job(now)).await?;
        Ok(id)
    }

    /// The calendar sequence of a reservation (raised with every change the guest was told of).
    pub async fn reservation_sequence(&mut self, id: Uuid) -> Result<i32, StoreError> {
        sqlx::query_scalar("SELECT sequence FROM reservations WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A message for its send job, locked for this transaction.
    pub async fn outgoing(&mut self, id: Uuid) -> Result<Option<Outgoing>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, reservation_id, guest_id, channel, kind, language, to_address, params, subject, body_text, \
             body_html, status, attempts, created_at FROM messages WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Keeps what the send job rendered, so a retry sends the same text.
    pub async fn store_rendered(
        &mut self,
        id: Uuid,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        sqlx::query(
            "UPDATE messages SET subject = $2, body_text = $3, body_html = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(subject)
        .bind(text)
        .bind(html)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records that the provider took the message (with its id, for delivery reports).
    pub async fn message_sent(
        &mut self,
        id: Uuid,
        provider: &str,
        provider_message_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let channel: Option<String> = sqlx::query_scalar(
            "UPDATE messages SET status = 'sent', provider = $2, provider_message_id = $3, sent_at = $4, \
             attempts = attempts + 1, reason = NULL, updated_at = $4 WHERE id = $1 AND status = 'queued' RETURNING channel",
        )
        .bind(id)
        .bind(provider)
        .bind(provider_message_id)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        if let Some(channel) = channel {
            self.count(
                crate::counters::MESSAGES,
                &[("channel", &channel), ("status", "sent")],
            );
        }
        if let Some(pid) = provider_message_id {
            sqlx::query(
                "INSERT INTO message_refs (provider, provider_message_id, restaurant_id, message_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(provider)
            .bind(pid)
            .bind(self.restaurant_id())
            .bind(id)
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Ends a message `failed` (the provider refused it for good) or `skipped` (never sent),
    /// with the reason shown to the team.
    pub async fn message_ended(
        &mut self,
        id: Uuid,
        status: Delivery,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let reason: String = reason.chars().take(1000).collect();
        let channel: Option<String> = sqlx::query_scalar(
            "UPDATE messages SET status = $2, reason = $3, attempts = attempts + 1, failed_at = $4, updated_at = $4 \
             WHERE id = $1 RETURNING channel",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        if let (Some(channel), Delivery::Failed) = (channel, status) {
            self.count(
                crate::counters::MESSAGES,
                &[("channel", &channel), ("status", "failed")],
            );
        }
        Ok(())
    }

    /// Counts a temporary failure and plans the next try at `run_at`; after
    /// [`SendMessage::MAX_TRIES`] the message ends `failed`. Returns whether it will be tried again.
    pub async fn message_retry(
        &mut self,
        job: &SendMessage,
        reason: &str,
        run_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if job.attempt >= SendMessage::MAX_TRIES {
            self.message_ended(job.message_id, Delivery::Failed, reason)
                .await?;
            return Ok(false);
        }
        let now = self.now();
        let reason: String = reason.chars().take(1000).collect();
        sqlx::query(
            "UPDATE messages SET attempts = attempts + 1, reason = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(job.message_id)
        .bind(reason)
        .bind(now)
        .execute(self.conn())
        .await?;
        let next = SendMessage {
            message_id: job.message_id,
            attempt: job.attempt + 1,
        };
        self.enqueue(&next.job(run_at)).await?;
        Ok(true)
    }

    /// Applies a provider's delivery report to message `id` when it moves the message on; a
    /// hard bounce marks the guest's address as not deliverable. Returns whether it changed.
    pub async fn message_report(&mut self, id: Uuid, report: &Report) -> Result<bool, StoreError> {
        let row: Option<(String, Option<Uuid>, Option<String>, String)> = sqlx::query_as(
            "SELECT status, guest_id, to_address, channel FROM messages WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let Some((status, guest, address, channel)) = row else {
            return Ok(false);
        };
        let current = Delivery::parse(&status).unwrap_or(Delivery::Queued);
        if !current.advances_to(report.to) {
            return Ok(false);
        }
        let column = match report.to {
            Delivery::Delivered => "delivered_at",
            Delivery::Read => "read_at",
            Delivery::Sent => "sent_at",
            _ => "failed_at",
        };
        let reason: Option<String> = report
            .reason
            .as_ref()
            .map(|r| r.chars().take(1000).collect());
        sqlx::query(&format!(
            "UPDATE messages SET status = $2, {column} = coalesce({column}, $3), reason = coalesce($4, reason), \
             updated_at = $3 WHERE id = $1"
        ))
        .bind(id)
        .bind(report.to.as_str())
        .bind(report.at)
        .bind(reason)
        .execute(self.conn())
        .await?;
        if matches!(report.to, Delivery::Failed | Delivery::Bounced) {
            self.count(
                crate::counters::MESSAGES,
                &[("channel", &channel), ("status", report.to.as_str())],
            );
        }
        if report.hard_bounce {
            if let (Some(g), Some(a)) = (guest, address) {
                sqlx::query(
                    "UPDATE guests SET email_undeliverable_at = $3, updated_at = $3 WHERE id = $1 AND email = $2",
                )
                .bind(g)
                .bind(a)
                .bind(report.at)
                .execute(self.conn())
                .await?;
            }
        }
        Ok(true)
    }

    /// Sends a message again: a new message of the same kind about the same reservation, with
    /// the facts as they are now. Fails with 409 when the visit has begun.
    pub async fn send_again(&mut self, id: Uuid) -> Result<(), StoreError> {
        let row: Option<(Option<Uuid>, String)> =
            sqlx::query_as("SELECT reservation_id, kind FROM messages WHERE id = $1")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        let (Some(reservation), kind) = row.ok_or(StoreError::NotFound)? else {
            return Err(StoreError::Conflict {
                code: "no_reservation",
                message: "the reservation of this message no longer exists".into(),
            });
        };
        let kind = Kind::parse(&kind).unwrap_or(Kind::Confirmation);
        let begun: bool =
            sqlx::query_scalar("SELECT starts_at <= $2 FROM reservations WHERE id = $1")
                .bind(reservation)
                .bind(self.now())
                .fetch_one(self.conn())
                .await?;
        if begun {
            return Err(StoreError::Conflict {
                code: "visit_begun",
                message: "the visit has begun; messages about it are no longer sent".into(),
            });
        }
        // Sending again is not a change: the calendar keeps its sequence.
        self.write_messages(reservation, kind, false, false).await
    }
}

impl TenantTx {
    /// Records a webhook delivery by the provider's event id in this transaction; `false` when
    /// it was processed before (a replay). Recorded with the work it causes, so a delivery whose
    /// processing failed is processed when the provider sends it again.
    pub async fn first_webhook_event(
        &mut self,
        provider: &str,
        event_id: &str,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let done = sqlx::query(
            "INSERT INTO webhook_events (provider, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(provider)
        .bind(event_id)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// The restaurant and message a provider's message id belongs to.
    pub async fn message_by_provider_id(
        &self,
        provider: &str,
        provider_message_id: &str,
    ) -> Result<Option<(Uuid, Uuid)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT restaurant_id, message_id FROM message_refs WHERE provider = $1 AND provider_message_id = $2",
        )
        .bind(provider)
        .bind(provider_message_id)
        .fetch_optional(&self.pool()?)
        .await?)
    }
}
