//! What the team (and the benchmarks) read of the messages: a reservation's and a guest's
//! history, the day view's failure flags, the latest test messages, send and reminder times.

use super::*;

impl TenantTx {
    /// The latest test messages (for the settings page), newest first.
    pub async fn test_messages(&mut self) -> Result<Vec<MessageInfo>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INFO_COLS} FROM messages WHERE kind = 'test' ORDER BY created_at DESC, id LIMIT 3"
        ))
        .fetch_all(self.conn())
        .await?)
    }

    /// When each test message was written and sent (the message benchmark's latencies).
    pub async fn test_message_times(
        &mut self,
    ) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT created_at, sent_at FROM messages WHERE kind = 'test'")
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// Every reminder sent: (reservation, when) (the reminder benchmark's check).
    pub async fn reminder_times(&mut self) -> Result<Vec<(Uuid, DateTime<Utc>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT reservation_id, sent_at FROM messages WHERE kind = 'reminder' AND sent_at IS NOT NULL \
             AND reservation_id IS NOT NULL",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// A reservation's messages, oldest first.
    pub async fn messages_of_reservation(
        &mut self,
        reservation_id: Uuid,
    ) -> Result<Vec<MessageInfo>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INFO_COLS} FROM messages WHERE reservation_id = $1 ORDER BY created_at, id"
        ))
        .bind(reservation_id)
        .fetch_all(self.conn())
        .await?)
    }

    /// A guest's messages, newest first (at most 200).
    pub async fn messages_of_guest(
        &mut self,
        guest_id: Uuid,
    ) -> Result<Vec<MessageInfo>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INFO_COLS} FROM messages WHERE guest_id = $1 ORDER BY created_at DESC, id LIMIT 200"
        ))
        .bind(guest_id)
        .fetch_all(self.conn())
        .await?)
    }

    /// The reservations among `ids` whose latest guest message failed or bounced (the day
    /// view's flag; a later message that went out clears it).
    pub async fn reservations_with_failed_messages(
        &mut self,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT reservation_id FROM (SELECT DISTINCT ON (reservation_id) reservation_id, status \
               FROM messages WHERE reservation_id = ANY ($1) AND recipient = 'guest' \
               ORDER BY reservation_id, created_at DESC, id) latest \
             WHERE status IN ('failed', 'bounced')",
        )
        .bind(ids)
        .fetch_all(self.conn())
        .await?)
    }
}
