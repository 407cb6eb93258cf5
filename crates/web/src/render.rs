//! Rendering pages: the templates, static assets with content-hashed names, the page context
//! (language, user, restaurant, CSRF token), and the error pages. Shared by the dashboard and
//! the authentication extractors, which answer with pages too.

use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::i18n;
use crate::session::{self, InRestaurant, SessionCtx};
use crate::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use hs_service::model::hex;
use hs_service::model::team::MyRestaurant;
use hs_service::StoreError;
use minijinja::{context, Environment, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

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
    ("agent.html", include_str!("../templates/agent.html")),
    ("privacy.html", include_str!("../templates/privacy.html")),
    ("dpa.html", include_str!("../templates/dpa.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("incident.html", include_str!("../templates/incident.html")),
    (
        "subprocessors.html",
        include_str!("../templates/subprocessors.html"),
    ),
    ("call.html", include_str!("../templates/call.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    (
        "conversation.html",
        include_str!("../templates/conversation.html"),
    ),
    ("manage.html", include_str!("../templates/manage.html")),
    ("book.html", include_str!("../templates/book.html")),
    (
        "privacy_request.html",
        include_str!("../templates/privacy_request.html"),
    ),
    ("stats.html", include_str!("../templates/stats.html")),
    (
        "manage_invalid.html",
        include_str!("../templates/manage_invalid.html"),
    ),
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
    pub(crate) lang_cookie: bool,
    pub(crate) session: Option<SessionCtx>,
    pub(crate) restaurant: Option<MyRestaurant>,
    pub(crate) restaurants: Vec<MyRestaurant>,
}

pub(crate) fn lang_of(
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
    match session::cookie(headers, "hs_lang") {
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
    pub(crate) fn anonymous(headers: &HeaderMap, uri: &Uri) -> Self {
        let (lang, lang_cookie) = lang_of(headers, Some(uri), None);
        PageCtx {
            lang,
            lang_cookie,
            session: None,
            restaurant: None,
            restaurants: Vec::new(),
        }
    }

    pub(crate) fn signed_in(ctx: &SessionCtx) -> Self {
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
            platform_admin => s.user.is_platform_admin,
        }),
        csrf => page.session.as_ref().map(|s| s.session.csrf_token.clone()),
        restaurant => page.restaurant.as_ref().map(|r| context! { id => r.id, name => r.name, role => r.role.as_str(), read_only => r.read_only }),
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

/// A page handler's failure, so page handlers can use `?`: not found and forbidden become
/// the error page in the person's language (rendered by [`error_pages`], which knows the
/// request); anything else is answered as every unexpected failure is.
#[derive(Debug)]
pub struct PageError(pub StoreError);

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e)
    }
}

/// Marks a response that [`error_pages`] replaces with the rendered error page.
#[derive(Clone, Copy, Debug)]
struct ErrorPage(StatusCode);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            StoreError::NotFound => StatusCode::NOT_FOUND,
            StoreError::Forbidden => StatusCode::FORBIDDEN,
            e => return ApiError::from(e).into_response(),
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(ErrorPage(status));
        r
    }
}

/// Renders the error page for a [`PageError`] answer, with the request's language and
/// session (the layer around the dashboard's routes).
pub async fn error_pages(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers().clone();
    let session = req.extensions().get::<SessionCtx>().cloned();
    let resp = next.run(req).await;
    match resp.extensions().get::<ErrorPage>() {
        Some(ErrorPage(status)) => error_page_for(&state, &headers, session.as_ref(), *status),
        None => resp,
    }
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

/// A CSV file to download as `filename` (the dashboard's and the API's tables).
pub(crate) fn csv_download(filename: &str, body: String) -> Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn with_cookie(mut r: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub(crate) fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A moment as the team reads it: date and time in the restaurant's zone.
pub(crate) fn local(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
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
