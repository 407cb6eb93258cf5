//! Webhooks of the voice-AI platforms. Each restaurant has its own URLs and secret:
//!
//! - `POST /api/v1/voice/{restaurant_id}/tools/{tool}`: generic JSON (GoHighLevel custom
//!   actions, any platform). Secret in `X-HostSystem-Secret` or as a bearer token; the body is
//!   the tool's arguments plus optional `call_id`, `tool_call_id`, `caller` and `language`.
//! - `POST /api/v1/voice/{restaurant_id}/vapi`: a Vapi server URL. Secret as bearer token or
//!   in the configured header (default `x-vapi-secret`). Handles `tool-calls` (answering
//!   `{"results":[{"toolCallId","result"}]}`, or `error` instead of `result` when the caller
//!   must be asked again), `status-update` and `end-of-call-report`; other message types get
//!   200 `{}`. Format: <https://docs.vapi.ai/server-url/events>, <https://docs.vapi.ai/tools/custom-tools>.
//! - `POST /api/v1/voice/{restaurant_id}/retell/function[/{tool}]` (custom functions:
//!   `{"name","args","call"}`, or the arguments alone when the tool is in the path) and
//!   `POST /api/v1/voice/{restaurant_id}/retell/webhook` (`call_started`, `call_ended`,
//!   `call_analyzed`). Both verify `X-Retell-Signature: v=<unix ms>,d=<hex HMAC-SHA256 of
//!   body + timestamp, keyed with the Retell API key>` within five minutes
//!   (<https://docs.retellai.com/features/secure-webhook>).
//!
//! A wrong or missing secret or signature is 401 with no detail. A retried tool call (same
//! call and tool-call id, the same `Idempotency-Key`, or for booking changes the same call,
//! tool and arguments) returns the first answer and books once.

use crate::api::wire::VoiceErrors;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, TimeZone, Utc};
use hs_agent::call::{ToolCall, Webhook};
use hs_service::model::voice::{CallEnd, Provider};
use hs_service::signature::verify_retell;
use hs_service::StoreError;
use serde_json::{json, Value};
use uuid::Uuid;

/// Largest webhook body (end-of-call reports carry whole transcripts).
pub const VOICE_BODY_LIMIT: usize = 512 * 1024;
fn parse_json(bytes: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
        .into_response()
    })
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    header(h, "authorization").and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    })
}

async fn secret_ok(hook: &mut Webhook, given: Option<&str>) -> Result<bool, Response> {
    match given.filter(|g| !g.is_empty() && g.len() <= 200) {
        None => Ok(false),
        Some(g) => hook
            .secret_matches(g.trim())
            .await
            .map_err(|e| ApiError::from(e).into_response()),
    }
}

/// How a platform proves a request is the restaurant's.
enum Auth {
    /// The voice secret in `X-HostSystem-Secret` or as a bearer token.
    Generic,
    /// The voice secret as a bearer token or in the restaurant's Vapi header.
    Vapi,
    /// `X-Retell-Signature` over the raw body with the restaurant's Retell key.
    Retell,
}

/// An accepted webhook request.
struct Hook {
    hook: Webhook,
    body: Value,
    /// The restaurant's language for calls (when the call does not say).
    language: String,
}

/// Reads the body (within the limit), opens the restaurant's transaction, checks the
/// credentials and parses the JSON: the prologue of every webhook.
async fn accept(
    state: &AppState,
    rid: &str,
    headers: &HeaderMap,
    req: Request,
    auth: Auth,
) -> Result<Hook, Response> {
    // Order matters: a client address that keeps failing is refused before anything is
    // checked, and only a request with good credentials takes from the restaurant's budget,
    // so strangers cannot use it up.
    let super::Incoming { ip, body: bytes } = super::incoming(state, req, VOICE_BODY_LIMIT).await?;
    let failed = || super::refuse(state, &ip);
    let rid = Uuid::parse_str(rid).map_err(|_| failed())?;
    let fail = |e: StoreError| ApiError::from(e).into_response();
    let mut hook = Webhook::open(&state.agents, rid).await.map_err(fail)?;
    let vapi_header = hook.settings.vapi_header.clone();
    let ok = match auth {
        Auth::Generic => {
            let given = header(headers, "x-hostsystem-secret").or_else(|| bearer(headers));
            secret_ok(&mut hook, given).await?
        }
        Auth::Vapi => {
            let given = bearer(headers).or_else(|| header(headers, &vapi_header));
            secret_ok(&mut hook, given).await?
        }
        Auth::Retell => {
            // Freshness is about real network time, so the wall clock, not the store's clock.
            let signature = header(headers, "x-retell-signature");
            hook.retell_key().await.map_err(fail)?.is_some_and(|k| {
                verify_retell(&k, signature, &bytes, Utc::now().timestamp_millis()).is_ok()
            })
        }
    };
    if !ok {
        return Err(failed());
    }
    if let Err(wait) = state.voice_limiter.take(&rid.to_string()) {
        return Err(ApiError::too_many(wait).into_response());
    }
    let language = hook.settings.language.clone();
    Ok(Hook {
        hook,
        body: parse_json(&bytes)?,
        language,
    })
}

