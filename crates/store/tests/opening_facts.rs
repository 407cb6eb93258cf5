//! `opening_facts` reads in one round trip exactly what `service_periods`, `closures` and
//! `special_days` read one by one (the agents answer from it).

use chrono::{NaiveDate, NaiveTime};
use hs_domain::Clock;
use hs_store::setup::{Closure, ServicePeriod, SpecialDay};
use hs_store::{Actor, MasterKey, Store};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("time")
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

#[tokio::test]
async fn opening_facts_equal_the_three_reads() {
    let db = hs_testkit::fresh_db().await.expect("db");
    let store = Store::new(
        db.app_pool().await.expect("pool"),
        Clock::manual("2026-11-24T12:00:00Z".parse().expect("t0")),
        MasterKey::generate(),
    );
    let rid = store
        .create_restaurant("Fakten", &Actor::Cli)
        .await
        .expect("restaurant")
        .id;
    let mut tx = store.tenant(rid, &Actor::Cli).await.expect("tx");
    let period = |weekday, name: &str, start, end: NaiveTime| ServicePeriod {
        weekday,
        name: name.into(),
        start,
        end,
        last_seating: end - chrono::Duration::hours(1),
    };
    tx.set_service_periods(&[
        period(4, "Dinner", t(17, 30), t(22, 30)),
        period(1, "Lunch", t(11, 30), t(14, 30)),
        period(1, "Dinner", t(17, 30), t(22, 0)),
    ])
    .await
    .expect("periods");
    for (first, last, reason) in [
        ("2026-11-20", "2026-11-23", "past"),
        ("2026-12-24", "2026-12-26", "Weihnachten"),
        ("2026-11-23", "2026-11-25", "Umbau"),
    ] {
        tx.add_closure(&Closure {
            id: None,
            first_day: d(first),
            last_day: d(last),
            reason: reason.into(),
        })
        .await
        .expect("closure");
    }
    for day in ["2026-11-01", "2026-12-31"] {
        tx.set_special_day(
            d(day),
            &[SpecialDay {
                day: d(day),
                name: "Gala".into(),
                start: t(18, 0),
                end: t(23, 59),
                last_seating: t(21, 0),
            }],
        )
        .await
        .expect("special day");
    }
    let from = d("2026-11-24");
    let (periods, closures, specials) = tx.opening_facts(from).await.expect("facts");
    assert_eq!(periods, tx.service_periods().await.expect("periods"));
    assert_eq!(closures, tx.closures(from).await.expect("closures"));
    assert_eq!(specials, tx.special_days(from).await.expect("specials"));
    assert_eq!(periods.len(), 3);
    assert_eq!(closures.len(), 2, "the past closure is left out");
    assert_eq!(specials.len(), 1, "the past special day is left out");
}
