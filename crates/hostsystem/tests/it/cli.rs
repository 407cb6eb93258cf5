//! The `hostsystem` binary: help texts, the embedded PostgreSQL lifecycle across restarts,
//! the idempotent demo, and clear errors.

use reqwest::StatusCode;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hostsystem");

/// A data dir the unprivileged PostgreSQL user can enter (tempdirs are 0700).
pub(crate) fn data_dir() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("hs-cli-")
        .tempdir_in("/tmp")
        .expect("tmp");
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    d
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub(crate) fn cmd(data: &Path, port: u16) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOSTSYSTEM_DATA_DIR", data)
        .env("HOSTSYSTEM_BIND", format!("127.0.0.1:{port}"))
        .env("HOSTSYSTEM_LOG_LEVEL", "warn")
        .stdin(Stdio::null());
    c
}

/// A child process killed when dropped, so a failing test leaves no server running.
pub(crate) struct Killed(Option<Child>);

impl Killed {
    pub(crate) fn spawn(mut c: Command) -> Killed {
        Killed(Some(c.spawn().expect("spawn hostsystem")))
    }

    pub(crate) fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child")
    }

    /// The child, no longer killed on drop (for [`stop`]).
    pub(crate) fn take(mut self) -> Child {
        self.0.take().expect("child")
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub(crate) async fn run(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("run hostsystem"))
        .await
        .expect("join")
}

pub(crate) async fn wait_healthy(port: u16, child: &mut Child) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/api/health"))
            .send()
            .await
        {
            if r.status() == StatusCode::OK {
                return;
            }
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "server exited early"
        );
        assert!(Instant::now() < deadline, "server not healthy within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn stop(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join")
}

fn postmaster_running(data: &Path) -> bool {
    std::fs::read_to_string(data.join("postgres/postmaster.pid"))
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(str::trim)
                .and_then(|p| p.parse::<u32>().ok())
        })
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

