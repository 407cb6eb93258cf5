//! Typed jobs over the durable queue (`hs_store::queue`): a [`Job`] has a kind, a dedup rule
//! and `run`; a [`Worker`] claims due jobs, runs each in its restaurant's transaction (or none,
//! for platform jobs), and retries failures with backoff until the job's last attempt; the
//! [`Scheduler`] enqueues recurring jobs (the nightly retention run) once per occurrence
//! however many processes run it. Jobs run at least once: a job whose worker dies is claimed
//! again when its lease runs out, and one whose side effect happened before a crash may do
//! it again, so `run` must be safe to repeat.

use anyhow::{anyhow, Context, Result};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use hs_channels::mail::Mailer;
use hs_store::queue::{Claimed, NewJob};
use hs_store::{Actor, Store, TenantTx};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use uuid::Uuid;

/// What every job can reach.
#[derive(Clone)]
pub struct JobContext {
    pub store: Store,
    pub mailer: Arc<dyn Mailer>,
    /// Meta's Cloud API (or a test server speaking it), for restaurants with a WhatsApp route.
    pub whatsapp: hs_channels::whatsapp::CloudApi,
    /// HighLevel's API (or a test server speaking it), for restaurants on that route.
    pub highlevel: hs_channels::gohighlevel::HighLevel,
    /// Resend's API address, for restaurants that send through their own Resend account.
    pub resend_url: String,
    /// The platform's sender, when a restaurant's own transport has no From address.
    pub mail_from: String,
    /// The address people use, for links in mails (no trailing slash).
    pub public_url: String,
    /// The chat agent, which answers guests' WhatsApp messages.
    pub chat: Option<Arc<dyn ChatEngine>>,
}

/// The chat agent as jobs reach it. The agent crate sits beside this one, so the binary plugs
/// it in ([`JobContext::chat`]); without it, guests' messages are stored and not answered.
pub trait ChatEngine: Send + Sync {
    /// Answers one message of `sender` on `channel` in the restaurant's transaction `tx`
    /// (which the caller commits): the reply's text and language.
    fn reply<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        channel: &'a str,
        sender: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(String, String), hs_store::StoreError>>;
}

/// A kind of job. Its value is the payload: ids and settings, never personal data.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind stored with the job; never change it once jobs of it may be queued.
    const KIND: &'static str;
    /// Attempts before the job ends `failed`.
    const MAX_ATTEMPTS: i32 = 5;

    /// Jobs with the same kind and key are enqueued once.
    fn dedup_key(&self) -> Option<String> {
        None
    }

    /// Does the work: in the restaurant's transaction for jobs enqueued by a restaurant
    /// (`Some`), which commits together with the job's completion; `None` for platform jobs.
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        tx: Option<&'a mut TenantTx>,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// The row to enqueue, due at `run_at`.
    fn to_new_job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: self.dedup_key(),
            run_at,
            max_attempts: Self::MAX_ATTEMPTS,
        }
    }
}

/// Enqueues a restaurant's job in its transaction: it runs only if that transaction commits.
pub async fn enqueue<J: Job>(
    tx: &mut TenantTx,
    job: &J,
) -> Result<Option<Uuid>, hs_store::StoreError> {
    let now = tx.now();
    tx.enqueue(&job.to_new_job(now)).await
}

/// Enqueues a restaurant's job in its transaction, due at `run_at`.
pub async fn enqueue_at<J: Job>(
    tx: &mut TenantTx,
    job: &J,
    run_at: DateTime<Utc>,
) -> Result<Option<Uuid>, hs_store::StoreError> {
    tx.enqueue(&job.to_new_job(run_at)).await
}

/// Enqueues a platform job now.
pub async fn enqueue_platform<J: Job>(
    store: &Store,
    job: &J,
) -> Result<Option<Uuid>, hs_store::StoreError> {
    store.enqueue(&job.to_new_job(store.clock().now())).await
}

type Runner =
    for<'a> fn(&'a JobContext, &'a Claimed, Option<&'a mut TenantTx>) -> BoxFuture<'a, Result<()>>;

