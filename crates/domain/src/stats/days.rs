//! A local day's reservations summed up ([`Day`]): every figure of a range is a sum over its
//! days, so the figures are computed from days whether those were summed from the
//! reservations just now ([`days`]) or kept from an earlier sum (the store's daily summaries,
//! valid while [`day_key`] is unchanged and no reservation of the day changed).

use super::occupancy::period_of;
use super::{counts, lead_bucket, party_bucket, Booking, Volume, LEAD_BUCKETS, PARTY_BUCKETS};
use crate::availability::Rules;
use crate::reservation::Channel;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use uuid::Uuid;

/// Covers and parties seated in a service period on a day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCount {
    pub name: String,
    pub covers: u32,
    pub parties: u32,
}

/// The reservations starting on one local day, summed up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "Stored", try_from = "Stored")]
pub struct Day {
    pub date: NaiveDate,
    /// By channel, in [`Channel::ALL`] order.
    pub by_channel: [Volume; Channel::ALL.len()],
    /// By party size, in [`PARTY_BUCKETS`] order.
    pub by_party: [Volume; PARTY_BUCKETS.len()],
    /// By lead time, in [`LEAD_BUCKETS`] order.
    pub by_lead: [Volume; LEAD_BUCKETS.len()],
    /// Counted covers and parties per service period (see `occupancy::period_of`).
    pub periods: Vec<PeriodCount>,
    /// Counted covers outside every period.
    pub outside: u32,
    /// Party-seconds present per (weekday Monday first, wall-clock hour), for the heatmap (a
    /// visit past midnight lands in the next weekday's hours).
    pub heat: BTreeMap<(u8, u8), u64>,
    /// The guests with a counted visit this day, sorted, each once. Not part of the
    /// serialised form: the store keeps them as ids of their own.
    pub guests: Vec<Uuid>,
    /// Counted visits without a guest card.
    pub unknown_visits: u32,
}

impl Day {
    /// A day without reservations.
    pub fn empty(date: NaiveDate) -> Day {
        Day {
            date,
            by_channel: Default::default(),
            by_party: Default::default(),
            by_lead: Default::default(),
            periods: Vec::new(),
            outside: 0,
            heat: BTreeMap::new(),
            guests: Vec::new(),
            unknown_visits: 0,
        }
    }

    /// Every reservation of the day together.
    pub fn total(&self) -> Volume {
        let mut v = Volume::default();
        for c in &self.by_channel {
            v.merge(c);
        }
        v
    }

    /// Adds a reservation starting at local `start` on this day (`now` decides whether it
    /// was due).
    fn add(&mut self, b: &Booking, start: NaiveDateTime, rules: &Rules, now: DateTime<Utc>) {
        let tz = rules.tz;
        let channel = Channel::ALL
            .iter()
            .position(|c| *c == b.channel)
            .unwrap_or(0);
        self.by_channel[channel].add(b, now);
        self.by_party[party_bucket(b.party)].add(b, now);
        let booked_on = b.created_at.with_timezone(&tz).date_naive();
        let lead = (self.date - booked_on).num_days().max(0);
        self.by_lead[lead_bucket(lead)].add(b, now);
        if !counts(b.status) {
            return;
        }
        match period_of(rules, start) {
            Some(name) => match self.periods.iter_mut().find(|p| p.name == name) {
                Some(p) => {
                    p.covers += b.party;
                    p.parties += 1;
                }
                None => self.periods.push(PeriodCount {
                    name: name.to_string(),
                    covers: b.party,
                    parties: 1,
                }),
            },
            None => self.outside += b.party,
        }
        match b.guest {
            Some(g) => self.guests.push(g),
            None => self.unknown_visits += 1,
        }
        heat(&mut self.heat, b, start, tz);
    }

    /// Adds another sum of the same day.
    pub fn merge(&mut self, other: &Day) {
        for (a, b) in self.by_channel.iter_mut().zip(&other.by_channel) {
            a.merge(b);
        }
        for (a, b) in self.by_party.iter_mut().zip(&other.by_party) {
            a.merge(b);
        }
        for (a, b) in self.by_lead.iter_mut().zip(&other.by_lead) {
            a.merge(b);
        }
        for p in &other.periods {
            match self.periods.iter_mut().find(|q| q.name == p.name) {
                Some(q) => {
                    q.covers += p.covers;
                    q.parties += p.parties;
                }
                None => self.periods.push(p.clone()),
            }
        }
        self.outside += other.outside;
        for (k, v) in &other.heat {
            *self.heat.entry(*k).or_default() += v;
        }
        self.guests.extend(&other.guests);
        self.guests.sort_unstable();
        self.guests.dedup();
        self.unknown_visits += other.unknown_visits;
    }
}

/// Party-seconds of a counted visit per weekday and wall-clock hour.
fn heat(cells: &mut BTreeMap<(u8, u8), u64>, b: &Booking, start: NaiveDateTime, tz: Tz) {
    let party = u64::from(b.party);
    let mut add = |l: NaiveDateTime, seconds: i64| {
        let cell = (l.weekday().num_days_from_monday() as u8, l.hour() as u8);
        *cells.entry(cell).or_default() += u64::try_from(seconds).unwrap_or(0) * party;
    };
    let end = b.ends_at.with_timezone(&tz);
    if b.starts_at.with_timezone(&tz).offset().fix() == end.offset().fix() {
        // No change of offset during the visit: wall-clock time runs with real time.
        let end = start + (b.ends_at - b.starts_at);
        let mut t = start;
        while t < end {
            let into_hour = i64::from(t.minute() * 60 + t.second());
            let next = (t + Duration::seconds(3600 - into_hour)).min(end);
            add(t, (next - t).num_seconds());
            t = next;
        }
        return;
    }
    // Across a DST change, real time one wall-clock hour at a time: the hour after 01:59 is
    // 03:00 (March) or 02:00 again (October).
    let mut t = b.starts_at;
    while t < b.ends_at {
        let l = t.with_timezone(&tz);
        let into_hour = i64::from(l.minute() * 60 + l.second());
        let next = (t + Duration::seconds(3600 - into_hour)).min(b.ends_at);
        add(l.naive_local(), (next - t).num_seconds());
        t = next;
    }
}

