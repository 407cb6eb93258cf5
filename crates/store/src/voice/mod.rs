//! Voice-AI calls: the restaurant's webhook secret (hashed, rotatable, compared in constant
//! time) and Retell key (sealed), the call log with sealed transcripts, the append-only event
//! log, and the nightly retention run with its deletion protocol.

mod settings;

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::validate;
use serde::Serialize;
use sqlx::FromRow;
use uuid::Uuid;

/// How long the previous secret stays valid after a rotation.
pub const ROTATION_GRACE_HOURS: i64 = 24;
pub use crate::privacy::EVENT_RETENTION_DAYS;
/// Longest transcript kept, in characters.
pub const TRANSCRIPT_MAX: usize = 100_000;

/// Which platform a call came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Vapi,
    Retell,
    Generic,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Vapi => "vapi",
            Provider::Retell => "retell",
            Provider::Generic => "generic",
        }
    }
}

/// How a call ended up; a stronger outcome replaces a weaker one during the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Abandoned,
    Failed,
    Informed,
    HandedOver,
    Cancelled,
    Changed,
    Booked,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Booked,
        Outcome::Changed,
        Outcome::Cancelled,
        Outcome::Informed,
        Outcome::HandedOver,
        Outcome::Failed,
        Outcome::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Booked => "booked",
            Outcome::Changed => "changed",
            Outcome::Cancelled => "cancelled",
            Outcome::Informed => "informed",
            Outcome::HandedOver => "handed_over",
            Outcome::Failed => "failed",
            Outcome::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// The voice settings as shown in settings (never the secrets themselves).
#[derive(Clone, Debug, Serialize)]
pub struct VoiceSettings {
    pub has_secret: bool,
    pub previous_valid_until: Option<DateTime<Utc>>,
    pub vapi_header: String,
    pub has_retell_key: bool,
    pub retention_days: i32,
    pub language: String,
}

/// A call in the log.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    pub id: Uuid,
    pub provider: String,
    pub external_id: String,
    pub caller: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i32>,
    pub language: String,
    pub outcome: Option<String>,
    pub transcript: Option<String>,
    pub summary: Option<String>,
    pub recording_url: Option<String>,
    pub ended_reason: Option<String>,
    pub reservation_id: Option<Uuid>,
    pub anonymised_at: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
struct CallRow {
    id: Uuid,
    provider: String,
    external_id: String,
    caller: Option<String>,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    duration_seconds: Option<i32>,
    language: String,
    outcome: Option<String>,
    transcript_enc: Option<String>,
    summary_enc: Option<String>,
    recording_url: Option<String>,
    ended_reason: Option<String>,
    reservation_id: Option<Uuid>,
    anonymised_at: Option<DateTime<Utc>>,
}

const CALL_COLS: &str = "id, provider, external_id, caller, started_at, ended_at, duration_seconds, language, outcome, \
     transcript_enc, summary_enc, recording_url, ended_reason, reservation_id, anonymised_at";
const LIST_COLS: &str = "id, provider, external_id, caller, started_at, ended_at, duration_seconds, language, outcome, \
     NULL::text AS transcript_enc, NULL::text AS summary_enc, recording_url, ended_reason, reservation_id, anonymised_at";

impl CallRow {
    /// The call as shown, with its texts already opened (or left out).
    fn into_call(self, transcript: Option<String>, summary: Option<String>) -> Call {
        Call {
            id: self.id,
            provider: self.provider,
            external_id: self.external_id,
            caller: self.caller,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self.duration_seconds,
            language: self.language,
            outcome: self.outcome,
            transcript,
            summary,
            recording_url: self.recording_url,
            ended_reason: self.ended_reason,
            reservation_id: self.reservation_id,
            anonymised_at: self.anonymised_at,
        }
    }
}

/// One entry of a call's event log.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct CallEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub name: String,
    pub tool_call_id: Option<String>,
    pub ok: Option<bool>,
    pub payload: serde_json::Value,
}

/// What the end of a call reports.
#[derive(Clone, Debug, Default)]
pub struct CallEnd {
    pub ended_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i32>,
    pub transcript: Option<String>,
    pub summary: Option<String>,
    pub recording_url: Option<String>,
    pub ended_reason: Option<String>,
}

