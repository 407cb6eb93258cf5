use super::*;
use chrono::NaiveDate;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("time")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("instant")
        .with_timezone(&Utc)
}

fn period(name: &str, start: &str, end: &str, last: &str) -> PeriodTimes {
    PeriodTimes {
        name: name.into(),
        start: t(start),
        end: t(end),
        last_seating: t(last),
    }
}

fn table(name: &str, min: u32, max: u32) -> TableInfo {
    TableInfo {
        id: Uuid::new_v4(),
        name: name.into(),
        min_seats: min,
        max_seats: max,
        online: true,
    }
}

fn id_of(s: &Snapshot, name: &str) -> Uuid {
    s.tables.iter().find(|t| t.name == name).expect("table").id
}

fn names(s: &Snapshot, a: &Assignment) -> Vec<String> {
    a.tables
        .iter()
        .map(|id| {
            s.tables
                .iter()
                .find(|t| t.id == *id)
                .expect("t")
                .name
                .clone()
        })
        .collect()
}

/// The demo restaurant as the reservation issue specifies it.
fn trattoria() -> Snapshot {
    let dinner_week = vec![period("dinner", "17:30", "22:30", "21:30")];
    let weekend = vec![
        period("lunch", "12:00", "15:00", "14:00"),
        period("dinner", "17:00", "23:00", "21:30"),
    ];
    let rules = Rules {
        tz: chrono_tz::Europe::Berlin,
        slot_minutes: 15,
        horizon_days: 90,
        lead_minutes: 60,
        pacing_covers: Some(16),
        weekly: [
            vec![],
            dinner_week.clone(),
            dinner_week.clone(),
            dinner_week.clone(),
            dinner_week,
            weekend.clone(),
            weekend,
        ],
        closures: vec![(d("2026-12-24"), d("2026-12-26"))],
        special_days: HashMap::new(),
        turn_times: vec![
            TurnTime {
                min_party: 1,
                max_party: Some(2),
                minutes: 90,
            },
            TurnTime {
                min_party: 3,
                max_party: Some(4),
                minutes: 120,
            },
            TurnTime {
                min_party: 5,
                max_party: Some(6),
                minutes: 150,
            },
            TurnTime {
                min_party: 7,
                max_party: None,
                minutes: 180,
            },
        ],
    };
    let mut tables = Vec::new();
    for i in 1..=6 {
        tables.push(table(&format!("T{i}"), 1, 2));
    }
    for i in 7..=10 {
        tables.push(table(&format!("T{i}"), 2, 4));
    }
    tables.push(table("T11", 4, 6));
    tables.push(table("T12", 4, 6));
    for i in 20..=23 {
        tables.push(table(&format!("T{i}"), 2, 4));
    }
    let mut s = Snapshot {
        rules,
        tables,
        combinations: vec![],
        booked: vec![],
    };
    for (a, b, min, max) in [
        ("T7", "T8", 5, 8),
        ("T9", "T10", 5, 8),
        ("T11", "T12", 7, 12),
    ] {
        let c = CombinationInfo {
            id: Uuid::new_v4(),
            name: format!("{a}+{b}"),
            tables: vec![id_of(&s, a), id_of(&s, b)],
            min_seats: min,
            max_seats: max,
        };
        s.combinations.push(c);
    }
    s
}

fn book(s: &mut Snapshot, slot: &Slot, party: u32) {
    s.booked.push(Booked {
        id: Uuid::new_v4(),
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        party,
        tables: slot.assignment.tables.clone(),
    });
}

// Monday 30 November 2026, 13:00 in Freiburg.
const NOW: &str = "2026-11-30T12:00:00Z";

