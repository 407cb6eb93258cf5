//! JSON API: health, metrics, the caller, the audit log (owners) and API tokens (owners).

use crate::api::wire::{
    AuditPage, CommonErrors, CreatedToken, Health, Me, RestaurantRef, TokenList,
};
use crate::auth::{ApiCaller, ClientIp};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use hs_domain::Role;
use hs_service::account;
use hs_service::model::team::AuditFilter;
use serde::Deserialize;
use uuid::Uuid;

/// `GET /api/health`: 200 when the database answers, 503 when it does not.
#[utoipa::path(get, path = "/api/health", security(()), tag = "operations",
    responses((status = 200, description = "Database reachable", body = Health),
              (status = 503, description = "Database unreachable", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let h = |status: &str, database: &str| {
        Json(Health {
            status: status.into(),
            database: database.into(),
        })
    };
    if state.services.ping().await {
        (StatusCode::OK, h("ok", "ok")).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            h("degraded", "unreachable"),
        )
            .into_response()
    }
}

/// `GET /metrics`: Prometheus text, only with the configured bearer token
/// (`HOSTSYSTEM_METRICS_TOKEN`); without one configured, 404. Wrong tokens count as failed
/// authentications of the client address.
pub async fn metrics(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
) -> Response {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return ApiError::not_found().into_response();
    };
    let ip = ip.to_string();
    if let Err(wait) = state.auth_failures.peek(&ip) {
        return ApiError::too_many(wait).into_response();
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if !hs_service::model::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        let _ = state.auth_failures.take(&ip);
        return ApiError::unauthorized().into_response();
    }
    let mut text = state.metrics.render(state.services.pool_stats());
    // Bookings per channel, agent outcomes and messages, counted as transactions commit.
    {
        use hs_service::model::counters;
        let all = counters::snapshot();
        for (family, help) in counters::FAMILIES {
            text.push_str(&format!(
                "# HELP {family} {help}\n# TYPE {family} counter\n"
            ));
            for (_, labels, n) in all.iter().filter(|(f, _, _)| *f == family) {
                text.push_str(&format!("{family}{{{labels}}} {n}\n"));
            }
        }
    }
    // Open breaches as their 24-hour notice deadline nears (left out while the database is
    // away: the metrics still answer).
    if let Ok(open) = hs_service::registers::deadlines(&state.services).await {
        text.push_str("# HELP hostsystem_incidents_open Breaches not yet notified to every affected restaurant.\n");
        text.push_str("# TYPE hostsystem_incidents_open gauge\n");
        text.push_str(&format!("hostsystem_incidents_open {}\n", open.len()));
        text.push_str("# HELP hostsystem_incident_deadline_seconds Seconds to an open breach's 24-hour notice deadline, negative once passed.\n");
        text.push_str("# TYPE hostsystem_incident_deadline_seconds gauge\n");
        for (id, seconds) in open {
            text.push_str(&format!(
                "hostsystem_incident_deadline_seconds{{incident=\"{id}\"}} {seconds}\n"
            ));
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `GET /api/v1/me`: the caller's restaurant and role.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = Me), CommonErrors))]
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Me>, ApiError> {
    let r = account::restaurant(&state.services, &caller.service()).await?;
    Ok(Json(Me {
        restaurant: RestaurantRef {
            id: r.id,
            name: r.name,
        },
        role: caller.role,
        actor: caller.actor.to_string(),
    }))
}

/// Query of `GET /api/v1/audit`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this table.
    table: Option<String>,
    /// Only this action.
    action: Option<AuditAction>,
    /// Only this actor, e.g. `user:<id>`.
    actor: Option<String>,
    /// From this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Before this instant (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Entries older than the one with this id (paging: the previous page's `next_before`).
    before: Option<Uuid>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u16>,
}

/// An audited change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Insert,
    Update,
    Delete,
}

/// `GET /api/v1/audit`: the restaurant's audit log, newest first, filterable (owners only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "account", params(AuditQuery), responses((status = 200, body = AuditPage), CommonErrors))]
pub async fn audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
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
    let entries = account::audit(&state.services, &caller.service(), &filter).await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

/// `GET /api/v1/api-tokens` (owners).
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "account", responses((status = 200, body = TokenList), CommonErrors))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<TokenList>, ApiError> {
    Ok(Json(TokenList {
        tokens: account::api_tokens(&state.services, &caller.service()).await?,
    }))
}

/// Body of `POST /api/v1/api-tokens`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    #[schema(value_type = crate::api::shapes::Role)]
    role: Role,
}

/// `POST /api/v1/api-tokens` (owners): 201 with the token, shown this once.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "account", request_body = NewToken, responses((status = 201, body = CreatedToken), CommonErrors))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let (info, token) = account::create_api_token(
        &state.services,
        &caller.service(),
        &body.name,
        body.role,
        caller.user_id,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token,
            api_token: info,
        }),
    )
        .into_response())
}

/// `POST /api/v1/api-tokens/{id}/revoke` (owners).
#[utoipa::path(post, path = "/api/v1/api-tokens/{id}/revoke", tag = "account", params(("id" = Uuid, Path, description = "Token id")), responses((status = 204, description = "Revoked"), CommonErrors))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    account::revoke_api_token(&state.services, &caller.service(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
