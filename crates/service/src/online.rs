//! Bookings guests make themselves online: the hosted page `/book/<slug>` (works without
//! JavaScript) and the widget's form. The page shows the free times of a day for a party;
//! the booking goes through [`crate::reservations::book_once`] like every other channel
//! (same engine, same confirmation message), as [`Actor::Guest`] on channel `online`. The
//! form carries a random key, so sending it twice (a reload, a double click) books once.

use crate::reservations::{self, Caller, Keyed, Outcome};
use crate::Services;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Unavailable};
use hs_domain::reservation::Channel;
use hs_domain::Role;
use hs_store::booking::{GuestInput, NewReservation, Rejection};
use hs_store::widget::PublicRestaurant;
use hs_store::{Actor, StoreError};

/// What the page shows about the restaurant and the wished day.
pub struct Page {
    pub restaurant: PublicRestaurant,
    pub address: String,
    pub phone: String,
    pub privacy_url: Option<String>,
    /// Website origins that may show the page in a frame (the widget's list).
    pub origins: Vec<String>,
    /// Whether the restaurant sends WhatsApp messages (then the opt-in is offered).
    pub whatsapp: bool,
    /// Today in the restaurant's zone, and the last day it takes bookings for.
    pub today: NaiveDate,
    pub last_day: NaiveDate,
    /// The wished day and party, and its free times (`Err`: why nothing can be had).
    pub date: NaiveDate,
    pub party: u32,
    pub times: Result<Vec<String>, Unavailable>,
}

/// A guest's booking as the form sends it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub party: u32,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    /// Allergies, intolerances, accessibility: sealed, shown to whom the restaurant allows.
    pub special_notes: String,
    pub whatsapp: bool,
    /// `de` or `en`: the page's language becomes the guest's.
    pub language: String,
}

/// A booking made (or made before with the same form key).
#[derive(Clone, Debug, PartialEq)]
pub struct Booked {
    pub code: String,
    pub date: NaiveDate,
    pub time: String,
    pub party: u32,
    /// `confirmed`, or `pending` when the restaurant confirms parties of this size itself.
    pub status: String,
}

/// What became of a booking.
pub enum Booking {
    Made(Booked),
    /// The time is gone (or cannot be had); other times to offer.
    Refused(Rejection),
}

/// The restaurant of a slug; `NotFound` for none.
pub async fn restaurant(svc: &Services, slug: &str) -> Result<PublicRestaurant, StoreError> {
    svc.store
        .restaurant_by_slug(slug)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The page for a slug: the restaurant and the free times on `date` for `party` (today and
/// two people when not given).
pub async fn page(
    svc: &Services,
    slug: &str,
    date: Option<NaiveDate>,
    party: Option<u32>,
) -> Result<Page, StoreError> {
    let restaurant = restaurant(svc, slug).await?;
    let mut tx = svc.store.tenant(restaurant.id, &Actor::Guest).await?;
    let settings = tx.reservation_settings().await?;
    let widget = tx.widget_settings().await?;
    let whatsapp = tx.whatsapp_settings().await?.is_some();
    let today = tx.now_local_date().await?;
    let last_day = today + chrono::Duration::days(i64::from(settings.horizon_days.max(0)));
    let date = date.unwrap_or(today);
    let party = party.unwrap_or(2);
    let snapshot = tx.snapshot(date).await?;
    let now = svc.clock().now();
    let times =
        availability::slots(&snapshot, date, party, now, Channel::Online.audience()).map(|slots| {
            slots
                .iter()
                .filter(|s| s.local.date() == date)
                .map(|s| s.local.format("%H:%M").to_string())
                .collect()
        });
    Ok(Page {
        address: settings.address(),
        phone: settings.phone,
        privacy_url: widget.privacy_url,
        origins: widget.origins,
        whatsapp,
        today,
        last_day,
        date,
        party,
        times,
        restaurant,
    })
}

/// Books what the form asks for, once per `key` (the form's hidden random key).
pub async fn book(
    svc: &Services,
    slug: &str,
    req: &Request,
    key: &str,
) -> Result<Booking, StoreError> {
    let restaurant = restaurant(svc, slug).await?;
    let (phone, email) = (req.phone.trim(), req.email.trim());
    if phone.is_empty() && email.is_empty() {
        return Err(StoreError::field(
            "phone",
            "required",
            "a phone number or an email address, so the restaurant can reach you",
        ));
    }
    let keyed = key.len() >= 16
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !keyed {
        return Err(StoreError::field(
            "key",
            "invalid",
            "the form is incomplete; please load the page again",
        ));
    }
    let special = req.special_notes.trim();
    let new = NewReservation {
        date: req.date,
        time: req.time,
        party_size: req.party,
        guest: GuestInput {
            name: req.name.clone(),
            phone: (!phone.is_empty()).then(|| phone.to_string()),
            email: (!email.is_empty()).then(|| email.to_string()),
            language: Some(if req.language == "en" { "en" } else { "de" }.into()),
            salutation: None,
            whatsapp_opt_in: req.whatsapp.then_some(true),
        },
        notes: req.notes.trim().to_string(),
        special_notes: (!special.is_empty()).then(|| special.to_string()),
        channel: Channel::Online,
        tables: None,
    };
    let caller = Caller {
        restaurant_id: restaurant.id,
        actor: Actor::Guest,
        role: Role::Staff,
    };
    // The key is the request: the same key with other details is refused by the store.
    let fingerprint = format!(
        "{}|{}|{}|{}|{}|{}",
        req.date, req.time, req.party, req.name, phone, email
    );
    let scoped_key = format!("online:{key}");
    Ok(
        match reservations::book_once(svc, &caller, &new, &scoped_key, fingerprint.as_bytes())
            .await?
        {
            Keyed::First(Outcome::Done(r)) => Booking::Made(Booked {
                code: r.code,
                date: r.date,
                time: r.time,
                party: r.party_size as u32,
                status: r.status.as_str().to_string(),
            }),
            Keyed::First(Outcome::Refused { rejection, .. }) => Booking::Refused(rejection),
            Keyed::Replayed { body, .. } => Booking::Made(replayed(&body)?),
        },
    )
}

/// The booking a replayed answer describes (the reservation as first returned).
fn replayed(body: &serde_json::Value) -> Result<Booked, StoreError> {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let date = text("date")
        .parse()
        .map_err(|_| StoreError::Other(anyhow::anyhow!("a stored booking without a date")))?;
    Ok(Booked {
        code: text("code"),
        date,
        time: text("time"),
        party: body["party_size"].as_u64().unwrap_or_default() as u32,
        status: text("status"),
    })
}
