//! The HTTP floor for `bench/booking_load.sh`: N clients request `GET /api/health` (no
//! database work beyond a ping) for a few seconds; prints requests/s. No booking over HTTP on
//! this machine can be faster than this.
//!
//! Usage: http_floor BASE_URL CLIENTS SECONDS

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 4 {
        return Err("usage: http_floor BASE_URL CLIENTS SECONDS".into());
    }
    let (base, clients, seconds): (String, usize, u64) =
        (a[1].clone(), a[2].parse()?, a[3].parse()?);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url) = (client.clone(), format!("{base}/api/health"));
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                if client
                    .get(&url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    n += 1;
                }
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    println!(
        "health requests/s: {:.0}",
        total as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}
