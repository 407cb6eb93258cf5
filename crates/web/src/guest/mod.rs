//! The guests' wing: public pages a guest reaches from a message, without an account. Today
//! the self-service page of a reservation (`/r/{restaurant}/{token}`), the hosted booking page
//! (`/book/{slug}`) with its data-protection request form (`/book/{slug}/privacy`), and the
//! website widget's script and API. No session and no CSRF token: the unguessable link is the
//! credential, and a
//! client address that keeps trying wrong links is slowed down like any failed sign-in.

pub mod book;
pub mod files;
pub mod manage;
pub mod privacy;
pub mod widget;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The guests' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{restaurant_id}/{token}", get(manage::page))
        .route("/r/{restaurant_id}/{token}/cancel", post(manage::cancel))
        .route("/r/{restaurant_id}/{token}/change", post(manage::change))
        .route(
            "/r/{restaurant_id}/{token}/calendar.ics",
            get(manage::calendar),
        )
        .route(
            "/r/{restaurant_id}/{token}/whatsapp",
            post(manage::whatsapp),
        )
        .route("/book/{slug}", get(book::page).post(book::book))
        .route(
            "/book/{slug}/privacy",
            get(privacy::page).post(privacy::send),
        )
        .route("/widget.js", get(widget::script))
        .route(
            "/api/w/{public_id}/session",
            post(widget::session).options(widget::preflight),
        )
        .route(
            "/api/w/{public_id}/messages",
            post(widget::message).options(widget::preflight),
        )
        .route(
            "/api/w/{public_id}/transcript",
            post(widget::transcript).options(widget::preflight),
        )
        .route(
            "/api/w/{public_id}/files",
            post(widget::upload).options(widget::preflight),
        )
        .route("/files/{restaurant_id}/{file_id}", get(files::file))
        .route(
            "/api/w/{public_id}/stream",
            get(widget::stream).options(widget::preflight),
        )
}
