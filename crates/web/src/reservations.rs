//! JSON API v1 for reservations: availability, booking (with `Idempotency-Key`), listing,
//! moving, state changes, walk-ins, the guest book, and the restaurant's reservation setup.
//!
//! Roles: staff read, create, move, seat, complete, mark no-shows and add walk-ins; managers and
//! owners also confirm, cancel and configure. Ids of another restaurant answer 404.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, JsonWithBytes};
use crate::openapi::{
    AvailabilityOut, Closures, CommonErrors, ErrorDetail, Floor, GuestList, GuestProfile, Periods,
    RejectionBody, ReservationList, SlotOut, TurnTimes,
};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Alternatives, Slot, Snapshot, Unavailable};
use hs_domain::reservation::Channel;
use hs_domain::validate::hhmm;
use hs_domain::Role;
use hs_store::booking::{Change, GuestInput, NewReservation, Rejection, Reservation};
use hs_store::guests::{Guest, GuestChanges};
use hs_store::setup::{Area, Closure, Combination, ReservationSettings, Table};
use hs_store::{StoreError, TenantTx};
use serde::Deserialize;
use uuid::Uuid;

/// Longest `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

fn slot_out(snap: &Snapshot, s: &Slot) -> SlotOut {
    let tables = s
        .assignment
        .tables
        .iter()
        .filter_map(|id| {
            snap.tables
                .iter()
                .find(|t| t.id == *id)
                .map(|t| t.name.clone())
        })
        .collect();
    SlotOut {
        date: s.local.date(),
        time: s.local.format("%H:%M").to_string(),
        starts_at: Some(s.starts_at),
        period: Some(s.period.clone()),
        tables,
    }
}

fn alternatives_out(snap: &Snapshot, alt: &Alternatives, time: NaiveTime) -> Vec<SlotOut> {
    let mut list: Vec<SlotOut> = [&alt.before, &alt.after]
        .into_iter()
        .flatten()
        .map(|s| slot_out(snap, s))
        .collect();
    for d in &alt.other_days {
        list.push(SlotOut {
            date: *d,
            time: time.format("%H:%M").to_string(),
            starts_at: snap.rules.instant(d.and_time(time)),
            period: None,
            tables: Vec::new(),
        });
    }
    list
}

/// A refusal: 409 when the time exists but is taken (or too soon), 422 naming the field when
/// the request cannot be met at all; with alternatives either way.
fn rejection(snap: Option<&Snapshot>, r: &Rejection, time: NaiveTime) -> Response {
    let status = match r.reason {
        Unavailable::Full | Unavailable::TooSoon(_) | Unavailable::TablesTaken => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let body = RejectionBody {
        error: ErrorDetail {
            code: r.reason.code().into(),
            message: r.reason.to_string(),
            field: Some(r.reason.field().into()),
        },
        alternatives: snap
            .map(|s| alternatives_out(s, &r.alternatives, time))
            .unwrap_or_default(),
    };
    (status, Json(body)).into_response()
}

/// Whether the caller may read special-category notes here.
async fn reads_special(tx: &mut TenantTx, caller: &ApiCaller) -> Result<bool, ApiError> {
    Ok(tx.may_read_special(caller.role).await?)
}

fn default_channel(caller: &ApiCaller) -> Channel {
    if caller.user_id.is_some() {
        Channel::Dashboard
    } else {
        Channel::Api
    }
}

/// Query of `GET /api/v1/availability`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    /// `YYYY-MM-DD` in the restaurant's zone.
    date: NaiveDate,
    party_size: u32,
    /// `HH:MM`: when given and not free, alternatives are offered.
    #[param(value_type = Option<String>, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[serde(default, deserialize_with = "hhmm::option::deserialize")]
    time: Option<NaiveTime>,
    /// Guest channels see only online-bookable tables and the lead time; default `api` for
    /// tokens, `dashboard` for sessions.
    channel: Option<Channel>,
}

/// `GET /api/v1/availability?date=YYYY-MM-DD&party_size=N[&time=HH:MM]`.
#[utoipa::path(get, path = "/api/v1/availability", tag = "reservations", params(AvailabilityQuery),
    responses((status = 200, body = AvailabilityOut), CommonErrors))]