/// The `Idempotency-Key` header, when usable.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    header(headers, "idempotency-key")
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_string)
}

// ---- generic ------------------------------------------------------------------------------

/// `POST /api/v1/voice/{restaurant_id}/tools/{tool}`.
#[utoipa::path(post, path = "/api/v1/voice/{restaurant_id}/tools/{tool}", tag = "voice",
    params(("restaurant_id" = Uuid, Path), ("tool" = String, Path, description = "check_availability | create_reservation | find_reservation | change_reservation | cancel_reservation | restaurant_info | hand_over_to_staff"),
           ("X-HostSystem-Secret" = Option<String>, Header, description = "The restaurant's voice secret (or as bearer token)"),
           ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")),
    request_body(content = Object, description = "The tool's arguments plus optional call_id, tool_call_id, caller, language"),
    responses((status = 200, description = "{ok, say, data, error?, call_id}; ok=false asks the caller again", body = Object), VoiceErrors),
    security(()))]
pub async fn generic(
    State(state): State<AppState>,
    Path((rid, tool)): Path<(String, String)>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Hook {
        hook,
        body: args,
        language,
    } = match accept(&state, &rid, &headers, req, Auth::Generic).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    let call = ToolCall {
        provider: Provider::Generic,
        call: text("call_id"),
        caller: text("caller"),
        language: text("language"),
        tool: &tool,
        args: &args,
        tool_call_id: text("tool_call_id"),
        idempotency_key: idempotency_key(&headers),
    };
    match hook.run(&state.agents, &language, call).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---- Vapi ---------------------------------------------------------------------------------

fn vapi_call(message: &Value) -> (Option<String>, Option<String>) {
    let call = &message["call"];
    let id = call["id"].as_str().map(str::to_string);
    let caller = message["customer"]["number"]
        .as_str()
        .or_else(|| call["customer"]["number"].as_str())
        .map(str::to_string);
    (id, caller)
}

fn iso(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// A single line for Vapi's `result`/`error`: the answer as compact JSON.
fn one_line(v: &Value) -> String {
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        m.remove("call_id");
    }
    v.to_string()
}

/// `POST /api/v1/voice/{restaurant_id}/vapi`.
#[utoipa::path(post, path = "/api/v1/voice/{restaurant_id}/vapi", tag = "voice",
    params(("restaurant_id" = Uuid, Path)),
    request_body(content = Object, description = "A Vapi server message {message: {type: tool-calls | status-update | end-of-call-report | …}}; secret as bearer token or in the configured header"),
    responses((status = 200, description = "tool-calls: {results: [{toolCallId, result | error}]}; otherwise {}", body = Object), VoiceErrors),
    security(()))]
