//! A restaurant's own email sender (migration 0014): a From address on the platform's
//! transport, or its own Resend account or SMTP server, secrets sealed with its data key.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use serde::{Deserialize, Serialize};

/// The override as the team sees it (no secrets).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MailSettings {
    /// "platform", "resend" or "smtp".
    pub transport: String,
    pub from_address: Option<String>,
    pub has_webhook_secret: bool,
}

/// The override with its secrets opened, for sending and for the restaurant's Resend webhook.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub transport: String,
    pub from_address: Option<String>,
    pub resend_key: Option<String>,
    pub smtp_url: Option<String>,
    pub webhook_secret: Option<String>,
}

/// New override settings; a secret left `None` keeps the stored one.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MailInput {
    pub transport: String,
    #[serde(default)]
    pub from_address: Option<String>,
    #[serde(default)]
    pub resend_key: Option<String>,
    #[serde(default)]
    pub smtp_url: Option<String>,
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

fn check_from(from: &str) -> Result<(), StoreError> {
    // "Name <address>" or a bare address; the address part must be an email address.
    let address = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from,
    };
    let bad_chars = from.chars().any(|c| c.is_control());
    if bad_chars || from.len() > 300 || hs_domain::validate::email(address.trim()).is_err() {
        return Err(StoreError::field(
            "from_address",
            "invalid",
            "an address, optionally with a name: Trattoria <reservierung@trattoria.example>",
        ));
    }
    Ok(())
}

impl TenantTx {
    async fn mail_sealed(
        &mut self,
    ) -> Result<
        Option<(
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        )>,
        StoreError,
    > {
        Ok(sqlx::query_as(
            "SELECT transport, from_address, resend_key_enc, smtp_url_enc, webhook_secret_enc FROM mail_settings",
        )
        .fetch_optional(self.conn())
        .await?)
    }

    /// The restaurant's own sender, if it has one.
    pub async fn mail_settings(&mut self) -> Result<Option<MailSettings>, StoreError> {
        Ok(self
            .mail_sealed()
            .await?
            .map(|(transport, from_address, _, _, hook)| MailSettings {
                transport,
                from_address,
                has_webhook_secret: hook.is_some(),
            }))
    }

    /// The restaurant's own sender with its secrets opened.
    pub async fn mail_config(&mut self) -> Result<Option<MailConfig>, StoreError> {
        let Some((transport, from_address, key, url, hook)) = self.mail_sealed().await? else {
            return Ok(None);
        };
        let rid = self.restaurant_id();
        let data_key = self.data_key().await?;
        let open = |sealed: Option<String>, what: &str| -> Result<Option<String>, StoreError> {
            let Some(sealed) = sealed else {
                return Ok(None);
            };
            let bytes = data_key.open(&sealed, &format!("mail-{what}:{rid}"))?;
            Ok(Some(
                String::from_utf8(bytes).map_err(|e| StoreError::Other(e.into()))?,
            ))
        };
        Ok(Some(MailConfig {
            transport,
            from_address,
            resend_key: open(key, "resend")?,
            smtp_url: open(url, "smtp")?,
            webhook_secret: open(hook, "webhook")?,
        }))
    }

    /// Sets the restaurant's own sender; `None` goes back to the platform's.
    pub async fn set_mail_settings(&mut self, input: Option<&MailInput>) -> Result<(), StoreError> {
        let Some(input) = input else {
            sqlx::query("DELETE FROM mail_settings")
                .execute(self.conn())
                .await?;
            return Ok(());
        };
        let transport = input.transport.trim();
        if !matches!(transport, "platform" | "resend" | "smtp") {
            return Err(StoreError::field(
                "transport",
                "invalid",
                "platform, resend or smtp",
            ));
        }
        let from = input
            .from_address
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        if let Some(f) = from {
            check_from(f)?;
        }
        let secret =
            |v: &Option<String>, field: &str, max: usize| -> Result<Option<String>, StoreError> {
                match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) if v.len() <= max && v.bytes().all(|b| b.is_ascii_graphic()) => {
                        Ok(Some(v.to_string()))
                    }
                    Some(_) => Err(StoreError::field(
                        field,
                        "invalid",
                        "visible ASCII characters only",
                    )),
                }
            };
        let key = secret(&input.resend_key, "resend_key", 500)?;
        let url = secret(&input.smtp_url, "smtp_url", 1000)?;
        if let Some(u) = &url {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                return Err(StoreError::field(
                    "smtp_url",
                    "invalid",
                    "smtps://user:pass@host:465 or smtp://user:pass@host:587?tls=required",
                ));
            }
        }
        let hook = secret(&input.webhook_secret, "webhook_secret", 500)?;
        if let Some(h) = &hook {
            if !h.starts_with("whsec_") {
                return Err(StoreError::field(
                    "webhook_secret",
                    "invalid",
                    "the signing secret from Resend, whsec_…",
                ));
            }
        }
        let current = self.mail_sealed().await?;
        let (has_key, has_url) = current
            .as_ref()
            .map_or((false, false), |c| (c.2.is_some(), c.3.is_some()));
        if transport == "resend" && key.is_none() && !has_key {
            return Err(StoreError::field(
                "resend_key",
                "required",
                "needed to send through your Resend account",
            ));
        }
        if transport == "smtp" && url.is_none() && !has_url {
            return Err(StoreError::field(
                "smtp_url",
                "required",
                "needed to send through your SMTP server",
            ));
        }
        let rid = self.restaurant_id();
        let data_key = self.data_key().await?;
        let seal = |v: Option<String>, what: &str| {
            v.map(|v| data_key.seal(v.as_bytes(), &format!("mail-{what}:{rid}")))
        };
        let now = self.now();
        sqlx::query(
            "INSERT INTO mail_settings (restaurant_id, transport, from_address, resend_key_enc, smtp_url_enc, webhook_secret_enc, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (restaurant_id) DO UPDATE SET transport = EXCLUDED.transport, \
             from_address = EXCLUDED.from_address, \
             resend_key_enc = coalesce(EXCLUDED.resend_key_enc, mail_settings.resend_key_enc), \
             smtp_url_enc = coalesce(EXCLUDED.smtp_url_enc, mail_settings.smtp_url_enc), \
             webhook_secret_enc = coalesce(EXCLUDED.webhook_secret_enc, mail_settings.webhook_secret_enc), \
             updated_at = EXCLUDED.updated_at",
        )
        .bind(rid)
        .bind(transport)
        .bind(from)
        .bind(seal(key, "resend"))
        .bind(seal(url, "smtp"))
        .bind(seal(hook, "webhook"))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
