//! The phone agent's call log as use cases: the list, one call with its events and linked
//! reservation. Transcripts and summaries are shown only to roles that read special notes.

use crate::reservations::Caller;
use crate::Services;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use hs_store::booking::Reservation;
use hs_store::voice::{Call, CallEvent, CallFilter, Outcome};
use hs_store::StoreError;
use uuid::Uuid;

/// Calls (of one outcome, on one local date, when given), newest first, and the zone.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    outcome: Option<Outcome>,
    date: Option<NaiveDate>,
) -> Result<(Vec<Call>, chrono_tz::Tz), StoreError> {
    let store = &svc.store;
    let mut tx = store.tenant(caller.restaurant_id, &caller.actor).await?;
    let rules = tx.rules().await?;
    let (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = match date {
        Some(d) => (
            rules.instant(d.and_time(NaiveTime::MIN)),
            rules.instant((d + Duration::days(1)).and_time(NaiveTime::MIN)),
        ),
        None => (None, None),
    };
    let calls = tx.voice_calls(&CallFilter { outcome, from, to }).await?;
    Ok((calls, rules.tz))
}

/// One call as shown.
pub struct Detail {
    pub call: Call,
    pub events: Vec<CallEvent>,
    pub reservation: Option<Reservation>,
    /// Whether the caller may read the transcript and summary.
    pub texts_allowed: bool,
    pub tz: chrono_tz::Tz,
}

/// One call with its events and the reservation it led to (if it still exists).
pub async fn detail(svc: &Services, caller: &Caller, id: Uuid) -> Result<Detail, StoreError> {
    let store = &svc.store;
    let mut tx = store.tenant(caller.restaurant_id, &caller.actor).await?;
    let texts_allowed = tx.may_read_special(caller.role).await?;
    let tz = tx.rules().await?.tz;
    let (call, events) = tx.voice_call_detail(id).await?;
    let reservation = match call.reservation_id {
        Some(rid) => match tx.reservation(rid, false).await {
            Ok(res) => Some(res),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(Detail {
        call,
        events,
        reservation,
        texts_allowed,
        tz,
    })
}
