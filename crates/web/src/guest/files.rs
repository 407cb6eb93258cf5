//! `GET /files/{restaurant_id}/{file_id}?e=…&s=…`: a guest's file behind its short-lived link
//! (given to the conversation's guest token and to the restaurant's team). Images are shown
//! inline, PDFs downloaded; the answer may not be sniffed, framed or run as a page.

use crate::error::ApiError;
use crate::extract::query_param;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hs_service::files::{open_link, Opened};
use uuid::Uuid;

pub async fn file(
    State(state): State<AppState>,
    Path((restaurant, file)): Path<(Uuid, Uuid)>,
    uri: Uri,
) -> Response {
    let expires = query_param(&uri, "e").and_then(|e| e.parse::<i64>().ok());
    let sig = query_param(&uri, "s").unwrap_or_default();
    let Some(expires) = expires else {
        return ApiError::bad_field("e", "invalid", "the link's expiry").into_response();
    };
    match open_link(&state.services, restaurant, file, expires, &sig).await {
        Ok(Opened::File(f, bytes)) => {
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&f.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            let how = if f.content_type.starts_with("image/") {
                "inline"
            } else {
                "attachment"
            };
            let encoded: String = f
                .name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            if let Ok(v) = HeaderValue::from_str(&format!("{how}; filename*=UTF-8''{encoded}")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=600"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"),
            );
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            resp
        }
        Ok(Opened::BadLink) => ApiError::new(
            StatusCode::FORBIDDEN,
            "link",
            "this link is not valid or has expired",
        )
        .into_response(),
        Ok(Opened::Missing) => ApiError::not_found().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
