//! The chat agent's conversations (migration 0015): the engine's state and the messages,
//! sealed with the restaurant's data key; outcome, intents and counts in clear.

use crate::error::StoreError;
use crate::queue::NewJob;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Emails owners and managers about a guest who asked for a person and still waits (the
/// payload of the `handover_alert` job; enqueued by [`TenantTx::record_turn`] when the
/// restaurant set `handover_mail_minutes`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HandoverAlert {
    pub conversation_id: Uuid,
    /// When the conversation began to wait; a later wait is another alert.
    pub since: DateTime<Utc>,
}

impl HandoverAlert {
    pub const KIND: &'static str = "handover_alert";

    /// The job row, due at `run_at`.
    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: Some(format!(
                "{}:{}",
                self.conversation_id,
                self.since.timestamp_micros()
            )),
            run_at,
            max_attempts: 5,
        }
    }
}

/// The key a conversation's thread is found by: a client's thread id on the completions
/// endpoint, or `<channel>:<sender>` for WhatsApp (so a guest's erasure by phone finds their
/// WhatsApp conversations). A hash: the sender's number is not stored in the clear.
pub fn thread_key(rid: Uuid, thread: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"thread\0");
    h.update(rid.as_bytes());
    h.update(thread.as_bytes());
    h.finalize().to_vec()
}

/// One turn to record: what the guest wrote and what the agent answered.
pub struct Turn<'a> {
    pub guest: &'a str,
    pub agent: &'a str,
    /// The engine's state after the turn (JSON).
    pub state: &'a serde_json::Value,
    pub language: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub intents: &'a [String],
    /// `builtin` or `model`: which engine answered.
    pub engine: &'a str,
    /// Tokens the model used for this turn (0 for the built-in agent).
    pub tokens: i32,
    /// Whether the agent could not answer the guest's question.
    pub unanswered: bool,
    /// The code of the reservation the conversation made, changed or cancelled last: it links
    /// the conversation to that reservation and its guest.
    pub booking: Option<&'a str>,
    /// The guest's phone (E.164) when the channel knows it (WhatsApp): links the conversation
    /// to that guest while no reservation does.
    pub phone: Option<&'a str>,
}

/// A stored message: (role, text, when).
pub type Line = (String, String, DateTime<Utc>);

/// The conversation marked with thread key `$1` whose last message is not older than `$2`
/// (`NULL`: any age); an anonymised one continues nothing.
/// What [`TenantTx::conversation_opening`] reads.
pub struct ConversationOpening {
    pub state: serde_json::Value,
    /// Guest messages since the time asked for.
    pub guest_messages_since: i64,
    /// Turns in all.
    pub turns: i32,
    /// `agent`, `person`, …
    pub status: String,
}

pub(crate) const THREAD_LOOKUP: &str = "SELECT id FROM conversations WHERE thread_key = $1 \
     AND anonymised_at IS NULL AND ($2::timestamptz IS NULL OR updated_at >= $2)";

impl TenantTx {
    fn seal_for(&self, key: &crate::MasterKey, what: &str, id: Uuid, text: &str) -> String {
        key.seal(
            text.as_bytes(),
            &format!("conversation-{what}:{}:{id}", self.restaurant_id()),
        )
    }