#[test]
fn dinner_grid_runs_from_opening_to_last_seating() {
    let s = trattoria();
    let slots = slots(&s, d("2026-12-01"), 2, utc(NOW), Audience::Guest).expect("open");
    assert_eq!(slots.first().map(|x| x.local.time()), Some(t("17:30")));
    assert_eq!(slots.last().map(|x| x.local.time()), Some(t("21:30")));
    assert_eq!(slots.len(), 17);
    assert_eq!(
        slots[0].starts_at,
        utc("2026-12-01T16:30:00Z"),
        "CET is UTC+1"
    );
    assert_eq!(slots[0].ends_at - slots[0].starts_at, Duration::minutes(90));
    let sat = super::slots(&s, d("2026-12-05"), 4, utc(NOW), Audience::Guest).expect("open");
    assert_eq!(sat.iter().filter(|x| x.period == "lunch").count(), 9);
    assert_eq!(sat.iter().filter(|x| x.period == "dinner").count(), 19);
}

#[test]
fn mondays_and_christmas_are_closed_past_and_far_dates_refused() {
    let s = trattoria();
    let now = utc(NOW);
    assert_eq!(
        slots(&s, d("2026-12-07"), 2, now, Audience::Guest),
        Err(Unavailable::Closed)
    );
    assert_eq!(
        slots(&s, d("2026-12-24"), 2, now, Audience::Guest),
        Err(Unavailable::Closed)
    );
    assert_eq!(
        slots(&s, d("2026-12-26"), 2, now, Audience::Guest),
        Err(Unavailable::Closed)
    );
    assert!(slots(&s, d("2026-12-27"), 2, now, Audience::Guest).is_ok());
    assert_eq!(
        slots(&s, d("2026-11-29"), 2, now, Audience::Guest),
        Err(Unavailable::PastDate)
    );
    assert_eq!(
        slots(&s, d("2026-03-01"), 2, now, Audience::Guest),
        Err(Unavailable::PastDate)
    );
    assert!(
        slots(&s, d("2027-02-28"), 2, now, Audience::Guest).is_ok(),
        "90 days ahead"
    );
    assert_eq!(
        slots(&s, d("2027-03-02"), 2, now, Audience::Guest),
        Err(Unavailable::BeyondHorizon(90))
    );
    assert_eq!(Unavailable::Closed.field(), "date");
}

#[test]
fn party_sizes_outside_what_tables_seat_are_refused() {
    let s = trattoria();
    let day = d("2026-12-01");
    assert_eq!(
        slots(&s, day, 0, utc(NOW), Audience::Guest),
        Err(Unavailable::PartyTooSmall)
    );
    assert_eq!(
        slots(&s, day, 13, utc(NOW), Audience::Guest),
        Err(Unavailable::PartyTooLarge(13))
    );
    assert_eq!(
        slots(&s, day, 500, utc(NOW), Audience::Guest),
        Err(Unavailable::PartyTooLarge(500))
    );
    assert_eq!(Unavailable::PartyTooLarge(500).field(), "party_size");
    let twelve = slots(&s, day, 12, utc(NOW), Audience::Guest).expect("T11+T12");
    assert_eq!(names(&s, &twelve[0].assignment), vec!["T11", "T12"]);
}

#[test]
fn guests_book_the_lead_time_ahead_staff_any_time_not_past() {
    let s = trattoria();
    // Tuesday 1 December, 17:10 local.
    let now = utc("2026-12-01T16:10:00Z");
    let guest = slots(&s, d("2026-12-01"), 2, now, Audience::Guest).expect("open");
    assert_eq!(
        guest[0].local.time(),
        t("18:15"),
        "17:10 + 60 min, next grid time"
    );
    let staff = slots(&s, d("2026-12-01"), 2, now, Audience::Staff).expect("open");
    assert_eq!(staff[0].local.time(), t("17:30"));
    assert_eq!(
        check(
            &s,
            d("2026-12-01"),
            t("18:00"),
            2,
            now,
            Audience::Guest,
            None
        ),
        Err(Unavailable::TooSoon(60))
    );
}

