//! The job scheduler of a running server: the nightly retention run (voice-call
//! anonymisation, webhook-log and idempotency-record deletion) at 03:00 UTC.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use hs_store::Store;

/// When the nightly jobs run (UTC).
pub const NIGHTLY_AT: NaiveTime = match NaiveTime::from_hms_opt(3, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The next run after `now`.
pub fn next_run(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.date_naive().and_time(NIGHTLY_AT).and_utc();
    if today > now {
        today
    } else {
        today + Duration::days(1)
    }
}

/// Runs the nightly jobs until the task is dropped. With several servers on one database the
/// first to claim a night's run (`job_runs`) does it; the others skip that night.
pub async fn nightly(store: Store) {
    loop {
        let now = store.clock().now();
        let wait = (next_run(now) - now)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60));
        tokio::time::sleep(wait).await;
        let at = store.clock().now();
        if let Err(e) = retention_once(&store, at).await {
            tracing::error!(error = %e, "nightly retention run failed");
        }
    }
}

/// The retention run for the night of `at`, unless another process claimed it.
pub async fn retention_once(
    store: &Store,
    at: DateTime<Utc>,
) -> Result<bool, hs_store::StoreError> {
    let night = at.date_naive();
    if !store.claim_job("retention", night).await? {
        tracing::info!("nightly retention already claimed by another process");
        return Ok(false);
    }
    let done = store.run_retention(at).await?;
    store.finish_job("retention", night).await?;
    let rows: u64 = done.iter().map(|d| d.rows).sum();
    tracing::info!(restaurants = done.len() / 3, rows, "nightly retention run");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_coming_three_o_clock() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("t")
                .with_timezone(&Utc)
        };
        assert_eq!(
            next_run(at("2026-11-24T12:00:00Z")),
            at("2026-11-25T03:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-11-24T02:59:00Z")),
            at("2026-11-24T03:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-11-24T03:00:00Z")),
            at("2026-11-25T03:00:00Z")
        );
    }
}
