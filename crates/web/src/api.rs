//! JSON API: health, metrics, the caller, the audit log (owners) and API tokens (owners).

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use hs_domain::Role;
use hs_store::team::AuditFilter;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// `GET /api/health`: 200 when the database answers, 503 when it does not.
pub async fn health(State(state): State<AppState>) -> Response {
    if state.store.ping().await {
        (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok"})),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "degraded", "database": "unreachable"})),
        )
            .into_response()
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(state.store.pool_stats()),
    )
        .into_response()
}

/// `GET /api/v1/me`: the caller's restaurant and role.
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    let mut tx = state
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    let r = tx.restaurant().await?;
    Ok(Json(json!({
        "restaurant": {"id": r.id, "name": r.name},
        "role": caller.role,
        "actor": caller.actor.to_string(),
    })))
}

/// Query of `GET /api/v1/audit`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    table: Option<String>,
    action: Option<AuditAction>,
    actor: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    before: Option<i64>,
    limit: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum AuditAction {
    Insert,
    Update,
    Delete,
}

/// `GET /api/v1/audit`: the restaurant's audit log, newest first, filterable (owners only).
pub async fn audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Owner)?;
    let limit = i64::from(q.limit.unwrap_or(100));
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_field(
            "limit",
            "out_of_range",
            "must be between 1 and 500",
        ));
    }
    let filter = AuditFilter {
        table: q.table,
        action: q.action.map(|a| match a {
            AuditAction::Insert => "insert".to_string(),
            AuditAction::Update => "update".to_string(),
            AuditAction::Delete => "delete".to_string(),
        }),
        actor: q.actor,
        since: q.since,
        until: q.until,
        before_id: q.before,
        limit,
    };
    let mut tx = state
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    let entries = tx.audit_entries(&filter).await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(json!({"entries": entries, "next_before": next})))
}

/// `GET /api/v1/api-tokens` (owners).
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Owner)?;
    let mut tx = state
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    Ok(Json(json!({"tokens": tx.api_tokens().await?})))
}

/// Body of `POST /api/v1/api-tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    role: Role,
}

/// `POST /api/v1/api-tokens` (owners): 201 with the token, shown this once.
pub async fn create_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    caller.require(Role::Owner)?;
    let mut tx = state
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    let (info, token) = tx
        .create_api_token(&body.name, body.role, caller.user_id)
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "api_token": info})),
    )
        .into_response())
}

/// `POST /api/v1/api-tokens/{id}/revoke` (owners).
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Owner)?;
    let mut tx = state
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    tx.revoke_api_token(id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
