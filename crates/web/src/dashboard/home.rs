//! The start page (the day view of the current restaurant) and the restaurant switcher.

use crate::auth::{self, SignedIn};
use crate::error::ApiError;
use crate::extract::FormFields;
use crate::render::{error_page_for, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use uuid::Uuid;

/// `GET /`: the day view of the current restaurant (or a hint when the user has none).
pub async fn home(State(state): State<AppState>, SignedIn(ctx): SignedIn, uri: Uri) -> Response {
    match auth::enter_restaurant(&state, ctx.clone()).await {
        Ok(Some(r)) => crate::dashboard::dayview::day(&state, &r, &uri).await,
        Ok(None) => render(
            &state,
            StatusCode::OK,
            "home.html",
            &PageCtx::signed_in(&ctx),
            context! {},
        ),
        Err(resp) => resp,
    }
}

/// `GET /restaurants`.
pub async fn restaurants(State(state): State<AppState>, SignedIn(ctx): SignedIn) -> Response {
    match auth::current_restaurant(&state, &ctx).await {
        Ok((current, restaurants)) => {
            let page = PageCtx {
                restaurant: current,
                restaurants,
                ..PageCtx::signed_in(&ctx)
            };
            render(
                &state,
                StatusCode::OK,
                "restaurants.html",
                &page,
                context! {},
            )
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /restaurants/switch`: only to a restaurant the user belongs to (else 404).
pub async fn switch_restaurant(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let Ok(id) = Uuid::parse_str(form.get("restaurant_id")) else {
        return ApiError::bad_field("restaurant_id", "invalid_uuid", "not a UUID").into_response();
    };
    match state.services.restaurants_of(ctx.user.id).await {
        Ok(mine) if mine.iter().any(|r| r.id == id) => {
            match state
                .services
                .set_current_restaurant(ctx.session.id, id)
                .await
            {
                Ok(()) => Redirect::to("/").into_response(),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        Ok(_) => error_page_for(&state, &headers, Some(&ctx), StatusCode::NOT_FOUND),
        Err(e) => ApiError::from(e).into_response(),
    }
}