pub async fn vapi(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Hook {
        hook,
        body: envelope,
        language,
    } = match accept(&state, &rid, &headers, req, Auth::Vapi).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = &envelope["message"];
    let (call, caller) = vapi_call(message);
    match message["type"].as_str().unwrap_or("") {
        "tool-calls" => {
            let list = message["toolCallList"]
                .as_array()
                .cloned()
                .or_else(|| {
                    message["toolWithToolCallList"]
                        .as_array()
                        .map(|l| l.iter().map(|t| t["toolCall"].clone()).collect())
                })
                .unwrap_or_default();
            let mut results = Vec::new();
            let rid = hook.restaurant_id();
            let mut hook = Some(hook);
            for item in list.iter().take(10) {
                // Vapi's SDK type nests name and arguments under `function`; the request example
                // in its custom-tools docs puts them on the item, and `toolWithToolCallList`
                // carries `function.parameters`. All three are accepted.
                let id = item["id"].as_str().unwrap_or_default().to_string();
                let f = &item["function"];
                let name = f["name"]
                    .as_str()
                    .or_else(|| item["name"].as_str())
                    .unwrap_or_default();
                let args = [
                    &f["arguments"],
                    &item["arguments"],
                    &f["parameters"],
                    &item["parameters"],
                ]
                .into_iter()
                .find(|v| !v.is_null())
                .unwrap_or(&Value::Null);
                let this = match hook.take() {
                    Some(h) => h,
                    None => match Webhook::open(&state.agents, rid).await {
                        Ok(t) => t,
                        Err(e) => return ApiError::from(e).into_response(),
                    },
                };
                let c = ToolCall {
                    provider: Provider::Vapi,
                    call: call.clone(),
                    caller: caller.clone(),
                    language: None,
                    tool: name,
                    args,
                    tool_call_id: Some(id.clone()).filter(|i| !i.is_empty()),
                    idempotency_key: None,
                };
                match this.run(&state.agents, &language, c).await {
                    Ok(answer) if answer["ok"] == json!(true) => {
                        results.push(json!({"toolCallId": id, "result": one_line(&answer)}))
                    }
                    Ok(answer) => {
                        results.push(json!({"toolCallId": id, "error": one_line(&answer)}))
                    }
                    Err(e) => return ApiError::from(e).into_response(),
                }
            }
            Json(json!({ "results": results })).into_response()
        }
        "status-update" => {
            let status = message["status"].as_str().unwrap_or("unknown");
            let Some(ext) = call else {
                return Json(json!({})).into_response();
            };
            let payload =
                json!({"status": status, "ended_reason": message["endedReason"].as_str()});
            let r = hook
                .status(
                    Provider::Vapi,
                    &ext,
                    caller.as_deref(),
                    &language,
                    status,
                    &payload,
                )
                .await;
            match r {
                Ok(()) => Json(json!({})).into_response(),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        "end-of-call-report" => {
            let Some(ext) = call else {
                return Json(json!({})).into_response();
            };
            let artifact = &message["artifact"];
            let duration = message["durationSeconds"]
                .as_f64()
                .or_else(|| message["durationMs"].as_f64().map(|ms| ms / 1000.0))
                .map(|s| s.round() as i32);
            let end = CallEnd {
                started_at: iso(&message["startedAt"])
                    .or_else(|| iso(&message["call"]["startedAt"])),
                ended_at: iso(&message["endedAt"]).or_else(|| iso(&message["call"]["endedAt"])),
                duration_seconds: duration,
                transcript: message["transcript"]
                    .as_str()
                    .or_else(|| artifact["transcript"].as_str())
                    .map(str::to_string),
                summary: message["summary"]
                    .as_str()
                    .or_else(|| message["analysis"]["summary"].as_str())
                    .map(str::to_string),
                recording_url: message["recordingUrl"]
                    .as_str()
                    .or_else(|| artifact["recordingUrl"].as_str())
                    .map(str::to_string),
                ended_reason: message["endedReason"].as_str().map(str::to_string),
            };
            hook.ended(Provider::Vapi, &ext, caller.as_deref(), &language, &end)
                .await
                .map(|()| Json(json!({})).into_response())
                .unwrap_or_else(|e| ApiError::from(e).into_response())
        }
        // Anything else (transcript updates, hang notifications, …) is acknowledged.
        _ => Json(json!({})).into_response(),
    }
}

// ---- Retell -------------------------------------------------------------------------------

/// `POST /api/v1/voice/{restaurant_id}/retell/function` and `…/function/{tool}`.
#[utoipa::path(post, path = "/api/v1/voice/{restaurant_id}/retell/function", tag = "voice",
    params(("restaurant_id" = Uuid, Path), ("X-Retell-Signature" = String, Header, description = "v=<unix ms>,d=<hex HMAC-SHA256 of body + timestamp>")),
    request_body(content = Object, description = "A Retell custom function call {name, args, call}; or the arguments alone at …/retell/function/{tool}"),
    responses((status = 200, description = "{ok, say, data, error?, call_id}", body = Object), VoiceErrors),
    security(()))]
