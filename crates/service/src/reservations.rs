//! The reservation use cases every channel shares: availability, booking (with the
//! idempotency decision as a value), moving and resizing, state changes and walk-ins. Each
//! runs in the caller's restaurant transaction and holds the rules the handlers used to: who
//! reads special-category notes, which audience a channel books for, which role may move a
//! reservation to which state.

use crate::Services;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Alternatives, Slot, Snapshot, Unavailable};
use hs_domain::reservation::Channel;
use hs_domain::Role;
use hs_store::booking::{Change, GuestInput, NewReservation, Rejection, Reservation};
use hs_store::{Actor, Store, StoreError, TenantTx};
use serde_json::Value;
use uuid::Uuid;

/// Who acts, in which restaurant, with which role.
#[derive(Clone, Debug)]
pub struct Caller {
    pub restaurant_id: Uuid,
    pub actor: Actor,
    pub role: Role,
}

impl Caller {
    /// `Forbidden` unless the caller's role is at least `needed`.
    pub(crate) fn at_least(&self, needed: hs_domain::Role) -> Result<(), StoreError> {
        if self.role.at_least(needed) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    pub(crate) async fn tenant(&self, store: &Store) -> Result<TenantTx, StoreError> {
        store.tenant(self.restaurant_id, &self.actor).await
    }
}

/// What to do with a request that carries an idempotency key (zero-to-production's
/// `NextAction`): run it, or answer what the first request with that key got.
#[derive(Clone, Debug, PartialEq)]
pub enum NextAction {
    Start,
    Replay { status: u16, body: Value },
}

/// Decides a keyed request in `tx` (the key is locked until it commits): the first answer
/// again for the same request; a key used for another request is refused as
/// `idempotency_key_reused`.
pub async fn next_action(
    tx: &mut TenantTx,
    scope: &str,
    key: &str,
    request: &[u8],
) -> Result<NextAction, StoreError> {
    Ok(match tx.idempotent_replay(scope, key, request).await? {
        Some((status, body)) => NextAction::Replay { status, body },
        None => NextAction::Start,
    })
}

/// The free times of a day for a party, and, when a time was asked that is not free, the
/// times to offer instead.
pub struct Availability {
    pub snapshot: Snapshot,
    pub slots: Vec<Slot>,
    pub alternatives: Option<Alternatives>,
}

/// The day's free times for `party` as seen through `channel`; `Ok(Err(reason))` when the
/// party cannot be seated that day at all.
pub async fn availability(
    svc: &Services,
    caller: &Caller,
    date: NaiveDate,
    party: u32,
    asked: Option<NaiveTime>,
    channel: Channel,
) -> Result<Result<Availability, Unavailable>, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let snapshot = tx.snapshot(date).await?;
    let now = store.clock().now();
    let audience = channel.audience();
    let slots = match availability::slots(&snapshot, date, party, now, audience) {
        Ok(s) => s,
        Err(reason) => return Ok(Err(reason)),
    };
    let alternatives = match asked {
        Some(t)
            if !slots
                .iter()
                .any(|s| s.local.time() == t && s.local.date() == date) =>
        {
            Some(
                tx.alternatives(&snapshot, date, t, party, now, audience, 3)
                    .await?,
            )
        }
        _ => None,
    };
    Ok(Ok(Availability {
        snapshot,
        slots,
        alternatives,
    }))
}

/// What became of a booking or a change.
pub enum Outcome {
    /// Written and committed.
    Done(Reservation),
    /// The time cannot be had; `snapshot` is the asked day's, to describe the alternatives.
    Refused {
        rejection: Rejection,
        snapshot: Box<Snapshot>,
        date: NaiveDate,
        time: NaiveTime,
    },
}

impl Outcome {
    /// The reservation, or why not (for callers that need no snapshot): the shape of the
    /// store's booking results.
    #[allow(clippy::result_large_err)]
    pub fn into_result(self) -> Result<Reservation, Rejection> {
        match self {
            Outcome::Done(r) => Ok(r),
            Outcome::Refused { rejection, .. } => Err(rejection),
        }
    }
}

/// The answer to a request with an idempotency key.
pub enum Keyed<T> {
    /// The first request with this key: what happened.
    First(T),
    /// A retry: the first request's answer.
    Replayed { status: u16, body: Value },
}

