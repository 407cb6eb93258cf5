//! Benchmark of the built-in chat agent (run by `bench/chat.sh`): on a throwaway cluster with
//! Trattoria Demo's setup, N booking dialogues of four guest messages each (spread over days
//! and times; those that find their time taken get alternatives instead), one after the
//! other, each turn in its own restaurant transaction as a request would run it. Prints the
//! reading of a message alone (`hs_domain::chat`, no database) and a whole turn (state, tools,
//! booking, commit) as p50/p99 per message.
//!
//! Usage: chat_load [DIALOGUES]

use chrono::NaiveTime;
use hs_agent::chat::{turn, Conversation};
use hs_agent::Context;
use hs_domain::reservation::Channel;
use hs_domain::Clock;
use hs_store::{Actor, MasterKey, Store};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let db = hs_testkit::fresh_db().await?;
    let t0 = "2026-11-24T12:00:00Z".parse()?;
    let store = Store::new(
        db.app_pool().await?,
        Clock::manual(t0),
        MasterKey::generate(),
    );
    let rid = store.create_restaurant("Bench", &Actor::Cli).await?.id;
    let mut tx = store.tenant(rid, &Actor::Cli).await?;
    hostsystem::demo::configure(&mut tx).await?;
    // No pacing, so every dialogue can book.
    let mut s = tx.reservation_settings().await?;
    s.pacing_covers = None;
    tx.set_reservation_settings(&s).await?;
    tx.commit().await?;

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let open = |t: NaiveTime| t >= NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default();
    let lines = [
        "Hallo, habt ihr Freitag um 19 Uhr einen Tisch für 2?",
        "Erika Mustermann",
        "0761 1234567",
        "ja",
    ];
    let mut read = Vec::new();
    for _ in 0..n {
        for l in lines {
            let start = Instant::now();
            std::hint::black_box(hs_domain::chat::hear(l, today, &open));
            std::hint::black_box(hs_domain::chat::intents(l));
            read.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let ctx = Context {
        caller: None,
        language: "de".into(),
        channel: Channel::Chat,
    };
    let mut turns = Vec::new();
    // The same turns by their place in the dialogue (request, name, phone, yes and booking).
    let mut by_step: [Vec<f64>; 4] = Default::default();
    // The first dialogues warm the pool up: each pooled connection parses and plans its
    // statements on first use (PostgreSQL plans a prepared statement anew for its first five
    // runs). A server's connections live long, so these costs fall on its first minutes; they
    // are printed apart and left out of the figures.
    let warm = 40;
    let mut cold = Vec::new();
    let mut booked = 0;
    let mut started = Instant::now();
    for i in 0..warm + n {
        if i == warm {
            started = Instant::now();
        }
        let mut c = Conversation::default();
        let phone = format!("0761 {}", 1_000_000 + i);
        // Spread over days and times, so that most dialogues find a table.
        let days = [
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
            "Sonntag",
            "Dienstag",
        ];
        let times = [
            "17:30", "18:00", "18:30", "19:00", "19:30", "20:00", "20:30", "21:00",
        ];
        let first = format!(
            "Hallo, habt ihr {} um {} Uhr einen Tisch für 2?",
            days[i % days.len()],
            times[(i / days.len()) % times.len()]
        );
        for (step, l) in [first.as_str(), lines[1], phone.as_str(), lines[3]]
            .into_iter()
            .enumerate()
        {
            let start = Instant::now();
            let mut tx = store.tenant(rid, &Actor::Guest).await?;
            let r = turn(&mut tx, &mut c, l, &ctx).await?;
            tx.commit().await?;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            if i < warm {
                cold.push(ms);
                continue;
            }
            turns.push(ms);
            by_step[step].push(ms);
            booked += usize::from(r.card.is_some());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "reading a message (hs_domain::chat, no database): p50 {:.3} ms, p99 {:.3} ms over {} messages",
        pct(&mut read.clone(), 0.5),
        pct(&mut read, 0.99),
        n * 4
    );
    println!(
        "a whole turn (state, tools, booking, commit): p50 {:.2} ms, p99 {:.2} ms; {n} dialogues, {booked} booked, {:.0} turns/s",
        pct(&mut turns.clone(), 0.5),
        pct(&mut turns, 0.99),
        (n * 4) as f64 / secs
    );
    println!(
        "  the {warm} warm-up dialogues before (not counted): p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut cold.clone(), 0.5),
        pct(&mut cold, 0.99)
    );
    for (name, mut v) in ["request", "name", "phone", "yes (books)"]
        .into_iter()
        .zip(by_step)
    {
        println!(
            "  turn {name:<12} p50 {:.2} ms, p99 {:.2} ms",
            pct(&mut v.clone(), 0.5),
            pct(&mut v, 0.99)
        );
    }
    Ok(())
}
