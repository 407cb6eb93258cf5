//! The inbound webhooks wing (`/api/v1/voice/…` today; WhatsApp, Resend and Stripe join here):
//! each provider's wire format in, authenticated by the restaurant's own secret or the
//! provider's signature, never by a session or an API token.

pub mod resend;
pub mod voice;
pub mod whatsapp;

use crate::AppState;
use axum::routing::post;
use axum::Router;

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