#[test]
fn single_tables_come_before_combinations_then_fewest_empty_seats() {
    let mut s = trattoria();
    s.rules.pacing_covers = None;
    let day = d("2026-12-01");
    let at = |s: &Snapshot, party| {
        check(s, day, t("19:00"), party, utc(NOW), Audience::Staff, None).expect("free")
    };
    assert_eq!(names(&s, &at(&s, 2).assignment), vec!["T1"]);
    assert_eq!(
        names(&s, &at(&s, 3).assignment),
        vec!["T7"],
        "2–4 tables in natural name order"
    );
    assert_eq!(
        names(&s, &at(&s, 5).assignment),
        vec!["T11"],
        "a single 4–6 before any combination"
    );
    let t11 = at(&s, 6);
    book(&mut s, &t11, 6);
    let t12 = at(&s, 6);
    assert_eq!(names(&s, &t12.assignment), vec!["T12"]);
    book(&mut s, &t12, 6);
    let combo = at(&s, 5);
    assert_eq!(names(&s, &combo.assignment), vec!["T7", "T8"]);
    assert!(combo.assignment.combination.is_some());
}

#[test]
fn guests_only_get_tables_bookable_online() {
    let mut s = trattoria();
    for t in s.tables.iter_mut().filter(|t| t.max_seats == 2) {
        t.online = false;
    }
    let day = d("2026-12-01");
    let guest = check(&s, day, t("19:00"), 2, utc(NOW), Audience::Guest, None).expect("free");
    assert_eq!(
        names(&s, &guest.assignment),
        vec!["T7"],
        "a 2–4 table: the 1–2 tables are offline"
    );
    let staff = check(&s, day, t("19:00"), 2, utc(NOW), Audience::Staff, None).expect("free");
    assert_eq!(names(&s, &staff.assignment), vec!["T1"]);
}

#[test]
fn pacing_limits_covers_starting_in_one_interval() {
    let mut s = trattoria();
    let day = d("2026-12-01");
    for party in [4, 4, 4, 2] {
        let slot =
            check(&s, day, t("19:00"), party, utc(NOW), Audience::Staff, None).expect("free");
        book(&mut s, &slot, party);
    }
    // 14 covers start at 19:00; the limit is 16.
    assert!(check(&s, day, t("19:00"), 2, utc(NOW), Audience::Staff, None).is_ok());
    assert_eq!(
        check(&s, day, t("19:00"), 3, utc(NOW), Audience::Staff, None),
        Err(Unavailable::Full)
    );
    assert!(check(&s, day, t("19:15"), 3, utc(NOW), Audience::Staff, None).is_ok());
}

#[test]
fn held_tables_are_not_given_again_until_the_turn_time_ends() {
    let mut s = trattoria();
    s.rules.pacing_covers = None;
    let day = d("2026-12-01");
    for _ in 0..6 {
        let slot = check(&s, day, t("19:00"), 2, utc(NOW), Audience::Staff, None).expect("free");
        book(&mut s, &slot, 2);
    }
    let t1 = id_of(&s, "T1");
    let next = check(&s, day, t("20:15"), 2, utc(NOW), Audience::Staff, None).expect("free");
    assert!(
        !next.assignment.tables.contains(&t1),
        "T1 is held 19:00–20:30"
    );
    assert_eq!(next.assignment.seats, 4);
    let later = check(&s, day, t("20:30"), 2, utc(NOW), Audience::Staff, None).expect("free");
    assert_eq!(
        later.assignment.tables,
        vec![t1],
        "free again when the turn time ends"
    );
    // Moving a reservation ignores its own hold.
    let own = s.booked[0].id;
    let moved = check(&s, day, t("19:15"), 2, utc(NOW), Audience::Staff, Some(own)).expect("free");
    assert_eq!(moved.assignment.tables, vec![t1]);
}

