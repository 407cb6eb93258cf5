//! The team's inbox over the chat agent's conversations (migration 0021): the list with status
//! and unread count, one conversation with its guest, reservation and the agent's notes, and
//! the team's side: taking over (the agent pauses), writing to the guest, handing back,
//! closing.

use crate::conversations::Line;
use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Who answers a conversation.
pub const STATUSES: [&str; 4] = ["agent", "needs_person", "person", "closed"];

/// The channels of chat conversations.
pub const CHANNELS: [&str; 4] = ["web", "whatsapp", "api", "cli"];

/// Conversations the list shows at most.
pub const LIST_MAX: i64 = 200;

/// A conversation as the inbox lists it.
#[derive(Clone, Debug, Serialize)]
pub struct InboxRow {
    pub id: Uuid,
    pub channel: String,
    pub language: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    /// The guest's messages the team has not seen.
    pub unread: i64,
    pub guest_name: Option<String>,
    /// The team member who took it over.
    pub person: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The reservation a conversation is linked to.
#[derive(Clone, Debug, Serialize)]
pub struct LinkedReservation {
    pub id: Uuid,
    pub code: String,
    pub date: NaiveDate,
    pub time: String,
    pub party_size: i32,
}

/// One conversation for the team.
#[derive(Clone, Debug)]
pub struct InboxConversation {
    pub row: InboxRow,
    pub guest_id: Option<Uuid>,
    pub reservation: Option<LinkedReservation>,
    /// The agent's state (what it gathered: date, time, party, name, phone, email, notes,
    /// special notes).
    pub state: serde_json::Value,
    /// Every message with its position: (position, role, text, when).
    pub lines: Vec<(i32, Line)>,
}

const ROW: &str = "SELECT c.id, c.channel, c.language, c.status, c.outcome, \
    (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id \
       AND m.role = 'guest' AND m.position > c.team_seen), \
    g.name, u.name, c.updated_at \
    FROM conversations c LEFT JOIN guests g ON g.id = c.guest_id \
    LEFT JOIN users u ON u.id = c.person_id \
    WHERE c.anonymised_at IS NULL";

type RowTuple = (
    Uuid,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
);

fn row(t: RowTuple) -> InboxRow {
    let (id, channel, language, status, outcome, unread, guest_name, person, updated_at) = t;
    InboxRow {
        id,
        channel,
        language,
        status,
        outcome,
        unread,
        guest_name,
        person,
        updated_at,
    }
}

impl TenantTx {
    /// Whether a conversation still waits for a person since `since` (nobody took it, it was
    /// not handed back or closed, and it was not anonymised).
    pub async fn still_waiting(
        &mut self,
        id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND status = 'needs_person' \
             AND status_at = $2 AND anonymised_at IS NULL)",
        )
        .bind(id)
        .bind(since)
        .fetch_one(self.conn())
        .await?)
    }

    /// Owners and managers with their address, name and language: who hears of a waiting
    /// guest.
    pub async fn inbox_alert_recipients(
        &mut self,
    ) -> Result<Vec<(Uuid, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.language FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.role IN ('owner', 'manager') ORDER BY u.email",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// The inbox, newest first: conversations in `status` (all when `None`) on `channel`
    /// (all when `None`), at most [`LIST_MAX`].
    pub async fn inbox(
        &mut self,
        status: Option<&str>,
        channel: Option<&str>,
    ) -> Result<Vec<InboxRow>, StoreError> {
        let rows: Vec<RowTuple> = sqlx::query_as(&format!(
            "{ROW} AND ($1::text IS NULL OR c.status = $1) AND ($2::text IS NULL OR c.channel = $2) \
             ORDER BY c.updated_at DESC LIMIT {LIST_MAX}"
        ))
        .bind(status)
        .bind(channel)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(row).collect())
    }

    /// How many conversations wait for a person.
    pub async fn waiting_for_person(&mut self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM conversations WHERE status = 'needs_person' AND anonymised_at IS NULL",
        )
        .fetch_one(self.conn())
        .await?)
    }

    /// One conversation with its messages; marks them seen by the team when `seen`.
    pub async fn inbox_conversation(
        &mut self,
        id: Uuid,
        seen: bool,
    ) -> Result<InboxConversation, StoreError> {
        let t: Option<RowTuple> = sqlx::query_as(&format!("{ROW} AND c.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let mut row = row(t.ok_or(StoreError::NotFound)?);
        let (guest_id, reservation_id): (Option<Uuid>, Option<Uuid>) =
            sqlx::query_as("SELECT guest_id, reservation_id FROM conversations WHERE id = $1")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        let reservation = match reservation_id {
            Some(r) => {
                let x: Option<(Uuid, String, NaiveDate, String, i32)> = sqlx::query_as(
                    "SELECT r.id, r.code, (r.starts_at AT TIME ZONE s.time_zone)::date, \
                     to_char(r.starts_at AT TIME ZONE s.time_zone, 'HH24:MI'), r.party_size \
                     FROM reservations r, restaurant_settings s WHERE r.id = $1",
                )
                .bind(r)
                .fetch_optional(self.conn())
                .await?;
                x.map(|(id, code, date, time, party_size)| LinkedReservation {
                    id,
                    code,
                    date,
                    time,
                    party_size,
                })
            }
            None => None,
        };
        let state = self.conversation_state_read(id).await?;
        let lines = self.conversation_lines_after(id, -1).await?;
        if seen {
            let last = lines.last().map(|(p, _)| *p).unwrap_or(-1);
            sqlx::query("UPDATE conversations SET team_seen = $2 WHERE id = $1 AND team_seen < $2")
                .bind(id)
                .bind(last)
                .execute(self.conn())
                .await?;
            row.unread = 0;
        }
        Ok(InboxConversation {
            row,
            guest_id,
            reservation,
            state,
            lines,
        })
    }

    /// The engine's state of a conversation without locking it.
    async fn conversation_state_read(&mut self, id: Uuid) -> Result<serde_json::Value, StoreError> {
        let sealed: String =
            sqlx::query_scalar("SELECT state_enc FROM conversations WHERE id = $1")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        let plain = key.open(&sealed, &format!("conversation-state:{rid}:{id}"))?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Other(e.into()))
    }

    /// Sets who answers: `person` takes it over for `user` (the agent pauses), `agent` hands
    /// it back, `closed` closes it. `NotFound` for no such (or an anonymised) conversation.
    pub async fn set_conversation_status(
        &mut self,
        id: Uuid,
        status: &str,
        user: Option<Uuid>,
    ) -> Result<(), StoreError> {
        if !STATUSES.contains(&status) {
            return Err(StoreError::field(
                "status",
                "invalid",
                "agent, needs_person, person or closed",
            ));
        }
        let n = sqlx::query(
            "UPDATE conversations SET status = $2, person_id = CASE WHEN $2 = 'person' THEN $3 ELSE NULL END, \
             status_at = $4 WHERE id = $1 AND anonymised_at IS NULL",
        )
        .bind(id)
        .bind(status)
        .bind(user)
        .bind(self.now())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds a message to a conversation as the next position (`team`, or a `guest` message the
    /// paused agent does not answer); the conversation counts as updated. Returns the position.
    pub async fn add_conversation_message(
        &mut self,
        id: Uuid,
        role: &str,
        text: &str,
    ) -> Result<i32, StoreError> {
        let locked: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE id = $1 AND anonymised_at IS NULL FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        locked.ok_or(StoreError::NotFound)?;
        let key = self.data_key().await?;
        let mid = Uuid::new_v4();
        let body = key.seal(
            text.as_bytes(),
            &format!("conversation-message:{}:{mid}", self.restaurant_id()),
        );
        let now = self.now();
        let pos: i32 = sqlx::query_scalar(
            "INSERT INTO conversation_messages (restaurant_id, id, conversation_id, position, role, body_enc, created_at) \
             SELECT $1, $2, $3, coalesce(max(position), -1) + 1, $4, $5, $6 \
             FROM conversation_messages WHERE conversation_id = $3 RETURNING position",
        )
        .bind(self.restaurant_id())
        .bind(mid)
        .bind(id)
        .bind(role)
        .bind(body)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(pos)
    }

    /// Who answers the conversation now (its status).
    pub async fn conversation_status(&mut self, id: Uuid) -> Result<String, StoreError> {
        let s: Option<String> = sqlx::query_scalar(
            "SELECT status FROM conversations WHERE id = $1 AND anonymised_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        s.ok_or(StoreError::NotFound)
    }
}
