//! The account page: password, language, two-factor setup, sessions.

use crate::auth::{self, SessionCtx, SignedIn};
use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::render::{field_errors, fmt_time, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

async fn account_page(
    state: &AppState,
    ctx: &SessionCtx,
    status: StatusCode,
    extra: Value,
) -> Response {
    let user = match state.services.user(ctx.user.id).await {
        Ok(u) => u,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let fresh = SessionCtx {
        session: ctx.session.clone(),
        user,
    };
    let (current, restaurants) = match auth::current_restaurant(state, &fresh).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let sessions = match state.services.sessions_of(fresh.user.id).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|s| context! { id => s.id, user_agent => s.user_agent, last_seen => fmt_time(s.last_seen_at) })
        .collect();
    let totp_setup = if fresh.user.totp_enabled {
        None
    } else {
        match state.services.pending_totp(fresh.user.id).await {
            Ok(Some(secret)) => {
                let uri = hs_domain::totp::otpauth_uri("HostSystem", &fresh.user.email, &secret);
                let svg = qrcode::QrCode::new(uri.as_bytes())
                    .map(|q| {
                        q.render::<qrcode::render::svg::Color<'_>>()
                            .min_dimensions(200, 200)
                            .build()
                    })
                    .unwrap_or_default();
                let svg = svg
                    .find("<svg")
                    .map(|i| svg[i..].to_string())
                    .unwrap_or_default();
                Some(context! { secret => hs_domain::totp::base32_encode(&secret), qr_svg => svg })
            }
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    };
    let left = state
        .services
        .recovery_codes_left(fresh.user.id)
        .await
        .unwrap_or(0);
    let page = PageCtx {
        restaurant: current,
        restaurants,
        ..PageCtx::signed_in(&fresh)
    };
    let ctx = context! { ..extra, ..context! { sessions, session_id => fresh.session.id, totp_setup, recovery_left => left } };
    render(state, status, "account.html", &page, ctx)
}

/// `GET /account`.
pub async fn account(State(state): State<AppState>, SignedIn(ctx): SignedIn, uri: Uri) -> Response {
    let require = uri.query().is_some_and(|q| q.contains("require_2fa=1"));
    account_page(
        &state,
        &ctx,
        StatusCode::OK,
        context! { require_2fa => require },
    )
    .await
}

/// Shows the account page after a change: with `extra` on success, with the field errors
/// (422) when the input was refused.
async fn account_outcome(
    state: &AppState,
    ctx: &SessionCtx,
    outcome: Result<Value, StoreError>,
) -> Response {
    match outcome {
        Ok(extra) => account_page(state, ctx, StatusCode::OK, extra).await,
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                account_page(
                    state,
                    ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    context! { errors },
                )
                .await
            }
            Err(resp) => resp,
        },
    }
}

/// `POST /account/password`: ends every other session.
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    form: FormFields,
) -> Response {
    let notice = PageCtx::signed_in(&ctx).translate("account.password_changed");
    let outcome = state
        .services
        .change_password(
            ctx.user.id,
            form.get("current_password"),
            form.get("new_password"),
            Some(ctx.session.id),
        )
        .await
        .map(|()| context! { notice });
    account_outcome(&state, &ctx, outcome).await
}

/// `POST /account/language`.
pub async fn set_language(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    form: FormFields,
) -> Response {
    match state
        .services
        .set_language(ctx.user.id, form.get("language"))
        .await
    {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /account/2fa/start`.
pub async fn totp_start(State(state): State<AppState>, SignedIn(ctx): SignedIn) -> Response {
    match state.services.begin_totp(ctx.user.id).await {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /account/2fa/confirm`: shows the recovery codes once.
pub async fn totp_confirm(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    form: FormFields,
) -> Response {
    let outcome = state
        .services
        .confirm_totp(ctx.user.id, form.get("code"))
        .await;
    account_outcome(
        &state,
        &ctx,
        outcome.map(|codes| context! { recovery_codes => codes }),
    )
    .await
}

/// `POST /account/2fa/disable`: needs the password.
pub async fn totp_disable(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    form: FormFields,
) -> Response {
    let outcome = state
        .services
        .disable_totp(ctx.user.id, form.get("password"))
        .await;
    account_outcome(&state, &ctx, outcome.map(|()| context! {})).await
}

/// `POST /account/sessions/{id}/end`.
pub async fn end_session(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    match state.services.end_session(ctx.user.id, id).await {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /account/sessions/end-others`: log out everywhere else.
pub async fn end_other_sessions(
    State(state): State<AppState>,
    SignedIn(ctx): SignedIn,
) -> Response {
    match state
        .services
        .end_other_sessions(ctx.user.id, Some(ctx.session.id))
        .await
    {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
