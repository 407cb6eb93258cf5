//! Outbound email behind one trait, [`Mailer`], with three transports: [`FileMailer`] (the
//! embedded default: each message an RFC 5322 `.eml` file under the data dir), Resend's HTTP
//! API ([`crate::resend::Resend`]) and SMTP ([`crate::smtp::Smtp`]). A message has a text part,
//! optionally an HTML part and attachments (the calendar file); its id makes a retry safe:
//! Resend gets it as `Idempotency-Key`, the file mailer as the file name.

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// A file sent with a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub filename: String,
    /// The MIME type, with parameters (`text/calendar; charset=utf-8; method=REQUEST`).
    pub content_type: String,
    pub content: Vec<u8>,
}

/// One message.
#[derive(Clone, Debug)]
pub struct Email {
    /// Stable across retries of the same message: the idempotency key and the Message-ID.
    pub id: Uuid,
    pub date: DateTime<Utc>,
    /// The sender, when not the transport's default (a restaurant's own address).
    pub from: Option<String>,
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Labels for the provider's reports (restaurant, kind): ASCII letters, digits, `_`, `-`.
    pub tags: Vec<(String, String)>,
}

impl Email {
    /// A plain-text message with a fresh id, dated now.
    pub fn plain(
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> Email {
        Email {
            id: Uuid::new_v4(),
            date: Utc::now(),
            from: None,
            reply_to: None,
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            html: None,
            attachments: Vec::new(),
            tags: Vec::new(),
        }
    }
}

/// What a transport did with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The transport's name, stored with the message ("file", "resend", "smtp").
    pub provider: &'static str,
    /// The provider's id of the message, which its delivery reports name.
    pub id: Option<String>,
}

/// Why a message was not sent.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// Worth another try: rate limited, provider down, network trouble. `after` is the
    /// provider's `Retry-After`, when it gave one.
    #[error("temporary failure: {reason}")]
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Never worth another try: bad recipient, rejected content, bad key.
    #[error("{reason}")]
    Permanent { reason: String },
}

/// The future a transport returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<Sent, SendError>> + Send + 'a>>;

/// Something that delivers email.
pub trait Mailer: Send + Sync {
    /// Delivers one message.
    fn send<'a>(&'a self, email: &'a Email) -> Sending<'a>;
}

/// Writes messages to `<dir>/<date>-<id>.eml`.
pub struct FileMailer {
    dir: PathBuf,
    from: String,
}

impl FileMailer {
    /// Writes into `dir` (created when needed) with the given default From address.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        FileMailer {
            dir: dir.into(),
            from: from.into(),
        }
    }
}

/// RFC 2047 encoded-word for non-ASCII header text; control characters (header injection)
/// are dropped.
fn header_text(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.is_ascii() {
        clean
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
        format!("=?UTF-8?B?{b64}?=")
    }
}

/// CRLF line ends.
fn crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Base64 in lines of 76 characters (RFC 2045).
fn base64_lines(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    b64.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Renders a message as RFC 5322 text with CRLF line ends: plain text alone, or
/// `multipart/mixed` of `multipart/alternative` (text, HTML) and the attachments.
pub fn to_eml(from: &str, email: &Email) -> String {
    let from = email.from.as_deref().unwrap_or(from);
    let mut head = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@hostsystem.local>\r\nMIME-Version: 1.0\r\n",
        from = header_text(from),
        to = header_text(&email.to),
        subject = header_text(&email.subject),
        date = email.date.to_rfc2822(),
        id = email.id,
    );
    if let Some(r) = &email.reply_to {
        head.push_str(&format!("Reply-To: {}\r\n", header_text(r)));
    }
    let text_part = |body: &str, kind: &str| {
        format!(
            "Content-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            crlf(body)
        )
    };
    if email.html.is_none() && email.attachments.is_empty() {
        return format!("{head}{}", text_part(&email.body, "plain"));
    }
    let outer = format!("mixed-{}", email.id.simple());
    let inner = format!("alt-{}", email.id.simple());
    let mut out = format!("{head}Content-Type: multipart/mixed; boundary=\"{outer}\"\r\n\r\n");
    out.push_str(&format!(
        "--{outer}\r\nContent-Type: multipart/alternative; boundary=\"{inner}\"\r\n\r\n"
    ));
    out.push_str(&format!("--{inner}\r\n{}", text_part(&email.body, "plain")));
    if let Some(html) = &email.html {
        out.push_str(&format!("--{inner}\r\n{}", text_part(html, "html")));
    }
    out.push_str(&format!("--{inner}--\r\n"));
    for a in &email.attachments {
        out.push_str(&format!(
            "--{outer}\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{body}\r\n",
            ct = a.content_type,
            name = header_text(&a.filename).replace('"', ""),
            body = base64_lines(&a.content),
        ));
    }
    out.push_str(&format!("--{outer}--\r\n"));
    out
}

