//! Guest-book pages: search by name, phone or email; a profile with visit history, no-shows,
//! tags and notes; editing. Special-category notes only for roles allowed to read them.

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{query_param, ApiPath, FormFields};
use crate::render::PageError;
use crate::render::{render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hs_service::guests;
use hs_service::model::guests::GuestChanges;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// `GET /guests?q=…`.
pub async fn search(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let q = query_param(&uri, "q").unwrap_or_default();
    let found = if q.trim().is_empty() {
        Ok(Vec::new())
    } else {
        guests::search(&state.services, &r.service(), &q).await
    };
    match found {
        Ok(guests) => render(
            &state,
            StatusCode::OK,
            "guests.html",
            &PageCtx::in_restaurant(&r),
            context! { q, guests, searched => !q.trim().is_empty() },
        ),
        Err(StoreError::Invalid { message, .. }) => render(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "guests.html",
            &PageCtx::in_restaurant(&r),
            context! { q, error => message },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /guests/lookup?q=…`: up to eight matching guests as a fragment for the booking form,
/// which offers them while the name or phone is typed.
pub async fn lookup(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let q = query_param(&uri, "q").unwrap_or_default();
    let found = if q.trim().chars().count() < 2 {
        Ok(Vec::new())
    } else {
        guests::search(&state.services, &r.service(), &q).await
    };
    match found {
        Ok(mut guests) => {
            guests.truncate(8);
            render(
                &state,
                StatusCode::OK,
                "guest_matches.html",
                &PageCtx::in_restaurant(&r),
                context! { guests },
            )
        }
        // Too long or control characters: nothing to offer; the form names the field on submit.
        Err(StoreError::Invalid { .. }) => render(
            &state,
            StatusCode::OK,
            "guest_matches.html",
            &PageCtx::in_restaurant(&r),
            context! { guests => Vec::<Value>::new() },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn profile(
    state: &AppState,
    r: &InRestaurant,
    id: Uuid,
    status: StatusCode,
    extra: Value,
) -> Response {
    let result: Result<Value, StoreError> = async {
        let p = guests::profile(&state.services, &r.service(), id).await?;
        let messages: Vec<Value> = p.messages.iter().map(|m| context! {
            kind => m.kind, channel => m.channel, status => m.status, reason => m.reason,
            at => crate::render::fmt_time(m.created_at), reservation => m.reservation_id,
        }).collect();
        let inbound: Vec<Value> = p.inbound.iter().map(|(at, kind, text)| context! {
            at => crate::render::fmt_time(*at), kind, text,
        }).collect();
        Ok(context! {
            tags => p.guest.tags.join(", "), guest => p.guest, history => p.history, special_allowed => p.special,
            messages, inbound, whatsapp => p.whatsapp,
        })
    }
    .await;
    match result {
        Ok(data) => render(
            state,
            status,
            "guest.html",
            &PageCtx::in_restaurant(r),
            context! { ..extra, ..data },
        ),
        Err(e) => PageError(e).into_response(),
    }
}

/// `GET /guests/{id}`.
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    uri: Uri,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    let notice =
        query_param(&uri, "saved").map(|_| PageCtx::in_restaurant(&r).translate("settings.saved"));
    profile(&state, &r, id, StatusCode::OK, context! { notice }).await
}

/// `POST /guests/{id}`: saves the profile.
pub async fn update(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath(id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    let build = |special: bool| GuestChanges {
        name: Some(form.get("name").to_string()),
        salutation: None,
        phone: Some(form.get("phone").to_string()),
        email: Some(form.get("email").to_string()),
        language: Some(form.get("language").to_string()),
        tags: Some(
            form.get("tags")
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        ),
        notes: Some(form.get("notes").to_string()),
        special_notes: special.then(|| form.get("special_notes").to_string()),
    };
    let outcome = guests::update(&state.services, &r.service(), id, build)
        .await
        .map(|_| ());
    match outcome {
        Ok(()) => Redirect::to(&format!("/guests/{id}?saved=1")).into_response(),
        Err(e @ StoreError::NotFound) => PageError(e).into_response(),
        Err(e) => match crate::render::field_errors(e) {
            Ok(errors) => {
                // `tags[3]` is shown at the tags field.
                let errors: std::collections::HashMap<String, String> = errors
                    .into_iter()
                    .map(|(k, v)| (k.split('[').next().unwrap_or_default().to_string(), v))
                    .collect();
                profile(
                    &state,
                    &r,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    context! { errors },
                )
                .await
            }
            Err(resp) => resp,
        },
    }
}
