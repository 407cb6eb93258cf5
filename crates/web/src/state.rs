//! What every handler reaches: the store, the HTTP settings, the limiters, the templates, and
//! the channels that carry live updates and the shutdown.

use crate::{events, limits, metrics, render};
use hs_domain::Clock;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address people reach the dashboard at (links in emails); `https://…` turns on
    /// Secure cookies and HSTS.
    pub public_url: String,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Requests a minute one API token may make.
    pub api_rate_per_minute: u32,
    /// Voice-webhook requests a minute per restaurant (all its calls together).
    pub voice_rate_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy: bool,
    /// Bearer token `GET /metrics` requires; `None` serves no metrics at all (404).
    pub metrics_token: Option<String>,
    /// The `whsec_…` secret Resend's webhook is signed with; `None` answers it 404.
    pub resend_webhook_secret: Option<String>,
    /// The public key HighLevel signs its webhooks with (PEM; HighLevel's published one).
    pub ghl_public_key: String,
    /// What the deployment adds to every restaurant's generated DPA (mail, model, files).
    pub platform: hs_domain::dpa::Platform,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            api_rate_per_minute: 600,
            voice_rate_per_minute: 3000,
            platform: hs_domain::dpa::Platform::default(),
            trust_proxy: false,
            metrics_token: None,
            resend_webhook_secret: None,
            ghl_public_key: hs_service::signature::GHL_PUBLIC_KEY.to_string(),
        }
    }
}

impl WebConfig {
    /// Whether the public URL is HTTPS.
    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases handlers call: the web layer's only way to the database.
    pub services: hs_service::Services,
    /// The agents, for the voice webhooks.
    pub agents: hs_agent::call::Agents,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    pub login_limiter: Arc<limits::FailureLimiter>,
    pub totp_limiter: Arc<limits::FailureLimiter>,
    pub api_limiter: Arc<limits::RateLimiter>,
    pub voice_limiter: Arc<limits::RateLimiter>,
    /// Widget requests per client address ([`limits::WIDGET_PER_MINUTE`]).
    pub widget_limiter: Arc<limits::RateLimiter>,
    /// Bookings sent on the hosted booking page per client address
    /// ([`limits::BOOKINGS_PER_MINUTE`]).
    pub booking_limiter: Arc<limits::RateLimiter>,
    /// Failed authentications per client address ([`limits::AUTH_FAILURES_PER_MINUTE`]).
    pub auth_failures: Arc<limits::RateLimiter>,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Reservation changes of every restaurant, fed by `events::forward`.
    pub events: tokio::sync::broadcast::Sender<events::LiveEvent>,
    /// Turns true when the server begins to shut down; open event streams end then, so that
    /// graceful shutdown does not wait for dashboards that stay open.
    pub shutting_down: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// Builds the state; the limiters run on the store's clock.
    pub fn new(
        services: hs_service::Services,
        agents: hs_agent::call::Agents,
        config: WebConfig,
    ) -> Self {
        let clock: Clock = services.clock().clone();
        AppState {
            login_limiter: Arc::new(limits::FailureLimiter::new(limits::LOGIN, clock.clone())),
            totp_limiter: Arc::new(limits::FailureLimiter::new(limits::TOTP, clock.clone())),
            api_limiter: Arc::new(limits::RateLimiter::new(
                config.api_rate_per_minute,
                clock.clone(),
            )),
            voice_limiter: Arc::new(limits::RateLimiter::new(
                config.voice_rate_per_minute,
                clock.clone(),
            )),
            widget_limiter: Arc::new(limits::RateLimiter::new(
                limits::WIDGET_PER_MINUTE,
                clock.clone(),
            )),
            booking_limiter: Arc::new(limits::RateLimiter::new(
                limits::BOOKINGS_PER_MINUTE,
                clock.clone(),
            )),
            auth_failures: Arc::new(limits::RateLimiter::new(
                limits::AUTH_FAILURES_PER_MINUTE,
                clock,
            )),
            services,
            agents,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            templates: Arc::new(render::environment()),
            events: tokio::sync::broadcast::channel(1024).0,
            shutting_down: tokio::sync::watch::channel(false).0,
        }
    }
}
