//! The embedded PostgreSQL dies and comes back: a killed postmaster is restarted and the
//! server reconnects, answering 503 with `Retry-After` meanwhile; a restart right after
//! `kill -9` and a stale lock file do not stop the server from starting.

use crate::cli::{cmd, data_dir, free_port, run, stop, wait_healthy, Killed};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn postmaster_pid(data: &Path) -> Option<i32> {
    std::fs::read_to_string(data.join("postgres/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn kill(pid: i32, signal: &str) {
    let ok = std::process::Command::new("kill")
        .arg(signal)
        .arg(pid.to_string())
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {signal} {pid}");
}

/// Runs `demo --json` (creating the demo restaurant) and returns what it printed.
async fn demo(data: &Path, port: u16) -> Value {
    let out = run({
        let mut c = cmd(data, port);
        c.args(["demo", "--json"]);
        c
    })
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("demo json")
}

fn serve(data: &Path, port: u16) -> Killed {
    let mut c = cmd(data, port);
    c.arg("serve").stdout(Stdio::null()).stderr(Stdio::null());
    // The client retries every 50 ms while the database restarts; on a busy machine that is
    // more than the token's 600 requests a minute (CI once saw a 429 at attempt 656). The
    // limit is not what this test is about, so it is raised here.
    c.env("HOSTSYSTEM_API_RATE_PER_MINUTE", "100000");
    Killed::spawn(c)
}

/// One booking attempt: the status, its `Retry-After`, the reservation id when booked, and how
/// long the answer took.
struct Attempt {
    status: StatusCode,
    retry_after: Option<String>,
    id: Option<String>,
    took: Duration,
}

async fn book(client: &reqwest::Client, base: &str, token: &str, i: usize) -> Attempt {
    let date = (chrono::Local::now().date_naive() + chrono::Duration::days(1 + (i % 20) as i64))
        .to_string();
    let times = ["18:00", "18:30", "19:00", "19:30", "20:00", "20:30"];
    let body = json!({"date": date, "time": times[(i / 20) % times.len()], "party_size": 2,
        "guest": {"name": format!("Gast {i}")}});
    let started = Instant::now();
    let resp = client
        .post(format!("{base}/api/v1/reservations"))
        .bearer_auth(token)
        // A retry of the same booking after a 503 books it once.
        .header("idempotency-key", format!("recovery-{i}"))
        .json(&body)
        .send()
        .await;
    let took = started.elapsed();
    match resp {
        Ok(r) => {
            let status = r.status();
            let retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let v: Value = r.json().await.unwrap_or(Value::Null);
            Attempt {
                status,
                retry_after,
                id: v["id"].as_str().map(str::to_string),
                took,
            }
        }
        Err(e) => panic!("the server must answer while the database is away: {e}"),
    }
}

/// Reads the event stream until `want` appears in it, at most `limit` long.
async fn stream_shows(stream: &mut reqwest::Response, want: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut seen = String::new();
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), stream.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains(want) {
                    return true;
                }
            }
            Ok(Ok(None)) | Ok(Err(_)) => return false,
            Err(_) => {}
        }
    }
    false
}

