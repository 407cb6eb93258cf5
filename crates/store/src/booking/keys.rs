//! The restaurant's data key, which seals special-category notes and voice transcripts.

use super::*;

impl TenantTx {
    /// The restaurant's data key (created on first use), wrapped by the master key at rest.
    pub async fn data_key(&mut self) -> Result<MasterKey, StoreError> {
        if let Some(k) = &self.data_key {
            return Ok(k.clone());
        }
        let rid = self.restaurant_id();
        let context = format!("tenant-key:{rid}");
        let wrapped: Option<String> = sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys")
            .fetch_optional(self.conn())
            .await?;
        let wrapped = match wrapped {
            Some(w) => w,
            None => {
                let raw = random_bytes(32);
                let w = self.store.key.seal(&raw, &context);
                let now = self.store.clock.now();
                sqlx::query("INSERT INTO tenant_keys (restaurant_id, wrapped_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(rid)
                    .bind(&w)
                    .bind(now)
                    .execute(self.conn())
                    .await?;
                sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys")
                    .fetch_one(self.conn())
                    .await?
            }
        };
        let raw = self.store.key.open(&wrapped, &context)?;
        let key: [u8; 32] = raw
            .try_into()
            .map_err(|_| StoreError::Other(anyhow::anyhow!("tenant key has the wrong length")))?;
        let key = MasterKey::from_bytes(key);
        self.data_key = Some(key.clone());
        Ok(key)
    }
}