    /// Stores a new conversation `id` on `channel` ("web", "whatsapp", "api", "cli").
    pub async fn start_conversation(&mut self, id: Uuid, channel: &str) -> Result<(), StoreError> {
        let key = self.data_key().await?;
        let state = self.seal_for(&key, "state", id, "{}");
        let now = self.now();
        sqlx::query(
            "INSERT INTO conversations (restaurant_id, id, channel, state_enc, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(channel)
        .bind(state)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The engine's state of a conversation, locked for this transaction (turns of one
    /// conversation run one after the other).
    pub async fn conversation_state(&mut self, id: Uuid) -> Result<serde_json::Value, StoreError> {
        let sealed: Option<String> =
            sqlx::query_scalar("SELECT state_enc FROM conversations WHERE id = $1 AND anonymised_at IS NULL FOR UPDATE")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        self.open_state(id, &sealed.ok_or(StoreError::NotFound)?)
            .await
    }

    /// A conversation's engine state from its sealed column.
    async fn open_state(
        &mut self,
        id: Uuid,
        sealed: &str,
    ) -> Result<serde_json::Value, StoreError> {
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        let plain = key.open(sealed, &format!("conversation-state:{rid}:{id}"))?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Other(e.into()))
    }

    /// What a turn that continues conversation `id` reads first, in one round trip: its
    /// state (locked for the turn, as [`TenantTx::conversation_state`]), how many guest
    /// messages it took since `since` and how many turns in all (the conversation's rate
    /// limit), and its status (as [`TenantTx::conversation_status`]).
    pub async fn conversation_opening(
        &mut self,
        id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<ConversationOpening, StoreError> {
        let row: Option<(String, i64, i32, String)> = sqlx::query_as(
            "SELECT c.state_enc, (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id \
                     AND m.role = 'guest' AND m.created_at > $2), c.turns, c.status \
             FROM conversations c WHERE c.id = $1 AND c.anonymised_at IS NULL FOR UPDATE",
        )
        .bind(id)
        .bind(since)
        .fetch_optional(self.conn())
        .await?;
        let (sealed, last, total, status) = row.ok_or(StoreError::NotFound)?;
        Ok(ConversationOpening {
            state: self.open_state(id, &sealed).await?,
            guest_messages_since: last,
            turns: total,
            status,
        })
    }

    /// Records a turn: both messages and the new state.
    pub async fn record_turn(&mut self, id: Uuid, turn: &Turn<'_>) -> Result<(), StoreError> {
        let key = self.data_key().await?;
        let now = self.now();
        let rid = self.restaurant_id();
        let state = self.seal_for(&key, "state", id, &turn.state.to_string());
        // Positions follow the last message (the team's messages sit between turns); the
        // conversation's row is locked by the turn ([`TenantTx::conversation_state`]).
        for (role, text) in [("guest", turn.guest), ("agent", turn.agent)] {
            let mid = Uuid::new_v4();
            let body = self.seal_for(&key, "message", mid, text);
            sqlx::query(
                "INSERT INTO conversation_messages (restaurant_id, id, conversation_id, position, role, body_enc, created_at, unanswered) \
                 SELECT $1, $2, $3, coalesce(max(position), -1) + 1, $4, $5, $6, $7 \
                 FROM conversation_messages WHERE conversation_id = $3",
            )
            .bind(rid)
            .bind(mid)
            .bind(id)
            .bind(role)
            .bind(body)
            .bind(now)
            .bind(role == "guest" && turn.unanswered)
            .execute(self.conn())
            .await?;
        }
        // A hand-over asks for a person (once, when the outcome becomes it); a guest writing to a
        // closed conversation opens it again for the agent.
        let (waits, was, outcome): (bool, Option<String>, Option<String>) = sqlx::query_as(
            "WITH old AS (SELECT outcome FROM conversations WHERE id = $1 FOR UPDATE) \
             UPDATE conversations SET state_enc = $2, language = coalesce($3, language), outcome = coalesce($4, outcome), \
             status = CASE WHEN $4 = 'handed_over' AND outcome IS DISTINCT FROM 'handed_over' \
                             AND status IN ('agent', 'closed') THEN 'needs_person' \
                           WHEN status = 'closed' THEN 'agent' ELSE status END, \
             status_at = CASE WHEN ($4 = 'handed_over' AND outcome IS DISTINCT FROM 'handed_over') \
                             OR status = 'closed' THEN $6 ELSE status_at END, \
             intents = $5, turns = turns + 1, updated_at = $6, engine = $7, tokens = tokens + $8, \
             reservation_id = coalesce((SELECT id FROM reservations WHERE code = $9), reservation_id), \
             guest_id = coalesce((SELECT guest_id FROM reservations WHERE code = $9), guest_id, \
                                 (SELECT id FROM guests WHERE phone = $10 ORDER BY created_at LIMIT 1)) \
             WHERE id = $1 RETURNING status = 'needs_person' AND status_at = $6, (SELECT outcome FROM old), outcome",
        )
        .bind(id)
        .bind(state)
        .bind(turn.language)
        .bind(turn.outcome)
        .bind(turn.intents)
        .bind(now)
        .bind(turn.engine)
        .bind(turn.tokens)
        .bind(turn.booking)
        .bind(turn.phone)
        .fetch_one(self.conn())
        .await?;
        if let Some(reached) = outcome.filter(|o| was.as_ref() != Some(o)) {
            self.count(
                crate::counters::AGENT_OUTCOMES,
                &[("agent", "chat"), ("outcome", &reached)],
            );
        }
        // Just handed over: the team is emailed if nobody takes it in time (when the
        // restaurant wants that), in this same transaction.
        if waits {
            if let Some(m) = self.agent_settings().await?.handover_mail_minutes {
                let alert = HandoverAlert {
                    conversation_id: id,
                    since: now,
                };
                self.enqueue(&alert.job(now + chrono::Duration::minutes(m.into())))
                    .await?;
            }
        }
        Ok(())
    }

    /// The conversation a thread continues (see [`TenantTx::set_thread_key`]), when its last
    /// message is not older than `since`.
    pub async fn conversation_by_thread(
        &mut self,
        key: &[u8],
        since: Option<DateTime<Utc>>,
    ) -> Result<Option<Uuid>, StoreError> {
        Ok(sqlx::query_scalar(THREAD_LOOKUP)
            .bind(key)
            .bind(since)
            .fetch_optional(self.conn())
            .await?)
    }

    /// Marks `key` (a hash of the history a client will send next) as continuing `id`.
    pub async fn set_thread_key(&mut self, id: Uuid, key: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE conversations SET thread_key = NULL WHERE thread_key = $1 AND id <> $2",
        )
        .bind(key)
        .bind(id)
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE conversations SET thread_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// A conversation's messages, opened, oldest first.
    pub async fn conversation_lines(&mut self, id: Uuid) -> Result<Vec<Line>, StoreError> {
        Ok(self
            .conversation_lines_after(id, -1)
            .await?
            .into_iter()
            .map(|(_, line)| line)
            .collect())
    }

    /// A conversation's messages after position `after`, opened, with their positions.
    pub async fn conversation_lines_after(
        &mut self,
        id: Uuid,
        after: i32,
    ) -> Result<Vec<(i32, Line)>, StoreError> {
        let rows: Vec<StoredLine> = sqlx::query_as(
            "SELECT id, position, role, body_enc, created_at FROM conversation_messages \
             WHERE conversation_id = $1 AND position > $2 ORDER BY position",
        )
        .bind(id)
        .bind(after)
        .fetch_all(self.conn())
        .await?;
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        rows.into_iter()
            .map(|(mid, pos, role, body, at)| {
                let text = match body {
                    Some(b) => String::from_utf8(
                        key.open(&b, &format!("conversation-message:{rid}:{mid}"))?,
                    )
                    .map_err(|e| StoreError::Other(e.into()))?,
                    None => String::new(),
                };
                Ok((pos, (role, text, at)))
            })
            .collect()
    }
}

/// A stored message: id, position, role, sealed body, when.
type StoredLine = (Uuid, i32, String, Option<String>, DateTime<Utc>);

/// Conversations of one week (starting Monday, in the restaurant's zone) by outcome.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WeekOutcomes {
    pub week: chrono::NaiveDate,
    pub conversations: i64,
    pub booked: i64,
    pub changed: i64,
    pub cancelled: i64,
    pub informed: i64,
    pub handed_over: i64,
    /// No outcome: the guest left before anything happened.
    pub abandoned: i64,
    pub tokens: i64,
}

impl TenantTx {
    /// Outcomes per week of the conversations started since `since`, newest week first.
    pub async fn conversation_weeks(
        &mut self,
        since: DateTime<Utc>,
    ) -> Result<Vec<WeekOutcomes>, StoreError> {
        let tz = self.reservation_settings().await?.time_zone;
        type Row = (chrono::NaiveDate, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT date_trunc('week', created_at AT TIME ZONE $2)::date AS week, count(*), \
             count(*) FILTER (WHERE outcome = 'booked'), count(*) FILTER (WHERE outcome = 'changed'), \
             count(*) FILTER (WHERE outcome = 'cancelled'), count(*) FILTER (WHERE outcome = 'informed'), \
             count(*) FILTER (WHERE outcome = 'handed_over'), \
             count(*) FILTER (WHERE outcome = 'abandoned' OR (outcome IS NULL AND updated_at < $3)), \
             coalesce(sum(tokens), 0)::bigint \
             FROM conversations WHERE created_at >= $1 GROUP BY week ORDER BY week DESC",
        )
        .bind(since)
        .bind(tz)
        // Still running: no outcome yet, but the last message is recent.
        .bind(self.now() - chrono::Duration::minutes(hs_domain::chat::ABANDONED_AFTER_MINUTES))
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    week,
                    conversations,
                    booked,
                    changed,
                    cancelled,
                    informed,
                    handed_over,
                    abandoned,
                    tokens,
                )| {
                    WeekOutcomes {
                        week,
                        conversations,
                        booked,
                        changed,
                        cancelled,
                        informed,
                        handed_over,
                        abandoned,
                        tokens,
                    }
                },
            )
            .collect())
    }

    /// How often each intent was seen in conversations started since `since`, most frequent
    /// first.
    pub async fn conversation_intents(
        &mut self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT i, count(*) FROM conversations, unnest(intents) AS i WHERE created_at >= $1 \
             GROUP BY i ORDER BY count(*) DESC, i",
        )
        .bind(since)
        .fetch_all(self.conn())
        .await?)
    }

    /// The latest guest messages the agent could not answer (at most `limit`), opened,
    /// newest first.
    pub async fn unanswered_questions(
        &mut self,
        limit: i64,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        let rows: Vec<(Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, body_enc, created_at FROM conversation_messages \
             WHERE unanswered AND body_enc IS NOT NULL ORDER BY created_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        rows.into_iter()
            .map(|(mid, body, at)| {
                let text = String::from_utf8(
                    key.open(&body, &format!("conversation-message:{rid}:{mid}"))?,
                )
                .map_err(|e| StoreError::Other(e.into()))?;
                Ok((at, text))
            })
            .collect()
    }
}
