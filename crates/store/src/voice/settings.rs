//! The voice settings: the restaurant's webhook secret (hashed, rotatable, compared in
//! constant time), the Vapi header, language and retention, and the Retell key (sealed).

use super::{VoiceSettings, ROTATION_GRACE_HOURS};
use crate::error::StoreError;
use crate::secret::{constant_time_eq, random_token, token_hash};
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

impl TenantTx {
    pub(super) async fn ensure_voice_row(&mut self) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        let now = self.store.clock.now();
        sqlx::query("INSERT INTO voice_settings (restaurant_id, updated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(rid)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The voice settings (the defaults until something is set).
    pub async fn voice_settings(&mut self) -> Result<VoiceSettings, StoreError> {
        let now = self.store.clock.now();
        type Row = (bool, Option<DateTime<Utc>>, String, bool, i32, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT secret_hash IS NOT NULL, CASE WHEN previous_until > $1 THEN previous_until END, vapi_header, \
             retell_key_enc IS NOT NULL, retention_days, language FROM voice_settings",
        )
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        let (has_secret, until, vapi_header, has_retell_key, retention_days, language) =
            row.unwrap_or((false, None, "x-vapi-secret".into(), false, 90, "de".into()));
        Ok(VoiceSettings {
            has_secret,
            previous_valid_until: until,
            vapi_header,
            has_retell_key,
            retention_days,
            language,
        })
    }

    /// Makes a new voice secret and returns it (it is shown once). The previous secret stays
    /// valid for [`ROTATION_GRACE_HOURS`] so the voice platform can be switched over.
    pub async fn rotate_voice_secret(&mut self) -> Result<String, StoreError> {
        self.ensure_voice_row().await?;
        let now = self.store.clock.now();
        let secret = format!("hsv_{}", random_token());
        sqlx::query(
            "UPDATE voice_settings SET previous_hash = secret_hash, \
             previous_until = CASE WHEN secret_hash IS NULL THEN NULL ELSE $2::timestamptz END, \
             secret_hash = $1, updated_at = $3",
        )
        .bind(token_hash(&secret))
        .bind(now + Duration::hours(ROTATION_GRACE_HOURS))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(secret)
    }

    /// Ends a rotation now: only the current secret is accepted from here on.
    pub async fn end_voice_rotation(&mut self) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        sqlx::query("UPDATE voice_settings SET previous_hash = NULL, previous_until = NULL, updated_at = $1")
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Whether `secret` is the current voice secret, or the previous one within its grace
    /// period. Both are always compared, in constant time.
    pub async fn voice_secret_matches(&mut self, secret: &str) -> Result<bool, StoreError> {
        let ok = self.voice_secret_and_thread(secret, None).await?.0;
        // Only the agent endpoint reads the profile next; nothing else may rely on the version.
        self.setup_version = None;
        Ok(ok)
    }

    /// Whether `secret` is the voice secret (as [`TenantTx::voice_secret_matches`]), and the
    /// conversation marked with `thread` (as [`TenantTx::conversation_by_thread`] without an
    /// age limit), in one round trip: the agent endpoint needs both before the model is asked,
    /// and every round trip there adds to the guest's wait for the first word. The
    /// conversation is returned only when the key matches.
    pub async fn voice_secret_and_thread(
        &mut self,
        secret: &str,
        thread: Option<&[u8]>,
    ) -> Result<(bool, Option<Uuid>), StoreError> {
        let now = self.store.clock.now();
        type Row = (
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<DateTime<Utc>>,
            Option<Uuid>,
            Option<i64>,
        );
        // The setup version comes along for the agent profile read that follows
        // ([`TenantTx::agent_profile`]), which can then often skip its round trip.
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT secret_hash, previous_hash, previous_until, ({}), \
             (SELECT setup_version FROM restaurants WHERE id = $3) FROM voice_settings",
            crate::conversations::THREAD_LOOKUP
        ))
        .bind(thread)
        .bind(None::<DateTime<Utc>>)
        .bind(self.restaurant_id())
        .fetch_optional(self.conn())
        .await?;
        let Some((current, previous, until, conversation, version)) = row else {
            return Ok((false, None));
        };
        let given = token_hash(secret);
        let zero = vec![0u8; given.len()];
        let a = constant_time_eq(&given, current.as_deref().unwrap_or(&zero));
        let b = constant_time_eq(&given, previous.as_deref().unwrap_or(&zero));
        let previous_valid = until.is_some_and(|u| u > now);
        let ok = (a && current.is_some()) || (b && previous.is_some() && previous_valid);
        if ok {
            self.setup_version = version;
        }
        Ok((ok, conversation.filter(|_| ok)))
    }

    /// Header Vapi sends the secret in, language of calls, and how many days call details
    /// are kept (1–90).
    pub async fn set_voice_options(
        &mut self,
        vapi_header: &str,
        retention_days: i32,
        language: &str,
    ) -> Result<(), StoreError> {
        let header = vapi_header.trim().to_ascii_lowercase();
        if header.is_empty()
            || header.len() > 64
            || !header
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || header == "authorization"
        {
            return Err(StoreError::Invalid {
                field: "vapi_header".into(),
                code: "invalid",
                message: "a header name of letters, digits and dashes".into(),
            });
        }
        if !(1..=90).contains(&retention_days) {
            return Err(StoreError::Invalid {
                field: "retention_days".into(),
                code: "out_of_range",
                message: "between 1 and 90 days".into(),
            });
        }
        if language != "de" && language != "en" {
            return Err(StoreError::Invalid {
                field: "language".into(),
                code: "invalid",
                message: "de or en".into(),
            });
        }
        self.ensure_voice_row().await?;
        let now = self.store.clock.now();
        sqlx::query("UPDATE voice_settings SET vapi_header = $1, retention_days = $2, language = $3, updated_at = $4")
            .bind(header)
            .bind(retention_days)
            .bind(language)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Stores (sealed) or removes the Retell API key that signs Retell's requests.
    pub async fn set_retell_key(&mut self, key: Option<&str>) -> Result<(), StoreError> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        if let Some(k) = key {
            if k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(StoreError::Invalid {
                    field: "retell_key".into(),
                    code: "invalid",
                    message: "up to 200 visible ASCII characters".into(),
                });
            }
        }
        self.ensure_voice_row().await?;
        let rid = self.restaurant_id();
        let sealed = match key {
            Some(k) => Some(
                self.data_key()
                    .await?
                    .seal(k.as_bytes(), &format!("retell-key:{rid}")),
            ),
            None => None,
        };
        let now = self.store.clock.now();
        sqlx::query("UPDATE voice_settings SET retell_key_enc = $1, updated_at = $2")
            .bind(sealed)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The Retell key, opened; `None` when none is set.
    pub async fn retell_key(&mut self) -> Result<Option<String>, StoreError> {
        let sealed: Option<Option<String>> =
            sqlx::query_scalar("SELECT retell_key_enc FROM voice_settings")
                .fetch_optional(self.conn())
                .await?;
        let Some(sealed) = sealed.flatten() else {
            return Ok(None);
        };
        let rid = self.restaurant_id();
        let plain = self
            .data_key()
            .await?
            .open(&sealed, &format!("retell-key:{rid}"))
            .map_err(StoreError::Other)?;
        Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
    }
}
