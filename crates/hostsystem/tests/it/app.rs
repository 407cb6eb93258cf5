//! `TestApp`: the real router on a fresh database, bound to port 0, with a manual clock, a
//! file mailer in a temp dir and named helpers, so each test reads like its scenario.

use chrono::{DateTime, Duration, Utc};
use hs_channels::mail::{FileMailer, Mailer};
use hs_domain::{Clock, Role};
use hs_service::jobs::{JobContext, Worker, WorkerOptions};
use hs_store::accounts::NewUser;
use hs_store::{Actor, MasterKey, Store};
use hs_testkit::{fresh_db, TestDb};
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use uuid::Uuid;

pub const PASSWORD: &str = "Kastanienbaum-Seeblick-42";
/// The bearer token `/metrics` wants in tests.
pub const METRICS_TOKEN: &str = "test-metrics-token";

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .expect("t0")
        .with_timezone(&Utc)
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Clock,
    pub db: TestDb,
    pub mail_dir: tempfile::TempDir,
    /// Runs the jobs the app queued, when a test asks ([`TestApp::run_pending_jobs`]).
    pub worker: Worker,
    /// Failed job attempts a test expects; any other fails the test when the app is dropped.
    expected_job_failures: usize,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

pub struct Builder {
    rate: u32,
    voice_rate: u32,
    tls_url: bool,
    trust_proxy: bool,
    mail_fails: bool,
    mailer: Option<Arc<dyn Mailer>>,
    resend_secret: Option<String>,
    graph_url: Option<String>,
}

impl Builder {
    /// Jobs send mail through this transport (a Resend client pointed at a fake, say).
    pub fn mailer(mut self, m: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(m);
        self
    }

    /// WhatsApp messages go to this Graph API address (a fake speaking Meta's format).
    pub fn graph_url(mut self, url: &str) -> Self {
        self.graph_url = Some(url.into());
        self
    }

    /// Resend's webhook is signed with this `whsec_` secret.
    pub fn resend_webhook_secret(mut self, s: &str) -> Self {
        self.resend_secret = Some(s.into());
        self
    }

    pub fn api_rate_per_minute(mut self, n: u32) -> Self {
        self.rate = n;
        self
    }

    pub fn voice_rate_per_minute(mut self, n: u32) -> Self {
        self.voice_rate = n;
        self
    }

    /// Take client addresses from `X-Forwarded-For`, as behind a proxy.
    pub fn behind_proxy(mut self) -> Self {
        self.trust_proxy = true;
        self
    }

    /// Every mail the jobs send fails (as with a provider that is down).
    pub fn mail_fails(mut self) -> Self {
        self.mail_fails = true;
        self
    }

    /// Pretend the public URL is https (Secure cookies, HSTS).
    pub fn behind_tls(mut self) -> Self {
        self.tls_url = true;
        self
    }

