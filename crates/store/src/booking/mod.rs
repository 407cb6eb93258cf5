//! Booking: creating, moving, resizing and changing the state of reservations, walk-ins, the
//! guest book's matching, and idempotency records. Each booking is one transaction that takes
//! a per-restaurant-day advisory lock (pacing and table choice see every earlier booking of
//! that day) and inserts `reservation_tables` rows, whose exclusion constraint is the last
//! guarantee against double booking.
//!
//! `create` books and seats walk-ins, `change` moves and changes states, `read` shows
//! reservations, `snapshot` reads what the availability engine needs under the day's lock,
//! `idempotency` replays retried requests, `keys` holds the restaurant's data key.

mod change;
mod create;
mod idempotency;
mod keys;
mod read;
mod snapshot;

use crate::crypto::MasterKey;
use crate::error::StoreError;
use crate::secret::random_bytes;
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SubsecRound, Utc};
use hs_domain::availability::{self, Alternatives, Audience, Booked, Snapshot, Unavailable};
use hs_domain::reservation::{booking_code, Channel, Status};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use uuid::Uuid;

/// Longest notes, in characters.
pub const NOTES_MAX: usize = 2000;

/// Who the reservation is for, as given by the caller.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestInput {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub salutation: Option<String>,
    /// The guest agreed to messages on WhatsApp (recorded with the time and the booking's
    /// channel; absent or false changes nothing).
    #[serde(default)]
    pub whatsapp_opt_in: Option<bool>,
}

/// A booking request.
#[derive(Clone, Debug)]
pub struct NewReservation {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub party_size: u32,
    pub guest: GuestInput,
    pub notes: String,
    pub special_notes: Option<String>,
    pub channel: Channel,
    /// Tables a person chose instead of the suggested ones (staff only).
    pub tables: Option<Vec<Uuid>>,
}

/// What a change to a reservation asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct Change<'a> {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    pub party_size: Option<u32>,
    pub notes: Option<&'a str>,
    /// Tables a person chose; `None` lets the engine pick the best ones.
    pub tables: Option<Vec<Uuid>>,
}

/// The guest as shown with a reservation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GuestRef {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
}

/// A reservation as the API shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Reservation {
    pub id: Uuid,
    pub code: String,
    pub status: Status,
    pub channel: Channel,
    /// Local date and time in the restaurant's zone.
    pub date: NaiveDate,
    pub time: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub party_size: i32,
    pub tables: Vec<String>,
    pub notes: String,
    /// Only for roles allowed to read special-category data; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_notes: Option<String>,
    /// Whether special-category notes exist (shown as a flag to everyone).
    pub has_special_notes: bool,
    pub guest: Option<GuestRef>,
    pub created_at: DateTime<Utc>,
}

/// Why a booking could not be made, with times to offer instead.
#[derive(Clone, Debug)]
pub struct Rejection {
    pub reason: Unavailable,
    pub alternatives: Alternatives,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    code: String,
    #[sqlx(try_from = "String")]
    status: Status,
    #[sqlx(try_from = "String")]
    channel: Channel,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    party_size: i32,
    notes: String,
    special_enc: Option<String>,
    created_at: DateTime<Utc>,
    tables: Vec<String>,
    guest_id: Option<Uuid>,
    guest_name: Option<String>,
    guest_phone: Option<String>,
    guest_email: Option<String>,
    guest_language: Option<String>,
}

/// A reservation's hold on tables, for the availability snapshot.
#[derive(FromRow)]
struct HoldRow {
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    party_size: i32,
    tables: Vec<Uuid>,
}

/// What the database made of a new reservation row.
struct Inserted {
    id: Uuid,
    code: String,
    created_at: DateTime<Utc>,
    has_special_notes: bool,
}

/// What a new reservation row holds.
struct Insert<'a> {
    guest_id: Option<Uuid>,
    span: (DateTime<Utc>, DateTime<Utc>),
    party: u32,
    status: Status,
    channel: Channel,
    notes: &'a str,
    special: Option<&'a str>,
    tables: &'a [Uuid],
}

const SELECT: &str = "SELECT r.id, r.code, r.status, r.channel, r.starts_at, r.ends_at, r.party_size, r.notes, \
     r.special_enc, r.created_at, \
     coalesce((SELECT array_agg(t.name ORDER BY a.position, t.position, t.name) FROM reservation_tables rt \
               JOIN tables t ON t.restaurant_id = rt.restaurant_id AND t.id = rt.table_id \
               JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id \
               WHERE rt.restaurant_id = r.restaurant_id AND rt.reservation_id = r.id), '{}') AS tables, \
     g.id AS guest_id, g.name AS guest_name, g.phone AS guest_phone, g.email AS guest_email, \
     g.language AS guest_language \
     FROM reservations r LEFT JOIN guests g ON g.restaurant_id = r.restaurant_id AND g.id = r.guest_id";

fn checked_notes(field_name: &str, s: &str, max: usize) -> Result<String, StoreError> {
    validate::multi_line(s, max)
        .map(str::to_string)
        .map_err(|e| StoreError::invalid(field_name, e))
}

/// The reservation just written, as [`TenantTx::reservation`] would read it back (with its
/// special-category notes): built from what was written, which saves a round trip while the
/// day's booking lock is held.
fn booked(
    snap: &Snapshot,
    ins: Inserted,
    new: &Insert<'_>,
    guest: Option<GuestRef>,
) -> Reservation {
    let local = new.span.0.with_timezone(&snap.rules.tz);
    Reservation {
        id: ins.id,
        code: ins.code,
        status: new.status,
        channel: new.channel,
        date: local.date_naive(),
        time: local.format("%H:%M").to_string(),
        starts_at: new.span.0,
        ends_at: new.span.1,
        party_size: new.party as i32,
        // In floor order (area, then table), as the read query orders them.
        tables: snap
            .tables
            .iter()
            .filter(|t| new.tables.contains(&t.id))
            .map(|t| t.name.clone())
            .collect(),
        notes: new.notes.to_string(),
        has_special_notes: ins.has_special_notes,
        special_notes: new.special.filter(|s| !s.is_empty()).map(str::to_string),
        guest,
        created_at: ins.created_at,
    }
}
