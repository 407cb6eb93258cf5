//! A turn streamed as server-sent events: the work runs in its own task and sends events
//! through a channel, which becomes the response body. A failure before the first event (a
//! refusal, the conversation over its pace, the database away) is still a plain HTTP error;
//! a failure after it ends the stream with the caller's error event.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::sync::mpsc::UnboundedSender;

/// Where the work sends its events (`Ok`) or its failure (`Err`: the response to give).
pub type Events = UnboundedSender<Result<Bytes, Response>>;

/// One event: `data: <json>` and a blank line.
pub fn event(v: &serde_json::Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

/// Runs `work` and streams what it sends; `opening` goes first once the first event is there,
/// `failed` replaces a failure that comes after it.
pub async fn stream<Fut>(
    work: impl FnOnce(Events) -> Fut,
    opening: Option<Bytes>,
    failed: Bytes,
) -> Response
where
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use futures_util::StreamExt;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, Response>>();
    tokio::spawn(work(tx));
    let first = match rx.recv().await {
        Some(Ok(b)) => b,
        Some(Err(resp)) => return resp,
        None => {
            return axum::response::IntoResponse::into_response(crate::error::ApiError::internal(
                &"the turn stopped without an answer",
            ))
        }
    };
    let rest = futures_util::stream::unfold((rx, failed), |(mut rx, failed)| async move {
        match rx.recv().await? {
            Ok(b) => Some((b, (rx, failed))),
            Err(_) => Some((failed.clone(), (rx, failed))),
        }
    });
    let body = futures_util::stream::iter(opening.into_iter().chain([first]))
        .chain(rest)
        .map(Ok::<_, std::convert::Infallible>);
    let mut resp = Response::new(Body::from_stream(body));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    resp
}
