//! The chat agent's settings (migration 0017): the OpenAI-compatible model a restaurant uses,
//! its key sealed with the data key, and the restaurant's own questions and answers (FAQ).

use crate::error::StoreError;
use crate::tenant::TenantTx;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// At most this many FAQ entries per restaurant.
pub const FAQ_MAX: usize = 50;

/// The model a restaurant configured, as shown in settings (the key never).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentSettings {
    pub model_base_url: Option<String>,
    pub model_name: Option<String>,
    pub has_model_key: bool,
    /// Days a conversation is kept after its last message, then anonymised.
    pub retention_days: i32,
    /// Minutes a guest who asked for a person may wait before owners and managers get an
    /// email (`None`: no email).
    pub handover_mail_minutes: Option<i32>,
}

impl Default for AgentSettings {
    fn default() -> Self {
        AgentSettings {
            model_base_url: None,
            model_name: None,
            has_model_key: false,
            retention_days: CONVERSATION_RETENTION_DAYS,
            handover_mail_minutes: None,
        }
    }
}

/// Days conversations are kept by default, and at most.
pub const CONVERSATION_RETENTION_DAYS: i32 = 90;
pub const CONVERSATION_RETENTION_MAX: i32 = 365;

/// The longest wait before the handover email: a day.
pub const HANDOVER_MAIL_MAX_MINUTES: i32 = 1440;

/// What [`TenantTx::agent_profile`] read for a restaurant, kept under its setup version.
pub(crate) struct Kept {
    profile: AgentProfile,
    setup: Arc<crate::setup::model::Setup>,
}

/// The agent profiles of the restaurants this server talks for, each under the setup version
/// (migration 0032) it was read at: a version names exactly one committed state, so a profile
/// kept under the version a transaction reads is what that transaction would read itself.
#[derive(Default)]
pub(crate) struct Profiles {
    kept: Mutex<HashMap<Uuid, (i64, Arc<Kept>)>>,
    /// Profiles read from the database (the rest came from here).
    reads: AtomicU64,
}

/// Restaurants whose profiles are kept at most; past it the whole map starts again.
const PROFILES_KEPT: usize = 4096;

impl Profiles {
    fn get(&self, rid: Uuid, version: i64) -> Option<Arc<Kept>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(&rid)
            .filter(|(v, _)| *v == version)
            .map(|(_, k)| k.clone())
    }

    fn keep(&self, rid: Uuid, version: i64, profile: Kept) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= PROFILES_KEPT && !kept.contains_key(&rid) {
            kept.clear();
        }
        // Versions only grow: an older read finishing late does not replace a newer one.
        match kept.get(&rid) {
            Some((v, _)) if *v > version => {}
            _ => {
                kept.insert(rid, (version, Arc::new(profile)));
            }
        }
    }
}

impl crate::Store {
    /// How many agent profiles were read from the database rather than taken from those
    /// kept under an unchanged setup version.
    pub fn agent_profile_reads(&self) -> u64 {
        self.profiles.reads.load(Ordering::Relaxed)
    }
}

/// A model to call: base URL (up to `/v1`), model name and key.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelAccess {
    pub base_url: String,
    pub model: String,
    pub key: String,
}

/// What a model turn reads about the restaurant: its name, its own model, its FAQ.
#[derive(Clone, Debug)]
pub struct AgentProfile {
    pub name: String,
    pub model: Option<ModelAccess>,
    pub faq: Vec<FaqEntry>,
}

/// One question and its answer, in German and English (either may be empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub question_de: String,
    pub answer_de: String,
    pub question_en: String,
    pub answer_en: String,
}

fn invalid(field: String, message: &str) -> StoreError {
    StoreError::Invalid {
        field,
        code: "invalid",
        message: message.into(),
    }
}

impl FaqEntry {
    fn validate(&self, i: usize) -> Result<(), StoreError> {
        for (name, v, max) in [
            ("question_de", &self.question_de, 300),
            ("answer_de", &self.answer_de, 2000),
            ("question_en", &self.question_en, 300),
            ("answer_en", &self.answer_en, 2000),
        ] {
            if v.chars().count() > max {
                return Err(invalid(
                    format!("faq[{i}].{name}"),
                    &format!("at most {max} characters"),
                ));
            }
        }
        let de = !self.question_de.trim().is_empty() && !self.answer_de.trim().is_empty();
        let en = !self.question_en.trim().is_empty() && !self.answer_en.trim().is_empty();
        if !de && !en {
            return Err(invalid(
                format!("faq[{i}].question_de"),
                "a question with its answer, in German or English",
            ));
        }
        Ok(())
    }
}

