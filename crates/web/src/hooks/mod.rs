//! The inbound webhooks wing (`/api/v1/voice/…` today; WhatsApp, Resend and Stripe join here):
//! each provider's wire format in, authenticated by the restaurant's own secret or the
//! provider's signature, never by a session or an API token.

pub mod agent;
pub mod resend;
pub mod voice;
pub mod whatsapp;

use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::extract::read_body;
use crate::AppState;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

/// A webhook request's caller and raw body.
pub(crate) struct Incoming {
    /// The client address, to count a failed authentication against.
    pub ip: String,
    pub body: axum::body::Bytes,
}

/// The prologue of every webhook: a client address that keeps failing authentication is
/// refused at once (429), before anything is read or checked; then the raw body is read
/// within `limit` (413 beyond it).
pub(crate) async fn incoming(
    state: &AppState,
    req: Request,
    limit: usize,
) -> Result<Incoming, Response> {
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    if let Err(wait) = state.auth_failures.peek(&ip) {
        return Err(ApiError::too_many(wait).into_response());
    }
    let body = read_body(req, limit)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Incoming { ip, body })
}

/// 401 without saying why; the failure counts against the client address.
pub(crate) fn refuse(state: &AppState, ip: &str) -> Response {
    let _ = state.auth_failures.take(ip);
    ApiError::unauthorized().into_response()
}

/// The webhooks' routes.
pub fn router() -> Router<AppState> {
    Router::new()
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
            "/api/v1/agent/{restaurant_id}/v1/chat/completions",
            post(agent::completions),
        )
        .route("/hooks/resend", post(resend::resend))
        .route("/hooks/resend/{restaurant_id}", post(resend::resend_for))
        .route(
            "/hooks/whatsapp/{restaurant_id}",
            axum::routing::get(whatsapp::verify).post(whatsapp::receive),
        )
        .route(
            "/hooks/gohighlevel/{restaurant_id}",
            post(whatsapp::receive_highlevel),
        )
}
