//! Occupancy over the floor: the service period a visit belongs to, occupancy and table
//! turns per period, and the weekday × hour heatmap in wall-clock time.

use super::{counts, Floor, PeriodFigure, Range, Seen};
use crate::availability::Rules;
use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use std::collections::HashMap;

/// The service period a local start belongs to: one of its day's periods that seats at that
/// time, or a period of the day before that runs past midnight: its name.
pub(super) fn period_of(rules: &Rules, start: NaiveDateTime) -> Option<&str> {
    let (date, t) = (start.date(), start.time());
    let wraps = |p: &crate::availability::PeriodTimes| p.end <= p.start;
    if let Some(p) = rules
        .periods_on(date)
        .iter()
        .find(|p| p.seats_at(t) && !(wraps(p) && t < p.start))
    {
        return Some(&p.name);
    }
    let before = date - Duration::days(1);
    rules
        .periods_on(before)
        .iter()
        .find(|p| wraps(p) && t < p.start && p.seats_at(t))
        .map(|p| p.name.as_str())
}

/// Occupancy per period over a range: (periods, covers outside, overall occupancy).
pub(super) fn occupancy(
    range: &Range,
    floor: &Floor,
    bookings: &[Seen],
) -> (Vec<PeriodFigure>, u32, Option<f64>) {
    let rules = floor.rules;
    let mut figures: Vec<PeriodFigure> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for d in range.dates() {
        for p in rules.periods_on(d) {
            let i = *index.entry(p.name.as_str()).or_insert_with(|| {
                figures.push(PeriodFigure {
                    name: p.name.clone(),
                    openings: 0,
                    covers: 0,
                    parties: 0,
                    capacity: 0,
                    occupancy: None,
                    turns: None,
                });
                figures.len() - 1
            });
            figures[i].openings += 1;
        }
    }
    let mut outside = 0;
    for s in bookings.iter().filter(|s| counts(s.b.status)) {
        match period_of(rules, s.start).and_then(|name| index.get(name).copied()) {
            Some(i) => {
                figures[i].covers += s.b.party;
                figures[i].parties += 1;
            }
            None => outside += s.b.party,
        }
    }
    let (mut covers, mut capacity) = (0u64, 0u64);
    for f in &mut figures {
        f.capacity = u64::from(floor.seats) * u64::from(f.openings);
        f.occupancy = (f.capacity > 0).then(|| f.covers as f64 / f.capacity as f64);
        let slots = u64::from(floor.tables) * u64::from(f.openings);
        f.turns = (slots > 0).then(|| f64::from(f.parties) / slots as f64);
        covers += u64::from(f.covers);
        capacity += f.capacity;
    }
    let overall = (capacity > 0).then(|| covers as f64 / capacity as f64);
    (figures, outside, overall)
}

/// Occupancy per weekday and wall-clock hour.
pub(super) fn heatmap(range: &Range, floor: &Floor, bookings: &[Seen]) -> Vec<Vec<f64>> {
    let tz = floor.rules.tz;
    let mut minutes = vec![vec![0f64; 24]; 7];
    let mut add = |l: NaiveDateTime, seconds: i64, party: u32| {
        let weekday = l.weekday().num_days_from_monday() as usize;
        minutes[weekday][l.hour() as usize] += seconds as f64 / 60.0 * f64::from(party);
    };
    for s in bookings.iter().filter(|s| counts(s.b.status)) {
        let b = s.b;
        if s.steady {
            // No change of offset during the visit: wall-clock time runs with real time.
            let end = s.start + (b.ends_at - b.starts_at);
            let mut t = s.start;
            while t < end {
                let into_hour = i64::from(t.minute() * 60 + t.second());
                let next = (t + Duration::seconds(3600 - into_hour)).min(end);
                add(t, (next - t).num_seconds(), b.party);
                t = next;
            }
            continue;
        }
        // Across a DST change, real time one wall-clock hour at a time: the hour after 01:59
        // is 03:00 (March) or 02:00 again (October).
        let mut t = b.starts_at;
        while t < b.ends_at {
            let l = t.with_timezone(&tz);
            let into_hour = i64::from(l.minute() * 60 + l.second());
            let next = (t + Duration::seconds(3600 - into_hour)).min(b.ends_at);
            add(l.naive_local(), (next - t).num_seconds(), b.party);
            t = next;
        }
    }
    let mut weekdays = [0u32; 7];
    for d in range.dates() {
        weekdays[d.weekday().num_days_from_monday() as usize] += 1;
    }
    minutes
        .into_iter()
        .enumerate()
        .map(|(w, hours)| {
            let capacity = f64::from(floor.seats) * 60.0 * f64::from(weekdays[w]);
            hours
                .into_iter()
                .map(|m| if capacity > 0.0 { m / capacity } else { 0.0 })
                .collect()
        })
        .collect()
}
