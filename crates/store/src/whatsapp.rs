//! A restaurant's WhatsApp route (migrations 0012, 0013): Meta's Cloud API (phone number id,
//! sealed access token and app secret, hashed verify token) or GoHighLevel (sealed private
//! integration token, location id, the guests' contact ids there), guests' consent (opt-in with time and channel,
//! "STOP" opts out), and the messages guests send.

use crate::error::StoreError;
use crate::secret::{constant_time_eq, token_hash};
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The template kinds a restaurant names at Meta.
pub const TEMPLATE_KINDS: [&str; 3] = ["confirmation", "reminder", "cancellation"];

/// The settings as the team sees them (no secrets).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct WhatsAppSettings {
    /// "meta" (the Cloud API) or "gohighlevel".
    pub route: String,
    /// Meta's phone number id (Meta route).
    pub phone_number_id: String,
    /// HighLevel's location id (GoHighLevel route).
    pub ghl_location_id: String,
    /// Template name per kind (confirmation, reminder, cancellation).
    pub templates: BTreeMap<String, String>,
    /// Meta's language code per language of ours ("de" → "de", "en" → "en_US").
    pub languages: BTreeMap<String, String>,
}

/// What the send job and the webhook need, secrets opened.
#[derive(Clone, Debug)]
pub struct WhatsAppConfig {
    pub settings: WhatsAppSettings,
    /// Meta route.
    pub access_token: String,
    pub app_secret: String,
    /// GoHighLevel route: the private integration token.
    pub ghl_token: String,
}

/// New settings; a secret left `None` keeps the stored one.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WhatsAppInput {
    /// "meta" (default) or "gohighlevel".
    #[serde(default)]
    pub route: Option<String>,
    #[serde(default)]
    pub phone_number_id: String,
    #[serde(default)]
    pub ghl_token: Option<String>,
    #[serde(default)]
    pub ghl_location_id: String,
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub templates: BTreeMap<String, String>,
    pub languages: BTreeMap<String, String>,
}

fn secret_field(field: &str, v: &str) -> Result<(), StoreError> {
    if v.is_empty() || v.len() > 1000 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StoreError::field(
            field,
            "invalid",
            "1 to 1000 visible ASCII characters",
        ));
    }
    Ok(())
}

impl WhatsAppInput {
    fn ghl(&self) -> bool {
        self.route.as_deref() == Some("gohighlevel")
    }

    fn validate(&self) -> Result<(), StoreError> {
        match self.route.as_deref() {
            None | Some("meta") | Some("gohighlevel") => {}
            Some(_) => return Err(StoreError::field("route", "invalid", "meta or gohighlevel")),
        }
        if self.ghl() {
            let l = self.ghl_location_id.trim();
            if l.is_empty()
                || l.len() > 100
                || !l
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(StoreError::field(
                    "ghl_location_id",
                    "invalid",
                    "the location id from HighLevel's settings",
                ));
            }
            if let Some(t) = &self.ghl_token {
                secret_field("ghl_token", t.trim())?;
            }
            return Ok(());
        }
        let id = self.phone_number_id.trim();
        if id.is_empty() || id.len() > 30 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::field(
                "phone_number_id",
                "invalid",
                "the phone number id from Meta's WhatsApp Manager (digits)",
            ));
        }
        for (field, v) in [
            ("access_token", &self.access_token),
            ("app_secret", &self.app_secret),
            ("verify_token", &self.verify_token),
        ] {
            if let Some(v) = v {
                secret_field(field, v.trim())?;
            }
        }
        for (k, name) in &self.templates {
            if !TEMPLATE_KINDS.contains(&k.as_str()) {
                return Err(StoreError::field(
                    format!("templates.{k}"),
                    "unknown_kind",
                    "confirmation, reminder or cancellation",
                ));
            }
            let ok = name.len() <= 512
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(StoreError::field(
                    format!("templates.{k}"),
                    "invalid",
                    "a template name as Meta writes it: lower-case letters, digits and _",
                ));
            }
        }
        for (k, code) in &self.languages {
            let ok = (k == "de" || k == "en")
                && (2..=10).contains(&code.len())
                && code.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
            if !ok {
                return Err(StoreError::field(
                    format!("languages.{k}"),
                    "invalid",
                    "Meta's language code, e.g. de or en_US",
                ));
            }
        }
        Ok(())
    }
}