fn run_typed<'a, J: Job>(
    ctx: &'a JobContext,
    claimed: &'a Claimed,
    tx: Option<&'a mut TenantTx>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        let job: J = serde_json::from_value(claimed.payload.clone())
            .with_context(|| format!("the payload of a {} job", J::KIND))?;
        job.run(ctx, tx).await
    })
}

/// The kinds of job a worker can run.
#[derive(Clone, Default)]
pub struct Registry {
    runners: HashMap<&'static str, Runner>,
}

impl Registry {
    /// Adds a kind of job.
    pub fn register<J: Job>(mut self) -> Self {
        self.runners.insert(J::KIND, run_typed::<J> as Runner);
        self
    }
}

/// How a worker claims and holds jobs.
#[derive(Clone, Copy, Debug)]
pub struct WorkerOptions {
    /// How long a claimed job is the worker's before another may take it (renewed every third
    /// of it while the job runs).
    pub lease: std::time::Duration,
    /// How often an idle worker looks for due jobs when no notification wakes it.
    pub poll: std::time::Duration,
    /// How long a job may keep running after shutdown began before it is abandoned (to be
    /// retried by another worker once its lease runs out).
    pub grace: std::time::Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            lease: std::time::Duration::from_secs(60),
            poll: std::time::Duration::from_secs(1),
            grace: std::time::Duration::from_secs(10),
        }
    }
}

/// Claims and runs jobs.
#[derive(Clone)]
pub struct Worker {
    ctx: JobContext,
    registry: Registry,
    options: WorkerOptions,
    /// Every failed attempt seen by this worker (kind and error), for tests and logs.
    failures: Arc<Mutex<Vec<String>>>,
}

/// What became of one claimed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Failed this time; queued again after a backoff.
    Retrying,
    /// Failed its last attempt.
    Failed,
}