#[tokio::test]
async fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create-restaurant", "--help"],
        vec!["admin", "create-user", "--help"],
        vec!["admin", "add-member", "--help"],
        vec!["admin", "create-api-token", "--help"],
        vec!["admin", "list-restaurants", "--help"],
        vec!["jobs", "--help"],
        vec!["jobs", "retention", "--help"],
        vec!["jobs", "offboarding", "--help"],
        vec!["voice", "--help"],
        vec!["voice", "simulate", "--help"],
        vec!["chat", "--help"],
        vec!["chat", "simulate", "--help"],
        vec!["privacy", "--help"],
        vec!["privacy", "find", "--help"],
        vec!["privacy", "export", "--help"],
        vec!["privacy", "anonymise", "--help"],
        vec!["privacy", "delete", "--help"],
        vec!["tenant", "--help"],
        vec!["tenant", "offboard", "--help"],
        vec!["tenant", "export", "--help"],
    ] {
        let mut c = Command::new(BIN);
        c.args(&args);
        let out = run(c).await;
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn serve_runs_embedded_postgres_stops_it_on_sigterm_and_reuses_it() {
    let data = data_dir();
    let port = free_port();
    let mut child = cmd(data.path(), port)
        .arg("serve")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_healthy(port, &mut child).await;
    assert!(postmaster_running(data.path()));
    let key_mode = std::fs::metadata(data.path().join("master.key"))
        .expect("key")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(key_mode, 0o600);
    let key = std::fs::read_to_string(data.path().join("master.key")).expect("key");
    assert!(
        data.path().join("run/.s.PGSQL.5432").exists(),
        "Unix socket in the data dir"
    );

    // The demo attaches to the running cluster and is idempotent.
    let first = run({
        let mut c = cmd(data.path(), port);
        c.args(["demo", "--json"]);
        c
    })
    .await;
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let a: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    for k in ["base_url", "restaurant_id", "users", "api_token"] {
        assert!(!a[k].is_null(), "demo JSON has {k}: {a}");
    }
    assert_eq!(a["users"].as_array().map(Vec::len), Some(3));
    let second = run({
        let mut c = cmd(data.path(), port);
        c.args(["demo", "--json"]);
        c
    })
    .await;
    let b: serde_json::Value = serde_json::from_slice(&second.stdout).expect("json");
    assert_eq!(
        a["restaurant_id"], b["restaurant_id"],
        "same demo restaurant"
    );
    let client = reqwest::Client::new();
    let me = client
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(b["api_token"].as_str().expect("token"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);
    let old = client
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(a["api_token"].as_str().expect("token"))
        .send()
        .await
        .expect("me");
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the previous demo token is revoked"
    );
    // The voice block: a secret and URLs that work against the running server.
    for k in [
        "secret",
        "retell_key",
        "tools_url",
        "vapi_url",
        "retell_url",
        "retell_webhook_url",
    ] {
        assert!(b["voice"][k].is_string(), "demo JSON has voice.{k}: {b}");
    }
    let tools = b["voice"]["tools_url"]
        .as_str()
        .expect("url")
        .replace("{tool}", "restaurant_info");
    let info = client
        .post(&tools)
        .header(
            "x-hostsystem-secret",
            b["voice"]["secret"].as_str().expect("secret"),
        )
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("tool");
    assert_eq!(info.status(), StatusCode::OK);
    let stale = client
        .post(&tools)
        .header(
            "x-hostsystem-secret",
            a["voice"]["secret"].as_str().expect("secret"),
        )
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("tool");
    assert_eq!(
        stale.status(),
        StatusCode::UNAUTHORIZED,
        "each demo run issues a new secret"
    );
    // The agent block: an OpenAI-compatible endpoint that answers with the printed key.
    let completions = b["agent"]["chat_completions_url"]
        .as_str()
        .expect("agent url");
    assert_eq!(
        b["agent"]["base_url"]
            .as_str()
            .map(|u| format!("{u}/chat/completions")),
        Some(completions.to_string())
    );
    let answer: serde_json::Value = client
        .post(completions)
        .bearer_auth(b["agent"]["key"].as_str().expect("agent key"))
        .json(&serde_json::json!({"messages": [{"role": "user", "content": "What are your opening hours?"}]}))
        .send()
        .await
        .expect("completion")
        .json()
        .await
        .expect("json");
    assert!(
        answer["choices"][0]["message"]["content"]
            .as_str()
            .is_some_and(|t| t.contains("Opening hours")),
        "{answer}"
    );
    // The nightly retention job can be run by hand; it reports per restaurant and category.
    let retention = run({
        let mut c = cmd(data.path(), port);
        c.args(["jobs", "retention"]);
        c
    })
    .await;
    assert!(
        retention.status.success(),
        "{}",
        String::from_utf8_lossy(&retention.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&retention.stdout).expect("json");
    let categories: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["category"].as_str())
        .collect();
    assert!(
        [
            "voice_calls_anonymised",
            "voice_events_deleted",
            "idempotency_records_deleted"
        ]
        .iter()
        .all(|c| categories.contains(c)),
        "{rows}"
    );

    // A dashboard keeps its event stream open; shutting down must not wait for it.
    let nojar = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = nojar
        .post(format!("http://127.0.0.1:{port}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=manager%40trattoria-demo.example&password=Basilikum-Manager-Demo-2026")
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let events = nojar
        .get(format!("http://127.0.0.1:{port}/events"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), StatusCode::OK);
    let started = Instant::now();
    let status = stop(child).await;
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "an open event stream does not hold up shutdown"
    );
    drop(events);
    assert!(
        !postmaster_running(data.path()),
        "the cluster stopped with the server"
    );

    // A second start reuses cluster, data and key.
    let mut child = cmd(data.path(), port)
        .arg("serve")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_healthy(port, &mut child).await;
    assert_eq!(
        std::fs::read_to_string(data.path().join("master.key")).expect("key"),
        key
    );
    let list = run({
        let mut c = cmd(data.path(), port);
        c.args(["admin", "list-restaurants", "--json"]);
        c
    })
    .await;
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert!(stop(child).await.success());
}

#[tokio::test]
async fn admin_commands_create_restaurant_user_member_and_token() {
    let data = data_dir();
    let port = free_port();
    let out = run({
        let mut c = cmd(data.path(), port);
        c.args(["admin", "create-restaurant", "--name", "Gasthaus Krone"]);
        c
    })
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut c = cmd(data.path(), port);
    c.args([
        "admin",
        "create-user",
        "--email",
        "wirt@krone.example",
        "--name",
        "Wirt",
        "--password-stdin",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Wacholder-Brunnen-Abend-77\n")
        .expect("write");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run({
        let mut c = cmd(data.path(), port);
        c.args([
            "admin",
            "add-member",
            "--email",
            "wirt@krone.example",
            "--restaurant",
            &rid,
            "--role",
            "owner",
        ]);
        c
    })
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run({
        let mut c = cmd(data.path(), port);
        c.args([
            "admin",
            "create-api-token",
            "--restaurant",
            &rid,
            "--role",
            "chef",
            "--name",
            "x",
        ]);
        c
    })
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
    let out = run({
        let mut c = cmd(data.path(), port);
        c.args([
            "admin",
            "create-user",
            "--email",
            "gast@krone.example",
            "--name",
            "Gast",
            "--password-stdin",
        ]);
        c
    })
    .await;
    assert!(!out.status.success(), "an empty password is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("password"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn missing_postgres_binaries_and_bad_config_give_one_clear_error() {
    let data = data_dir();
    let out = run({
        let mut c = cmd(data.path(), free_port());
        c.env("HOSTSYSTEM_PG_BIN_DIR", "/nonexistent")
            .arg("migrate");
        c
    })
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("apt-get install postgresql"), "{err}");
    let out = run({
        let mut c = cmd(data.path(), free_port());
        c.env("HOSTSYSTEM_BIND", "nowhere").arg("migrate");
        c
    })
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bind"));
}

#[tokio::test]
async fn with_database_url_it_uses_that_server_and_migrates_as_the_owner_url() {
    let db = hs_testkit::fresh_db().await.expect("db");
    let socket = db.socket_dir().display().to_string();
    let url = |role: &str| format!("postgres://{role}@localhost:5432/{}?host={socket}", db.name);
    let data = data_dir();
    let out = run({
        let mut c = cmd(data.path(), free_port());
        c.env("DATABASE_URL", url("hostsystem_app"))
            .env("DATABASE_OWNER_URL", url("hostsystem_owner"))
            .args(["admin", "create-restaurant", "--name", "Extern"]);
        c
    })
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !data.path().join("postgres").exists(),
        "no embedded cluster with DATABASE_URL"
    );
    let store = hs_store::Store::new(
        db.app_pool().await.expect("pool"),
        hs_domain::Clock::system(),
        hs_store::MasterKey::generate(),
    );
    let names: Vec<String> = store
        .all_restaurants()
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["Extern".to_string()]);
    // A wrong URL is one clear error, not a hang.
    let out = run({
        let mut c = cmd(data.path(), free_port());
        c.env("DATABASE_URL", "not a url").arg("migrate");
        c
    })
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

/// Starts `serve` (with `args`), waits for health, stops it and returns what it printed.
async fn serve_output(data: &Path, args: &[&str]) -> String {
    let port = free_port();
    let mut child = cmd(data, port)
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_healthy(port, &mut child).await;
    let mut out = child.stdout.take().expect("stdout");
    assert!(stop(child).await.success());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut out, &mut text).expect("read stdout");
    text
}

#[tokio::test]
async fn serve_prints_secrets_only_as_demo_credentials_and_closes_its_data_dir() {
    let data = data_dir();
    let plain = serve_output(data.path(), &[]).await;
    for secret in ["password", "hs_", "hsv_", "key_demo"] {
        assert!(
            !plain.contains(secret),
            "{secret} printed without --demo: {plain}"
        );
    }
    let demo = serve_output(data.path(), &["--demo"]).await;
    assert_eq!(demo.matches("Demo credentials").count(), 1, "{demo}");
    assert!(demo.contains("password: "), "{demo}");
    // Only the owner (and, as root, PostgreSQL's group to pass through) enters the data dir.
    let mode = std::fs::metadata(data.path())
        .expect("data dir")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode & 0o067, 0, "data dir mode {mode:o}");
}

