//! The website widget: `GET /widget.js` (one script tag on the restaurant's site) and its API
//! under `/api/w/{public_id}/…`, called from the guest's browser on another origin:
//!
//! - `POST …/session` `{token?}` → `{token, config, messages}`: opens the widget; a token issued
//!   for this restaurant is kept, any other replaced by a new one;
//! - `POST …/messages` `{text}` with `X-Widget-Token` → server-sent events
//!   `{"delta": "…"}`… then `{"done": {conversation_id, choices, card, language}}`;
//! - `POST …/transcript` `{email}` with `X-Widget-Token` → 202: the conversation goes to that
//!   address through the messages outbox (special-category sentences masked; at most
//!   [`hs_agent::widget::TRANSCRIPTS_PER_CONVERSATION`] times);
//! - `POST …/files?name=…` with `X-Widget-Token`, the file as the body (at most 10 MB) → 201
//!   `{id, name, content_type, size, pos, url}`: a guest's image or PDF (see
//!   [`hs_agent::widget::Agents::widget_upload`]); `url` works for ten minutes;
//! - `GET …/stream?after=N` with `X-Widget-Token` → server-sent events while the page is open:
//!   `{"status": "agent"|"needs_person"|"person"|"closed"}` at the start and when it changes,
//!   `{"team": "…", "pos": P}` for each message a team member writes after position N (the
//!   inbox's take-over). Ends after [`STREAM_LIFE`]; the widget reconnects from its last `pos`.
//!   At most [`STREAMS_PER_CONVERSATION`] at once per conversation (a guest's open tabs).
//!
//! Every call needs an `Origin` the restaurant listed in its settings (or this server's own),
//! answered with CORS headers for exactly that origin; preflights are checked the same way.
//! No cookies: the token lives in the guest's `localStorage`. Limits: 128 KiB per request,
//! [`crate::limits::WIDGET_PER_MINUTE`] requests a minute per client address, and the
//! conversation's own pace (12 messages a minute).

use crate::error::ApiError;
use crate::events::LiveEvent;
use crate::extract::query_param;
use crate::sse::event;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hs_agent::widget::Access;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::broadcast;

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

/// The guest's token (`X-Widget-Token`), empty when missing.
fn token_of(headers: &HeaderMap) -> String {
    headers
        .get("x-widget-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
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
                HeaderValue::from_static("GET, POST"),
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

/// The client address's budget of widget requests.
fn budget(state: &AppState, req: &Request) -> Result<(), Response> {
    let ip = req
        .extensions()
        .get::<crate::auth::ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    state
        .widget_limiter
        .take(&ip)
        .map_err(|wait| ApiError::too_many(wait).into_response())
}

/// The prologue of the posting calls: the client address's budget, then the JSON body.
async fn read(state: &AppState, req: Request) -> Result<Value, Response> {
    budget(state, &req)?;
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
                    Json(json!({"token": s.token, "config": s.config, "messages": messages, "last": s.last}))
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
    let token = token_of(&headers);
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

/// How long one live stream of a widget stays open before the widget opens the next.
pub const STREAM_LIFE: Duration = Duration::from_secs(30 * 60);

/// `GET /api/w/{public_id}/stream?after=N`.
pub async fn stream(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    req: Request,
) -> Response {
    let origin = origin_of(&headers);
    if let Err(r) = budget(&state, &req) {
        return allow(r, &origin);
    }
    let token = token_of(&headers);
    let after = match query_param(&uri, "after").map(|a| a.parse::<i32>()) {
        None => -1,
        Some(Ok(n)) if n >= -1 => n,
        Some(_) => {
            return allow(
                ApiError::bad_field("after", "invalid", "a message position (-1 or more)")
                    .into_response(),
                &origin,
            )
        }
    };
    let followed = match state
        .agents
        .widget_follow(&public_id, &origin, &state.config.public_url, &token)
        .await
    {
        Ok(Access::Granted(Some(f))) => f,
        Ok(Access::Granted(None)) => {
            return allow(
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no conversation yet: the stream opens after the guest's first message",
                )
                .into_response(),
                &origin,
            )
        }
        Ok(a) => {
            return allow(
                refused(&a).unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()),
                &origin,
            )
        }
        Err(e) => return allow(ApiError::from(e).into_response(), &origin),
    };
    let Some(slot) = StreamSlot::take(followed.1) else {
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            format!(
                "this conversation is already followed by {STREAMS_PER_CONVERSATION} open pages"
            ),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return allow(r, &origin);
    };
    // Subscribed before the first read: nothing written in between is missed.
    let start = Follow {
        _slot: slot,
        ping: tokio::time::Instant::now() + KEEP_ALIVE,
        agents: state.agents.clone(),
        followed,
        after,
        status: String::new(),
        pending: VecDeque::new(),
        first: true,
        rx: state.events.subscribe(),
        stop: state.shutting_down.subscribe(),
        until: tokio::time::Instant::now() + STREAM_LIFE,
    };
    let body = futures_util::stream::unfold(start, |mut f| async move {
        let next = f.next().await?;
        Some((Ok::<_, Infallible>(next), f))
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    allow(resp, &origin)
}

/// `POST /api/w/{public_id}/transcript` `{email}`.
pub async fn transcript(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let origin = origin_of(&headers);
    let token = token_of(&headers);
    let body = match read(&state, req).await {
        Ok(v) => v,
        Err(r) => return allow(r, &origin),
    };
    let Some(email) = body["email"].as_str() else {
        return allow(
            ApiError::bad_field(
                "email",
                "required",
                "the address to send the conversation to",
            )
            .into_response(),
            &origin,
        );
    };
    let resp = match state
        .agents
        .widget_transcript(&public_id, &origin, &state.config.public_url, &token, email)
        .await
    {
        Ok(Access::Granted(())) => {
            (StatusCode::ACCEPTED, Json(json!({"queued": true}))).into_response()
        }
        Ok(a) => refused(&a).unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()),
        Err(e) => ApiError::from(e).into_response(),
    };
    allow(resp, &origin)
}

/// `POST /api/w/{public_id}/files?name=…`: the file is the request body.
pub async fn upload(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    req: Request,
) -> Response {
    let origin = origin_of(&headers);
    if let Err(r) = budget(&state, &req) {
        return allow(r, &origin);
    }
    let token = token_of(&headers);
    let name = query_param(&uri, "name").unwrap_or_default();
    // One byte over the limit is enough to know it is too large.
    let limit = hs_domain::upload::MAX_BYTES + 1;
    let bytes = match crate::extract::read_body(req, limit).await {
        Ok(b) if b.len() < limit => b,
        _ => {
            let e = hs_domain::upload::Refused::TooLarge;
            return allow(
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), e.message())
                    .field("file")
                    .into_response(),
                &origin,
            );
        }
    };
    let resp = match state
        .agents
        .widget_upload(
            &public_id,
            &origin,
            &state.config.public_url,
            &token,
            &name,
            &bytes,
        )
        .await
    {
        Ok(Access::Granted(u)) => {
            let url = format!("{}{}", state.config.public_url, u.link);
            (
                StatusCode::CREATED,
                Json(
                    json!({"id": u.id, "conversation_id": u.conversation_id, "name": u.name,
                    "content_type": u.content_type, "size": u.size, "pos": u.pos, "url": url}),
                ),
            )
                .into_response()
        }
        Ok(a) => refused(&a).unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()),
        Err(e) => ApiError::from(e).into_response(),
    };
    allow(resp, &origin)
}

