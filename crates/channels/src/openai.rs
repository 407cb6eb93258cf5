//! Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style gateways, vLLM, Ollama,
//! LM Studio …), streamed: `POST {base}/chat/completions` with `stream: true` and
//! `stream_options.include_usage`, answered as server-sent events, one `data: {chunk}` per
//! event and `data: [DONE]` at the end. A chunk's `choices[0].delta` carries `content` (text
//! to append) and `tool_calls` (fragments: `index`, then `id` and `function.name` once and
//! `function.arguments` in pieces, assembled by `index`); the last chunk may have no choices
//! and the `usage` (prompt and completion tokens). Wire format as documented for the OpenAI
//! chat-completions API ("Streaming", `ChatCompletionChunk`).

use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;

/// Where the model is and how to reach it.
#[derive(Clone, Debug)]
pub struct Model {
    /// Up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    /// Bearer key; empty for servers that need none.
    pub key: String,
}

/// How long to wait.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Until the first content or tool-call fragment arrives.
    pub first_token: Duration,
    /// For the whole answer.
    pub whole: Duration,
}

/// A tool call the model asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them (JSON text, possibly invalid).
    pub arguments: String,
}

/// One streamed answer, assembled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Completion {
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: Option<String>,
    /// Prompt plus completion tokens, when the server reported them.
    pub tokens: u32,
}

/// Why there is no answer; every one of these makes the caller fall back.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelError {
    #[error("model unreachable: {0}")]
    Unreachable(String),
    #[error("model answered {status}: {said}")]
    Status { status: u16, said: String },
    #[error("model sent a malformed stream: {0}")]
    Malformed(String),
    #[error("model timed out waiting for the {0}")]
    Timeout(&'static str),
}

