//! Load generator for `bench/widget.sh`: the website widget's live stream, as guests' browsers
//! and a team member's dashboard use it, over HTTP.
//!
//! - `latency BASE PUBLIC_ID EMAIL PASSWORD N`: a guest asks for a person in the widget, a
//!   manager signs in, takes the conversation over on the dashboard and sends N messages; each
//!   is timed from the start of the dashboard's POST until it arrives on the guest's open
//!   stream. Prints p50/p99/max.
//! - `streams BASE PUBLIC_ID N SERVER_PID`: N guests, each with its own conversation, open
//!   their stream and keep it open. Prints the server's resident memory before and after, and
//!   the p50/p99 of other requests (a new guest's first widget message, a full agent turn)
//!   before and while the streams are open.
//!
//! Every guest connects from its own loopback address (127.0.x.y), so each stays inside the
//! widget's 60 requests a minute per address as real guests do; the server's own origin is
//! an allowed widget origin.

use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

fn summary(label: &str, v: &mut [Duration]) {
    let max = v.iter().max().copied().unwrap_or_default();
    println!(
        "{label}: n {}, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        v.len(),
        pct(v, 0.5),
        pct(v, 0.99),
        max.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("latency") if a.len() == 7 => latency(&a[2], &a[3], &a[4], &a[5], a[6].parse()?).await,
        Some("streams") if a.len() == 6 => streams(&a[2], &a[3], a[4].parse()?, a[5].parse()?).await,
        _ => Err("usage: widget_load latency BASE PUBLIC_ID EMAIL PASSWORD N | streams BASE PUBLIC_ID N SERVER_PID".into()),
    }
}

/// A client that connects from loopback address number `n` (127.0.x.y, never 127.0.0.1).
fn client_from(n: usize) -> Res<reqwest::Client> {
    let n = n + 256;
    let ip = Ipv4Addr::new(127, 0, (n / 250) as u8, (n % 250 + 2) as u8);
    Ok(reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .build()?)
}

/// One guest's widget: its client, the token and (after the first message) its conversation.
struct Guest {
    client: reqwest::Client,
    base: String,
    pid: String,
    token: String,
}