#[tokio::test]
async fn chat_simulate_replays_a_dialogue_against_the_demo_and_prints_the_booking() {
    let data = data_dir();
    let script = data.path().join("script.json");
    std::fs::write(
        &script,
        r#"[{"name": "booking", "messages": ["Hallo, habt ihr übermorgen um 19 Uhr einen Tisch für 2?", "Greta Test", "0761 1234567", "ja"]}, ["Wann habt ihr offen?"]]"#,
    )
    .expect("script");
    let mut c = cmd(&data.path().join("data"), free_port());
    c.args(["chat", "simulate", "--json", "--script"])
        .arg(&script);
    let out = run(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["outcome"], "booked", "{v:#}");
    assert_eq!(v[0]["reservations"][0]["party_size"], 2);
    assert_eq!(v[0]["reservations"][0]["time"], "19:00");
    assert_eq!(v[1]["outcome"], "informed");
    assert!(
        !postmaster_running(&data.path().join("data")),
        "the embedded cluster is stopped again"
    );

    // The operator's privacy commands on the guest the dialogue made.
    let privacy = |args: Vec<String>| {
        let mut c = cmd(&data.path().join("data"), free_port());
        c.arg("privacy").args(args);
        c
    };
    let mut demo = cmd(&data.path().join("data"), free_port());
    demo.args(["demo", "--json"]);
    let demo: serde_json::Value =
        serde_json::from_slice(&run(demo).await.stdout).expect("demo json");
    let rid = demo["restaurant_id"].as_str().expect("rid").to_string();
    let who = |cmd: &str| {
        vec![
            cmd.to_string(),
            "--restaurant".into(),
            rid.clone(),
            "--phone".into(),
            "0761 1234567".into(),
        ]
    };
    let found = run(privacy(who("find"))).await;
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&found.stdout).expect("json");
    assert_eq!(found["person"]["names"][0], "Greta Test", "{found:#}");
    let zip = data.path().join("greta.zip");
    let mut args = who("export");
    args.extend(["--out".into(), zip.display().to_string()]);
    let out = run(privacy(args)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&zip).expect("zip written");
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    let mut args = who("delete");
    args.extend(["--confirm".into(), "Greta Tes".into()]);
    let wrong = run(privacy(args)).await;
    assert!(!wrong.status.success(), "a wrong name deletes nothing");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("confirm"));
    let mut args = who("delete");
    args.extend(["--confirm".into(), "greta test".into()]);
    let deleted = run(privacy(args)).await;
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    let deleted: serde_json::Value = serde_json::from_slice(&deleted.stdout).expect("json");
    assert_eq!(deleted["cancelled_reservations"], 1, "{deleted:#}");
    let again = run(privacy(who("find"))).await;
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(
        again["person"]["guests"],
        serde_json::json!([]),
        "{again:#}"
    );
    assert_eq!(
        again["counts"],
        serde_json::json!([]),
        "nothing left: {again:#}"
    );

    // The operator's tenant commands: all of the restaurant's data, and the end of its contract.
    let tenant = |args: &[&str]| {
        let mut c = cmd(&data.path().join("data"), free_port());
        c.arg("tenant").args(args);
        c
    };
    let all = data.path().join("all.zip");
    let out = run(tenant(&[
        "export",
        "--restaurant",
        &rid,
        "--out",
        &all.display().to_string(),
    ]))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(&std::fs::read(&all).expect("zip")[..4], b"PK\x03\x04");
    let bad = run(tenant(&["offboard", "--restaurant", &rid, "--on", "soon"])).await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--on"));
    let ended = run(tenant(&[
        "offboard",
        "--restaurant",
        &rid,
        "--on",
        "2099-01-01",
    ]))
    .await;
    assert!(
        ended.status.success(),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    let ended: serde_json::Value = serde_json::from_slice(&ended.stdout).expect("json");
    assert_eq!(
        ended["deletion_due_at"], "2099-01-31T00:00:00Z",
        "{ended:#}"
    );
}

