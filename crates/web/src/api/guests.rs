//! JSON API v1 for the guest book: search, a guest's profile with visits, changes.

use crate::api::wire::{CommonErrors, GuestList, GuestProfile};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use hs_service::guests;
use hs_service::model::guests::{Guest, GuestChanges};
use serde::Deserialize;
use uuid::Uuid;

/// Query of `GET /api/v1/guests`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GuestQuery {
    /// Part of a name, a phone number or an email address.
    q: String,
}

/// `GET /api/v1/guests?q=…`: search by name, phone or email.
#[utoipa::path(get, path = "/api/v1/guests", tag = "guests", params(GuestQuery), responses((status = 200, body = GuestList), CommonErrors))]
pub async fn search_guests(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<GuestQuery>,
) -> Result<Json<GuestList>, ApiError> {
    Ok(Json(GuestList {
        guests: guests::search(&state.services, &caller.service(), &q.q).await?,
    }))
}

/// `GET /api/v1/guests/{id}`: profile with visit history.
#[utoipa::path(get, path = "/api/v1/guests/{id}", tag = "guests", params(("id" = Uuid, Path)), responses((status = 200, body = GuestProfile), CommonErrors))]
pub async fn guest(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<GuestProfile>, ApiError> {
    let p = guests::profile(&state.services, &caller.service(), id).await?;
    Ok(Json(GuestProfile {
        guest: p.guest,
        reservations: p.history,
    }))
}

/// `PATCH /api/v1/guests/{id}`.
#[utoipa::path(patch, path = "/api/v1/guests/{id}", tag = "guests", params(("id" = Uuid, Path)), request_body = crate::api::shapes::GuestChanges, responses((status = 200, body = crate::api::shapes::Guest), CommonErrors))]
pub async fn update_guest(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<GuestChanges>,
) -> Result<Json<Guest>, ApiError> {
    Ok(Json(
        guests::update(&state.services, &caller.service(), id, |_| body).await?,
    ))
}
