//! Figures computed by hand for a small restaurant: 10 seats at two tables (a party of six on
//! both), one evening period from 18:00 that runs past midnight, over the weekend the clocks
//! go forward (28–29 March 2026, Europe/Berlin) and the one they go back (25 October).

use super::*;
use crate::availability::PeriodTimes;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use std::collections::HashSet;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("time")
}

/// A local Berlin wall-clock time as an instant.
fn at(date: &str, time: &str) -> DateTime<Utc> {
    chrono_tz::Europe::Berlin
        .from_local_datetime(&d(date).and_time(t(time)))
        .earliest()
        .expect("valid local time")
        .with_timezone(&Utc)
}

fn rules() -> Rules {
    let evening = vec![PeriodTimes {
        name: "Abend".into(),
        start: t("18:00"),
        end: t("01:00"),
        last_seating: t("00:30"),
    }];
    Rules {
        tz: chrono_tz::Europe::Berlin,
        slot_minutes: 15,
        horizon_days: 90,
        lead_minutes: 0,
        pacing_covers: None,
        weekly: std::array::from_fn(|_| evening.clone()),
        closures: vec![],
        special_days: HashMap::new(),
        turn_times: vec![],
    }
}

#[allow(clippy::too_many_arguments)]
fn booking(
    date: &str,
    time: &str,
    hours: i64,
    party: u32,
    status: Status,
    channel: Channel,
    created: DateTime<Utc>,
    guest: Option<Uuid>,
) -> Booking {
    let starts_at = at(date, time);
    Booking {
        starts_at,
        ends_at: starts_at + Duration::hours(hours),
        created_at: created,
        party,
        status,
        channel,
        guest,
    }
}

struct Fixture {
    bookings: Vec<Booking>,
    calls: Vec<Call>,
    chats: Vec<Chat>,
    earlier: HashSet<Uuid>,
}

fn fixture() -> Fixture {
    let (a, b, c, old) = (
        Uuid::from_u128(1),
        Uuid::from_u128(2),
        Uuid::from_u128(3),
        Uuid::from_u128(4),
    );
    use Channel::*;
    use Status::*;
    let late = at("2026-03-28", "23:30");
    let bookings = vec![
        // Saturday: a party of six on the combination, booked ten days ahead.
        booking(
            "2026-03-28",
            "19:00",
            2,
            6,
            Completed,
            Dashboard,
            at("2026-03-18", "12:00"),
            Some(a),
        ),
        // A no-show booked the same day, and a cancellation booked the day before.
        booking(
            "2026-03-28",
            "20:00",
            2,
            2,
            NoShow,
            Online,
            at("2026-03-28", "09:00"),
            Some(b),
        ),
        booking(
            "2026-03-28",
            "19:30",
            2,
            4,
            Cancelled,
            PhoneAi,
            at("2026-03-27", "18:00"),
            None,
        ),
        // A walk-in at 23:30 that stays past midnight; a first visit.
        booking(
            "2026-03-28",
            "23:30",
            2,
            2,
            Completed,
            WalkIn,
            late,
            Some(c),
        ),
        // Seated at 00:15 on Sunday: still Saturday's evening; the clocks jump at 02:00.
        booking(
            "2026-03-29",
            "00:15",
            2,
            3,
            Completed,
            WalkIn,
            at("2026-03-29", "00:05"),
            None,
        ),
        // Sunday evening, by phone, two days ahead; guest a again.
        booking(
            "2026-03-29",
            "19:00",
            2,
            5,
            Completed,
            PhoneAi,
            at("2026-03-27", "10:00"),
            Some(a),
        ),
        // The range before: Friday.
        booking(
            "2026-03-27",
            "19:00",
            2,
            4,
            Completed,
            Dashboard,
            at("2026-03-20", "10:00"),
            Some(old),
        ),
    ];
    let call = |date: &str, outcome: Option<&str>| Call {
        at: at(date, "15:00"),
        outcome: outcome.map(str::to_string),
    };
    let chat = |channel: &str, outcome: Option<&str>| super::Chat {
        at: at("2026-03-29", "11:00"),
        channel: channel.into(),
        outcome: outcome.map(str::to_string),
    };
    Fixture {
        bookings,
        calls: vec![
            call("2026-03-28", Some("booked")),
            call("2026-03-28", Some("handed_over")),
            call("2026-03-29", None),
            call("2026-03-27", Some("informed")),
        ],
        chats: vec![
            chat("web", Some("booked")),
            chat("web", Some("abandoned")),
            chat("whatsapp", Some("informed")),
        ],
        // a came in January; c's and old's first visits are among the bookings.
        earlier: HashSet::from([a]),
    }
}

