//! The website widget: `GET /widget.js` (one script tag on the restaurant's site) and its API
//! under `/api/w/{public_id}/…`, called from the guest's browser on another origin:
//!
//! - `POST …/session` `{token?}` → `{token, config, messages}`: opens the widget; a token issued
//!   for this restaurant is kept, any other replaced by a new one;
//! - `POST …/messages` `{text}` with `X-Widget-Token` → server-sent events
//!   `{"delta": "…"}`… then `{"done": {conversation_id, choices, card, language}}`.
//!
//! Every call needs an `Origin` the restaurant listed in its settings (or this server's own),
//! answered with CORS headers for exactly that origin; preflights are checked the same way.
//! No cookies: the token lives in the guest's `localStorage`. Limits: 128 KiB per request,
//! [`crate::limits::WIDGET_PER_MINUTE`] requests a minute per client address, and the
//! conversation's own pace (12 messages a minute).

use crate::error::ApiError;
use crate::sse::event;
use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hs_agent::widget::Access;
use serde_json::{json, Value};

/// The widget's script, as a browser loads it.
pub const SCRIPT: &str = include_str!("../../static/widget.js");

/// Largest request body (a message is cut at 2,000 characters by the agent; 20,000 are read).
pub const BODY_LIMIT: usize = 128 * 1024;

/// `GET /widget.js`: cached for five minutes (the URL carries no version).
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT,
    )
        .into_response()
}

fn origin_of(headers: &HeaderMap) -> String {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// CORS headers for the request's origin, so the widget can read the answer; not on a refusal
/// of the origin (403) or of the widget id (404), which such a page must not read.
fn allow(mut resp: Response, origin: &str) -> Response {
    if matches!(resp.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
        return resp;
    }
    if let Ok(v) = HeaderValue::from_str(origin) {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

fn refused<T>(a: &Access<T>) -> Option<Response> {
    let (status, code, message) = match a {
        Access::Granted(_) => return None,
        Access::Unknown => (StatusCode::NOT_FOUND, "not_found", "no such widget"),
        Access::Origin => (
            StatusCode::FORBIDDEN,
            "origin",
            "this website may not use the restaurant's widget",
        ),
        Access::Token => (
            StatusCode::UNAUTHORIZED,
            "token",
            "the widget's token is missing or not valid here",
        ),
    };
    Some(ApiError::new(status, code, message).into_response())
}

/// `OPTIONS /api/w/{public_id}/{session|messages}`: the preflight of a listed origin.
pub async fn preflight(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = origin_of(&headers);
    match state
        .agents
        .widget_origin(&public_id, &origin, &state.config.public_url)
        .await
    {
        Ok(a) => {
            if let Some(r) = refused(&a) {
                return r;
            }
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, x-widget-token"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            allow(resp, &origin)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The prologue of both calls: the client address's budget, then the JSON body.
async fn read(state: &AppState, req: Request) -> Result<Value, Response> {
    let ip = req
        .extensions()
        .get::<crate::auth::ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    if let Err(wait) = state.widget_limiter.take(&ip) {
        return Err(ApiError::too_many(wait).into_response());
    }
    let body = crate::extract::read_body(req, BODY_LIMIT)
        .await
        .map_err(IntoResponse::into_response)?;
    if body.is_empty() {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_field("body", "invalid", format!("the body is not JSON: {e}")).into_response()
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_field("body", "invalid", "a JSON object").into_response());
    }
    Ok(v)
}

/// `POST /api/w/{public_id}/session`.
pub async fn session(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let origin = origin_of(&headers);
    let body = match read(&state, req).await {
        Ok(v) => v,
        Err(r) => return allow(r, &origin),
    };
    let token = match &body["token"] {
        Value::Null => None,
        Value::String(s) if s.len() <= 100 => Some(s.as_str()),
        _ => {
            return allow(
                ApiError::bad_field("token", "invalid", "the token the widget was given")
                    .into_response(),
                &origin,
            )
        }
    };
    match state
        .agents
        .widget_session(&public_id, &origin, &state.config.public_url, token)
        .await
    {
        Ok(a) => match refused(&a) {
            Some(r) => allow(r, &origin),
            None => {
                let Access::Granted(s) = a else {
                    return ApiError::internal(&"unreachable").into_response();
                };
                let messages: Vec<Value> = s
                    .messages
                    .iter()
                    .map(|(role, text)| json!({"role": role, "text": text}))
                    .collect();
                allow(
                    Json(json!({"token": s.token, "config": s.config, "messages": messages}))
                        .into_response(),
                    &origin,
                )
            }
        },
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /api/w/{public_id}/messages`.
pub async fn message(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let origin = origin_of(&headers);
    let token = headers
        .get("x-widget-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = match read(&state, req).await {
        Ok(v) => v,
        Err(r) => return allow(r, &origin),
    };
    let Some(text) = body["text"].as_str().map(str::to_string) else {
        return allow(
            ApiError::bad_field("text", "required", "the guest's message as text").into_response(),
            &origin,
        );
    };
    if text.chars().count() > 20_000 {
        return allow(
            ApiError::bad_field("text", "too_long", "at most 20,000 characters").into_response(),
            &origin,
        );
    }
    let agents = state.agents.clone();
    let own = state.config.public_url.clone();
    let failed = event(&json!({"error": "the agent could not answer"}));
    let origin2 = origin.clone();
    let resp = crate::sse::stream(
        move |tx| async move {
            let pieces = tx.clone();
            let mut sink = move |piece: &str| {
                if !piece.is_empty() {
                    let _ = pieces.send(Ok(event(&json!({"delta": piece}))));
                }
            };
            let done = agents
                .widget_message(&public_id, &origin2, &own, &token, &text, &mut sink)
                .await;
            let resp = match done {
                Ok(Access::Granted((id, r))) => {
                    let _ = tx.send(Ok(event(&json!({"done": {
                        "conversation_id": id, "text": r.text, "choices": r.choices,
                        "card": r.card, "language": r.language}}))));
                    return;
                }
                Ok(a) => refused(&a).unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()),
                Err(e) => {
                    tracing::warn!(error = %e, "a widget turn failed");
                    ApiError::from(e).into_response()
                }
            };
            let _ = tx.send(Err(resp));
        },
        None,
        failed,
    )
    .await;
    allow(resp, &origin)
}