/// The reservations summed up per local day of their start, in date order (days without
/// reservations left out); `now` decides which were due. From [`super::PARALLEL_FROM`]
/// reservations on, each half is summed on a thread of its own.
pub fn days(bookings: &[Booking], rules: &Rules, now: DateTime<Utc>) -> Vec<Day> {
    days_from(bookings, rules, now, super::PARALLEL_FROM)
}

pub(super) fn days_from(
    bookings: &[Booking],
    rules: &Rules,
    now: DateTime<Utc>,
    parallel_from: usize,
) -> Vec<Day> {
    let sum = |part: &[Booking]| {
        let mut days: HashMap<NaiveDate, Day> = HashMap::new();
        for b in part {
            let start = b.starts_at.with_timezone(&rules.tz).naive_local();
            days.entry(start.date())
                .or_insert_with(|| Day::empty(start.date()))
                .add(b, start, rules, now);
        }
        days
    };
    let mut all: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    let mut take = |part: HashMap<NaiveDate, Day>| {
        for (date, mut day) in part {
            match all.get_mut(&date) {
                Some(d) => d.merge(&day),
                None => {
                    day.guests.sort_unstable();
                    day.guests.dedup();
                    all.insert(date, day);
                }
            }
        }
    };
    if bookings.len() >= parallel_from {
        let (a, b) = bookings.split_at(bookings.len() / 2);
        let (a, b) = std::thread::scope(|s| {
            let other = s.spawn(|| sum(b));
            let a = sum(a);
            (
                a,
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        take(a);
        take(b);
    } else {
        take(sum(bookings));
    }
    all.into_values().collect()
}

/// What a day's sum depends on besides its reservations: the zone and the service periods of
/// the day and of the day before (whose period may run past midnight). A kept sum whose key
/// differs from today's rules is summed again. The version changes whenever [`Day::add`]
/// counts differently.
pub fn day_key(rules: &Rules, date: NaiveDate) -> String {
    const VERSION: u32 = 1;
    let mut key = format!("v{VERSION} {}", rules.tz.name());
    for d in [date - Duration::days(1), date] {
        key.push_str(" |");
        for p in rules.periods_on(d) {
            let _ = write!(
                key,
                " {} {}-{}/{}",
                p.name,
                p.start.format("%H:%M"),
                p.end.format("%H:%M"),
                p.last_seating.format("%H:%M")
            );
        }
    }
    key
}

/// Whether a day's sum may be kept: the day is over at `now`, so every reservation of it was
/// due or cancelled, and no later `now` would sum it differently.
pub fn keepable(date: NaiveDate, tz: Tz, now: DateTime<Utc>) -> bool {
    super::day_start(date + Duration::days(1), tz) <= now
}

/// A day's serialised form: each volume as its five numbers.
#[derive(Serialize, Deserialize)]
struct Stored {
    d: NaiveDate,
    c: Vec<[u32; 5]>,
    p: Vec<[u32; 5]>,
    l: Vec<[u32; 5]>,
    s: Vec<PeriodCount>,
    o: u32,
    h: Vec<(u8, u8, u64)>,
    u: u32,
}

impl From<Day> for Stored {
    fn from(d: Day) -> Stored {
        let v = |list: &[Volume]| list.iter().map(Volume::numbers).collect();
        Stored {
            d: d.date,
            c: v(&d.by_channel),
            p: v(&d.by_party),
            l: v(&d.by_lead),
            s: d.periods,
            o: d.outside,
            h: d.heat.into_iter().map(|((w, h), s)| (w, h, s)).collect(),
            u: d.unknown_visits,
        }
    }
}

impl TryFrom<Stored> for Day {
    type Error = String;

    fn try_from(s: Stored) -> Result<Day, String> {
        fn volumes<const N: usize>(list: Vec<[u32; 5]>) -> Result<[Volume; N], String> {
            let n = list.len();
            let list: Vec<Volume> = list.into_iter().map(Volume::from_numbers).collect();
            list.try_into()
                .map_err(|_| format!("{n} volumes where {N} were expected"))
        }
        if s.h.iter().any(|(w, h, _)| *w > 6 || *h > 23) {
            return Err("a heatmap cell outside the week".into());
        }
        Ok(Day {
            date: s.d,
            by_channel: volumes(s.c)?,
            by_party: volumes(s.p)?,
            by_lead: volumes(s.l)?,
            periods: s.s,
            outside: s.o,
            heat: s.h.into_iter().map(|(w, h, s)| ((w, h), s)).collect(),
            guests: Vec::new(),
            unknown_visits: s.u,
        })
    }
}

impl Volume {
    pub(super) fn merge(&mut self, o: &Volume) {
        self.reservations += o.reservations;
        self.covers += o.covers;
        self.cancelled += o.cancelled;
        self.no_shows += o.no_shows;
        self.due += o.due;
    }

    fn numbers(&self) -> [u32; 5] {
        [
            self.reservations,
            self.covers,
            self.cancelled,
            self.no_shows,
            self.due,
        ]
    }

    fn from_numbers([reservations, covers, cancelled, no_shows, due]: [u32; 5]) -> Volume {
        Volume {
            reservations,
            covers,
            cancelled,
            no_shows,
            due,
        }
    }
}
