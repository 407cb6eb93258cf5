//! The durable job queue: the outbox (a rolled-back change queues nothing), retries with
//! backoff until `failed`, two workers never running one job, a worker killed mid-job, and a
//! nightly job run once by two server processes.

use crate::app::TestApp;
use crate::cli::{cmd, data_dir, free_port, Killed};
use chrono::Duration;
use hs_domain::Role;
use hs_store::Actor;
use std::process::Stdio;
use std::time::Instant;
use uuid::Uuid;

/// A restaurant with an owner, and an invite queued for `email` in a committed transaction.
async fn invite(app: &TestApp, r: Uuid, email: &str) -> Uuid {
    let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
    let inv = hs_service::team::invite(&mut tx, email, Role::Staff, None, "de")
        .await
        .expect("invite");
    tx.commit().await.expect("commit");
    inv.id
}

async fn job_states(app: &TestApp) -> Vec<(String, String, i32, Option<String>)> {
    let mut out = Vec::new();
    for state in ["queued", "running", "done", "failed"] {
        for j in app.store.jobs_in_state(state).await.expect("jobs") {
            out.push((j.kind, j.state, j.attempts, j.last_error));
        }
    }
    out
}

#[tokio::test]
async fn a_rolled_back_change_queues_nothing_and_a_committed_one_is_sent() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    {
        let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
        hs_service::team::invite(&mut tx, "weg@example.de", Role::Staff, None, "de")
            .await
            .expect("invite");
        // Dropped without commit: the invite and its mail job roll back together.
    }
    assert_eq!(app.run_pending_jobs().await, 0);
    assert!(app.mails().await.is_empty());
    assert!(job_states(&app).await.is_empty());
    invite(&app, r, "da@example.de").await;
    assert_eq!(app.run_pending_jobs().await, 1);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: da@example.de"));
}

#[tokio::test]
async fn a_job_failing_five_times_ends_failed_with_its_last_error_and_can_be_retried() {
    let mut app = TestApp::builder().mail_fails().start().await;
    app.expect_job_failures(5);
    let r = app.with_restaurant("Trattoria Test").await;
    invite(&app, r, "anna@example.de").await;
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        assert_eq!(app.run_pending_jobs().await, 1, "attempt {attempt} runs");
        assert_eq!(
            app.run_pending_jobs().await,
            0,
            "not again before its backoff"
        );
        let queued = app.store.jobs_in_state("queued").await.expect("jobs");
        if let Some(j) = queued.first() {
            let wait = j.run_at - app.clock.now();
            waits.push(wait.num_seconds());
            app.advance(wait + Duration::milliseconds(1));
        }
    }
    // 10 s doubling, each with up to a quarter of jitter.
    assert_eq!(waits.len(), 4, "{waits:?}");
    for (w, base) in waits.iter().zip([10, 20, 40, 80]) {
        assert!((base..=base * 5 / 4).contains(w), "{waits:?}");
    }
    let failed = app.store.jobs_in_state("failed").await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 5);
    assert!(failed[0]
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("mail provider unreachable")));
    assert_eq!(app.run_pending_jobs().await, 0, "failed for good");
    assert_eq!(app.worker.failures().len(), 5);
    // The platform admin queues it again.
    app.store.retry_job(failed[0].id).await.expect("retry");
    assert_eq!(
        app.store
            .jobs_in_state("queued")
            .await
            .expect("queued")
            .len(),
        1
    );
    app.expect_job_failures(6);
    assert_eq!(app.run_pending_jobs().await, 1);
}

#[tokio::test]
async fn two_workers_never_run_the_same_job() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    for i in 0..30 {
        invite(&app, r, &format!("gast{i}@example.de")).await;
    }
    let other = app.worker.clone();
    let (a, b) = tokio::join!(app.worker.run_pending(), other.run_pending());
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a + b, 30, "{a} + {b}");
    let states = job_states(&app).await;
    assert!(
        states
            .iter()
            .all(|(_, s, attempts, _)| s == "done" && *attempts == 1),
        "{states:?}"
    );
    let mails = app.mails().await;
    assert_eq!(mails.len(), 30);
    for i in 0..30 {
        let to = format!("To: gast{i}@example.de\r\n");
        assert_eq!(mails.iter().filter(|m| m.contains(&to)).count(), 1, "{to}");
    }
}