/// The fixture's facts on the floor of 10 seats at two tables, as of 1 April 2026.
fn facts_of<'a>(f: &'a Fixture, rules: &'a Rules) -> Facts<'a> {
    Facts {
        floor: Floor {
            rules,
            seats: 10,
            tables: 2,
        },
        bookings: &f.bookings,
        calls: &f.calls,
        chats: &f.chats,
        earlier_guests: &f.earlier,
        now: at("2026-04-01", "12:00"),
    }
}

fn compute(f: &Fixture, range: Range) -> Figures {
    let rules = rules();
    figures(range, &facts_of(f, &rules))
}

fn spring() -> Range {
    Range::new(d("2026-03-28"), d("2026-03-29")).expect("range")
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn headline_counts_covers_rates_and_compares_with_the_range_before() {
    let f = compute(&fixture(), spring());
    let h = &f.headline;
    assert_eq!(h.volume.reservations, 6);
    assert_eq!(
        h.volume.covers,
        6 + 2 + 3 + 5,
        "no-show and cancellation bring none"
    );
    assert_eq!(
        (h.volume.cancelled, h.volume.no_shows, h.volume.due),
        (1, 1, 5)
    );
    assert!(close(h.no_show_rate, 1.0 / 5.0));
    assert!(close(h.cancellation_rate, 1.0 / 6.0));
    assert_eq!((h.calls, h.chats), (3, 3));
    assert_eq!(f.before.volume.covers, 4);
    assert_eq!(f.before.calls, 1);
    assert!(close(f.before.occupancy, 4.0 / 20.0));
    assert_eq!(
        f.range.previous(),
        Range::new(d("2026-03-26"), d("2026-03-27")).expect("r")
    );
}

#[test]
fn occupancy_and_turns_per_period_count_the_visit_after_midnight_in_its_evening() {
    let f = compute(&fixture(), spring());
    assert_eq!(f.periods.len(), 1);
    let p = &f.periods[0];
    assert_eq!((p.name.as_str(), p.openings, p.capacity), ("Abend", 2, 20));
    assert_eq!((p.covers, p.parties), (16, 4));
    assert!(close(p.occupancy, 16.0 / 20.0));
    assert!(close(p.turns, 4.0 / (2.0 * 2.0)));
    assert_eq!(f.outside_periods, 0);
    assert!(close(f.headline.occupancy, 0.8));
}

#[test]
fn the_heatmap_follows_the_wall_clock_across_the_spring_gap() {
    let f = compute(&fixture(), spring());
    let (sat, sun) = (5, 6);
    let cell = |w: usize, h: usize| f.heatmap[w][h];
    let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
    // Saturday: the six from 19 to 21, the walk-in's first half hour at 23.
    assert!(near(cell(sat, 19), 360.0 / 600.0) && near(cell(sat, 20), 0.6));
    assert!(near(cell(sat, 23), 60.0 / 600.0));
    // Sunday: 00–01 the walk-in (2 × 60) and the three (45 min); 01–02 both; the three's last
    // quarter hour is at 03:00, because 02:00 did not exist that night.
    assert!(
        near(cell(sun, 0), (120.0 + 135.0) / 600.0),
        "{}",
        cell(sun, 0)
    );
    assert!(near(cell(sun, 1), (60.0 + 180.0) / 600.0));
    assert!(near(cell(sun, 2), 0.0));
    assert!(near(cell(sun, 3), 45.0 / 600.0));
    assert!(near(cell(sun, 19), 0.5) && near(cell(sun, 20), 0.5));
}

#[test]
fn the_autumn_hour_that_happens_twice_counts_twice() {
    let mut f = fixture();
    f.bookings = vec![booking(
        "2026-10-25",
        "01:30",
        3,
        2,
        Status::Completed,
        Channel::Dashboard,
        at("2026-10-20", "10:00"),
        None,
    )];
    let day = Range::new(d("2026-10-25"), d("2026-10-25")).expect("range");
    let fig = compute(&f, day);
    let sun = &fig.heatmap[6];
    let minutes: Vec<f64> = sun.iter().map(|x| x * 600.0).collect();
    // 01:30–02:00, 02:00–03:00 twice, 03:00–03:30 wall-clock; three real hours in all.
    assert_eq!(minutes[1], 60.0);
    assert_eq!(minutes[2], 240.0);
    assert_eq!(minutes[3], 60.0);
    assert_eq!(minutes.iter().sum::<f64>(), 360.0);
    // The day is 25 hours long; its instants say so.
    let (start, end) = day.instants(chrono_tz::Europe::Berlin);
    assert_eq!((end - start).num_hours(), 25);
    let spring_day = Range::new(d("2026-03-29"), d("2026-03-29")).expect("range");
    let (start, end) = spring_day.instants(chrono_tz::Europe::Berlin);
    assert_eq!((end - start).num_hours(), 23);
}

#[test]
fn breakdowns_by_day_channel_party_and_lead_time() {
    let f = compute(&fixture(), spring());
    let day: Vec<(&str, u32, u32)> = f
        .by_day
        .iter()
        .map(|r| (r.key.as_str(), r.volume.reservations, r.volume.covers))
        .collect();
    assert_eq!(day, [("2026-03-28", 4, 8), ("2026-03-29", 2, 8)]);
    let phone = f
        .by_channel
        .iter()
        .find(|r| r.key == "phone_ai")
        .expect("phone");
    assert_eq!((phone.volume.reservations, phone.volume.covers), (2, 5));
    assert!(close(phone.cancellation_rate, 0.5));
    let walk_in = f
        .by_channel
        .iter()
        .find(|r| r.key == "walk_in")
        .expect("walk-in");
    assert_eq!(walk_in.volume.covers, 5);
    let party: Vec<(&str, u32)> = f
        .by_party
        .iter()
        .map(|r| (r.key.as_str(), r.volume.reservations))
        .collect();
    assert_eq!(party, [("2", 2), ("3", 1), ("4", 1), ("5", 1), ("6", 1)]);
    let lead: Vec<(&str, u32)> = f
        .by_lead
        .iter()
        .map(|r| (r.key.as_str(), r.volume.reservations))
        .collect();
    assert_eq!(
        lead,
        [
            ("same_day", 3),
            ("1_day", 1),
            ("2_3_days", 1),
            ("8_14_days", 1)
        ]
    );
    let same_day = &f.by_lead[0];
    assert!(close(same_day.no_show_rate, 1.0 / 3.0));
    assert!(close(f.by_lead[1].cancellation_rate, 1.0));
}

#[test]
fn agents_and_guests() {
    let f = compute(&fixture(), spring());
    assert_eq!(f.calls.total, 3);
    assert_eq!(
        f.calls.by_outcome,
        [
            ("booked".into(), 1),
            ("handed_over".into(), 1),
            ("open".into(), 1)
        ]
    );
    assert!(close(f.calls.handed_over_share, 1.0 / 3.0));
    assert!(close(f.chats.abandoned_share, 1.0 / 3.0));
    assert_eq!(f.chats_by_channel.len(), 2);
    assert_eq!(f.chats_by_channel[0].0, "web");
    assert_eq!(f.chats_by_channel[0].1.total, 2);
    // a came before the range (returning), c's first visit is in it (new), b was a no-show,
    // and the 00:15 walk-in has no card.
    assert_eq!(
        f.guests,
        Guests {
            new: 1,
            returning: 1,
            unknown_visits: 1
        }
    );
}

#[test]
fn empty_ranges_and_range_limits() {
    let empty = Fixture {
        bookings: vec![],
        calls: vec![],
        chats: vec![],
        earlier: HashSet::new(),
    };
    let f = compute(
        &empty,
        Range::new(d("2026-06-01"), d("2026-06-01")).expect("one day"),
    );
    assert_eq!(f.headline.volume, Volume::default());
    assert_eq!(
        f.headline.no_show_rate, None,
        "no rate without a due reservation"
    );
    assert!(close(f.headline.occupancy, 0.0));
    assert_eq!(f.by_day.len(), 1);
    let five_years = Range::new(d("2022-01-01"), d("2026-12-31")).expect("five years");
    assert_eq!(compute(&empty, five_years).by_day.len(), 1826);
    assert_eq!(
        Range::new(d("2026-01-02"), d("2026-01-01")),
        Err(RangeError::Reversed)
    );
    assert_eq!(
        Range::new(d("1980-01-01"), d("2029-12-31")),
        Err(RangeError::TooLong)
    );
    assert_eq!(RangeError::TooLong.field(), "to");
    assert_eq!(
        Range::new(d("1899-12-31"), d("1900-01-02")),
        Err(RangeError::OutOfBounds("from"))
    );
    assert_eq!(
        Range::new(d("2199-12-30"), d("2200-01-01")).map_err(RangeError::field),
        Err("to")
    );
    assert_eq!(change(12.0, 10.0), Some(0.2));
    assert_eq!(change(3.0, 0.0), None);
}

#[test]
fn the_day_views_covers_leave_out_cancellations_and_no_shows() {
    assert_eq!(
        covers([
            (Status::Confirmed, 4),
            (Status::Seated, 2),
            (Status::Cancelled, 5),
            (Status::NoShow, 3),
            (Status::Pending, 6),
        ]),
        12
    );
    assert_eq!(seats([4, 6, -1]), 10, "a broken row adds nothing");
}

#[test]
fn a_guest_first_seen_in_the_range_before_returns_and_a_cancelled_first_booking_is_no_visit() {
    use Channel::*;
    use Status::*;
    let (came_friday, cancelled_friday) = (Uuid::from_u128(10), Uuid::from_u128(11));
    let mut f = fixture();
    for (date, status, guest) in [
        // Friday is the range before spring(): a visit, and a cancellation that is none.
        ("2026-03-27", Completed, came_friday),
        ("2026-03-27", Cancelled, cancelled_friday),
        ("2026-03-28", Completed, came_friday),
        ("2026-03-28", Completed, cancelled_friday),
    ] {
        f.bookings.push(booking(
            date,
            "12:00",
            1,
            2,
            status,
            Online,
            at("2026-03-20", "10:00"),
            Some(guest),
        ));
    }
    let fig = compute(&f, spring());
    // The fixture's own: a (January) returning, c new; now also came_friday returning
    // (first seen in the range before) and cancelled_friday new.
    assert_eq!((fig.guests.new, fig.guests.returning), (2, 2));
    // In the range before (Friday) came_friday and old were first seen: both new.
    let friday = compute(
        &f,
        Range::new(d("2026-03-27"), d("2026-03-27")).expect("day"),
    );
    assert_eq!((friday.guests.new, friday.guests.returning), (2, 0));
}

#[test]
fn a_year_computed_on_two_threads_gives_exactly_the_figures_of_one_thread() {
    // Two years of varied bookings (every status and channel, returning and unknown guests,
    // both changes of the clocks), drawn from a fixed sequence.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let first = at("2025-01-01", "12:00");
    let bookings: Vec<Booking> = (0..15_000)
        .map(|_| {
            let starts_at = first
                + Duration::days(next(730) as i64)
                + Duration::minutes(6 * 60 + 15 * next(60) as i64);
            Booking {
                starts_at,
                ends_at: starts_at + Duration::minutes(60 + 15 * next(10) as i64),
                created_at: starts_at - Duration::hours(next(24 * 120) as i64),
                party: 1 + next(12) as u32,
                status: Status::ALL[next(Status::ALL.len() as u64) as usize],
                channel: Channel::ALL[next(Channel::ALL.len() as u64) as usize],
                guest: (next(5) > 0).then(|| Uuid::from_u128(u128::from(next(3_000)))),
            }
        })
        .collect();
    let calls: Vec<Call> = (0..2_000)
        .map(|_| Call {
            at: first + Duration::minutes(next(730 * 24 * 60) as i64),
            outcome: Some(OUTCOMES[next(OUTCOMES.len() as u64) as usize].to_string()),
        })
        .collect();
    let rules = rules();
    let earlier = HashSet::from([Uuid::from_u128(7)]);
    let facts = Facts {
        floor: Floor {
            rules: &rules,
            seats: 10,
            tables: 2,
        },
        bookings: &bookings,
        calls: &calls,
        chats: &[],
        earlier_guests: &earlier,
        now: at("2026-06-01", "12:00"),
    };
    let year = Range::new(d("2026-01-01"), d("2026-12-31")).expect("range");
    let now = at("2026-06-01", "12:00");
    let of = |days: &[Day]| figures_of_days(year, &facts.summed(days));
    let two = of(&days::days_from(&bookings, &rules, now, 0));
    let one = of(&days::days_from(&bookings, &rules, now, usize::MAX));
    assert!(
        two.before.volume.reservations > 5_000,
        "the range before is computed and kept: {:?}",
        two.before.volume
    );
    assert_eq!(two, one);
    assert_eq!(figures(year, &facts), one);
}

#[test]
fn days_kept_in_their_stored_form_give_exactly_the_figures_of_the_reservations() {
    let f = fixture();
    let rules = rules();
    let now = at("2026-04-01", "12:00");
    let summed = days(&f.bookings, &rules, now);
    assert!(summed.len() >= 3, "the fixture spans days: {summed:?}");
    // What the store keeps: the serialised day, and its guests as ids of their own.
    let kept: Vec<Day> = summed
        .iter()
        .map(|day| {
            let text = serde_json::to_string(day).expect("serialise");
            assert!(
                !day.guests.iter().any(|g| text.contains(&g.to_string())),
                "guests are not part of the text"
            );
            let mut back: Day = serde_json::from_str(&text).expect("deserialise");
            back.guests = day.guests.clone();
            back
        })
        .collect();
    assert_eq!(kept, summed);
    let range_of = |a: &str, b: &str| Range::new(d(a), d(b)).expect("range");
    for range in [
        spring(),
        range_of("2026-03-27", "2026-03-29"),
        range_of("2026-03-29", "2026-03-29"),
    ] {
        assert_eq!(
            figures_of_days(range, &facts_of(&f, &rules).summed(&kept)),
            compute(&f, range)
        );
    }
    // A kept day whose text is damaged is refused, not read as zeros.
    assert!(serde_json::from_str::<Day>(
        r#"{"d":"2026-03-28","c":[],"p":[],"l":[],"s":[],"o":0,"h":[],"u":0}"#
    )
    .is_err());
}

#[test]
fn a_day_is_kept_only_once_it_is_over_and_its_key_follows_the_hours() {
    let tz = chrono_tz::Europe::Berlin;
    let day = d("2026-03-28");
    assert!(!keepable(day, tz, at("2026-03-28", "23:59")));
    assert!(keepable(day, tz, at("2026-03-29", "00:00")));
    let mut r = rules();
    let before = day_key(&r, day);
    assert_eq!(before, day_key(&r, day), "the key is stable");
    // Closing the day before changes the key (its period ran past midnight into this day).
    r.closures.push((d("2026-03-27"), d("2026-03-27")));
    assert_ne!(day_key(&r, day), before);
    r.closures.clear();
    r.tz = chrono_tz::Europe::London;
    assert_ne!(day_key(&r, day), before);
}
