//! JSON API v1 for reservations: availability, booking (with `Idempotency-Key`), listing,
//! moving, state changes and walk-ins.
//!
//! Roles: staff read, create, move, seat, complete, mark no-shows and add walk-ins; managers and
//! owners also confirm and cancel. Ids of another restaurant answer 404.

use crate::api::wire::{
    AvailabilityOut, CommonErrors, ErrorDetail, RejectionBody, ReservationList, SlotOut,
};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, JsonWithBytes};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{Alternatives, Slot, Snapshot};
use hs_domain::reservation::Channel;
use hs_domain::validate::hhmm;
use hs_service::model::booking::{Change, GuestInput, NewReservation, Rejection, Reservation};
use hs_service::reservations as service;
use hs_service::StoreError;
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
    let status = crate::error::rejection_status(&r.reason);
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
    #[param(value_type = Option<crate::api::shapes::Channel>)]
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
    let channel = q.channel.unwrap_or_else(|| default_channel(&caller));
    let found = service::availability(
        &state.services,
        &caller.service(),
        q.date,
        q.party_size,
        q.time,
        channel,
    )
    .await?;
    let a = match found {
        Ok(a) => a,
        Err(reason) => {
            let r = Rejection {
                reason,
                alternatives: Alternatives::default(),
            };
            return Ok(rejection(None, &r, q.time.unwrap_or(NaiveTime::MIN)));
        }
    };
    let alternatives = match (&a.alternatives, q.time) {
        (Some(alt), Some(t)) => alternatives_out(&a.snapshot, alt, t),
        _ => Vec::new(),
    };
    let slots = a.slots.iter().map(|s| slot_out(&a.snapshot, s)).collect();
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
    #[schema(value_type = crate::api::shapes::GuestInput)]
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
    #[schema(value_type = Option<crate::api::shapes::Channel>)]
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
    responses((status = 201, body = crate::api::shapes::Reservation),
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
    let caller = caller.service();
    let booked = match &key {
        Some(k) => service::book_once(&state.services, &caller, &req, k, &raw).await,
        None => service::book(&state.services, &caller, &req)
            .await
            .map(service::Keyed::First),
    };
    match booked {
        Ok(service::Keyed::First(service::Outcome::Done(r))) => {
            // The same JSON a retry replays (a stored value, its keys in order).
            let body = serde_json::to_value(&r).map_err(|e| ApiError::internal(&e))?;
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Ok(service::Keyed::First(service::Outcome::Refused {
            rejection: rej,
            snapshot,
            time,
            ..
        })) => Ok(rejection(Some(&snapshot), &rej, time)),
        Ok(service::Keyed::Replayed { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            Ok((status, Json(body)).into_response())
        }
        Err(StoreError::Conflict {
            code: "idempotency_key_reused",
            message,
        }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            message,
        )
        .field("Idempotency-Key")),
        Err(e) => Err(e.into()),
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
    let reservations = service::on_day(&state.services, &caller.service(), q.date).await?;
    Ok(Json(ReservationList {
        date: q.date,
        reservations,
    }))
}

/// `GET /api/v1/reservations/{id}`.
#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations", params(("id" = Uuid, Path)), responses((status = 200, body = crate::api::shapes::Reservation), CommonErrors))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Reservation>, ApiError> {
    Ok(Json(
        service::get(&state.services, &caller.service(), id).await?,
    ))
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
    responses((status = 200, body = crate::api::shapes::Reservation),
              (status = 409, description = "The new time is taken, or the reservation can no longer be moved", body = RejectionBody),
              CommonErrors))]
pub async fn change(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<Response, ApiError> {
    let change = Change {
        date: body.date,
        time: body.time,
        party_size: body.party_size,
        notes: body.notes.as_deref(),
        tables: body.table_ids,
    };
    match service::change(&state.services, &caller.service(), id, &change).await {
        Ok(service::Outcome::Refused {
            rejection: rej,
            snapshot,
            time,
            ..
        }) => Ok(rejection(Some(&snapshot), &rej, time)),
        Ok(service::Outcome::Done(r)) => Ok(Json(r).into_response()),
        // Every 409 of this operation has the shape the document promises, with alternatives
        // (none when the reservation itself cannot change).
        Err(StoreError::Conflict { code, message }) => {
            let body = RejectionBody {
                error: ErrorDetail {
                    code: code.into(),
                    message,
                    field: None,
                },
                alternatives: Vec::new(),
            };
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/v1/reservations/{id}/{action}` with action confirm, seat, complete, no-show or
/// cancel; 409 naming the transition when it is not allowed.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/{action}", tag = "reservations",
    params(("id" = Uuid, Path), ("action" = String, Path, description = "confirm | seat | complete | no-show | cancel (confirm and cancel: managers and owners)")),
    responses((status = 200, body = crate::api::shapes::Reservation), (status = 409, description = "Transition not allowed from the current state", body = crate::api::wire::ErrorBody), CommonErrors))]
pub async fn action(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
) -> Result<Json<Reservation>, ApiError> {
    Ok(Json(
        service::transition(&state.services, &caller.service(), id, &action).await?,
    ))
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
    #[schema(value_type = Option<crate::api::shapes::GuestInput>)]
    guest: Option<GuestInput>,
    /// Send the guest a confirmation (walk-ins get none unless asked; needs a guest).
    #[serde(default)]
    send_confirmation: bool,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    notes: String,
}

/// `POST /api/v1/walk-ins`: seats a party now.
#[utoipa::path(post, path = "/api/v1/walk-ins", tag = "reservations", request_body = WalkInBody,
    responses((status = 201, body = crate::api::shapes::Reservation), (status = 409, description = "No free table now", body = RejectionBody), CommonErrors))]
pub async fn walk_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<WalkInBody>,
) -> Result<Response, ApiError> {
    let seated = service::walk_in(
        &state.services,
        &caller.service(),
        body.party_size,
        body.guest.as_ref(),
        body.table_ids,
        &body.notes,
        body.send_confirmation,
    )
    .await?;
    match seated {
        Ok(r) => Ok((StatusCode::CREATED, Json(r)).into_response()),
        Err(rej) => Ok(rejection(None, &rej, NaiveTime::MIN)),
    }
}