#[test]
fn chosen_tables_replace_the_suggestion_when_they_are_free_and_large_enough() {
    let mut s = trattoria();
    let day = d("2026-12-01");
    let (t1, t2, t7, t8, t11) = (
        id_of(&s, "T1"),
        id_of(&s, "T2"),
        id_of(&s, "T7"),
        id_of(&s, "T8"),
        id_of(&s, "T11"),
    );
    let now = utc(NOW);
    let at = |s: &Snapshot, tables: &[Uuid], party| {
        check_tables(
            s,
            day,
            t("19:00"),
            party,
            now,
            Audience::Staff,
            None,
            Some(tables),
        )
    };
    // The suggestion for two is T1; staff put them on T11 instead.
    let slot = at(&s, &[t11], 2).expect("T11 is free");
    assert_eq!(slot.assignment.tables, vec![t11]);
    assert_eq!(slot.assignment.seats, 6);
    // Two tables that form a defined combination are recognised as it.
    let combo = at(&s, &[t8, t7], 6).expect("T7+T8 is free");
    assert_eq!(combo.assignment.combination, Some(s.combinations[0].id));
    // Two small tables pushed together are allowed without a combination.
    let pushed = at(&s, &[t1, t2, t1], 4).expect("T1+T2 seat 4");
    assert_eq!(pushed.assignment.tables, vec![t1, t2], "duplicates dropped");
    assert_eq!(pushed.assignment.combination, None);
    assert_eq!(at(&s, &[t1], 3), Err(Unavailable::TablesTooSmall(2)));
    assert_eq!(at(&s, &[Uuid::new_v4()], 2), Err(Unavailable::UnknownTable));
    assert_eq!(at(&s, &[], 2), Err(Unavailable::UnknownTable));
    book(&mut s, &slot, 2);
    assert_eq!(at(&s, &[t11], 2), Err(Unavailable::TablesTaken));
    assert_eq!(Unavailable::TablesTaken.field(), "table_ids");
    // The hours still apply to chosen tables.
    assert_eq!(
        check_tables(
            &s,
            day,
            t("23:00"),
            2,
            now,
            Audience::Staff,
            None,
            Some(&[t7])
        ),
        Err(Unavailable::NotBookableTime { slot: 15 })
    );
}

#[test]
fn periods_past_midnight_seat_late_times() {
    let p = |start, last| period("p", start, "23:59", last);
    assert!(p("18:00", "21:30").seats_at(t("19:00")));
    assert!(!p("18:00", "21:30").seats_at(t("22:00")));
    assert!(p("22:00", "01:00").seats_at(t("00:30")));
    let s = trattoria();
    assert!(s.rules.seats_at(d("2026-12-01"), t("20:00")));
    assert!(!s.rules.seats_at(d("2026-12-01"), t("08:00")));
    assert!(
        !s.rules.seats_at(d("2026-11-30"), t("20:00")),
        "Monday closed"
    );
}

#[test]
fn times_off_the_grid_or_after_last_seating_are_explained() {
    let s = trattoria();
    let day = d("2026-12-01");
    for bad in ["19:10", "21:45", "16:00", "23:00"] {
        assert_eq!(
            check(&s, day, t(bad), 2, utc(NOW), Audience::Guest, None),
            Err(Unavailable::NotBookableTime { slot: 15 }),
            "{bad}"
        );
    }
    assert!(check(&s, day, t("21:30"), 2, utc(NOW), Audience::Guest, None).is_ok());
}

#[test]
fn alternatives_offer_nearest_times_that_day_and_next_days() {
    let rules = Rules {
        tz: chrono_tz::Europe::Berlin,
        slot_minutes: 30,
        horizon_days: 30,
        lead_minutes: 0,
        pacing_covers: None,
        weekly: std::array::from_fn(|_| vec![period("dinner", "18:00", "22:00", "20:00")]),
        closures: vec![(d("2026-12-03"), d("2026-12-03"))],
        special_days: HashMap::new(),
        turn_times: vec![TurnTime {
            min_party: 1,
            max_party: None,
            minutes: 90,
        }],
    };
    let mut s = Snapshot {
        rules,
        tables: vec![table("T1", 1, 2)],
        combinations: vec![],
        booked: vec![],
    };
    let day = d("2026-12-01");
    let slot = check(&s, day, t("19:30"), 2, utc(NOW), Audience::Guest, None).expect("free");
    book(&mut s, &slot, 2);
    assert_eq!(
        check(&s, day, t("19:30"), 2, utc(NOW), Audience::Guest, None),
        Err(Unavailable::Full)
    );
    let alt = alternatives(&s, day, t("19:30"), 2, utc(NOW), Audience::Guest, 3);
    assert_eq!(
        alt.before.map(|x| x.local.time()),
        Some(t("18:00")),
        "18:00–19:30 ends as the booking starts"
    );
    assert_eq!(alt.after, None, "20:00 would overlap");
    assert_eq!(
        alt.other_days,
        vec![d("2026-12-02"), d("2026-12-04"), d("2026-12-05")],
        "3 December is closed"
    );
}