#[tokio::test]
async fn a_killed_postmaster_is_restarted_and_bookings_and_live_events_resume() {
    let data = data_dir();
    let port = free_port();
    let info = demo(data.path(), port).await;
    let token = info["api_token"].as_str().expect("token").to_string();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(data.path(), port);
    wait_healthy(port, server.child()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // A dashboard's live stream, opened before the database goes away.
    let manager = &info["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["role"] == "manager")
        .expect("manager")
        .clone();
    let login = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", manager["email"].as_str().expect("email")),
            ("password", manager["password"].as_str().expect("password")),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("hs_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string();
    let mut events = client
        .get(format!("{base}/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), StatusCode::OK);

    // Kill the postmaster twice under booking load: SIGKILL (a crash), then SIGINT (a fast
    // shutdown someone else asked for).
    let mut acknowledged: Vec<String> = Vec::new();
    let mut attempts = 0;
    let mut i = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    for signal in ["-KILL", "-INT"] {
        let before = acknowledged.len();
        while acknowledged.len() < before + 20 {
            let a = book(&client, &base, &token, i).await;
            assert!(
                matches!(
                    a.status,
                    StatusCode::CREATED | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                ),
                "{} before the kill",
                a.status
            );
            acknowledged.extend(a.id);
            i += 1;
        }
        let pid = postmaster_pid(data.path()).expect("postmaster pid");
        kill(pid, signal);
        let killed_at = Instant::now();
        let mut unavailable = Vec::new();
        let recovered = loop {
            assert!(
                Instant::now() < deadline,
                "bookings did not resume after {signal}"
            );
            let a = book(&client, &base, &token, i).await;
            attempts += 1;
            match a.status {
                StatusCode::CREATED => {
                    acknowledged.extend(a.id);
                    i += 1;
                    if !unavailable.is_empty() {
                        break killed_at.elapsed();
                    }
                }
                StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => i += 1,
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert!(a.retry_after.is_some(), "503 without Retry-After");
                    unavailable.push(a.took);
                    // The same booking again, as a client honouring Retry-After would (sooner).
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => panic!("unexpected {other} on attempt {attempts}"),
            }
        };
        let slowest_503 = unavailable.iter().max().copied().unwrap_or_default();
        eprintln!(
            "recovery after kill {signal}: bookings resumed after {:.2} s; {} answers 503 meanwhile, slowest {} ms",
            recovered.as_secs_f64(),
            unavailable.len(),
            slowest_503.as_millis()
        );
        assert!(
            slowest_503 < Duration::from_secs(3),
            "503s come fast, not after the pool's wait: {slowest_503:?}"
        );
        // Generous against a slow CI machine; the figure printed above is the measurement.
        assert!(recovered < Duration::from_secs(30), "{recovered:?}");
    }
    // Nothing acknowledged was lost (crash recovery replayed the WAL).
    for id in &acknowledged {
        let r = client
            .get(format!("{base}/api/v1/reservations/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::OK, "booking {id} lost");
    }
    // The dashboard's stream, opened before the kill, carries new bookings' events again (a
    // booking made before the listener is back is covered by the `reload` it gets then).
    let resumed = Instant::now();
    let mut n = 10_000;
    loop {
        assert!(
            resumed.elapsed() < Duration::from_secs(30),
            "the event stream did not resume"
        );
        let new = book(&client, &base, &token, n).await;
        n += 1;
        if let Some(id) = new.id {
            if stream_shows(&mut events, &id, Duration::from_secs(1)).await {
                break;
            }
        }
    }
    eprintln!(
        "live events: a new booking reached the open stream {:.2} s after bookings resumed",
        resumed.elapsed().as_secs_f64()
    );
    assert!(stop(server.take()).await.success());
}

#[tokio::test]
async fn a_restart_right_after_kill_9_and_a_stale_lock_file_still_start() {
    let data = data_dir();
    let port = free_port();
    for round in 0..4 {
        let mut server = serve(data.path(), port);
        wait_healthy(port, server.child()).await;
        // kill -9 the server: its postmaster gets the parent-death signal and shuts down
        // while the next server is already starting.
        server.child().kill().expect("kill -9");
        server.child().wait().expect("reap");
        let mut again = serve(data.path(), port);
        wait_healthy(port, again.child()).await;
        assert!(
            stop(again.take()).await.success(),
            "round {round}: clean stop after a restart"
        );
    }
    // A lock file naming a live process that is no postmaster (a pid reused after kill -9).
    let lock = data.path().join("postgres/postmaster.pid");
    let dir = std::fs::canonicalize(data.path().join("postgres")).expect("dir");
    std::fs::write(
        &lock,
        format!(
            "{}\n{}\n0\n5432\n\n\n0 0\nready\n",
            std::process::id(),
            dir.display()
        ),
    )
    .expect("write lock");
    let mut server = serve(data.path(), port);
    wait_healthy(port, server.child()).await;
    assert!(stop(server.take()).await.success());
}

#[tokio::test]
async fn with_database_url_the_server_answers_503_while_the_server_is_away_and_reconnects() {
    use hs_store::embedded::{Durability, EmbeddedCluster};
    let pg_root = data_dir();
    let start_cluster = |root: std::path::PathBuf| async move {
        tokio::task::spawn_blocking(move || EmbeddedCluster::start(&root, Durability::Throwaway))
            .await
            .expect("join")
            .expect("cluster")
    };
    let mut cluster = start_cluster(pg_root.path().to_path_buf()).await;
    hs_store::db::bootstrap(&cluster.socket_dir, "hostsystem")
        .await
        .expect("bootstrap");
    let socket = cluster.socket_dir.display().to_string();
    let url = |role: &str| format!("postgres://{role}@localhost:5432/hostsystem?host={socket}");
    let data = data_dir();
    let port = free_port();
    let with_db = |mut c: std::process::Command| {
        c.env("DATABASE_URL", url("hostsystem_app"))
            .env("DATABASE_OWNER_URL", url("hostsystem_owner"));
        c
    };
    let out = run(with_db({
        let mut c = cmd(data.path(), port);
        c.args(["demo", "--json"]);
        c
    }))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: Value = serde_json::from_slice(&out.stdout).expect("json");
    let token = info["api_token"].as_str().expect("token").to_string();
    let mut server = Killed::spawn(with_db({
        let mut c = cmd(data.path(), port);
        c.arg("serve").stdout(Stdio::null()).stderr(Stdio::null());
        c
    }));
    wait_healthy(port, server.child()).await;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut i = 0;
    while book(&client, &base, &token, i).await.status != StatusCode::CREATED {
        i += 1;
    }
    // The database server goes away.
    tokio::task::spawn_blocking(move || {
        cluster.stop();
        cluster
    })
    .await
    .expect("stop");
    for _ in 0..5 {
        let a = book(&client, &base, &token, i).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(a.retry_after.is_some());
        assert!(a.took < Duration::from_secs(3), "fast: {:?}", a.took);
    }
    let health = client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    // It comes back: the pool reconnects by itself.
    let _cluster = start_cluster(pg_root.path().to_path_buf()).await;
    let back = Instant::now();
    loop {
        let a = book(&client, &base, &token, i).await;
        match a.status {
            StatusCode::CREATED => break,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(
                    back.elapsed() < Duration::from_secs(30),
                    "did not reconnect"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            _ => i += 1,
        }
    }
    eprintln!(
        "recovery with DATABASE_URL: booking again {:.2} s after the server was back",
        back.elapsed().as_secs_f64()
    );
    assert!(stop(server.take()).await.success());
}
