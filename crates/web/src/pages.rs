//! The dashboard shell: sign-in with second factor, account (2FA, sessions, password,
//! language), restaurant switcher, team (owners), invites and password reset. Handlers parse,
//! call one store service and render an escaping template.

use crate::auth::{self, ClientIp, InRestaurant, SessionCtx, SignedIn};
use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::i18n;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use hs_domain::Role;
use hs_store::secret::hex;
use hs_store::team::MyRestaurant;
use hs_store::{Actor, StoreError};
use minijinja::{context, Environment, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;
use uuid::Uuid;

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    (
        "login_2fa.html",
        include_str!("../templates/login_2fa.html"),
    ),
    ("home.html", include_str!("../templates/home.html")),
    (
        "restaurants.html",
        include_str!("../templates/restaurants.html"),
    ),
    ("account.html", include_str!("../templates/account.html")),
    ("team.html", include_str!("../templates/team.html")),
    ("invite.html", include_str!("../templates/invite.html")),
    ("forgot.html", include_str!("../templates/forgot.html")),
    ("reset.html", include_str!("../templates/reset.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("day.html", include_str!("../templates/day.html")),
    (
        "new_reservation.html",
        include_str!("../templates/new_reservation.html"),
    ),
    (
        "confirm_cancel.html",
        include_str!("../templates/confirm_cancel.html"),
    ),
    (
        "reservation.html",
        include_str!("../templates/reservation.html"),
    ),
    ("settings.html", include_str!("../templates/settings.html")),
    ("guests.html", include_str!("../templates/guests.html")),
    ("guest.html", include_str!("../templates/guest.html")),
    (
        "guest_matches.html",
        include_str!("../templates/guest_matches.html"),
    ),
    ("calls.html", include_str!("../templates/calls.html")),
    ("call.html", include_str!("../templates/call.html")),
];

/// The stylesheet: the static file plus generated grid classes for the timeline (the CSP allows
/// no inline styles, so block positions are classes: `gc-N` start column, `gs-N` span).
static CSS: LazyLock<String> = LazyLock::new(|| {
    use std::fmt::Write;
    let mut css = include_str!("../static/app.css").to_string();
    for n in 1..=100 {
        let _ = write!(css, ".gc-{n}{{grid-column-start:{n}}}");
    }
    for n in 1..=60 {
        let _ = write!(css, ".gs-{n}{{grid-column-end:span {n}}}");
    }
    for n in 8..=100 {
        let _ = write!(
            css,
            ".cols-{n}{{grid-template-columns:4.5rem repeat({n},minmax(14px,1fr))}}"
        );
    }
    css.push('\n');
    css
});
/// Route of static files; only the content-hashed stylesheet exists.
pub const CSS_ROUTE: &str = "/static/{file}";
static CSS_NAME: LazyLock<String> =
    LazyLock::new(|| format!("app-{}.css", hex(&Sha256::digest(CSS.as_bytes())[..5])));

const JS: &str = include_str!("../static/app.js");
static JS_NAME: LazyLock<String> =
    LazyLock::new(|| format!("app-{}.js", hex(&Sha256::digest(JS.as_bytes())[..5])));

/// The template environment: HTML auto-escaping, `t()` for texts in the page's language.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Optional form state (`errors.field`, `form.email`) may be absent: render it as empty.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, src) in TEMPLATES {
        env.add_template(name, src).expect("templates are valid"); // checked by tests
    }
    env.add_function("t", |state: &minijinja::State, key: String| -> String {
        let lang = state
            .lookup("lang")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "de".into());
        i18n::text(&lang, &key).to_string()
    });
    env
}

/// `GET /static/app-<hash>.css` and `app-<hash>.js`: content-hashed, cached for a year.
pub async fn asset(ApiPath(file): ApiPath<String>) -> Response {
    if file == *CSS_NAME {
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            CSS.as_str(),
        )
            .into_response()
    } else if file == *JS_NAME {
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            JS,
        )
            .into_response()
    } else {
        ApiError::not_found().into_response()
    }
}