pub async fn availability(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> Result<Response, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let snap = tx.snapshot(q.date).await?;
    let now = state.store.clock().now();
    let channel = q.channel.unwrap_or_else(|| default_channel(&caller));
    let audience = channel.audience();
    let slots = match availability::slots(&snap, q.date, q.party_size, now, audience) {
        Ok(s) => s,
        Err(reason) => {
            let r = Rejection {
                reason,
                alternatives: Alternatives::default(),
            };
            return Ok(rejection(None, &r, q.time.unwrap_or(NaiveTime::MIN)));
        }
    };
    let alternatives = match q.time {
        Some(t)
            if !slots
                .iter()
                .any(|s| s.local.time() == t && s.local.date() == q.date) =>
        {
            let alt = tx
                .alternatives(&snap, q.date, t, q.party_size, now, audience, 3)
                .await?;
            alternatives_out(&snap, &alt, t)
        }
        _ => Vec::new(),
    };
    let slots = slots.iter().map(|s| slot_out(&snap, s)).collect();
    Ok(Json(AvailabilityOut {
        date: q.date,
        party_size: q.party_size,
        slots,
        alternatives,
    })
    .into_response())
}

/// Body of `POST /api/v1/reservations`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    date: NaiveDate,
    /// `HH:MM` on the slot grid.
    #[schema(value_type = String, example = "19:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    #[serde(deserialize_with = "hhmm::deserialize")]
    time: NaiveTime,
    #[schema(minimum = 1, maximum = 100)]
    party_size: u32,
    guest: GuestInput,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    notes: String,
    /// Allergies, intolerances, pregnancy, religious diet, accessibility: stored encrypted.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    special_notes: Option<String>,
    /// Default `api` for tokens, `dashboard` for sessions.
    #[serde(default)]
    channel: Option<Channel>,
    /// Tables to book instead of the suggested ones; they must be free and seat the party.
    #[serde(default)]
    table_ids: Option<Vec<Uuid>>,
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v
        .to_str()
        .map_err(|_| {
            ApiError::bad_field("Idempotency-Key", "invalid_header", "visible ASCII only")
        })?
        .trim();
    if k.is_empty() || k.len() > IDEMPOTENCY_KEY_MAX || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_field(
            "Idempotency-Key",
            "invalid_header",
            format!("1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters"),
        ));
    }
    Ok(Some(k.to_string()))
}

/// `POST /api/v1/reservations`: 201 with the reservation; 409 `slot_unavailable` with
/// alternatives; the same `Idempotency-Key` and body return the first answer again.
#[utoipa::path(post, path = "/api/v1/reservations", tag = "reservations", request_body = CreateBody,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
        description = "Optional; 1 to 255 visible ASCII characters (else 400 invalid_header). The same key with the same body within 24 h answers the first answer again, status included, without booking twice; the same key with another body answers 422 idempotency_key_reused. Keys are per restaurant.")),
    responses((status = 201, body = Reservation),
              (status = 409, description = "The time is taken or too soon; alternatives offered", body = RejectionBody),
              CommonErrors))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonWithBytes(body, raw): JsonWithBytes<CreateBody>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let channel = body.channel.unwrap_or_else(|| default_channel(&caller));
    if channel == Channel::WalkIn {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "use_walk_in_endpoint",
            "walk-ins are added with POST /api/v1/walk-ins",
        )
        .field("channel"));
    }
    let mut tx = caller.tenant(&state).await?;
    if let Some(k) = &key {
        match tx.idempotent_replay("reservations", k, &raw).await {
            Ok(Some((status, body))) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Ok((status, Json(body)).into_response());
            }
            Ok(None) => {}
            Err(StoreError::Conflict {
                code: "idempotency_key_reused",
                message,
            }) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    message,
                )
                .field("Idempotency-Key"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let req = NewReservation {
        date: body.date,
        time: body.time,
        party_size: body.party_size,
        guest: body.guest,
        notes: body.notes,
        special_notes: body.special_notes,
        channel,
        tables: body.table_ids,
    };
    match tx.create_reservation(&req).await? {
        Ok(mut r) => {
            if !reads_special(&mut tx, &caller).await? {
                r.special_notes = None;
            }
            let body = serde_json::to_value(&r).map_err(|e| ApiError::internal(&e))?;
            if let Some(k) = &key {
                tx.idempotent_store("reservations", k, &raw, 201, &body)
                    .await?;
            }
            tx.commit().await?;
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(rej) => {
            let snap = tx.snapshot(req.date).await?;
            Ok(rejection(Some(&snap), &rej, req.time))
        }
    }
}

/// Query of `GET /api/v1/reservations`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `YYYY-MM-DD` in the restaurant's zone.
    date: NaiveDate,
}

