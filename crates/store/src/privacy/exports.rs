//! A person's exports (Art. 15 and 20 GDPR): the request (whom it is about, sealed), the job
//! that makes the ZIP into the file store, and the link that hands it out once. A made file
//! lives until it is downloaded or its link expires ([`EXPORT_LINK_HOURS`]); the nightly run
//! removes expired ones, and a person's erasure drops their requests not yet made.

use super::voice::nothing;
use super::{Boxed, Person, Scope, Shredded, Shredder, Subject};
use crate::error::StoreError;
use crate::files::DeleteFiles;
use crate::queue::NewJob;
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long an export's link works once the file is made.
pub const EXPORT_LINK_HOURS: i64 = 72;

/// The payload of the `privacy_export` job: which request to make.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MakeExport {
    pub export_id: Uuid,
}

impl MakeExport {
    pub const KIND: &'static str = "privacy_export";

    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: Some(self.export_id.to_string()),
            run_at,
            max_attempts: 3,
        }
    }
}

/// An export as the privacy page lists it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ExportInfo {
    pub id: Uuid,
    /// `person` or `restaurant`.
    pub kind: String,
    /// Percent done while it is being made.
    pub progress: i32,
    /// `queued`, `ready`, `downloaded`, `expired`, `failed`.
    pub status: String,
    pub requested_by: String,
    pub rows: Option<i32>,
    pub size: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub ready_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub downloaded_at: Option<DateTime<Utc>>,
}

/// What an export request is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Person(Person),
    /// All of the restaurant's data (for its owners).
    Restaurant,
}

