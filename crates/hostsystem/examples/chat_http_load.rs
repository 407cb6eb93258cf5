//! Load generator for `bench/chat_http.sh`: the chat agent through its OpenAI-compatible
//! endpoint, over HTTP, as a client sees it.
//!
//! - `turns BASE RESTAURANT_ID KEY CONVERSATIONS SECONDS`: CONVERSATIONS concurrent guests each
//!   hold booking dialogues of four messages (a new conversation per dialogue, named by
//!   `metadata.conversation_id`), for SECONDS. `THINK_MS` (default 0) is the mean pause
//!   between two messages of a guest (uniformly 50-150 % of it; guests start spread over the
//!   first pause): people type for many seconds, so 1000 ms is already far busier than real
//!   guests; 0 saturates the server. Prints turns/s and p50/p99 per turn.
//! - `fake-model ADDR DELAY_MS`: a local server speaking the chat-completions wire format
//!   that answers every request, after DELAY_MS, with a streamed text (its own time to first
//!   token).
//! - `ttft BASE RESTAURANT_ID KEY MODEL_URL N`: time to the first word of the answer, N times
//!   straight from the fake model and N times through the endpoint of a server configured
//!   with that model; prints both and the overhead HostSystem adds (state, masking, prompt,
//!   guard, recording).

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("turns") if a.len() == 7 => {
            turns(&a[2], &a[3], &a[4], a[5].parse()?, a[6].parse()?).await
        }
        Some("fake-model") if a.len() == 4 => fake_model(&a[2], a[3].parse()?).await,
        Some("ttft") if a.len() == 7 => ttft(&a[2], &a[3], &a[4], &a[5], a[6].parse()?).await,
        _ => Err("usage: chat_http_load turns BASE RID KEY CONVERSATIONS SECONDS | fake-model ADDR DELAY_MS | ttft BASE RID KEY MODEL_URL N".into()),
    }
}

async fn turns(base: &str, rid: &str, key: &str, guests: usize, seconds: u64) -> Res<()> {
    let think = Duration::from_millis(
        std::env::var("THINK_MS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(guests)
        .build()?;
    let url = Arc::new(format!("{base}/api/v1/agent/{rid}/v1/chat/completions"));
    let key = Arc::new(key.to_string());
    // Warm-up, not measured: one question per guest opens the server's connections.
    let ready = Arc::new(tokio::sync::Barrier::new(guests + 1));
    let mut tasks = Vec::new();
    for g in 0..guests {
        let (client, url, key, ready) = (client.clone(), url.clone(), key.clone(), ready.clone());
        tasks.push(tokio::spawn(async move {
            let warm =
                json!({"messages": [{"role": "user", "content": "Wann habt ihr geöffnet?"}]});
            drop(
                client
                    .post(url.as_str())
                    .bearer_auth(key.as_str())
                    .json(&warm)
                    .send()
                    .await,
            );
            ready.wait().await;
            use rand::Rng;
            let pause = || {
                let ms = think.as_millis() as u64;
                Duration::from_millis(if ms == 0 {
                    0
                } else {
                    rand::thread_rng().gen_range(ms / 2..=ms * 3 / 2)
                })
            };
            let start =
                Duration::from_millis(rand::thread_rng().gen_range(0..=think.as_millis() as u64));
            tokio::time::sleep(start).await;
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let times = [
                "17:30", "18:00", "18:30", "19:00", "19:30", "20:00", "20:30", "21:00",
            ];
            let (mut lat, mut booked, mut errors, mut d) = (Vec::new(), 0u32, 0u32, 0usize);
            'dialogues: while Instant::now() < deadline {
                d += 1;
                let conversation = format!("load-{g}-{d}");
                // Spread over the coming 90 days and the dinner grid, so most find a table.
                let day = chrono::Local::now().date_naive()
                    + chrono::Duration::days(1 + ((g * 7 + d * 13) % 90) as i64);
                let first = format!(
                    "Hallo, habt ihr am {} um {} Uhr einen Tisch für 2?",
                    day.format("%d.%m.%Y"),
                    times[(g * 3 + d) % times.len()]
                );
                let phone = format!("0761 {}", 1_000_000 + g * 10_000 + d);
                for text in [first.as_str(), "Erika Mustermann", phone.as_str(), "ja"] {
                    if Instant::now() >= deadline {
                        break 'dialogues;
                    }
                    let body = json!({"metadata": {"conversation_id": conversation},
                                      "messages": [{"role": "user", "content": text}]});
                    let t = Instant::now();
                    let r = client
                        .post(url.as_str())
                        .bearer_auth(key.as_str())
                        .json(&body)
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status().is_success() => {
                            let v: serde_json::Value = resp.json().await.unwrap_or_default();
                            lat.push(t.elapsed());
                            booked += u32::from(v["hostsystem"]["card"].is_object());
                        }
                        Ok(resp) => {
                            errors += 1;
                            eprintln!(
                                "status {}: {}",
                                resp.status(),
                                resp.text().await.unwrap_or_default()
                            );
                        }
                        Err(e) => {
                            errors += 1;
                            eprintln!("{e}");
                        }
                    }
                    tokio::time::sleep(pause()).await;
                }
            }
            (lat, booked, errors)
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let (mut all, mut booked, mut errors) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, b, e) = t.await?;
        all.extend(l);
        booked += b;
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    let n = all.len();
    println!(
        "{guests} conversations, think {} ms: {n} turns in {secs:.1} s ({:.0} turns/s), {booked} bookings, {errors} errors; per turn p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        think.as_millis(),
        n as f64 / secs,
        pct(&mut all, 0.5),
        pct(&mut all, 0.99),
        pct(&mut all, 1.0),
    );
    Ok(())
}

/// Reads one HTTP request (head and a `Content-Length` body) from `sock`.
async fn read_request(sock: &mut tokio::net::TcpStream) -> bool {
    let (mut buf, mut chunk) = (Vec::new(), [0u8; 16384]);
    loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return false;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    return false;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return true;
        }
    }
}

async fn fake_model(addr: &str, delay_ms: u64) -> Res<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    loop {
        let (mut sock, _) = listener.accept().await?;
        tokio::spawn(async move {
            if !read_request(&mut sock).await {
                return;
            }
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                .await;
            let _ = sock.flush().await;
            // A thread's sleep, not tokio's timer: the timer rounds to whole milliseconds,
            // which put up to 1 ms of noise on each side of the paired overhead.
            let _ = tokio::task::spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(delay_ms))
            })
            .await;
            let chunk = |delta: serde_json::Value, finish: Option<&str>| {
                format!(
                    "data: {}\n\n",
                    json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
                )
            };
            let mut out = chunk(json!({"role": "assistant", "content": ""}), None);
            for w in [
                "Gern! ",
                "Für wie viele ",
                "Personen und ",
                "um wie viel Uhr?",
            ] {
                out.push_str(&chunk(json!({"content": w}), None));
            }
            out.push_str(&chunk(json!({}), Some("stop")));
            out.push_str(&format!("data: {}\n\ndata: [DONE]\n\n", json!({"choices": [], "usage": {"prompt_tokens": 300, "completion_tokens": 12, "total_tokens": 312}})));
            let _ = sock.write_all(out.as_bytes()).await;
        });
    }
}

