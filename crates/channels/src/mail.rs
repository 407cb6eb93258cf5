//! Outbound email. Until a provider (Resend, SMTP) is configured, mail goes to [`FileMailer`],
//! which writes each message as an RFC 5322 `.eml` file that any mail client opens.

use anyhow::{Context, Result};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::io::AsyncWriteExt;

/// One plain-text message.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Something that delivers email.
pub trait Mailer: Send + Sync {
    /// Delivers one message.
    fn send<'a>(
        &'a self,
        email: &'a Email,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;
}

/// Writes messages to `<dir>/<time>-<id>.eml`.
pub struct FileMailer {
    dir: PathBuf,
    from: String,
}

impl FileMailer {
    /// Writes into `dir` (created when needed) with the given From address.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        FileMailer {
            dir: dir.into(),
            from: from.into(),
        }
    }
}

/// RFC 2047 encoded-word for non-ASCII header text.
fn header_text(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.is_ascii() {
        clean
    } else {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
        format!("=?UTF-8?B?{b64}?=")
    }
}

/// Renders a message as RFC 5322 text with CRLF line ends.
pub fn to_eml(
    from: &str,
    email: &Email,
    date: chrono::DateTime<chrono::Utc>,
    id: uuid::Uuid,
) -> String {
    let body = email.body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@hostsystem.local>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        to = header_text(&email.to),
        subject = header_text(&email.subject),
        date = date.to_rfc2822(),
    )
}

impl Mailer for FileMailer {
    fn send<'a>(
        &'a self,
        email: &'a Email,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            // The messages hold invite and reset links: only this user may read them.
            let mut dir = tokio::fs::DirBuilder::new();
            dir.recursive(true).mode(0o700);
            dir.create(&self.dir)
                .await
                .with_context(|| format!("creating {}", self.dir.display()))?;
            let now = chrono::Utc::now();
            let id = uuid::Uuid::new_v4();
            let path = self
                .dir
                .join(format!("{}-{id}.eml", now.format("%Y%m%dT%H%M%S%.3f")));
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .await
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(to_eml(&self.from, email, now, id).as_bytes())
                .await
                .with_context(|| format!("writing {}", path.display()))?;
            // tokio's File hands writes to a background thread: wait until they are done.
            file.flush()
                .await
                .with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(file = %path.display(), "mail written");
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_mailer_writes_rfc5322_message_with_encoded_subject() {
        let dir = tempfile::tempdir().expect("tmp");
        let m = FileMailer::new(
            dir.path().join("mail"),
            "HostSystem <noreply@hostsystem.local>",
        );
        let email = Email {
            to: "anna@example.de".into(),
            subject: "Einladung für Trattoria Müller".into(),
            body: "Hallo\nLink: http://x/invite".into(),
        };
        m.send(&email).await.expect("send");
        let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
            .expect("dir")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(
            mode(&files[0].path()),
            0o600,
            "only the owner reads mail files"
        );
        assert_eq!(mode(&dir.path().join("mail")), 0o700);
        let text = std::fs::read_to_string(files[0].path()).expect("read");
        assert!(text
            .starts_with("From: HostSystem <noreply@hostsystem.local>\r\nTo: anna@example.de\r\n"));
        assert!(
            text.contains("Subject: =?UTF-8?B?RWlubGFkdW5nIGbDvHIgVHJhdHRvcmlhIE3DvGxsZXI=?=\r\n")
        );
        assert!(text.ends_with("\r\n\r\nHallo\r\nLink: http://x/invite\r\n"));
    }
}
