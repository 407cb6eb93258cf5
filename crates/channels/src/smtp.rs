//! SMTP as a [`Mailer`], through `lettre`. The server is one URL, as lettre reads it:
//! `smtps://user:pass@host:465` (TLS from the first byte), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS, refused without it), `smtp://host:25` (plain: only for a relay on localhost).
//! SMTP 4xx replies and connection trouble are temporary; 5xx replies are permanent.

use crate::mail::{Email, Mailer, SendError, Sending, Sent};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The SMTP transport.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
    /// The server without credentials, for logs.
    server: String,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Smtp({}, from {})", self.server, self.from)
    }
}

impl Smtp {
    /// A transport for the server at `url`, sending as `from` by default.
    pub fn from_url(url: &str, from: &str) -> anyhow::Result<Smtp> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        from.parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("the sender {from:?} is not an address: {e}"))?;
        let server = url
            .rsplit_once('@')
            .map_or(url, |(_, host)| host)
            .to_string();
        Ok(Smtp {
            transport,
            from: from.to_string(),
            server,
        })
    }

    /// The MIME message lettre sends.
    pub fn message(&self, email: &Email) -> Result<Message, SendError> {
        let permanent = |what: &str, e: String| SendError::Permanent {
            reason: format!("{what}: {e}"),
        };
        let from: Mailbox = email
            .from
            .as_deref()
            .unwrap_or(&self.from)
            .parse()
            .map_err(|e: lettre::address::AddressError| permanent("sender", e.to_string()))?;
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e: lettre::address::AddressError| permanent("recipient", e.to_string()))?;
        let mut b = Message::builder()
            .from(from)
            .to(to)
            .subject(&email.subject)
            .date(email.date.into())
            .message_id(Some(format!("<{}@hostsystem.local>", email.id)));
        if let Some(r) = &email.reply_to {
            if let Ok(r) = r.parse::<Mailbox>() {
                b = b.reply_to(r);
            }
        }
        let text = SinglePart::plain(email.body.clone());
        let built = if email.html.is_none() && email.attachments.is_empty() {
            b.singlepart(text)
        } else {
            let alt = match &email.html {
                Some(h) => MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::html(h.clone())),
                None => MultiPart::alternative().singlepart(text),
            };
            let mut mixed = MultiPart::mixed().multipart(alt);
            for a in &email.attachments {
                let ct = ContentType::parse(&a.content_type)
                    .map_err(|e| permanent("attachment type", e.to_string()))?;
                mixed = mixed
                    .singlepart(Attachment::new(a.filename.clone()).body(a.content.clone(), ct));
            }
            b.multipart(mixed)
        };
        built.map_err(|e| permanent("message", e.to_string()))
    }
}

impl Mailer for Smtp {
    fn send<'a>(&'a self, email: &'a Email) -> Sending<'a> {
        Box::pin(async move {
            let message = self.message(email)?;
            match self.transport.send(message).await {
                Ok(_) => Ok(Sent {
                    provider: "smtp",
                    id: Some(format!("{}@hostsystem.local", email.id)),
                }),
                Err(e) if e.is_permanent() => Err(SendError::Permanent {
                    reason: format!("SMTP server {} refused: {e}", self.server),
                }),
                Err(e) => Err(SendError::Retry {
                    reason: format!("SMTP server {}: {e}", self.server),
                    after: None,
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_credentials_stay_out_of_logs() {
        let s = Smtp::from_url("smtp://user:secret@127.0.0.1:2525", "T <t@x.de>").expect("url");
        assert!(!format!("{s:?}").contains("secret"));
        assert!(Smtp::from_url("http://x", "t@x.de").is_err());
        assert!(Smtp::from_url("smtp://127.0.0.1:25", "not an address").is_err());
    }

    #[test]
    fn a_bad_recipient_is_a_permanent_error_before_any_connection() {
        let s = Smtp::from_url("smtp://127.0.0.1:9", "t@x.de").expect("url");
        let e = s
            .message(&Email::plain("no address", "s", "b"))
            .expect_err("refused");
        assert!(matches!(e, SendError::Permanent { .. }), "{e:?}");
    }
}
