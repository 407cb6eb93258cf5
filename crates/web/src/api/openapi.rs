//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types they send
//! and receive (utoipa). Served at `/api/openapi.json`; `tests/openapi.json` in this crate is
//! the snapshot a test compares it with, so the API changes only on purpose.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A restaurant API token, `hs_…`"))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "HostSystem API", version = "1", description = "Reservations, guests, setup and statistics of one restaurant, chosen by the API token (or the signed-in session's current restaurant). Errors share one shape; ids of another restaurant answer 404."),
    paths(
        crate::api::account::health,
        crate::api::account::me,
        crate::api::account::audit,
        crate::api::account::list_tokens,
        crate::api::account::create_token,
        crate::api::account::revoke_token,
        crate::api::reservations::availability,
        crate::api::reservations::create,
        crate::api::reservations::list,
        crate::api::reservations::get,
        crate::api::reservations::change,
        crate::api::reservations::action,
        crate::api::reservations::walk_in,
        crate::api::setup::get_settings,
        crate::api::setup::put_settings,
        crate::api::setup::get_periods,
        crate::api::setup::put_periods,
        crate::api::setup::get_closures,
        crate::api::setup::add_closure,
        crate::api::setup::remove_closure,
        crate::api::setup::get_turn_times,
        crate::api::setup::put_turn_times,
        crate::api::setup::floor,
        crate::api::setup::add_area,
        crate::api::setup::add_table,
        crate::api::setup::add_combination,
        crate::api::setup::remove_combination,
        crate::api::setup::update_table,
        crate::api::setup::remove_table,
        crate::api::setup::get_special_days,
        crate::api::setup::put_special_day,
        crate::api::guests::search_guests,
        crate::api::guests::guest,
        crate::api::guests::update_guest,
        crate::api::stats::summary,
        crate::api::stats::csv,
        crate::hooks::voice::generic,
        crate::hooks::voice::vapi,
        crate::hooks::voice::retell_function,
        crate::hooks::voice::retell_function_tool,
        crate::hooks::voice::retell_webhook,
        crate::hooks::agent::completions,
    ),
    components(schemas(crate::api::account::AuditAction)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// The document as JSON.
pub fn json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// `GET /api/openapi.json`.
pub async fn serve() -> axum::response::Response {
    use axum::response::IntoResponse;
    static DOC: std::sync::LazyLock<String> = std::sync::LazyLock::new(json);
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOC.as_str(),
    )
        .into_response()
}
