//! WhatsApp through GoHighLevel (HighLevel API 2.0), the second route the seed names: a
//! private integration token (bearer) and the location (sub-account) id. Sending is two calls:
//! `POST {base}/contacts/upsert` (`Version: 2021-07-28`; `{"locationId", "phone", "name"}` →
//! `{"contact": {"id"}}`), then `POST {base}/conversations/messages` (`Version: 2021-04-15`;
//! `{"type": "WhatsApp", "contactId", "message"}` → `{"conversationId", "messageId"}`).
//! 429 and 5xx are temporary, other 4xx permanent with HighLevel's `message`.
//! See <https://marketplace.gohighlevel.com/docs/ghl/contacts/upsert-contact> and
//! <https://marketplace.gohighlevel.com/docs/ghl/conversations/send-a-new-message>.
//!
//! Its webhook's `InboundMessage` event (`{"type": "InboundMessage", "locationId",
//! "contactId", "messageId", "messageType", "body", "dateAdded", "direction"}`) carries what a
//! guest wrote; the signature is [`crate::signature::verify_ghl`].

use crate::mail::{SendError, Sent};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// HighLevel's API address.
pub const BASE_URL: &str = "https://services.leadconnectorhq.com";

/// A HighLevel API client.
#[derive(Clone, Debug)]
pub struct HighLevel {
    client: reqwest::Client,
    base_url: String,
}

async fn call(req: reqwest::RequestBuilder, what: &str) -> Result<Value, SendError> {
    let reply = crate::http::send(req, "HighLevel").await?;
    if reply.status.is_success() {
        return Ok(reply.json);
    }
    let said = match &reply.json["message"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    };
    let reason = format!(
        "HighLevel {what} {}: {}",
        reply.status.as_u16(),
        reply.said(said)
    );
    Err(reply.refusal(reason, false))
}

impl HighLevel {
    /// A client for `base_url` (HighLevel's, or a test server's).
    pub fn new(base_url: &str) -> HighLevel {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        HighLevel {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The contact for a phone number in the location (created when new); its id.
    pub async fn upsert_contact(
        &self,
        token: &str,
        location_id: &str,
        phone: &str,
        name: Option<&str>,
    ) -> Result<String, SendError> {
        let mut body = json!({"locationId": location_id, "phone": phone});
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            body["name"] = json!(n);
        }
        let v = call(
            self.client
                .post(format!("{}/contacts/upsert", self.base_url))
                .bearer_auth(token)
                .header("Version", "2021-07-28")
                .header("Accept", "application/json")
                .json(&body),
            "contact",
        )
        .await?;
        v["contact"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| SendError::Retry {
                reason: "HighLevel answered the contact without an id".into(),
                after: None,
            })
    }

    /// Sends a WhatsApp message to a contact.
    pub async fn send_whatsapp(
        &self,
        token: &str,
        contact_id: &str,
        text: &str,
    ) -> Result<Sent, SendError> {
        let v = call(
            self.client
                .post(format!("{}/conversations/messages", self.base_url))
                .bearer_auth(token)
                .header("Version", "2021-04-15")
                .header("Accept", "application/json")
                .json(&json!({"type": "WhatsApp", "contactId": contact_id, "message": text})),
            "message",
        )
        .await?;
        Ok(Sent {
            provider: "gohighlevel",
            id: v["messageId"].as_str().map(str::to_string),
        })
    }
}

/// A guest's message from HighLevel's `InboundMessage` webhook event.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    pub location_id: String,
    pub contact_id: String,
    pub message_id: String,
    pub channel: String,
    pub text: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

/// A status HighLevel reports for one of our messages (`OutboundMessage` events carry the
/// message id and its `status`: sent, delivered, read, failed, undelivered).
pub fn outbound_status(v: &Value) -> Option<(String, String, Option<String>)> {
    if v["type"].as_str() != Some("OutboundMessage") {
        return None;
    }
    let id = v["messageId"].as_str()?.chars().take(200).collect();
    let status = v["status"].as_str()?.to_lowercase();
    let error = v["error"]
        .as_str()
        .or_else(|| v["errorMessage"].as_str())
        .map(|e| e.chars().take(500).collect());
    Some((id, status, error))
}

/// The guest message in a webhook event, if it is one (inbound WhatsApp).
pub fn inbound(v: &Value) -> Option<Inbound> {
    if v["type"].as_str() != Some("InboundMessage") {
        return None;
    }
    if v["direction"].as_str().is_some_and(|d| d != "inbound") {
        return None;
    }
    let channel = v["messageType"].as_str().unwrap_or("");
    if !channel.eq_ignore_ascii_case("whatsapp") && channel != "TYPE_WHATSAPP" {
        return None;
    }
    let s = |k: &str| {
        v[k].as_str()
            .map(|s| s.chars().take(200).collect::<String>())
    };
    Some(Inbound {
        location_id: s("locationId")?,
        contact_id: s("contactId")?,
        message_id: s("messageId")?,
        channel: "whatsapp".into(),
        text: v["body"].as_str().map(|t| t.chars().take(10_000).collect()),
        at: v["dateAdded"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbound_whatsapp_event_is_read_and_others_are_not() {
        // HighLevel's documented InboundMessage example, as a WhatsApp message.
        let v = json!({
            "type": "InboundMessage", "locationId": "l1C08ntBrFjLS0elLIYU", "attachments": [],
            "body": "STOP", "contactId": "cI08i1Bls3iTB9bKgFJh", "contentType": "text/plain",
            "conversationId": "fcanlLgpbQgQhderivVs", "dateAdded": "2021-04-21T11:31:45.750Z",
            "direction": "inbound", "messageType": "WhatsApp", "messageId": "m1"
        });
        let i = inbound(&v).expect("inbound");
        assert_eq!(
            (i.contact_id.as_str(), i.text.as_deref()),
            ("cI08i1Bls3iTB9bKgFJh", Some("STOP"))
        );
        let mut sms = v.clone();
        sms["messageType"] = json!("SMS");
        assert!(inbound(&sms).is_none());
        let mut out = v.clone();
        out["type"] = json!("OutboundMessage");
        assert!(inbound(&out).is_none());
        out["status"] = json!("delivered");
        assert_eq!(
            outbound_status(&out),
            Some(("m1".into(), "delivered".into(), None))
        );
    }
}
