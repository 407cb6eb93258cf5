//! Middleware around every request: request id, timeout, security headers, metrics and one
//! structured log line; plus the fallbacks for unknown routes and methods.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

/// The request id header, echoed on every response.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content Security Policy: no inline scripts, no framing, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A client's request id if it is short and plain, else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Request id, timeout, headers, metrics and the access log line.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    // The route pattern, never the concrete path: paths may carry tokens (invite, reset links).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let static_asset = route.starts_with("/static/");
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    // Event streams stay open by design; everything else has a deadline.
    let timeout = if route == "/events" {
        std::time::Duration::from_secs(24 * 3600)
    } else if route == "/api/w/{public_id}/stream" {
        crate::guest::widget::STREAM_LIFE + std::time::Duration::from_secs(60)
    } else {
        state.config.request_timeout
    };
    let mut resp = match tokio::time::timeout(timeout, next.run(req).instrument(span.clone())).await
    {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long",
        )
        .into_response(),
    };
    let cacheable = static_asset && resp.status().is_success();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID.clone(), v);
    }
    // A page that may be framed (the hosted booking page) sets its own policy.
    let own_policy = h.contains_key(header::CONTENT_SECURITY_POLICY);
    if !own_policy {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.config.tls() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if cacheable {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) {
        // Nothing personal is ever cached by a browser or proxy (a handler that serves
        // something public, like the widget's script, says so itself).
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = resp.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    state.metrics.record(&route, method.as_str(), status, secs);
    tracing::info!(parent: &span, status, latency_ms = (secs * 1000.0 * 1000.0).round() / 1000.0, "request");
    resp
}

/// Unknown route: JSON under `/api`, a page elsewhere.
pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        crate::render::error_page(&state, &req, StatusCode::NOT_FOUND)
    }
}

/// Known route, wrong method.
pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed for this route",
    )
    .into_response()
}

/// The answer to a request whose handler panicked: logged with the panic message, then the
/// plain 500 every unexpected failure gets.
pub fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(&format!("handler panicked: {what}")).into_response()
}