/// `hostsystem <args>` against the test's database, as a child process.
fn hostsystem_on(app: &TestApp, data: &std::path::Path, args: &[&str]) -> std::process::Command {
    let socket = app.db.socket_dir().display().to_string();
    let url = |role: &str| {
        format!(
            "postgres://{role}@localhost:5432/{}?host={socket}",
            app.db.name
        )
    };
    let mut c = cmd(data, free_port());
    c.env("DATABASE_URL", url("hostsystem_app"))
        .env("DATABASE_OWNER_URL", url("hostsystem_owner"))
        .env("HOSTSYSTEM_JOB_LEASE_SECS", "1")
        // The test's clock, not the wall clock: an invite made at the test's time must not
        // have expired in the child's eyes.
        .env(
            "HOSTSYSTEM_CLOCK_START",
            app.store.clock().now().to_rfc3339(),
        )
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn wait_for(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while !ok().await {
        assert!(Instant::now() < deadline, "{what} within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_mid_run_is_retried_and_completes_once() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    let id = invite(&app, r, "anna@example.de").await;
    // Hold the invite's row so the job blocks in the middle of its transaction.
    let pool = app.db.app_pool().await.expect("pool");
    let mut blocker = pool.begin().await.expect("tx");
    sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
        .bind(r.to_string())
        .execute(&mut *blocker)
        .await
        .expect("tenant");
    sqlx::query("SELECT 1 FROM invites WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *blocker)
        .await
        .expect("lock the invite");
    let data = data_dir();
    let mut first = Killed::spawn(hostsystem_on(&app, data.path(), &["worker"]));
    wait_for("the first worker to claim the job", async || {
        !app.store
            .jobs_in_state("running")
            .await
            .expect("jobs")
            .is_empty()
    })
    .await;
    first.child().kill().expect("kill -9");
    first.child().wait().expect("reap");
    drop(blocker);
    let second = Killed::spawn(hostsystem_on(&app, data.path(), &["worker"]));
    // (The digest planner a worker enqueues at start is not the job under test.)
    let ours = |jobs: Vec<hs_store::queue::JobInfo>| -> Vec<hs_store::queue::JobInfo> {
        jobs.into_iter()
            .filter(|j| j.kind != "plan_digests")
            .collect()
    };
    wait_for("the second worker to finish the job", async || {
        !ours(app.store.jobs_in_state("done").await.expect("jobs")).is_empty()
    })
    .await;
    drop(second);
    let done = ours(app.store.jobs_in_state("done").await.expect("done"));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].attempts, 2, "claimed again after the lease ran out");
    let mails: Vec<_> = std::fs::read_dir(data.path().join("mail"))
        .expect("mail dir")
        .flatten()
        .collect();
    assert_eq!(mails.len(), 1, "sent once");
}

#[tokio::test]
async fn a_nightly_job_runs_once_with_two_server_processes() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Trattoria Test").await;
    let data = data_dir();
    // Both processes start a second before 03:00 UTC and schedule that night's run.
    let start = |dir: &std::path::Path| {
        let mut c = hostsystem_on(&app, dir, &["worker"]);
        c.env("HOSTSYSTEM_CLOCK_START", "2026-11-25T02:59:59Z");
        Killed::spawn(c)
    };
    let other = data_dir();
    let a = start(data.path());
    let b = start(other.path());
    let nightly = |jobs: Vec<hs_store::queue::JobInfo>| -> Vec<hs_store::queue::JobInfo> {
        jobs.into_iter().filter(|j| j.kind == "retention").collect()
    };
    wait_for("the night's run", async || {
        !nightly(app.store.jobs_in_state("done").await.expect("jobs")).is_empty()
    })
    .await;
    // Give the other process time to run it too, were it able to.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    drop((a, b));
    let done = nightly(app.store.jobs_in_state("done").await.expect("done"));
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].kind, "retention");
    let mut tx = app.store.tenant(r, &Actor::Cli).await.expect("tx");
    assert_eq!(
        tx.deletion_protocol(10).await.expect("protocol").len(),
        hs_store::privacy::SHREDDERS.len(),
        "one run: one protocol row per category"
    );
}
