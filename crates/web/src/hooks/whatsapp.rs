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

/// Which provider signs a delivery.
enum Route {
    /// Meta: `X-Hub-Signature-256` with the restaurant's app secret.
    Meta,
    /// HighLevel: `x-wh-signature` with HighLevel's key.
    HighLevel,
}

/// A delivery of either route: the address limit, the body, the signature, the service.
async fn deliver(
    state: &AppState,
    rid: &str,
    headers: &HeaderMap,
    req: Request,
    route: Route,
) -> Response {
    let super::Incoming { ip, body } = match super::incoming(state, req, WHATSAPP_BODY_LIMIT).await
    {
        Ok(i) => i,
        Err(r) => return r,
    };
    let refused = || super::refuse(state, &ip);
    let Ok(rid) = Uuid::parse_str(rid) else {
        return refused();
    };
    let signed = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let result = match route {
        Route::Meta => {
            whatsapp::receive(&state.services, rid, signed("x-hub-signature-256"), &body).await
        }
        Route::HighLevel => {
            let key = &state.config.ghl_public_key;
            whatsapp::receive_highlevel(&state.services, rid, key, signed("x-wh-signature"), &body)
                .await
        }
    };
    match result {
        Ok(r) => {
            Json(json!({"ok": true, "statuses": r.statuses, "inbound": r.inbound})).into_response()
        }
        // A restaurant that does not exist has no route either.
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

/// `POST /hooks/whatsapp/{restaurant_id}`: Meta's status reports and guests' messages.
pub async fn receive(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    deliver(&state, &rid, &headers, req, Route::Meta).await
}

/// `POST /hooks/gohighlevel/{restaurant_id}`: HighLevel's webhook for restaurants on the
/// GoHighLevel route (`InboundMessage` and `OutboundMessage` events of WhatsApp).
pub async fn receive_highlevel(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    deliver(&state, &rid, &headers, req, Route::HighLevel).await
}
