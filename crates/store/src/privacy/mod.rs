//! The privacy module: one shredder per category of personal data, each able to export what
//! it holds about a data subject (or the whole restaurant), and to anonymise or delete it,
//! either because its retention ran out (the nightly run) or because the subject asked for
//! erasure. Every shredding writes a row of the restaurant's deletion protocol; audit rows are
//! kept and marked shredded, never deleted (pretix's `shredder.py` is the model).
//!
//! A new category of personal data (guests, conversations) gets a shredder here and a place
//! in [`SHREDDERS`].

mod dump;
mod exports;
mod find;
mod guests;
mod idempotency;
mod messages;
pub mod offboarding;
mod voice;

use crate::error::StoreError;
use crate::tenant::{Actor, Store, TenantTx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

pub use dump::Column;
pub use exports::{ExportInfo, MakeExport, Request, Take, EXPORT_LINK_HOURS};
pub use find::{data_name, Found, Lookup};
pub use guests::ANONYMISED_NAME;
pub use messages::BODY_RETENTION_DAYS;
pub use voice::EVENT_RETENTION_DAYS;

/// A person, by every identifier the restaurant knows them by: their guest cards, and the
/// numbers and addresses on those cards or searched for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Person {
    pub guests: Vec<Uuid>,
    /// E.164.
    pub phones: Vec<String>,
    /// Lower case.
    pub emails: Vec<String>,
    /// The names on their guest cards (the confirmation of an erasure types one of them).
    pub names: Vec<String>,
    /// The language of their first guest card (the export's README), `de` or `en`.
    pub language: String,
}

impl Person {
    /// Every text that identifies the person in a stored answer or a payload.
    pub fn needles(&self) -> Vec<String> {
        let mut n: Vec<String> = self.phones.iter().chain(&self.emails).cloned().collect();
        n.extend(self.guests.iter().map(Uuid::to_string));
        n.extend(
            self.names
                .iter()
                .filter(|s| s.chars().count() >= 5)
                .cloned(),
        );
        n
    }

    /// Whether a typed confirmation names this person: one of their names (any case, spaces
    /// trimmed), or, for a person without a guest card, the number or address searched for.
    pub fn confirmed_by(&self, typed: &str) -> bool {
        let typed = typed.trim().to_lowercase();
        if typed.is_empty() {
            return false;
        }
        if self.names.is_empty() {
            return self
                .phones
                .iter()
                .chain(&self.emails)
                .any(|x| x.to_lowercase() == typed);
        }
        self.names.iter().any(|n| n.trim().to_lowercase() == typed)
    }
}

/// Whose data a shredder looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Everything the restaurant holds (its own export, or leaving the platform).
    Restaurant,
    /// One person.
    Person(Person),
}

impl Subject {
    /// A person known only by their phone number (E.164), e.g. a caller.
    pub fn phone(p: &str) -> Subject {
        Subject::Person(Person {
            phones: vec![p.to_string()],
            ..Person::default()
        })
    }

    /// A person known only by their email address.
    pub fn email(e: &str) -> Subject {
        Subject::Person(Person {
            emails: vec![e.to_lowercase()],
            ..Person::default()
        })
    }
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

/// What an erasure does to a person's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erase {
    /// Identifying fields replaced by fixed placeholders; counts, dates, party sizes and
    /// outcomes stay for the statistics.
    Anonymise,
    /// The rows removed.
    Delete,
}

/// Why data is being shredded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The nightly run at this moment: whatever outlived its retention.
    Retention(DateTime<Utc>),
    /// A data subject's erasure request.
    Erasure(&'a Subject, Erase),
}

impl Scope<'_> {
    /// The moment the shredding happens: the run's moment, or now for an erasure.
    pub fn at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Scope::Retention(at) => *at,
            Scope::Erasure(..) => now,
        }
    }

    /// The protocol's reason.
    fn reason(&self) -> &'static str {
        match self {
            Scope::Retention(_) => "retention",
            Scope::Erasure(_, Erase::Anonymise) => "anonymise",
            Scope::Erasure(_, Erase::Delete) => "delete",
        }
    }
}

