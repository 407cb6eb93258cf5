//! The guest book: search, profile with visit history, and edits. Special-category notes are
//! sealed with the restaurant's data key and opened only for callers allowed to read them.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use uuid::Uuid;

/// A guest as the API shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Guest {
    pub id: Uuid,
    pub name: String,
    pub salutation: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub tags: Vec<String>,
    pub notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_notes: Option<String>,
    pub has_special_notes: bool,
    pub visit_count: i32,
    pub no_show_count: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    name: String,
    salutation: String,
    phone: Option<String>,
    email: Option<String>,
    language: String,
    tags: Vec<String>,
    notes: String,
    special_enc: Option<String>,
    visit_count: i32,
    no_show_count: i32,
    created_at: DateTime<Utc>,
}

const COLS: &str = "id, name, salutation, phone, email, language, tags, notes, special_enc, visit_count, no_show_count, created_at";

/// Changes to a guest; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestChanges {
    pub name: Option<String>,
    pub salutation: Option<String>,
    /// Empty string clears it.
    pub phone: Option<String>,
    /// Empty string clears it.
    pub email: Option<String>,
    pub language: Option<String>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    /// Empty string clears them.
    pub special_notes: Option<String>,
}

impl TenantTx {
    async fn present_guest(&mut self, r: Row, special: bool) -> Result<Guest, StoreError> {
        let special_notes = match (&r.special_enc, special) {
            (Some(sealed), true) => {
                let key = self.data_key().await?;
                Some(
                    String::from_utf8_lossy(&key.open(sealed, &format!("guest:{}", r.id))?)
                        .into_owned(),
                )
            }
            _ => None,
        };
        Ok(Guest {
            id: r.id,
            name: r.name,
            salutation: r.salutation,
            phone: r.phone,
            email: r.email,
            language: r.language,
            tags: r.tags,
            notes: r.notes,
            has_special_notes: r.special_enc.is_some(),
            special_notes,
            visit_count: r.visit_count,
            no_show_count: r.no_show_count,
            created_at: r.created_at,
        })
    }

    /// Guests whose name contains `q` (any case), or whose phone or email matches it; at most 50.
    pub async fn search_guests(&mut self, q: &str) -> Result<Vec<Guest>, StoreError> {
        let q = validate::single_line(q, 200).map_err(|e| StoreError::invalid("q", e))?;
        let country = self.reservation_settings().await?.country;
        let phone = validate::phone_e164(q, &country).ok();
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        // Part of a number as it is typed ("0761 234"): its digits without the national prefix,
        // from four digits on.
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let typed_number = q
            .chars()
            .all(|c| c.is_ascii_digit() || " +-/()".contains(c))
            && digits.len() >= 4;
        let phone_part = typed_number.then(|| format!("%{}%", digits.trim_start_matches('0')));
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLS} FROM guests WHERE lower(name) LIKE $1 OR email = lower($2) OR phone = $3 OR phone LIKE $4 \
             ORDER BY (phone = $3 OR email = lower($2)) DESC NULLS LAST, visit_count DESC, name LIMIT 50"
        ))
        .bind(&pattern)
        .bind(q)
        .bind(&phone)
        .bind(&phone_part)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present_guest(r, false).await?);
        }
        Ok(out)
    }

    /// One guest.
    pub async fn guest(&mut self, id: Uuid, special: bool) -> Result<Guest, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLS} FROM guests WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        self.present_guest(row, special).await
    }

    /// The guest's reservations, newest first.
    pub async fn guest_history(
        &mut self,
        id: Uuid,
    ) -> Result<Vec<crate::booking::Reservation>, StoreError> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM reservations WHERE guest_id = $1 ORDER BY starts_at DESC LIMIT 100",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            out.push(self.reservation(r, false).await?);
        }
        Ok(out)
    }

    /// Applies changes; `special` says whether the caller may read (and so write) special
    /// category notes.
    pub async fn update_guest(
        &mut self,
        id: Uuid,
        c: &GuestChanges,
        special: bool,
    ) -> Result<Guest, StoreError> {
        let current = self.guest(id, false).await?;
        if c.special_notes.is_some() && !special {
            return Err(StoreError::Forbidden);
        }
        let country = self.reservation_settings().await?.country;
        let name = match &c.name {
            Some(n) => {
                validate::name(n, validate::NAME_MAX).map_err(|e| StoreError::invalid("name", e))?
            }
            None => current.name,
        };
        let salutation = match &c.salutation {
            Some(s) => validate::name(s, 30).or_else(|e| {
                if s.trim().is_empty() {
                    Ok(String::new())
                } else {
                    Err(StoreError::invalid("salutation", e))
                }
            })?,
            None => current.salutation,
        };
        let phone = match c.phone.as_deref().map(str::trim) {
            Some("") => None,
            Some(p) => Some(
                validate::phone_e164(p, &country).map_err(|e| StoreError::invalid("phone", e))?,
            ),
            None => current.phone,
        };
        let email = match c.email.as_deref().map(str::trim) {
            Some("") => None,
            Some(e) => Some(validate::email(e).map_err(|e| StoreError::invalid("email", e))?),
            None => current.email,
        };
        let language = c.language.clone().unwrap_or(current.language);
        if language != "de" && language != "en" {
            return Err(StoreError::Invalid {
                field: "language".into(),
                code: "unsupported_language",
                message: "\"de\" or \"en\"".into(),
            });
        }
        let tags = match &c.tags {
            Some(t) => {
                if t.len() > 20 {
                    return Err(StoreError::Invalid {
                        field: "tags".into(),
                        code: "too_many",
                        message: "at most 20 tags".into(),
                    });
                }
                t.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        validate::name(x, 30)
                            .map_err(|e| StoreError::invalid(format!("tags[{i}]"), e))
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => current.tags,
        };
        let notes = match &c.notes {
            Some(n) => validate::multi_line(n, 2000)
                .map_err(|e| StoreError::invalid("notes", e))?
                .to_string(),
            None => current.notes,
        };
        let special_notes = c
            .special_notes
            .as_deref()
            .map(|s| {
                validate::multi_line(s, 2000).map_err(|e| StoreError::invalid("special_notes", e))
            })
            .transpose()?;
        let now = self.store.clock.now();
        sqlx::query(
            "UPDATE guests SET name = $2, salutation = $3, phone = $4, email = $5, language = $6, tags = $7, notes = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(&name)
        .bind(&salutation)
        .bind(&phone)
        .bind(&email)
        .bind(&language)
        .bind(&tags)
        .bind(&notes)
        .bind(now)
        .execute(self.conn())
        .await?;
        if let Some(s) = special_notes {
            let sealed = if s.is_empty() {
                None
            } else {
                Some(
                    self.data_key()
                        .await?
                        .seal(s.as_bytes(), &format!("guest:{id}")),
                )
            };
            sqlx::query("UPDATE guests SET special_enc = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(self.conn())
                .await?;
        }
        self.guest(id, special).await
    }
}