impl TenantTx {
    /// The WhatsApp settings, when the restaurant has set WhatsApp up.
    pub async fn whatsapp_settings(&mut self) -> Result<Option<WhatsAppSettings>, StoreError> {
        Ok(self.whatsapp_config_sealed().await?.map(|(s, ..)| s))
    }

    #[allow(clippy::type_complexity)]
    async fn whatsapp_config_sealed(
        &mut self,
    ) -> Result<
        Option<(
            WhatsAppSettings,
            Option<String>,
            Option<String>,
            Option<String>,
        )>,
        StoreError,
    > {
        let row: Option<(
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            serde_json::Value,
            serde_json::Value,
        )> = sqlx::query_as(
            "SELECT route, phone_number_id, ghl_location_id, access_token_enc, app_secret_enc, ghl_token_enc, \
             templates, languages FROM whatsapp_settings",
        )
        .fetch_optional(self.conn())
        .await?;
        Ok(
            row.map(|(route, phone, location, token, secret, ghl, t, l)| {
                (
                    WhatsAppSettings {
                        route,
                        phone_number_id: phone.unwrap_or_default(),
                        ghl_location_id: location.unwrap_or_default(),
                        templates: serde_json::from_value(t).unwrap_or_default(),
                        languages: serde_json::from_value(l).unwrap_or_default(),
                    },
                    token,
                    secret,
                    ghl,
                )
            }),
        )
    }

    /// The settings with their secrets opened (for sending and for checking signatures).
    pub async fn whatsapp_config(&mut self) -> Result<Option<WhatsAppConfig>, StoreError> {
        let Some((settings, token, secret, ghl)) = self.whatsapp_config_sealed().await? else {
            return Ok(None);
        };
        let rid = self.restaurant_id();
        let key = self.data_key().await?;
        let open = |sealed: Option<String>, what: &str| -> Result<String, StoreError> {
            let Some(sealed) = sealed else {
                return Ok(String::new());
            };
            let bytes = key.open(&sealed, &format!("whatsapp-{what}:{rid}"))?;
            String::from_utf8(bytes).map_err(|e| StoreError::Other(e.into()))
        };
        Ok(Some(WhatsAppConfig {
            access_token: open(token, "token")?,
            app_secret: open(secret, "secret")?,
            ghl_token: open(ghl, "ghl")?,
            settings,
        }))
    }

    /// Whether `token` is the webhook subscription's verify token.
    pub async fn whatsapp_verify_token_matches(&mut self, token: &str) -> Result<bool, StoreError> {
        let hash: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT verify_token_hash FROM whatsapp_settings")
                .fetch_optional(self.conn())
                .await?;
        Ok(hash.is_some_and(|h| constant_time_eq(&h, &token_hash(token))))
    }