/// A row of the deletion protocol.
pub(crate) struct Protocol<'a> {
    pub category: &'a str,
    pub rows: u64,
    pub cutoff: DateTime<Utc>,
    pub ran_at: DateTime<Utc>,
    /// `retention`, `anonymise`, `delete`, `export`.
    pub reason: &'a str,
    pub subject_hash: Option<&'a str>,
    pub actor: &'a str,
}

/// What a shredding touched, before it is written to the protocol.
pub struct Shredded {
    pub rows: u64,
    pub cutoff: DateTime<Utc>,
    /// Rows whose audit entries are marked shredded: (table, row ids).
    pub audit: Option<(&'static str, Vec<String>)>,
    /// The rows were removed (the protocol names the shredder's `deleted_category`).
    pub deleted: bool,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One category of personal data.
pub trait Shredder: Sync {
    /// The category named in the deletion protocol (and the export's file name).
    fn category(&self) -> &'static str;

    /// The protocol's category when the rows were removed rather than anonymised.
    fn deleted_category(&self) -> &'static str;

    /// The tables whose personal data this shredder covers (the catalog test holds every
    /// tenant table against these and [`NOT_ABOUT_GUESTS`]).
    fn tables(&self) -> &'static [&'static str];

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
    &exports::PrivacyExports,
    &guests::Reservations,
    &guests::Guests,
];

/// Tenant tables that hold nothing about guests, and why. With [`Shredder::tables`] this
/// covers every tenant table; a new one must go to one or the other (a test checks the
/// catalog). The team's own tables go with the restaurant when it leaves the platform.
pub static NOT_ABOUT_GUESTS: &[(&str, &str)] = &[
    ("agent_settings", "the chat agent's configuration"),
    ("api_tokens", "the team's API tokens"),
    (
        "audit_log",
        "column names and row ids only; a person's entries are marked shredded",
    ),
    ("areas", "floor plan"),
    ("closures", "opening hours"),
    ("combination_tables", "floor plan"),
    (
        "deletion_protocol",
        "names no one: categories, counts and a salted hash",
    ),
    ("faq_entries", "the restaurant's own answers"),
    (
        "stats_days",
        "daily sums of the reservations: counts, and the ids of the guest cards with a visit \
         that day; deleted by a trigger with any change to that day's reservations, so an \
         erased guest's id goes with their reservations",
    ),
    (
        "incident_notices",
        "which of the operator's incidents concern the restaurant",
    ),
    ("instructions", "the restaurant's instructions to the operator"),
    ("invites", "invitations to the team"),
    ("mail_settings", "the restaurant's sender"),
    ("memberships", "the team"),
    ("privacy_requests", "evidence of the restaurant's duties (Art. 5(2) GDPR): who asked is sealed; kept until the restaurant leaves"),
    ("restaurant_settings", "rules"),
    ("service_periods", "opening hours"),
    ("special_days", "opening hours"),
    (
        "sub_processor_objections",
        "the restaurant's objections to the operator's sub-processors",
    ),
    ("table_combinations", "floor plan"),
    ("tables", "floor plan"),
    ("tenant_keys", "the restaurant's wrapped data key"),
    ("turn_times", "rules"),
    ("voice_settings", "the phone agent's configuration"),
    ("whatsapp_settings", "the WhatsApp route"),
    ("widget_settings", "the website widget"),
];

/// The person's calls: from one of their numbers, or linked to one of their reservations
/// (`$1` everything, `$2` guest cards, `$3` numbers).
pub(crate) const CALLS_OF: &str = "($1 OR caller = ANY ($3) OR reservation_id IN \
     (SELECT r.id FROM reservations r WHERE r.guest_id = ANY ($2)))";

/// The person's reservations (`$1` everything, `$2` guest cards).
pub(crate) const RESERVATIONS_OF: &str = "($1 OR guest_id = ANY ($2))";

/// The person's filters as SQL parameters: everything (the restaurant), or their guest
/// cards, numbers and addresses.
pub(crate) struct Filter<'a> {
    pub all: bool,
    pub guests: &'a [Uuid],
    pub phones: &'a [String],
    pub emails: &'a [String],
}

