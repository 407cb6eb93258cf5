//! The phone agent's data: calls (caller number, transcript, summary, recording link) are
//! anonymised, their webhook logs deleted.

use super::{Boxed, Scope, Shredded, Shredder, Subject};
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Voice webhook logs (`voice_events`) are kept this many days.
pub const EVENT_RETENTION_DAYS: i64 = 30;

/// The caller a subject names, if a call can be theirs.
fn caller(subject: &Subject) -> Option<Option<&str>> {
    match subject {
        Subject::Restaurant => Some(None),
        Subject::Phone(p) => Some(Some(p.as_str())),
        Subject::Email(_) => None,
    }
}

/// Calls: anonymised (the call stays for statistics, without who called or what was said).
pub struct VoiceCalls;

impl Shredder for VoiceCalls {
    fn category(&self) -> &'static str {
        "voice_calls_anonymised"
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let Some(caller) = caller(subject) else {
                return Ok(Vec::new());
            };
            let calls = tx.calls_with_texts(caller).await?;
            Ok(calls
                .iter()
                .map(|c| serde_json::to_value(c).unwrap_or_default())
                .collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (cutoff, who): (DateTime<Utc>, Option<&str>) = match scope {
                Scope::Retention(at) => {
                    let days = tx.voice_retention_days().await?;
                    (*at - Duration::days(i64::from(days)), None)
                }
                Scope::Erasure(subject) => match caller(subject) {
                    Some(who) => (now + Duration::seconds(1), who),
                    None => return Ok(nothing(now)),
                },
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "UPDATE voice_calls SET caller = NULL, transcript_enc = NULL, summary_enc = NULL, recording_url = NULL, \
                 anonymised_at = $2, updated_at = $2 \
                 WHERE started_at < $1 AND anonymised_at IS NULL AND ($3::text IS NULL OR caller = $3) RETURNING id",
            )
            .bind(cutoff)
            .bind(now)
            .bind(who)
            .fetch_all(tx.conn())
            .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: cutoff.min(now),
                audit: Some(("voice_calls", ids.iter().map(Uuid::to_string).collect())),
            })
        })
    }
}

/// Webhook logs of calls: deleted.
pub struct VoiceEvents;

impl Shredder for VoiceEvents {
    fn category(&self) -> &'static str {
        "voice_events_deleted"
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let Some(caller) = caller(subject) else {
                return Ok(Vec::new());
            };
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(
                "SELECT jsonb_build_object('call_id', e.call_id, 'at', e.at, 'kind', e.kind, 'name', e.name, \
                        'ok', e.ok, 'payload', e.payload) \
                 FROM voice_events e JOIN voice_calls c ON c.restaurant_id = e.restaurant_id AND c.id = e.call_id \
                 WHERE ($1::text IS NULL OR c.caller = $1) ORDER BY e.at, e.id",
            )
            .bind(caller)
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (cutoff, who) = match scope {
                Scope::Retention(at) => (*at - Duration::days(EVENT_RETENTION_DAYS), None),
                Scope::Erasure(subject) => match caller(subject) {
                    Some(who) => (now + Duration::seconds(1), who),
                    None => return Ok(nothing(now)),
                },
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "DELETE FROM voice_events e WHERE e.at < $1 AND ($2::text IS NULL OR e.call_id IN \
                   (SELECT c.id FROM voice_calls c WHERE c.caller = $2)) RETURNING e.id",
            )
            .bind(cutoff)
            .bind(who)
            .fetch_all(tx.conn())
            .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: cutoff.min(now),
                audit: Some(("voice_events", ids.iter().map(Uuid::to_string).collect())),
            })
        })
    }
}

/// Nothing of this category concerns the subject.
pub(super) fn nothing(now: DateTime<Utc>) -> Shredded {
    Shredded {
        rows: 0,
        cutoff: now,
        audit: None,
    }
}
