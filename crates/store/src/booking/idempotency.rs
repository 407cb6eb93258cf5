//! Retried requests: the first answer stored under its idempotency key for 24 hours.

use super::*;

impl TenantTx {
    /// Looks up an idempotency key after locking it for this transaction. `Some((status, body))`
    /// when the same request was answered before; an error when the key was used for a
    /// different request.
    pub async fn idempotent_replay(
        &mut self,
        scope: &str,
        key: &str,
        request: &[u8],
    ) -> Result<Option<(u16, serde_json::Value)>, StoreError> {
        let lock = format!("idem:{}:{scope}:{key}", self.restaurant_id());
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(lock)
            .execute(self.conn())
            .await?;
        let now = self.store.clock.now();
        let row: Option<(Vec<u8>, i32, serde_json::Value)> = sqlx::query_as(
            "SELECT request_hash, status_code, response FROM idempotency_records WHERE scope = $1 AND key = $2 AND expires_at > $3",
        )
        .bind(scope)
        .bind(key)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        match row {
            None => Ok(None),
            Some((hash, status, body)) if hash == token_hash_bytes(request) => {
                Ok(Some((status as u16, body)))
            }
            Some(_) => Err(StoreError::Conflict {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used for a different request".into(),
            }),
        }
    }

    /// Stores the answer to a request under its idempotency key for 24 hours.
    pub async fn idempotent_store(
        &mut self,
        scope: &str,
        key: &str,
        request: &[u8],
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        let now = self.store.clock.now();
        sqlx::query(
            "INSERT INTO idempotency_records (restaurant_id, key, scope, request_hash, status_code, response, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (restaurant_id, scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, \
               status_code = EXCLUDED.status_code, response = EXCLUDED.response, created_at = EXCLUDED.created_at, \
               expires_at = EXCLUDED.expires_at",
        )
        .bind(rid)
        .bind(key)
        .bind(scope)
        .bind(token_hash_bytes(request))
        .bind(i32::from(status))
        .bind(body)
        .bind(now)
        .bind(now + Duration::hours(24))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

fn token_hash_bytes(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}
