//! The availability engine: for a restaurant snapshot, a date and a party size, every start time
//! that can be seated, each with its best table assignment. Pure: no clock, no database; the
//! caller passes "now" and the reservations that hold tables.
//!
//! Rules, in the order they are applied:
//! - the date is not in the past (restaurant time), not beyond the booking horizon, not closed;
//! - a start time lies on the slot grid of a service period, from its start to its last seating
//!   (periods may run past midnight); local times that do not exist on a daylight-saving day
//!   are skipped, and an ambiguous one means its first occurrence;
//! - guests book at least the lead time ahead; staff may book any time not yet past;
//! - covers starting in one slot interval stay within the pacing limit;
//! - a reservation holds its tables for the turn time of its party size, in real minutes;
//! - assignment: single tables before combinations, then fewest empty seats, then name; guest
//!   channels only get tables (and combinations of tables) that are bookable online.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Opening hours of one service (e.g. lunch, dinner) on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodTimes {
    pub name: String,
    pub start: NaiveTime,
    /// Closing time; at or before `start` means the next day.
    pub end: NaiveTime,
    /// The last start time; before `start` means the next day.
    pub last_seating: NaiveTime,
}

impl PeriodTimes {
    /// Local start, last seating and end of this period when it opens on `date`.
    fn on(&self, date: NaiveDate) -> (NaiveDateTime, NaiveDateTime, NaiveDateTime) {
        let start = date.and_time(self.start);
        let next = |t: NaiveTime, strict: bool| {
            let same = date.and_time(t);
            if t < self.start || (strict && t == self.start) {
                same + Duration::days(1)
            } else {
                same
            }
        };
        (start, next(self.last_seating, false), next(self.end, true))
    }

    /// Whether a party may be seated at `t`: from the start to the last seating, which may
    /// lie past midnight.
    pub fn seats_at(&self, t: NaiveTime) -> bool {
        if self.start <= self.last_seating {
            self.start <= t && t <= self.last_seating
        } else {
            t >= self.start || t <= self.last_seating
        }
    }
}

/// How long a party of a size holds its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TurnTime {
    pub min_party: u32,
    /// `None`: and larger.
    pub max_party: Option<u32>,
    pub minutes: u32,
}

/// A restaurant's booking rules.
#[derive(Clone, Debug)]
pub struct Rules {
    pub tz: Tz,
    pub slot_minutes: u32,
    pub horizon_days: u32,
    pub lead_minutes: u32,
    /// Most covers that may start in one slot interval; `None` for no limit.
    pub pacing_covers: Option<u32>,
    /// Service periods per weekday, Monday first.
    pub weekly: [Vec<PeriodTimes>; 7],
    /// Closed date ranges, inclusive.
    pub closures: Vec<(NaiveDate, NaiveDate)>,
    /// Days with their own hours instead of the weekday's (empty: closed).
    pub special_days: HashMap<NaiveDate, Vec<PeriodTimes>>,
    pub turn_times: Vec<TurnTime>,
}

/// A table.
#[derive(Clone, Debug)]
pub struct TableInfo {
    pub id: Uuid,
    pub name: String,
    pub min_seats: u32,
    pub max_seats: u32,
    pub online: bool,
}

/// An explicit combination of tables with its own capacity.
#[derive(Clone, Debug)]
pub struct CombinationInfo {
    pub id: Uuid,
    pub name: String,
    pub tables: Vec<Uuid>,
    pub min_seats: u32,
    pub max_seats: u32,
}

/// A reservation that holds tables.
#[derive(Clone, Debug)]
pub struct Booked {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub party: u32,
    pub tables: Vec<Uuid>,
}

/// Everything availability depends on.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub rules: Rules,
    pub tables: Vec<TableInfo>,
    pub combinations: Vec<CombinationInfo>,
    pub booked: Vec<Booked>,
}

/// Who is booking: guests (chat, phone agent, WhatsApp, widget) or the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Guest,
    Staff,
}

