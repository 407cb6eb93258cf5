//! Statistics as pure rules: a restaurant's reservations, calls and conversations of a range
//! of days (its own zone, inclusive) turned into occupancy, volume, outcomes, agent results
//! and new versus returning guests, compared with the range of the same length before. The
//! store reads the facts ([`Booking`], [`Call`], [`Chat`]); nothing here knows who a guest is,
//! so anonymised guests count like any other.
//!
//! Definitions (shown on the statistics page as well):
//! - a reservation *counts* (its covers are expected or were seated) unless it was cancelled or
//!   was a no-show; the day view's covers use the same rule ([`covers`]);
//! - *occupancy* of a service period: the covers of the counted reservations starting in it ÷
//!   (the seats of all tables × the times the period opened in the range);
//! - the *heatmap*: per weekday and local hour, covers present × minutes ÷ (seats × 60 × the
//!   number of such weekdays in the range), in wall-clock time, so DST days count their hours
//!   as the guests lived them;
//! - *table turns* of a period: parties seated (counted reservations) ÷ (tables × openings);
//! - *no-show rate*: no-shows ÷ reservations that were due (started before now, not
//!   cancelled); *cancellation rate*: cancelled ÷ all reservations of the range;
//! - *lead time*: local days between the booking and the visit;
//! - a guest is *new* in a range when their first counted visit ever lies in it.

use crate::availability::Rules;
use crate::reservation::{Channel, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

mod days;
mod occupancy;
mod range;
mod tables;

pub use days::{day_key, days, keepable, Day, PeriodCount};
use occupancy::{heatmap, occupancy};
pub use range::{day_start, Range, RangeError, FIRST_YEAR, LAST_YEAR, MAX_DAYS};
pub use tables::TABLES;

/// Lead-time buckets: (key, most days ahead).
pub const LEAD_BUCKETS: [(&str, i64); 7] = [
    ("same_day", 0),
    ("1_day", 1),
    ("2_3_days", 3),
    ("4_7_days", 7),
    ("8_14_days", 14),
    ("15_30_days", 30),
    ("31_plus", i64::MAX),
];

/// Party-size buckets: 1 to 8 and `9+`.
pub const PARTY_BUCKETS: [&str; 9] = ["1", "2", "3", "4", "5", "6", "7", "8", "9+"];

/// Agent outcomes in the order shown; calls may also be `failed`, and `open` is a call or
/// conversation without an outcome yet.
pub const OUTCOMES: [&str; 8] = [
    "booked",
    "changed",
    "cancelled",
    "informed",
    "handed_over",
    "abandoned",
    "failed",
    "open",
];

/// A reservation as statistics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub party: u32,
    pub status: Status,
    pub channel: Channel,
    pub guest: Option<Uuid>,
}

/// A phone call: when, and how it ended (`None` while open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub at: DateTime<Utc>,
    pub outcome: Option<String>,
}

/// A chat conversation: when it began, its channel, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chat {
    pub at: DateTime<Utc>,
    pub channel: String,
    pub outcome: Option<String>,
}

/// Whether a reservation in this state brings (or brought) its covers.
pub fn counts(status: Status) -> bool {
    !matches!(status, Status::Cancelled | Status::NoShow)
}

/// The covers of the reservations that count: the day view's figure.
pub fn covers(list: impl IntoIterator<Item = (Status, u32)>) -> u32 {
    list.into_iter()
        .filter(|(s, _)| counts(*s))
        .map(|(_, p)| p)
        .sum()
}

/// The seats of a floor: every table's most seats (the day view's figure and the capacity of
/// occupancy; a combination adds no seats of its own).
pub fn seats(max_seats: impl IntoIterator<Item = i32>) -> u32 {
    max_seats
        .into_iter()
        .map(|s| u32::try_from(s).unwrap_or(0))
        .sum()
}

