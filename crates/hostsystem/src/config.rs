//! Configuration in layers: defaults, then an optional `hostsystem.toml`, then environment
//! variables (`HOSTSYSTEM_*`, plus `DATABASE_URL` and `DATABASE_OWNER_URL`). Every setting is
//! listed in `docs/configuration.md`.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A value that must never be printed: `Debug` and `Display` show only that it is set.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(••••)")
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// How guest and team mail leaves the platform.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files under `<data_dir>/mail` (the embedded default).
    File,
    /// Resend's HTTP API (`resend_api_key`, `resend_url`).
    Resend,
    /// An SMTP server (`smtp_url`).
    Smtp,
}

/// All settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub public_url: Option<String>,
    pub database_url: Option<Secret>,
    pub database_owner_url: Option<Secret>,
    pub master_key: Option<Secret>,
    pub clock_start: Option<DateTime<Utc>>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub api_rate_per_minute: u32,
    pub voice_rate_per_minute: u32,
    pub trust_proxy: bool,
    pub db_pool_size: u32,
    /// Seconds a worker holds a claimed job before another may take it (renewed while it runs).
    pub job_lease_secs: u64,
    pub mail_from: String,
    /// `file`, `resend` or `smtp`.
    pub mail_transport: MailTransport,
    /// Resend's API address (a test server's in tests).
    pub resend_url: String,
    pub resend_api_key: Option<Secret>,
    /// The `whsec_…` signing secret of the Resend webhook (`/hooks/resend`); without it, the
    /// webhook answers 404.
    pub resend_webhook_secret: Option<Secret>,
    /// `smtps://user:pass@host:465` or `smtp://user:pass@host:587?tls=required`.
    pub smtp_url: Option<Secret>,
    /// Meta's Graph API address for WhatsApp (a test server's in tests).
    pub whatsapp_graph_url: String,
    /// HighLevel's API address (a test server's in tests).
    pub ghl_url: String,
    /// The public key (PEM) HighLevel's webhooks are signed with; HighLevel's published key.
    pub ghl_webhook_public_key: String,
    /// Bearer token that `GET /metrics` requires; without one, `/metrics` is not served.
    pub metrics_token: Option<Secret>,
    /// The platform's OpenAI-compatible model for the chat agent (restaurants may set their
    /// own); without one, the built-in agent answers.
    pub model_base_url: Option<String>,
    pub model_name: Option<String>,
    pub model_key: Option<Secret>,
    /// Seconds to wait for a model's first token, and for its whole answer.
    pub model_first_token_secs: u64,
    pub model_turn_secs: u64,
    /// Guests' files: under `<data_dir>/files` unless an S3-compatible bucket is set.
    pub files_dir: Option<PathBuf>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    /// An S3-compatible server's address (AWS's when unset).
    pub s3_endpoint: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
    /// A local clamd's Unix socket: guests' files are scanned, and refused when it cannot scan.
    pub clamd_socket: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: None,
            database_owner_url: None,
            master_key: None,
            clock_start: None,
            log_format: LogFormat::Json,
            log_level: "info".into(),
            body_limit_bytes: 64 * 1024,
            request_timeout_secs: 30,
            api_rate_per_minute: 600,
            voice_rate_per_minute: 3000,
            trust_proxy: false,
            db_pool_size: 16,
            job_lease_secs: 60,
            mail_from: "HostSystem <noreply@hostsystem.local>".into(),
            mail_transport: MailTransport::File,
            resend_url: hs_channels::resend::BASE_URL.into(),
            resend_api_key: None,
            resend_webhook_secret: None,
            smtp_url: None,
            whatsapp_graph_url: hs_channels::whatsapp::GRAPH_URL.into(),
            ghl_url: hs_channels::gohighlevel::BASE_URL.into(),
            ghl_webhook_public_key: hs_channels::signature::GHL_PUBLIC_KEY.into(),
            metrics_token: None,
            model_base_url: None,
            model_name: None,
            model_key: None,
            model_first_token_secs: 8,
            model_turn_secs: 30,
            files_dir: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            clamd_socket: None,
        }
    }
}

