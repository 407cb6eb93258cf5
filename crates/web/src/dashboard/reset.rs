//! Forgotten passwords: the request form and the reset link.

use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::render::{field_errors, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hs_service::StoreError;
use minijinja::context;

/// `GET /forgot`.
pub async fn forgot_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    render(
        &state,
        StatusCode::OK,
        "forgot.html",
        &PageCtx::anonymous(&headers, &uri),
        context! {},
    )
}

/// `POST /forgot`: the same answer whether or not the account exists; at most 5 mails an
/// address per hour.
pub async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    let page = PageCtx::anonymous(&headers, &uri);
    let email = form.get("email").trim().to_lowercase();
    let key = format!("reset:{email}");
    if state.login_limiter.check(&key).is_ok() {
        state.login_limiter.fail(&key);
        if let Err(e) = hs_service::team::request_password_reset(&state.services, &email).await {
            return ApiError::from(e).into_response();
        }
    }
    render(
        &state,
        StatusCode::OK,
        "forgot.html",
        &page,
        context! { notice => page.translate("forgot.sent") },
    )
}

/// `GET /reset/{token}`.
pub async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    ApiPath(token): ApiPath<String>,
) -> Response {
    let page = PageCtx::anonymous(&headers, &uri);
    match state.services.reset_token_valid(&token).await {
        Ok(true) => render(&state, StatusCode::OK, "reset.html", &page, context! {}),
        Ok(false) => render(
            &state,
            StatusCode::NOT_FOUND,
            "reset.html",
            &page,
            context! { invalid => true },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /reset/{token}`: sets the password, ends all sessions.
pub async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    ApiPath(token): ApiPath<String>,
    form: FormFields,
) -> Response {
    let page = PageCtx::anonymous(&headers, &uri);
    match state
        .services
        .reset_password(&token, form.get("password"))
        .await
    {
        Ok(_) => render(
            &state,
            StatusCode::OK,
            "login.html",
            &page,
            context! { email => "", notice => page.translate("reset.done") },
        ),
        Err(StoreError::Invalid { ref field, .. }) if field == "token" => render(
            &state,
            StatusCode::NOT_FOUND,
            "reset.html",
            &page,
            context! { invalid => true },
        ),
        Err(e) => match field_errors(e) {
            Ok(errors) => render(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "reset.html",
                &page,
                context! { errors },
            ),
            Err(resp) => resp,
        },
    }
}