#[test]
fn a_period_past_midnight_belongs_to_the_day_it_opens() {
    let mut s = trattoria();
    s.rules.weekly[4] = vec![period("bar", "20:00", "02:00", "01:00")];
    s.rules.pacing_covers = None;
    let friday = d("2026-12-04");
    let slots = slots(&s, friday, 2, utc(NOW), Audience::Guest).expect("open");
    let last = slots.last().expect("slots");
    assert_eq!(last.local, d("2026-12-05").and_time(t("01:00")));
    assert_eq!(last.starts_at, utc("2026-12-05T00:00:00Z"));
    let late =
        check(&s, friday, t("00:30"), 2, utc(NOW), Audience::Guest, None).expect("after midnight");
    assert_eq!(late.local, d("2026-12-05").and_time(t("00:30")));
    assert_eq!(
        check(&s, friday, t("01:15"), 2, utc(NOW), Audience::Guest, None),
        Err(Unavailable::NotBookableTime { slot: 15 })
    );
}

#[test]
fn spring_forward_skips_the_missing_hour_and_keeps_real_turn_times() {
    // 29 March 2026, Europe/Berlin: 02:00 CET jumps to 03:00 CEST.
    let mut s = trattoria();
    s.rules.weekly[5] = vec![period("night", "22:00", "04:00", "03:30")];
    s.rules.slot_minutes = 30;
    let now = utc("2026-03-20T12:00:00Z");
    let sat = slots(&s, d("2026-03-28"), 2, now, Audience::Guest).expect("open");
    let locals: Vec<String> = sat
        .iter()
        .map(|x| x.local.format("%H:%M").to_string())
        .collect();
    assert_eq!(
        locals,
        [
            "22:00", "22:30", "23:00", "23:30", "00:00", "00:30", "01:00", "01:30", "03:00",
            "03:30"
        ]
    );
    let one_thirty = &sat[7];
    assert_eq!(one_thirty.starts_at, utc("2026-03-29T00:30:00Z"));
    assert_eq!(
        one_thirty.ends_at,
        utc("2026-03-29T02:00:00Z"),
        "90 real minutes: 04:00 CEST"
    );
    assert_eq!(sat[8].starts_at, utc("2026-03-29T01:00:00Z"), "03:00 CEST");
    let sunday_lunch = check(
        &s,
        d("2026-03-29"),
        t("12:00"),
        2,
        now,
        Audience::Guest,
        None,
    )
    .expect("lunch");
    assert_eq!(
        sunday_lunch.starts_at,
        utc("2026-03-29T10:00:00Z"),
        "CEST is UTC+2"
    );
    let saturday_lunch = check(
        &s,
        d("2026-03-28"),
        t("12:00"),
        2,
        now,
        Audience::Guest,
        None,
    );
    assert_eq!(
        saturday_lunch,
        Err(Unavailable::NotBookableTime { slot: 30 }),
        "Saturday has only the night period here"
    );
}