/// The restaurant's floor and hours, as the figures need them.
pub struct Floor<'a> {
    pub rules: &'a Rules,
    pub seats: u32,
    pub tables: u32,
}

/// A count of reservations and covers, with their cancellations and no-shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Volume {
    pub reservations: u32,
    pub covers: u32,
    pub cancelled: u32,
    pub no_shows: u32,
    /// Reservations that were due (started before now, not cancelled).
    pub due: u32,
}

impl Volume {
    fn add(&mut self, b: &Booking, now: DateTime<Utc>) {
        self.reservations += 1;
        if counts(b.status) {
            self.covers += b.party;
        }
        match b.status {
            Status::Cancelled => self.cancelled += 1,
            Status::NoShow => self.no_shows += 1,
            _ => {}
        }
        if b.status != Status::Cancelled && b.starts_at < now {
            self.due += 1;
        }
    }

    /// No-shows ÷ due reservations; `None` when none was due.
    pub fn no_show_rate(&self) -> Option<f64> {
        ratio(self.no_shows, self.due)
    }

    /// Cancelled ÷ all; `None` for none.
    pub fn cancellation_rate(&self) -> Option<f64> {
        ratio(self.cancelled, self.reservations)
    }
}

fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

/// A keyed row of a breakdown (a channel, a party size, a lead time, a day).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    #[serde(flatten)]
    pub volume: Volume,
    pub no_show_rate: Option<f64>,
    pub cancellation_rate: Option<f64>,
}

fn row(key: String, volume: Volume) -> Row {
    Row {
        key,
        no_show_rate: volume.no_show_rate(),
        cancellation_rate: volume.cancellation_rate(),
        volume,
    }
}

/// The rows of a breakdown in its keys' order, keys without reservations left out.
fn rows<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    volumes: impl IntoIterator<Item = Volume>,
) -> Vec<Row> {
    keys.into_iter()
        .zip(volumes)
        .filter(|(_, v)| v.reservations > 0)
        .map(|(k, v)| row(k.to_string(), v))
        .collect()
}

/// A service period's occupancy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodFigure {
    pub name: String,
    /// Times the period opened in the range.
    pub openings: u32,
    pub covers: u32,
    pub parties: u32,
    /// Seats × openings.
    pub capacity: u64,
    pub occupancy: Option<f64>,
    pub turns: Option<f64>,
}

/// Outcomes of calls or conversations.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Outcomes {
    pub total: u32,
    /// (outcome, count) in [`OUTCOMES`] order, zeros left out.
    pub by_outcome: Vec<(String, u32)>,
    pub handed_over_share: Option<f64>,
    pub abandoned_share: Option<f64>,
}

fn outcomes<'a>(list: impl Iterator<Item = Option<&'a str>>) -> Outcomes {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut total = 0;
    for o in list {
        total += 1;
        let o = o.filter(|o| OUTCOMES.contains(o)).unwrap_or("open");
        *counts.entry(o).or_default() += 1;
    }
    let get = |k: &str| counts.get(k).copied().unwrap_or(0);
    Outcomes {
        total,
        handed_over_share: ratio(get("handed_over"), total),
        abandoned_share: ratio(get("abandoned"), total),
        by_outcome: OUTCOMES
            .iter()
            .filter(|k| get(k) > 0)
            .map(|k| (k.to_string(), get(k)))
            .collect(),
    }
}

/// New and returning guests with a counted visit in the range; visits without a guest card
/// are `unknown`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Guests {
    pub new: u32,
    pub returning: u32,
    pub unknown_visits: u32,
}

/// The headline figures of a range, the ones compared with the range before.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Headline {
    #[serde(flatten)]
    pub volume: Volume,
    pub occupancy: Option<f64>,
    pub no_show_rate: Option<f64>,
    pub cancellation_rate: Option<f64>,
    pub calls: u32,
    pub chats: u32,
    pub new_guests: u32,
    pub returning_guests: u32,
}