impl<'a> Filter<'a> {
    pub(crate) fn of(subject: &'a Subject) -> Filter<'a> {
        match subject {
            Subject::Restaurant => Filter {
                all: true,
                guests: &[],
                phones: &[],
                emails: &[],
            },
            Subject::Person(p) => Filter {
                all: false,
                guests: &p.guests,
                phones: &p.phones,
                emails: &p.emails,
            },
        }
    }

    /// Numbers and addresses together (where a message went).
    pub(crate) fn addresses(&self) -> Vec<String> {
        self.phones.iter().chain(self.emails).cloned().collect()
    }
}

impl TenantTx {
    /// Runs every shredder over the scope in this transaction, writes one protocol row per
    /// category (also when nothing was affected, as proof the run happened) and marks the
    /// affected rows' audit entries shredded.
    pub async fn shred(&mut self, scope: &Scope<'_>) -> Result<Vec<Deleted>, StoreError> {
        let actor = self.actor().to_string();
        self.shred_by(scope, &actor).await
    }

    /// [`TenantTx::shred`] on behalf of `actor` (a job carrying out a person's request), who
    /// the protocol names.
    pub async fn shred_by(
        &mut self,
        scope: &Scope<'_>,
        actor: &str,
    ) -> Result<Vec<Deleted>, StoreError> {
        // A person is taken with all their guest cards, however they were named.
        let expanded;
        let scope = match scope {
            Scope::Erasure(Subject::Person(p), erase) => {
                expanded = Subject::Person(self.expand(p).await?);
                Scope::Erasure(&expanded, *erase)
            }
            other => other.clone(),
        };
        let scope = &scope;
        let now = scope.at(self.now());
        let rid = self.restaurant_id();
        let reason = scope.reason();
        let subject_hash = match scope {
            Scope::Erasure(Subject::Person(p), _) => Some(self.subject_hash(p)),
            _ => None,
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
            let category = if done.deleted {
                s.deleted_category()
            } else {
                s.category()
            };
            self.protocol(&Protocol {
                category,
                rows: done.rows,
                cutoff: done.cutoff,
                ran_at: now,
                reason,
                subject_hash: subject_hash.as_deref(),
                actor,
            })
            .await?;
            out.push(Deleted {
                restaurant_id: rid,
                category,
                rows: done.rows,
                cutoff: done.cutoff,
            });
        }
        Ok(out)
    }

    /// Writes a row of the deletion protocol.
    pub(crate) async fn protocol(&mut self, row: &Protocol<'_>) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        sqlx::query(
            "INSERT INTO deletion_protocol (restaurant_id, id, category, rows_affected, cutoff, ran_at, reason, subject_hash, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(rid)
        .bind(Uuid::new_v4())
        .bind(row.category)
        .bind(row.rows as i64)
        .bind(row.cutoff)
        .bind(row.ran_at)
        .bind(row.reason)
        .bind(row.subject_hash)
        .bind(row.actor)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The person as the protocol names them: a hash of their identifiers, salted with a
    /// secret of this restaurant, so it says nothing to anyone who reads it and still shows
    /// a second request about the same person.
    pub fn subject_hash(&self, p: &Person) -> String {
        use sha2::{Digest, Sha256};
        let salt = self
            .store
            .key
            .derive(&format!("subject-hash:{}", self.restaurant_id()));
        let mut ids: Vec<String> = p.guests.iter().map(Uuid::to_string).collect();
        ids.extend(p.phones.iter().cloned());
        ids.extend(p.emails.iter().map(|e| e.to_lowercase()));
        ids.sort();
        ids.dedup();
        let mut h = Sha256::new();
        h.update(salt);
        for id in ids {
            h.update(id.as_bytes());
            h.update([0]);
        }
        crate::secret::hex(&h.finalize())
    }

    /// Everything every shredder holds about the subject, by category.
    pub async fn export_subject(
        &mut self,
        subject: &Subject,
    ) -> Result<serde_json::Value, StoreError> {
        let expanded;
        let subject = match subject {
            Subject::Person(p) => {
                expanded = Subject::Person(self.expand(p).await?);
                &expanded
            }
            Subject::Restaurant => subject,
        };
        let mut out = serde_json::Map::new();
        for s in SHREDDERS {
            let rows = s.export(self, subject).await?;
            out.insert(data_name(*s).to_string(), serde_json::Value::Array(rows));
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
