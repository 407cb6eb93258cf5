//! Resend's HTTP API as a [`Mailer`]: `POST {base}/emails` with the API key as bearer token and
//! the message id as `Idempotency-Key`, so a retry after a crash or a timeout never sends twice
//! (Resend keeps keys for 24 hours and answers a repeated request with the first response).
//! The body is Resend's documented JSON: `from`, `to`, `subject`, `text`, `html`, `reply_to`,
//! `attachments` (`filename`, base64 `content`, `content_type`) and `tags` (`name`, `value`:
//! ASCII letters, digits, `_` and `-`); the answer is `{"id": "..."}`.
//! See <https://resend.com/docs/api-reference/emails/send-email> and
//! <https://resend.com/docs/dashboard/emails/tags>.
//!
//! Errors: 429 (with `Retry-After`), 5xx, 409 (a concurrent request with the same key still in
//! flight) and network failures are temporary; any other 4xx is permanent and carries Resend's
//! `message`.

use crate::mail::{Email, Mailer, Sending, Sent};
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

/// The Resend transport.
#[derive(Clone)]
pub struct Resend {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    from: String,
}

impl std::fmt::Debug for Resend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Resend({}, key ••••, from {})", self.base_url, self.from)
    }
}

/// Resend's production address.
pub const BASE_URL: &str = "https://api.resend.com";

/// Keeps what Resend accepts in a tag: ASCII letters, digits, `_` and `-`, at most 256.
fn tag_value(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

impl Resend {
    /// A client for `base_url` (Resend's, or a test server's) sending as `from` by default.
    pub fn new(base_url: &str, api_key: &str, from: &str) -> Resend {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        Resend {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            from: from.to_string(),
        }
    }

    /// The request body for a message.
    pub fn body(&self, email: &Email) -> Value {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut body = json!({
            "from": email.from.as_deref().unwrap_or(&self.from),
            "to": [email.to],
            "subject": email.subject,
            "text": email.body,
        });
        if let Some(html) = &email.html {
            body["html"] = json!(html);
        }
        if let Some(r) = &email.reply_to {
            body["reply_to"] = json!(r);
        }
        if !email.attachments.is_empty() {
            body["attachments"] = email
                .attachments
                .iter()
                .map(|a| {
                    json!({
                        "filename": a.filename,
                        "content": b64.encode(&a.content),
                        "content_type": a.content_type,
                    })
                })
                .collect();
        }
        if !email.tags.is_empty() {
            body["tags"] = email
                .tags
                .iter()
                .map(|(n, v)| json!({"name": tag_value(n), "value": tag_value(v)}))
                .collect();
        }
        body
    }
}

impl Mailer for Resend {
    fn send<'a>(&'a self, email: &'a Email) -> Sending<'a> {
        Box::pin(async move {
            let reply = crate::http::send(
                self.client
                    .post(format!("{}/emails", self.base_url))
                    .bearer_auth(&self.api_key)
                    .header("Idempotency-Key", email.id.to_string())
                    .json(&self.body(email)),
                "Resend",
            )
            .await?;
            if reply.status.is_success() {
                let id = reply.json["id"].as_str().map(str::to_string);
                if id.is_none() {
                    tracing::warn!(status = %reply.status, "Resend accepted a message without an id");
                }
                return Ok(Sent {
                    provider: "resend",
                    id,
                });
            }
            let said = reply.said(reply.json["message"].as_str().map(str::to_string));
            let reason = format!("Resend {}: {said}", reply.status.as_u16());
            // 409: a concurrent request with the same key is still in flight.
            Err(reply.refusal(reason, reply.status.as_u16() == 409))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Attachment;

    #[test]
    fn the_body_is_resends_documented_json() {
        let r = Resend::new("http://x/", "re_123", "Trattoria <noreply@t.de>");
        let mut e = Email::plain("anna@example.de", "Bestätigung", "Hallo");
        e.html = Some("<p>Hallo</p>".into());
        e.reply_to = Some("info@t.de".into());
        e.tags = vec![
            ("restaurant".into(), "3f2a-b".into()),
            ("kind".into(), "con firm".into()),
        ];
        e.attachments.push(Attachment {
            filename: "r.ics".into(),
            content_type: "text/calendar".into(),
            content: b"hi".to_vec(),
        });
        let b = r.body(&e);
        assert_eq!(b["from"], "Trattoria <noreply@t.de>");
        assert_eq!(b["to"], json!(["anna@example.de"]));
        assert_eq!(b["text"], "Hallo");
        assert_eq!(b["html"], "<p>Hallo</p>");
        assert_eq!(b["reply_to"], "info@t.de");
        assert_eq!(
            b["attachments"][0],
            json!({"filename": "r.ics", "content": "aGk=", "content_type": "text/calendar"})
        );
        assert_eq!(b["tags"][1], json!({"name": "kind", "value": "con_firm"}));
        assert_eq!(r.base_url, "http://x");
    }
}
