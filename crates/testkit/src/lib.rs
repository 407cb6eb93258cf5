//! Test harness: one throwaway PostgreSQL cluster per test process (started here, as an
//! unprivileged user when root, on a Unix socket in a temp dir), a migrated template database,
//! and a fresh clone of it for every test, so nothing is migrated twice and tests never share
//! rows. Tests connect as the app role, exactly as the server does.

use anyhow::{Context, Result};
use hs_store::db::{self, DbTargets, APP_ROLE};
use hs_store::embedded::{Durability, EmbeddedCluster};
use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;

const TEMPLATE: &str = "hs_template";
const BASE: &str = "/tmp/hostsystem-tests";

struct Cluster {
    socket_dir: PathBuf,
    // Kept alive for the process; the postmaster dies with the process (parent-death signal).
    _cluster: EmbeddedCluster,
}

static CLUSTER: OnceCell<Cluster> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test.
pub struct TestDb {
    pub name: String,
    pub targets: DbTargets,
    socket_dir: PathBuf,
}

impl TestDb {
    /// A pool connected as the app role (`NOSUPERUSER NOBYPASSRLS`, owns nothing).
    pub async fn app_pool(&self) -> Result<PgPool> {
        db::connect_app(&self.targets.app, 8).await
    }

    /// A connection as the owner role (owns the tables; still under FORCE RLS).
    pub async fn owner_conn(&self) -> Result<PgConnection> {
        Ok(PgConnection::connect_with(&self.targets.owner).await?)
    }

    /// A superuser connection to this database, to break things on purpose in tests that prove
    /// other tests go red (e.g. dropping a policy).
    pub async fn superuser_conn(&self) -> Result<PgConnection> {
        db::connect_superuser(&self.socket_dir, &self.name).await
    }

    /// The cluster's socket directory.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }
}

/// A fresh database cloned from the migrated template.
pub async fn fresh_db() -> Result<TestDb> {
    let cluster = CLUSTER.get_or_try_init(start_cluster).await?;
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("t_{}_{n}", std::process::id());
    db::create_database(&cluster.socket_dir, &name, Some(TEMPLATE)).await?;
    Ok(TestDb {
        targets: DbTargets::embedded(&cluster.socket_dir, &name),
        name,
        socket_dir: cluster.socket_dir.clone(),
    })
}

async fn start_cluster() -> Result<Cluster> {
    std::fs::create_dir_all(BASE)?;
    remove_stale_clusters();
    let dir = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(BASE)?
        .keep();
    // Other users (postgres) must enter it.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(BASE, std::fs::Permissions::from_mode(0o755))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    let root = dir.clone();
    let cluster =
        tokio::task::spawn_blocking(move || EmbeddedCluster::start(&root, Durability::Throwaway))
            .await?
            .context("starting the test cluster")?;
    let socket_dir = cluster.socket_dir.clone();
    db::bootstrap(&socket_dir, TEMPLATE).await?;
    db::migrate(&DbTargets::embedded(&socket_dir, TEMPLATE).owner, APP_ROLE).await?;
    Ok(Cluster {
        socket_dir,
        _cluster: cluster,
    })
}

/// Removes clusters of earlier test runs whose postmaster is gone. A directory without a
/// postmaster yet may be another test process's cluster still in `initdb` (two test runs at
/// once on one machine): it is left alone for its first ten minutes.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(BASE) else {
        return;
    };
    for e in entries.flatten() {
        let pidfile = e.path().join("postgres/postmaster.pid");
        let pid = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<u32>().ok()));
        let young = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < std::time::Duration::from_secs(600));
        let stale = match pid {
            Some(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
            None => !young,
        };
        if stale {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
