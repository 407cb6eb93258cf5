//! WhatsApp through Meta's Cloud API (Graph API): sending template and text messages, and
//! reading the webhook's events.
//!
//! Sending is `POST {graph}/{phone-number-id}/messages` with the access token as bearer and
//! Meta's JSON: `{"messaging_product": "whatsapp", "recipient_type": "individual", "to":
//! "<digits>", "type": "template", "template": {"name", "language": {"policy":
//! "deterministic", "code"}, "components": [{"type": "body", "parameters": [{"type": "text",
//! "text"}]}]}, "biz_opaque_callback_data": "<our message id>"}` (or `"type": "text", "text":
//! {"body"}` inside the 24-hour customer-service window). The answer names the message:
//! `{"messages": [{"id": "wamid…"}]}`; errors come as `{"error": {"message", "type", "code",
//! "error_subcode", "fbtrace_id"}}`. Throttling (codes 4, 80007, 130429, 131048, 131056), a
//! transient Meta error (1, 2, 131000) and 5xx are temporary; everything else (unknown
//! template 132001, not a WhatsApp user 131026, bad token 190, …) is permanent.
//! See <https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages> and
//! <https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes>.
//!
//! The webhook (`entry[].changes[].value`) carries `statuses` (`id`, `status`: sent,
//! delivered, read, failed; `timestamp` in Unix seconds; `errors[]`; our
//! `biz_opaque_callback_data`) and `messages` from guests (`from`, `id`, `timestamp`, `type`,
//! `text.body`), with `contacts[].profile.name`.

use crate::mail::{SendError, Sent};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// Meta's Graph API address, with the version this code speaks.
pub const GRAPH_URL: &str = "https://graph.facebook.com/v21.0";

/// A Cloud API client.
#[derive(Clone, Debug)]
pub struct CloudApi {
    client: reqwest::Client,
    graph_url: String,
}

/// E.164 (`+4917…`) as Meta wants it: digits only.
pub fn wa_number(e164: &str) -> String {
    e164.chars().filter(char::is_ascii_digit).collect()
}

/// A template message: `params` fill the body's `{{1}}`, `{{2}}`, … in order.
pub fn template_message(
    to: &str,
    name: &str,
    language: &str,
    params: &[String],
    ours: &str,
) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(to),
        "type": "template",
        "template": {
            "name": name,
            "language": {"policy": "deterministic", "code": language},
            "components": [{
                "type": "body",
                "parameters": params.iter().map(|p| json!({"type": "text", "text": p})).collect::<Vec<_>>(),
            }],
        },
        "biz_opaque_callback_data": ours,
    })
}

/// A free-form text (only inside the 24-hour window after the guest's last message).
pub fn text_message(to: &str, body: &str, ours: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(to),
        "type": "text",
        "text": {"preview_url": false, "body": body},
        "biz_opaque_callback_data": ours,
    })
}

/// Whether a Graph error code means "try again later".
fn temporary(code: i64) -> bool {
    matches!(
        code,
        1 | 2 | 4 | 17 | 341 | 80007 | 130429 | 131000 | 131048 | 131056
    )
}

impl CloudApi {
    /// A client for `graph_url` (Meta's, or a test server's).
    pub fn new(graph_url: &str) -> CloudApi {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        CloudApi {
            client,
            graph_url: graph_url.trim_end_matches('/').to_string(),
        }
    }

    /// Sends one message from `phone_number_id`.
    pub async fn send(
        &self,
        phone_number_id: &str,
        token: &str,
        body: &Value,
    ) -> Result<Sent, SendError> {
        let reply = crate::http::send(
            self.client
                .post(format!("{}/{phone_number_id}/messages", self.graph_url))
                .bearer_auth(token)
                .json(body),
            "WhatsApp",
        )
        .await?;
        if reply.status.is_success() {
            return Ok(Sent {
                provider: "whatsapp",
                id: reply.json["messages"][0]["id"].as_str().map(str::to_string),
            });
        }
        let code = reply.json["error"]["code"].as_i64().unwrap_or(0);
        let said = reply.said(reply.json["error"]["message"].as_str().map(str::to_string));
        let reason = format!("WhatsApp {} (code {code}): {said}", reply.status.as_u16());
        Err(reply.refusal(reason, temporary(code)))
    }
}

/// One thing the webhook reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A message of ours moved on: `sent`, `delivered`, `read` or `failed` (with Meta's reason).
    Status {
        id: String,
        status: String,
        at: Option<DateTime<Utc>>,
        error: Option<String>,
        ours: Option<String>,
    },
    /// A guest wrote: the sender in E.164, Meta's message id, the text (for text messages).
    Inbound {
        from: String,
        id: String,
        at: Option<DateTime<Utc>>,
        kind: String,
        text: Option<String>,
        name: Option<String>,
    },
}

