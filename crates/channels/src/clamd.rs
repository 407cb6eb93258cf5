//! A virus scan through a local ClamAV daemon (`clamd`) on its Unix socket, with the
//! daemon's `INSTREAM` command: `zINSTREAM\0`, then the data in chunks, each preceded by its
//! length as a 4-byte big-endian number, ended by a zero length; the answer is
//! `stream: OK`, `stream: <signature> FOUND` or `… ERROR`, ended by a NUL byte
//! (clamd(8), "INSTREAM").

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What clamd found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name.
    Infected(String),
}

/// Chunks sent to clamd (well under its default `StreamMaxLength` per chunk).
const CHUNK: usize = 64 * 1024;
/// The whole scan, connection to answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Scans `data` with the clamd listening on `socket`.
pub async fn scan(socket: &Path, data: &[u8]) -> anyhow::Result<Verdict> {
    tokio::time::timeout(TIMEOUT, async {
        let mut s = tokio::net::UnixStream::connect(socket).await?;
        s.write_all(b"zINSTREAM\0").await?;
        for chunk in data.chunks(CHUNK) {
            s.write_all(&(chunk.len() as u32).to_be_bytes()).await?;
            s.write_all(chunk).await?;
        }
        s.write_all(&0u32.to_be_bytes()).await?;
        s.flush().await?;
        let mut answer = Vec::new();
        s.take(4096).read_to_end(&mut answer).await?;
        parse(&answer)
    })
    .await
    .map_err(|_| anyhow::anyhow!("clamd did not answer within {} s", TIMEOUT.as_secs()))?
}

fn parse(answer: &[u8]) -> anyhow::Result<Verdict> {
    let text = String::from_utf8_lossy(answer);
    let text = text.trim_end_matches(['\0', '\n']).trim();
    let body = text.strip_prefix("stream:").map(str::trim).unwrap_or(text);
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        Ok(Verdict::Infected(name.trim().to_string()))
    } else {
        anyhow::bail!("clamd answered {text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read() {
        assert_eq!(parse(b"stream: OK\0").expect("ok"), Verdict::Clean);
        assert_eq!(
            parse(b"stream: Win.Test.EICAR_HDB-1 FOUND\0").expect("found"),
            Verdict::Infected("Win.Test.EICAR_HDB-1".into())
        );
        assert!(parse(b"INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(parse(b"").is_err());
    }
}
