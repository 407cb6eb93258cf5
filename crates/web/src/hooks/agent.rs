//! `POST /api/v1/agent/{restaurant_id}/v1/chat/completions`: the restaurant's chat agent as an
//! OpenAI-compatible model, for a voice platform's "custom LLM" mode (Vapi sends the whole
//! conversation as chat-completions requests and reads the streamed answer) or any OpenAI
//! client. Authenticated with the restaurant's agent key (its voice secret) as a bearer
//! token. Request and answer follow the chat-completions wire format: `messages` (roles
//! `system`, `developer`, `user`, `assistant`, `tool`; content as text or as a list of text
//! parts), `stream`; the answer is a `chat.completion`, or with `stream: true` server-sent
//! `chat.completion.chunk` events ending in `data: [DONE]`. Tools are not taken from the
//! client: the agent's own run here. The answer carries a `hostsystem` object (conversation
//! id, offered times, the booking card) that OpenAI clients ignore.

use crate::error::ApiError;
use crate::sse::event as sse;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hs_agent::chat::Reply;
use hs_agent::completions::{Completion, CompletionRequest};
use hs_service::StoreError;
use serde_json::{json, Value};
use uuid::Uuid;

/// Largest request (clients send the whole history each time).
pub const BODY_LIMIT: usize = 512 * 1024;
/// Most messages in one request.
pub const MESSAGES_MAX: usize = 500;

/// What is wrong with a request: the field and why.
type Bad = (String, String);

fn bad(field: &str, message: &str) -> Bad {
    (field.to_string(), message.to_string())
}

/// A message's text: a string, or the text parts of a list of parts.
fn text_of(content: &Value) -> Option<String> {
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|p| p["type"] == "text")
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

/// Reads the request into what the agent needs; a 400 naming the field otherwise.
fn parse(body: &[u8]) -> Result<(CompletionRequest, bool, String), Bad> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad("body", &format!("the body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("body", "a JSON object"));
    }
    let stream = match &v["stream"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => return Err(bad("stream", "true or false")),
    };
    let model = match &v["model"] {
        Value::Null => "hostsystem-agent".to_string(),
        Value::String(s) if s.len() <= 200 => s.clone(),
        _ => return Err(bad("model", "a string of up to 200 characters")),
    };
    let messages = v["messages"]
        .as_array()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| bad("messages", "a non-empty list of messages"))?;
    if messages.len() > MESSAGES_MAX {
        return Err(bad("messages", &format!("at most {MESSAGES_MAX} messages")));
    }
    let mut turns = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = m["role"].as_str().unwrap_or_default();
        if ![
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ]
        .contains(&role)
        {
            return Err(bad(
                &format!("messages[{i}].role"),
                "system, developer, user, assistant or tool",
            ));
        }
        let text = text_of(&m["content"]).ok_or_else(|| {
            bad(
                &format!("messages[{i}].content"),
                "a string or a list of text parts",
            )
        })?;
        // The client's own system prompt and tool results are not the guest's words.
        if role == "user" || role == "assistant" {
            turns.push((role.to_string(), text));
        }
    }
    let Some((role, message)) = turns.pop() else {
        return Err(bad("messages", "at least one user message"));
    };
    if role != "user" {
        return Err(bad(
            &format!("messages[{}].role", messages.len() - 1),
            "the last message of the guest must be a user message",
        ));
    }
    let thread = [
        &v["metadata"]["conversation_id"],
        &v["call"]["id"],
        &v["user"],
    ]
    .into_iter()
    .find_map(|x| x.as_str().map(str::trim).filter(|s| !s.is_empty()))
    .map(|s| s.chars().take(200).collect());
    let caller = v["call"]["customer"]["number"]
        .as_str()
        .or_else(|| v["customer"]["number"].as_str())
        .map(str::to_string);
    Ok((
        CompletionRequest {
            thread,
            history: turns,
            message,
            caller,
        },
        stream,
        model,
    ))
}

fn extension(id: Uuid, r: &Reply) -> Value {
    json!({"conversation_id": id, "choices": r.choices, "card": r.card})
}

fn chunk(cid: &str, created: i64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

/// Rough token counts for `usage` (about four characters a token), for clients that show it.
fn tokens(s: &str) -> usize {
    s.chars().count().div_ceil(4)
}

#[utoipa::path(post, path = "/api/v1/agent/{restaurant_id}/v1/chat/completions", tag = "agent",
    params(("restaurant_id" = Uuid, Path),
           ("Authorization" = String, Header, description = "`Bearer <agent key>`: the restaurant's voice secret")),
    request_body(content = Object, description = "An OpenAI chat-completions request: {model?, stream?, messages: [{role, content}], metadata?.conversation_id?, user?, call?.id?}; at most 500 messages. The client's tools are ignored: the agent runs its own"),
    responses((status = 200, description = "A `chat.completion` object, or with `stream: true` server-sent `chat.completion.chunk` events ending in `data: [DONE]`; both carry `hostsystem` {conversation_id, choices, card}", body = Object),
              crate::api::wire::VoiceErrors),
    security(()))]