fn unix(v: &Value) -> Option<DateTime<Utc>> {
    let secs: i64 = match v {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)
}

/// The events of one webhook delivery, for the phone number `phone_number_id` (events of other
/// numbers in the same delivery are left out).
pub fn events(body: &Value, phone_number_id: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let Some(entries) = body["entry"].as_array() else {
        return out;
    };
    for change in entries
        .iter()
        .filter_map(|e| e["changes"].as_array())
        .flatten()
    {
        let value = &change["value"];
        if change["field"].as_str().is_some_and(|f| f != "messages") {
            continue;
        }
        if value["metadata"]["phone_number_id"]
            .as_str()
            .is_some_and(|p| p != phone_number_id)
        {
            continue;
        }
        for s in value["statuses"].as_array().into_iter().flatten() {
            let (Some(id), Some(status)) = (s["id"].as_str(), s["status"].as_str()) else {
                continue;
            };
            let error = s["errors"][0].as_object().map(|e| {
                let msg = e
                    .get("error_data")
                    .and_then(|d| d["details"].as_str())
                    .or_else(|| e.get("message").and_then(Value::as_str))
                    .or_else(|| e.get("title").and_then(Value::as_str))
                    .unwrap_or("failed");
                format!(
                    "{} ({})",
                    msg,
                    e.get("code").and_then(Value::as_i64).unwrap_or(0)
                )
            });
            out.push(Event::Status {
                id: id.chars().take(200).collect(),
                status: status.to_string(),
                at: unix(&s["timestamp"]),
                error,
                ours: s["biz_opaque_callback_data"].as_str().map(str::to_string),
            });
        }
        let name = value["contacts"][0]["profile"]["name"]
            .as_str()
            .map(|n| n.chars().take(200).collect());
        for m in value["messages"].as_array().into_iter().flatten() {
            let (Some(from), Some(id)) = (m["from"].as_str(), m["id"].as_str()) else {
                continue;
            };
            let digits = wa_number(from);
            if digits.is_empty() || digits.len() > 15 {
                continue;
            }
            out.push(Event::Inbound {
                from: format!("+{digits}"),
                id: id.chars().take(200).collect(),
                at: unix(&m["timestamp"]),
                kind: m["type"]
                    .as_str()
                    .unwrap_or("unknown")
                    .chars()
                    .take(30)
                    .collect(),
                text: m["text"]["body"]
                    .as_str()
                    .map(|t| t.chars().take(10_000).collect()),
                name: name.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_message_is_metas_json() {
        let v = template_message(
            "+49 170 1234567",
            "booking_confirmed",
            "de",
            &["Anna".into(), "Freitag".into()],
            "m-1",
        );
        assert_eq!(v["to"], "491701234567");
        assert_eq!(v["type"], "template");
        assert_eq!(
            v["template"]["language"],
            json!({"policy": "deterministic", "code": "de"})
        );
        assert_eq!(
            v["template"]["components"][0]["parameters"][1],
            json!({"type": "text", "text": "Freitag"})
        );
        assert_eq!(v["biz_opaque_callback_data"], "m-1");
        let t = text_message("+491701234567", "Hallo", "m-2");
        assert_eq!(t["text"]["body"], "Hallo");
    }

    #[test]
    fn the_webhooks_statuses_and_guest_messages_are_read() {
        // Shaped like Meta's documented examples (statuses and a text message).
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1111"},
                "contacts": [{"profile": {"name": "Anna"}, "wa_id": "491701234567"}],
                "messages": [{"from": "491701234567", "id": "wamid.IN1", "timestamp": "1764000000", "type": "text", "text": {"body": "STOP"}}],
                "statuses": [{"id": "wamid.OUT1", "status": "failed", "timestamp": "1764000001", "recipient_id": "491701234567",
                              "biz_opaque_callback_data": "m-1",
                              "errors": [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                                          "error_data": {"details": "Receiver is incapable of receiving this message"}}]}]
            }}]}]
        });
        let ev = events(&body, "1111");
        assert_eq!(ev.len(), 2);
        assert_eq!(
            ev[0],
            Event::Status {
                id: "wamid.OUT1".into(),
                status: "failed".into(),
                at: DateTime::from_timestamp(1_764_000_001, 0),
                error: Some("Receiver is incapable of receiving this message (131026)".into()),
                ours: Some("m-1".into()),
            }
        );
        let Event::Inbound {
            from, text, name, ..
        } = &ev[1]
        else {
            panic!("inbound")
        };
        assert_eq!(
            (from.as_str(), text.as_deref(), name.as_deref()),
            ("+491701234567", Some("STOP"), Some("Anna"))
        );
        assert!(events(&body, "2222").is_empty(), "another number's events");
        assert!(events(&json!({"entry": "x"}), "1111").is_empty());
    }
}
