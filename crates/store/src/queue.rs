//! The job queue's SQL (the `jobs` platform table, migration 0008): enqueue inside the
//! transaction that causes a job (the outbox), claim under a lease with `FOR UPDATE SKIP
//! LOCKED`, finish inside the job's own transaction, retry with backoff, fail for good. The
//! typed jobs and the worker that runs them live in the service crate.

use crate::error::StoreError;
use crate::tenant::{Store, TenantTx};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: &'static str,
    /// Ids and settings only, never personal data.
    pub payload: serde_json::Value,
    /// At most one job of this kind with this key, ever (until cleaned up).
    pub dedup_key: Option<String>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

/// A job a worker claimed.
#[derive(Clone, Debug, FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub restaurant_id: Option<Uuid>,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// A job as the platform admin sees it.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct JobInfo {
    pub id: Uuid,
    pub kind: String,
    pub restaurant_id: Option<Uuid>,
    pub state: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Longest error text kept with a job.
const ERROR_MAX: usize = 2000;

async fn insert(
    conn: &mut PgConnection,
    restaurant_id: Option<Uuid>,
    job: &NewJob,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO jobs (id, kind, restaurant_id, payload, dedup_key, run_at, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (kind, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(job.kind)
    .bind(restaurant_id)
    .bind(&job.payload)
    .bind(&job.dedup_key)
    .bind(job.run_at)
    .bind(job.max_attempts.max(1))
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(id)
}

impl TenantTx {
    /// Enqueues a job of this restaurant in this transaction: it runs only if the
    /// transaction commits. `None` when the dedup key was taken.
    pub async fn enqueue(&mut self, job: &NewJob) -> Result<Option<Uuid>, StoreError> {
        let (rid, now) = (self.restaurant_id(), self.now());
        insert(self.conn(), Some(rid), job, now).await
    }

    /// Marks the claimed job done in this (the job's own) transaction.
    pub async fn finish_job(&mut self, id: Uuid) -> Result<(), StoreError> {
        let now = self.now();
        finish(self.conn(), id, now).await
    }
}

async fn finish(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $2, locked_until = NULL, last_error = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The wait before attempt `attempt + 1`: 10 s doubling per attempt, at most an hour, with up
/// to a quarter more at random so that retries of many jobs spread out.
pub fn backoff(attempt: i32, jitter: f64) -> Duration {
    let base = 10_i64 << attempt.clamp(1, 12).saturating_sub(1);
    let secs = base.min(3600) as f64 * (1.0 + 0.25 * jitter.clamp(0.0, 1.0));
    Duration::milliseconds((secs * 1000.0) as i64)
}

impl Store {
    /// Enqueues a platform job (no restaurant): password-reset mails, nightly runs.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.platform(&crate::Actor::System).await?;
        let id = insert(&mut tx, None, job, self.clock.now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims the next due job for `lease`: a queued job whose time has come, or a running
    /// one whose worker's lease ran out (it died). `None` when nothing is due.
    pub async fn claim_job(
        &self,
        lease: std::time::Duration,
    ) -> Result<Option<Claimed>, StoreError> {
        let now = self.clock.now();
        let lease = Duration::from_std(lease).unwrap_or(Duration::seconds(60));
        let claimed = sqlx::query_as(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2 \
             WHERE id = (SELECT id FROM jobs \
                         WHERE (state = 'queued' AND run_at <= $1) \
                            OR (state = 'running' AND locked_until < $1) \
                         ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, restaurant_id, payload, attempts, max_attempts",
        )
        .bind(now)
        .bind(now + lease)
        .fetch_optional(&self.pool()?)
        .await?;
        Ok(claimed)
    }

    /// Extends a running job's lease (the worker is alive).
    pub async fn renew_lease(
        &self,
        id: Uuid,
        lease: std::time::Duration,
    ) -> Result<(), StoreError> {
        let until = self.clock.now() + Duration::from_std(lease).unwrap_or(Duration::seconds(60));
        sqlx::query("UPDATE jobs SET locked_until = $2 WHERE id = $1 AND state = 'running'")
            .bind(id)
            .bind(until)
            .execute(&self.pool()?)
            .await?;
        Ok(())
    }

    /// Marks a claimed platform job done.
    pub async fn finish_platform_job(&self, id: Uuid) -> Result<(), StoreError> {
        let mut conn = self.pool()?.acquire().await?;
        finish(&mut conn, id, self.clock.now()).await
    }

    /// Records a failed attempt: queued again after [`backoff`], or `failed` for good after its
    /// last attempt. Returns whether it failed for good.
    pub async fn fail_job(
        &self,
        job: &Claimed,
        error: &str,
        jitter: f64,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let error: String = error.chars().take(ERROR_MAX).collect();
        let last = job.attempts >= job.max_attempts;
        sqlx::query(
            "UPDATE jobs SET state = $2, run_at = $3, last_error = $4, locked_until = NULL, \
             finished_at = CASE WHEN $2 = 'failed' THEN $5 END WHERE id = $1",
        )
        .bind(job.id)
        .bind(if last { "failed" } else { "queued" })
        .bind(now + backoff(job.attempts, jitter))
        .bind(&error)
        .bind(now)
        .execute(&self.pool()?)
        .await?;
        Ok(last)
    }

    /// Jobs in one state (`queued`, `running`, `done`, `failed`), newest first, at most 500.
    pub async fn jobs_in_state(&self, state: &str) -> Result<Vec<JobInfo>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, restaurant_id, state, run_at, attempts, max_attempts, last_error, created_at, finished_at \
             FROM jobs WHERE state = $1 ORDER BY created_at DESC LIMIT 500",
        )
        .bind(state)
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// Queues a failed job again now, with its attempts counted from zero.
    pub async fn retry_job(&self, id: Uuid) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, finished_at = NULL \
             WHERE id = $1 AND state = 'failed'",
        )
        .bind(id)
        .bind(self.clock.now())
        .execute(&self.pool()?)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes finished jobs older than `keep` (done ones; failed ones stay until retried or
    /// looked at for `keep` too). Returns how many.
    pub async fn delete_old_jobs(&self, keep: Duration) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1")
                .bind(self.clock.now() - keep)
                .execute(&self.pool()?)
                .await?;
        Ok(done.rows_affected())
    }

    /// A listener woken when a job is enqueued (at commit).
    pub async fn job_listener(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.pool()?).await?;
        l.eager_reconnect(false);
        l.listen("hs_jobs").await?;
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use chrono::Duration;

    #[test]
    fn backoff_doubles_from_ten_seconds_to_an_hour_with_a_quarter_of_jitter() {
        assert_eq!(backoff(1, 0.0), Duration::seconds(10));
        assert_eq!(backoff(2, 0.0), Duration::seconds(20));
        assert_eq!(backoff(4, 0.0), Duration::seconds(80));
        assert_eq!(backoff(20, 0.0), Duration::seconds(3600));
        assert_eq!(backoff(1, 1.0), Duration::milliseconds(12_500));
        assert_eq!(backoff(20, 1.0), Duration::seconds(4500));
    }
}