/// `GET /api/v1/reservations?date=YYYY-MM-DD`.
#[utoipa::path(get, path = "/api/v1/reservations", tag = "reservations", params(ListQuery), responses((status = 200, body = ReservationList), CommonErrors))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ReservationList>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let special = reads_special(&mut tx, &caller).await?;
    let reservations = tx.reservations_on(q.date, special).await?;
    Ok(Json(ReservationList {
        date: q.date,
        reservations,
    }))
}

/// `GET /api/v1/reservations/{id}`.
#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations", params(("id" = Uuid, Path)), responses((status = 200, body = Reservation), CommonErrors))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Reservation>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let special = reads_special(&mut tx, &caller).await?;
    Ok(Json(tx.reservation(id, special).await?))
}

/// Body of `PATCH /api/v1/reservations/{id}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, example = "20:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    #[serde(default, deserialize_with = "hhmm::option::deserialize")]
    time: Option<NaiveTime>,
    #[schema(minimum = 1, maximum = 100)]
    party_size: Option<u32>,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    notes: Option<String>,
    /// Tables to move to; without it the best free tables are chosen again.
    table_ids: Option<Vec<Uuid>>,
}

/// `PATCH /api/v1/reservations/{id}`: move, resize or annotate; availability is checked again.
#[utoipa::path(patch, path = "/api/v1/reservations/{id}", tag = "reservations", params(("id" = Uuid, Path)), request_body = ChangeBody,
    responses((status = 200, body = Reservation),
              (status = 409, description = "The new time is taken, or the reservation can no longer be moved", body = RejectionBody),
              CommonErrors))]
pub async fn change(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<Response, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let changed = tx
        .change_reservation(
            id,
            &Change {
                date: body.date,
                time: body.time,
                party_size: body.party_size,
                notes: body.notes.as_deref(),
                tables: body.table_ids,
            },
        )
        .await;
    // Every 409 of this operation has the shape the document promises, with alternatives
    // (none when the reservation itself cannot change).
    let changed = match changed {
        Err(StoreError::Conflict { code, message }) => {
            let body = RejectionBody {
                error: ErrorDetail {
                    code: code.into(),
                    message,
                    field: None,
                },
                alternatives: Vec::new(),
            };
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
        other => other?,
    };
    match changed {
        Ok(r) => {
            tx.commit().await?;
            Ok(Json(r).into_response())
        }
        Err(rej) => {
            let current = tx.reservation(id, false).await?;
            let date = body.date.unwrap_or(current.date);
            let time = body
                .time
                .or_else(|| NaiveTime::parse_from_str(&current.time, "%H:%M").ok())
                .unwrap_or(NaiveTime::MIN);
            let snap = tx.snapshot(date).await?;
            Ok(rejection(Some(&snap), &rej, time))
        }
    }
}

/// `POST /api/v1/reservations/{id}/{action}` with action confirm, seat, complete, no-show or
/// cancel; 409 naming the transition when it is not allowed.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/{action}", tag = "reservations",
    params(("id" = Uuid, Path), ("action" = String, Path, description = "confirm | seat | complete | no-show | cancel (confirm and cancel: managers and owners)")),
    responses((status = 200, body = Reservation), (status = 409, description = "Transition not allowed from the current state", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn action(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
) -> Result<Json<Reservation>, ApiError> {
    let (to, needs) = hs_domain::reservation::action(&action).ok_or_else(ApiError::not_found)?;
    caller.require(needs)?;
    let mut tx = caller.tenant(&state).await?;
    let r = tx.transition(id, to).await?;
    tx.commit().await?;
    Ok(Json(r))
}

/// Body of `POST /api/v1/walk-ins`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInBody {
    #[schema(minimum = 1, maximum = 100)]
    party_size: u32,
    /// Tables to seat at; default: the best free ones.
    #[serde(default)]
    table_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    guest: Option<GuestInput>,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    notes: String,
}

/// `POST /api/v1/walk-ins`: seats a party now.
#[utoipa::path(post, path = "/api/v1/walk-ins", tag = "reservations", request_body = WalkInBody,
    responses((status = 201, body = Reservation), (status = 409, description = "No free table now", body = RejectionBody), CommonErrors))]
