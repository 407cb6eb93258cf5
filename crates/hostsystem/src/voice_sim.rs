//! `hostsystem voice simulate`: replays a scripted call against a running server in the
//! provider's own wire format (Vapi server messages, Retell signed custom functions and call
//! webhooks, or the generic tool endpoint), for support staff and tests.
//!
//! A script is JSON:
//! ```json
//! {"provider": "vapi", "call_id": "sim-1", "caller": "+4917612345678",
//!  "tool_calls": [{"tool": "check_availability", "arguments": {"date": "Freitag", "time": "19 Uhr", "party_size": "zu viert"}}],
//!  "end": {"transcript": "…", "summary": "…", "ended_reason": "customer-ended-call", "duration_seconds": 95}}
//! ```

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use uuid::Uuid;

/// Arguments of `voice simulate`.
#[derive(Args, Debug)]
pub struct Simulate {
    /// The call script (JSON); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub script: PathBuf,
    /// Output of `hostsystem demo --json`: supplies URL, restaurant, secret and Retell key.
    #[arg(long, value_name = "FILE")]
    pub demo: Option<PathBuf>,
    /// Base URL of the running server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long, value_name = "UUID")]
    pub restaurant: Option<Uuid>,
    /// The restaurant's voice secret (Vapi and generic).
    #[arg(long, env = "HOSTSYSTEM_VOICE_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// The restaurant's Retell API key (signs Retell requests).
    #[arg(long, env = "HOSTSYSTEM_RETELL_KEY", hide_env_values = true)]
    pub retell_key: Option<String>,
    /// Print one JSON document instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    provider: String,
    #[serde(default)]
    call_id: Option<String>,
    #[serde(default)]
    caller: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ScriptTool>,
    #[serde(default)]
    end: Option<ScriptEnd>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptTool {
    tool: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScriptEnd {
    #[serde(default)]
    transcript: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    ended_reason: Option<String>,
    #[serde(default)]
    duration_seconds: Option<u32>,
    #[serde(default)]
    recording_url: Option<String>,
}

struct Target {
    url: String,
    restaurant: Uuid,
    secret: Option<String>,
    retell_key: Option<String>,
}

fn target(a: &Simulate) -> Result<Target> {
    let demo: Option<Value> = match &a.demo {
        Some(p) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            )
            .with_context(|| {
                format!(
                    "{} is not the JSON of `hostsystem demo --json`",
                    p.display()
                )
            })?,
        ),
        None => None,
    };
    let from_demo = |k: &[&str]| -> Option<String> {
        let mut v = demo.as_ref()?;
        for part in k {
            v = v.get(part)?;
        }
        v.as_str().map(str::to_string)
    };
    let url = a
        .url
        .clone()
        .or_else(|| from_demo(&["base_url"]))
        .context("--url (or --demo) is needed")?;
    let restaurant = match a.restaurant {
        Some(r) => r,
        None => from_demo(&["restaurant_id"])
            .and_then(|s| Uuid::parse_str(&s).ok())
            .context("--restaurant (or --demo) is needed")?,
    };
    Ok(Target {
        url: url.trim_end_matches('/').to_string(),
        restaurant,
        secret: a.secret.clone().or_else(|| from_demo(&["voice", "secret"])),
        retell_key: a
            .retell_key
            .clone()
            .or_else(|| from_demo(&["voice", "retell_key"])),
    })
}

fn retell_signature(key: &str, body: &str) -> String {
    hs_channels::signature::retell_signature(key, body.as_bytes(), Utc::now().timestamp_millis())
}

