//! The guest's data-protection request form `/book/{slug}/privacy`, behind the privacy link of
//! the widget and of the booking page: a guest asks for access, correction, erasure and the
//! like without an account. The request lands in the restaurant's register (channel `widget`,
//! due in one month) and its owners are told at once (`hs_service::registers::guest_request`).
//! Plain HTML, no JavaScript; limited per client address like a booking.

use super::book::{framed_by, ip, not_found};
use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::extract::{query_param, FormFields};
use crate::render::{render, PageCtx};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hs_domain::say;
use hs_service::registers::{self, GuestRequest, Received, RequestForm, GUEST_REQUEST_KINDS};
use hs_service::StoreError;
use minijinja::context;

/// What the page shows: the form (with what was typed and the field in error), or the receipt.
enum Shown<'a> {
    Form(&'a GuestRequest, Option<&'a str>),
    Received(&'a Received),
}

fn show(
    state: &AppState,
    uri: &Uri,
    page: &PageCtx,
    form: &RequestForm,
    status: StatusCode,
    shown: Shown<'_>,
) -> Response {
    let blank = GuestRequest::default();
    let (typed, error, done) = match shown {
        Shown::Form(typed, error) => (typed, error, None),
        Shown::Received(d) => (
            &blank,
            None,
            Some(context! {
                received => say::long_date(d.received, page.lang),
                due => say::long_date(d.due, page.lang),
                reference => d.reference,
            }),
        ),
    };
    let resp = render(
        state,
        status,
        "privacy_request.html",
        page,
        context! {
            slug => form.restaurant.slug,
            name => form.restaurant.name,
            privacy_url => form.privacy_url,
            kinds => GUEST_REQUEST_KINDS,
            kind => typed.kind,
            person => typed.name,
            contact => typed.contact,
            details => typed.details,
            error, done,
            embedded => query_param(uri, "embed").is_some_and(|e| e == "1"),
        },
    );
    framed_by(resp, &form.origins)
}

/// `GET /book/{slug}/privacy?lang=&kind=`.
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(wait) = state.widget_limiter.take(&ip(&client)) {
        return ApiError::too_many(wait).into_response();
    }
    match registers::guest_request_form(&state.services, &slug).await {
        Ok(form) => {
            let page = PageCtx::anonymous(&headers, &uri);
            let typed = GuestRequest {
                kind: query_param(&uri, "kind").unwrap_or_else(|| "access".into()),
                ..GuestRequest::default()
            };
            show(
                &state,
                &uri,
                &page,
                &form,
                StatusCode::OK,
                Shown::Form(&typed, None),
            )
        }
        Err(StoreError::NotFound) => not_found(&state, &headers, &uri),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /book/{slug}/privacy` with `kind`, `name`, `contact`, `details`.
pub async fn send(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    if let Err(wait) = state.booking_limiter.take(&ip(&client)) {
        return ApiError::too_many(wait).into_response();
    }
    let page = PageCtx::anonymous(&headers, &uri);
    let typed = GuestRequest {
        kind: form.get("kind").to_string(),
        name: form.get("name").to_string(),
        contact: form.get("contact").to_string(),
        details: form.get("details").to_string(),
        language: page.lang.to_string(),
    };
    let shown = match registers::guest_request_form(&state.services, &slug).await {
        Ok(f) => f,
        Err(StoreError::NotFound) => return not_found(&state, &headers, &uri),
        Err(e) => return ApiError::from(e).into_response(),
    };
    match registers::guest_request(&state.services, &slug, &typed).await {
        Ok(received) => show(
            &state,
            &uri,
            &page,
            &shown,
            StatusCode::OK,
            Shown::Received(&received),
        ),
        Err(StoreError::Invalid { field, .. }) => show(
            &state,
            &uri,
            &page,
            &shown,
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown::Form(&typed, Some(&field)),
        ),
        Err(StoreError::NotFound) => not_found(&state, &headers, &uri),
        Err(e) => ApiError::from(e).into_response(),
    }
}