pub async fn retell_function(
    State(state): State<AppState>,
    Path(p): Path<Vec<(String, String)>>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let rid = p
        .iter()
        .find(|(k, _)| k == "restaurant_id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let path_tool = p.iter().find(|(k, _)| k == "tool").map(|(_, v)| v.clone());
    let Hook {
        hook,
        body: v,
        language,
    } = match accept(&state, &rid, &headers, req, Auth::Retell).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Full payload {"name","args","call"}, or the arguments alone with the tool in the path.
    let full = v.get("args").is_some() && v.get("name").is_some();
    let tool = if full {
        v["name"].as_str().unwrap_or_default().to_string()
    } else {
        path_tool.unwrap_or_default()
    };
    let args = if full { v["args"].clone() } else { v.clone() };
    let call = &v["call"];
    let c = ToolCall {
        provider: Provider::Retell,
        call: call["call_id"].as_str().map(str::to_string),
        caller: call["from_number"].as_str().map(str::to_string),
        language: None,
        tool: &tool,
        args: &args,
        tool_call_id: None,
        idempotency_key: idempotency_key(&headers),
    };
    match hook.run(&state.agents, &language, c).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /api/v1/voice/{restaurant_id}/retell/function/{tool}`: the same custom function call
/// with the tool named in the path and the arguments alone as the body.
#[utoipa::path(post, path = "/api/v1/voice/{restaurant_id}/retell/function/{tool}", tag = "voice",
    params(("restaurant_id" = Uuid, Path), ("tool" = String, Path, description = "check_availability, create_reservation, find_reservation, change_reservation, cancel_reservation, restaurant_info or hand_over_to_staff"),
           ("X-Retell-Signature" = String, Header, description = "v=<unix ms>,d=<hex HMAC-SHA256 of body + timestamp>")),
    request_body(content = Object, description = "The tool's arguments (or a full call {name, args, call})"),
    responses((status = 200, description = "{ok, say, data, error?, call_id}", body = Object), VoiceErrors),
    security(()))]
pub async fn retell_function_tool(
    state: State<AppState>,
    path: Path<Vec<(String, String)>>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    retell_function(state, path, headers, req).await
}

fn millis(v: &Value) -> Option<DateTime<Utc>> {
    v.as_i64()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

/// `POST /api/v1/voice/{restaurant_id}/retell/webhook`: 204 once recorded.
#[utoipa::path(post, path = "/api/v1/voice/{restaurant_id}/retell/webhook", tag = "voice",
    params(("restaurant_id" = Uuid, Path), ("X-Retell-Signature" = String, Header, description = "v=<unix ms>,d=<hex HMAC-SHA256 of body + timestamp>")),
    request_body(content = Object, description = "A Retell call event {event: call_started | call_ended | call_analyzed, call}"),
    responses((status = 204, description = "Recorded"), VoiceErrors),
    security(()))]
pub async fn retell_webhook(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Hook {
        hook,
        body: v,
        language,
    } = match accept(&state, &rid, &headers, req, Auth::Retell).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let call = &v["call"];
    let Some(ext) = call["call_id"].as_str() else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let caller = call["from_number"].as_str();
    let event = v["event"].as_str().unwrap_or("unknown");
    let r: Result<(), StoreError> = async {
        match event {
            "call_ended" | "call_analyzed" => {
                let start = millis(&call["start_timestamp"]);
                let end_at = millis(&call["end_timestamp"]);
                // Whole seconds, rounded like Vapi's durations.
                let duration = call["duration_ms"]
                    .as_i64()
                    .or_else(|| match (start, end_at) {
                        (Some(a), Some(b)) => Some((b - a).num_milliseconds()),
                        _ => None,
                    })
                    .map(|ms| ((ms.max(0) + 500) / 1000) as i32);
                let end = CallEnd {
                    started_at: start,
                    ended_at: end_at,
                    duration_seconds: duration,
                    transcript: call["transcript"].as_str().map(str::to_string),
                    summary: call["call_analysis"]["call_summary"]
                        .as_str()
                        .map(str::to_string),
                    recording_url: call["recording_url"].as_str().map(str::to_string),
                    ended_reason: call["disconnection_reason"].as_str().map(str::to_string),
                };
                hook.ended(Provider::Retell, ext, caller, &language, &end)
                    .await
            }
            _ => {
                let payload = json!({"status": call["call_status"].as_str()});
                hook.status(Provider::Retell, ext, caller, &language, event, &payload)
                    .await
            }
        }
    }
    .await;
    match r {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
