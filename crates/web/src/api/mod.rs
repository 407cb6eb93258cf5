//! The JSON API v1 wing (`/api/…` and `/metrics`): reservations, setup, guests, the caller's
//! account and tokens, and the OpenAPI document. Authenticated by API tokens or the dashboard's
//! session; answers JSON in one error shape.

pub mod account;
pub mod guests;
pub mod openapi;
pub mod reservations;
pub mod setup;
pub mod shapes;
pub mod stats;
pub mod wire;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(account::health))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/metrics", get(account::metrics))
        .route("/api/v1/me", get(account::me))
        .route("/api/v1/audit", get(account::audit))
        .route(
            "/api/v1/api-tokens",
            get(account::list_tokens).post(account::create_token),
        )
        .route(
            "/api/v1/api-tokens/{id}/revoke",
            post(account::revoke_token),
        )
        .route("/api/v1/availability", get(reservations::availability))
        .route(
            "/api/v1/reservations",
            get(reservations::list).post(reservations::create),
        )
        .route(
            "/api/v1/reservations/{id}",
            get(reservations::get).patch(reservations::change),
        )
        .route(
            "/api/v1/reservations/{id}/{action}",
            post(reservations::action),
        )
        .route("/api/v1/walk-ins", post(reservations::walk_in))
        .route("/api/v1/stats/summary", get(stats::summary))
        .route("/api/v1/stats/{table}", get(stats::csv))
        .route(
            "/api/v1/settings",
            get(setup::get_settings).put(setup::put_settings),
        )
        .route(
            "/api/v1/service-periods",
            get(setup::get_periods).put(setup::put_periods),
        )
        .route(
            "/api/v1/closures",
            get(setup::get_closures).post(setup::add_closure),
        )
        .route(
            "/api/v1/closures/{id}",
            axum::routing::delete(setup::remove_closure),
        )
        .route(
            "/api/v1/turn-times",
            get(setup::get_turn_times).put(setup::put_turn_times),
        )
        .route("/api/v1/tables", get(setup::floor).post(setup::add_table))
        .route(
            "/api/v1/tables/{id}",
            axum::routing::patch(setup::update_table).delete(setup::remove_table),
        )
        .route("/api/v1/special-days", get(setup::get_special_days))
        .route(
            "/api/v1/special-days/{date}",
            axum::routing::put(setup::put_special_day),
        )
        .route("/api/v1/areas", post(setup::add_area))
        .route("/api/v1/combinations", post(setup::add_combination))
        .route(
            "/api/v1/combinations/{id}",
            axum::routing::delete(setup::remove_combination),
        )
        .route("/api/v1/guests", get(guests::search_guests))
        .route(
            "/api/v1/guests/{id}",
            get(guests::guest).patch(guests::update_guest),
        )
}
