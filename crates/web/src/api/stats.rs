//! JSON API v1 for statistics: every figure of a range (`from`, `to`, inclusive local dates),
//! and each of its tables as CSV. Owners and managers; staff get 403.

use crate::api::wire::CommonErrors;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::NaiveDate;
use hs_domain::stats::Figures;
use hs_service::{stats, StoreError};
use serde::Deserialize;

/// Query of the statistics endpoints.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` in the restaurant's zone (years 1900 to 2199).
    from: NaiveDate,
    /// Last day, inclusive; at most ten years after `from`.
    to: NaiveDate,
}

async fn compute(
    state: &AppState,
    caller: &ApiCaller,
    q: &RangeQuery,
) -> Result<Figures, ApiError> {
    let range = stats::range(q.from, q.to)?;
    Ok(stats::figures(&state.services, &caller.service(), range).await?)
}

/// `GET /api/v1/stats/summary?from=&to=`: every figure, compared with the range before.
#[utoipa::path(get, path = "/api/v1/stats/summary", tag = "statistics", params(RangeQuery), responses((status = 200, body = crate::api::shapes::StatsFigures), CommonErrors))]
pub async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<Figures>, ApiError> {
    Ok(Json(compute(&state, &caller, &q).await?))
}

/// `GET /api/v1/stats/{table}.csv?from=&to=`: one table (`headline`, `periods`, `heatmap`,
/// `by_day`, `by_channel`, `by_party`, `by_lead`, `agents`, `guests`) as CSV.
#[utoipa::path(get, path = "/api/v1/stats/{table}.csv", tag = "statistics", params(("table" = String, Path), RangeQuery), responses((status = 200, content_type = "text/csv", body = String), CommonErrors))]
pub async fn csv(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(file): ApiPath<String>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Response, ApiError> {
    let Some(table) = file.strip_suffix(".csv") else {
        return Err(StoreError::NotFound.into());
    };
    let figures = compute(&state, &caller, &q).await?;
    let body = figures.csv(table).ok_or(StoreError::NotFound)?;
    Ok(crate::render::csv_download(
        &format!("stats-{table}-{}-{}.csv", q.from, q.to),
        body,
    ))
}