impl TenantTx {
    /// The restaurant's model settings (none configured: all empty).
    pub async fn agent_settings(&mut self) -> Result<AgentSettings, StoreError> {
        type Row = (Option<String>, Option<String>, bool, i32, Option<i32>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT model_base_url, model_name, model_key_enc IS NOT NULL, retention_days, \
             handover_mail_minutes FROM agent_settings",
        )
        .fetch_optional(self.conn())
        .await?;
        Ok(row
            .map(
                |(model_base_url, model_name, has_model_key, retention_days, handover)| {
                    AgentSettings {
                        model_base_url,
                        model_name,
                        has_model_key,
                        retention_days,
                        handover_mail_minutes: handover,
                    }
                },
            )
            .unwrap_or_default())
    }

    /// Sets how many days conversations are kept after their last message (1 to 365).
    pub async fn set_conversation_retention(&mut self, days: i32) -> Result<(), StoreError> {
        if !(1..=CONVERSATION_RETENTION_MAX).contains(&days) {
            return Err(invalid(
                "retention_days".into(),
                "a number of days from 1 to 365",
            ));
        }
        self.set_agent_setting("retention_days", Some(days)).await
    }

    /// Sets after how many minutes of waiting owners and managers are emailed about a guest
    /// who asked for a person (1 to 1,440; `None`: never).
    pub async fn set_handover_mail(&mut self, minutes: Option<i32>) -> Result<(), StoreError> {
        if minutes.is_some_and(|m| !(1..=HANDOVER_MAIL_MAX_MINUTES).contains(&m)) {
            return Err(invalid(
                "handover_mail_minutes".into(),
                "empty (no email) or a number of minutes from 1 to 1440",
            ));
        }
        self.set_agent_setting("handover_mail_minutes", minutes)
            .await
    }

