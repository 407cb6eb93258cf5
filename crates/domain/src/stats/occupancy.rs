//! Occupancy over the floor: the service period a visit belongs to, occupancy and table
//! turns per period, and the weekday × hour heatmap in wall-clock time, from a range's days.

use super::{Day, Floor, PeriodFigure, Range};
use crate::availability::Rules;
use chrono::{Datelike, Duration, NaiveDateTime};
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

/// Occupancy per period over a range from its days: (periods, covers outside, overall
/// occupancy). A day's period that did not open in the range (one of the day before that ran
/// past midnight) counts as outside.
pub(super) fn occupancy(
    range: &Range,
    floor: &Floor,
    days: &[&Day],
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
    for day in days {
        outside += day.outside;
        for p in &day.periods {
            match index.get(p.name.as_str()) {
                Some(&i) => {
                    figures[i].covers += p.covers;
                    figures[i].parties += p.parties;
                }
                None => outside += p.covers,
            }
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

/// Occupancy per weekday and wall-clock hour, from the days' party-seconds.
pub(super) fn heatmap(range: &Range, floor: &Floor, days: &[&Day]) -> Vec<Vec<f64>> {
    let mut seconds = [[0u64; 24]; 7];
    for day in days {
        for ((w, h), s) in &day.heat {
            seconds[usize::from(*w)][usize::from(*h)] += s;
        }
    }
    let mut weekdays = [0u32; 7];
    for d in range.dates() {
        weekdays[d.weekday().num_days_from_monday() as usize] += 1;
    }
    seconds
        .iter()
        .enumerate()
        .map(|(w, hours)| {
            let capacity = f64::from(floor.seats) * 60.0 * f64::from(weekdays[w]);
            hours
                .iter()
                .map(|s| {
                    if capacity > 0.0 {
                        *s as f64 / 60.0 / capacity
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}