pub(crate) fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// What every page needs: language, the user and their restaurants.
pub(crate) struct PageCtx {
    pub(crate) lang: &'static str,
    lang_cookie: bool,
    session: Option<SessionCtx>,
    restaurant: Option<MyRestaurant>,
    restaurants: Vec<MyRestaurant>,
}

fn lang_of(
    headers: &HeaderMap,
    uri: Option<&Uri>,
    session: Option<&SessionCtx>,
) -> (&'static str, bool) {
    if let Some(s) = session {
        return (if s.user.language == "en" { "en" } else { "de" }, false);
    }
    let asked = uri.and_then(|u| crate::extract::query_param(u, "lang"));
    match asked.as_deref() {
        Some("en") => return ("en", true),
        Some("de") => return ("de", true),
        _ => {}
    }
    match auth::cookie(headers, "hs_lang") {
        Some("en") => ("en", false),
        Some("de") => ("de", false),
        _ => (
            i18n::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            ),
            false,
        ),
    }
}

impl PageCtx {
    fn anonymous(headers: &HeaderMap, uri: &Uri) -> Self {
        let (lang, lang_cookie) = lang_of(headers, Some(uri), None);
        PageCtx {
            lang,
            lang_cookie,
            session: None,
            restaurant: None,
            restaurants: Vec::new(),
        }
    }

    fn signed_in(ctx: &SessionCtx) -> Self {
        PageCtx {
            lang: lang_of(&HeaderMap::new(), None, Some(ctx)).0,
            lang_cookie: false,
            session: Some(ctx.clone()),
            restaurant: None,
            restaurants: Vec::new(),
        }
    }

    pub(crate) fn in_restaurant(r: &InRestaurant) -> Self {
        PageCtx {
            restaurant: Some(r.restaurant.clone()),
            restaurants: r.restaurants.clone(),
            ..Self::signed_in(&r.ctx)
        }
    }

    pub(crate) fn translate(&self, key: &str) -> String {
        i18n::text(self.lang, key).to_string()
    }
}

pub(crate) fn render(
    state: &AppState,
    status: StatusCode,
    name: &str,
    page: &PageCtx,
    extra: Value,
) -> Response {
    let other = if page.lang == "de" { "en" } else { "de" };
    let base = context! {
        lang => page.lang,
        other_lang => other,
        css => format!("/static/{}", *CSS_NAME),
        js => format!("/static/{}", *JS_NAME),
        user => page.session.as_ref().map(|s| context! {
            name => s.user.name, email => s.user.email, totp_enabled => s.user.totp_enabled,
        }),
        csrf => page.session.as_ref().map(|s| s.session.csrf_token.clone()),
        restaurant => page.restaurant.as_ref().map(|r| context! { id => r.id, name => r.name, role => r.role.as_str() }),
        restaurants => page.restaurants.iter().map(|r| context! { id => r.id, name => r.name, role => r.role.as_str() }).collect::<Vec<_>>(),
    };
    let ctx = context! { ..extra, ..base };
    let html = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx));
    match html {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            if page.lang_cookie {
                let c = format!(
                    "hs_lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    page.lang
                );
                if let Ok(v) = HeaderValue::from_str(&c) {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            r
        }
        Err(e) => ApiError::internal(&format!("rendering {name}: {e:#}")).into_response(),
    }
}

/// An error page for a status, in the caller's language.
pub fn error_page_for(
    state: &AppState,
    headers: &HeaderMap,
    session: Option<&SessionCtx>,
    status: StatusCode,
) -> Response {
    let (lang, _) = lang_of(headers, None, session);
    let page = PageCtx {
        lang,
        lang_cookie: false,
        session: session.cloned(),
        restaurant: None,
        restaurants: Vec::new(),
    };
    let key = match status {
        StatusCode::NOT_FOUND => "error.not_found",
        StatusCode::FORBIDDEN => "error.forbidden",
        StatusCode::TOO_MANY_REQUESTS => "error.too_many",
        _ => "error.internal",
    };
    render(
        state,
        status,
        "error.html",
        &page,
        context! { status => status.as_u16(), message_key => key },
    )
}