#[test]
fn fall_back_takes_the_first_of_the_repeated_hour() {
    // 25 October 2026, Europe/Berlin: 03:00 CEST falls back to 02:00 CET.
    let mut s = trattoria();
    s.rules.weekly[5] = vec![period("night", "22:00", "04:00", "03:30")];
    s.rules.slot_minutes = 30;
    s.rules.pacing_covers = None;
    let now = utc("2026-10-20T12:00:00Z");
    let sat = slots(&s, d("2026-10-24"), 2, now, Audience::Guest).expect("open");
    let two = sat
        .iter()
        .find(|x| x.local.time() == t("02:00"))
        .expect("02:00");
    assert_eq!(
        two.starts_at,
        utc("2026-10-25T00:00:00Z"),
        "first 02:00 is CEST"
    );
    let three = sat
        .iter()
        .find(|x| x.local.time() == t("03:00"))
        .expect("03:00");
    assert_eq!(
        three.starts_at,
        utc("2026-10-25T02:00:00Z"),
        "03:00 CET, two real hours after 02:00 CEST"
    );
    assert!(sat.windows(2).all(|w| w[0].starts_at < w[1].starts_at));
    let sunday = check(
        &s,
        d("2026-10-25"),
        t("12:00"),
        2,
        now,
        Audience::Guest,
        None,
    )
    .expect("lunch");
    assert_eq!(
        sunday.starts_at,
        utc("2026-10-25T11:00:00Z"),
        "CET is UTC+1"
    );
}

#[test]
fn natural_order_compares_numbers_as_numbers() {
    let mut v = vec!["T10", "T2", "T1", "Bar 3", "T20", "T02a", "Bar 12"];
    v.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(v, ["Bar 3", "Bar 12", "T1", "T2", "T02a", "T10", "T20"]);
}

#[test]
fn walk_ins_get_a_free_table_now() {
    let mut s = trattoria();
    let now = utc("2026-12-01T18:00:00Z");
    let a = walk_in(&s, 2, now).expect("free");
    s.booked.push(Booked {
        id: Uuid::new_v4(),
        starts_at: now,
        ends_at: now + Duration::minutes(90),
        party: 2,
        tables: a.tables.clone(),
    });
    let b = walk_in(&s, 2, now).expect("free");
    assert_ne!(a.tables, b.tables);
    assert_eq!(walk_in(&s, 0, now), Err(Unavailable::PartyTooSmall));
}

// ---- properties -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Restaurant {
    tables: Vec<(u32, u32, bool)>,
    combos: Vec<(usize, usize)>,
    open_hour: u32,
    hours: u32,
    slot: u32,
    lead: u32,
    pacing: Option<u32>,
    turns: (u32, u32, u32),
}

fn restaurant() -> impl Strategy<Value = Restaurant> {
    (
        prop::collection::vec((1u32..=2, 0u32..=4, any::<bool>()), 1..=6),
        prop::collection::vec((0usize..6, 0usize..6), 0..=2),
        11u32..=18,
        3u32..=6,
        prop::sample::select(vec![15u32, 30]),
        0u32..=120,
        prop::option::of(4u32..=20),
        (60u32..=120, 90u32..=150, 120u32..=180),
    )
        .prop_map(
            |(tables, combos, open_hour, hours, slot, lead, pacing, turns)| Restaurant {
                tables: tables
                    .into_iter()
                    .map(|(min, extra, online)| (min, min + extra, online))
                    .collect(),
                combos,
                open_hour,
                hours,
                slot,
                lead,
                pacing,
                turns,
            },
        )
}

