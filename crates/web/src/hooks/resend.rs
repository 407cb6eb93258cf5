//! Resend's delivery webhook (`POST /hooks/resend`), signed the Svix way: `svix-id`,
//! `svix-timestamp` and `svix-signature` headers over the raw body with the `whsec_` secret,
//! within 5 minutes (<https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests>).
//! Checked before anything is parsed or stored; a bad or missing signature is 401 and counts
//! as a failed authentication of the client address. The event is applied once per `svix-id`
//! (a replay is acknowledged and changes nothing): `email.delivered`, `email.opened`,
//! `email.bounced` (a `Permanent` bounce marks the guest's address as not deliverable),
//! `email.complained` (treated as a permanent bounce: no more mail to that address) and
//! `email.failed`. Other events are acknowledged and ignored. A restaurant with its own Resend
//! account has its own hook, `POST /hooks/resend/{restaurant_id}`, signed with its own secret.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hs_service::guest_messages::{self, Refused};
use hs_service::signature::SvixHeaders;
use serde_json::json;

/// Largest Resend event (they are small; the limit keeps a stranger's body small too).
pub const RESEND_BODY_LIMIT: usize = 64 * 1024;

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Reads the Svix headers.
fn svix(headers: &HeaderMap) -> (Option<String>, Option<String>, Option<String>) {
    (
        header(headers, "svix-id").map(str::to_string),
        header(headers, "svix-timestamp").map(str::to_string),
        header(headers, "svix-signature").map(str::to_string),
    )
}

/// Answers one delivery: verified and applied by the service.
async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    req: Request,
    restaurant: Option<uuid::Uuid>,
) -> Response {
    let super::Incoming { ip, body: bytes } =
        match super::incoming(state, req, RESEND_BODY_LIMIT).await {
            Ok(i) => i,
            Err(r) => return r,
        };
    let (id, timestamp, signature) = svix(headers);
    let signed = SvixHeaders {
        id: id.as_deref(),
        timestamp: timestamp.as_deref(),
        signature: signature.as_deref(),
    };
    let platform = state.config.resend_webhook_secret.as_deref();
    match guest_messages::receive_resend(&state.services, restaurant, platform, signed, &bytes)
        .await
    {
        Ok(applied) => Json(json!({"ok": true, "applied": applied})).into_response(),
        Err(Refused::NotConfigured) => ApiError::not_found().into_response(),
        Err(Refused::Unauthorized) => super::refuse(state, &ip),
        Err(Refused::NotJson(e)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
        .into_response(),
        Err(Refused::Store(e)) => ApiError::from(e).into_response(),
    }
}

/// `POST /hooks/resend`: the platform's Resend account.
pub async fn resend(State(state): State<AppState>, headers: HeaderMap, req: Request) -> Response {
    answer(&state, &headers, req, None).await
}

/// `POST /hooks/resend/{restaurant_id}`: a restaurant's own Resend account, signed with its
/// own secret; it moves only that restaurant's messages.
pub async fn resend_for(
    State(state): State<AppState>,
    axum::extract::Path(rid): axum::extract::Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Ok(rid) = uuid::Uuid::parse_str(&rid) else {
        return ApiError::unauthorized().into_response();
    };
    answer(&state, &headers, req, Some(rid)).await
}
