//! Load generator for `bench/booking_load.sh`: sets up a restaurant of 60 tables (`TABLES`) through the
//! API, then N concurrent clients book one day through HTTP until it is full (directly, taking the
//! alternatives a refusal offers; with BROWSE=1 each after an availability request). Prints bookings/s,
//! p50/p99 latency of the booking requests, and the double bookings found afterwards (must be 0).
//!
//! Usage: booking_load BASE_URL OWNER_TOKEN DATE CLIENTS

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

async fn call(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Res<(u16, Value)> {
    let mut req = c
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

async fn setup(c: &reqwest::Client, base: &str, token: &str) -> Res<()> {
    use reqwest::Method;
    let (_, area) = call(
        c,
        base,
        token,
        Method::POST,
        "/api/v1/areas",
        Some(json!({"name": "Saal"})),
    )
    .await?;
    let tables: usize = std::env::var("TABLES")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(60);
    for i in 0..tables {
        let (min, max) = [(1, 2), (2, 4), (4, 6)][i % 3];
        let (s, b) = call(c, base, token, Method::POST, "/api/v1/tables", Some(json!({"area_id": area["id"], "name": format!("T{i}"), "min_seats": min, "max_seats": max}))).await?;
        if s != 201 {
            return Err(format!("table: {s} {b}").into());
        }
    }
    let periods: Vec<Value> = (0..7).map(|d| json!({"weekday": d, "name": "Tag", "start": "10:00:00", "end": "00:00:00", "last_seating": "22:30:00"})).collect();
    call(
        c,
        base,
        token,
        Method::PUT,
        "/api/v1/service-periods",
        Some(json!({"periods": periods})),
    )
    .await?;
    let turns = json!({"turn_times": [{"min_party": 1, "max_party": 2, "minutes": 90}, {"min_party": 3, "max_party": 4, "minutes": 120}, {"min_party": 5, "max_party": null, "minutes": 150}]});
    call(
        c,
        base,
        token,
        Method::PUT,
        "/api/v1/turn-times",
        Some(turns),
    )
    .await?;
    let (_, mut settings) = call(c, base, token, Method::GET, "/api/v1/settings", None).await?;
    settings["lead_minutes"] = json!(0);
    settings["pacing_covers"] = Value::Null;
    settings["approval_above"] = json!(20);
    let (s, b) = call(
        c,
        base,
        token,
        Method::PUT,
        "/api/v1/settings",
        Some(settings),
    )
    .await?;
    if s != 200 {
        return Err(format!("settings: {s} {b}").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, token, date, clients] = &args[..] else {
        return Err("usage: booking_load BASE_URL OWNER_TOKEN DATE CLIENTS".into());
    };
    let clients: usize = clients.parse()?;
    // BROWSE=1: each booking is preceded by an availability request, as a booking page does.
    // Otherwise a client asks for a time and takes the alternative a refusal offers.
    let browse = std::env::var("BROWSE").is_ok_and(|b| b == "1");
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    setup(&c, base, token).await?;
    let latencies = Arc::new(tokio::sync::Mutex::new(Vec::<Duration>::new()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..clients {
        let (c, base, token, date, latencies) = (
            c.clone(),
            base.clone(),
            token.clone(),
            date.clone(),
            latencies.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (n as u64 + 1);
            let mut exhausted = [false; 7];
            let mut booked = 0u32;
            let mut conflicts = 0u32;
            // The next time to try per party size: a same-day alternative from the last
            // refusal, if it offered one.
            let mut offered: [Option<Value>; 7] = Default::default();
            while exhausted[1..].iter().any(|e| !e) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let party = 1 + (seed >> 33) as usize % 6;
                if exhausted[party] {
                    continue;
                }
                let time = if let Some(t) = offered[party].take() {
                    t
                } else if browse {
                    let path = format!("/api/v1/availability?date={date}&party_size={party}");
                    let Ok((_, av)) = call(&c, &base, &token, reqwest::Method::GET, &path, None).await else { break };
                    let slots = av["slots"].as_array().cloned().unwrap_or_default();
                    if slots.is_empty() {
                        exhausted[party] = true;
                        continue;
                    }
                    slots[(seed >> 17) as usize % slots.len()]["time"].clone()
                } else {
                    // A time on the 15-minute grid between 10:00 and the last seating at 22:30.
                    let q = (seed >> 17) as usize % 51;
                    json!(format!("{:02}:{:02}", 10 + q / 4, (q % 4) * 15))
                };
                let body = json!({"date": date, "time": time, "party_size": party, "guest": {"name": format!("Last {n}")}});
                let t = Instant::now();
                let Ok((status, answer)) = call(&c, &base, &token, reqwest::Method::POST, "/api/v1/reservations", Some(body)).await else { break };
                latencies.lock().await.push(t.elapsed());
                match status {
                    201 => booked += 1,
                    409 => {
                        conflicts += 1;
                        let same_day = answer["alternatives"]
                            .as_array()
                            .and_then(|a| a.iter().find(|x| x["date"] == json!(date)).cloned());
                        match same_day {
                            Some(alt) => offered[party] = Some(alt["time"].clone()),
                            // Refused with nothing else that day: no time is left for this size.
                            None if !browse => exhausted[party] = true,
                            None => {}
                        }
                    }
                    other => eprintln!("unexpected status {other}: {answer}"),
                }
            }
            (booked, conflicts)
        }));
    }
    let (mut booked, mut conflicts) = (0, 0);
    for t in tasks {
        let (b, c) = t.await?;
        booked += b;
        conflicts += c;
    }
    let elapsed = started.elapsed();
    let mut lat = latencies.lock().await.clone();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    // Double bookings: any two reservations holding the same table at overlapping times.
    let (_, list) = call(
        &c,
        base,
        token,
        reqwest::Method::GET,
        &format!("/api/v1/reservations?date={date}"),
        None,
    )
    .await?;
    let mut by_table: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in list["reservations"].as_array().cloned().unwrap_or_default() {
        for t in r["tables"].as_array().cloned().unwrap_or_default() {
            by_table
                .entry(t.as_str().unwrap_or("").into())
                .or_default()
                .push((
                    r["starts_at"].as_str().unwrap_or("").into(),
                    r["ends_at"].as_str().unwrap_or("").into(),
                ));
        }
    }
    let mut double = 0;
    for spans in by_table.values_mut() {
        spans.sort();
        double += spans.windows(2).filter(|w| w[1].0 < w[0].1).count();
    }
    println!(
        "clients: {clients} ({})",
        if browse {
            "each booking after an availability request"
        } else {
            "booking directly, taking offered alternatives"
        }
    );
    println!(
        "bookings: {booked} in {:.2} s ({} refused with 409 as slots filled)",
        elapsed.as_secs_f64(),
        conflicts
    );
    println!(
        "bookings/s: {:.1}",
        f64::from(booked) / elapsed.as_secs_f64()
    );
    println!(
        "booking latency p50: {:.1} ms, p99: {:.1} ms",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    println!("double bookings found: {double}");
    if double > 0 {
        std::process::exit(1);
    }
    Ok(())
}
