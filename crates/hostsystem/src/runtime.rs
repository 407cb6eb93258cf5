//! Opening the database: the embedded cluster (default) or `DATABASE_URL`, roles, migrations,
//! the master key, and the [`Store`] on top.

use crate::config::Config;
use anyhow::{Context, Result};
use hs_domain::Clock;
use hs_store::db::{self, DbTargets, APP_ROLE, DATABASE};
use hs_store::embedded::{Durability, EmbeddedCluster};
use hs_store::{MasterKey, Store};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// An open database; stops the embedded cluster (if we started it) when dropped.
pub struct Runtime {
    pub store: Store,
    pub clock: Clock,
    cluster: Option<EmbeddedCluster>,
}

impl Runtime {
    /// Starts or attaches to the database, migrates it and opens the app pool.
    pub async fn open(cfg: &Config) -> Result<Runtime> {
        let clock = match cfg.clock_start {
            Some(t) => Clock::starting_at(t),
            None => Clock::system(),
        };
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating data dir {}", cfg.data_dir.display()))?;
        secure_data_dir(cfg)?;
        let key = master_key(cfg)?;
        let (targets, cluster) = match &cfg.database_url {
            Some(url) => (
                DbTargets::external(
                    url.expose(),
                    cfg.database_owner_url.as_ref().map(|s| s.expose()),
                )?,
                None,
            ),
            None => {
                let root = std::path::absolute(&cfg.data_dir)?;
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedCluster::start(&root, Durability::Durable)
                })
                .await??;
                db::bootstrap(&cluster.socket_dir, DATABASE).await?;
                (
                    DbTargets::embedded(&cluster.socket_dir, DATABASE),
                    Some(cluster),
                )
            }
        };
        let app_role = if cluster.is_some() {
            APP_ROLE.to_string()
        } else {
            targets.app_role()
        };
        db::migrate(&targets.owner, &app_role).await?;
        let pool = db::connect_app(&targets.app, cfg.db_pool_size).await?;
        let store = Store::new(pool, clock.clone(), key).with_files(cfg.files()?);
        if let Some(c) = &cluster {
            // The supervisor sees the postmaster exit before any request does: refuse fast
            // from that moment, and reconnect once it is back.
            let (store, runtime) = (store.clone(), tokio::runtime::Handle::current());
            c.on_exit(move || {
                let _in_runtime = runtime.enter();
                store.mark_down("embedded PostgreSQL exited");
            });
        }
        Ok(Runtime {
            store,
            clock,
            cluster,
        })
    }

    /// Closes the pool and stops the embedded cluster.
    pub async fn close(mut self) {
        self.store.close().await;
        if let Some(mut c) = self.cluster.take() {
            let _ = tokio::task::spawn_blocking(move || c.stop()).await;
        }
    }
}

/// Closes the data dir (master key, mail, the embedded cluster) to other users: 0700; as
/// root with the embedded cluster, 0710 with PostgreSQL's group, which must pass through it
/// to its own directories and nothing more.
fn secure_data_dir(cfg: &Config) -> Result<()> {
    let dir = &cfg.data_dir;
    let postgres_group = if cfg.database_url.is_none() && hs_store::embedded::is_root() {
        Some(hs_store::embedded::unprivileged_user()?.gid)
    } else {
        None
    };
    let mode = match postgres_group {
        Some(gid) => {
            std::os::unix::fs::chown(dir, None, Some(gid))
                .with_context(|| format!("handing {} to PostgreSQL's group", dir.display()))?;
            0o710
        }
        None => 0o700,
    };
    if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot restrict the data dir's permissions");
    }
    Ok(())
}

/// The master key: from the configuration, else from `<data dir>/master.key`, created (mode
/// 0600) on first start.
fn master_key(cfg: &Config) -> Result<MasterKey> {
    if let Some(k) = &cfg.master_key {
        return MasterKey::from_base64(k.expose()).context("HOSTSYSTEM_MASTER_KEY");
    }
    let path = cfg.data_dir.join("master.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return MasterKey::from_base64(&text).with_context(|| format!("{}", path.display()));
    }
    if cfg.database_url.is_some() {
        tracing::warn!("no HOSTSYSTEM_MASTER_KEY: generating one in the data dir; every server of one database needs the same key");
    }
    let key = MasterKey::generate();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    use std::io::Write;
    writeln!(f, "{}", key.to_base64())?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    tracing::info!(key_id = key.id(), "master key generated");
    Ok(key)
}
