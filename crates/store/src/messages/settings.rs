//! A restaurant's message settings (reminder lead, cancel cutoff, digest time, its own
//! paragraph per kind) and who of the team gets the daily digest.

use super::*;

/// A restaurant's own short paragraph for one kind of message, per language.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Paragraph {
    #[serde(default)]
    pub de: String,
    #[serde(default)]
    pub en: String,
}

/// Longest own paragraph, in characters.
pub const PARAGRAPH_MAX: usize = 1000;

/// How a restaurant's guest messages behave.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MessageSettings {
    /// Hours before the visit the reminder goes out; 0 sends none.
    pub reminder_hours: i32,
    /// Until how many minutes before the visit a guest may cancel or change on their own.
    pub cancel_cutoff_minutes: i32,
    /// The local time of the team's daily digest.
    pub digest_time: NaiveTime,
    /// The restaurant's own paragraph per kind ("confirmation", "reminder", …).
    pub paragraphs: BTreeMap<String, Paragraph>,
}

impl MessageSettings {
    /// Checks every field; the first problem names its field.
    pub fn validate(&self) -> Result<(), StoreError> {
        if !(0..=168).contains(&self.reminder_hours) {
            return Err(StoreError::field(
                "reminder_hours",
                "out_of_range",
                "between 0 (no reminders) and 168 hours",
            ));
        }
        if !(0..=10080).contains(&self.cancel_cutoff_minutes) {
            return Err(StoreError::field(
                "cancel_cutoff_minutes",
                "out_of_range",
                "between 0 and 10080 minutes (7 days)",
            ));
        }
        for (kind, p) in &self.paragraphs {
            let known = Kind::parse(kind).is_some_and(|k| Kind::ABOUT_RESERVATIONS.contains(&k));
            if !known {
                return Err(StoreError::field(
                    format!("paragraphs.{kind}"),
                    "unknown_kind",
                    "a kind of guest message: confirmation, pending, approved, declined, changed, cancelled or reminder",
                ));
            }
            for (lang, text) in [("de", &p.de), ("en", &p.en)] {
                validate::multi_line(text, PARAGRAPH_MAX)
                    .map_err(|e| StoreError::invalid(format!("paragraphs.{kind}.{lang}"), e))?;
            }
        }
        Ok(())
    }

    /// The restaurant's paragraph for `kind` in `lang` (empty when none).
    pub fn paragraph(&self, kind: Kind, lang: &str) -> &str {
        self.paragraphs
            .get(kind.as_str())
            .map(|p| if lang == "en" { &p.en } else { &p.de })
            .map_or("", |s| s.trim())
    }
}

impl TenantTx {
    /// The restaurant's message settings.
    pub async fn message_settings(&mut self) -> Result<MessageSettings, StoreError> {
        let (reminder_hours, cancel_cutoff_minutes, digest_time, paragraphs): (
            i32,
            i32,
            NaiveTime,
            serde_json::Value,
        ) = sqlx::query_as(
            "SELECT reminder_hours, cancel_cutoff_minutes, digest_time, message_paragraphs FROM restaurant_settings",
        )
        .fetch_one(self.conn())
        .await?;
        Ok(MessageSettings {
            reminder_hours,
            cancel_cutoff_minutes,
            digest_time,
            paragraphs: serde_json::from_value(paragraphs).unwrap_or_default(),
        })
    }

    /// Replaces the message settings after validating them.
    pub async fn set_message_settings(&mut self, s: &MessageSettings) -> Result<(), StoreError> {
        s.validate()?;
        let now = self.now();
        let paragraphs: BTreeMap<&String, &Paragraph> = s
            .paragraphs
            .iter()
            .filter(|(_, p)| !p.de.trim().is_empty() || !p.en.trim().is_empty())
            .collect();
        sqlx::query(
            "UPDATE restaurant_settings SET reminder_hours = $1, cancel_cutoff_minutes = $2, digest_time = $3, \
             message_paragraphs = $4, updated_at = $5",
        )
        .bind(s.reminder_hours)
        .bind(s.cancel_cutoff_minutes)
        .bind(s.digest_time)
        .bind(serde_json::to_value(paragraphs).map_err(|e| StoreError::Other(e.into()))?)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The members who get the daily digest: (user id, email, name, language).
    pub async fn digest_recipients(
        &mut self,
    ) -> Result<Vec<(Uuid, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.language FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.daily_digest ORDER BY u.email",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// Whether member `user_id` gets the daily digest.
    pub async fn daily_digest(&mut self, user_id: Uuid) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT daily_digest FROM memberships WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(self.conn())
                .await?
                .unwrap_or(false),
        )
    }

    /// Turns the daily digest on or off for member `user_id`.
    pub async fn set_daily_digest(&mut self, user_id: Uuid, on: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE memberships SET daily_digest = $2 WHERE user_id = $1")
            .bind(user_id)
            .bind(on)
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Pending reservations (waiting for approval) that start after `from`.
    pub async fn pending_from(&mut self, from: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM reservations WHERE status = 'pending' AND starts_at >= $1",
        )
        .bind(from)
        .fetch_one(self.conn())
        .await?)
    }
}
