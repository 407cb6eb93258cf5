//! HTTP for HostSystem: the dashboard (server-rendered, German and English), the JSON API,
//! authentication, abuse limits, security headers and metrics. [`router`] builds the app around
//! a [`AppState`]; [`serve`] runs it on a listener the caller binds, so tests bind port 0.

// Handlers and extractors reject with a ready `Response`, axum's own idiom; boxing it on these
// cold paths would only add noise.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod calls;
pub mod dayview;
pub mod error;
pub mod events;
pub mod extract;
pub mod guestbook;
pub mod http;
pub mod i18n;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod reservations;
pub mod settings;
pub mod voice;

use axum::routing::{get, post};
use axum::Router;
use hs_domain::Clock;
use hs_store::Store;
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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            api_rate_per_minute: 600,
            voice_rate_per_minute: 3000,
            trust_proxy: false,
            metrics_token: None,
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
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    pub login_limiter: Arc<limits::FailureLimiter>,
    pub totp_limiter: Arc<limits::FailureLimiter>,
    pub api_limiter: Arc<limits::RateLimiter>,
    pub voice_limiter: Arc<limits::RateLimiter>,
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
    pub fn new(store: Store, config: WebConfig) -> Self {
        let clock: Clock = store.clock().clone();
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
            auth_failures: Arc::new(limits::RateLimiter::new(
                limits::AUTH_FAILURES_PER_MINUTE,
                clock,
            )),
            store,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            templates: Arc::new(pages::environment()),
            events: tokio::sync::broadcast::channel(1024).0,
            shutting_down: tokio::sync::watch::channel(false).0,
        }
    }
}