    pub async fn start(self) -> TestApp {
        // Errors the app logs show up in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let db = fresh_db().await.expect("test database");
        let clock = Clock::manual(t0());
        let store = Store::new(
            db.app_pool().await.expect("pool"),
            clock.clone(),
            MasterKey::generate(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let mail_dir = tempfile::tempdir().expect("mail dir");
        let config = hs_web::WebConfig {
            public_url: if self.tls_url {
                "https://hostsystem.example".into()
            } else {
                base.clone()
            },
            api_rate_per_minute: self.rate,
            voice_rate_per_minute: self.voice_rate,
            trust_proxy: self.trust_proxy,
            metrics_token: Some(METRICS_TOKEN.into()),
            resend_webhook_secret: self.resend_secret.clone(),
            // The tests sign HighLevel's webhooks with their own key pair.
            ghl_public_key: include_str!("../fixtures/ghl_test_pub.pem").to_string(),
            ..Default::default()
        };
        let mailer: Arc<dyn Mailer> = if self.mail_fails {
            Arc::new(FailingMailer)
        } else if let Some(m) = self.mailer.clone() {
            m
        } else {
            Arc::new(FileMailer::new(
                mail_dir.path(),
                "HostSystem <noreply@test>",
            ))
        };
        let worker = Worker::new(
            JobContext {
                store: store.clone(),
                mailer,
                whatsapp: hs_channels::whatsapp::CloudApi::new(
                    self.graph_url.as_deref().unwrap_or("http://127.0.0.1:9"),
                ),
                highlevel: hs_channels::gohighlevel::HighLevel::new(
                    self.graph_url.as_deref().unwrap_or("http://127.0.0.1:9"),
                ),
                // A restaurant's own Resend account is the same fake as the platform's.
                resend_url: self
                    .graph_url
                    .clone()
                    .unwrap_or_else(|| "http://127.0.0.1:9".into()),
                mail_from: "HostSystem <noreply@test>".into(),
                public_url: base.clone(),
                chat: Some(Arc::new(hostsystem::jobs::AgentChat(
                    hs_agent::call::Agents::new(store.clone()),
                ))),
            },
            hs_service::registry(),
            WorkerOptions::default(),
        );
        let state = hs_web::AppState::new(
            hs_service::Services::new(store.clone()),
            hs_agent::call::Agents::new(store.clone()),
            config,
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(hs_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        TestApp {
            base,
            store,
            clock,
            db,
            mail_dir,
            worker,
            expected_job_failures: 0,
            shutdown: Some(tx),
        }
    }
}

/// A mail provider that is down.
struct FailingMailer;

impl Mailer for FailingMailer {
    fn send<'a>(&'a self, _: &'a hs_channels::mail::Email) -> hs_channels::mail::Sending<'a> {
        Box::pin(async {
            Err(hs_channels::mail::SendError::Retry {
                reason: "mail provider unreachable".into(),
                after: None,
            })
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // As the registry server's TestApp does: a test that leaves failed jobs behind fails.
        let failures = self.worker.failures();
        if failures.len() != self.expected_job_failures && !std::thread::panicking() {
            panic!(
                "jobs failed that the test did not expect ({} expected): {failures:#?}",
                self.expected_job_failures
            );
        }
    }
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            rate: 600,
            voice_rate: 3000,
            tls_url: false,
            trust_proxy: false,
            mail_fails: false,
            mailer: None,
            resend_secret: None,
            graph_url: None,
        }
    }

    pub async fn new() -> TestApp {
        Self::builder().start().await
    }

    /// A restaurant with default settings.
    pub async fn with_restaurant(&self, name: &str) -> Uuid {
        self.store
            .create_restaurant(name, &Actor::Cli)
            .await
            .expect("restaurant")
            .id
    }

    /// A restaurant set up exactly like Trattoria Demo (hours, tables, combinations), empty.
    pub async fn with_trattoria(&self, name: &str) -> Uuid {
        let id = self.with_restaurant(name).await;
        let mut tx = self.store.tenant(id, &Actor::Cli).await.expect("tx");
        hostsystem::demo::configure(&mut tx)
            .await
            .expect("configure");
        tx.commit().await.expect("commit");
        id
    }

    /// A JSON request with a bearer token; returns status, headers and body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = client()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A user with [`PASSWORD`], member of `restaurant` with `role`.
    pub async fn user_in(&self, restaurant: Uuid, email: &str, role: Role) -> Uuid {
        let u = self
            .store
            .create_user(
                NewUser {
                    email,
                    name: "Test Person",
                    password: PASSWORD,
                    language: "en",
                    platform_admin: false,
                },
                &Actor::Cli,
            )
            .await
            .expect("user");
        let mut tx = self
            .store
            .tenant(restaurant, &Actor::Cli)
            .await
            .expect("tx");
        tx.add_member(u.id, role).await.expect("member");
        tx.commit().await.expect("commit");
        u.id
    }

    /// A fresh browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: client(),
            session: None,
            csrf: None,
        }
    }

    /// A signed-in browser for a new user of that role in a new restaurant.
    pub async fn login_as(&self, role: Role) -> (Browser, Uuid) {
        let r = self.with_restaurant("Trattoria Test").await;
        let email = format!("{}@trattoria-test.example", role.as_str());
        self.user_in(r, &email, role).await;
        let mut b = self.browser();
        b.login(&email, PASSWORD).await;
        (b, r)
    }

    /// An API token of a restaurant with a role.
    pub async fn api_token(&self, restaurant: Uuid, role: Role) -> String {
        let mut tx = self
            .store
            .tenant(restaurant, &Actor::Cli)
            .await
            .expect("tx");
        let (_, t) = tx
            .create_api_token("test", role, None)
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        t
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// Runs every due job (mails, nightly runs) now; returns how many ran.
    pub async fn run_pending_jobs(&self) -> usize {
        self.worker.run_pending().await.expect("run jobs")
    }

    /// Declares that `n` job attempts of this test fail on purpose.
    pub fn expect_job_failures(&mut self, n: usize) {
        self.expected_job_failures = n;
    }

    /// Every mail sent so far (after running due jobs), oldest first.
    pub async fn mails(&self) -> Vec<String> {
        self.run_pending_jobs().await;
        let mut files: Vec<_> = std::fs::read_dir(self.mail_dir.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("mail"))
            .collect()
    }

    /// The first link to this app in the last mail.
    pub async fn last_mail_link(&self) -> String {
        let mail = self.mails().await.pop().expect("a mail was sent");
        let start = mail.find(&self.base).expect("link in mail");
        mail[start..]
            .split_whitespace()
            .next()
            .expect("link")
            .to_string()
    }

    pub fn client(&self) -> reqwest::Client {
        client()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF token of the first form in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

/// A browser: keeps the session cookie and the page's CSRF token, follows no redirects.
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    pub session: Option<String>,
    pub csrf: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
}

impl Browser {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        with_csrf: bool,
    ) -> Page {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("hs_session={s}"));
        }
        if let Some(f) = form {
            let mut fields: Vec<(String, String)> = f
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if with_csrf {
                if let Some(c) = &self.csrf {
                    fields.push(("csrf".into(), c.clone()));
                }
            }
            let body = fields
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap_or("");
            if let Some(v) = c.strip_prefix("hs_session=") {
                let v = v.split(';').next().unwrap_or("");
                self.session = (!v.is_empty()).then(|| v.to_string());
            }
        }
        let body = resp.text().await.unwrap_or_default();
        if let Some(c) = csrf_in(&body) {
            self.csrf = Some(c);
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None, false).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(form), true).await
    }

    pub async fn post_without_csrf(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(form), false).await
    }

    /// Signs in with a password (no second factor expected) and loads the start page.
    pub async fn login(&mut self, email: &str, password: &str) {
        let p = self
            .post("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "login failed: {}", p.body);
        let home = self.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    }

    /// A JSON request with the session cookie (and CSRF header for writes).
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("hs_session={s}"));
        }
        if let Some(c) = &self.csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
