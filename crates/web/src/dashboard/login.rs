//! Sign-in: password, second factor, lockouts, sign-out.

use crate::auth::{self, ClientIp, SessionCtx};
use crate::error::ApiError;
use crate::extract::FormFields;
use crate::render::{render, user_agent, with_cookie, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use minijinja::context;

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    session: Option<Extension<SessionCtx>>,
) -> Response {
    if session.is_some_and(|s| !s.session.mfa_pending) {
        return Redirect::to("/").into_response();
    }
    render(
        &state,
        StatusCode::OK,
        "login.html",
        &PageCtx::anonymous(&headers, &uri),
        context! { email => "" },
    )
}

fn locked(state: &AppState, page: &PageCtx, email: &str, wait: u64) -> Response {
    let msg = page
        .translate("login.locked")
        .replace("{s}", &wait.to_string());
    let mut r = render(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        "login.html",
        page,
        context! { email, error => msg },
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `POST /login`: password check under per-IP and per-account lockouts.
pub async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    let page = PageCtx::anonymous(&headers, &uri);
    let email = form.get("email").trim().to_lowercase();
    let keys = [format!("ip:{ip}"), format!("acct:{email}")];
    for k in &keys {
        if let Err(wait) = state.login_limiter.check(k) {
            return locked(&state, &page, &email, wait);
        }
    }
    let user = match state
        .services
        .check_password(&email, form.get("password"))
        .await
    {
        Ok(u) => u,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(user) = user else {
        let lock = keys
            .iter()
            .filter_map(|k| state.login_limiter.fail(k))
            .max();
        tracing::info!(%ip, "login failed");
        if let Some(wait) = lock {
            return locked(&state, &page, &email, wait);
        }
        return render(
            &state,
            StatusCode::UNAUTHORIZED,
            "login.html",
            &page,
            context! { email, error => page.translate("login.failed") },
        );
    };
    state.login_limiter.succeed(&keys[1]);
    match state
        .services
        .create_session(user.id, user.totp_enabled, user_agent(&headers))
        .await
    {
        Ok((token, _)) => {
            let to = if user.totp_enabled { "/login/2fa" } else { "/" };
            with_cookie(
                Redirect::to(to).into_response(),
                auth::session_cookie(&state, Some(&token)),
            )
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /login/2fa`.
pub async fn totp_form(
    State(state): State<AppState>,
    session: Option<Extension<SessionCtx>>,
) -> Response {
    match session {
        Some(Extension(s)) if s.session.mfa_pending => {
            let mut page = PageCtx::signed_in(&s);
            // Not signed in yet: no navigation, but the form needs the CSRF token.
            let csrf = s.session.csrf_token.clone();
            page.session = None;
            render(
                &state,
                StatusCode::OK,
                "login_2fa.html",
                &page,
                context! { csrf },
            )
        }
        Some(_) => Redirect::to("/").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// `POST /login/2fa`: a TOTP code or a recovery code; 5 bad codes lock the account's second
/// factor for 30 s, doubling with each further bad code up to 1 h ([`crate::limits::TOTP`]).
pub async fn totp_check(
    State(state): State<AppState>,
    session: Option<Extension<SessionCtx>>,
    form: FormFields,
) -> Response {
    let Some(Extension(s)) = session.filter(|s| s.session.mfa_pending) else {
        return Redirect::to("/login").into_response();
    };
    let mut page = PageCtx::signed_in(&s);
    page.session = None;
    let csrf = s.session.csrf_token.clone();
    let key = format!("totp:{}", s.user.id);
    if let Err(wait) = state.totp_limiter.check(&key) {
        let mut r = render(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            "login_2fa.html",
            &page,
            context! { csrf, error => page.translate("error.too_many") },
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let code = form.get("code").trim();
    let ok = if code.chars().any(|c| c.is_ascii_alphabetic()) {
        state.services.use_recovery_code(s.user.id, code).await
    } else {
        state.services.verify_totp(s.user.id, code).await
    };
    match ok {
        Ok(true) => {
            state.totp_limiter.succeed(&key);
            match state.services.complete_mfa(s.session.id).await {
                Ok(token) => with_cookie(
                    Redirect::to("/").into_response(),
                    auth::session_cookie(&state, Some(&token)),
                ),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        Ok(false) => {
            let lock = state.totp_limiter.fail_lockout(&key);
            if lock.is_some_and(|l| l.nth == TOTP_LOCKOUTS_BEFORE_MAIL) {
                warn_of_totp_guessing(&state, &s.user).await;
            }
            let status = if lock.is_some() {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut r = render(
                &state,
                status,
                "login_2fa.html",
                &page,
                context! { csrf, error => page.translate("2fa.wrong") },
            );
            if let Some(v) = lock.and_then(|l| HeaderValue::from_str(&l.seconds.to_string()).ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The lockout of second-factor codes after which the account's owner is told by email.
const TOTP_LOCKOUTS_BEFORE_MAIL: u32 = 2;

/// Queues the warning to the account's owner that someone who knows the password keeps
/// guessing second-factor codes. A failure to queue it is logged; the lockout holds either way.
async fn warn_of_totp_guessing(state: &AppState, user: &hs_service::model::accounts::User) {
    tracing::warn!(user = %user.id, "repeated second-factor lockouts; owner notified");
    if let Err(e) = hs_service::team::warn_of_totp_guessing(&state.services, user.id).await {
        tracing::error!(error = %e, "queueing the second-factor warning");
    }
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(state): State<AppState>,
    session: Option<Extension<SessionCtx>>,
) -> Response {
    if let Some(Extension(s)) = session {
        if let Err(e) = state.services.end_session(s.user.id, s.session.id).await {
            return ApiError::from(e).into_response();
        }
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        auth::session_cookie(&state, None),
    )
}