/// (environment variable, setting) pairs; the setting names are the TOML keys.
const ENV: &[(&str, &str)] = &[
    ("HOSTSYSTEM_DATA_DIR", "data_dir"),
    ("HOSTSYSTEM_BIND", "bind"),
    ("HOSTSYSTEM_PUBLIC_URL", "public_url"),
    ("DATABASE_URL", "database_url"),
    ("DATABASE_OWNER_URL", "database_owner_url"),
    ("HOSTSYSTEM_MASTER_KEY", "master_key"),
    ("HOSTSYSTEM_CLOCK_START", "clock_start"),
    ("HOSTSYSTEM_LOG_FORMAT", "log_format"),
    ("HOSTSYSTEM_LOG_LEVEL", "log_level"),
    ("HOSTSYSTEM_BODY_LIMIT_BYTES", "body_limit_bytes"),
    ("HOSTSYSTEM_REQUEST_TIMEOUT_SECS", "request_timeout_secs"),
    ("HOSTSYSTEM_API_RATE_PER_MINUTE", "api_rate_per_minute"),
    ("HOSTSYSTEM_VOICE_RATE_PER_MINUTE", "voice_rate_per_minute"),
    ("HOSTSYSTEM_TRUST_PROXY", "trust_proxy"),
    ("HOSTSYSTEM_DB_POOL_SIZE", "db_pool_size"),
    ("HOSTSYSTEM_JOB_LEASE_SECS", "job_lease_secs"),
    ("HOSTSYSTEM_MAIL_FROM", "mail_from"),
    ("HOSTSYSTEM_MAIL_TRANSPORT", "mail_transport"),
    ("HOSTSYSTEM_RESEND_URL", "resend_url"),
    ("RESEND_API_KEY", "resend_api_key"),
    ("HOSTSYSTEM_RESEND_WEBHOOK_SECRET", "resend_webhook_secret"),
    ("HOSTSYSTEM_SMTP_URL", "smtp_url"),
    ("HOSTSYSTEM_WHATSAPP_GRAPH_URL", "whatsapp_graph_url"),
    ("HOSTSYSTEM_GHL_URL", "ghl_url"),
    (
        "HOSTSYSTEM_GHL_WEBHOOK_PUBLIC_KEY",
        "ghl_webhook_public_key",
    ),
    ("HOSTSYSTEM_METRICS_TOKEN", "metrics_token"),
    ("HOSTSYSTEM_MODEL_BASE_URL", "model_base_url"),
    ("HOSTSYSTEM_MODEL", "model_name"),
    ("HOSTSYSTEM_MODEL_KEY", "model_key"),
    (
        "HOSTSYSTEM_MODEL_FIRST_TOKEN_SECS",
        "model_first_token_secs",
    ),
    ("HOSTSYSTEM_MODEL_TURN_SECS", "model_turn_secs"),
    ("HOSTSYSTEM_FILES_DIR", "files_dir"),
    ("HOSTSYSTEM_S3_BUCKET", "s3_bucket"),
    ("HOSTSYSTEM_S3_REGION", "s3_region"),
    ("HOSTSYSTEM_S3_ENDPOINT", "s3_endpoint"),
    ("HOSTSYSTEM_S3_ACCESS_KEY_ID", "s3_access_key_id"),
    ("HOSTSYSTEM_S3_SECRET_ACCESS_KEY", "s3_secret_access_key"),
    ("HOSTSYSTEM_CLAMD_SOCKET", "clamd_socket"),
];

impl Config {
    /// Where guests' files live.
    pub fn files(&self) -> Result<hs_store::files::Files> {
        match &self.s3_bucket {
            Some(bucket) => hs_store::files::Files::s3(&hs_store::files::S3 {
                bucket: bucket.clone(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone(),
                access_key_id: self.s3_access_key_id.clone().unwrap_or_default(),
                secret_access_key: self
                    .s3_secret_access_key
                    .as_ref()
                    .map(|s| s.expose().to_string())
                    .unwrap_or_default(),
            }),
            None => hs_store::files::Files::local(
                &self
                    .files_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("files")),
            ),
        }
    }