impl Worker {
    /// A worker for these kinds of job.
    pub fn new(ctx: JobContext, registry: Registry, options: WorkerOptions) -> Self {
        Worker {
            ctx,
            registry,
            options,
            failures: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The failed attempts this worker saw, as "kind: error".
    pub fn failures(&self) -> Vec<String> {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Runs due jobs until none is left; returns how many ran (tests, `jobs run`).
    pub async fn run_pending(&self) -> Result<usize> {
        let mut n = 0;
        while let Some(job) = self.ctx.store.claim_job(self.options.lease).await? {
            self.execute(job).await;
            n += 1;
        }
        Ok(n)
    }

    /// Runs jobs until `stop` turns true: due jobs one after another, then waits for a new
    /// job's notification or the poll interval. A job still running when shutdown begins gets
    /// [`WorkerOptions::grace`] to finish; otherwise it is abandoned (its transaction rolls
    /// back) and retried elsewhere once its lease runs out, so it is never lost and never done
    /// twice to completion.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!("job worker started");
        let mut listener = None;
        loop {
            if *stop.borrow() {
                break;
            }
            match self.ctx.store.claim_job(self.options.lease).await {
                Ok(Some(job)) => {
                    let kind = job.kind.clone();
                    let work = self.execute(job);
                    tokio::pin!(work);
                    tokio::select! {
                        _ = &mut work => continue,
                        _ = stop.wait_for(|s| *s) => {}
                    }
                    if tokio::time::timeout(self.options.grace, work)
                        .await
                        .is_err()
                    {
                        tracing::warn!(kind, "shutting down: job abandoned, to be retried");
                    }
                    break;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot claim jobs"),
            }
            if listener.is_none() {
                listener = self.ctx.store.job_listener().await.ok();
            }
            let wake = async {
                match listener.as_mut() {
                    Some(l) => matches!(l.try_recv().await, Ok(Some(_))),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                woke = wake => if !woke { listener = None },
                _ = tokio::time::sleep(self.options.poll) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        tracing::info!("job worker stopped");
    }

    /// Runs one claimed job, renewing its lease meanwhile, and records the outcome.
    pub async fn execute(&self, job: Claimed) -> Outcome {
        let store = &self.ctx.store;
        let renew = async {
            let every = self.options.lease / 3;
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = store.renew_lease(job.id, self.options.lease).await {
                    tracing::warn!(error = %e, "cannot renew a job's lease");
                }
            }
        };
        let result = tokio::select! {
            r = std::panic::AssertUnwindSafe(self.attempt(&job)).catch_unwind() => {
                r.unwrap_or_else(|p| Err(anyhow!("the job panicked: {}", panic_text(&p))))
            }
            _ = renew => unreachable!("the lease renewal never ends"),
        };
        match result {
            Ok(()) => {
                tracing::info!(kind = %job.kind, attempt = job.attempts, "job done");
                Outcome::Done
            }
            Err(e) => {
                let error = format!("{e:#}");
                self.failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{}: {error}", job.kind));
                let jitter: f64 = rand::random();
                match store.fail_job(&job, &error, jitter).await {
                    Ok(true) => {
                        tracing::error!(kind = %job.kind, attempts = job.attempts, %error, "job failed for good");
                        Outcome::Failed
                    }
                    Ok(false) => {
                        tracing::warn!(kind = %job.kind, attempt = job.attempts, %error, "job failed; will retry");
                        Outcome::Retrying
                    }
                    Err(db) => {
                        // Its lease runs out and it is claimed again.
                        tracing::error!(kind = %job.kind, error = %db, "cannot record a job's failure");
                        Outcome::Retrying
                    }
                }
            }
        }
    }

    async fn attempt(&self, job: &Claimed) -> Result<()> {
        let run = *self
            .registry
            .runners
            .get(job.kind.as_str())
            .ok_or_else(|| anyhow!("no worker knows jobs of kind {:?}", job.kind))?;
        let store = &self.ctx.store;
        match job.restaurant_id {
            Some(rid) => {
                let mut tx = store.tenant(rid, &Actor::System).await?;
                run(&self.ctx, job, Some(&mut tx)).await?;
                tx.finish_job(job.id).await?;
                tx.commit().await?;
            }
            None => {
                run(&self.ctx, job, None).await?;
                store.finish_platform_job(job.id).await?;
            }
        }
        Ok(())
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// A job that recurs every day at a time (UTC).
pub struct Daily {
    pub at: NaiveTime,
    /// The job for the occurrence that starts on this date (its dedup key names the date).
    pub make: fn(chrono::NaiveDate) -> NewJob,
    /// Also run today's occurrence at once when it has not run yet (a server started after
    /// the time must not wait a day: the digest planner).
    pub catch_up: bool,
}

/// The next occurrence of `at` after `now`.
pub fn next_daily(at: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.date_naive().and_time(at).and_utc();
    if today > now {
        today
    } else {
        today + Duration::days(1)
    }
}

/// Keeps each recurring job's next occurrence in the queue. Every process runs one; the dedup
/// key (kind and date) makes the first to enqueue an occurrence the only one, and whichever
/// worker claims it runs it once.
pub struct Scheduler {
    pub store: Store,
    pub daily: Vec<Daily>,
}

impl Scheduler {
    /// Enqueues the next occurrence of every recurring job (a no-op when already queued).
    pub async fn ensure_next(&self) -> Result<(), hs_store::StoreError> {
        let now = self.store.clock().now();
        for d in &self.daily {
            if d.catch_up {
                let mut job = (d.make)(now.date_naive());
                job.run_at = now;
                self.store.enqueue(&job).await?;
            }
            let next = next_daily(d.at, now);
            let mut job = (d.make)(next.date_naive());
            job.run_at = next;
            self.store.enqueue(&job).await?;
        }
        Ok(())
    }

    /// Keeps the next occurrences queued until `stop` turns true (looks every 10 minutes).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.ensure_next().await {
                tracing::warn!(error = %e, "cannot schedule recurring jobs");
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_daily_run_is_the_coming_occurrence() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("t")
                .with_timezone(&Utc)
        };
        let three = NaiveTime::from_hms_opt(3, 0, 0).expect("time");
        assert_eq!(
            next_daily(three, at("2026-11-24T12:00:00Z")),
            at("2026-11-25T03:00:00Z")
        );
        assert_eq!(
            next_daily(three, at("2026-11-24T02:59:00Z")),
            at("2026-11-24T03:00:00Z")
        );
        assert_eq!(
            next_daily(three, at("2026-11-24T03:00:00Z")),
            at("2026-11-25T03:00:00Z")
        );
    }
}
