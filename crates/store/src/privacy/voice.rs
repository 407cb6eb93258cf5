//! Voice calls and their webhook logs. Calls keep their outcome, times and reservation link
//! after their retention (default 90 days) and lose caller number, transcript, summary and
//! recording link; the logs go after 30 days. A person's calls are theirs by number or by the
//! reservation a call made.

use super::{Boxed, Erase, Filter, Scope, Shredded, Shredder, Subject, CALLS_OF};
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Voice webhook logs (payloads may carry the caller's number) are kept this many days.
pub const EVENT_RETENTION_DAYS: i64 = 30;

/// Calls: anonymised after their retention or on a person's anonymisation; removed on their
/// deletion.
pub struct VoiceCalls;

impl Shredder for VoiceCalls {
    fn category(&self) -> &'static str {
        "voice_calls_anonymised"
    }

    fn deleted_category(&self) -> &'static str {
        "voice_calls_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["voice_calls"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let calls = tx.calls_with_texts(&Filter::of(subject)).await?;
            Ok(calls
                .iter()
                .map(|c| serde_json::to_value(c).unwrap_or_default())
                .collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (cutoff, of, erase) = match scope {
                Scope::Retention(at) => {
                    let days = tx.voice_retention_days().await?;
                    let all = Filter::of(&Subject::Restaurant);
                    (*at - Duration::days(i64::from(days)), all, Erase::Anonymise)
                }
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, erase) => {
                    (now + Duration::seconds(1), Filter::of(subject), *erase)
                }
            };
            let sql = match erase {
                Erase::Anonymise => format!(
                    "UPDATE voice_calls SET caller = NULL, transcript_enc = NULL, summary_enc = NULL, recording_url = NULL, \
                     anonymised_at = $5, updated_at = $5 \
                     WHERE started_at < $4 AND anonymised_at IS NULL AND {CALLS_OF} RETURNING id"
                ),
                Erase::Delete => format!(
                    "DELETE FROM voice_calls WHERE started_at < $4 AND {CALLS_OF} RETURNING id"
                ),
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(&sql)
                .bind(of.all)
                .bind(of.guests)
                .bind(of.phones)
                .bind(cutoff)
                .bind(now)
                .fetch_all(tx.conn())
                .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: cutoff.min(now),
                audit: Some(("voice_calls", ids.iter().map(Uuid::to_string).collect())),
                deleted: erase == Erase::Delete,
            })
        })
    }
}

/// Voice webhook logs: deleted after 30 days, and with a person's calls.
pub struct VoiceEvents;

impl Shredder for VoiceEvents {
    fn category(&self) -> &'static str {
        "voice_events_deleted"
    }

    fn deleted_category(&self) -> &'static str {
        "voice_events_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["voice_events"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let of = Filter::of(subject);
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(&format!(
                "SELECT jsonb_build_object('call_id', e.call_id, 'at', e.at, 'kind', e.kind, 'name', e.name, \
                        'ok', e.ok, 'payload', e.payload) \
                 FROM voice_events e WHERE e.call_id IN (SELECT id FROM voice_calls WHERE {CALLS_OF}) \
                 ORDER BY e.at, e.id"
            ))
            .bind(of.all)
            .bind(of.guests)
            .bind(of.phones)
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (cutoff, of) = match scope {
                Scope::Retention(at) => (
                    *at - Duration::days(EVENT_RETENTION_DAYS),
                    Filter::of(&Subject::Restaurant),
                ),
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, _) => (now + Duration::seconds(1), Filter::of(subject)),
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(&format!(
                "DELETE FROM voice_events e WHERE e.at < $4 AND e.call_id IN \
                   (SELECT id FROM voice_calls WHERE {CALLS_OF}) RETURNING e.id"
            ))
            .bind(of.all)
            .bind(of.guests)
            .bind(of.phones)
            .bind(cutoff)
            .fetch_all(tx.conn())
            .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: cutoff.min(now),
                audit: Some(("voice_events", ids.iter().map(Uuid::to_string).collect())),
                deleted: true,
            })
        })
    }
}

/// A shredding that touched nothing (the protocol row still proves the run).
pub(super) fn nothing(now: DateTime<Utc>) -> Shredded {
    Shredded {
        rows: 0,
        cutoff: now,
        audit: None,
        deleted: false,
    }
}
