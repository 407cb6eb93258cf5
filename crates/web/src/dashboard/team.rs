//! The team page (owners): members, roles, invites, API tokens, the 2FA rule.

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::i18n;
use crate::render::PageError;
use crate::render::{field_errors, fmt_time, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hs_domain::Role;
use hs_service::team::{Changed, TeamChange};
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

async fn team_page(
    state: &AppState,
    r: &InRestaurant,
    status: StatusCode,
    extra: Value,
) -> Response {
    let result: Result<Value, StoreError> = async {
        let hs_service::team::Team {
            members,
            invites,
            settings,
            tokens,
        } = hs_service::team::overview(&state.services, &r.service()).await?;
        Ok(context! {
            members => members.iter().map(|m| context! {
                user_id => m.user_id, name => m.name, email => m.email, role => m.role.as_str(), totp_enabled => m.totp_enabled,
            }).collect::<Vec<_>>(),
            invites => invites.iter().map(|i| context! {
                id => i.id, email => i.email, role => i.role.as_str(), expires => fmt_time(i.expires_at),
            }).collect::<Vec<_>>(),
            settings => context! { require_owner_2fa => settings.require_owner_2fa },
            tokens => tokens.iter().map(|k| context! {
                id => k.id, name => k.name, role => k.role.as_str(), revoked => k.revoked_at.is_some(),
                last_used => k.last_used_at.map(fmt_time),
            }).collect::<Vec<_>>(),
        })
    }
    .await;
    match result {
        Ok(data) => render(
            state,
            status,
            "team.html",
            &PageCtx::in_restaurant(r),
            context! { ..extra, ..data },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /team`.
pub async fn team(State(state): State<AppState>, r: InRestaurant, headers: HeaderMap) -> Response {
    if let Err(resp) = r.require(Role::Owner, &state, &headers) {
        return resp;
    }
    team_page(&state, &r, StatusCode::OK, context! {}).await
}

fn parse_role(s: &str) -> Result<Role, Response> {
    Role::parse(s).ok_or_else(|| {
        ApiError::bad_field("role", "invalid_role", "must be owner, manager or staff")
            .into_response()
    })
}

/// Makes one change to the team, then shows the team page (or the form error).
async fn team_change(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    change: TeamChange,
) -> Response {
    if let Err(resp) = r.require(Role::Owner, state, headers) {
        return resp;
    }
    let lang = PageCtx::in_restaurant(r).lang;
    match hs_service::team::change(&state.services, &r.service(), change).await {
        Ok(Changed::Nothing) => team_page(state, r, StatusCode::OK, context! {}).await,
        Ok(Changed::Invited(email)) => {
            let notice = format!("{} {email}", i18n::text(lang, "team.invited"));
            team_page(state, r, StatusCode::OK, context! { notice }).await
        }
        Ok(Changed::Token(token)) => {
            team_page(state, r, StatusCode::OK, context! { new_token => token }).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            team_page(
                state,
                r,
                StatusCode::CONFLICT,
                context! { error => message },
            )
            .await
        }
        Err(e @ StoreError::NotFound) => PageError(e).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                team_page(
                    state,
                    r,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    context! { errors },
                )
                .await
            }
            Err(resp) => resp,
        },
    }
}

/// `POST /team/invite`: emails an invite link valid for 7 days.
pub async fn invite(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let role = match parse_role(form.get("role")) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let change = TeamChange::Invite {
        email: form.get("email").to_string(),
        role,
        language: PageCtx::in_restaurant(&r).lang.to_string(),
    };
    team_change(&state, &r, &headers, change).await
}

/// `POST /team/invites/{id}/revoke`.
pub async fn revoke_invite(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, TeamChange::RevokeInvite(id)).await
}

/// `POST /team/members/{user_id}/role`.
pub async fn change_role(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(user_id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    let role = match parse_role(form.get("role")) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    team_change(&state, &r, &headers, TeamChange::ChangeRole(user_id, role)).await
}

/// `POST /team/members/{user_id}/remove`.
pub async fn remove_member(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(user_id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, TeamChange::RemoveMember(user_id)).await
}

/// `POST /team/settings`.
pub async fn team_settings(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let on = form.get("require_owner_2fa") == "1";
    team_change(&state, &r, &headers, TeamChange::RequireOwner2fa(on)).await
}

/// `POST /team/tokens`: shows the new token once.
pub async fn create_token(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let role = match parse_role(form.get("role")) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let name = form.get("name").to_string();
    team_change(&state, &r, &headers, TeamChange::CreateToken { name, role }).await
}

/// `POST /team/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, TeamChange::RevokeToken(id)).await
}