/// Sends one request and reads the streamed answer, calling `on_text` with each piece of
/// content as it arrives.
pub async fn stream(
    client: &reqwest::Client,
    model: &Model,
    messages: &Value,
    tools: &Value,
    limits: Limits,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, ModelError> {
    let start = Instant::now();
    let first_deadline = start + limits.first_token;
    let deadline = start + limits.whole;
    let mut body = json!({
        "model": model.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if tools.as_array().is_some_and(|t| !t.is_empty()) {
        body["tools"] = tools.clone();
        body["tool_choice"] = json!("auto");
    }
    let mut req = client
        .post(format!(
            "{}/chat/completions",
            model.base_url.trim_end_matches('/')
        ))
        .header("accept", "text/event-stream")
        .json(&body);
    if !model.key.is_empty() {
        req = req.bearer_auth(&model.key);
    }
    let mut response = tokio::time::timeout_at(first_deadline, req.send())
        .await
        .map_err(|_| ModelError::Timeout("first token"))?
        .map_err(|e| ModelError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    if !status.is_success() {
        let text = tokio::time::timeout_at(deadline, response.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let said = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| text.chars().take(300).collect());
        return Err(ModelError::Status {
            status: status.as_u16(),
            said,
        });
    }
    let mut out = Completion::default();
    let mut parser = Events::default();
    let mut started = false;
    loop {
        let wait = if started {
            deadline
        } else {
            first_deadline.min(deadline)
        };
        let chunk = tokio::time::timeout_at(wait, response.chunk())
            .await
            .map_err(|_| {
                ModelError::Timeout(if started {
                    "whole answer"
                } else {
                    "first token"
                })
            })?
            .map_err(|e| ModelError::Unreachable(e.without_url().to_string()))?;
        let Some(chunk) = chunk else {
            // The server closed without [DONE]: what arrived is the answer when it has one.
            if out.content.is_empty() && out.tool_calls.is_empty() {
                return Err(ModelError::Malformed("the stream ended empty".into()));
            }
            return Ok(out);
        };
        for data in parser.push(&chunk) {
            if data == "[DONE]" {
                if out.content.is_empty() && out.tool_calls.is_empty() {
                    return Err(ModelError::Malformed("no content and no tool call".into()));
                }
                return Ok(out);
            }
            let v: Value = serde_json::from_str(&data)
                .map_err(|e| ModelError::Malformed(format!("a chunk is not JSON ({e})")))?;
            if let Some(message) = v["error"]["message"].as_str() {
                return Err(ModelError::Status {
                    status: 200,
                    said: message.chars().take(300).collect(),
                });
            }
            started |= apply(&mut out, &v, on_text)?;
        }
    }
}

/// Applies one chunk; whether it carried content or a tool call.
fn apply(
    out: &mut Completion,
    v: &Value,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<bool, ModelError> {
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        let n = |k: &str| u[k].as_u64().unwrap_or(0);
        out.tokens = (n("prompt_tokens") + n("completion_tokens")).min(u32::MAX as u64) as u32;
    }
    let Some(choice) = v["choices"].as_array().and_then(|c| c.first()) else {
        if v.get("choices").is_some_and(|c| !c.is_array()) {
            return Err(ModelError::Malformed("choices is not a list".into()));
        }
        return Ok(false);
    };
    if let Some(r) = choice["finish_reason"].as_str() {
        out.finish_reason = Some(r.to_string());
    }
    let delta = &choice["delta"];
    let mut any = false;
    if let Some(text) = delta["content"].as_str() {
        if !text.is_empty() {
            out.content.push_str(text);
            on_text(text);
            any = true;
        }
    }
    if let Some(calls) = delta["tool_calls"].as_array() {
        for call in calls {
            let index = call["index"].as_u64().unwrap_or(0) as usize;
            if index > 16 {
                return Err(ModelError::Malformed("tool call index beyond 16".into()));
            }
            while out.tool_calls.len() <= index {
                out.tool_calls.push(ToolCall::default());
            }
            let t = &mut out.tool_calls[index];
            if let Some(id) = call["id"].as_str() {
                t.id = id.to_string();
            }
            if let Some(name) = call["function"]["name"].as_str() {
                t.name.push_str(name);
            }
            if let Some(args) = call["function"]["arguments"].as_str() {
                if t.arguments.len() + args.len() > 64 * 1024 {
                    return Err(ModelError::Malformed("tool arguments beyond 64 KiB".into()));
                }
                t.arguments.push_str(args);
            }
            any = true;
        }
    }
    Ok(any)
}

/// Server-sent events split from a byte stream: the `data:` lines of each event, joined.
#[derive(Default)]
pub struct Events {
    buf: Vec<u8>,
}

impl Events {
    /// Takes the next bytes; returns the data of every event now complete. Works on bytes,
    /// so a character split between two network chunks stays whole.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let lf = self.buf.windows(2).position(|w| w == b"\n\n");
            let crlf = self.buf.windows(4).position(|w| w == b"\r\n\r\n");
            let (end, sep) = match (lf, crlf) {
                (Some(a), Some(b)) if b < a => (b, 4),
                (Some(a), _) => (a, 2),
                (None, Some(b)) => (b, 4),
                (None, None) => {
                    // Keep at most 1 MiB of an unfinished event.
                    if self.buf.len() > 1 << 20 {
                        self.buf.clear();
                    }
                    return out;
                }
            };
            let event = String::from_utf8_lossy(&self.buf[..end]).replace('\r', "");
            self.buf.drain(..end + sep);
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                out.push(data.join("\n"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_across_chunks_and_line_endings() {
        let mut e = Events::default();
        assert!(e.push(b"data: {\"a\"").is_empty());
        assert_eq!(
            e.push(b":1}\r\n\r\n: comment\n\ndata: [DONE]\n\n"),
            vec!["{\"a\":1}".to_string(), "[DONE]".to_string()]
        );
        let ue = "data: \"Grüße\"\n\n".as_bytes();
        let split = ue.iter().position(|b| *b >= 0x80).expect("umlaut") + 1;
        assert!(e.push(&ue[..split]).is_empty());
        assert_eq!(
            e.push(&ue[split..]),
            vec!["\"Grüße\"".to_string()],
            "a character split between chunks"
        );
    }

    #[test]
    fn tool_call_fragments_are_assembled_by_index() {
        let mut out = Completion::default();
        let mut seen = String::new();
        let mut on = |t: &str| seen.push_str(t);
        for chunk in [
            json!({"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"check_availability","arguments":""}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"restaurant_info","arguments":"{}"}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"date\":"}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"2026-12-04\"}"}}]},"finish_reason":"tool_calls"}]}),
            json!({"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30}}),
        ] {
            apply(&mut out, &chunk, &mut on).expect("chunk applies");
        }
        assert_eq!(out.tool_calls.len(), 2);
        assert_eq!(out.tool_calls[0].name, "check_availability");
        assert_eq!(out.tool_calls[0].arguments, "{\"date\":\"2026-12-04\"}");
        assert_eq!(out.tool_calls[1].id, "call_2");
        assert_eq!(out.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(out.tokens, 150);
        assert!(seen.is_empty());
    }
}
