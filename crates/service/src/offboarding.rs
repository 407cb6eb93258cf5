//! Offboarding as a nightly platform job (DPA § 11.2–11.3): for every restaurant whose
//! contract has ended, its owners get the notice with an export of all its data and the
//! deletion date, reminders 7 days and 1 day before, and on the date the deletion runs
//! (`hs_store::privacy::offboarding`) and the owners get the confirmation in text form. Each
//! mail is sent once (noted on the restaurant) with a stable id, so a retried run sends no
//! second copy.

use crate::jobs::{Daily, Job, JobContext};
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use hs_channels::mail::SendError;
use hs_store::privacy::offboarding::Offboarding;
use hs_store::{Actor, TenantTx};
use serde::{Deserialize, Serialize};

/// When the nightly offboarding run happens (UTC), after the retention run.
pub const OFFBOARDING_AT: NaiveTime = match NaiveTime::from_hms_opt(3, 30, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Backups roll over within this many days (the confirmation names the date).
pub const BACKUP_ROLLOVER_DAYS: i64 = 7;

/// One night's offboarding run; the night is its dedup key.
#[derive(Serialize, Deserialize)]
pub struct OffboardingRun {
    pub night: NaiveDate,
}

impl Job for OffboardingRun {
    const KIND: &'static str = "offboarding";

    fn dedup_key(&self) -> Option<String> {
        Some(self.night.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        for o in ctx.store.offboardings(ctx.store.clock().now()).await? {
            offboard(ctx, &o).await?;
        }
        Ok(())
    }
}

/// The next step for one restaurant, if any is due.
pub async fn offboard(ctx: &JobContext, o: &Offboarding) -> Result<()> {
    let store = &ctx.store;
    let now = store.clock().now();
    let sent = |n: &str| o.offboarding_notices.iter().any(|x| x == n);
    let date = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let privacy = format!("{}/privacy", ctx.public_url);
    let mut facts = vec![
        ("r", o.name.clone()),
        ("date", date(o.deletion_due_at)),
        ("privacy", privacy),
    ];
    if now >= o.deletion_due_at {
        if sent("done") {
            return Ok(());
        }
        // Whom to tell is read before the memberships go.
        let owners = store.owners(o.id).await?;
        let purged = store.purge_restaurant(o.id).await?;
        tracing::info!(restaurant = %o.id, rows = purged.rows(), files = purged.files, "restaurant deleted");
        facts.push(("rows", purged.rows().to_string()));
        facts.push(("files", purged.files.to_string()));
        facts.push(("backups", date(now + Duration::days(BACKUP_ROLLOVER_DAYS))));
        facts[1] = ("date", date(now));
        tell(ctx, o, &owners, "done", &facts).await?;
        return store
            .offboarding_notice_sent(o.id, "done")
            .await
            .map_err(Into::into);
    }
    if !sent("notice") {
        // All the restaurant's data, its link working until the deletion.
        let token = hs_store::secret::random_token();
        let mut tx = store.tenant(o.id, &Actor::System).await?;
        let id = tx
            .request_restaurant_export(&token, Some(o.deletion_due_at))
            .await?;
        tx.commit().await?;
        facts.push((
            "link",
            format!("{}/privacy/exports/{id}/{token}", ctx.public_url),
        ));
        let owners = store.owners(o.id).await?;
        tell(ctx, o, &owners, "notice", &facts).await?;
        return store
            .offboarding_notice_sent(o.id, "notice")
            .await
            .map_err(Into::into);
    }
    for (days, notice) in [(1, "reminder_1"), (7, "reminder_7")] {
        if now >= o.deletion_due_at - Duration::days(days) {
            if !sent(notice) {
                let owners = store.owners(o.id).await?;
                tell(ctx, o, &owners, notice, &facts).await?;
                store.offboarding_notice_sent(o.id, notice).await?;
                // The earlier reminder is not sent late once the later one went.
                if days == 1 {
                    store.offboarding_notice_sent(o.id, "reminder_7").await?;
                }
            }
            return Ok(());
        }
    }
    Ok(())
}

async fn tell(
    ctx: &JobContext,
    o: &Offboarding,
    owners: &[(String, String, String)],
    what: &str,
    facts: &[(&str, String)],
) -> Result<()> {
    for (email, name, lang) in owners {
        let mut mail = crate::messages::offboarding(lang, email, name, what, facts);
        mail.id = crate::digest::stable_id(&format!("offboarding:{}:{what}:{email}", o.id));
        match ctx.mailer.send(&mail).await {
            Ok(_) => {}
            Err(SendError::Permanent { reason }) => {
                tracing::warn!(restaurant = %o.id, %reason, "offboarding mail refused by the mail provider");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The nightly run as a recurring job.
pub fn nightly() -> Daily {
    Daily {
        at: OFFBOARDING_AT,
        make: |night| OffboardingRun { night }.to_new_job(night.and_time(OFFBOARDING_AT).and_utc()),
        catch_up: false,
    }
}