pub async fn completions(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let super::Incoming { ip, body } = match super::incoming(&state, req, BODY_LIMIT).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Ok(rid) = Uuid::parse_str(&rid) else {
        return super::refuse(&state, &ip);
    };
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let (request, stream, model) = match parse(&body) {
        Ok(p) => p,
        // A stranger learns nothing about the body: the key is checked first.
        Err((field, message)) => {
            return match state.agents.agent_key_matches(rid, &key).await {
                Ok(true) => ApiError::bad_field(field, "invalid", message).into_response(),
                Ok(false) => super::refuse(&state, &ip),
                Err(e) => ApiError::from(e).into_response(),
            };
        }
    };
    // The key is checked and the request taken from the restaurant's budget in the turn's
    // own transaction (one round of BEGIN and COMMIT less before the model is asked).
    let limiter = state.voice_limiter.clone();
    let admit = move || limiter.take(&rid.to_string());
    let settle = |state: &AppState, ip: &str, c: Result<Completion, StoreError>| match c {
        Ok(Completion::Answered(id, r)) => Ok((id, r)),
        Ok(Completion::Refused) => Err(super::refuse(state, ip)),
        Ok(Completion::Limited(wait)) => Err(ApiError::too_many(wait).into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    };
    let cid = format!("chatcmpl-{}", Uuid::new_v4().simple());
    let created = chrono::Utc::now().timestamp();
    let prompt_tokens = request
        .history
        .iter()
        .map(|(_, t)| tokens(t))
        .sum::<usize>()
        + tokens(&request.message);
    if !stream {
        let done = state
            .agents
            .complete(rid, &key, admit, request, &mut |_| {})
            .await;
        return match settle(&state, &ip, done) {
            Ok((id, r)) => {
                let completion_tokens = tokens(&r.text);
                Json(json!({
                    "id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": r.text},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                              "total_tokens": prompt_tokens + completion_tokens},
                    "hostsystem": extension(id, &r),
                }))
                .into_response()
            }
            Err(resp) => resp,
        };
    }
    let agents = state.agents.clone();
    let st = state.clone();
    let opening = sse(&chunk(
        &cid,
        created,
        &model,
        json!({"role": "assistant", "content": ""}),
        None,
    ));
    // Mid-stream a failure cannot change the status: the client gets an error event and the end.
    let failed = Bytes::from(format!(
        "{}data: [DONE]\n\n",
        String::from_utf8_lossy(&sse(
            &json!({"error": {"message": "the agent could not answer", "type": "server_error"}})
        ))
    ));
    crate::sse::stream(
        move |tx| async move {
            let pieces = tx.clone();
            let (c2, m2) = (cid.clone(), model.clone());
            let mut sink = move |piece: &str| {
                if !piece.is_empty() {
                    let _ = pieces.send(Ok(sse(&chunk(
                        &c2,
                        created,
                        &m2,
                        json!({"content": piece}),
                        None,
                    ))));
                }
            };
            let done = agents.complete(rid, &key, admit, request, &mut sink).await;
            if let Err(e) = &done {
                tracing::warn!(error = %e, "the agent's completion failed");
            }
            match settle(&st, &ip, done) {
                Ok((id, r)) => {
                    let mut last = chunk(&cid, created, &model, json!({}), Some("stop"));
                    last["hostsystem"] = extension(id, &r);
                    let _ = tx.send(Ok(sse(&last)));
                    let _ = tx.send(Ok(Bytes::from_static(b"data: [DONE]\n\n")));
                }
                Err(resp) => {
                    let _ = tx.send(Err(resp));
                }
            }
        },
        Some(opening),
        failed,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guests_words_are_read_from_user_and_assistant_messages_only() {
        let body = json!({"model": "x", "stream": true, "messages": [
            {"role": "system", "content": "You are a voice agent"},
            {"role": "assistant", "content": "Hallo!"},
            {"role": "user", "content": [{"type": "text", "text": "Tisch"}, {"type": "text", "text": "für 2"}]},
            {"role": "assistant", "content": "Wann?"},
            {"role": "tool", "content": "{}"},
            {"role": "user", "content": "Freitag"}
        ], "call": {"id": "call-1", "customer": {"number": "+4976112345"}}});
        let (r, stream, model) = parse(body.to_string().as_bytes()).expect("parses");
        assert!(stream);
        assert_eq!(model, "x");
        assert_eq!(r.message, "Freitag");
        assert_eq!(r.history.len(), 3);
        assert_eq!(r.history[1].1, "Tisch für 2");
        assert_eq!(r.thread.as_deref(), Some("call-1"));
        assert_eq!(r.caller.as_deref(), Some("+4976112345"));
    }

    #[test]
    fn bad_requests_name_the_field() {
        for (body, field) in [
            (json!({"messages": []}), "messages"),
            (
                json!({"messages": [{"role": "robot", "content": "x"}]}),
                "messages[0].role",
            ),
            (
                json!({"messages": [{"role": "user", "content": 5}]}),
                "messages[0].content",
            ),
            (
                json!({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}),
                "stream",
            ),
            (
                json!({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}),
                "messages[1].role",
            ),
        ] {
            let Err((named, _)) = parse(body.to_string().as_bytes()) else {
                panic!("{body} must be refused");
            };
            assert_eq!(named, field, "{body}");
        }
    }
}