/// The whole app.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(api::health))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/audit", get(api::audit))
        .route(
            "/api/v1/api-tokens",
            get(api::list_tokens).post(api::create_token),
        )
        .route("/api/v1/api-tokens/{id}/revoke", post(api::revoke_token))
        .route("/api/v1/availability", get(reservations::availability))
        .route(
            "/api/v1/reservations",
            get(reservations::list).post(reservations::create),
        )
        .route(
            "/api/v1/reservations/{id}",
            get(reservations::get).patch(reservations::change),
        )
        .route(
            "/api/v1/reservations/{id}/{action}",
            post(reservations::action),
        )
        .route("/api/v1/walk-ins", post(reservations::walk_in))
        .route(
            "/api/v1/settings",
            get(reservations::get_settings).put(reservations::put_settings),
        )
        .route(
            "/api/v1/service-periods",
            get(reservations::get_periods).put(reservations::put_periods),
        )
        .route(
            "/api/v1/closures",
            get(reservations::get_closures).post(reservations::add_closure),
        )
        .route(
            "/api/v1/closures/{id}",
            axum::routing::delete(reservations::remove_closure),
        )
        .route(
            "/api/v1/turn-times",
            get(reservations::get_turn_times).put(reservations::put_turn_times),
        )
        .route(
            "/api/v1/tables",
            get(reservations::floor).post(reservations::add_table),
        )
        .route(
            "/api/v1/tables/{id}",
            axum::routing::patch(reservations::update_table).delete(reservations::remove_table),
        )
        .route("/api/v1/special-days", get(reservations::get_special_days))
        .route(
            "/api/v1/special-days/{date}",
            axum::routing::put(reservations::put_special_day),
        )
        .route("/api/v1/areas", post(reservations::add_area))
        .route("/api/v1/combinations", post(reservations::add_combination))
        .route(
            "/api/v1/combinations/{id}",
            axum::routing::delete(reservations::remove_combination),
        )
        .route("/api/v1/guests", get(reservations::search_guests))
        .route(
            "/api/v1/voice/{restaurant_id}/tools/{tool}",
            post(voice::generic),
        )
        .route("/api/v1/voice/{restaurant_id}/vapi", post(voice::vapi))
        .route(
            "/api/v1/voice/{restaurant_id}/retell/function",
            post(voice::retell_function),
        )
        .route(
            "/api/v1/voice/{restaurant_id}/retell/function/{tool}",
            post(voice::retell_function_tool),
        )
        .route(
            "/api/v1/voice/{restaurant_id}/retell/webhook",
            post(voice::retell_webhook),
        )
        .route(
            "/api/v1/guests/{id}",
            get(reservations::guest).patch(reservations::update_guest),
        );
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/login/2fa", get(pages::totp_form).post(pages::totp_check))
        .route("/logout", post(pages::logout))
        .route("/restaurants", get(pages::restaurants))
        .route("/restaurants/switch", post(pages::switch_restaurant))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/language", post(pages::set_language))
        .route("/account/2fa/start", post(pages::totp_start))
        .route("/account/2fa/confirm", post(pages::totp_confirm))
        .route("/account/2fa/disable", post(pages::totp_disable))
        .route("/account/sessions/{id}/end", post(pages::end_session))
        .route(
            "/account/sessions/end-others",
            post(pages::end_other_sessions),
        )
        .route(
            "/reservations/new",
            get(dayview::new_form).post(dayview::create),
        )
        .route(
            "/reservations/{id}",
            get(dayview::detail).post(dayview::change),
        )
        .route(
            "/reservations/{id}/cancel",
            get(dayview::confirm_cancel).post(dayview::cancel),
        )
        .route("/reservations/{id}/{action}", post(dayview::act))
        .route("/walk-ins", post(dayview::walk_in))
        .route("/events", get(events::stream))
        .route("/guests", get(guestbook::search))
        .route("/guests/lookup", get(guestbook::lookup))
        .route("/calls", get(calls::list))
        .route("/calls/{id}", get(calls::show))
        .route("/guests/{id}", get(guestbook::show).post(guestbook::update))
        .route("/settings", get(settings::show))
        .route("/settings/restaurant", post(settings::restaurant))
        .route("/settings/periods", post(settings::periods))
        .route("/settings/turn-times", post(settings::turn_times))
        .route("/settings/closures", post(settings::add_closure))
        .route(
            "/settings/closures/{id}/remove",
            post(settings::remove_closure),
        )
        .route("/settings/tables", post(settings::add_table))
        .route("/settings/special-days", post(settings::add_special_day))
        .route(
            "/settings/special-days/{day}/remove",
            post(settings::remove_special_day),
        )
        .route("/settings/areas", post(settings::add_area))
        .route("/settings/voice", post(settings::voice_options))
        .route("/settings/voice/secret", post(settings::voice_secret))
        .route(
            "/settings/voice/end-rotation",
            post(settings::voice_end_rotation),
        )
        .route("/settings/voice/retell", post(settings::voice_retell))
        .route("/settings/combinations", post(settings::add_combination))
        .route(
            "/settings/combinations/{id}/remove",
            post(settings::remove_combination),
        )
        .route(
            "/settings/tables/{id}/online",
            post(settings::toggle_online),
        )
        .route("/team", get(pages::team))
        .route("/team/invite", post(pages::invite))
        .route("/team/invites/{id}/revoke", post(pages::revoke_invite))
        .route("/team/members/{user_id}/role", post(pages::change_role))
        .route("/team/members/{user_id}/remove", post(pages::remove_member))
        .route("/team/settings", post(pages::team_settings))
        .route("/team/tokens", post(pages::create_token))
        .route("/team/tokens/{id}/revoke", post(pages::revoke_token))
        .route(
            "/invite/{restaurant_id}/{token}",
            get(pages::invite_form).post(pages::accept_invite),
        )
        .route("/forgot", get(pages::forgot_form).post(pages::forgot))
        .route("/reset/{token}", get(pages::reset_form).post(pages::reset))
        .route(pages::CSS_ROUTE, get(pages::asset));
    api.merge(pages)
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        // A bug that panics answers a plain 500 (and is logged) instead of a dropped connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            http::panicked,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::observe,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit,
        ))
        // gzip for clients that ask for it; tower-http leaves event streams and tiny bodies alone.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` completes, then finishes open requests. Also
/// runs the listener that feeds live updates, for as long as the server runs.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let forwarder = tokio::spawn(events::forward(state.clone()));
    let stopping = state.shutting_down.clone();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    forwarder.abort();
    result
}
