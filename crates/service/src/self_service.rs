//! The guest's self-service page, reached by the link in their messages: see the reservation,
//! cancel it or change date, time or party size (until the restaurant's cutoff, through the
//! same availability engine and with the same alternatives as every channel), and download
//! the calendar file. The token opens one reservation until the visit has ended; the guest
//! acts as [`Actor::Guest`], so the audit log and the messages say the guest did it.

use crate::guest_messages::event_names;
use crate::reservations::Outcome;
use crate::Services;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hs_domain::availability::{self, Slot, Unavailable};
use hs_domain::message;
use hs_domain::reservation::Status;
use hs_store::booking::{Change, Reservation};
use hs_store::{Actor, StoreError, TenantTx};
use uuid::Uuid;

/// What the page shows.
pub struct Manage {
    pub reservation: Reservation,
    pub restaurant: String,
    pub phone: String,
    pub address: String,
    /// Whether the guest may still cancel or change on their own.
    pub may_change: bool,
    pub cutoff_minutes: i32,
    /// The free times on the wished day for the wished party (for the change form), leaving
    /// out the reservation's own hold.
    pub date: NaiveDate,
    pub party: u32,
    pub slots: Result<Vec<Slot>, Unavailable>,
    /// Whether the restaurant sends WhatsApp messages at all, and whether this guest gets them.
    pub whatsapp: Option<bool>,
}

/// The restaurant's name and phone for a page about a token that opens nothing (so the guest
/// can call). `None` when the restaurant does not exist.
pub async fn contact(svc: &Services, rid: Uuid) -> Option<(String, String)> {
    let mut tx = svc.store.tenant(rid, &Actor::Guest).await.ok()?;
    let name = tx.restaurant().await.ok()?.name;
    let phone = tx.reservation_settings().await.ok()?.phone;
    Some((name, phone))
}

async fn open_tx(svc: &Services, rid: Uuid, token: &str) -> Result<(TenantTx, Uuid), StoreError> {
    // A token is 22 characters of base64url; anything else opens nothing, without a query.
    if token.len() != 22
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(StoreError::NotFound);
    }
    let mut tx = svc.store.tenant(rid, &Actor::Guest).await?;
    let id = tx.reservation_by_link(token).await?;
    Ok((tx, id))
}

async fn may_change(
    tx: &mut TenantTx,
    r: &Reservation,
    now: DateTime<Utc>,
) -> Result<(bool, i32), StoreError> {
    let cutoff = tx.message_settings().await?.cancel_cutoff_minutes;
    let open = r.status.changeable() && message::guest_may_change(r.starts_at, cutoff, now);
    Ok((open, cutoff))
}

/// The page for a token: the reservation, the restaurant's contact, and the free times on
/// `wish` (date and party; the reservation's own when not given).
pub async fn open(
    svc: &Services,
    rid: Uuid,
    token: &str,
    wish: (Option<NaiveDate>, Option<u32>),
) -> Result<Manage, StoreError> {
    let (mut tx, id) = open_tx(svc, rid, token).await?;
    let reservation = tx.reservation(id, false).await?;
    let now = svc.clock().now();
    let (may_change, cutoff_minutes) = may_change(&mut tx, &reservation, now).await?;
    let settings = tx.reservation_settings().await?;
    let address = settings.address();
    let date = wish.0.unwrap_or(reservation.date);
    let party = wish.1.unwrap_or(reservation.party_size as u32);
    let snapshot = tx.snapshot(date).await?;
    let audience = reservation.channel.audience();
    let slots = availability::slots_excluding(&snapshot, date, party, now, audience, Some(id));
    let whatsapp = match (tx.whatsapp_settings().await?, reservation.guest.as_ref()) {
        (Some(_), Some(g)) if g.phone.is_some() => Some(tx.whatsapp_consent(g.id).await?),
        _ => None,
    };
    Ok(Manage {
        whatsapp,
        restaurant: tx.restaurant().await?.name,
        phone: settings.phone,
        address,
        may_change,
        cutoff_minutes,
        date,
        party,
        slots,
        reservation,
    })
}

fn too_late() -> StoreError {
    StoreError::Conflict {
        code: "too_late",
        message: "this reservation can no longer be changed here; please call the restaurant"
            .into(),
    }
}

/// Cancels the reservation (the guest hears it in a message, the team sees it live).
pub async fn cancel(svc: &Services, rid: Uuid, token: &str) -> Result<Reservation, StoreError> {
    let (mut tx, id) = open_tx(svc, rid, token).await?;
    let r = tx.reservation(id, false).await?;
    if r.status == Status::Cancelled {
        return Ok(r);
    }
    if !may_change(&mut tx, &r, svc.clock().now()).await?.0 {
        return Err(too_late());
    }
    let r = tx.transition(id, Status::Cancelled).await?;
    tx.commit().await?;
    Ok(r)
}

/// Moves the reservation or changes its party size through the availability engine; a
/// refusal carries the alternatives.
pub async fn change(
    svc: &Services,
    rid: Uuid,
    token: &str,
    date: NaiveDate,
    time: NaiveTime,
    party: u32,
) -> Result<Outcome, StoreError> {
    let (mut tx, id) = open_tx(svc, rid, token).await?;
    let r = tx.reservation(id, false).await?;
    if !may_change(&mut tx, &r, svc.clock().now()).await?.0 {
        return Err(too_late());
    }
    let change = Change {
        date: Some(date),
        time: Some(time),
        party_size: Some(party),
        ..Change::default()
    };
    match tx.change_reservation(id, &change).await? {
        Ok(r) => {
            tx.commit().await?;
            Ok(Outcome::Done(r))
        }
        Err(rejection) => Ok(Outcome::Refused {
            snapshot: Box::new(tx.snapshot(date).await?),
            rejection,
            date,
            time,
        }),
    }
}

/// The reservation's calendar file, as its latest message would carry it.
pub async fn calendar(
    svc: &Services,
    rid: Uuid,
    token: &str,
    host: &str,
) -> Result<String, StoreError> {
    let (mut tx, id) = open_tx(svc, rid, token).await?;
    let r = tx.reservation(id, false).await?;
    let restaurant = tx.restaurant().await?.name;
    let settings = tx.reservation_settings().await?;
    let sequence = tx.reservation_sequence(id).await?;
    let (uid, summary) = event_names(id, &restaurant, r.party_size, host);
    let description = format!("Buchungscode / booking code {}", r.code);
    let organizer = settings.organizer(host);
    let location = settings.address();
    Ok(hs_channels::ics::render(&hs_channels::ics::Event {
        uid: &uid,
        sequence: sequence.max(0) as u32,
        method: if r.status == Status::Cancelled {
            hs_channels::ics::Method::Cancel
        } else {
            hs_channels::ics::Method::Request
        },
        stamp: svc.clock().now(),
        start: r.starts_at,
        end: r.ends_at,
        summary: &summary,
        location: &location,
        description: &description,
        organizer_name: &restaurant,
        organizer_email: &organizer,
        attendee_email: r.guest.as_ref().and_then(|g| g.email.as_deref()),
    }))
}

/// The guest agrees to WhatsApp messages (`on`) or withdraws.
pub async fn whatsapp(svc: &Services, rid: Uuid, token: &str, on: bool) -> Result<(), StoreError> {
    let (mut tx, id) = open_tx(svc, rid, token).await?;
    let r = tx.reservation(id, false).await?;
    let Some(g) = r.guest else {
        return Err(StoreError::NotFound);
    };
    tx.set_whatsapp_consent(g.id, on, "self_service").await?;
    tx.commit().await
}