/// Every figure of a range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub range: Range,
    pub headline: Headline,
    /// The same figures for the range before.
    pub before: Headline,
    pub periods: Vec<PeriodFigure>,
    /// Covers outside every service period (e.g. walk-ins after closing).
    pub outside_periods: u32,
    /// `[weekday Monday first][hour]`: occupancy in the wall-clock hour.
    pub heatmap: Vec<Vec<f64>>,
    pub by_day: Vec<Row>,
    pub by_channel: Vec<Row>,
    pub by_party: Vec<Row>,
    pub by_lead: Vec<Row>,
    pub calls: Outcomes,
    pub chats: Outcomes,
    pub chats_by_channel: Vec<(String, Outcomes)>,
    pub guests: Guests,
}

/// What the figures are computed from: the facts of the range and of the range before.
pub struct Facts<'a> {
    pub floor: Floor<'a>,
    pub bookings: &'a [Booking],
    pub calls: &'a [Call],
    pub chats: &'a [Chat],
    /// The guests with a counted visit before the range before (before every booking in
    /// `bookings`); any later first visit is among `bookings`.
    pub earlier_guests: &'a HashSet<Uuid>,
    pub now: DateTime<Utc>,
}

/// The headline of one range from its days. `before` holds the guests with a counted visit in
/// the range before this one; it is `None` for the range before itself, where a guest's first
/// visit lies inside unless the guest is among `earlier_guests`.
fn headline(
    days: &[&Day],
    earlier_guests: &HashSet<Uuid>,
    before: Option<&HashSet<Uuid>>,
    calls: u32,
    chats: u32,
    occupancy: Option<f64>,
) -> (Headline, Guests) {
    let mut volume = Volume::default();
    let mut guests = Guests::default();
    let mut seen: HashSet<Uuid> = HashSet::new();
    for day in days {
        volume.merge(&day.total());
        guests.unknown_visits += day.unknown_visits;
        for g in &day.guests {
            if seen.insert(*g) {
                let new =
                    !earlier_guests.contains(g) && before.is_none_or(|before| !before.contains(g));
                if new {
                    guests.new += 1;
                } else {
                    guests.returning += 1;
                }
            }
        }
    }
    (
        Headline {
            no_show_rate: volume.no_show_rate(),
            cancellation_rate: volume.cancellation_rate(),
            volume,
            occupancy,
            calls,
            chats,
            new_guests: guests.new,
            returning_guests: guests.returning,
        },
        guests,
    )
}

fn lead_bucket(days: i64) -> usize {
    LEAD_BUCKETS
        .iter()
        .position(|(_, max)| days <= *max)
        .unwrap_or(LEAD_BUCKETS.len() - 1)
}

fn party_bucket(p: u32) -> usize {
    (p.clamp(1, 9) - 1) as usize
}

/// From this many reservations on, they are summed into days on two threads: a year of a
/// busy restaurant takes tens of milliseconds.
pub const PARALLEL_FROM: usize = 10_000;

/// Every figure of `range`, compared with [`Range::previous`]. `facts` hold the bookings,
/// calls and chats of both ranges (others are ignored).
pub fn figures(range: Range, facts: &Facts) -> Figures {
    let days = days(facts.bookings, facts.floor.rules, facts.now);
    figures_of_days(range, &facts.summed(&days))
}

/// What the figures are computed from when the reservations are already summed per day.
pub struct Summed<'a> {
    pub floor: Floor<'a>,
    /// The days of both ranges (others are ignored; a day missing had no reservations).
    pub days: &'a [Day],
    pub calls: &'a [Call],
    pub chats: &'a [Chat],
    /// The guests with a counted visit before the range before.
    pub earlier_guests: &'a HashSet<Uuid>,
}

