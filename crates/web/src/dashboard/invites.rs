//! Accepting an invite: sign in or create the account, then join the team.

use crate::auth::{self, SessionCtx};
use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::render::{field_errors, lang_of, render, user_agent, with_cookie, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use hs_service::{Actor, StoreError};
use minijinja::{context, Value};
use uuid::Uuid;

async fn invite_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    session: Option<&SessionCtx>,
    (rid, token): (Uuid, &str),
    status: StatusCode,
    extra: Value,
) -> Response {
    let page = match session {
        Some(s) => PageCtx::signed_in(s),
        None => PageCtx::anonymous(headers, uri),
    };
    let invite = match state.services.invite_by_token(rid, token).await {
        Ok(i) => Some(i),
        Err(StoreError::NotFound) => None,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let account_exists = match &invite {
        Some(i) => state
            .services
            .user_by_email(&i.email)
            .await
            .map(|u| u.is_some())
            .unwrap_or(false),
        None => false,
    };
    let status = if invite.is_none() {
        StatusCode::NOT_FOUND
    } else {
        status
    };
    let inv = invite.map(|i| context! { restaurant_name => i.restaurant_name, role => i.role.as_str(), email => i.email });
    render(
        state,
        status,
        "invite.html",
        &page,
        context! { ..extra, ..context! { invite => inv, account_exists } },
    )
}

/// `GET /invite/{restaurant_id}/{token}`.
pub async fn invite_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    session: Option<Extension<SessionCtx>>,
    ApiPath((rid, token)): ApiPath<(Uuid, String)>,
) -> Response {
    let s = session
        .map(|Extension(s)| s)
        .filter(|s| !s.session.mfa_pending);
    invite_page(
        &state,
        &headers,
        &uri,
        s.as_ref(),
        (rid, &token),
        StatusCode::OK,
        context! {},
    )
    .await
}

/// `POST /invite/{restaurant_id}/{token}`: joins as the signed-in user, or creates the account.
pub async fn accept_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    session: Option<Extension<SessionCtx>>,
    ApiPath((rid, token)): ApiPath<(Uuid, String)>,
    form: FormFields,
) -> Response {
    let signed_in = session
        .map(|Extension(s)| s)
        .filter(|s| !s.session.mfa_pending);
    let (user, new_session) = match &signed_in {
        Some(s) => (s.user.clone(), None),
        None => {
            let invite = state.services.invite_by_token(rid, &token).await;
            let invite = match invite {
                Ok(i) => i,
                Err(StoreError::NotFound) => {
                    return invite_page(
                        &state,
                        &headers,
                        &uri,
                        None,
                        (rid, &token),
                        StatusCode::NOT_FOUND,
                        context! {},
                    )
                    .await
                }
                Err(e) => return ApiError::from(e).into_response(),
            };
            let (lang, _) = lang_of(&headers, Some(&uri), None);
            let created = state
                .services
                .create_user(
                    hs_service::model::accounts::NewUser {
                        email: &invite.email,
                        name: form.get("name"),
                        password: form.get("password"),
                        language: lang,
                        platform_admin: false,
                    },
                    &Actor::Anonymous,
                )
                .await;
            match created {
                Ok(u) => (u, Some(())),
                Err(e) => {
                    return match field_errors(e) {
                        Ok(errors) => {
                            let f = context! { name => form.get("name") };
                            invite_page(
                                &state,
                                &headers,
                                &uri,
                                None,
                                (rid, &token),
                                StatusCode::UNPROCESSABLE_ENTITY,
                                context! { errors, form => f },
                            )
                            .await
                        }
                        Err(resp) => resp,
                    }
                }
            }
        }
    };
    let accepted = state
        .services
        .accept_invite(rid, &token, &user)
        .await
        .map(|_| ());
    match accepted {
        Ok(()) => {}
        Err(StoreError::Conflict { message, .. }) => {
            return invite_page(
                &state,
                &headers,
                &uri,
                signed_in.as_ref(),
                (rid, &token),
                StatusCode::CONFLICT,
                context! { error => message },
            )
            .await
        }
        Err(StoreError::NotFound) => {
            return invite_page(
                &state,
                &headers,
                &uri,
                signed_in.as_ref(),
                (rid, &token),
                StatusCode::NOT_FOUND,
                context! {},
            )
            .await
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    match (signed_in, new_session) {
        (Some(s), _) => match state
            .services
            .set_current_restaurant(s.session.id, rid)
            .await
        {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => ApiError::from(e).into_response(),
        },
        (None, _) => match state
            .services
            .create_session(user.id, false, user_agent(&headers))
            .await
        {
            Ok((t, s)) => {
                let _ = state.services.set_current_restaurant(s.id, rid).await;
                with_cookie(
                    Redirect::to("/").into_response(),
                    auth::session_cookie(&state, Some(&t)),
                )
            }
            Err(e) => ApiError::from(e).into_response(),
        },
    }
}
