//! JSON API v1 for the restaurant's reservation setup (managers and owners write): settings,
//! service periods, special days, closures, turn times, areas, tables and combinations.

use crate::api::wire::{Closures, CommonErrors, Floor, Periods, TurnTimes};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use hs_service::model::setup::{Area, Closure, Combination, ReservationSettings, Table};
use hs_service::setup;
use serde::Deserialize;
use uuid::Uuid;

/// `GET /api/v1/settings`.
#[utoipa::path(get, path = "/api/v1/settings", tag = "setup", responses((status = 200, body = crate::api::shapes::ReservationSettings), CommonErrors))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ReservationSettings>, ApiError> {
    Ok(Json(
        setup::settings(&state.services, &caller.service()).await?,
    ))
}

/// `PUT /api/v1/settings` (managers and owners).
#[utoipa::path(put, path = "/api/v1/settings", tag = "setup", request_body = crate::api::shapes::ReservationSettings, responses((status = 200, body = crate::api::shapes::ReservationSettings), CommonErrors))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ReservationSettings>,
) -> Result<Json<ReservationSettings>, ApiError> {
    Ok(Json(
        setup::set_settings(&state.services, &caller.service(), &body).await?,
    ))
}

/// `GET /api/v1/service-periods`.
#[utoipa::path(get, path = "/api/v1/service-periods", tag = "setup", responses((status = 200, body = Periods), CommonErrors))]
pub async fn get_periods(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Periods>, ApiError> {
    Ok(Json(Periods {
        periods: setup::periods(&state.services, &caller.service()).await?,
    }))
}

/// `PUT /api/v1/service-periods` (managers and owners): replaces the weekly schedule.
///
/// An empty list is allowed and closes the restaurant on every day: nobody can book until
/// periods are set again (special days still open their dates). The dashboard asks before it
/// sends one.
#[utoipa::path(put, path = "/api/v1/service-periods", tag = "setup", request_body = Periods, responses((status = 200, body = Periods), CommonErrors))]
pub async fn put_periods(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<Periods>,
) -> Result<Json<Periods>, ApiError> {
    Ok(Json(Periods {
        periods: setup::set_periods(&state.services, &caller.service(), &body.periods).await?,
    }))
}

/// `GET /api/v1/closures`.
#[utoipa::path(get, path = "/api/v1/closures", tag = "setup", responses((status = 200, body = Closures), CommonErrors))]
pub async fn get_closures(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Closures>, ApiError> {
    Ok(Json(Closures {
        closures: setup::closures(&state.services, &caller.service()).await?,
    }))
}

/// `POST /api/v1/closures` (managers and owners).
#[utoipa::path(post, path = "/api/v1/closures", tag = "setup", request_body = crate::api::shapes::Closure, responses((status = 201, body = crate::api::shapes::Closure), CommonErrors))]
pub async fn add_closure(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<Closure>,
) -> Result<Response, ApiError> {
    let c = setup::add_closure(&state.services, &caller.service(), &body).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// `DELETE /api/v1/closures/{id}` (managers and owners).
#[utoipa::path(delete, path = "/api/v1/closures/{id}", tag = "setup", params(("id" = Uuid, Path)), responses((status = 204, description = "Removed"), CommonErrors))]
pub async fn remove_closure(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    setup::remove_closure(&state.services, &caller.service(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/turn-times`.
#[utoipa::path(get, path = "/api/v1/turn-times", tag = "setup", responses((status = 200, body = TurnTimes), CommonErrors))]
pub async fn get_turn_times(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<TurnTimes>, ApiError> {
    Ok(Json(TurnTimes {
        turn_times: setup::turn_times(&state.services, &caller.service()).await?,
    }))
}

/// `PUT /api/v1/turn-times` (managers and owners).
#[utoipa::path(put, path = "/api/v1/turn-times", tag = "setup", request_body = TurnTimes, responses((status = 200, body = TurnTimes), CommonErrors))]
pub async fn put_turn_times(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<TurnTimes>,
) -> Result<Json<TurnTimes>, ApiError> {
    Ok(Json(TurnTimes {
        turn_times: setup::set_turn_times(&state.services, &caller.service(), &body.turn_times)
            .await?,
    }))
}

/// `GET /api/v1/tables`: areas, tables and combinations.
#[utoipa::path(get, path = "/api/v1/tables", tag = "setup", responses((status = 200, body = Floor), CommonErrors))]
pub async fn floor(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Floor>, ApiError> {
    let f = setup::floor(&state.services, &caller.service()).await?;
    Ok(Json(Floor {
        areas: f.areas,
        tables: f.tables,
        combinations: f.combinations,
    }))
}

/// Body of `POST /api/v1/areas`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaBody {
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    name: String,
}

/// `POST /api/v1/areas` (managers and owners).
#[utoipa::path(post, path = "/api/v1/areas", tag = "setup", request_body = AreaBody, responses((status = 201, body = crate::api::shapes::Area), (status = 409, description = "Name taken", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn add_area(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<AreaBody>,
) -> Result<Response, ApiError> {
    let a: Area = setup::add_area(&state.services, &caller.service(), &body.name).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// Body of `POST /api/v1/tables`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableBody {
    area_id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    name: String,
    #[schema(minimum = 1, maximum = 50)]
    min_seats: i32,
    #[schema(minimum = 1, maximum = 50)]
    max_seats: i32,
    #[serde(default = "bookable_online_by_default")]
    bookable_online: bool,
}

fn bookable_online_by_default() -> bool {
    true
}

/// `POST /api/v1/tables` (managers and owners).
#[utoipa::path(post, path = "/api/v1/tables", tag = "setup", request_body = TableBody, responses((status = 201, body = crate::api::shapes::Table), (status = 409, description = "Name taken", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn add_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<TableBody>,
) -> Result<Response, ApiError> {
    let t = setup::add_table(
        &state.services,
        &caller.service(),
        &Table {
            id: Uuid::nil(),
            area_id: b.area_id,
            name: b.name,
            min_seats: b.min_seats,
            max_seats: b.max_seats,
            bookable_online: b.bookable_online,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

/// Body of `POST /api/v1/combinations`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CombinationBody {
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    name: String,
    #[schema(minimum = 1, maximum = 100)]
    min_seats: i32,
    #[schema(minimum = 1, maximum = 100)]
    max_seats: i32,
    table_ids: Vec<Uuid>,
}

/// `POST /api/v1/combinations` (managers and owners).
#[utoipa::path(post, path = "/api/v1/combinations", tag = "setup", request_body = CombinationBody, responses((status = 201, body = crate::api::shapes::Combination), (status = 409, description = "Name taken", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn add_combination(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<CombinationBody>,
) -> Result<Response, ApiError> {
    let c = setup::add_combination(
        &state.services,
        &caller.service(),
        &Combination {
            id: Uuid::nil(),
            name: b.name,
            min_seats: b.min_seats,
            max_seats: b.max_seats,
            table_ids: b.table_ids,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// `DELETE /api/v1/combinations/{id}` (managers and owners); reservations keep their tables.
#[utoipa::path(delete, path = "/api/v1/combinations/{id}", tag = "setup", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), CommonErrors))]
pub async fn remove_combination(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    setup::remove_combination(&state.services, &caller.service(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /api/v1/tables/{id}` (managers and owners).
#[utoipa::path(patch, path = "/api/v1/tables/{id}", tag = "setup", params(("id" = Uuid, Path)), request_body = crate::api::shapes::TableChanges,
    responses((status = 200, body = crate::api::shapes::Table), (status = 409, description = "Name taken", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn update_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<hs_service::model::setup::TableChanges>,
) -> Result<Json<Table>, ApiError> {
    Ok(Json(
        setup::update_table(&state.services, &caller.service(), id, &body).await?,
    ))
}

/// `DELETE /api/v1/tables/{id}` (managers and owners): only tables without reservations.
#[utoipa::path(delete, path = "/api/v1/tables/{id}", tag = "setup", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 409, description = "The table has reservations", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn remove_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    setup::remove_table(&state.services, &caller.service(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/special-days`: special opening days from today on.
#[utoipa::path(get, path = "/api/v1/special-days", tag = "setup", responses((status = 200, body = crate::api::wire::SpecialDays), CommonErrors))]
pub async fn get_special_days(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<crate::api::wire::SpecialDays>, ApiError> {
    Ok(Json(crate::api::wire::SpecialDays {
        special_days: setup::special_days(&state.services, &caller.service()).await?,
    }))
}

/// `PUT /api/v1/special-days/{date}` (managers and owners): the day's own periods, replacing
/// the weekday's; an empty list removes the special day.
#[utoipa::path(put, path = "/api/v1/special-days/{date}", tag = "setup", params(("date" = NaiveDate, Path)), request_body = crate::api::wire::SpecialDays,
    responses((status = 200, body = crate::api::wire::SpecialDays), CommonErrors))]
pub async fn put_special_day(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(date): ApiPath<NaiveDate>,
    ApiJson(body): ApiJson<crate::api::wire::SpecialDays>,
) -> Result<Json<crate::api::wire::SpecialDays>, ApiError> {
    let days = setup::set_special_day(&state.services, &caller.service(), date, &body.special_days)
        .await?;
    Ok(Json(crate::api::wire::SpecialDays { special_days: days }))
}