impl Guest {
    async fn open(client: reqwest::Client, base: &str, pid: &str) -> Res<Guest> {
        let s: Value = client
            .post(format!("{base}/api/w/{pid}/session"))
            .header("origin", base)
            .json(&json!({}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Guest {
            client,
            base: base.into(),
            pid: pid.into(),
            token: s["token"].as_str().ok_or("no token")?.into(),
        })
    }

    /// Sends a message and reads the streamed answer to its end; returns the `done` part.
    async fn say(&self, text: &str) -> Res<Value> {
        let body = self
            .client
            .post(format!("{}/api/w/{}/messages", self.base, self.pid))
            .header("origin", &self.base)
            .header("x-widget-token", &self.token)
            .json(&json!({ "text": text }))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        body.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .find_map(|v| v.get("done").cloned())
            .ok_or_else(|| format!("no answer: {body}").into())
    }

    async fn stream(&self) -> Res<reqwest::Response> {
        Ok(self
            .client
            .get(format!("{}/api/w/{}/stream", self.base, self.pid))
            .header("origin", &self.base)
            .header("x-widget-token", &self.token)
            .send()
            .await?
            .error_for_status()?)
    }
}

/// The dashboard of a signed-in team member (session cookie and form token).
struct Team {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Team {
    async fn login(base: &str, email: &str, password: &str) -> Res<Team> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let r = client
            .post(format!("{base}/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await?;
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find_map(|c| c.strip_prefix("hs_session="))
            .and_then(|c| c.split(';').next())
            .filter(|c| !c.is_empty())
            .ok_or("login refused")?
            .to_string();
        Ok(Team {
            client,
            base: base.into(),
            cookie: format!("hs_session={cookie}"),
        })
    }

    /// The form token on a page.
    async fn csrf(&self, path: &str) -> Res<String> {
        let page = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await?
            .text()
            .await?;
        let mark = "name=\"csrf\" value=\"";
        let at = page.find(mark).ok_or("no form token")? + mark.len();
        Ok(page[at..].split('"').next().unwrap_or_default().to_string())
    }

    async fn post(&self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Res<()> {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await?;
        if r.status() != reqwest::StatusCode::SEE_OTHER {
            return Err(format!("{path}: {}", r.status()).into());
        }
        Ok(())
    }
}

async fn latency(base: &str, pid: &str, email: &str, password: &str, n: usize) -> Res<()> {
    let guest = Guest::open(client_from(0)?, base, pid).await?;
    let done = guest
        .say("Kann ich bitte mit einem Mitarbeiter sprechen?")
        .await?;
    let id = done["conversation_id"]
        .as_str()
        .ok_or("no conversation")?
        .to_string();
    let team = Team::login(base, email, password).await?;
    let page = format!("/inbox/{id}");
    let csrf = team.csrf(&page).await?;
    team.post(&format!("{page}/take"), &csrf, &[]).await?;

    // The guest's stream, read in its own task: each team message with when it arrived.
    let mut resp = guest.stream().await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, String)>();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let at = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(i) = buf.find("\n\n") {
                let ev: String = buf.drain(..i + 2).collect();
                if let Some(v) = ev
                    .trim_end()
                    .strip_prefix("data: ")
                    .and_then(|d| serde_json::from_str::<Value>(d).ok())
                {
                    if let Some(t) = v["team"].as_str() {
                        let _ = tx.send((at, t.to_string()));
                    }
                }
            }
        }
    });
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let text = format!("Nachricht {i} aus dem Team");
        let t0 = Instant::now();
        team.post(&format!("{page}/reply"), &csrf, &[("text", &text)])
            .await?;
        loop {
            let (at, got) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await?
                .ok_or("the stream ended")?;
            if got == text {
                times.push(at - t0);
                break;
            }
        }
    }
    summary(
        "a team member's send (dashboard POST) to the message on the guest's open stream",
        &mut times,
    );
    Ok(())
}

fn rss_mib(pid: u32) -> Res<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .ok_or("no VmRSS")?
        .parse()?;
    Ok(kb / 1024.0)
}

/// 200 new guests' first message, one after the other (a full agent turn each).
async fn other_requests(base: &str, pid: &str, from: usize) -> Res<Vec<Duration>> {
    let mut times = Vec::new();
    for i in 0..200 {
        let g = Guest::open(client_from(from + i / 10)?, base, pid).await?;
        let t0 = Instant::now();
        g.say("Wann habt ihr am Samstag geöffnet?").await?;
        times.push(t0.elapsed());
    }
    Ok(times)
}

async fn streams(base: &str, pid: &str, n: usize, server: u32) -> Res<()> {
    // The guests and their conversations first, so the figure below is the streams alone.
    let mut guests = Vec::with_capacity(n);
    for i in 0..n {
        let g = Guest::open(client_from(100 + i)?, base, pid).await?;
        g.say("Hallo").await?;
        guests.push(g);
    }
    let mut before = other_requests(base, pid, 40).await?;
    summary(
        "other requests (a new guest's first message) before",
        &mut before,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss0 = rss_mib(server)?;
    let mut open = Vec::with_capacity(n);
    for g in &guests {
        let mut r = g.stream().await?;
        // The first event (the status) proves the stream is live.
        tokio::time::timeout(Duration::from_secs(10), r.chunk())
            .await?
            .map_err(|e| format!("stream: {e}"))?;
        open.push(r);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss1 = rss_mib(server)?;
    println!(
        "{n} idle widget streams open: server RSS {rss0:.1} → {rss1:.1} MiB, {:.1} MiB added ({:.1} KiB a stream)",
        rss1 - rss0,
        (rss1 - rss0) * 1024.0 / n as f64
    );
    let mut during = other_requests(base, pid, 60).await?;
    summary(
        &format!("other requests while {n} streams are open"),
        &mut during,
    );
    drop(open);
    Ok(())
}