/// Books a table. Special-category notes are in the answer only for roles that may read them.
pub async fn book(
    svc: &Services,
    caller: &Caller,
    req: &NewReservation,
) -> Result<Outcome, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let outcome = book_in(&mut tx, caller, req, None).await?;
    if matches!(outcome, Outcome::Done(_)) {
        tx.commit().await?;
    }
    Ok(outcome)
}

/// Books a table once per idempotency key: a retry of the same request answers what the first
/// got (201 and the reservation as the caller was shown it); the key stays bound to it.
pub async fn book_once(
    svc: &Services,
    caller: &Caller,
    req: &NewReservation,
    key: &str,
    request: &[u8],
) -> Result<Keyed<Outcome>, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    if let NextAction::Replay { status, body } =
        next_action(&mut tx, "reservations", key, request).await?
    {
        return Ok(Keyed::Replayed { status, body });
    }
    let outcome = book_in(&mut tx, caller, req, Some((key, request))).await?;
    if matches!(outcome, Outcome::Done(_)) {
        tx.commit().await?;
    }
    Ok(Keyed::First(outcome))
}

async fn book_in(
    tx: &mut TenantTx,
    caller: &Caller,
    req: &NewReservation,
    key: Option<(&str, &[u8])>,
) -> Result<Outcome, StoreError> {
    match tx.create_reservation(req).await? {
        Ok(mut r) => {
            if !tx.may_read_special(caller.role).await? {
                r.special_notes = None;
            }
            if let Some((k, raw)) = key {
                let body = serde_json::to_value(&r).map_err(|e| StoreError::Other(e.into()))?;
                tx.idempotent_store("reservations", k, raw, 201, &body)
                    .await?;
            }
            Ok(Outcome::Done(r))
        }
        Err(rejection) => Ok(Outcome::Refused {
            snapshot: Box::new(tx.snapshot(req.date).await?),
            rejection,
            date: req.date,
            time: req.time,
        }),
    }
}

/// Moves, resizes or annotates a reservation; availability is checked again without its own
/// hold. A refusal names the asked (or kept) date and time.
pub async fn change(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    change: &Change<'_>,
) -> Result<Outcome, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    match tx.change_reservation(id, change).await? {
        Ok(r) => {
            tx.commit().await?;
            Ok(Outcome::Done(r))
        }
        Err(rejection) => {
            let current = tx.reservation(id, false).await?;
            let date = change.date.unwrap_or(current.date);
            let time = change
                .time
                .or_else(|| NaiveTime::parse_from_str(&current.time, "%H:%M").ok())
                .unwrap_or(NaiveTime::MIN);
            Ok(Outcome::Refused {
                snapshot: Box::new(tx.snapshot(date).await?),
                rejection,
                date,
                time,
            })
        }
    }
}

/// Moves a reservation to the state an action names (`confirm`, `seat`, `complete`,
/// `no-show`, `cancel`): unknown actions are not found; each needs its role.
pub async fn transition(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    action: &str,
) -> Result<Reservation, StoreError> {
    let store = &svc.store;
    let (to, needs) = hs_domain::reservation::action(action).ok_or(StoreError::NotFound)?;
    if !caller.role.at_least(needs) {
        return Err(StoreError::Forbidden);
    }
    let mut tx = caller.tenant(store).await?;
    let r = tx.transition(id, to).await?;
    tx.commit().await?;
    Ok(r)
}

/// Seats a walk-in now on the best free table, or on the chosen ones; `confirm` mails the
/// guest a confirmation (walk-ins get one only when asked).
pub async fn walk_in(
    svc: &Services,
    caller: &Caller,
    party: u32,
    guest: Option<&GuestInput>,
    tables: Option<Vec<Uuid>>,
    notes: &str,
    confirm: bool,
) -> Result<Result<Reservation, Rejection>, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let seated = tx.walk_in(party, guest, tables, notes, confirm).await?;
    if seated.is_ok() {
        tx.commit().await?;
    }
    Ok(seated)
}

/// A day's reservations as the caller may see them (special notes only for roles that may).
pub async fn on_day(
    svc: &Services,
    caller: &Caller,
    date: NaiveDate,
) -> Result<Vec<Reservation>, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let special = tx.may_read_special(caller.role).await?;
    tx.reservations_on(date, special).await
}

/// One reservation as the caller may see it.
pub async fn get(svc: &Services, caller: &Caller, id: Uuid) -> Result<Reservation, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let special = tx.may_read_special(caller.role).await?;
    tx.reservation(id, special).await
}

