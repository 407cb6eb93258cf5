//! The JSON shapes the API sends and receives that are not the store's own types, with their
//! OpenAPI schemas, and the error responses every operation documents.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The error shape of every 4xx and 5xx.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `slot_unavailable`, `invalid_field`.
    pub code: String,
    /// For people.
    pub message: String,
    /// The request field at fault (`guest.phone`, `periods[2].start`), when there is one.
    pub field: Option<String>,
}

/// A time that can be booked, or one offered instead.
#[derive(Serialize, ToSchema)]
pub struct SlotOut {
    pub date: NaiveDate,
    /// Local time `HH:MM` in the restaurant's zone.
    pub time: String,
    pub starts_at: Option<DateTime<Utc>>,
    /// Service period name (absent for other-day alternatives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Table names of the best assignment (empty for other-day alternatives).
    pub tables: Vec<String>,
}

/// A refused booking: the error and times to offer instead.
#[derive(Serialize, ToSchema)]
pub struct RejectionBody {
    pub error: ErrorDetail,
    pub alternatives: Vec<SlotOut>,
}

/// Answer of `GET /api/v1/availability`.
#[derive(Serialize, ToSchema)]
pub struct AvailabilityOut {
    pub date: NaiveDate,
    pub party_size: u32,
    pub slots: Vec<SlotOut>,
    /// When `time` was asked and is not free: nearest times that day and next days.
    pub alternatives: Vec<SlotOut>,
}

/// A day's reservations.
#[derive(Serialize, ToSchema)]
pub struct ReservationList {
    pub date: NaiveDate,
    #[schema(value_type = Vec<crate::api::shapes::Reservation>)]
    pub reservations: Vec<hs_service::model::booking::Reservation>,
}

/// The weekly service periods.
#[derive(Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Periods {
    #[schema(value_type = Vec<crate::api::shapes::ServicePeriod>)]
    pub periods: Vec<hs_service::model::setup::ServicePeriod>,
}

/// The turn-time bands.
#[derive(Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnTimes {
    #[schema(value_type = Vec<crate::api::shapes::TurnBand>)]
    pub turn_times: Vec<hs_service::model::setup::TurnBand>,
}

/// Special opening days (each period a row; the day's periods replace its weekday's).
#[derive(Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialDays {
    #[schema(value_type = Vec<crate::api::shapes::SpecialDay>)]
    pub special_days: Vec<hs_service::model::setup::SpecialDay>,
}

/// Closures from today on.
#[derive(Serialize, ToSchema)]
pub struct Closures {
    #[schema(value_type = Vec<crate::api::shapes::Closure>)]
    pub closures: Vec<hs_service::model::setup::Closure>,
}

/// Areas, tables and combinations.
#[derive(Serialize, ToSchema)]
pub struct Floor {
    #[schema(value_type = Vec<crate::api::shapes::Area>)]
    pub areas: Vec<hs_service::model::setup::Area>,
    #[schema(value_type = Vec<crate::api::shapes::Table>)]
    pub tables: Vec<hs_service::model::setup::Table>,
    #[schema(value_type = Vec<crate::api::shapes::Combination>)]
    pub combinations: Vec<hs_service::model::setup::Combination>,
}

/// Guests found.
#[derive(Serialize, ToSchema)]
pub struct GuestList {
    #[schema(value_type = Vec<crate::api::shapes::Guest>)]
    pub guests: Vec<hs_service::model::guests::Guest>,
}

/// A guest with their reservations.
#[derive(Serialize, ToSchema)]
pub struct GuestProfile {
    #[schema(value_type = crate::api::shapes::Guest)]
    pub guest: hs_service::model::guests::Guest,
    #[schema(value_type = Vec<crate::api::shapes::Reservation>)]
    pub reservations: Vec<hs_service::model::booking::Reservation>,
}

/// Answer of `GET /api/health`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: String,
}

/// The calling token's or session's restaurant and role.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub restaurant: RestaurantRef,
    #[schema(value_type = crate::api::shapes::Role)]
    pub role: hs_domain::Role,
    /// `user:<id>` or `token:<id>`.
    pub actor: String,
}

/// A restaurant's id and name.
#[derive(Serialize, ToSchema)]
pub struct RestaurantRef {
    pub id: Uuid,
    pub name: String,
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    #[schema(value_type = Vec<crate::api::shapes::AuditEntry>)]
    pub entries: Vec<hs_service::model::team::AuditEntry>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<Uuid>,
}

/// API tokens (never the secrets).
#[derive(Serialize, ToSchema)]
pub struct TokenList {
    #[schema(value_type = Vec<crate::api::shapes::ApiToken>)]
    pub tokens: Vec<hs_service::model::team::ApiToken>,
}

/// A new API token, shown once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[schema(value_type = crate::api::shapes::ApiToken)]
    pub api_token: hs_service::model::team::ApiToken,
}

/// What the voice webhooks may answer besides their success.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum VoiceErrors {
    /// The body is not JSON.
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// Missing or wrong secret or signature (no detail is given).
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// The body is larger than 512 KiB.
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// Too many webhook requests for this restaurant; see `Retry-After`.
    #[response(status = 429)]
    TooMany(#[to_schema] ErrorBody),
    /// Unexpected failure; the cause is logged.
    #[response(status = 500)]
    Internal(#[to_schema] ErrorBody),
    /// The database is unreachable.
    #[response(status = 503)]
    Unavailable(#[to_schema] ErrorBody),
}

/// Errors any authenticated endpoint may answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum CommonErrors {
    /// Malformed JSON, a wrong type, an unknown field or enum value, a bad UUID or query value;
    /// `field` names it.
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// Missing or invalid credentials.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// The role does not allow this (or two-factor sign-in is required first).
    #[response(status = 403)]
    Forbidden(#[to_schema] ErrorBody),
    /// Not found in this restaurant (ids of other restaurants included).
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// The body is larger than the limit.
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(#[to_schema] ErrorBody),
    /// Valid JSON, but a value is not acceptable; `field` names it.
    #[response(status = 422)]
    Unprocessable(#[to_schema] ErrorBody),
    /// Too many requests for this token, or too many failed authentications from this
    /// address; see `Retry-After`.
    #[response(status = 429)]
    TooMany(#[to_schema] ErrorBody),
    /// Unexpected failure; the cause is logged.
    #[response(status = 500)]
    Internal(#[to_schema] ErrorBody),
    /// The database is not reachable right now (code `unavailable`); see `Retry-After`.
    #[response(status = 503)]
    Unavailable(#[to_schema] ErrorBody),
}