impl Mailer for FileMailer {
    fn send<'a>(&'a self, email: &'a Email) -> Sending<'a> {
        Box::pin(async move {
            let io = |e: anyhow::Error| SendError::Retry {
                reason: format!("{e:#}"),
                after: None,
            };
            // The messages hold invite, reset and self-service links: only this user reads them.
            let mut dir = tokio::fs::DirBuilder::new();
            dir.recursive(true).mode(0o700);
            dir.create(&self.dir)
                .await
                .with_context(|| format!("creating {}", self.dir.display()))
                .map_err(io)?;
            let path = self.dir.join(format!(
                "{}-{}.eml",
                email.date.format("%Y%m%dT%H%M%S%.3f"),
                email.id
            ));
            // The name is the message's: a retry of a message already written writes nothing.
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .await;
            let mut file = match file {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Ok(Sent {
                        provider: "file",
                        id: Some(email.id.to_string()),
                    })
                }
                Err(e) => {
                    return Err(io(
                        anyhow::Error::new(e).context(format!("creating {}", path.display()))
                    ))
                }
            };
            file.write_all(to_eml(&self.from, email).as_bytes())
                .await
                .with_context(|| format!("writing {}", path.display()))
                .map_err(io)?;
            // tokio's File hands writes to a background thread: wait until they are done.
            file.flush()
                .await
                .with_context(|| format!("writing {}", path.display()))
                .map_err(io)?;
            tracing::info!(file = %path.display(), "mail written");
            Ok(Sent {
                provider: "file",
                id: Some(email.id.to_string()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn file_mailer_writes_rfc5322_message_with_encoded_subject() {
        let dir = tempfile::tempdir().expect("tmp");
        let m = FileMailer::new(
            dir.path().join("mail"),
            "HostSystem <noreply@hostsystem.local>",
        );
        let email = Email::plain(
            "anna@example.de",
            "Einladung für Trattoria Müller",
            "Hallo\nLink: http://x/invite",
        );
        let sent = m.send(&email).await.expect("send");
        assert_eq!(sent.provider, "file");
        let files = files(&dir.path().join("mail"));
        assert_eq!(files.len(), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&files[0]), 0o600, "only the owner reads mail files");
        assert_eq!(mode(&dir.path().join("mail")), 0o700);
        let text = std::fs::read_to_string(&files[0]).expect("read");
        assert!(text
            .starts_with("From: HostSystem <noreply@hostsystem.local>\r\nTo: anna@example.de\r\n"));
        assert!(
            text.contains("Subject: =?UTF-8?B?RWlubGFkdW5nIGbDvHIgVHJhdHRvcmlhIE3DvGxsZXI=?=\r\n")
        );
        assert!(text.ends_with("\r\n\r\nHallo\r\nLink: http://x/invite\r\n"));
    }

    #[tokio::test]
    async fn a_retried_message_is_written_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let m = FileMailer::new(dir.path(), "x@y.z");
        let email = Email::plain("a@b.de", "s", "b");
        m.send(&email).await.expect("first");
        m.send(&email).await.expect("retry");
        assert_eq!(files(dir.path()).len(), 1);
        m.send(&Email::plain("a@b.de", "s", "b"))
            .await
            .expect("another");
        assert_eq!(files(dir.path()).len(), 2);
    }

    #[test]
    fn multipart_message_has_text_html_and_a_base64_attachment() {
        let mut email = Email::plain("a@b.de", "Bestätigung", "Text\nzwei");
        email.html = Some("<p>Text</p>".into());
        email.reply_to = Some("info@trattoria.de".into());
        email.attachments.push(Attachment {
            filename: "reservierung.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
            content: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
        });
        let eml = to_eml("HostSystem <noreply@x>", &email);
        let outer = format!("mixed-{}", email.id.simple());
        assert!(eml.contains(&format!(
            "Content-Type: multipart/mixed; boundary=\"{outer}\"\r\n"
        )));
        assert!(eml.contains("Reply-To: info@trattoria.de\r\n"));
        assert!(eml.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nText\r\nzwei\r\n"));
        assert!(eml.contains("Content-Type: text/html; charset=utf-8"));
        assert!(eml.contains("Content-Disposition: attachment; filename=\"reservierung.ics\""));
        assert!(eml.contains("QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo="));
        assert!(eml.ends_with(&format!("--{outer}--\r\n")));
        // Header injection through a name is impossible: control characters are dropped.
        let mut evil = Email::plain("a@b.de\r\nBcc: x@evil", "s", "b");
        evil.subject = "hi\r\nBcc: y@evil".into();
        let eml = to_eml("f@x", &evil);
        assert!(!eml.contains("\r\nBcc:"), "{eml}");
    }
}