pub async fn walk_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<WalkInBody>,
) -> Result<Response, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    match tx
        .walk_in(
            body.party_size,
            body.guest.as_ref(),
            body.table_ids,
            &body.notes,
        )
        .await?
    {
        Ok(r) => {
            tx.commit().await?;
            Ok((StatusCode::CREATED, Json(r)).into_response())
        }
        Err(rej) => Ok(rejection(None, &rej, NaiveTime::MIN)),
    }
}

// ---- setup ----------------------------------------------------------------------------------

/// `GET /api/v1/settings`.
#[utoipa::path(get, path = "/api/v1/settings", tag = "setup", responses((status = 200, body = ReservationSettings), CommonErrors))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ReservationSettings>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    Ok(Json(tx.reservation_settings().await?))
}

/// `PUT /api/v1/settings` (managers and owners).
#[utoipa::path(put, path = "/api/v1/settings", tag = "setup", request_body = ReservationSettings, responses((status = 200, body = ReservationSettings), CommonErrors))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ReservationSettings>,
) -> Result<Json<ReservationSettings>, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.set_reservation_settings(&body).await?;
    let s = tx.reservation_settings().await?;
    tx.commit().await?;
    Ok(Json(s))
}

/// `GET /api/v1/service-periods`.
#[utoipa::path(get, path = "/api/v1/service-periods", tag = "setup", responses((status = 200, body = Periods), CommonErrors))]
pub async fn get_periods(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Periods>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    Ok(Json(Periods {
        periods: tx.service_periods().await?,
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
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.set_service_periods(&body.periods).await?;
    let periods = tx.service_periods().await?;
    tx.commit().await?;
    Ok(Json(Periods { periods }))
}

/// `GET /api/v1/closures`.
#[utoipa::path(get, path = "/api/v1/closures", tag = "setup", responses((status = 200, body = Closures), CommonErrors))]
pub async fn get_closures(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Closures>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let today = tx.now_local_date().await?;
    Ok(Json(Closures {
        closures: tx.closures(today).await?,
    }))
}

/// `POST /api/v1/closures` (managers and owners).
#[utoipa::path(post, path = "/api/v1/closures", tag = "setup", request_body = Closure, responses((status = 201, body = Closure), CommonErrors))]
pub async fn add_closure(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<Closure>,
) -> Result<Response, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    let c = tx.add_closure(&body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// `DELETE /api/v1/closures/{id}` (managers and owners).
#[utoipa::path(delete, path = "/api/v1/closures/{id}", tag = "setup", params(("id" = Uuid, Path)), responses((status = 204, description = "Removed"), CommonErrors))]
pub async fn remove_closure(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.remove_closure(id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/turn-times`.
#[utoipa::path(get, path = "/api/v1/turn-times", tag = "setup", responses((status = 200, body = TurnTimes), CommonErrors))]
pub async fn get_turn_times(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<TurnTimes>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    Ok(Json(TurnTimes {
        turn_times: tx.turn_times().await?,
    }))
}

/// `PUT /api/v1/turn-times` (managers and owners).
#[utoipa::path(put, path = "/api/v1/turn-times", tag = "setup", request_body = TurnTimes, responses((status = 200, body = TurnTimes), CommonErrors))]
pub async fn put_turn_times(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<TurnTimes>,
) -> Result<Json<TurnTimes>, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.set_turn_times(&body.turn_times).await?;
    let turn_times = tx.turn_times().await?;
    tx.commit().await?;
    Ok(Json(TurnTimes { turn_times }))
}

/// `GET /api/v1/tables`: areas, tables and combinations.
#[utoipa::path(get, path = "/api/v1/tables", tag = "setup", responses((status = 200, body = Floor), CommonErrors))]
pub async fn floor(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Floor>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    Ok(Json(Floor {
        areas: tx.areas().await?,
        tables: tx.tables().await?,
        combinations: tx.combinations().await?,
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
#[utoipa::path(post, path = "/api/v1/areas", tag = "setup", request_body = AreaBody, responses((status = 201, body = Area), (status = 409, description = "Name taken", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn add_area(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<AreaBody>,
) -> Result<Response, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    let a: Area = tx.add_area(&body.name).await?;
    tx.commit().await?;
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
#[utoipa::path(post, path = "/api/v1/tables", tag = "setup", request_body = TableBody, responses((status = 201, body = Table), (status = 409, description = "Name taken", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn add_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<TableBody>,
) -> Result<Response, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    let t = tx
        .add_table(&Table {
            id: Uuid::nil(),
            area_id: b.area_id,
            name: b.name,
            min_seats: b.min_seats,
            max_seats: b.max_seats,
            bookable_online: b.bookable_online,
        })
        .await?;
    tx.commit().await?;
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
#[utoipa::path(post, path = "/api/v1/combinations", tag = "setup", request_body = CombinationBody, responses((status = 201, body = Combination), (status = 409, description = "Name taken", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn add_combination(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<CombinationBody>,
) -> Result<Response, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    let c = tx
        .add_combination(&Combination {
            id: Uuid::nil(),
            name: b.name,
            min_seats: b.min_seats,
            max_seats: b.max_seats,
            table_ids: b.table_ids,
        })
        .await?;
    tx.commit().await?;
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
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.remove_combination(id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- guest book -----------------------------------------------------------------------------

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
#[utoipa::path(patch, path = "/api/v1/guests/{id}", tag = "guests", params(("id" = Uuid, Path)), request_body = GuestChanges, responses((status = 200, body = Guest), CommonErrors))]
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

/// `PATCH /api/v1/tables/{id}` (managers and owners).
#[utoipa::path(patch, path = "/api/v1/tables/{id}", tag = "setup", params(("id" = Uuid, Path)), request_body = hs_store::setup::TableChanges,
    responses((status = 200, body = Table), (status = 409, description = "Name taken", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn update_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<hs_store::setup::TableChanges>,
) -> Result<Json<Table>, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    let t = tx.update_table(id, &body).await?;
    tx.commit().await?;
    Ok(Json(t))
}

/// `DELETE /api/v1/tables/{id}` (managers and owners): only tables without reservations.
#[utoipa::path(delete, path = "/api/v1/tables/{id}", tag = "setup", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 409, description = "The table has reservations", body = crate::openapi::ErrorBody), CommonErrors))]
pub async fn remove_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.remove_table(id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/special-days`: special opening days from today on.
#[utoipa::path(get, path = "/api/v1/special-days", tag = "setup", responses((status = 200, body = crate::openapi::SpecialDays), CommonErrors))]
pub async fn get_special_days(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<crate::openapi::SpecialDays>, ApiError> {
    let mut tx = caller.tenant(&state).await?;
    let today = tx.now_local_date().await?;
    Ok(Json(crate::openapi::SpecialDays {
        special_days: tx.special_days(today).await?,
    }))
}

/// `PUT /api/v1/special-days/{date}` (managers and owners): the day's own periods, replacing
/// the weekday's; an empty list removes the special day.
#[utoipa::path(put, path = "/api/v1/special-days/{date}", tag = "setup", params(("date" = NaiveDate, Path)), request_body = crate::openapi::SpecialDays,
    responses((status = 200, body = crate::openapi::SpecialDays), CommonErrors))]
pub async fn put_special_day(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(date): ApiPath<NaiveDate>,
    ApiJson(body): ApiJson<crate::openapi::SpecialDays>,
) -> Result<Json<crate::openapi::SpecialDays>, ApiError> {
    caller.require(Role::Manager)?;
    let mut tx = caller.tenant(&state).await?;
    tx.set_special_day(date, &body.special_days).await?;
    let days = tx
        .special_days(date)
        .await?
        .into_iter()
        .filter(|d| d.day == date)
        .collect();
    tx.commit().await?;
    Ok(Json(crate::openapi::SpecialDays { special_days: days }))
}
