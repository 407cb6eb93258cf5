//! Load generator for `bench/voice_load.sh`: N concurrent callers each run conversations of
//! `check_availability` then `create_reservation` through the generic voice tool endpoint of
//! the demo restaurant, for a fixed time. Prints calls/s and p50/p99 latency per tool.
//!
//! `THINK_MS` (default 0) is the mean pause of each caller between tool calls (uniformly 50–150 %
//! of it, and callers start spread over the first pause, as real calls do not arrive in step):
//! on a real phone call the guest speaks and the voice model thinks for seconds between two
//! tool calls, so 1000 ms is still several times busier than reality; 0 saturates the server.
//!
//! Usage: voice_load BASE_URL RESTAURANT_ID SECRET CALLERS SECONDS

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 6 {
        return Err("usage: voice_load BASE_URL RESTAURANT_ID SECRET CALLERS SECONDS".into());
    }
    let (base, rid, secret) = (a[1].clone(), a[2].clone(), a[3].clone());
    let callers: usize = a[4].parse()?;
    let seconds: u64 = a[5].parse()?;
    let think = Duration::from_millis(
        std::env::var("THINK_MS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(callers)
        .build()?;
    let url = Arc::new(format!("{base}/api/v1/voice/{rid}/tools"));
    // Warm-up, not measured: every caller asks once for the opening hours, so the server's
    // database connections are open before the clock starts.
    let ready = Arc::new(tokio::sync::Barrier::new(callers + 1));
    let mut tasks = Vec::new();
    for n in 0..callers {
        let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let warm = client.post(format!("{url}/restaurant_info")).header("x-hostsystem-secret", &secret).json(&json!({})).send().await;
            drop(warm);
            ready.wait().await;
            let deadline = Instant::now() + Duration::from_secs(seconds);
            use rand::Rng;
            let pause = || {
                let ms = think.as_millis() as u64;
                Duration::from_millis(if ms == 0 { 0 } else { rand::thread_rng().gen_range(ms / 2..=ms * 3 / 2) })
            };
            let start = Duration::from_millis(rand::thread_rng().gen_range(0..=think.as_millis() as u64));
            tokio::time::sleep(start).await;
            let mut check = Vec::new();
            let mut create = Vec::new();
            let (mut booked, mut refused, mut errors) = (0u32, 0u32, 0u32);
            let mut i = 0u32;
            while Instant::now() < deadline {
                i += 1;
                // Spread callers over the coming weeks and the dinner grid.
                let day = 1 + (n as u32 * 7 + i) % 60;
                let date = (chrono::Utc::now() + chrono::Duration::days(i64::from(day)))
                    .format("%Y-%m-%d")
                    .to_string();
                let time = ["18:00", "18:30", "19:00", "19:30", "20:00", "20:30"][(i as usize + n) % 6];
                let call_id = format!("load-{n}-{i}");
                let args = json!({"date": date, "time": time, "party_size": 2, "call_id": call_id, "caller": format!("+49151{:08}", n * 100_000 + i as usize)});
                let t = Instant::now();
                let r = client.post(format!("{url}/check_availability")).header("x-hostsystem-secret", &secret).json(&args).send().await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _: Value = resp.json().await.unwrap_or(Value::Null);
                        check.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
                let p = pause();
                tokio::time::sleep(p).await;
                let mut book = args.clone();
                book["name"] = json!(format!("Gast {n}-{i}"));
                let t = Instant::now();
                let r = client.post(format!("{url}/create_reservation")).header("x-hostsystem-secret", &secret).json(&book).send().await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let v: Value = resp.json().await.unwrap_or(Value::Null);
                        create.push(t.elapsed());
                        if v["ok"] == json!(true) { booked += 1 } else { refused += 1 }
                    }
                    _ => errors += 1,
                }
                let p = pause();
                tokio::time::sleep(p).await;
            }
            (check, create, booked, refused, errors)
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let (mut check, mut create) = (Vec::new(), Vec::new());
    let (mut booked, mut refused, mut errors) = (0, 0, 0);
    for t in tasks {
        let (c, r, b, f, e) = t.await?;
        check.extend(c);
        create.extend(r);
        booked += b;
        refused += f;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let total = check.len() + create.len();
    println!(
        "callers: {callers}, {seconds} s, {} ms between a caller's tool calls",
        think.as_millis()
    );
    println!("tool calls/s: {:.0}", total as f64 / elapsed);
    println!(
        "check_availability: {} calls, p50 {:.1} ms, p99 {:.1} ms",
        check.len(),
        pct(&mut check, 0.5),
        pct(&mut check, 0.99)
    );
    println!("create_reservation: {} calls, p50 {:.1} ms, p99 {:.1} ms ({booked} booked, {refused} refused with alternatives)", create.len(), pct(&mut create, 0.5), pct(&mut create, 0.99));
    let mut all: Vec<Duration> = check.iter().chain(create.iter()).copied().collect();
    println!(
        "all tool calls: p50 {:.1} ms, p99 {:.1} ms (goal p99 < 50 ms)",
        pct(&mut all, 0.5),
        pct(&mut all, 0.99)
    );
    println!("errors: {errors}");
    Ok(())
}
