//! Connecting, bootstrapping roles and databases, and running migrations.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Role that owns the schema and runs migrations in the embedded cluster.
pub const OWNER_ROLE: &str = "hostsystem_owner";
/// Role the server connects as: no superuser, no BYPASSRLS, owns nothing.
pub const APP_ROLE: &str = "hostsystem_app";
/// Database of the embedded cluster.
pub const DATABASE: &str = "hostsystem";

/// Where the app connects and where migrations run.
#[derive(Clone, Debug)]
pub struct DbTargets {
    pub app: PgConnectOptions,
    pub owner: PgConnectOptions,
}

impl DbTargets {
    /// The embedded cluster's databases over its Unix socket.
    pub fn embedded(socket_dir: &Path, database: &str) -> Self {
        DbTargets {
            app: socket_options(socket_dir, APP_ROLE, database),
            owner: socket_options(socket_dir, OWNER_ROLE, database),
        }
    }

    /// An external server: `DATABASE_URL` for the app, `DATABASE_OWNER_URL` (or the same URL)
    /// for migrations.
    pub fn external(app_url: &str, owner_url: Option<&str>) -> Result<Self> {
        let app = PgConnectOptions::from_str(app_url).context("DATABASE_URL is not a valid URL")?;
        let owner = match owner_url {
            Some(u) => {
                PgConnectOptions::from_str(u).context("DATABASE_OWNER_URL is not a valid URL")?
            }
            None => {
                tracing::warn!("DATABASE_OWNER_URL not set: migrations run as the app role, which then owns the tables");
                app.clone()
            }
        };
        Ok(DbTargets { app, owner })
    }

    /// Name of the role the app connects as.
    pub fn app_role(&self) -> String {
        self.app.get_username().to_string()
    }
}

/// Options for a role and database over a Unix socket directory.
pub fn socket_options(socket_dir: &Path, user: &str, database: &str) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(socket_dir)
        .port(crate::embedded::SOCKET_PORT)
        .username(user)
        .database(database)
        .application_name("hostsystem")
        .disable_statement_logging()
}

/// The app's connection pool.
pub async fn connect_app(opts: &PgConnectOptions, max: u32) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        // No ping before every checkout (a round trip per transaction): a connection that
        // broke is closed by the pool when its next query fails.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts.clone())
        .await
        .context("connecting to PostgreSQL as the app role")
}

/// Quotes an identifier for SQL.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Creates the owner and app roles in a cluster we administer (embedded or test), if missing.
pub async fn bootstrap_roles(superuser: &mut PgConnection) -> Result<()> {
    for (role, attrs) in [
        (
            OWNER_ROLE,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        ),
        (
            APP_ROLE,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT",
        ),
    ] {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(role)
                .fetch_one(&mut *superuser)
                .await?;
        if !exists {
            superuser
                .execute(format!("CREATE ROLE {} {attrs}", quote_ident(role)).as_str())
                .await?;
        }
    }
    Ok(())
}

/// Creates `name` owned by the owner role (from `template` if given), closed to everyone but the
/// owner and app roles, if it does not exist. Returns whether it was created.
pub async fn create_database(
    socket_dir: &Path,
    name: &str,
    template: Option<&str>,
) -> Result<bool> {
    let mut su = connect_superuser(socket_dir, "postgres").await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut su)
            .await?;
    if exists {
        return Ok(false);
    }
    let db = quote_ident(name);
    let tpl = template
        .map(|t| format!(" TEMPLATE {}", quote_ident(t)))
        .unwrap_or_default();
    su.execute(
        format!(
            "CREATE DATABASE {db}{tpl} OWNER {}",
            quote_ident(OWNER_ROLE)
        )
        .as_str(),
    )
    .await?;
    su.execute(
        format!(
            "REVOKE ALL ON DATABASE {db} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {}",
            quote_ident(APP_ROLE)
        )
        .as_str(),
    )
    .await?;
    su.close().await?;
    if template.is_none() {
        // The owner role owns the public schema, so migrations can create in it.
        let mut c = connect_superuser(socket_dir, name).await?;
        c.execute(
            format!(
                "ALTER SCHEMA public OWNER TO {}; REVOKE ALL ON SCHEMA public FROM PUBLIC",
                quote_ident(OWNER_ROLE)
            )
            .as_str(),
        )
        .await?;
        c.close().await?;
    }
    Ok(true)
}

/// Prepares a cluster we administer: the two roles, and `database` owned by the owner role.
pub async fn bootstrap(socket_dir: &Path, database: &str) -> Result<()> {
    let mut su = connect_superuser(socket_dir, "postgres").await?;
    bootstrap_roles(&mut su).await?;
    su.close().await?;
    create_database(socket_dir, database, None).await?;
    Ok(())
}

/// Connects as the cluster's superuser over its socket (embedded and test clusters only).
pub async fn connect_superuser(socket_dir: &Path, database: &str) -> Result<PgConnection> {
    let opts = socket_options(socket_dir, crate::embedded::SUPERUSER, database);
    PgConnection::connect_with(&opts)
        .await
        .context("connecting to the embedded cluster as superuser")
}

