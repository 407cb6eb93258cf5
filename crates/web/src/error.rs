//! The one JSON error shape, `{"error":{"code","message","field"}}`: known failures become a
//! 4xx with a clear message naming the field; unexpected ones are logged with their cause chain
//! and become a plain 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hs_service::StoreError;
use serde_json::json;

/// How long clients should wait before retrying while the database is away, in seconds: a
/// restarted embedded cluster answers again within about that.
pub const RETRY_AFTER_SECS: u64 = 2;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400 for a field.
    pub fn bad_field(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message).field(field)
    }

    /// 401: not signed in or bad credentials, with no detail.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "authentication required",
        )
    }

    /// 403: signed in but not allowed.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role does not allow this",
        )
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    /// 429 with `Retry-After`.
    pub fn too_many(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; try again in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 500 after logging the cause.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_rate_limited() {
            let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string());
            r.retry_after = Some(60);
            return r;
        }
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => ApiError::forbidden(),
            StoreError::Invalid {
                field,
                code,
                message,
            } => {
                let status = if code == "taken" || code == "already_member" {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                ApiError::new(status, code, message).field(field)
            }
            StoreError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::Unavailable(why) => {
                tracing::warn!(error = %why, "answering 503: unavailable");
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database (or, for files, the file store or virus scan) is not reachable right now; try again in a moment",
                );
                e.retry_after = Some(RETRY_AFTER_SECS);
                e
            }
            StoreError::Database(e) => ApiError::internal(&format!("database: {e}")),
            StoreError::Other(e) => ApiError::internal(&format!("{e:#}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "message": self.message, "field": self.field}});
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

/// A refusal's status: 409 when the time exists but is taken or too soon (another may work),
/// 422 when the request cannot be met at all. The API and the dashboard answer alike.
pub fn rejection_status(reason: &hs_domain::availability::Unavailable) -> StatusCode {
    use hs_domain::availability::Unavailable;
    match reason {
        Unavailable::Full | Unavailable::TooSoon(_) | Unavailable::TablesTaken => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
