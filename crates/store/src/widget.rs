//! The website widget (migration 0019): the restaurant found by the public id in the script
//! tag, its widget settings, and the guest's token that names a widget conversation.
//!
//! A token is issued before the first message and kept in the guest's browser. It is a random
//! nonce with a MAC over the restaurant's id (a key derived from the master key), so it is
//! checked without a database row and is worth nothing at another restaurant; the conversation
//! it names is stored with the token's hash at the first message.

use crate::error::StoreError;
use crate::secret::{hex, token_hash};
use crate::tenant::{Store, TenantTx};
use hs_domain::widget::{normalize_origin, ORIGINS_MAX};
use rand::RngCore;
use serde::Serialize;
use uuid::Uuid;

/// A restaurant as a guest's browser finds it: by the widget's public id or the booking page's
/// slug.
#[derive(Clone, Debug)]
pub struct PublicRestaurant {
    pub id: Uuid,
    pub name: String,
    pub public_id: String,
    pub slug: String,
}

/// What the restaurant set for its widget.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WidgetSettings {
    /// Website origins allowed to embed the widget (`https://www.trattoria.de`).
    pub origins: Vec<String>,
    /// The launcher's and the guest's bubbles' colour, `#rrggbb`.
    pub colour: String,
    /// `right` or `left`.
    pub position: String,
    pub greeting_de: String,
    pub greeting_en: String,
    /// The restaurant's privacy notice, linked before the first message.
    pub privacy_url: Option<String>,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        WidgetSettings {
            origins: Vec::new(),
            colour: "#8a3b12".into(),
            position: "right".into(),
            greeting_de: String::new(),
            greeting_en: String::new(),
            privacy_url: None,
        }
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        code: "invalid",
        message: message.into(),
    }
}

impl WidgetSettings {
    /// Checks and normalises what a person typed; the first bad field is named.
    pub fn checked(mut self) -> Result<Self, StoreError> {
        let mut origins = Vec::new();
        for (i, o) in self.origins.iter().enumerate() {
            if o.trim().is_empty() {
                continue;
            }
            let n = normalize_origin(o).ok_or_else(|| {
                invalid(
                    &format!("origins[{i}]"),
                    "an http(s) origin such as https://www.trattoria.de",
                )
            })?;
            if !origins.contains(&n) {
                origins.push(n);
            }
        }
        if origins.len() > ORIGINS_MAX {
            return Err(invalid(
                "origins",
                &format!("at most {ORIGINS_MAX} origins"),
            ));
        }
        self.origins = origins;
        self.colour = self.colour.trim().to_ascii_lowercase();
        let hex_colour = self.colour.len() == 7
            && self.colour.starts_with('#')
            && self.colour[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !hex_colour {
            return Err(invalid("colour", "a colour as #rrggbb"));
        }
        if self.position != "right" && self.position != "left" {
            return Err(invalid("position", "right or left"));
        }
        for (field, v) in [
            ("greeting_de", &mut self.greeting_de),
            ("greeting_en", &mut self.greeting_en),
        ] {
            *v = v.trim().to_string();
            if v.chars().count() > 300 || v.chars().any(char::is_control) {
                return Err(invalid(field, "up to 300 characters on one line"));
            }
        }
        self.privacy_url = self
            .privacy_url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        if let Some(u) = &self.privacy_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 300
                && !u.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(invalid(
                    "privacy_url",
                    "an http(s) address of up to 300 characters",
                ));
            }
        }
        Ok(self)
    }
}

impl Store {
    /// The restaurant behind a widget's public id (`None` for an unknown or malformed one).
    pub async fn restaurant_by_public_id(
        &self,
        public_id: &str,
    ) -> Result<Option<PublicRestaurant>, StoreError> {
        if public_id.len() != 16 || !public_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        self.public_restaurant("public_id", public_id).await
    }

    /// The restaurant behind a booking page's slug (`None` for an unknown or malformed one).
    pub async fn restaurant_by_slug(
        &self,
        slug: &str,
    ) -> Result<Option<PublicRestaurant>, StoreError> {
        if !hs_domain::online::is_slug(slug) {
            return Ok(None);
        }
        self.public_restaurant("slug", slug).await
    }