    /// Loads the layers: `file` (or `HOSTSYSTEM_CONFIG`, or `./hostsystem.toml` when present),
    /// then the environment given as (name, value) pairs.
    pub fn load(file: Option<PathBuf>, env: &[(String, String)]) -> Result<Config> {
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let path = file
            .or_else(|| get("HOSTSYSTEM_CONFIG").map(PathBuf::from))
            .or_else(|| {
                let p = PathBuf::from("hostsystem.toml");
                p.exists().then_some(p)
            });
        let mut table = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                text.parse::<toml::Table>()
                    .with_context(|| format!("{} is not valid TOML", p.display()))?
            }
            None => toml::Table::new(),
        };
        for (var, key) in ENV {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                let value = match *key {
                    "body_limit_bytes"
                    | "request_timeout_secs"
                    | "api_rate_per_minute"
                    | "voice_rate_per_minute"
                    | "db_pool_size"
                    | "job_lease_secs"
                    | "model_first_token_secs"
                    | "model_turn_secs" => {
                        let n: i64 = v
                            .trim()
                            .parse()
                            .with_context(|| format!("{var} must be a whole number, got {v:?}"))?;
                        toml::Value::Integer(n)
                    }
                    "trust_proxy" => match v.trim() {
                        "1" | "true" | "yes" => toml::Value::Boolean(true),
                        "0" | "false" | "no" => toml::Value::Boolean(false),
                        _ => bail!("{var} must be true or false, got {v:?}"),
                    },
                    _ => toml::Value::String(v),
                };
                table.insert((*key).to_string(), value);
            }
        }
        let where_ = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "environment".into());
        let cfg: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                anyhow::anyhow!("invalid configuration ({where_}): {key}: {}", e.inner())
            })?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        if self.body_limit_bytes < 1024 {
            bail!("body_limit_bytes must be at least 1024");
        }
        if self.request_timeout_secs == 0 {
            bail!("request_timeout_secs must be at least 1");
        }
        if self.job_lease_secs < 1 {
            bail!("job_lease_secs must be at least 1");
        }
        // Statistics hold three connections each (at most two at once), the live events one.
        let least = hs_service::stats::CONNECTIONS * hs_service::stats::AT_ONCE + 1;
        if (self.db_pool_size as usize) < least {
            bail!("db_pool_size must be at least {least}");
        }
        if self.model_base_url.is_some() != self.model_name.is_some() {
            bail!("model_base_url and model_name (HOSTSYSTEM_MODEL_BASE_URL, HOSTSYSTEM_MODEL) are set together");
        }
        if let Some(u) = &self.model_base_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                bail!("model_base_url must be an http(s) URL, got {u:?}");
            }
        }
        if self.s3_bucket.is_some()
            && (self.s3_access_key_id.is_none() || self.s3_secret_access_key.is_none())
        {
            bail!("s3_bucket needs s3_access_key_id and s3_secret_access_key (HOSTSYSTEM_S3_ACCESS_KEY_ID, HOSTSYSTEM_S3_SECRET_ACCESS_KEY)");
        }
        if let Some(e) = &self.s3_endpoint {
            if !(e.starts_with("http://") || e.starts_with("https://")) {
                bail!("s3_endpoint must be an http(s) URL, got {e:?}");
            }
        }
        if self.model_first_token_secs == 0 || self.model_turn_secs < self.model_first_token_secs {
            bail!("model_first_token_secs must be at least 1 and model_turn_secs at least as long");
        }
        match self.mail_transport {
            MailTransport::Resend if self.resend_api_key.is_none() => {
                bail!("mail_transport = \"resend\" needs resend_api_key (or RESEND_API_KEY)")
            }
            MailTransport::Smtp if self.smtp_url.is_none() => {
                bail!("mail_transport = \"smtp\" needs smtp_url (or HOSTSYSTEM_SMTP_URL)")
            }
            _ => {}
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                bail!("public_url must start with http:// or https://, got {u:?}");
            }
        }
        Ok(())
    }

    /// The address links in emails point to.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_env() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("hostsystem.toml");
        std::fs::write(
            &f,
            "bind = \"0.0.0.0:9000\"\nlog_level = \"debug\"\napi_rate_per_minute = 100\n",
        )
        .expect("write");
        let c = Config::load(Some(f.clone()), &env(&[])).expect("load");
        assert_eq!(c.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.api_rate_per_minute, 100);
        let c = Config::load(
            Some(f),
            &env(&[
                ("HOSTSYSTEM_BIND", "127.0.0.1:7000"),
                ("HOSTSYSTEM_TRUST_PROXY", "true"),
                ("DATABASE_URL", "postgres://a:pw@h/db"),
            ]),
        )
        .expect("load");
        assert_eq!(c.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(c.log_level, "debug");
        assert!(c.trust_proxy);
        assert_eq!(
            c.database_url.as_ref().map(Secret::expose),
            Some("postgres://a:pw@h/db")
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let c = Config::load(
            None,
            &env(&[
                ("DATABASE_URL", "postgres://app:hunter2@db/x"),
                ("HOSTSYSTEM_MASTER_KEY", "c2VjcmV0"),
            ]),
        )
        .expect("load");
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("c2VjcmV0"),
            "{dbg}"
        );
        assert!(dbg.contains("Secret(••••)"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = Config::load(None, &env(&[("HOSTSYSTEM_BIND", "nowhere")])).expect_err("bad bind");
        assert!(format!("{e:#}").contains("bind"), "{e:#}");
        let e = Config::load(None, &env(&[("HOSTSYSTEM_DB_POOL_SIZE", "many")]))
            .expect_err("bad number");
        assert!(
            format!("{e:#}").contains("HOSTSYSTEM_DB_POOL_SIZE"),
            "{e:#}"
        );
        let e = Config::load(None, &env(&[("HOSTSYSTEM_DB_POOL_SIZE", "6")]))
            .expect_err("too small a pool for statistics");
        assert!(format!("{e:#}").contains("db_pool_size"), "{e:#}");
        let e = Config::load(None, &env(&[("HOSTSYSTEM_CLOCK_START", "yesterday")]))
            .expect_err("bad clock");
        assert!(format!("{e:#}").contains("clock_start"), "{e:#}");
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("h.toml");
        std::fs::write(&f, "colour = \"blue\"\n").expect("write");
        let e = Config::load(Some(f), &env(&[])).expect_err("unknown key");
        assert!(format!("{e:#}").contains("colour"), "{e:#}");
    }
}
