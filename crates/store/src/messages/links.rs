//! The guest's self-service links: a 128-bit token per message, derived from the restaurant's
//! data key and the message id (a retried send carries the same link), stored hashed, valid
//! until the visit ends.

use super::*;

/// The self-service token of a message: 16 bytes derived from the restaurant's data key, so a
/// send that is retried after a crash puts the same link in the same message.
fn link_token(key: &crate::MasterKey, message_id: Uuid) -> String {
    let d = key.derive(&format!("guest-link:{message_id}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d[..16])
}

impl TenantTx {
    /// The self-service link token carried by message `message_id` about `reservation_id`,
    /// valid until `expires_at` (the end of the visit). The same message always gets the same
    /// token; only its hash is stored.
    pub async fn guest_link(
        &mut self,
        message_id: Uuid,
        reservation_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = link_token(&self.data_key().await?, message_id);
        let now = self.now();
        sqlx::query(
            "INSERT INTO guest_links (restaurant_id, id, reservation_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(self.restaurant_id())
        .bind(message_id)
        .bind(reservation_id)
        .bind(token_hash(&token))
        .bind(now)
        .bind(expires_at)
        .execute(self.conn())
        .await?;
        Ok(token)
    }

    /// The reservation a self-service token opens, while it is valid.
    pub async fn reservation_by_link(&mut self, token: &str) -> Result<Uuid, StoreError> {
        let now = self.now();
        sqlx::query_scalar(
            "SELECT reservation_id FROM guest_links WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.conn())
        .await?
        .ok_or(StoreError::NotFound)
    }
}
