//! The statistics' computation alone (`hs_domain::stats::figures`), on the data `bench/stats.sh`
//! seeds: a year's range with the year before, 66,900 reservations spread over 730 days from
//! 17:00 to 22:00 (a seventh without a guest card, 10,000 guests), 13,300 calls and 13,300
//! conversations. The page's server time is this plus reading the rows (`bench/stats.sh`).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hs_domain::availability::{PeriodTimes, Rules, TurnTime};
use hs_domain::reservation::{Channel, Status};
use hs_domain::stats::{figures, Booking, Call, Chat, Facts, Floor, Range, OUTCOMES};
use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use uuid::Uuid;

fn rules() -> Rules {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
    let evening = PeriodTimes {
        name: "Abend".into(),
        start: t(17, 0),
        end: t(23, 0),
        last_seating: t(22, 0),
    };
    Rules {
        tz: chrono_tz::Europe::Berlin,
        slot_minutes: 15,
        horizon_days: 90,
        lead_minutes: 60,
        pacing_covers: None,
        weekly: std::array::from_fn(|_| vec![evening.clone()]),
        closures: vec![],
        special_days: HashMap::new(),
        turn_times: vec![TurnTime {
            min_party: 1,
            max_party: None,
            minutes: 120,
        }],
    }
}

fn facts(to: NaiveDate) -> (Vec<Booking>, Vec<Call>, Vec<Chat>) {
    let end = Utc.from_utc_datetime(&to.and_hms_opt(12, 0, 0).expect("time"));
    let channels = [
        Channel::PhoneAi,
        Channel::Chat,
        Channel::Whatsapp,
        Channel::Online,
        Channel::Dashboard,
        Channel::WalkIn,
        Channel::Api,
    ];
    let bookings = (1..=66_900u32)
        .map(|i| {
            let day = to - Duration::days(i64::from(i % 730));
            let at: DateTime<Utc> = Utc
                .from_utc_datetime(&day.and_hms_opt(16, 0, 0).expect("time"))
                + Duration::minutes(i64::from((i * 7) % 300));
            Booking {
                starts_at: at,
                ends_at: at + Duration::hours(2),
                created_at: at - Duration::days(i64::from(i % 40)),
                party: 1 + i % 8,
                status: if i % 20 == 0 {
                    Status::Cancelled
                } else if i % 25 == 1 {
                    Status::NoShow
                } else if at > end {
                    Status::Confirmed
                } else {
                    Status::Completed
                },
                channel: channels[(i % 7) as usize],
                guest: (i % 7 != 0).then(|| Uuid::from_u128(u128::from(i % 10_000))),
            }
        })
        .collect();
    // The six a conversation can reach (calls may also fail; these never do).
    let outcomes = &OUTCOMES[..6];
    let calls = (1..=13_300i64)
        .map(|i| Call {
            at: end - Duration::minutes(i * 79),
            outcome: Some(outcomes[(i % 6) as usize].to_string()),
        })
        .collect();
    let chats = (1..=13_300i64)
        .map(|i| Chat {
            at: end - Duration::minutes(i * 79),
            channel: if i % 2 == 0 { "web" } else { "whatsapp" }.to_string(),
            outcome: Some(outcomes[(i % 6) as usize].to_string()),
        })
        .collect();
    (bookings, calls, chats)
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let to = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let range = Range::new(to - Duration::days(364), to).expect("range");
    let (bookings, calls, chats) = facts(to);
    let earlier: HashSet<Uuid> = HashSet::new();
    let now = Utc.from_utc_datetime(&to.and_hms_opt(12, 0, 0).expect("time"));
    c.bench_function(
        "statistics: one year with the year before, 66,900 reservations, 13,300 calls and chats",
        |b| {
            b.iter(|| {
                figures(
                    black_box(range),
                    &Facts {
                        floor: Floor {
                            rules: &rules,
                            seats: 120,
                            tables: 30,
                        },
                        bookings: black_box(&bookings),
                        calls: &calls,
                        chats: &chats,
                        earlier_guests: &earlier,
                        now,
                    },
                )
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
