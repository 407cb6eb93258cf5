//! Meta's WhatsApp webhook for one restaurant (`/hooks/whatsapp/{restaurant_id}`): `GET` is
//! the subscription check (`hub.mode=subscribe`, `hub.verify_token`, answered with
//! `hub.challenge`); `POST` carries status reports and guests' messages, signed with
//! `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret), checked before
//! anything is parsed or stored. Applied once (by Meta's ids) and answered at once.
//! See <https://developers.facebook.com/docs/graph-api/webhooks/getting-started>.

use crate::error::ApiError;
use crate::extract::query_param;
use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hs_service::whatsapp::{self, Refused};
use serde_json::json;
use uuid::Uuid;

/// Largest webhook delivery Meta sends in practice is far smaller; this bounds strangers.
pub const WHATSAPP_BODY_LIMIT: usize = 256 * 1024;

/// `GET /hooks/whatsapp/{restaurant_id}`: Meta's subscription check.
pub async fn verify(State(state): State<AppState>, Path(rid): Path<String>, uri: Uri) -> Response {
    let Ok(rid) = Uuid::parse_str(&rid) else {
        return ApiError::not_found().into_response();
    };
    let mode = query_param(&uri, "hub.mode").unwrap_or_default();
    let token = query_param(&uri, "hub.verify_token").unwrap_or_default();
    let challenge = query_param(&uri, "hub.challenge").unwrap_or_default();
    match whatsapp::verify_subscription(&state.services, rid, &mode, &token).await {
        Ok(true) if !challenge.is_empty() && challenge.len() <= 200 => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge,
        )
            .into_response(),
        Ok(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "verify token does not match",
        )
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /hooks/whatsapp/{restaurant_id}`: status reports and guests' messages.
pub async fn receive(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let super::Incoming { ip, body: bytes } =
        match super::incoming(&state, req, WHATSAPP_BODY_LIMIT).await {
            Ok(i) => i,
            Err(r) => return r,
        };
    let refused = || super::refuse(&state, &ip);
    let Ok(rid) = Uuid::parse_str(&rid) else {
        return refused();
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match whatsapp::receive(&state.services, rid, signature, &bytes).await {
        Ok(r) => {
            Json(json!({"ok": true, "statuses": r.statuses, "inbound": r.inbound})).into_response()
        }
        Err(Refused::Unauthorized) => refused(),
        Err(Refused::NotJson(e)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
        .into_response(),
        // A restaurant that does not exist has no route either.
        Err(Refused::Store(hs_service::StoreError::NotFound)) => refused(),
        Err(Refused::Store(e)) => ApiError::from(e).into_response(),
    }
}

/// `POST /hooks/gohighlevel/{restaurant_id}`: HighLevel's webhook for restaurants on the
/// GoHighLevel route (`InboundMessage` events of WhatsApp), signed with `x-wh-signature`.
pub async fn receive_highlevel(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let super::Incoming { ip, body: bytes } =
        match super::incoming(&state, req, WHATSAPP_BODY_LIMIT).await {
            Ok(i) => i,
            Err(r) => return r,
        };
    let refused = || super::refuse(&state, &ip);
    let Ok(rid) = Uuid::parse_str(&rid) else {
        return refused();
    };
    let signature = headers
        .get("x-wh-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let key = state.config.ghl_public_key.clone();
    match whatsapp::receive_highlevel(&state.services, rid, &key, signature, &bytes).await {
        Ok(r) => {
            Json(json!({"ok": true, "statuses": r.statuses, "inbound": r.inbound})).into_response()
        }
        Err(Refused::Unauthorized) | Err(Refused::Store(hs_service::StoreError::NotFound)) => {
            refused()
        }
        Err(Refused::NotJson(e)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
        .into_response(),
        Err(Refused::Store(e)) => ApiError::from(e).into_response(),
    }
}
