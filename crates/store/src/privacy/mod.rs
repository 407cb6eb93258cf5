//! The privacy module: one shredder per category of personal data, each able to export what
//! it holds about a data subject (or the whole restaurant), and to anonymise or delete it,
//! either because its retention ran out (the nightly run) or because the subject asked for
//! erasure. Every shredding writes a row of the restaurant's deletion protocol; audit rows are
//! kept and marked shredded, never deleted (pretix's `shredder.py` is the model).
//!
//! A new category of personal data (guests, conversations) gets a shredder here and a place
//! in [`SHREDDERS`].

mod idempotency;
mod messages;
mod voice;

use crate::error::StoreError;
use crate::tenant::{Actor, Store, TenantTx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

pub use messages::BODY_RETENTION_DAYS;
pub use voice::EVENT_RETENTION_DAYS;

/// Whose data a shredder looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Everything the restaurant holds (its own export, or leaving the platform).
    Restaurant,
    /// A person known by their phone number (E.164), e.g. a caller.
    Phone(String),
    /// A person known by their email address (lower case).
    Email(String),
}

/// What one shredding did: a line of the deletion protocol.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Deleted {
    pub restaurant_id: Uuid,
    pub category: &'static str,
    pub rows: u64,
    /// Data older than this was affected (retention), or the moment of the erasure.
    pub cutoff: DateTime<Utc>,
}

/// Why data is being shredded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The nightly run at this moment: whatever outlived its retention.
    Retention(DateTime<Utc>),
    /// A data subject's erasure request.
    Erasure(&'a Subject),
}

impl Scope<'_> {
    /// The moment the shredding happens: the run's moment, or now for an erasure.
    pub fn at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Scope::Retention(at) => *at,
            Scope::Erasure(_) => now,
        }
    }
}

/// What a shredding touched, before it is written to the protocol.
pub struct Shredded {
    pub rows: u64,
    pub cutoff: DateTime<Utc>,
    /// Rows whose audit entries are marked shredded: (table, row ids).
    pub audit: Option<(&'static str, Vec<String>)>,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One category of personal data.
pub trait Shredder: Sync {
    /// The category named in the deletion protocol.
    fn category(&self) -> &'static str;

    /// What the category holds about the subject, as JSON objects (no secrets, no keys).
    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>>;

    /// Anonymises or deletes what the scope covers.
    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded>;
}

/// Every shredder, in the order they run (dependants before what they depend on).
pub static SHREDDERS: &[&dyn Shredder] = &[
    &voice::VoiceEvents,
    &voice::VoiceCalls,
    &idempotency::IdempotencyRecords,
    &messages::MessageBodies,
    &messages::GuestLinks,
    &messages::InboundMessages,
    &messages::Conversations,
];

impl TenantTx {
    /// Runs every shredder over the scope in this transaction, writes one protocol row per
    /// category (also when nothing was affected, as proof the run happened) and marks the
    /// affected rows' audit entries shredded.
    pub async fn shred(&mut self, scope: &Scope<'_>) -> Result<Vec<Deleted>, StoreError> {
        let now = scope.at(self.now());
        let rid = self.restaurant_id();
        let reason = match scope {
            Scope::Retention(_) => "retention",
            Scope::Erasure(_) => "erasure",
        };
        let mut out = Vec::new();
        for s in SHREDDERS {
            let done = s.shred(self, scope).await?;
            if let Some((table, ids)) = &done.audit {
                if !ids.is_empty() {
                    sqlx::query("SELECT mark_audit_shredded($1, $2, $3)")
                        .bind(table)
                        .bind(ids)
                        .bind(now)
                        .execute(self.conn())
                        .await?;
                }
            }
            sqlx::query(
                "INSERT INTO deletion_protocol (restaurant_id, id, category, rows_affected, cutoff, ran_at, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(rid)
            .bind(Uuid::new_v4())
            .bind(s.category())
            .bind(done.rows as i64)
            .bind(done.cutoff)
            .bind(now)
            .bind(reason)
            .execute(self.conn())
            .await?;
            out.push(Deleted {
                restaurant_id: rid,
                category: s.category(),
                rows: done.rows,
                cutoff: done.cutoff,
            });
        }
        Ok(out)
    }

    /// Everything every shredder holds about the subject, by category.
    pub async fn export_subject(
        &mut self,
        subject: &Subject,
    ) -> Result<serde_json::Value, StoreError> {
        let mut out = serde_json::Map::new();
        for s in SHREDDERS {
            let rows = s.export(self, subject).await?;
            out.insert(s.category().to_string(), serde_json::Value::Array(rows));
        }
        Ok(serde_json::Value::Object(out))
    }
}

impl Store {
    /// The nightly retention run over every restaurant, each in its own transaction with its
    /// protocol rows: voice calls older than the restaurant's retention (default 90 days) lose
    /// caller number, transcript, summary and recording link; voice webhook logs older than
    /// 30 days and expired idempotency records are deleted; guest messages older than 30 days
    /// lose their texts, expired self-service links are deleted.
    pub async fn run_retention(&self, now: DateTime<Utc>) -> Result<Vec<Deleted>, StoreError> {
        let mut all = Vec::new();
        for r in self.all_restaurants().await? {
            let mut tx = self.tenant(r.id, &Actor::System).await?;
            all.extend(tx.shred(&Scope::Retention(now)).await?);
            tx.commit().await?;
        }
        Ok(all)
    }
}
