//! Benchmark of guest messages, on a throwaway PostgreSQL cluster (run by `bench/messages.sh`).
//!
//! `message_load throughput [RATE] [SECONDS]`: a producer writes messages (outbox row and send
//! job in one transaction, as a booking does) at RATE per second (default 100) for SECONDS
//! (default 20) while one worker sends them; once through the file mailer, once through Resend's
//! client against a local server that speaks its API. Prints enqueue-to-sent latency p50/p99
//! (from the rows' own timestamps) and messages/s; then a burst of RATE × SECONDS messages at
//! once, drained by the worker, for its top rate.
//!
//! `message_load reminders [N]`: N reservations (default 10,000) over a week, a tenth of them
//! cancelled, on a simulated clock stepped a minute at a time through the week while the worker
//! runs what is due. Checks that every live reservation got exactly one reminder, within a
//! minute of its time (24 h before), and no cancelled one did; prints the figures.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use hs_channels::mail::{Email, FileMailer, Mailer, Sending, Sent};
use hs_domain::reservation::{Channel, Status};
use hs_domain::Clock;
use hs_service::jobs::{JobContext, Worker, WorkerOptions};
use hs_store::accounts::NewUser;
use hs_store::booking::{GuestInput, NewReservation};
use hs_store::setup::{ServicePeriod, Table, TurnBand};
use hs_store::{Actor, MasterKey, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A mailer that only counts (the reminder run measures scheduling, not mail I/O).
struct Counting(AtomicUsize);

impl Mailer for Counting {
    fn send<'a>(&'a self, email: &'a Email) -> Sending<'a> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            Ok(Sent {
                provider: "count",
                id: Some(email.id.to_string()),
            })
        })
    }
}

/// A local server speaking Resend's `POST /emails`: 200 `{"id": …}` for every request.
async fn fake_resend() -> Res<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 16384];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    buf.drain(..end + 4 + len);
                    let body = format!("{{\"id\":\"{}\"}}", Uuid::new_v4());
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

async fn store(clock: Clock) -> Res<(hs_testkit::TestDb, Store)> {
    let db = hs_testkit::fresh_db().await?;
    let store = Store::new(db.app_pool().await?, clock, MasterKey::generate());
    Ok((db, store))
}

fn worker(store: &Store, mailer: Arc<dyn Mailer>) -> Worker {
    Worker::new(
        JobContext {
            store: store.clone(),
            mailer,
            whatsapp: hs_channels::whatsapp::CloudApi::new("http://127.0.0.1:9"),
            highlevel: hs_channels::gohighlevel::HighLevel::new("http://127.0.0.1:9"),
            resend_url: "http://127.0.0.1:9".into(),
            mail_from: "Bench <noreply@bench.example>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            chat: None,
        },
        hs_service::registry(),
        WorkerOptions {
            poll: std::time::Duration::from_millis(200),
            ..WorkerOptions::default()
        },
    )
}

