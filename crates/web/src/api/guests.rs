//! JSON API v1 for the guest book: search, a guest's profile with visits, changes.

use crate::api::wire::{CommonErrors, GuestList, GuestProfile};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use hs_store::guests::{Guest, GuestChanges};
use serde::Deserialize;
use uuid::Uuid;

use super::reservations::reads_special;

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
    let mut tx = caller.tenant(&state).await?;
    Ok(Json(GuestList {
        guests: tx.search_guests(&q.q).await?,
    }))
}

/// `GET /api/v1/guests/{id}`: profile with visit history.
#[utoipa::path(get, path = "/api/v1/guests/{id}", tag = "guests", params(("id" = Uuid, Path)), responses((status = 200, body = GuestProfile), CommonErrors))]
pub async fn guest(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<GuestProfile>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let special = reads_special(&mut tx, &caller).await?;
    let guest = tx.guest(id, special).await?;
    let reservations = tx.guest_history(id).await?;
    Ok(Json(GuestProfile {
        guest,
        reservations,
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
    let mut tx = caller.tenant(&state).await?;
    let special = reads_special(&mut tx, &caller).await?;
    let g = tx.update_guest(id, &body, special).await?;
    tx.commit().await?;
    Ok(Json(g))
}