    /// Sets WhatsApp up or changes it; the first time needs every secret.
    pub async fn set_whatsapp(&mut self, input: &WhatsAppInput) -> Result<(), StoreError> {
        input.validate()?;
        let rid = self.restaurant_id();
        let key = self.data_key().await?;
        let seal = |v: &Option<String>, what: &str| {
            v.as_deref()
                .map(|s| key.seal(s.trim().as_bytes(), &format!("whatsapp-{what}:{rid}")))
        };
        let (token, secret) = (
            seal(&input.access_token, "token"),
            seal(&input.app_secret, "secret"),
        );
        let ghl = seal(&input.ghl_token, "ghl");
        let verify = input.verify_token.as_deref().map(|t| token_hash(t.trim()));
        let current = self.whatsapp_settings().await?;
        // A route's secrets are needed the first time it is used; later an empty field keeps them.
        let same_route = current
            .as_ref()
            .is_some_and(|c| (c.route == "gohighlevel") == input.ghl());
        if !same_route {
            let needed: Vec<(&str, bool)> = if input.ghl() {
                vec![("ghl_token", ghl.is_some())]
            } else {
                vec![
                    ("access_token", token.is_some()),
                    ("app_secret", secret.is_some()),
                    ("verify_token", verify.is_some()),
                ]
            };
            for (field, given) in needed {
                if !given {
                    return Err(StoreError::field(
                        field,
                        "required",
                        "needed to set WhatsApp up",
                    ));
                }
            }
        }
        let now = self.now();
        let templates =
            serde_json::to_value(&input.templates).map_err(|e| StoreError::Other(e.into()))?;
        let mut languages = input.languages.clone();
        languages.entry("de".into()).or_insert_with(|| "de".into());
        languages.entry("en".into()).or_insert_with(|| "en".into());
        let languages =
            serde_json::to_value(&languages).map_err(|e| StoreError::Other(e.into()))?;
        let route = if input.ghl() { "gohighlevel" } else { "meta" };
        let phone = (!input.ghl()).then(|| input.phone_number_id.trim().to_string());
        let location = input
            .ghl()
            .then(|| input.ghl_location_id.trim().to_string());
        sqlx::query(
            "INSERT INTO whatsapp_settings (restaurant_id, phone_number_id, access_token_enc, app_secret_enc, \
             verify_token_hash, templates, languages, updated_at, route, ghl_token_enc, ghl_location_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (restaurant_id) DO UPDATE SET route = EXCLUDED.route, \
             phone_number_id = coalesce(EXCLUDED.phone_number_id, whatsapp_settings.phone_number_id), \
             access_token_enc = coalesce($3, whatsapp_settings.access_token_enc), \
             app_secret_enc = coalesce($4, whatsapp_settings.app_secret_enc), \
             verify_token_hash = coalesce($5, whatsapp_settings.verify_token_hash), \
             ghl_token_enc = coalesce($10, whatsapp_settings.ghl_token_enc), \
             ghl_location_id = coalesce(EXCLUDED.ghl_location_id, whatsapp_settings.ghl_location_id), \
             templates = EXCLUDED.templates, languages = EXCLUDED.languages, updated_at = EXCLUDED.updated_at",
        )
        .bind(rid)
        .bind(phone)
        .bind(token)
        .bind(secret)
        .bind(verify)
        .bind(templates)
        .bind(languages)
        .bind(now)
        .bind(route)
        .bind(ghl)
        .bind(location)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The guest's contact id at HighLevel, once known.
    pub async fn ghl_contact(&mut self, guest_id: Uuid) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT ghl_contact_id FROM guests WHERE id = $1")
                .bind(guest_id)
                .fetch_optional(self.conn())
                .await?
                .flatten(),
        )
    }

    /// Remembers the guest's contact id at HighLevel.
    pub async fn set_ghl_contact(
        &mut self,
        guest_id: Uuid,
        contact_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE guests SET ghl_contact_id = $2 WHERE id = $1")
            .bind(guest_id)
            .bind(contact_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The phone number of the guest HighLevel knows as `contact_id`.
    pub async fn phone_of_ghl_contact(
        &mut self,
        contact_id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT phone FROM guests WHERE ghl_contact_id = $1 AND phone IS NOT NULL ORDER BY created_at LIMIT 1",
        )
        .bind(contact_id)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Removes the WhatsApp route (and its secrets).
    pub async fn remove_whatsapp(&mut self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM whatsapp_settings")
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a guest's consent to WhatsApp messages (`on`) or its withdrawal, with the
    /// channel it came through.
    pub async fn set_whatsapp_consent(
        &mut self,
        guest_id: Uuid,
        on: bool,
        channel: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let sql = if on {
            "UPDATE guests SET whatsapp_opt_in_at = $2, whatsapp_opt_in_channel = $3, whatsapp_opt_out_at = NULL, updated_at = $2 WHERE id = $1"
        } else {
            "UPDATE guests SET whatsapp_opt_out_at = $2, updated_at = $2 WHERE id = $1 AND whatsapp_opt_out_at IS NULL"
        };
        sqlx::query(sql)
            .bind(guest_id)
            .bind(now)
            .bind(channel.chars().take(30).collect::<String>())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Whether a guest agreed to WhatsApp messages and has not withdrawn.
    pub async fn whatsapp_consent(&mut self, guest_id: Uuid) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT whatsapp_opt_in_at IS NOT NULL AND whatsapp_opt_out_at IS NULL FROM guests WHERE id = $1",
        )
        .bind(guest_id)
        .fetch_optional(self.conn())
        .await?
        .unwrap_or(false))
    }

    /// Stores a message a guest sent (once per provider id), notes the time for the 24-hour
    /// window, and applies "STOP"/"START". Returns the guest it belongs to, if known, and
    /// whether it was new.
    pub async fn record_inbound(
        &mut self,
        from: &str,
        provider_message_id: &str,
        at: DateTime<Utc>,
        kind: &str,
        text: Option<&str>,
    ) -> Result<(Option<Uuid>, Option<Uuid>), StoreError> {
        let guest = self.guest_by_phone(from).await?;
        let new: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO inbound_messages (restaurant_id, id, guest_id, channel, provider_message_id, from_address, body, kind, received_at) \
             VALUES ($1, $2, $3, 'whatsapp', $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(self.restaurant_id())
        .bind(Uuid::new_v4())
        .bind(guest)
        .bind(provider_message_id)
        .bind(from)
        .bind(text)
        .bind(kind)
        .bind(at)
        .fetch_optional(self.conn())
        .await?;
        if new.is_none() {
            return Ok((guest, None));
        }
        if let Some(g) = guest {
            sqlx::query("UPDATE guests SET whatsapp_last_inbound_at = greatest(whatsapp_last_inbound_at, $2) WHERE id = $1")
                .bind(g)
                .bind(at)
                .execute(self.conn())
                .await?;
            if let Some(t) = text {
                if hs_domain::message::is_stop(t) {
                    self.set_whatsapp_consent(g, false, "whatsapp").await?;
                } else if hs_domain::message::is_start(t) {
                    self.set_whatsapp_consent(g, true, "whatsapp").await?;
                }
            }
        }
        Ok((guest, new))
    }

    /// The guest with this phone number (E.164), the first one when several share it.
    pub async fn guest_by_phone(&mut self, phone: &str) -> Result<Option<Uuid>, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT id FROM guests WHERE phone = $1 ORDER BY created_at LIMIT 1",
            )
            .bind(phone)
            .fetch_optional(self.conn())
            .await?,
        )
    }

    /// One stored guest message: (from, kind, text).
    pub async fn inbound_message(
        &mut self,
        id: Uuid,
    ) -> Result<Option<(String, String, Option<String>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT from_address, kind, body FROM inbound_messages WHERE id = $1")
                .bind(id)
                .fetch_optional(self.conn())
                .await?,
        )
    }

    /// The messages a guest sent, newest first (at most 100): (received, kind, text).
    pub async fn inbound_of_guest(
        &mut self,
        guest_id: Uuid,
    ) -> Result<Vec<(DateTime<Utc>, String, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT received_at, kind, body FROM inbound_messages WHERE guest_id = $1 ORDER BY received_at DESC LIMIT 100",
        )
        .bind(guest_id)
        .fetch_all(self.conn())
        .await?)
    }
}