/// Filter of the call list.
#[derive(Clone, Debug, Default)]
pub struct CallFilter {
    pub outcome: Option<Outcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A protocol row as the restaurant sees it.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct ProtocolRow {
    pub category: String,
    pub rows_affected: i64,
    pub cutoff: DateTime<Utc>,
    pub ran_at: DateTime<Utc>,
    /// `retention`, `erasure`, `anonymise`, `delete`, `export`.
    pub reason: String,
    /// A person's request: the salted hash naming them (never their data).
    pub subject_hash: Option<String>,
    /// Who asked (`user:<id>`, `cli`, `system`).
    pub actor: Option<String>,
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl TenantTx {
    /// The call with this provider id, created on first sight. A caller number that is not a
    /// valid phone number (e.g. "anonymous") is not stored.
    pub async fn voice_call(
        &mut self,
        provider: Provider,
        external_id: &str,
        caller: Option<&str>,
        language: &str,
    ) -> Result<Uuid, StoreError> {
        let external_id = clip(external_id.trim(), 200);
        if external_id.is_empty() {
            return Err(StoreError::Invalid {
                field: "call_id".into(),
                code: "empty",
                message: "a call id is needed".into(),
            });
        }
        let country = self.reservation_settings().await?.country;
        let caller = caller.and_then(|c| validate::phone_e164(c, &country).ok());
        let language = if language == "en" { "en" } else { "de" };
        let rid = self.restaurant_id();
        let now = self.store.clock.now();
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO voice_calls (restaurant_id, id, provider, external_id, caller, started_at, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $6) \
             ON CONFLICT (restaurant_id, provider, external_id) DO UPDATE \
               SET caller = coalesce(voice_calls.caller, EXCLUDED.caller), updated_at = EXCLUDED.updated_at \
             RETURNING id",
        )
        .bind(rid)
        .bind(Uuid::new_v4())
        .bind(provider.as_str())
        .bind(&external_id)
        .bind(caller)
        .bind(now)
        .bind(language)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// Raises the call's outcome (a booking outranks information, which outranks a failure)
    /// and links the reservation it touched.
    pub async fn voice_outcome(
        &mut self,
        call: Uuid,
        outcome: Outcome,
        reservation: Option<Uuid>,
    ) -> Result<(), StoreError> {
        // One statement: the row lock of the UPDATE orders concurrent tool calls of a call,
        // and the rank comparison sees the committed outcome.
        let rank = |col: &str| {
            let cases: String = Outcome::ALL
                .iter()
                .map(|o| format!(" WHEN '{}' THEN {}", o.as_str(), *o as i32))
                .collect();
            format!("CASE {col}{cases} ELSE -1 END")
        };
        let now = self.store.clock.now();
        // The outcome before (its row locked first) and after, for the platform's counter.
        let changed: Option<(Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "WITH old AS (SELECT outcome FROM voice_calls WHERE id = $1 FOR UPDATE) \
             UPDATE voice_calls SET outcome = CASE WHEN {} > {} THEN outcome ELSE $2 END, \
             reservation_id = coalesce($3, reservation_id), updated_at = $4 WHERE id = $1 \
             RETURNING (SELECT outcome FROM old), outcome",
            rank("outcome"),
            rank("$2")
        ))
        .bind(call)
        .bind(outcome.as_str())
        .bind(reservation)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        if let Some((was, Some(reached))) = changed {
            if was.as_deref() != Some(reached.as_str()) {
                self.count(
                    crate::counters::AGENT_OUTCOMES,
                    &[("agent", "phone"), ("outcome", &reached)],
                );
            }
        }
        Ok(())
    }

    /// Records the end of a call: times, sealed transcript and summary, recording link,
    /// reason. A call that did nothing is `abandoned`.
    pub async fn voice_call_ended(&mut self, call: Uuid, end: &CallEnd) -> Result<(), StoreError> {
        let key = self.data_key().await?;
        let seal = |what: &str, s: &Option<String>, max: usize| {
            s.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| key.seal(clip(t, max).as_bytes(), &format!("voice-{what}:{call}")))
        };
        let transcript = seal("transcript", &end.transcript, TRANSCRIPT_MAX);
        let summary = seal("summary", &end.summary, 10_000);
        let recording = end
            .recording_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(|u| clip(u, 2000));
        let now = self.store.clock.now();
        let ended = end.ended_at.unwrap_or(now);
        sqlx::query(
            "UPDATE voice_calls SET started_at = coalesce($2, started_at), ended_at = $3, \
             duration_seconds = coalesce($4, greatest(0, extract(epoch FROM ($3 - coalesce($2, started_at)))::int)), \
             transcript_enc = coalesce($5, transcript_enc), summary_enc = coalesce($6, summary_enc), \
             recording_url = coalesce($7, recording_url), ended_reason = coalesce($8, ended_reason), \
             outcome = coalesce(outcome, CASE WHEN EXISTS (SELECT 1 FROM voice_events e WHERE e.call_id = $1 AND e.ok = false) \
                                   THEN 'failed' ELSE 'abandoned' END), updated_at = $9 WHERE id = $1",
        )
        .bind(call)
        .bind(end.started_at)
        .bind(ended)
        .bind(end.duration_seconds.map(|d| d.max(0)))
        .bind(transcript)
        .bind(summary)
        .bind(recording)
        .bind(end.ended_reason.as_deref().map(|r| clip(r, 200)))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Appends to a call's event log. The payload must already be minimised.
    pub async fn voice_event(
        &mut self,
        call: Uuid,
        kind: &str,
        name: &str,
        tool_call_id: Option<&str>,
        ok: Option<bool>,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        let now = self.store.clock.now();
        sqlx::query(
            "INSERT INTO voice_events (restaurant_id, id, call_id, at, kind, name, tool_call_id, ok, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(rid)
        .bind(Uuid::new_v4())
        .bind(call)
        .bind(now)
        .bind(kind)
        .bind(if name.trim().is_empty() {
            "unknown".to_string()
        } else {
            clip(name, 100)
        })
        .bind(tool_call_id.map(|t| clip(t, 200)))
        .bind(ok)
        .bind(payload)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn present_call(&mut self, mut r: CallRow) -> Result<Call, StoreError> {
        let id = r.id;
        let unseal = |what: &str, s: Option<String>, key: &crate::MasterKey| -> Option<String> {
            s.and_then(|s| key.open(&s, &format!("voice-{what}:{id}")).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let (transcript, summary) = if r.transcript_enc.is_some() || r.summary_enc.is_some() {
            let key = self.data_key().await?;
            (
                unseal("transcript", r.transcript_enc.take(), &key),
                unseal("summary", r.summary_enc.take(), &key),
            )
        } else {
            (None, None)
        };
        Ok(r.into_call(transcript, summary))
    }

    /// Every call (of one caller, when given) with its opened texts, oldest first: what a
    /// data export holds.
    pub(crate) async fn calls_with_texts(
        &mut self,
        of: &crate::privacy::Filter<'_>,
    ) -> Result<Vec<Call>, StoreError> {
        let rows: Vec<CallRow> = sqlx::query_as(&format!(
            "SELECT {CALL_COLS} FROM voice_calls WHERE {} ORDER BY started_at, id",
            crate::privacy::CALLS_OF
        ))
        .bind(of.all)
        .bind(of.guests)
        .bind(of.phones)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present_call(r).await?);
        }
        Ok(out)
    }

    /// How many days calls keep their personal data (the restaurant's setting).
    pub(crate) async fn voice_retention_days(&mut self) -> Result<i32, StoreError> {
        self.ensure_voice_row().await?;
        Ok(
            sqlx::query_scalar("SELECT retention_days FROM voice_settings")
                .fetch_one(self.conn())
                .await?,
        )
    }

    /// Calls, newest first (at most 200), without transcripts.
    pub async fn voice_calls(&mut self, f: &CallFilter) -> Result<Vec<Call>, StoreError> {
        // The list leaves the sealed texts in the table.
        let rows: Vec<CallRow> = sqlx::query_as(&format!(
            "SELECT {LIST_COLS} FROM voice_calls WHERE ($1::text IS NULL OR outcome = $1) \
             AND ($2::timestamptz IS NULL OR started_at >= $2) AND ($3::timestamptz IS NULL OR started_at < $3) \
             ORDER BY started_at DESC LIMIT 200"
        ))
        .bind(f.outcome.map(Outcome::as_str))
        .bind(f.from)
        .bind(f.to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| r.into_call(None, None)).collect())
    }

    /// One call with its transcript and events.
    pub async fn voice_call_detail(
        &mut self,
        id: Uuid,
    ) -> Result<(Call, Vec<CallEvent>), StoreError> {
        let row: Option<CallRow> = sqlx::query_as(&format!(
            "SELECT {CALL_COLS} FROM voice_calls WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let call = self.present_call(row.ok_or(StoreError::NotFound)?).await?;
        let events: Vec<CallEvent> = sqlx::query_as(
            "SELECT at, kind, name, tool_call_id, ok, payload FROM voice_events WHERE call_id = $1 ORDER BY at, id",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        Ok((call, events))
    }

    /// How many calls since `since` the agent handed over to the team (callbacks to make).
    pub async fn voice_handovers_since(&mut self, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM voice_calls WHERE outcome = 'handed_over' AND started_at >= $1",
        )
        .bind(since)
        .fetch_one(self.conn())
        .await?)
    }

    /// The calls that made or touched a reservation.
    pub async fn voice_calls_for_reservation(
        &mut self,
        reservation: Uuid,
    ) -> Result<Vec<(Uuid, DateTime<Utc>, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, started_at, outcome FROM voice_calls WHERE reservation_id = $1 ORDER BY started_at",
        )
        .bind(reservation)
        .fetch_all(self.conn())
        .await?)
    }

    /// The voice platforms whose calls reached this restaurant (`vapi`, `retell`, `generic`).
    pub async fn voice_providers(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT provider FROM voice_calls ORDER BY 1")
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// The restaurant's deletion protocol, newest first.
    pub async fn deletion_protocol(&mut self, limit: i64) -> Result<Vec<ProtocolRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT category, rows_affected, cutoff, ran_at, reason, subject_hash, actor FROM deletion_protocol \
             ORDER BY ran_at DESC, category LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.conn())
        .await?)
    }
}
