//! Messages to a guest that belong to no reservation: a chat's transcript on the guest's
//! request, and the chat agent's (or the team's) free-text answer on WhatsApp.

use super::SendMessage;
use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::validate;
use uuid::Uuid;

impl TenantTx {
    /// Writes the transcript of a conversation to the guest's address, on their request, and
    /// enqueues its sending. `lines` are (who: "guest" | "agent" | "team", text, when); at
    /// most 500 lines of at most 4,000 characters are kept. Purged with the other message
    /// texts after 30 days; the conversation's id stays (see [`Self::transcripts_of`]).
    pub async fn queue_transcript(
        &mut self,
        conversation: Option<Uuid>,
        guest_id: Option<Uuid>,
        to: &str,
        language: &str,
        lines: &[(String, String, DateTime<Utc>)],
    ) -> Result<Uuid, StoreError> {
        let to = validate::email(to).map_err(|e| StoreError::invalid("email", e))?;
        if lines.is_empty() {
            return Err(StoreError::field(
                "lines",
                "empty",
                "a transcript needs at least one line",
            ));
        }
        let lines: Vec<serde_json::Value> = lines
            .iter()
            .take(500)
            .map(|(who, text, at)| {
                let who = if matches!(who.as_str(), "guest" | "agent" | "team") { who.as_str() } else { "agent" };
                serde_json::json!({"who": who, "text": text.chars().take(4000).collect::<String>(), "at": at})
            })
            .collect();
        self.queue_to_guest(
            guest_id,
            "email",
            "transcript",
            &to,
            language,
            serde_json::json!({"lines": lines, "conversation": conversation}),
        )
        .await
    }

    /// How many transcripts of a conversation were asked for.
    pub async fn transcripts_of(&mut self, conversation: Uuid) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE kind = 'transcript' AND params->>'conversation' = $1",
        )
        .bind(conversation.to_string())
        .fetch_one(self.conn())
        .await?)
    }

    /// Writes a message to a guest that belongs to no reservation and enqueues its sending.
    async fn queue_to_guest(
        &mut self,
        guest_id: Option<Uuid>,
        channel: &str,
        kind: &str,
        to: &str,
        language: &str,
        params: serde_json::Value,
    ) -> Result<Uuid, StoreError> {
        let now = self.now();
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO messages (restaurant_id, id, guest_id, recipient, channel, kind, language, to_address, \
             params, created_at, updated_at) VALUES ($1, $2, $3, 'guest', $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(guest_id)
        .bind(channel)
        .bind(kind)
        .bind(if language == "en" { "en" } else { "de" })
        .bind(to)
        .bind(params)
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

    /// Writes the chat agent's answer to a guest's WhatsApp message (free text, inside the
    /// 24-hour window the guest's message opened) and enqueues its sending.
    pub async fn queue_whatsapp_reply(
        &mut self,
        guest_id: Option<Uuid>,
        to: &str,
        language: &str,
        text: &str,
    ) -> Result<Uuid, StoreError> {
        let text: String = text.chars().take(4096).collect();
        self.queue_to_guest(
            guest_id,
            "whatsapp",
            "reply",
            to,
            language,
            serde_json::json!({ "text": text }),
        )
        .await
    }
}
