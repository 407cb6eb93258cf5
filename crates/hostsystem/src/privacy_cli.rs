//! `hostsystem privacy find|export|anonymise|delete`: the privacy toolkit for the operator's
//! scripts, acting with an owner's rights as `cli` (the protocol names it so). Output is JSON.

use crate::config::Config;
use crate::runtime::Runtime;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use hs_domain::Role;
use hs_service::privacy::{self, Erase, EraseRequest, Lookup};
use hs_service::reservations::Caller;
use hs_store::Actor;
use std::path::PathBuf;
use uuid::Uuid;

/// The privacy toolkit.
#[derive(Subcommand, Debug)]
pub enum Privacy {
    /// Find a person (by number, address or guest card) and count their rows per category.
    Find(Who),
    /// Write everything about a person to a ZIP (JSON, a CSV per category, a README).
    Export {
        #[command(flatten)]
        who: Who,
        /// The ZIP file to write.
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
    },
    /// Replace a person's identifying data with placeholders (counts, dates and party sizes stay).
    Anonymise(Erasure),
    /// Delete a person's rows.
    Delete(Erasure),
}

/// Whom a command is about.
#[derive(Args, Debug)]
pub struct Who {
    #[arg(long, value_name = "UUID")]
    pub restaurant: Uuid,
    /// A phone number in any format.
    #[arg(long, group = "person")]
    pub phone: Option<String>,
    #[arg(long, group = "person")]
    pub email: Option<String>,
    /// A guest card's id.
    #[arg(long, group = "person", value_name = "UUID")]
    pub guest: Option<Uuid>,
}

/// Arguments of anonymise and delete.
#[derive(Args, Debug)]
pub struct Erasure {
    #[command(flatten)]
    pub who: Who,
    /// The person's name as on their guest card (or, without one, the number or address).
    #[arg(long, value_name = "NAME")]
    pub confirm: String,
    /// Write their export to this file first.
    #[arg(long, value_name = "FILE.zip")]
    pub export_first: Option<PathBuf>,
}

impl Who {
    fn lookup(&self) -> Result<Lookup> {
        Ok(match (&self.phone, &self.email, self.guest) {
            (Some(p), None, None) => Lookup::Phone(p.clone()),
            (None, Some(e), None) => Lookup::Email(e.clone()),
            (None, None, Some(g)) => Lookup::Guest(g),
            _ => bail!("name the person with exactly one of --phone, --email or --guest"),
        })
    }

    fn caller(&self) -> Caller {
        Caller {
            restaurant_id: self.restaurant,
            actor: Actor::Cli,
            role: Role::Owner,
        }
    }
}

/// Runs a privacy command.
pub async fn run(cfg: &Config, p: Privacy) -> Result<()> {
    let rt = Runtime::open(cfg).await?;
    let r = act(&rt, cfg, p).await;
    rt.close().await;
    r
}

async fn act(rt: &Runtime, cfg: &Config, p: Privacy) -> Result<()> {
    let svc = hs_service::Services::new(rt.store.clone());
    match p {
        Privacy::Find(who) => {
            let found = privacy::person(&svc, &who.caller(), &who.lookup()?).await?;
            println!("{}", serde_json::to_string_pretty(&found)?);
        }
        Privacy::Export { who, out } => {
            let (zip, rows) = privacy::export_at_once(&svc, &who.caller(), &who.lookup()?).await?;
            std::fs::write(&out, &zip).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{}",
                serde_json::json!({"file": out, "rows": rows, "bytes": zip.len()})
            );
        }
        Privacy::Anonymise(e) => erase(rt, cfg, &svc, e, Erase::Anonymise).await?,
        Privacy::Delete(e) => erase(rt, cfg, &svc, e, Erase::Delete).await?,
    }
    Ok(())
}

async fn erase(
    rt: &Runtime,
    cfg: &Config,
    svc: &hs_service::Services,
    e: Erasure,
    erase: Erase,
) -> Result<()> {
    let caller = e.who.caller();
    let lookup = e.who.lookup()?;
    if let Some(out) = &e.export_first {
        let (zip, _) = privacy::export_at_once(svc, &caller, &lookup).await?;
        std::fs::write(out, &zip).with_context(|| format!("writing {}", out.display()))?;
    }
    let req = EraseRequest {
        lookup,
        erase,
        confirm: e.confirm.clone(),
        export_first: false,
    };
    let done = privacy::erase(svc, &caller, &req).await?;
    let mut protocol = serde_json::to_value(&done.done)?;
    if done.cancelled > 0 {
        // The cancellation notices go out now, then the erasure (the same jobs the server runs).
        let worker = crate::jobs::worker(&rt.store, cfg)?;
        worker.run_pending().await?;
        // The erasure is due a second after the notices.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        worker.run_pending().await?;
        let mut tx = rt.store.tenant(caller.restaurant_id, &Actor::Cli).await?;
        protocol = serde_json::to_value(tx.deletion_protocol(20).await?)?;
    }
    println!(
        "{}",
        serde_json::json!({"cancelled_reservations": done.cancelled, "protocol": protocol})
    );
    Ok(())
}

/// The operator's commands for a restaurant leaving the platform.
#[derive(Subcommand, Debug)]
pub enum Tenant {
    /// End a restaurant's contract (now, or at --on): its owners get all its data and the
    /// deletion date; 30 days later the nightly run deletes every row and file of it.
    Offboard {
        #[arg(long, value_name = "UUID")]
        restaurant: Uuid,
        /// When the contract ends (RFC 3339 or YYYY-MM-DD, midnight UTC); default now.
        #[arg(long, value_name = "WHEN")]
        on: Option<String>,
    },
    /// Write all of a restaurant's data to a ZIP (every table as JSON and CSV, its schema,
    /// sealed texts decrypted).
    Export {
        #[arg(long, value_name = "UUID")]
        restaurant: Uuid,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
    },
}

/// Runs a tenant command.
pub async fn run_tenant(cfg: &Config, t: Tenant) -> Result<()> {
    let rt = Runtime::open(cfg).await?;
    let r = tenant(&rt, t).await;
    rt.close().await;
    r
}

async fn tenant(rt: &Runtime, t: Tenant) -> Result<()> {
    match t {
        Tenant::Offboard { restaurant, on } => {
            let at = match on {
                None => None,
                Some(s) => Some(
                    chrono::DateTime::parse_from_rfc3339(&s)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .or_else(|_| {
                            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
                        })
                        .with_context(|| {
                            format!("--on {s:?}: give a date (YYYY-MM-DD) or an RFC 3339 time")
                        })?,
                ),
            };
            let o = rt.store.end_contract(restaurant, at).await?;
            println!("{}", serde_json::to_string_pretty(&o)?);
        }
        Tenant::Export { restaurant, out } => {
            let mut tx = rt.store.tenant(restaurant, &Actor::Cli).await?;
            tx.restaurant()
                .await
                .with_context(|| format!("no restaurant {restaurant}"))?;
            let (zip, rows) = privacy::restaurant_archive(&mut tx, &mut |_| {}).await?;
            tx.log_export(rows, None, "cli").await?;
            tx.commit().await?;
            std::fs::write(&out, &zip).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{}",
                serde_json::json!({"file": out, "rows": rows, "bytes": zip.len()})
            );
        }
    }
    Ok(())
}