/// An error page for a request.
pub fn error_page(state: &AppState, req: &Request, status: StatusCode) -> Response {
    error_page_for(
        state,
        req.headers(),
        req.extensions().get::<SessionCtx>(),
        status,
    )
}

/// Field errors of a store failure for re-rendering a form; other failures become a response.
pub(crate) fn field_errors(e: StoreError) -> Result<HashMap<String, String>, Response> {
    match e {
        StoreError::Invalid { field, message, .. } => Ok(HashMap::from([(field, message)])),
        other => Err(ApiError::from(other).into_response()),
    }
}

fn with_cookie(mut r: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

// ---- sign-in ---------------------------------------------------------------------------------

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
        .store
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
        .store
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
        state.store.use_recovery_code(s.user.id, code).await
    } else {
        state.store.verify_totp(s.user.id, code).await
    };
    match ok {
        Ok(true) => {
            state.totp_limiter.succeed(&key);
            match state.store.complete_mfa(s.session.id).await {
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
async fn warn_of_totp_guessing(state: &AppState, user: &hs_store::accounts::User) {
    tracing::warn!(user = %user.id, "repeated second-factor lockouts; owner notified");
    if let Err(e) = hs_service::team::warn_of_totp_guessing(&state.store, user.id).await {
        tracing::error!(error = %e, "queueing the second-factor warning");
    }
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(state): State<AppState>,
    session: Option<Extension<SessionCtx>>,
) -> Response {
    if let Some(Extension(s)) = session {
        if let Err(e) = state.store.end_session(s.user.id, s.session.id).await {
            return ApiError::from(e).into_response();
        }
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        auth::session_cookie(&state, None),
    )
}

// ---- home and switcher -------------------------------------------------------------------------

/// `GET /`: the day view of the current restaurant (or a hint when the user has none).
pub async fn home(State(state): State<AppState>, SignedIn(ctx): SignedIn, uri: Uri) -> Response {
    match auth::enter_restaurant(&state, ctx.clone()).await {
        Ok(Some(r)) => crate::dayview::day(&state, &r, &uri).await,
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
    match state.store.restaurants_of(ctx.user.id).await {
        Ok(mine) if mine.iter().any(|r| r.id == id) => {
            match state.store.set_current_restaurant(ctx.session.id, id).await {
                Ok(()) => Redirect::to("/").into_response(),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        Ok(_) => error_page_for(&state, &headers, Some(&ctx), StatusCode::NOT_FOUND),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---- account -----------------------------------------------------------------------------------

async fn account_page(
    state: &AppState,
    ctx: &SessionCtx,
    status: StatusCode,
    extra: Value,
) -> Response {
    let user = match state.store.user(ctx.user.id).await {
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
    let sessions = match state.store.sessions_of(fresh.user.id).await {
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
        match state.store.pending_totp(fresh.user.id).await {
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
        .store
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
        .store
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
        .store
        .set_language(ctx.user.id, form.get("language"))
        .await
    {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /account/2fa/start`.
pub async fn totp_start(State(state): State<AppState>, SignedIn(ctx): SignedIn) -> Response {
    match state.store.begin_totp(ctx.user.id).await {
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
        .store
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
        .store
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
    match state.store.end_session(ctx.user.id, id).await {
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
        .store
        .end_other_sessions(ctx.user.id, Some(ctx.session.id))
        .await
    {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---- team (owners) -------------------------------------------------------------------------------

async fn team_page(
    state: &AppState,
    r: &InRestaurant,
    status: StatusCode,
    extra: Value,
) -> Response {
    let result: Result<Value, StoreError> = async {
        let mut tx = state.store.tenant(r.restaurant.id, &r.actor()).await?;
        let members = tx.members().await?;
        let invites = tx.open_invites().await?;
        let settings = tx.settings().await?;
        let tokens = tx.api_tokens().await?;
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

/// Runs one change in the restaurant's transaction, then shows the team page (or the form error).
async fn team_change<F>(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    change: F,
) -> Response
where
    F: for<'a> FnOnce(&'a mut hs_store::TenantTx) -> auth::Change<'a, Value>,
{
    if let Err(resp) = r.require(Role::Owner, state, headers) {
        return resp;
    }
    match r.write(state, change).await {
        Ok(extra) => team_page(state, r, StatusCode::OK, extra).await,
        Err(StoreError::Conflict { message, .. }) => {
            team_page(
                state,
                r,
                StatusCode::CONFLICT,
                context! { error => message },
            )
            .await
        }
        Err(StoreError::NotFound) => {
            error_page_for(state, headers, Some(&r.ctx), StatusCode::NOT_FOUND)
        }
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
    let email = form.get("email").to_string();
    let lang = PageCtx::in_restaurant(&r).lang;
    let inviter = r.ctx.user.id;
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move {
            let inv = hs_service::team::invite(tx, &email, role, Some(inviter), lang).await?;
            Ok(context! { notice => format!("{} {}", i18n::text(lang, "team.invited"), inv.email) })
        })
    })
    .await
}

/// `POST /team/invites/{id}/revoke`.
pub async fn revoke_invite(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move { tx.revoke_invite(id).await.map(|_| context! {}) })
    })
    .await
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
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move { tx.change_role(user_id, role).await.map(|_| context! {}) })
    })
    .await
}

/// `POST /team/members/{user_id}/remove`.
pub async fn remove_member(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(user_id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move { tx.remove_member(user_id).await.map(|_| context! {}) })
    })
    .await
}

/// `POST /team/settings`.
pub async fn team_settings(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let on = form.get("require_owner_2fa") == "1";
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move { tx.set_require_owner_2fa(on).await.map(|_| context! {}) })
    })
    .await
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
    let by = r.ctx.user.id;
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move {
            let (_, token) = tx.create_api_token(&name, role, Some(by)).await?;
            Ok(context! { new_token => token })
        })
    })
    .await
}

/// `POST /team/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    team_change(&state, &r, &headers, move |tx| {
        Box::pin(async move { tx.revoke_api_token(id).await.map(|_| context! {}) })
    })
    .await
}

// ---- invites -----------------------------------------------------------------------------------

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
    let invite = match state.store.tenant(rid, &Actor::Anonymous).await {
        Ok(mut tx) => match tx.invite_by_token(token).await {
            Ok(i) => Some(i),
            Err(StoreError::NotFound) => None,
            Err(e) => return ApiError::from(e).into_response(),
        },
        Err(e) => return ApiError::from(e).into_response(),
    };
    let account_exists = match &invite {
        Some(i) => state
            .store
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
            let invite = match state.store.tenant(rid, &Actor::Anonymous).await {
                Ok(mut tx) => tx.invite_by_token(&token).await,
                Err(e) => Err(e),
            };
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
                .store
                .create_user(
                    hs_store::accounts::NewUser {
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
    let accepted = match state.store.tenant(rid, &Actor::User(user.id)).await {
        Ok(mut tx) => match tx.accept_invite(&token, user.id, &user.email).await {
            Ok(_) => tx.commit().await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
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
        (Some(s), _) => match state.store.set_current_restaurant(s.session.id, rid).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => ApiError::from(e).into_response(),
        },
        (None, _) => match state
            .store
            .create_session(user.id, false, user_agent(&headers))
            .await
        {
            Ok((t, s)) => {
                let _ = state.store.set_current_restaurant(s.id, rid).await;
                with_cookie(
                    Redirect::to("/").into_response(),
                    auth::session_cookie(&state, Some(&t)),
                )
            }
            Err(e) => ApiError::from(e).into_response(),
        },
    }
}

// ---- password reset ------------------------------------------------------------------------------

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
        if let Err(e) = hs_service::team::request_password_reset(&state.store, &email).await {
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
    match state.store.reset_token_valid(&token).await {
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
        .store
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_escape() {
        let env = environment();
        let t = env.get_template("home.html").expect("template");
        let html = t
            .render(context! { lang => "en", css => "/x.css", user => context! { name => "<b>" }, restaurant => context! { name => "<img src=x onerror=alert(1)>", role => "owner" }, restaurants => Vec::<Value>::new() })
            .expect("render");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<img src=x"));
    }
}