/// What the day view shows: the day (the asked one, or today), its reservations, the tables,
/// the rules, and today the calls the phone agent handed over in the last 24 hours.
pub struct Day {
    pub date: NaiveDate,
    pub today: NaiveDate,
    pub reservations: Vec<Reservation>,
    pub tables: Vec<hs_store::setup::Table>,
    pub rules: hs_domain::availability::Rules,
    pub handovers: i64,
    /// The reservations whose last message to the guest failed or bounced.
    pub failed_messages: Vec<Uuid>,
}

/// The day view of `date` (today when `None`).
pub async fn day(
    svc: &Services,
    caller: &Caller,
    date: Option<NaiveDate>,
) -> Result<Day, StoreError> {
    let store = &svc.store;
    let mut tx = caller.tenant(store).await?;
    let today = tx.now_local_date().await?;
    let date = date.unwrap_or(today);
    let special = tx.may_read_special(caller.role).await?;
    let reservations = tx.reservations_on(date, special).await?;
    let handovers = if date == today {
        tx.voice_handovers_since(store.clock().now() - chrono::Duration::hours(24))
            .await?
    } else {
        0
    };
    let ids: Vec<Uuid> = reservations.iter().map(|r| r.id).collect();
    Ok(Day {
        date,
        today,
        failed_messages: tx.reservations_with_failed_messages(&ids).await?,
        reservations,
        tables: tx.tables().await?,
        rules: tx.rules().await?,
        handovers,
    })
}

/// The free times of a day for the team's booking form (every table, no lead time), with the
/// snapshot to name the tables and whether the caller may write special notes.
pub struct Options {
    /// The day asked for, or the restaurant's today.
    pub date: NaiveDate,
    pub party: u32,
    pub snapshot: Snapshot,
    pub slots: Result<Vec<Slot>, Unavailable>,
    pub special_allowed: bool,
}

/// The team's options for a party on a day (the restaurant's today when `None`), leaving out
/// one reservation's own hold (to move it).
pub async fn options(
    svc: &Services,
    caller: &Caller,
    date: Option<NaiveDate>,
    party: u32,
    moving: Option<Uuid>,
) -> Result<Options, StoreError> {
    let mut tx = caller.tenant(&svc.store).await?;
    let date = match date {
        Some(d) => d,
        None => tx.now_local_date().await?,
    };
    options_in(&mut tx, svc, caller, date, party, moving).await
}

async fn options_in(
    tx: &mut TenantTx,
    svc: &Services,
    caller: &Caller,
    date: NaiveDate,
    party: u32,
    moving: Option<Uuid>,
) -> Result<Options, StoreError> {
    let snapshot = tx.snapshot(date).await?;
    let slots = availability::slots_excluding(
        &snapshot,
        date,
        party,
        svc.store.clock().now(),
        Channel::Dashboard.audience(),
        moving,
    );
    Ok(Options {
        date,
        party,
        snapshot,
        slots,
        special_allowed: tx.may_read_special(caller.role).await?,
    })
}

/// A reservation's page: the reservation, today, the zone, the calls that led to it, and the
/// times it could move to.
pub struct Detail {
    pub reservation: Reservation,
    pub today: NaiveDate,
    pub tz: chrono_tz::Tz,
    pub calls: Vec<(Uuid, chrono::DateTime<chrono::Utc>, Option<String>)>,
    /// The messages the guest was sent about it, oldest first.
    pub messages: Vec<hs_store::messages::MessageInfo>,
    /// The free times for the wished day and party (the reservation's own when not given),
    /// leaving out its own hold.
    pub moves: Options,
}

/// A reservation with what its page shows next to it; `wish` is the day and party the team
/// looks at moving it to.
pub async fn detail(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    wish: (Option<NaiveDate>, Option<u32>),
) -> Result<Detail, StoreError> {
    let mut tx = caller.tenant(&svc.store).await?;
    let special = tx.may_read_special(caller.role).await?;
    let reservation = tx.reservation(id, special).await?;
    let date = wish.0.unwrap_or(reservation.date);
    let party = wish.1.unwrap_or(reservation.party_size as u32);
    let moves = options_in(&mut tx, svc, caller, date, party, Some(id)).await?;
    Ok(Detail {
        today: tx.now_local_date().await?,
        tz: tx.rules().await?.tz,
        calls: tx.voice_calls_for_reservation(id).await?,
        messages: tx.messages_of_reservation(id).await?,
        reservation,
        moves,
    })
}