impl<'a> Facts<'a> {
    fn summed(&self, days: &'a [Day]) -> Summed<'a> {
        Summed {
            floor: Floor { ..self.floor },
            days,
            calls: self.calls,
            chats: self.chats,
            earlier_guests: self.earlier_guests,
        }
    }
}

/// Every figure of `range`, compared with [`Range::previous`], from the days of both.
pub fn figures_of_days(range: Range, facts: &Summed) -> Figures {
    let tz = facts.floor.rules.tz;
    let before = range.previous();
    let (start, end) = range.instants(tz);
    let (b_start, _) = before.instants(tz);
    let in_now = |t: DateTime<Utc>| start <= t && t < end;
    let in_before = |t: DateTime<Utc>| b_start <= t && t < start;
    let within =
        |r: Range| -> Vec<&Day> { facts.days.iter().filter(|d| r.contains(d.date)).collect() };
    let (now_days, before_days) = (within(range), within(before));
    let before_guests: HashSet<Uuid> = before_days
        .iter()
        .flat_map(|d| d.guests.iter().copied())
        .collect();
    let (_, _, occ_before) = occupancy(&before, &facts.floor, &before_days);
    let (headline_before, _) = headline(
        &before_days,
        facts.earlier_guests,
        None,
        facts.calls.iter().filter(|c| in_before(c.at)).count() as u32,
        facts.chats.iter().filter(|c| in_before(c.at)).count() as u32,
        occ_before,
    );

    let (periods, outside_periods, occ) = occupancy(&range, &facts.floor, &now_days);
    let calls_now: Vec<&Call> = facts.calls.iter().filter(|c| in_now(c.at)).collect();
    let chats_now: Vec<&Chat> = facts.chats.iter().filter(|c| in_now(c.at)).collect();
    let (headline_now, guests) = headline(
        &now_days,
        facts.earlier_guests,
        Some(&before_guests),
        calls_now.len() as u32,
        chats_now.len() as u32,
        occ,
    );

    let mut by_day: Vec<Row> = range
        .dates()
        .map(|d| row(d.to_string(), Volume::default()))
        .collect();
    let mut by_channel: [Volume; Channel::ALL.len()] = Default::default();
    let mut by_party: [Volume; PARTY_BUCKETS.len()] = Default::default();
    let mut by_lead: [Volume; LEAD_BUCKETS.len()] = Default::default();
    for day in &now_days {
        if let Some(r) = by_day.get_mut((day.date - range.from).num_days() as usize) {
            *r = row(std::mem::take(&mut r.key), day.total());
        }
        for (sum, v) in by_channel.iter_mut().zip(&day.by_channel) {
            sum.merge(v);
        }
        for (sum, v) in by_party.iter_mut().zip(&day.by_party) {
            sum.merge(v);
        }
        for (sum, v) in by_lead.iter_mut().zip(&day.by_lead) {
            sum.merge(v);
        }
    }
    let mut chat_channels: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
    for c in &chats_now {
        chat_channels
            .entry(c.channel.as_str())
            .or_default()
            .push(c.outcome.as_deref());
    }
    Figures {
        range,
        headline: headline_now,
        before: headline_before,
        periods,
        outside_periods,
        heatmap: heatmap(&range, &facts.floor, &now_days),
        by_day,
        by_channel: rows(Channel::ALL.iter().map(|c| c.as_str()), by_channel),
        by_party: rows(PARTY_BUCKETS, by_party),
        by_lead: rows(LEAD_BUCKETS.iter().map(|(k, _)| *k), by_lead),
        calls: outcomes(calls_now.iter().map(|c| c.outcome.as_deref())),
        chats: outcomes(chats_now.iter().map(|c| c.outcome.as_deref())),
        chats_by_channel: chat_channels
            .into_iter()
            .map(|(k, v)| (k.to_string(), outcomes(v.into_iter())))
            .collect(),
        guests,
    }
}

/// The relative change from `before` to `now` (`None` when there was nothing before).
pub fn change(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before)
}

#[cfg(test)]
mod tests;