/// What a download link finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    /// The file's key in the file store; the link is used up.
    File(String),
    /// Downloaded before, expired, or never made: 410.
    Gone,
    /// Still being made.
    Pending,
    /// No export with this id and token.
    Unknown,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl TenantTx {
    /// Asks for an export of the person: the request is stored (whom it is about sealed, the
    /// link's token only as its hash) and the `privacy_export` job enqueued in this
    /// transaction.
    pub async fn request_export(
        &mut self,
        person: &Person,
        token: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        let now = self.now();
        let key = self.data_key().await?;
        let plain = serde_json::to_vec(person).map_err(|e| StoreError::Other(e.into()))?;
        let sealed = key.seal(
            &plain,
            &format!("privacy-export:{}:{id}", self.restaurant_id()),
        );
        let hash = self.subject_hash(person);
        let actor = self.actor().to_string();
        sqlx::query(
            "INSERT INTO privacy_exports (restaurant_id, id, status, subject_enc, subject_hash, requested_by, token_hash, created_at, expires_at) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(sealed)
        .bind(hash)
        .bind(actor)
        .bind(token_hash(token))
        .bind(now)
        .bind(now + Duration::hours(EXPORT_LINK_HOURS))
        .execute(self.conn())
        .await?;
        self.enqueue(&MakeExport { export_id: id }.job(now)).await?;
        Ok(id)
    }

    /// Asks for an export of all the restaurant's data (for its owners), made by the
    /// `privacy_export` job; its link works until `until` (default [`EXPORT_LINK_HOURS`]).
    pub async fn request_restaurant_export(
        &mut self,
        token: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        let now = self.now();
        let expires = until.unwrap_or(now + Duration::hours(EXPORT_LINK_HOURS));
        let actor = self.actor().to_string();
        sqlx::query(
            "INSERT INTO privacy_exports (restaurant_id, id, kind, status, requested_by, token_hash, created_at, expires_at) \
             VALUES ($1, $2, 'restaurant', 'queued', $3, $4, $5, $6)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(actor)
        .bind(token_hash(token))
        .bind(now)
        .bind(expires)
        .execute(self.conn())
        .await?;
        self.enqueue(&MakeExport { export_id: id }.job(now)).await?;
        Ok(id)
    }

    /// What a queued export is about (for its job); None once made, expired or dropped.
    pub async fn export_request(&mut self, id: Uuid) -> Result<Option<Request>, StoreError> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT kind, subject_enc FROM privacy_exports WHERE id = $1 AND status = 'queued'",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let sealed = match row {
            None => return Ok(None),
            Some((kind, _)) if kind == "restaurant" => return Ok(Some(Request::Restaurant)),
            Some((_, None)) => return Ok(None),
            Some((_, Some(sealed))) => sealed,
        };
        let key = self.data_key().await?;
        let plain = key.open(
            &sealed,
            &format!("privacy-export:{}:{id}", self.restaurant_id()),
        )?;
        Ok(Some(Request::Person(
            serde_json::from_slice(&plain).map_err(|e| StoreError::Other(e.into()))?,
        )))
    }

    /// Records a made export: its file and the rows it holds; whom it is about is forgotten.
    /// The export is logged in the protocol.
    pub async fn export_made(
        &mut self,
        id: Uuid,
        object_key: &str,
        rows: u64,
        size: usize,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let (hash, by): (Option<String>, String) = sqlx::query_as(
            "UPDATE privacy_exports SET status = 'ready', subject_enc = NULL, object_key = $2, \
             rows_exported = $3, size = $4, ready_at = $5, expires_at = greatest(expires_at, $6) WHERE id = $1 AND status = 'queued' \
             RETURNING subject_hash, requested_by",
        )
        .bind(id)
        .bind(object_key)
        .bind(rows.min(i32::MAX as u64) as i32)
        .bind(size.min(i32::MAX as usize) as i32)
        .bind(now)
        .bind(now + Duration::hours(EXPORT_LINK_HOURS))
        .fetch_one(self.conn())
        .await?;
        self.log_export(rows, hash.as_deref(), &by).await
    }

    /// Writes the protocol row of an export: a person's (by their hash) or the restaurant's.
    pub async fn log_export(
        &mut self,
        rows: u64,
        hash: Option<&str>,
        by: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.protocol(&super::Protocol {
            category: if hash.is_some() {
                "subject_exported"
            } else {
                "restaurant_exported"
            },
            rows,
            cutoff: now,
            ran_at: now,
            reason: "export",
            subject_hash: hash,
            actor: by,
        })
        .await
    }

    /// Marks a queued export failed (its job gave up); whom it was about is forgotten.
    pub async fn export_failed(&mut self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE privacy_exports SET status = 'failed', subject_enc = NULL WHERE id = $1 AND status = 'queued'",
        )
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses up an export's link: the file's key once, while it has not expired; afterwards
    /// [`Take::Gone`]. The restaurant's own export only for its owners (`owner`), else
    /// [`Take::Unknown`]. The file itself is removed by the `delete_files` job enqueued here
    /// (after the download, which the caller streams first, has had its hour).
    pub async fn take_export(
        &mut self,
        id: Uuid,
        token: &str,
        owner: bool,
    ) -> Result<Take, StoreError> {
        let now = self.now();
        let row: Option<(String, String, Option<String>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT kind, status, object_key, expires_at FROM privacy_exports WHERE id = $1 AND token_hash = $2 FOR UPDATE",
        )
        .bind(id)
        .bind(token_hash(token))
        .fetch_optional(self.conn())
        .await?;
        let Some((kind, status, key, expires)) = row else {
            return Ok(Take::Unknown);
        };
        if kind == "restaurant" && !owner {
            return Ok(Take::Unknown);
        }
        if status == "queued" && expires > now {
            return Ok(Take::Pending);
        }
        let (Some(key), "ready") = (key, status.as_str()) else {
            return Ok(Take::Gone);
        };
        if expires <= now {
            return Ok(Take::Gone);
        }
        sqlx::query(
            "UPDATE privacy_exports SET status = 'downloaded', downloaded_at = $2, object_key = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(self.conn())
        .await?;
        let job = DeleteFiles {
            keys: vec![key.clone()],
        };
        self.enqueue(&job.job(now + Duration::hours(1))).await?;
        Ok(Take::File(key))
    }

    /// The restaurant's exports, newest first (at most 100).
    pub async fn privacy_exports(&mut self) -> Result<Vec<ExportInfo>, StoreError> {
        type Row = (
            Uuid,
            String,
            i32,
            String,
            String,
            Option<i32>,
            Option<i32>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, kind, progress, status, requested_by, rows_exported, size, created_at, ready_at, expires_at, downloaded_at \
             FROM privacy_exports ORDER BY created_at DESC LIMIT 100",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    kind,
                    progress,
                    status,
                    requested_by,
                    rows,
                    size,
                    created_at,
                    ready_at,
                    expires_at,
                    downloaded_at,
                )| {
                    ExportInfo {
                        id,
                        kind,
                        progress,
                        status,
                        requested_by,
                        rows,
                        size,
                        created_at,
                        ready_at,
                        expires_at,
                        downloaded_at,
                    }
                },
            )
            .collect())
    }
}