    async fn public_restaurant(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<PublicRestaurant>, StoreError> {
        let mut tx = self.platform(&crate::Actor::Guest).await?;
        let row: Option<(Uuid, String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, name, public_id, slug FROM restaurants \
             WHERE {column} = $1 AND contract_ended_at IS NULL"
        ))
        .bind(value)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(|(id, name, public_id, slug)| PublicRestaurant {
            id,
            name,
            public_id,
            slug,
        }))
    }

    fn token_mac(&self, rid: Uuid, nonce: &str) -> String {
        hex(&self.key.derive(&format!("widget-token:{rid}:{nonce}"))[..16])
    }

    /// A new guest token for the restaurant's widget: `hsw_` + nonce + MAC (hex).
    pub fn issue_widget_token(&self, rid: Uuid) -> String {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce = hex(&nonce);
        format!("hsw_{nonce}{}", self.token_mac(rid, &nonce))
    }

    /// Whether `token` was issued for this restaurant's widget.
    pub fn widget_token_valid(&self, rid: Uuid, token: &str) -> bool {
        let Some(body) = token.strip_prefix("hsw_") else {
            return false;
        };
        if body.len() != 64 || !body.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        let (nonce, mac) = body.split_at(32);
        crate::secret::constant_time_eq(mac.as_bytes(), self.token_mac(rid, nonce).as_bytes())
    }
}

impl TenantTx {
    /// The restaurant's widget settings (defaults until it saves some).
    pub async fn widget_settings(&mut self) -> Result<WidgetSettings, StoreError> {
        Ok(self.read_widget_settings().await?.0)
    }

    /// The widget settings as a guest's request reads them first: with the restaurant's
    /// setup version, so that the agent turn which may follow can use the profile kept under
    /// it ([`TenantTx::agent_profile`]) instead of reading it again.
    pub async fn widget_settings_for_turn(&mut self) -> Result<WidgetSettings, StoreError> {
        let (settings, version) = self.read_widget_settings().await?;
        self.setup_version = version;
        Ok(settings)
    }

    async fn read_widget_settings(&mut self) -> Result<(WidgetSettings, Option<i64>), StoreError> {
        type Row = (
            Option<Vec<String>>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT w.origins, w.colour, w.position, w.greeting_de, w.greeting_en, w.privacy_url, \
             r.setup_version FROM restaurants r LEFT JOIN widget_settings w ON w.restaurant_id = r.id \
             WHERE r.id = $1",
        )
        .bind(self.restaurant_id())
        .fetch_optional(self.conn())
        .await?;
        let Some((origins, colour, position, greeting_de, greeting_en, privacy_url, version)) = row
        else {
            return Ok((WidgetSettings::default(), None));
        };
        let settings = match (origins, colour, position, greeting_de, greeting_en) {
            (Some(origins), Some(colour), Some(position), Some(greeting_de), Some(greeting_en)) => {
                WidgetSettings {
                    origins,
                    colour,
                    position,
                    greeting_de,
                    greeting_en,
                    privacy_url,
                }
            }
            _ => WidgetSettings::default(),
        };
        Ok((settings, Some(version)))
    }

    /// Saves the widget settings (checked and normalised first).
    pub async fn set_widget_settings(&mut self, s: WidgetSettings) -> Result<(), StoreError> {
        let s = s.checked()?;
        sqlx::query(
            "INSERT INTO widget_settings (restaurant_id, origins, colour, position, greeting_de, greeting_en, privacy_url, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (restaurant_id) DO UPDATE SET \
             origins = $2, colour = $3, position = $4, greeting_de = $5, greeting_en = $6, privacy_url = $7, updated_at = $8",
        )
        .bind(self.restaurant_id())
        .bind(&s.origins)
        .bind(&s.colour)
        .bind(&s.position)
        .bind(&s.greeting_de)
        .bind(&s.greeting_en)
        .bind(&s.privacy_url)
        .bind(self.now())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The restaurant's widget id and booking-page slug (for the snippet and link in
    /// settings).
    pub async fn public_ids(&mut self) -> Result<(String, String), StoreError> {
        Ok(
            sqlx::query_as("SELECT public_id, slug FROM restaurants WHERE id = $1")
                .bind(self.restaurant_id())
                .fetch_one(self.conn())
                .await?,
        )
    }

    /// The widget conversation a guest token names, if it has started and is not anonymised.
    pub async fn conversation_by_guest_token(
        &mut self,
        token: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE guest_token_hash = $1 AND anonymised_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.conn())
        .await?)
    }

    /// Marks a conversation as the one a guest token names.
    pub async fn set_guest_token(&mut self, id: Uuid, token: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE conversations SET guest_token_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(token_hash(token))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