/// Tables chosen for a party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub tables: Vec<Uuid>,
    pub combination: Option<Uuid>,
    pub seats: u32,
}

/// A start time that can be seated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub local: NaiveDateTime,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub period: String,
    pub assignment: Assignment,
}

/// Why a request cannot be seated; `field()` names the input at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("party size must be at least 1")]
    PartyTooSmall,
    #[error("no table or combination seats a party of {0}")]
    PartyTooLarge(u32),
    #[error("the date is in the past")]
    PastDate,
    #[error("bookings open at most {0} days ahead")]
    BeyondHorizon(u32),
    #[error("the restaurant is closed that day")]
    Closed,
    #[error("not a bookable time that day (bookings start every {slot} minutes within opening hours, until the last seating)")]
    NotBookableTime { slot: u32 },
    #[error("that time is already past or less than {0} minutes away")]
    TooSoon(u32),
    #[error("no table is free at that time")]
    Full,
    #[error("the chosen tables are taken at that time")]
    TablesTaken,
    #[error("the chosen tables seat at most {0}")]
    TablesTooSmall(u32),
    #[error("no such table")]
    UnknownTable,
}

impl Unavailable {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Unavailable::PartyTooSmall | Unavailable::PartyTooLarge(_) => "party_size",
            Unavailable::PastDate | Unavailable::BeyondHorizon(_) | Unavailable::Closed => "date",
            Unavailable::NotBookableTime { .. } | Unavailable::TooSoon(_) | Unavailable::Full => {
                "time"
            }
            Unavailable::TablesTaken
            | Unavailable::TablesTooSmall(_)
            | Unavailable::UnknownTable => "table_ids",
        }
    }

    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Unavailable::PartyTooSmall => "party_too_small",
            Unavailable::PartyTooLarge(_) => "party_too_large",
            Unavailable::PastDate => "date_in_past",
            Unavailable::BeyondHorizon(_) => "beyond_horizon",
            Unavailable::Closed => "closed",
            Unavailable::NotBookableTime { .. } => "not_bookable_time",
            Unavailable::TooSoon(_) => "too_soon",
            Unavailable::Full => "slot_unavailable",
            Unavailable::TablesTaken => "tables_unavailable",
            Unavailable::TablesTooSmall(_) => "tables_too_small",
            Unavailable::UnknownTable => "not_found",
        }
    }
}

/// Other times to offer when the asked one is not free.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Alternatives {
    pub before: Option<Slot>,
    pub after: Option<Slot>,
    /// Following days on which the asked time is free.
    pub other_days: Vec<NaiveDate>,
}

impl Rules {
    /// The turn time for a party size.
    pub fn turn_minutes(&self, party: u32) -> Option<u32> {
        self.turn_times
            .iter()
            .find(|t| party >= t.min_party && t.max_party.is_none_or(|m| party <= m))
            .map(|t| t.minutes)
    }

    /// The periods open on a date (special day, else weekday), or none when closed.
    pub fn periods_on(&self, date: NaiveDate) -> &[PeriodTimes] {
        if self
            .closures
            .iter()
            .any(|(from, to)| *from <= date && date <= *to)
        {
            return &[];
        }
        if let Some(p) = self.special_days.get(&date) {
            return p;
        }
        &self.weekly[date.weekday().num_days_from_monday() as usize]
    }

    /// Whether some period open on `date` seats a party at `t` (how a spoken "8" becomes
    /// 20:00 when only the evening is open).
    pub fn seats_at(&self, date: NaiveDate, t: NaiveTime) -> bool {
        self.periods_on(date).iter().any(|p| p.seats_at(t))
    }