fn build(r: &Restaurant) -> Snapshot {
    let start = NaiveTime::from_hms_opt(r.open_hour, 0, 0).expect("hour");
    let end = NaiveTime::from_hms_opt((r.open_hour + r.hours) % 24, 0, 0).expect("hour");
    let last = NaiveTime::from_hms_opt((r.open_hour + r.hours - 1) % 24, 0, 0).expect("hour");
    let p = PeriodTimes {
        name: "service".into(),
        start,
        end,
        last_seating: last,
    };
    let tables: Vec<TableInfo> = r
        .tables
        .iter()
        .enumerate()
        .map(|(i, (min, max, online))| TableInfo {
            id: Uuid::new_v4(),
            name: format!("T{i}"),
            min_seats: *min,
            max_seats: *max,
            online: *online,
        })
        .collect();
    let combinations = r
        .combos
        .iter()
        .filter(|(a, b)| a != b && *a < tables.len() && *b < tables.len())
        .map(|(a, b)| CombinationInfo {
            id: Uuid::new_v4(),
            name: format!("C{a}{b}"),
            tables: vec![tables[*a].id, tables[*b].id],
            min_seats: tables[*a].min_seats + tables[*b].min_seats,
            max_seats: tables[*a].max_seats + tables[*b].max_seats,
        })
        .collect();
    Snapshot {
        rules: Rules {
            tz: chrono_tz::Europe::Berlin,
            slot_minutes: r.slot,
            horizon_days: 30,
            lead_minutes: r.lead,
            pacing_covers: r.pacing,
            weekly: std::array::from_fn(|_| vec![p.clone()]),
            closures: vec![],
            special_days: HashMap::new(),
            turn_times: vec![
                TurnTime {
                    min_party: 1,
                    max_party: Some(2),
                    minutes: r.turns.0,
                },
                TurnTime {
                    min_party: 3,
                    max_party: Some(4),
                    minutes: r.turns.1,
                },
                TurnTime {
                    min_party: 5,
                    max_party: None,
                    minutes: r.turns.2,
                },
            ],
        },
        tables,
        combinations,
        booked: vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn booking_sequences_never_double_book_overfill_or_leave_service_hours(
        r in restaurant(),
        requests in prop::collection::vec((0i64..3, 0usize..40, 1u32..=8, any::<bool>()), 1..40),
    ) {
        let mut s = build(&r);
        let now = utc("2026-06-01T06:00:00Z");
        let mut party_of = HashMap::new();
        for (day, pick, party, guest) in requests {
            let date = d("2026-06-01") + Duration::days(day);
            let audience = if guest { Audience::Guest } else { Audience::Staff };
            let Ok(free) = slots(&s, date, party, now, audience) else { continue };
            // Ask for a grid time, free or not, and book what check() allows.
            let grid_times = grid(&s.rules, date);
            let (local, _) = grid_times[pick % grid_times.len()];
            let asked = check(&s, date, local.time(), party, now, audience, None);
            prop_assert_eq!(asked.is_ok(), free.iter().any(|x| x.local == local), "check and slots agree at {}", local);
            if let Ok(slot) = asked {
                prop_assert!(slot.assignment.seats >= party);
                if audience == Audience::Guest {
                    for id in &slot.assignment.tables {
                        prop_assert!(s.tables.iter().any(|t| t.id == *id && t.online));
                    }
                    prop_assert!(slot.starts_at >= now + Duration::minutes(i64::from(r.lead)));
                }
                let b = Booked { id: Uuid::new_v4(), starts_at: slot.starts_at, ends_at: slot.ends_at, party, tables: slot.assignment.tables.clone() };
                party_of.insert(b.id, party);
                s.booked.push(b);
            }
        }
        // No table is held twice at once.
        for (i, a) in s.booked.iter().enumerate() {
            for b in &s.booked[i + 1..] {
                if a.tables.iter().any(|t| b.tables.contains(t)) {
                    prop_assert!(!overlaps((a.starts_at, a.ends_at), (b.starts_at, b.ends_at)), "double booking");
                }
            }
        }
        // Every start lies within service hours, on the grid.
        for b in &s.booked {
            let local = b.starts_at.with_timezone(&s.rules.tz).naive_local();
            let open = local.date().and_time(NaiveTime::from_hms_opt(r.open_hour, 0, 0).expect("h"));
            let last = open + Duration::hours(i64::from(r.hours - 1));
            prop_assert!(local >= open && local <= last, "{} outside {}–{}", local, open, last);
            prop_assert_eq!((local - open).num_minutes() % i64::from(r.slot), 0);
        }
        // Pacing: covers starting together never exceed the limit.
        if let Some(limit) = r.pacing {
            let mut per_start: HashMap<DateTime<Utc>, u32> = HashMap::new();
            for b in &s.booked {
                *per_start.entry(b.starts_at).or_default() += party_of[&b.id];
            }
            prop_assert!(per_start.values().all(|c| *c <= limit), "pacing exceeded: {:?}", per_start);
        }
    }
}
