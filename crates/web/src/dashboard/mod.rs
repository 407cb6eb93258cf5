//! The dashboard wing: server-rendered pages in German and English for the restaurant's team:
//! sign-in, account, team, invites, password reset, the day view, reservations, guests, calls,
//! the inbox and settings, one module each. Works without JavaScript.

pub mod account;
pub mod admin;
pub mod agent;
pub mod calls;
pub mod dayview;
mod forms;
pub mod guests;
pub mod home;
pub mod inbox;
pub mod invites;
pub mod login;
pub mod privacy;
pub mod reservations;
pub mod reset;
pub mod settings;
pub mod stats;
pub mod team;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The dashboard's routes; a [`crate::render::PageError`] becomes the error page.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::login_form).post(login::login))
        .route("/login/2fa", get(login::totp_form).post(login::totp_check))
        .route("/logout", post(login::logout))
        .route("/restaurants", get(home::restaurants))
        .route("/restaurants/switch", post(home::switch_restaurant))
        .route("/account", get(account::account))
        .route("/account/password", post(account::change_password))
        .route("/account/language", post(account::set_language))
        .route("/account/2fa/start", post(account::totp_start))
        .route("/account/2fa/confirm", post(account::totp_confirm))
        .route("/account/2fa/disable", post(account::totp_disable))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route(
            "/account/sessions/end-others",
            post(account::end_other_sessions),
        )
        .route(
            "/reservations/new",
            get(reservations::new_form).post(reservations::create),
        )
        .route(
            "/reservations/{id}",
            get(reservations::detail).post(reservations::change),
        )
        .route(
            "/reservations/{id}/cancel",
            get(dayview::confirm_cancel).post(dayview::cancel),
        )
        .route("/reservations/{id}/{action}", post(dayview::act))
        .route(
            "/reservations/{id}/messages/{message}/again",
            post(reservations::send_again),
        )
        .route("/walk-ins", post(dayview::walk_in))
        .route("/events", get(crate::events::stream))
        .route("/guests", get(guests::search))
        .route("/guests/lookup", get(guests::lookup))
        .route("/calls", get(calls::list))
        .route("/inbox", get(inbox::list))
        .route("/inbox/{id}", get(inbox::show))
        .route("/inbox/{id}/{action}", post(inbox::act))
        .route("/stats", get(stats::page))
        .route("/stats/{table}", get(stats::csv))
        .route("/agent", get(agent::show))
        .route("/agent/csv/{table}", get(agent::csv))
        .route("/agent/faq", post(agent::faq))
        .route("/agent/model", post(agent::model))
        .route("/agent/retention", post(agent::retention))
        .route("/agent/handover", post(agent::handover))
        .route("/agent/widget", post(agent::widget))
        .route("/calls/{id}", get(calls::show))
        .route("/admin", get(admin::home))
        .route("/admin/incidents", post(admin::open_incident))
        .route("/admin/incidents/{id}", get(admin::incident))
        .route("/admin/incidents/{id}/close", post(admin::close_incident))
        .route("/admin/sub-processors", post(admin::announce))
        .route("/admin/record.md", get(admin::record))
        .route("/admin/requests", post(admin::record_request))
        .route("/admin/instructions", post(admin::record_instruction))
        .route(
            "/admin/instructions/{restaurant}/{id}",
            post(admin::instruction_carried_out),
        )
        .route("/privacy/requests/{id}", post(privacy::close_request))
        .route("/privacy/instructions", post(privacy::give_instruction))
        .route("/privacy/sub-processors", get(privacy::sub_processors))
        .route("/privacy/sub-processors/{id}/object", post(privacy::object))
        .route("/privacy", get(privacy::show))
        .route("/privacy/export", post(privacy::export))
        .route(
            "/privacy/restaurant-export",
            post(privacy::restaurant_export),
        )
        .route("/privacy/erase", post(privacy::erase))
        .route("/privacy/exports/{id}/{token}", get(privacy::download))
        .route("/privacy/{file}", get(privacy::dpa))
        .route("/guests/{id}", get(guests::show).post(guests::update))
        .route("/settings", get(settings::show))
        .route("/settings/restaurant", post(settings::restaurant))
        .route("/settings/periods", post(settings::periods))
        .route("/settings/turn-times", post(settings::turn_times))
        .route("/settings/closures", post(settings::add_closure))
        .route(
            "/settings/closures/{id}/remove",
            post(settings::remove_closure),
        )
        .route("/settings/tables", post(settings::add_table))
        .route("/settings/special-days", post(settings::add_special_day))
        .route(
            "/settings/special-days/{day}/remove",
            post(settings::remove_special_day),
        )
        .route("/settings/areas", post(settings::add_area))
        .route("/settings/voice", post(settings::voice_options))
        .route("/settings/messages", post(settings::messages))
        .route("/settings/messages/test", post(settings::test_message))
        .route("/settings/whatsapp", post(settings::whatsapp))
        .route("/settings/mail", post(settings::mail))
        .route("/settings/voice/secret", post(settings::voice_secret))
        .route(
            "/settings/voice/end-rotation",
            post(settings::voice_end_rotation),
        )
        .route("/settings/voice/retell", post(settings::voice_retell))
        .route("/settings/combinations", post(settings::add_combination))
        .route(
            "/settings/combinations/{id}/remove",
            post(settings::remove_combination),
        )
        .route(
            "/settings/tables/{id}/online",
            post(settings::toggle_online),
        )
        .route("/team", get(team::team))
        .route("/team/invite", post(team::invite))
        .route("/team/invites/{id}/revoke", post(team::revoke_invite))
        .route("/team/members/{user_id}/role", post(team::change_role))
        .route("/team/members/{user_id}/remove", post(team::remove_member))
        .route("/team/settings", post(team::team_settings))
        .route("/team/tokens", post(team::create_token))
        .route("/team/tokens/{id}/revoke", post(team::revoke_token))
        .route(
            "/invite/{restaurant_id}/{token}",
            get(invites::invite_form).post(invites::accept_invite),
        )
        .route("/forgot", get(reset::forgot_form).post(reset::forgot))
        .route("/reset/{token}", get(reset::reset_form).post(reset::reset))
        .route(crate::render::CSS_ROUTE, get(crate::render::asset))
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::render::error_pages,
        ))
}