/// Replays the script; returns the agent's answers.
pub async fn run(a: Simulate) -> Result<()> {
    let text = if a.script.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&a.script)
            .with_context(|| format!("reading {}", a.script.display()))?
    };
    let script: Script = serde_json::from_str(&text).context("the call script")?;
    let t = target(&a)?;
    let call_id = script
        .call_id
        .clone()
        .unwrap_or_else(|| format!("sim-{}", Uuid::new_v4()));
    let caller = script.caller.clone();
    let base = format!("{}/api/v1/voice/{}", t.url, t.restaurant);
    let http = reqwest::Client::new();
    let secret = || {
        t.secret
            .clone()
            .context("the voice secret is needed (--secret or --demo)")
    };
    let retell_key = || {
        t.retell_key
            .clone()
            .context("the Retell key is needed (--retell-key or --demo)")
    };
    let started = Utc::now();
    let mut answers = Vec::new();
    for (i, tc) in script.tool_calls.iter().enumerate() {
        let tool_call_id = format!("{call_id}-tc{}", i + 1);
        let answer: Value = match script.provider.as_str() {
            "vapi" => {
                let body = json!({"message": {
                    "type": "tool-calls",
                    "call": {"id": call_id, "type": "inboundPhoneCall", "customer": {"number": caller}},
                    "toolCallList": [{"id": tool_call_id, "type": "function", "function": {"name": tc.tool, "arguments": tc.arguments}}],
                }});
                let r: Value = send(
                    http.post(format!("{base}/vapi"))
                        .bearer_auth(secret()?)
                        .json(&body),
                )
                .await?;
                let item = &r["results"][0];
                let line = item["result"]
                    .as_str()
                    .or_else(|| item["error"].as_str())
                    .unwrap_or("{}");
                serde_json::from_str(line).unwrap_or(json!({"say": line}))
            }
            "retell" => {
                let body = json!({"name": tc.tool, "args": tc.arguments, "call": {"call_id": call_id, "from_number": caller, "direction": "inbound", "call_status": "ongoing"}}).to_string();
                let sig = retell_signature(&retell_key()?, &body);
                send(
                    http.post(format!("{base}/retell/function"))
                        .header("x-retell-signature", sig)
                        .header("content-type", "application/json")
                        .body(body),
                )
                .await?
            }
            "generic" => {
                let mut body = match &tc.arguments {
                    Value::Object(m) => Value::Object(m.clone()),
                    _ => json!({}),
                };
                body["call_id"] = json!(call_id);
                body["tool_call_id"] = json!(tool_call_id);
                if let Some(c) = &caller {
                    body["caller"] = json!(c);
                }
                send(
                    http.post(format!("{base}/tools/{}", tc.tool))
                        .header("x-hostsystem-secret", secret()?)
                        .json(&body),
                )
                .await?
            }
            other => bail!("unknown provider {other:?}: use vapi, retell or generic"),
        };
        if !a.json {
            println!("{} → {}", tc.tool, answer["say"].as_str().unwrap_or(""));
        }
        answers.push(json!({"tool": tc.tool, "ok": answer["ok"], "say": answer["say"], "data": answer["data"], "error": answer["error"]}));
    }
    let mut ended = false;
    if let Some(end) = &script.end {
        let duration = end.duration_seconds.unwrap_or(60);
        let ended_at = started + chrono::Duration::seconds(i64::from(duration));
        match script.provider.as_str() {
            "vapi" => {
                let body = json!({"message": {
                    "type": "end-of-call-report", "endedReason": end.ended_reason.as_deref().unwrap_or("customer-ended-call"),
                    "call": {"id": call_id, "customer": {"number": caller}},
                    "startedAt": started.to_rfc3339(), "endedAt": ended_at.to_rfc3339(), "durationSeconds": duration,
                    "transcript": end.transcript, "summary": end.summary, "recordingUrl": end.recording_url,
                }});
                send(
                    http.post(format!("{base}/vapi"))
                        .bearer_auth(secret()?)
                        .json(&body),
                )
                .await?;
                ended = true;
            }
            "retell" => {
                let body = json!({"event": "call_ended", "call": {
                    "call_id": call_id, "from_number": caller, "call_status": "ended",
                    "start_timestamp": started.timestamp_millis(), "end_timestamp": ended_at.timestamp_millis(),
                    "disconnection_reason": end.ended_reason.as_deref().unwrap_or("user_hangup"),
                    "transcript": end.transcript, "recording_url": end.recording_url,
                    "call_analysis": {"call_summary": end.summary},
                }})
                .to_string();
                let sig = retell_signature(&retell_key()?, &body);
                send(
                    http.post(format!("{base}/retell/webhook"))
                        .header("x-retell-signature", sig)
                        .header("content-type", "application/json")
                        .body(body),
                )
                .await?;
                ended = true;
            }
            _ => {
                if !a.json {
                    println!("(the generic endpoint has no end-of-call report; the call stays open in the log)");
                }
            }
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"call_id": call_id, "provider": script.provider, "answers": answers, "ended": ended})
            )?
        );
    } else {
        println!(
            "call {call_id}: {} tool call(s){}",
            answers.len(),
            if ended { ", ended" } else { "" }
        );
    }
    Ok(())
}

async fn send(req: reqwest::RequestBuilder) -> Result<Value> {
    let resp = req.send().await.context("sending to the server")?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("the server answered {status}: {text}");
    }
    if text.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(&text).with_context(|| format!("the server answered non-JSON: {text}"))
}