    /// Today in the restaurant's zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The instant a local time happens: the first occurrence when ambiguous, `None` in a gap.
    pub fn instant(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Start times of a date's periods on the slot grid, in order, with their period names.
fn grid(rules: &Rules, date: NaiveDate) -> Vec<(NaiveDateTime, &str)> {
    let step = Duration::minutes(i64::from(rules.slot_minutes.max(1)));
    let mut out = Vec::new();
    for p in rules.periods_on(date) {
        let (start, last, _) = p.on(date);
        let mut t = start;
        while t <= last {
            out.push((t, p.name.as_str()));
            t += step;
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// A half-open span of time `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

fn overlaps(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Looks up busy intervals per table once per query.
struct Occupancy<'a> {
    by_table: HashMap<Uuid, Vec<Span>>,
    starts: Vec<(DateTime<Utc>, u32)>,
    snapshot: &'a Snapshot,
}

impl<'a> Occupancy<'a> {
    fn new(snapshot: &'a Snapshot, exclude: Option<Uuid>) -> Self {
        let mut by_table: HashMap<Uuid, Vec<_>> = HashMap::new();
        let mut starts = Vec::new();
        for b in snapshot.booked.iter().filter(|b| Some(b.id) != exclude) {
            for t in &b.tables {
                by_table
                    .entry(*t)
                    .or_default()
                    .push((b.starts_at, b.ends_at));
            }
            starts.push((b.starts_at, b.party));
        }
        Occupancy {
            by_table,
            starts,
            snapshot,
        }
    }

    fn free(&self, table: Uuid, span: Span) -> bool {
        self.by_table
            .get(&table)
            .is_none_or(|v| v.iter().all(|b| !overlaps(*b, span)))
    }

    fn covers_starting(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        self.starts
            .iter()
            .filter(|(s, _)| *s >= from && *s < to)
            .map(|(_, p)| p)
            .sum()
    }

    /// The best tables for a party over a span.
    fn assign(
        &self,
        party: u32,
        span: (DateTime<Utc>, DateTime<Utc>),
        audience: Audience,
    ) -> Option<Assignment> {
        let online = |t: &TableInfo| audience == Audience::Staff || t.online;
        let single = self
            .snapshot
            .tables
            .iter()
            .filter(|t| {
                t.min_seats <= party && party <= t.max_seats && online(t) && self.free(t.id, span)
            })
            .min_by(|a, b| {
                (a.max_seats - party)
                    .cmp(&(b.max_seats - party))
                    .then_with(|| natural_cmp(&a.name, &b.name))
            });
        if let Some(t) = single {
            return Some(Assignment {
                tables: vec![t.id],
                combination: None,
                seats: t.max_seats,
            });
        }
        let tables: HashMap<Uuid, &TableInfo> =
            self.snapshot.tables.iter().map(|t| (t.id, t)).collect();
        self.snapshot
            .combinations
            .iter()
            .filter(|c| {
                c.min_seats <= party
                    && party <= c.max_seats
                    && !c.tables.is_empty()
                    && c.tables
                        .iter()
                        .all(|id| tables.get(id).is_some_and(|t| online(t)) && self.free(*id, span))
            })
            .min_by(|a, b| {
                (a.max_seats - party)
                    .cmp(&(b.max_seats - party))
                    .then_with(|| natural_cmp(&a.name, &b.name))
            })
            .map(|c| Assignment {
                tables: c.tables.clone(),
                combination: Some(c.id),
                seats: c.max_seats,
            })
    }
}

/// Whether some table or combination seats the party, and for how long: the turn time in
/// minutes, or why the party cannot be seated at all (the same answer for bookings and
/// walk-ins).
pub fn party_turn(s: &Snapshot, party: u32) -> Result<u32, Unavailable> {
    if party == 0 {
        return Err(Unavailable::PartyTooSmall);
    }
    let fits = s
        .tables
        .iter()
        .any(|t| t.min_seats <= party && party <= t.max_seats)
        || s.combinations
            .iter()
            .any(|c| c.min_seats <= party && party <= c.max_seats);
    match (fits, s.rules.turn_minutes(party)) {
        (true, Some(turn)) => Ok(turn),
        _ => Err(Unavailable::PartyTooLarge(party)),
    }
}

/// Checks what does not depend on the time of day: party size and date.
fn check_day(
    s: &Snapshot,
    date: NaiveDate,
    party: u32,
    now: DateTime<Utc>,
) -> Result<u32, Unavailable> {
    let r = &s.rules;
    let turn = party_turn(s, party)?;
    let today = r.today(now);
    if date < today {
        return Err(Unavailable::PastDate);
    }
    if date > today + Duration::days(i64::from(r.horizon_days)) {
        return Err(Unavailable::BeyondHorizon(r.horizon_days));
    }
    if r.periods_on(date).is_empty() {
        return Err(Unavailable::Closed);
    }
    Ok(turn)
}

/// One availability question: who, how many, how long, when asked.
#[derive(Clone, Copy)]
struct Ask {
    party: u32,
    turn: u32,
    now: DateTime<Utc>,
    audience: Audience,
}

/// Tables a person chose instead of the suggested ones.
fn pinned(
    s: &Snapshot,
    occ: &Occupancy<'_>,
    tables: &[Uuid],
    party: u32,
    span: Span,
) -> Result<Assignment, Unavailable> {
    let mut seats = 0;
    let mut ids: Vec<Uuid> = Vec::with_capacity(tables.len());
    for id in tables {
        let t = s
            .tables
            .iter()
            .find(|t| t.id == *id)
            .ok_or(Unavailable::UnknownTable)?;
        if !ids.contains(id) {
            ids.push(*id);
            seats += t.max_seats;
        }
    }
    if ids.is_empty() {
        return Err(Unavailable::UnknownTable);
    }
    if seats < party {
        return Err(Unavailable::TablesTooSmall(seats));
    }
    if !ids.iter().all(|id| occ.free(*id, span)) {
        return Err(Unavailable::TablesTaken);
    }
    let combination = s
        .combinations
        .iter()
        .find(|c| c.tables.len() == ids.len() && c.tables.iter().all(|t| ids.contains(t)))
        .map(|c| c.id);
    Ok(Assignment {
        tables: ids,
        combination,
        seats,
    })
}

/// Evaluates one grid time.
fn evaluate(
    s: &Snapshot,
    occ: &Occupancy<'_>,
    local: NaiveDateTime,
    period: &str,
    ask: Ask,
    tables: Option<&[Uuid]>,
) -> Result<Slot, Unavailable> {
    let Ask {
        party,
        turn,
        now,
        audience,
    } = ask;
    let r = &s.rules;
    let Some(starts_at) = r.instant(local) else {
        return Err(Unavailable::NotBookableTime {
            slot: r.slot_minutes,
        });
    };
    let earliest = match audience {
        Audience::Guest => now + Duration::minutes(i64::from(r.lead_minutes)),
        Audience::Staff => now,
    };
    if starts_at < earliest {
        return Err(Unavailable::TooSoon(if audience == Audience::Guest {
            r.lead_minutes
        } else {
            0
        }));
    }
    if let Some(limit) = r.pacing_covers {
        let interval_end = starts_at + Duration::minutes(i64::from(r.slot_minutes.max(1)));
        if occ.covers_starting(starts_at, interval_end) + party > limit {
            return Err(Unavailable::Full);
        }
    }
    let ends_at = starts_at + Duration::minutes(i64::from(turn));
    let assignment = match tables {
        Some(ids) => pinned(s, occ, ids, party, (starts_at, ends_at))?,
        None => occ
            .assign(party, (starts_at, ends_at), audience)
            .ok_or(Unavailable::Full)?,
    };
    Ok(Slot {
        local,
        starts_at,
        ends_at,
        period: period.to_string(),
        assignment,
    })
}

/// Every start time on `date` that seats `party`, with its best assignment.
pub fn slots(
    s: &Snapshot,
    date: NaiveDate,
    party: u32,
    now: DateTime<Utc>,
    audience: Audience,
) -> Result<Vec<Slot>, Unavailable> {
    slots_excluding(s, date, party, now, audience, None)
}

/// As [`slots`], ignoring one reservation's hold (for moving or resizing it).
pub fn slots_excluding(
    s: &Snapshot,
    date: NaiveDate,
    party: u32,
    now: DateTime<Utc>,
    audience: Audience,
    exclude: Option<Uuid>,
) -> Result<Vec<Slot>, Unavailable> {
    let turn = check_day(s, date, party, now)?;
    let occ = Occupancy::new(s, exclude);
    let ask = Ask {
        party,
        turn,
        now,
        audience,
    };
    Ok(grid(&s.rules, date)
        .into_iter()
        .filter_map(|(local, period)| evaluate(s, &occ, local, period, ask, None).ok())
        .collect())
}

/// Checks one date and time for a party: the slot, or why not.
pub fn check(
    s: &Snapshot,
    date: NaiveDate,
    time: NaiveTime,
    party: u32,
    now: DateTime<Utc>,
    audience: Audience,
    exclude: Option<Uuid>,
) -> Result<Slot, Unavailable> {
    check_tables(s, date, time, party, now, audience, exclude, None)
}

/// Like [`check`], but on the tables a person chose (`Some`) instead of the best ones. The
/// chosen tables must exist, seat the party and be free for the turn time; hours, lead time and
/// pacing apply as for any booking.
#[allow(clippy::too_many_arguments)]
pub fn check_tables(
    s: &Snapshot,
    date: NaiveDate,
    time: NaiveTime,
    party: u32,
    now: DateTime<Utc>,
    audience: Audience,
    exclude: Option<Uuid>,
    tables: Option<&[Uuid]>,
) -> Result<Slot, Unavailable> {
    let turn = check_day(s, date, party, now)?;
    // A time after midnight belongs to the period that started the day before, if any.
    let wanted = [date.and_time(time), date.and_time(time) + Duration::days(1)];
    let on_grid = grid(&s.rules, date)
        .into_iter()
        .find(|(l, _)| wanted.contains(l));
    let Some((local, period)) = on_grid else {
        return Err(Unavailable::NotBookableTime {
            slot: s.rules.slot_minutes,
        });
    };
    let occ = Occupancy::new(s, exclude);
    evaluate(
        s,
        &occ,
        local,
        period,
        Ask {
            party,
            turn,
            now,
            audience,
        },
        tables,
    )
}

/// How many days after the asked one [`alternatives`] looks at; its snapshot must hold the
/// reservations of all of them.
pub const ALTERNATIVE_DAYS: i64 = 14;

/// The nearest free times before and after `time` that day, and up to `max_days` following days
/// (within the horizon, looking at most two weeks ahead) on which `time` is free.
pub fn alternatives(
    s: &Snapshot,
    date: NaiveDate,
    time: NaiveTime,
    party: u32,
    now: DateTime<Utc>,
    audience: Audience,
    max_days: usize,
) -> Alternatives {
    let mut alt = Alternatives::default();
    let asked = date.and_time(time);
    if let Ok(day) = slots(s, date, party, now, audience) {
        alt.before = day.iter().rev().find(|sl| sl.local < asked).cloned();
        alt.after = day.iter().find(|sl| sl.local > asked).cloned();
    }
    for d in 1..=ALTERNATIVE_DAYS {
        if alt.other_days.len() >= max_days {
            break;
        }
        let next = date + Duration::days(d);
        match check(s, next, time, party, now, audience, None) {
            Ok(_) => alt.other_days.push(next),
            Err(Unavailable::BeyondHorizon(_)) => break,
            Err(_) => {}
        }
    }
    alt
}

/// The best free tables for a walk-in seated now.
pub fn walk_in(s: &Snapshot, party: u32, now: DateTime<Utc>) -> Result<Assignment, Unavailable> {
    let turn = party_turn(s, party)?;
    let occ = Occupancy::new(s, None);
    occ.assign(
        party,
        (now, now + Duration::minutes(i64::from(turn))),
        Audience::Staff,
    )
    .ok_or(Unavailable::Full)
}

/// Weekday index used by [`Rules::weekly`] (Monday = 0).
pub fn weekday_index(d: Weekday) -> usize {
    d.num_days_from_monday() as usize
}

mod names;
pub use names::natural_cmp;

#[cfg(test)]
mod tests;
