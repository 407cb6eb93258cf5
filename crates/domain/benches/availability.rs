//! Availability for one day and one party size in a busy restaurant: 60 tables, 20
//! combinations, 400 reservations that day. Goal: under 1 ms.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hs_domain::availability::{
    check, slots, Audience, Booked, CombinationInfo, PeriodTimes, Rules, Snapshot, TableInfo,
    TurnTime,
};
use std::collections::HashMap;
use std::hint::black_box;
use uuid::Uuid;

fn busy_restaurant() -> (Snapshot, NaiveDate, DateTime<Utc>) {
    let period = PeriodTimes {
        name: "all day".into(),
        start: NaiveTime::from_hms_opt(10, 0, 0).expect("t"),
        end: NaiveTime::from_hms_opt(0, 0, 0).expect("t"),
        last_seating: NaiveTime::from_hms_opt(22, 30, 0).expect("t"),
    };
    let rules = Rules {
        tz: chrono_tz::Europe::Berlin,
        slot_minutes: 15,
        horizon_days: 90,
        lead_minutes: 60,
        pacing_covers: None,
        weekly: std::array::from_fn(|_| vec![period.clone()]),
        closures: vec![],
        special_days: HashMap::new(),
        turn_times: vec![
            TurnTime {
                min_party: 1,
                max_party: Some(2),
                minutes: 75,
            },
            TurnTime {
                min_party: 3,
                max_party: Some(4),
                minutes: 90,
            },
            TurnTime {
                min_party: 5,
                max_party: None,
                minutes: 120,
            },
        ],
    };
    let tables: Vec<TableInfo> = (0..60)
        .map(|i| {
            let (min, max) = match i % 3 {
                0 => (1, 2),
                1 => (2, 4),
                _ => (4, 6),
            };
            TableInfo {
                id: Uuid::new_v4(),
                name: format!("T{i}"),
                min_seats: min,
                max_seats: max,
                online: i % 10 != 0,
            }
        })
        .collect();
    let combinations = (0..20)
        .map(|i| CombinationInfo {
            id: Uuid::new_v4(),
            name: format!("C{i}"),
            tables: vec![tables[i * 3 + 1].id, tables[i * 3 + 2].id],
            min_seats: 6,
            max_seats: 10,
        })
        .collect();
    let mut s = Snapshot {
        rules,
        tables,
        combinations,
        booked: Vec::new(),
    };
    let date = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .expect("t")
        .with_timezone(&Utc);
    // Fill the day with 400 reservations through the engine itself, spread over the grid.
    let mut n: u32 = 0;
    let mut k: u64 = 7;
    while s.booked.len() < 400 {
        k = k
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let party = 1 + (k >> 33) as u32 % 6;
        let minute = ((k >> 20) % 50) as u32 * 15;
        let time = NaiveTime::from_hms_opt(10 + minute / 60, minute % 60, 0).expect("t");
        if let Ok(slot) = check(&s, date, time, party, now, Audience::Staff, None) {
            s.booked.push(Booked {
                id: Uuid::new_v4(),
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                party,
                tables: slot.assignment.tables,
            });
        }
        n += 1;
        assert!(n < 100_000, "could not place 400 reservations");
    }
    (s, date, now)
}

fn bench(c: &mut Criterion) {
    let (s, date, now) = busy_restaurant();
    let free = slots(&s, date, 4, now, Audience::Guest).expect("open");
    println!(
        "busy day: {} reservations, {} start times still free for 4",
        s.booked.len(),
        free.len()
    );
    c.bench_function(
        "availability: 1 day, party of 4, 60 tables, 20 combinations, 400 reservations",
        |b| {
            b.iter(|| {
                slots(
                    black_box(&s),
                    black_box(date),
                    black_box(4),
                    now,
                    Audience::Guest,
                )
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