/// Exports: made files removed once their link expired; a person's requests not yet made
/// dropped on their erasure.
pub struct PrivacyExports;

impl Shredder for PrivacyExports {
    fn category(&self) -> &'static str {
        "privacy_exports_expired"
    }

    fn deleted_category(&self) -> &'static str {
        "privacy_exports_dropped"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["privacy_exports"]
    }

    fn export<'a>(
        &'a self,
        _tx: &'a mut TenantTx,
        _subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        // A request names its person only by a hash.
        Box::pin(async { Ok(Vec::new()) })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            match scope {
                Scope::Retention(at) => {
                    let gone: Vec<(Uuid, Option<String>)> = sqlx::query_as(
                        "UPDATE privacy_exports p SET status = 'expired', subject_enc = NULL, object_key = NULL \
                         FROM (SELECT id, object_key FROM privacy_exports WHERE expires_at < $1 \
                               AND status IN ('queued', 'ready') FOR UPDATE) old \
                         WHERE p.id = old.id RETURNING p.id, old.object_key",
                    )
                    .bind(*at)
                    .fetch_all(tx.conn())
                    .await?;
                    let keys: Vec<String> = gone.iter().filter_map(|(_, k)| k.clone()).collect();
                    if !keys.is_empty() {
                        tx.enqueue(&DeleteFiles { keys }.job(now)).await?;
                    }
                    Ok(Shredded {
                        rows: gone.len() as u64,
                        cutoff: *at,
                        audit: Some((
                            "privacy_exports",
                            gone.iter().map(|(id, _)| id.to_string()).collect(),
                        )),
                        deleted: false,
                    })
                }
                Scope::Erasure(Subject::Person(p), _) => {
                    let hash = tx.subject_hash(p);
                    let ids: Vec<Uuid> = sqlx::query_scalar(
                        "UPDATE privacy_exports SET status = 'failed', subject_enc = NULL \
                         WHERE subject_hash = $1 AND status = 'queued' RETURNING id",
                    )
                    .bind(hash)
                    .fetch_all(tx.conn())
                    .await?;
                    Ok(Shredded {
                        rows: ids.len() as u64,
                        cutoff: now,
                        audit: Some(("privacy_exports", ids.iter().map(Uuid::to_string).collect())),
                        deleted: true,
                    })
                }
                Scope::Erasure(Subject::Restaurant, _) => Ok(nothing(now)),
            }
        })
    }
}

impl crate::tenant::Store {
    /// Records how far a restaurant's export has come, in its own short transaction so the
    /// page shows it while the job's transaction runs.
    pub async fn set_export_progress(
        &self,
        restaurant: Uuid,
        id: Uuid,
        percent: i32,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .tenant(restaurant, &crate::tenant::Actor::System)
            .await?;
        sqlx::query("UPDATE privacy_exports SET progress = $2 WHERE id = $1 AND status = 'queued'")
            .bind(id)
            .bind(percent.clamp(0, 100))
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }
}