/// Time from sending `req` to the first word of the answer ("Gern") in the stream.
async fn first_word(req: reqwest::RequestBuilder) -> Res<Duration> {
    let t = Instant::now();
    let mut resp = req.send().await?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()).into());
    }
    let mut seen = Vec::new();
    while let Some(c) = resp.chunk().await? {
        seen.extend_from_slice(&c);
        if seen.windows(4).any(|w| w == b"Gern") {
            let took = t.elapsed();
            while resp.chunk().await?.is_some() {}
            return Ok(took);
        }
    }
    Err("the stream ended without the first word".into())
}

async fn ttft(base: &str, rid: &str, key: &str, model_url: &str, n: usize) -> Res<()> {
    let client = reqwest::Client::new();
    let endpoint = format!("{base}/api/v1/agent/{rid}/v1/chat/completions");
    let direct_url = format!("{}/chat/completions", model_url.trim_end_matches('/'));
    let question = "Habt ihr heute Abend noch einen Tisch frei?";
    let (mut direct, mut through) = (Vec::new(), Vec::new());
    for i in 0..n + 5 {
        let body = json!({"model": "fake", "stream": true, "messages": [{"role": "user", "content": question}]});
        let d = first_word(client.post(&direct_url).json(&body)).await?;
        let body = json!({"stream": true, "metadata": {"conversation_id": format!("ttft-{i}")},
                          "messages": [{"role": "user", "content": question}]});
        let h = first_word(client.post(&endpoint).bearer_auth(key).json(&body)).await?;
        // The first five warm connections and caches up.
        if i >= 5 {
            direct.push(d);
            through.push(h);
        }
    }
    let mut overhead: Vec<Duration> = direct
        .iter()
        .zip(&through)
        .map(|(d, h)| h.saturating_sub(*d))
        .collect();
    println!(
        "time to first word over {n} requests: the fake model directly p50 {:.2} ms, p99 {:.2} ms; through HostSystem's endpoint p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut direct, 0.5),
        pct(&mut direct, 0.99),
        pct(&mut through, 0.5),
        pct(&mut through, 0.99),
    );
    println!(
        "overhead HostSystem adds to the model's time to first token (paired per request): p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut overhead, 0.5),
        pct(&mut overhead, 0.99),
    );
    Ok(())
}
