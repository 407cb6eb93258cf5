//! HTTP for HostSystem in three wings, each with its own router: [`dashboard`] (the team's
//! server-rendered pages), [`api`] (the JSON API v1 and its OpenAPI document) and [`hooks`]
//! (inbound webhooks of voice and, later, messaging and payment providers). Shared below them:
//! authentication ([`auth`]), rendering ([`render`]), the error shape ([`error`]), abuse limits,
//! security headers and metrics. [`router`] builds the app around an [`AppState`]; [`serve`]
//! runs it on a listener the caller binds, so tests bind port 0.

// Handlers and extractors reject with a ready `Response`, axum's own idiom; boxing it on these
// cold paths would only add noise.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod extract;
pub mod guest;
pub mod hooks;
pub mod http;
pub mod i18n;
pub mod limits;
pub mod metrics;
pub mod render;
pub mod session;
pub mod sse;
pub mod state;

pub use state::{AppState, WebConfig};

use axum::Router;

/// The whole app: the three wings, the shared fallbacks, and the layers every request passes.
pub fn router(state: AppState) -> Router {
    api::router()
        .merge(hooks::router())
        .merge(guest::router())
        .merge(dashboard::router(state.clone()))
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
    // Replies stream word by word and live events are small: without TCP_NODELAY, Nagle's
    // algorithm holds each small write until the previous one is acknowledged, and delayed
    // acknowledgements turn that into ~40 ms stutters.
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    forwarder.abort();
    result
}
