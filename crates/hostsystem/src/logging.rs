//! Structured logs on stderr with personal data and secrets redacted from every line.

use crate::config::{Config, LogFormat};
use std::io::Write;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Collects one formatted event and writes it, redacted, to the inner writer when dropped.
pub struct RedactingWriter<W: Write>(Vec<u8>, W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let line = hs_domain::redact::redact(&String::from_utf8_lossy(&self.0));
        let _ = self.1.write_all(line.as_bytes());
    }
}

/// Wraps a writer maker so that every event passes [`hs_domain::redact::redact`].
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(Vec::with_capacity(256), self.0.make_writer())
    }
}

/// Installs the global subscriber.
pub fn init(cfg: &Config) {
    let filter = EnvFilter::try_new(&cfg.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(std::io::stderr));
    let _ = match cfg.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.with_ansi(false).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_log_lines_are_redacted_whatever_a_field_holds() {
        let buf = Buffer::default();
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Redacting(move || sink.clone()))
            .json()
            .flatten_event(true)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                guest = "anna.weber@example.de",
                phone = "+49 761 1234567",
                password = "hunter2-geheim",
                "booked for anna.weber@example.de"
            );
        });
        let out = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
        assert!(out.contains("\"guest\":\"[email]\""), "{out}");
        assert!(out.contains("\"phone\":\"[phone]\""), "{out}");
        assert!(out.contains("\"password\":\"[redacted]\""), "{out}");
        assert!(
            !out.contains("anna.weber") && !out.contains("1234567") && !out.contains("hunter2"),
            "{out}"
        );
    }
}