/// How many live streams one conversation may hold open at once.
pub const STREAMS_PER_CONVERSATION: usize = 5;

/// How long a quiet stream waits before a comment line keeps proxies from closing it.
const KEEP_ALIVE: Duration = Duration::from_secs(25);

/// Open streams per conversation (conversation ids are unique across restaurants).
fn open_streams() -> &'static Mutex<HashMap<uuid::Uuid, usize>> {
    static OPEN: OnceLock<Mutex<HashMap<uuid::Uuid, usize>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// One of a conversation's stream places, given back when the stream ends.
struct StreamSlot(uuid::Uuid);

impl StreamSlot {
    fn take(conversation: uuid::Uuid) -> Option<StreamSlot> {
        let mut open = open_streams().lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(conversation).or_insert(0);
        if *n >= STREAMS_PER_CONVERSATION {
            return None;
        }
        *n += 1;
        Some(StreamSlot(conversation))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = open_streams().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.0) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// One widget's live stream: waits for changes of its conversation and sends what is new.
struct Follow {
    _slot: StreamSlot,
    /// When to send the next keep-alive if nothing else was sent.
    ping: tokio::time::Instant,
    agents: hs_agent::call::Agents,
    followed: (uuid::Uuid, uuid::Uuid),
    /// The last position sent.
    after: i32,
    /// The status last sent.
    status: String,
    pending: VecDeque<Bytes>,
    first: bool,
    rx: broadcast::Receiver<LiveEvent>,
    stop: tokio::sync::watch::Receiver<bool>,
    until: tokio::time::Instant,
}

impl Follow {
    /// The next event to send, or `None` to end the stream.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                self.ping = tokio::time::Instant::now() + KEEP_ALIVE;
                return Some(b);
            }
            if !self.first {
                let changed = tokio::select! {
                    ev = self.rx.recv() => match ev {
                        Ok(LiveEvent::Conversation(c)) => c.conversation_id == self.followed.1,
                        Ok(LiveEvent::Reservation(_)) => false,
                        // The listener was away: changes may have been missed.
                        Ok(LiveEvent::Resync) => true,
                        // Fell behind or the listener was away: read again to be sure.
                        Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = self.stop.changed() => return None,
                    _ = tokio::time::sleep_until(self.until) => return None,
                    // A comment line keeps proxies from closing a quiet stream.
                    _ = tokio::time::sleep_until(self.ping) => {
                        self.ping = tokio::time::Instant::now() + KEEP_ALIVE;
                        return Some(Bytes::from_static(b": keep-alive\n\n"));
                    }
                };
                if !changed {
                    continue;
                }
            }
            self.first = false;
            let u = match self.agents.widget_update(self.followed, self.after).await {
                Ok(u) => u,
                // The conversation was anonymised or deleted: nothing more to follow.
                Err(hs_service::StoreError::NotFound) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "a widget stream could not read its conversation");
                    return None;
                }
            };
            if u.status != self.status {
                self.pending.push_back(event(&json!({"status": u.status})));
                self.status = u.status;
            }
            for (pos, text) in u.team {
                self.pending
                    .push_back(event(&json!({"team": text, "pos": pos})));
                self.after = self.after.max(pos);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_holds_five_streams_and_a_closed_one_gives_its_place_back() {
        let conversation = uuid::Uuid::new_v4();
        let mut held: Vec<StreamSlot> = (0..STREAMS_PER_CONVERSATION)
            .map(|_| StreamSlot::take(conversation).expect("a place"))
            .collect();
        assert!(StreamSlot::take(conversation).is_none(), "the sixth waits");
        assert!(
            StreamSlot::take(uuid::Uuid::new_v4()).is_some(),
            "another conversation has its own places"
        );
        held.pop();
        assert!(StreamSlot::take(conversation).is_some());
        held.clear();
        assert!(
            !open_streams()
                .lock()
                .expect("lock")
                .contains_key(&conversation),
            "nothing is left behind"
        );
    }
}