/// One migration: version, name, SQL.
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Applied migrations are never edited: their checksums are checked.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "reservations",
        sql: include_str!("../migrations/0002_reservations.sql"),
    },
    Migration {
        version: 3,
        name: "reservation_events",
        sql: include_str!("../migrations/0003_reservation_events.sql"),
    },
    Migration {
        version: 4,
        name: "voice",
        sql: include_str!("../migrations/0004_voice.sql"),
    },
    Migration {
        version: 5,
        name: "job_runs",
        sql: include_str!("../migrations/0005_job_runs.sql"),
    },
    Migration {
        version: 6,
        name: "reservation_span",
        sql: include_str!("../migrations/0006_reservation_span.sql"),
    },
    Migration {
        version: 7,
        name: "audit_ids",
        sql: include_str!("../migrations/0007_audit_ids.sql"),
    },
    Migration {
        version: 8,
        name: "job_queue",
        sql: include_str!("../migrations/0008_job_queue.sql"),
    },
    Migration {
        version: 9,
        name: "privacy",
        sql: include_str!("../migrations/0009_privacy.sql"),
    },
    Migration {
        version: 10,
        name: "guest_messages",
        sql: include_str!("../migrations/0010_guest_messages.sql"),
    },
    Migration {
        version: 11,
        name: "retention_and_digest",
        sql: include_str!("../migrations/0011_retention_and_digest.sql"),
    },
    Migration {
        version: 12,
        name: "whatsapp",
        sql: include_str!("../migrations/0012_whatsapp.sql"),
    },
    Migration {
        version: 13,
        name: "gohighlevel",
        sql: include_str!("../migrations/0013_gohighlevel.sql"),
    },
    Migration {
        version: 14,
        name: "mail_settings",
        sql: include_str!("../migrations/0014_mail_settings.sql"),
    },
    Migration {
        version: 15,
        name: "conversations",
        sql: include_str!("../migrations/0015_conversations.sql"),
    },
    Migration {
        version: 16,
        name: "conversation_retention",
        sql: include_str!("../migrations/0016_conversation_retention.sql"),
    },
    Migration {
        version: 17,
        name: "agent",
        sql: include_str!("../migrations/0017_agent.sql"),
    },
    Migration {
        version: 18,
        name: "conversation_links",
        sql: include_str!("../migrations/0018_conversation_links.sql"),
    },
    Migration {
        version: 19,
        name: "widget",
        sql: include_str!("../migrations/0019_widget.sql"),
    },
    Migration {
        version: 20,
        name: "booking_page",
        sql: include_str!("../migrations/0020_booking_page.sql"),
    },
    Migration {
        version: 21,
        name: "inbox",
        sql: include_str!("../migrations/0021_inbox.sql"),
    },
    Migration {
        version: 22,
        name: "handover_mail",
        sql: include_str!("../migrations/0022_handover_mail.sql"),
    },
    Migration {
        version: 23,
        name: "conversation_files",
        sql: include_str!("../migrations/0023_conversation_files.sql"),
    },
    Migration {
        version: 24,
        name: "privacy_toolkit",
        sql: include_str!("../migrations/0024_privacy_toolkit.sql"),
    },
    Migration {
        version: 25,
        name: "restaurant_export",
        sql: include_str!("../migrations/0025_restaurant_export.sql"),
    },
    Migration {
        version: 26,
        name: "offboarding",
        sql: include_str!("../migrations/0026_offboarding.sql"),
    },
    Migration {
        version: 27,
        name: "incidents",
        sql: include_str!("../migrations/0027_incidents.sql"),
    },
    Migration {
        version: 28,
        name: "sub_processors",
        sql: include_str!("../migrations/0028_sub_processors.sql"),
    },
    Migration {
        version: 29,
        name: "requests_and_instructions",
        sql: include_str!("../migrations/0029_requests_and_instructions.sql"),
    },
    Migration {
        version: 30,
        name: "reservations_by_guest",
        sql: include_str!("../migrations/0030_reservations_by_guest.sql"),
    },
    Migration {
        version: 31,
        name: "statistics",
        sql: include_str!("../migrations/0031_statistics.sql"),
    },
    Migration {
        version: 32,
        name: "setup_version",
        sql: include_str!("../migrations/0032_setup_version.sql"),
    },
    Migration {
        version: 33,
        name: "stats_days",
        sql: include_str!("../migrations/0033_stats_days.sql"),
    },
];

fn checksum(sql: &str) -> String {
    crate::secret::hex(&Sha256::digest(sql.as_bytes()))
}

/// Applies pending migrations as the owner role, one transaction each, under an advisory lock so
/// that several nodes starting at once migrate once. Returns the versions applied.
pub async fn migrate(owner: &PgConnectOptions, app_role: &str) -> Result<Vec<i32>> {
    let mut c = PgConnection::connect_with(&owner.clone().disable_statement_logging())
        .await
        .context("connecting as the owner role to migrate")?;
    c.execute("SELECT pg_advisory_lock(7243011)").await?;
    let result = migrate_locked(&mut c, app_role).await;
    let _ = c.execute("SELECT pg_advisory_unlock(7243011)").await;
    c.close().await?;
    result
}

async fn migrate_locked(c: &mut PgConnection, app_role: &str) -> Result<Vec<i32>> {
    c.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let applied: Vec<(i32, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *c)
            .await?;
    let mut done = Vec::new();
    for m in MIGRATIONS {
        let sum = checksum(m.sql);
        if let Some((_, have)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *have != sum {
                bail!(
                    "migration {} ({}) was changed after it was applied; add a new migration instead",
                    m.version,
                    m.name
                );
            }
            continue;
        }
        let sql = m.sql.replace("{{app}}", &quote_ident(app_role));
        let mut tx = c.begin().await?;
        sqlx::raw_sql(&sql)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("applying migration {} ({})", m.version, m.name))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(&sum)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        done.push(m.version);
    }
    Ok(done)
}
