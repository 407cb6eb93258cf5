//! The team's daily digest: at a local time each restaurant sets (default 09:00, the same wall
//! time across daylight-saving days), every member who asked for it gets one email with
//! today's reservations and covers per service, pending approvals, yesterday's no-shows and
//! the calls the phone agent handed over in the last 24 hours. A platform job plans each
//! restaurant's digests for today and tomorrow (daily, and at start); each digest is a job
//! of its restaurant that checks the setting again when it runs.

use crate::jobs::{Daily, Job, JobContext};
use crate::messages;
use anyhow::{anyhow, Result};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use hs_channels::mail::SendError;
use hs_domain::message::{digest_due, load_per_service};
use hs_domain::reservation::Status;
use hs_store::{Actor, TenantTx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// When the planner runs (UTC).
pub const PLAN_AT: NaiveTime = match NaiveTime::from_hms_opt(0, 5, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Plans the coming digests of every restaurant.
#[derive(Serialize, Deserialize)]
pub struct PlanDigests {
    pub day: NaiveDate,
}

impl Job for PlanDigests {
    const KIND: &'static str = "plan_digests";

    fn dedup_key(&self) -> Option<String> {
        Some(self.day.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let store = &ctx.store;
        let now = store.clock().now();
        for r in store.all_restaurants().await? {
            let mut tx = store.tenant(r.id, &Actor::System).await?;
            plan(&mut tx, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Enqueues the restaurant's digests of its today and tomorrow that are still to come.
async fn plan(tx: &mut TenantTx, now: DateTime<Utc>) -> Result<()> {
    let at = tx.message_settings().await?.digest_time;
    let tz = tx.rules().await?.tz;
    let today = now.with_timezone(&tz).date_naive();
    for date in [today, today + Duration::days(1)] {
        let due = digest_due(date, at, tz);
        if due > now {
            let job = Digest {
                restaurant_id: tx.restaurant_id(),
                date,
                due,
            };
            crate::jobs::enqueue_at(tx, &job, due).await?;
        }
    }
    Ok(())
}

/// The planner as a recurring job.
pub fn planner() -> Daily {
    Daily {
        at: PLAN_AT,
        make: |day| PlanDigests { day }.to_new_job(day.and_time(PLAN_AT).and_utc()),
        catch_up: true,
    }
}

/// One restaurant's digest of one day.
#[derive(Serialize, Deserialize)]
pub struct Digest {
    pub restaurant_id: Uuid,
    pub date: NaiveDate,
    /// When it was planned to go out (a changed setting plans it anew).
    pub due: DateTime<Utc>,
}

impl Job for Digest {
    const KIND: &'static str = "digest";

    fn dedup_key(&self) -> Option<String> {
        Some(format!(
            "{}:{}:{}",
            self.restaurant_id,
            self.date,
            self.due.timestamp()
        ))
    }

    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow!("a digest runs in its restaurant's transaction"))?;
        let now = tx.now();
        let at = tx.message_settings().await?.digest_time;
        let tz = tx.rules().await?.tz;
        let due = digest_due(self.date, at, tz);
        if due != self.due && due > now {
            // The time was changed since this was planned: go out at the new time instead.
            let job = Digest {
                restaurant_id: self.restaurant_id,
                date: self.date,
                due,
            };
            crate::jobs::enqueue_at(tx, &job, due).await?;
            return Ok(());
        }
        let recipients = tx.digest_recipients().await?;
        if recipients.is_empty() {
            return Ok(());
        }
        let facts = facts(tx, self.date, now).await?;
        let restaurant = tx.restaurant().await?.name;
        for (user, email, name, lang) in recipients {
            let mut mail =
                messages::digest(&lang, &email, &name, &restaurant, &facts, &ctx.public_url);
            // One id per member and day: a retried job sends nobody a second copy.
            mail.id = stable_id(&format!(
                "digest:{}:{}:{user}",
                self.restaurant_id, self.date
            ));
            mail.date = self.due;
            match ctx.mailer.send(&mail).await {
                Ok(_) => {}
                Err(SendError::Permanent { reason }) => {
                    tracing::warn!(%user, %reason, "digest refused by the mail provider");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// A UUID from the first 16 bytes of SHA-256 of `s`.
pub(crate) fn stable_id(s: &str) -> Uuid {
    use sha2::{Digest as _, Sha256};
    let d = Sha256::digest(s.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

async fn facts(
    tx: &mut TenantTx,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<messages::DigestFacts> {
    let rules = tx.rules().await?;
    let today = tx.reservations_on(date, false).await?;
    let rows: Vec<(NaiveTime, u32, Status)> = today
        .iter()
        .filter_map(|r| {
            let t = NaiveTime::parse_from_str(&r.time, "%H:%M").ok()?;
            Some((t, r.party_size.max(0) as u32, r.status))
        })
        .collect();
    let services = load_per_service(rules.periods_on(date), &rows);
    let yesterday = tx.reservations_on(date - Duration::days(1), false).await?;
    let no_shows_yesterday = yesterday
        .iter()
        .filter(|r| r.status == Status::NoShow)
        .map(|r| {
            let name = r.guest.as_ref().map(|g| g.name.clone()).unwrap_or_default();
            (r.time.clone(), name, r.party_size)
        })
        .collect();
    Ok(messages::DigestFacts {
        date,
        services,
        pending: tx.pending_from(now).await?,
        no_shows_yesterday,
        handovers: tx.voice_handovers_since(now - Duration::hours(24)).await?,
    })
}
