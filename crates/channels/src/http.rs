//! What every provider's HTTP API answers, read once: the status, `Retry-After` (seconds),
//! and the body as JSON (or its text, for a reason to show when it is not JSON).

use crate::mail::SendError;
use serde_json::Value;
use std::time::Duration;

/// A provider's answer.
pub(crate) struct Reply {
    pub status: reqwest::StatusCode,
    /// `Retry-After` in seconds, when given (at most a day).
    pub after: Option<Duration>,
    pub json: Value,
    pub text: String,
}

/// The wait a `Retry-After` header asks for (seconds; no provider here sends HTTP dates).
pub(crate) fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: f64 = h
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Sends a request; a network failure is a temporary error naming `provider`.
pub(crate) async fn send(req: reqwest::RequestBuilder, provider: &str) -> Result<Reply, SendError> {
    let response = req.send().await.map_err(|e| SendError::Retry {
        reason: format!("{provider} unreachable: {e}"),
        after: None,
    })?;
    let status = response.status();
    let after = retry_after(response.headers());
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Reply {
        status,
        after,
        json,
        text,
    })
}

impl Reply {
    /// The provider's words for a refusal: `said` when it has them, else the start of the body.
    pub fn said(&self, said: Option<String>) -> String {
        said.unwrap_or_else(|| self.text.chars().take(300).collect())
    }

    /// The error for a refusal: temporary for 429, 5xx and what `temporary` says, else permanent.
    pub fn refusal(&self, reason: String, temporary: bool) -> SendError {
        if self.status.as_u16() == 429 || self.status.is_server_error() || temporary {
            SendError::Retry {
                reason,
                after: self.after,
            }
        } else {
            SendError::Permanent { reason }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "2".parse().expect("h"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().expect("h"));
        assert_eq!(retry_after(&h), None);
    }
}