    /// Writes one integer column of the restaurant's agent settings (its row made if missing).
    async fn set_agent_setting(
        &mut self,
        column: &'static str,
        value: Option<i32>,
    ) -> Result<(), StoreError> {
        self.setup_version = None;
        sqlx::query(&format!(
            "INSERT INTO agent_settings (restaurant_id, {column}, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (restaurant_id) DO UPDATE SET {column} = $2, updated_at = $3"
        ))
        .bind(self.restaurant_id())
        .bind(value)
        .bind(self.now())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The model to call for this restaurant, with its key opened; `None` unless URL and model
    /// are set (a key is optional: local servers often need none).
    pub async fn agent_model(&mut self) -> Result<Option<ModelAccess>, StoreError> {
        Ok(self.agent_profile().await?.model)
    }

    /// The restaurant's name, model and FAQ in one round trip, with the setup when this
    /// transaction has not read it yet: what a model turn needs before it asks the model
    /// (every round trip there adds to the guest's wait for the first word).
    ///
    /// When this transaction began with the agent endpoint's key query or the widget's
    /// settings read, that query read the restaurant's setup version (migration 0032), and
    /// the profile kept under that very version is used without a round trip. A profile is kept only from a read in a
    /// transaction that has written nothing yet, so it is always committed data, stored under
    /// the version read in the same statement.
    pub async fn agent_profile(&mut self) -> Result<AgentProfile, StoreError> {
        let rid = self.restaurant_id();
        if let Some(kept) = self
            .setup_version
            .take()
            .and_then(|v| self.store.profiles.get(rid, v))
        {
            if !self.has_setup() {
                self.cache_setup(kept.setup.clone());
            }
            return Ok(kept.profile.clone());
        }
        self.store.profiles.reads.fetch_add(1, Ordering::Relaxed);
        let with_setup = !self.has_setup();
        let row = sqlx::query(&format!(
            "SELECT r.name, r.setup_version, txid_current_if_assigned() IS NULL AS unwritten, \
             s.model_base_url, s.model_name, s.model_key_enc, \
             coalesce((SELECT jsonb_agg(jsonb_build_object('question_de', question_de, 'answer_de', answer_de, \
               'question_en', question_en, 'answer_en', answer_en) ORDER BY position) FROM faq_entries), '[]') AS faq{} \
             FROM restaurants r LEFT JOIN agent_settings s ON s.restaurant_id = r.id{} WHERE r.id = $1",
            if with_setup { ", setup.*" } else { "" },
            if with_setup {
                format!(" CROSS JOIN LATERAL (SELECT {} FROM restaurant_settings) setup", crate::setup::setup_columns())
            } else {
                String::new()
            },
        ))
        .bind(rid)
        .fetch_optional(self.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
        let setup = if with_setup {
            let setup = Arc::new(crate::setup::setup_of(&row)?);
            self.cache_setup(setup.clone());
            Some(setup)
        } else {
            None
        };
        let version: i64 = row.try_get("setup_version")?;
        let unwritten: bool = row.try_get("unwritten")?;
        let name: String = row.try_get("name")?;
        let base_url: Option<String> = row.try_get("model_base_url")?;
        let model: Option<String> = row.try_get("model_name")?;
        let key: Option<String> = row.try_get("model_key_enc")?;
        let faq: sqlx::types::Json<Vec<FaqEntry>> = row.try_get("faq")?;
        let model = match (base_url, model) {
            (Some(base_url), Some(model)) => {
                let key = match key {
                    Some(k) => {
                        let rid = self.restaurant_id();
                        let plain = self
                            .data_key()
                            .await?
                            .open(&k, &format!("model-key:{rid}"))?;
                        String::from_utf8(plain).map_err(|e| StoreError::Other(e.into()))?
                    }
                    None => String::new(),
                };
                Some(ModelAccess {
                    base_url,
                    model,
                    key,
                })
            }
            _ => None,
        };
        let profile = AgentProfile {
            name,
            model,
            faq: faq.0,
        };
        if let (Some(setup), true) = (setup, unwritten) {
            self.store.profiles.keep(
                rid,
                version,
                Kept {
                    profile: profile.clone(),
                    setup,
                },
            );
        }
        Ok(profile)
    }

    /// Sets the model (both `None`: the platform's model or the built-in agent). `key`:
    /// `None` keeps the stored key, `Some("")` removes it, anything else replaces it (sealed).
    pub async fn set_agent_model(
        &mut self,
        base_url: Option<&str>,
        model: Option<&str>,
        key: Option<&str>,
    ) -> Result<(), StoreError> {
        self.setup_version = None;
        let base_url = base_url
            .map(|u| u.trim().trim_end_matches('/'))
            .filter(|u| !u.is_empty());
        let model = model.map(str::trim).filter(|m| !m.is_empty());
        if let Some(u) = base_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 300
                && !u.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(invalid(
                    "model_base_url".into(),
                    "an http(s) URL of up to 300 characters, e.g. https://api.openai.com/v1",
                ));
            }
        }
        if let Some(m) = model {
            if m.chars().count() > 100 || m.chars().any(char::is_control) {
                return Err(invalid("model_name".into(), "up to 100 characters"));
            }
        }
        if base_url.is_some() != model.is_some() {
            let field = if base_url.is_none() {
                "model_base_url"
            } else {
                "model_name"
            };
            return Err(invalid(field.into(), "URL and model are set together"));
        }
        if let Some(k) = key.map(str::trim).filter(|k| !k.is_empty()) {
            if k.len() > 500 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(
                    "model_key".into(),
                    "up to 500 visible ASCII characters",
                ));
            }
        }
        let rid = self.restaurant_id();
        let now = self.now();
        sqlx::query(
            "INSERT INTO agent_settings (restaurant_id, model_base_url, model_name, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (restaurant_id) DO UPDATE SET \
             model_base_url = $2, model_name = $3, updated_at = $4",
        )
        .bind(rid)
        .bind(base_url)
        .bind(model)
        .bind(now)
        .execute(self.conn())
        .await?;
        if let Some(k) = key {
            let k = k.trim();
            let sealed = if k.is_empty() {
                None
            } else {
                Some(
                    self.data_key()
                        .await?
                        .seal(k.as_bytes(), &format!("model-key:{rid}")),
                )
            };
            sqlx::query("UPDATE agent_settings SET model_key_enc = $1")
                .bind(sealed)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// The restaurant's FAQ, in its order.
    pub async fn faq(&mut self) -> Result<Vec<FaqEntry>, StoreError> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT question_de, answer_de, question_en, answer_en FROM faq_entries ORDER BY position",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(question_de, answer_de, question_en, answer_en)| FaqEntry {
                    question_de,
                    answer_de,
                    question_en,
                    answer_en,
                },
            )
            .collect())
    }

    /// Replaces the FAQ. Entries with every field empty are dropped; the rest are checked
    /// (the first bad one is named `faq[i].field`).
    pub async fn set_faq(&mut self, entries: &[FaqEntry]) -> Result<(), StoreError> {
        self.setup_version = None;
        let entries: Vec<FaqEntry> = entries
            .iter()
            .map(|e| FaqEntry {
                question_de: e.question_de.trim().to_string(),
                answer_de: e.answer_de.trim().to_string(),
                question_en: e.question_en.trim().to_string(),
                answer_en: e.answer_en.trim().to_string(),
            })
            .filter(|e| *e != FaqEntry::default())
            .collect();
        if entries.len() > FAQ_MAX {
            return Err(invalid("faq".into(), &format!("at most {FAQ_MAX} entries")));
        }
        for (i, e) in entries.iter().enumerate() {
            e.validate(i)?;
        }
        sqlx::query("DELETE FROM faq_entries")
            .execute(self.conn())
            .await?;
        let rid = self.restaurant_id();
        for (i, e) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO faq_entries (restaurant_id, id, position, question_de, answer_de, question_en, answer_en) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(rid)
            .bind(Uuid::new_v4())
            .bind(i as i32)
            .bind(&e.question_de)
            .bind(&e.answer_de)
            .bind(&e.question_en)
            .bind(&e.answer_en)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}