async fn throughput_run(label: &str, mailer: Arc<dyn Mailer>, rate: u64, seconds: u64) -> Res<()> {
    let (_db, store) = store(Clock::system()).await?;
    let rid = store.create_restaurant("Bench", &Actor::Cli).await?.id;
    let user = store
        .create_user(
            NewUser {
                email: "bench@example.com",
                name: "Bench",
                password: "Kastanienbaum-Seeblick-42",
                language: "de",
                platform_admin: false,
            },
            &Actor::Cli,
        )
        .await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker(&store, mailer.clone()).run(stop_rx));
    let total = rate * seconds;
    let started = std::time::Instant::now();
    let mut ids = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + std::time::Duration::from_micros(i * 1_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let mut tx = store.tenant(rid, &Actor::Cli).await?;
        ids.push(
            tx.queue_test_message(user.id, "gast@example.com", "de")
                .await?,
        );
        tx.commit().await?;
    }
    // Wait until every message is sent.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let (latencies, last) = loop {
        let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = {
            let mut tx = store.tenant(rid, &Actor::Cli).await?;
            tx.test_message_times().await?
        };
        if rows.iter().all(|(_, s)| s.is_some()) || std::time::Instant::now() > deadline {
            let last = rows.iter().filter_map(|(_, s)| *s).max();
            let lat: Vec<f64> = rows
                .iter()
                .filter_map(|(c, s)| {
                    s.map(|s| (s - *c).num_microseconds().unwrap_or(0) as f64 / 1000.0)
                })
                .collect();
            break (lat, last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let sent = latencies.len();
    let mut lat = latencies;
    let span = last
        .map(|l| (l - Utc::now()).num_milliseconds())
        .unwrap_or(0);
    let _ = span;
    println!(
        "{label}: {sent}/{total} sent at {rate}/s offered; enqueue-to-sent p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        pct(&mut lat, 1.0)
    );
    // A burst: everything at once, drained by the one worker.
    let burst_start = std::time::Instant::now();
    for _ in 0..total {
        let mut tx = store.tenant(rid, &Actor::Cli).await?;
        tx.queue_test_message(user.id, "gast@example.com", "de")
            .await?;
        tx.commit().await?;
    }
    let enqueued = burst_start.elapsed();
    loop {
        let rows = {
            let mut tx = store.tenant(rid, &Actor::Cli).await?;
            tx.test_message_times().await?
        };
        if rows.iter().all(|(_, s)| s.is_some())
            || burst_start.elapsed() > std::time::Duration::from_secs(300)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let drained = burst_start.elapsed();
    println!(
        "{label}: burst of {total} enqueued in {:.2} s, all sent after {:.2} s: {:.0} messages/s for one worker",
        enqueued.as_secs_f64(),
        drained.as_secs_f64(),
        total as f64 / drained.as_secs_f64()
    );
    let _ = stop_tx.send(true);
    let _ = running.await;
    let _ = ids;
    Ok(())
}

async fn throughput(rate: u64, seconds: u64) -> Res<()> {
    let dir = tempfile::tempdir()?;
    let file: Arc<dyn Mailer> =
        Arc::new(FileMailer::new(dir.path(), "Bench <noreply@bench.example>"));
    throughput_run("file mailer", file, rate, seconds).await?;
    let url = fake_resend().await?;
    let resend: Arc<dyn Mailer> = Arc::new(hs_channels::resend::Resend::new(
        &url,
        "re_bench",
        "Bench <noreply@bench.example>",
    ));
    throughput_run("Resend (local fake)", resend, rate, seconds).await
}

async fn reminders(n: usize) -> Res<()> {
    let t0: DateTime<Utc> = "2027-01-04T07:00:00Z".parse()?;
    let clock = Clock::manual(t0);
    let (_db, store) = store(clock.clone()).await?;
    let rid = store.create_restaurant("Bench", &Actor::Cli).await?.id;
    let mut tx = store.tenant(rid, &Actor::Cli).await?;
    let area = tx.add_area("Saal").await?;
    for i in 0..300 {
        tx.add_table(&Table {
            id: Uuid::new_v4(),
            area_id: area.id,
            name: format!("T{i}"),
            min_seats: 1,
            max_seats: 4,
            bookable_online: true,
        })
        .await?;
    }
    let hm = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap_or_default();
    let periods: Vec<ServicePeriod> = (0..7)
        .map(|d| ServicePeriod {
            weekday: d,
            name: "Tag".into(),
            start: hm("11:00"),
            end: hm("23:59"),
            last_seating: hm("22:00"),
        })
        .collect();
    tx.set_service_periods(&periods).await?;
    tx.set_turn_times(&[TurnBand {
        min_party: 1,
        max_party: None,
        minutes: 90,
    }])
    .await?;
    let mut settings = tx.reservation_settings().await?;
    settings.pacing_covers = None;
    settings.horizon_days = 30;
    tx.set_reservation_settings(&settings).await?;
    tx.commit().await?;

    let booking_started = std::time::Instant::now();
    let slots: Vec<NaiveTime> = (0..45)
        .map(|k| hm("11:00") + Duration::minutes(15 * k))
        .collect();
    let first_day = t0.date_naive() + Duration::days(2);
    let mut booked: Vec<(Uuid, DateTime<Utc>, bool)> = Vec::with_capacity(n);
    let mut k = 0usize;
    while booked.len() < n {
        let i = booked.len();
        let date = first_day + Duration::days((i % 7) as i64);
        let time = slots[(k * 7 + i / 7) % slots.len()];
        k += 1;
        let req = NewReservation {
            date,
            time,
            party_size: 2,
            guest: GuestInput {
                name: format!("Gast {i}"),
                phone: None,
                email: Some(format!("gast{i}@example.com")),
                language: Some("de".into()),
                salutation: None,
                whatsapp_opt_in: None,
            },
            notes: String::new(),
            special_notes: None,
            channel: Channel::Api,
            tables: None,
        };
        let mut tx = store.tenant(rid, &Actor::Cli).await?;
        if let Ok(r) = tx.create_reservation(&req).await? {
            let cancel = i % 10 == 9;
            if cancel {
                tx.transition(r.id, Status::Cancelled).await?;
            }
            tx.commit().await?;
            booked.push((r.id, r.starts_at, cancel));
        }
        if k > n * 20 {
            return Err("the restaurant is full before N reservations".into());
        }
    }
    println!(
        "booked {n} reservations over a week ({} cancelled) in {:.1} s",
        booked.iter().filter(|b| b.2).count(),
        booking_started.elapsed().as_secs_f64()
    );
    let mailer = Arc::new(Counting(AtomicUsize::new(0)));
    let w = worker(&store, mailer.clone());
    w.run_pending().await?;
    let run_started = std::time::Instant::now();
    let end = first_day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::days(8);
    let mut steps = 0;
    let mut jobs = 0;
    while clock.now() < end {
        clock.advance(Duration::minutes(1));
        jobs += w.run_pending().await?;
        steps += 1;
    }
    println!(
        "simulated {steps} minutes in {:.1} s; {jobs} jobs ran; {} mails in all",
        run_started.elapsed().as_secs_f64(),
        mailer.0.load(Ordering::Relaxed)
    );
    // Every reminder: once, within a minute of its time; none for a cancelled reservation.
    let mut tx = store.tenant(rid, &Actor::Cli).await?;
    let reminders = tx.reminder_times().await?;
    let mut per: std::collections::HashMap<Uuid, Vec<DateTime<Utc>>> = Default::default();
    for (id, sent) in reminders {
        per.entry(id).or_default().push(sent);
    }
    let (mut ok, mut missing, mut twice, mut cancelled_got, mut late) = (0, 0, 0, 0, 0);
    let mut lateness = Vec::new();
    for (id, starts, cancelled) in &booked {
        let got = per.get(id).cloned().unwrap_or_default();
        if *cancelled {
            cancelled_got += usize::from(!got.is_empty());
            continue;
        }
        match got.as_slice() {
            [] => missing += 1,
            [sent] => {
                let off = (*sent - (*starts - Duration::hours(24))).num_seconds();
                lateness.push(off as f64);
                if (0..=60).contains(&off) {
                    ok += 1;
                } else {
                    late += 1;
                }
            }
            _ => twice += 1,
        }
    }
    println!(
        "reminders: {ok} sent once within a minute of their time, {missing} missing, {twice} sent twice, {late} off by more than a minute, {cancelled_got} for cancelled reservations; lateness p50 {:.0} s, max {:.0} s",
        pct(&mut lateness.clone(), 0.5),
        pct(&mut lateness, 1.0)
    );
    if missing + twice + late + cancelled_got > 0 {
        return Err("reminders were not all on time and once".into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    match args.get(1).map(String::as_str) {
        Some("throughput") => throughput(num(2, 100), num(3, 20)).await,
        Some("reminders") => reminders(num(2, 10_000) as usize).await,
        _ => Err("usage: message_load throughput [RATE] [SECONDS] | reminders [N]".into()),
    }
}
