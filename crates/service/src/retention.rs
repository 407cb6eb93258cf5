//! The nightly retention run as a recurring platform job: voice calls older than each
//! restaurant's retention are anonymised, old webhook logs and idempotency records deleted
//! (each restaurant in its own transaction, with its deletion protocol), and finished jobs
//! older than 30 days removed from the queue.

use crate::jobs::{Daily, Job, JobContext};
use anyhow::Result;
use chrono::{Duration, NaiveDate, NaiveTime};
use hs_store::TenantTx;
use serde::{Deserialize, Serialize};

/// When the nightly run happens (UTC).
pub const NIGHTLY_AT: NaiveTime = match NaiveTime::from_hms_opt(3, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// How long finished jobs stay in the queue.
pub const JOBS_KEPT: Duration = Duration::days(30);

/// One night's retention run; the night is its dedup key, so it runs once.
#[derive(Serialize, Deserialize)]
pub struct RetentionRun {
    pub night: NaiveDate,
}

impl Job for RetentionRun {
    const KIND: &'static str = "retention";

    fn dedup_key(&self) -> Option<String> {
        Some(self.night.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let store = &ctx.store;
        let done = store.run_retention(store.clock().now()).await?;
        let rows: u64 = done.iter().map(|d| d.rows).sum();
        let jobs = store.delete_old_jobs(JOBS_KEPT).await?;
        tracing::info!(night = %self.night, rows, jobs, "nightly retention run");
        Ok(())
    }
}

/// Removes guests' files from the file store after their rows went (enqueued in the same
/// transaction, by the conversations' shredder).
impl Job for hs_store::files::DeleteFiles {
    const KIND: &'static str = hs_store::files::DeleteFiles::KIND;
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        for key in &self.keys {
            ctx.store.files().delete(key).await?;
        }
        Ok(())
    }
}

/// The nightly run as a recurring job.
pub fn nightly() -> Daily {
    Daily {
        at: NIGHTLY_AT,
        make: |night| RetentionRun { night }.to_new_job(night.and_time(NIGHTLY_AT).and_utc()),
        catch_up: false,
    }
}