#[tokio::test]
async fn a_guests_name_phone_and_email_appear_in_no_log_line_from_booking_to_deletion() {
    const NAME: &str = "Jürgen Hollerbach";
    let needles = [
        "Hollerbach",
        "hollerbach",
        "juergen.h",
        "5551234",
        "555 1234",
    ];
    let data = data_dir();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // Every process logs everything it would at debug level; stdout (what an operator asked a
    // command for) is kept apart from the logs on stderr.
    let logged = |c: &mut Command| {
        c.env("HOSTSYSTEM_LOG_LEVEL", "debug");
    };
    let mut logs = String::new();
    let mut demo = cmd(data.path(), port);
    logged(&mut demo);
    demo.args(["demo", "--json"]);
    let out = run(demo).await;
    assert!(out.status.success());
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    let demo: serde_json::Value = serde_json::from_slice(&out.stdout).expect("demo json");
    let rid = demo["restaurant_id"].as_str().expect("rid").to_string();
    let token = demo["api_token"].as_str().expect("token").to_string();
    let public_id = demo["widget"]["public_id"]
        .as_str()
        .expect("widget")
        .to_string();
    let booking_page = demo["widget"]["booking_page"].as_str().expect("page");
    let slug = booking_page.rsplit('/').next().expect("slug").to_string();

    let server_log = data.path().join("serve.log");
    let mut serve = cmd(data.path(), port);
    logged(&mut serve);
    serve
        .arg("serve")
        .stdout(std::fs::File::create(data.path().join("serve.out")).expect("out"))
        .stderr(std::fs::File::create(&server_log).expect("log"));
    let mut server = Killed::spawn(serve);
    wait_healthy(port, server.child()).await;

    // The guest books through the API (with notes and a special note), chats in the widget
    // and asks for their data through the privacy form.
    let client = reqwest::Client::new();
    let mut code = None;
    for ahead in 7..14 {
        let day = chrono::Utc::now().date_naive() + chrono::Duration::days(ahead);
        let r = client
            .post(format!("{base}/api/v1/reservations"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "date": day.to_string(), "time": "19:00", "party_size": 3,
                "notes": format!("Fensterplatz für {NAME}"), "special_notes": "Erdnussallergie",
                "guest": {"name": NAME, "phone": "0761 5551234",
                          "email": "juergen.hollerbach@example.org", "language": "de"}}))
            .send()
            .await
            .expect("book");
        if r.status() == StatusCode::CREATED {
            let v: serde_json::Value = r.json().await.expect("json");
            code = v["code"].as_str().map(str::to_string);
            break;
        }
    }
    let code = code.expect("booked on one of the next days");
    let session: serde_json::Value = client
        .post(format!("{base}/api/w/{public_id}/session"))
        .header("origin", &base)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let widget_token = session["token"].as_str().expect("widget token");
    for text in [
        "Hallo, ich möchte meine Reservierung ändern",
        &format!("{code}, {NAME}, 0761 5551234, juergen.hollerbach@example.org"),
    ] {
        let r = client
            .post(format!("{base}/api/w/{public_id}/messages"))
            .header("origin", &base)
            .header("x-widget-token", widget_token)
            .json(&serde_json::json!({ "text": text }))
            .send()
            .await
            .expect("chat");
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.expect("reply");
    }
    let r = client
        .post(format!("{base}/book/{slug}/privacy"))
        .form(&[
            ("kind", "access"),
            ("name", NAME),
            ("contact", "juergen.hollerbach@example.org"),
            (
                "details",
                "Was wissen Sie über Jürgen Hollerbach, 0761 5551234?",
            ),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);

    // The operator deletes the guest; the server's worker sends what that implies.
    let mut delete = cmd(data.path(), port);
    logged(&mut delete);
    delete.args([
        "privacy",
        "delete",
        "--restaurant",
        &rid,
        "--phone",
        "+49 761 5551234",
        "--confirm",
        NAME,
    ]);
    let out = run(delete).await;
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deleted: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(deleted["cancelled_reservations"], 1, "{deleted:#}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(stop(server.take()).await.success());
    logs.push_str(&std::fs::read_to_string(&server_log).expect("server log"));
    logs.push_str(&std::fs::read_to_string(data.path().join("serve.out")).expect("out"));

    // The logs did record the work (requests, the booking, jobs) …
    for seen in ["/api/v1/reservations", "/messages", "/privacy", "privacy"] {
        assert!(logs.contains(seen), "the logs cover {seen}");
    }
    // … and none of the guest's identifying values.
    let leaks: Vec<&str> = logs
        .lines()
        .filter(|l| needles.iter().any(|n| l.contains(n)))
        .collect();
    assert!(leaks.is_empty(), "personal data in the logs: {leaks:#?}");
}
