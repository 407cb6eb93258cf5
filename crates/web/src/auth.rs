//! Who is asking: a bearer API token or a session cookie, resolved once per request by
//! [`authenticate`], which also enforces CSRF for cookie-authenticated writes and the per-token
//! request rate. Handlers take the extractors below; each says what it requires.

use crate::error::ApiError;
use crate::extract::{form_pairs, read_body};
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hs_domain::Role;
use hs_service::model::team::{MyRestaurant, TokenPrincipal};
use hs_service::Actor;
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

pub use crate::session::{cookie, InRestaurant, SessionCtx};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hs_session";
/// Header carrying the CSRF token for cookie-authenticated JSON writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// A request authenticated by an API token.
#[derive(Clone, Debug)]
pub struct TokenCtx(pub TokenPrincipal);

/// The client's address.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// The `Set-Cookie` value for a session token (or its removal when `None`).
pub fn session_cookie(state: &AppState, token: Option<&str>) -> String {
    let secure = if state.config.tls() { "; Secure" } else { "" };
    match token {
        Some(t) => format!("{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

fn client_ip(state: &AppState, req: &Request) -> IpAddr {
    if state.config.trust_proxy {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// Whether an `Origin` (or, lacking it, `Referer`) header names this site. Requests without
/// either (non-browser clients) pass; browsers always send Origin on cross-site POSTs.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(claimed) = claimed else { return true };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let public = state.config.public_url.trim_end_matches('/');
    let matches = |base: &str| claimed == base || claimed.starts_with(&format!("{base}/"));
    matches(public) || matches(&format!("http://{host}")) || matches(&format!("https://{host}"))
}

/// Resolves the caller, checks CSRF and origin for writes and rates API tokens.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&state, &req);
    req.extensions_mut().insert(ClientIp(ip));
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Voice webhooks and the agent's chat-completions endpoint authenticate with the
    // restaurant's voice secret or Retell signature (crate::hooks); they carry no cookies, so
    // neither sessions nor CSRF apply. `/metrics` checks its own bearer token
    // (crate::api::metrics), which is no API token.
    let path = req.uri().path();
    if path.starts_with("/api/v1/voice/")
        || path.starts_with("/api/v1/agent/")
        || path.starts_with("/api/w/")
        || path == "/metrics"
    {
        return next.run(req).await;
    }

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    if let Some(token) = bearer {
        // As for voice webhooks: an address that keeps failing is not checked at all, and
        // only a valid token takes from that token's budget.
        let ip = ip.to_string();
        if let Err(wait) = state.auth_failures.peek(&ip) {
            return ApiError::too_many(wait).into_response();
        }
        match state.services.authenticate_api_token(&token).await {
            Ok(Some(p)) => {
                if let Err(wait) = state.api_limiter.take(&p.token_id.to_string()) {
                    return ApiError::too_many(wait).into_response();
                }
                req.extensions_mut().insert(TokenCtx(p));
            }
            Ok(None) => {
                let _ = state.auth_failures.take(&ip);
                return ApiError::unauthorized().into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
        // Bearer requests carry no ambient credentials, so CSRF does not apply.
        return next.run(req).await;
    }

    if unsafe_method && !same_origin(&state, req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "cross-site request refused",
        )
        .into_response();
    }
    // The guests' pages (self-service link, booking page) act on no account: a team member's
    // session cookie in the same browser neither helps nor hinders them.
    let path = req.uri().path();
    if path.starts_with("/r/") || path.starts_with("/book/") {
        return next.run(req).await;
    }

    let token = cookie(req.headers(), SESSION_COOKIE).map(str::to_string);
    if let Some(token) = token {
        match state.services.session_by_token(&token).await {
            Ok(Some((session, user))) => {
                if unsafe_method {
                    let expected = session.csrf_token.clone();
                    let header_ok = req
                        .headers()
                        .get(CSRF_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| {
                            hs_service::model::constant_time_eq(v.as_bytes(), expected.as_bytes())
                        });
                    if !header_ok {
                        // Look in the form body, then hand the same bytes on.
                        let (parts, body) = req.into_parts();
                        let bytes = match read_body(
                            Request::from_parts(parts.clone(), body),
                            state.config.body_limit,
                        )
                        .await
                        {
                            Ok(b) => b,
                            Err(e) => return e.into_response(),
                        };
                        let field_ok = form_pairs(&bytes).iter().any(|(k, v)| {
                            k == CSRF_FIELD
                                && hs_service::model::constant_time_eq(
                                    v.as_bytes(),
                                    expected.as_bytes(),
                                )
                        });
                        if !field_ok {
                            return ApiError::new(
                                StatusCode::FORBIDDEN,
                                "csrf_failed",
                                "missing or wrong CSRF token; reload the page",
                            )
                            .into_response();
                        }
                        req = Request::from_parts(parts, Body::from(bytes));
                    }
                }
                req.extensions_mut().insert(SessionCtx { session, user });
            }
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    next.run(req).await
}

// ---- extractors for pages ------------------------------------------------------------------

/// A fully signed-in user (second factor done); otherwise a redirect to the login page.
pub struct SignedIn(pub SessionCtx);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<SessionCtx>() {
            Some(s) if !s.session.mfa_pending => Ok(SignedIn(s.clone())),
            Some(_) => Err(Redirect::to("/login/2fa").into_response()),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

impl InRestaurant {
    /// 403 page unless the role is at least `needed`.
    pub fn require(
        &self,
        needed: Role,
        state: &AppState,
        req_headers: &HeaderMap,
    ) -> Result<(), Response> {
        if self.restaurant.role.at_least(needed) {
            Ok(())
        } else {
            Err(crate::render::error_page_for(
                state,
                req_headers,
                Some(&self.ctx),
                StatusCode::FORBIDDEN,
            ))
        }
    }
}

impl InRestaurant {
    /// The signed-in user in this restaurant, as the service layer knows callers.
    pub fn service(&self) -> hs_service::reservations::Caller {
        hs_service::reservations::Caller {
            restaurant_id: self.restaurant.id,
            actor: self.actor(),
            role: self.restaurant.role,
        }
    }
}

/// Resolves the current restaurant of a session; `None` when the user belongs to none.
pub async fn current_restaurant(
    state: &AppState,
    ctx: &SessionCtx,
) -> Result<(Option<MyRestaurant>, Vec<MyRestaurant>), ApiError> {
    let mine = state.services.restaurants_of(ctx.user.id).await?;
    let current = ctx
        .session
        .current_restaurant
        .and_then(|id| mine.iter().find(|r| r.id == id))
        .or_else(|| mine.first())
        .cloned();
    Ok((current, mine))
}

/// Whether a restaurant requires 2FA of this owner who has none: then they must set it up.
async fn owner_needs_2fa(
    state: &AppState,
    ctx: &SessionCtx,
    r: &MyRestaurant,
) -> Result<bool, ApiError> {
    Ok(state
        .services
        .owner_needs_2fa(r.id, &ctx.user, r.role)
        .await?)
}

/// Puts a signed-in user into their current restaurant: `Ok(None)` when they belong to none, a
/// redirect to 2FA setup when the restaurant requires it of this owner.
pub async fn enter_restaurant(
    state: &AppState,
    ctx: SessionCtx,
) -> Result<Option<InRestaurant>, Response> {
    let (current, restaurants) = current_restaurant(state, &ctx)
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(restaurant) = current else {
        return Ok(None);
    };
    if owner_needs_2fa(state, &ctx, &restaurant)
        .await
        .map_err(IntoResponse::into_response)?
    {
        return Err(Redirect::to("/account?require_2fa=1").into_response());
    }
    Ok(Some(InRestaurant {
        ctx,
        restaurant,
        restaurants,
    }))
}

/// What the team of a restaurant whose contract has ended may still do besides reading: the
/// privacy page's exports and a person's erasure, and their own account and session.
fn allowed_when_read_only(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || path.starts_with("/privacy/")
        || path.starts_with("/account")
        || path == "/logout"
        || path == "/restaurants/switch"
}

/// The API's answer to a change in a restaurant whose contract has ended.
fn read_only_error() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "read_only",
        "the restaurant's contract has ended: its data can be read and exported until it is deleted",
    )
}

impl FromRequestParts<AppState> for InRestaurant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(ctx) = SignedIn::from_request_parts(parts, state).await?;
        let r = enter_restaurant(state, ctx)
            .await?
            .ok_or_else(|| Redirect::to("/").into_response())?;
        if r.restaurant.read_only && !allowed_when_read_only(&parts.method, parts.uri.path()) {
            return Err(crate::render::error_page_for(
                state,
                &parts.headers,
                Some(&r.ctx),
                StatusCode::FORBIDDEN,
            ));
        }
        Ok(r)
    }
}

// ---- extractor for the JSON API -------------------------------------------------------------

/// Who calls the JSON API: an API token, or a signed-in session in its current restaurant.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub restaurant_id: Uuid,
    pub role: Role,
    pub actor: Actor,
    pub user_id: Option<Uuid>,
}

impl ApiCaller {
    /// The caller as the service layer knows callers.
    pub fn service(&self) -> hs_service::reservations::Caller {
        hs_service::reservations::Caller {
            restaurant_id: self.restaurant_id,
            actor: self.actor.clone(),
            role: self.role,
        }
    }

    /// 403 unless the role is at least `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role.at_least(needed) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let Some(TokenCtx(p)) = parts.extensions.get::<TokenCtx>() {
            if p.read_only && writes {
                return Err(read_only_error());
            }
            return Ok(ApiCaller {
                restaurant_id: p.restaurant_id,
                role: p.role,
                actor: Actor::Token(p.token_id),
                user_id: None,
            });
        }
        let Some(ctx) = parts
            .extensions
            .get::<SessionCtx>()
            .filter(|s| !s.session.mfa_pending)
            .cloned()
        else {
            return Err(ApiError::unauthorized());
        };
        let (current, _) = current_restaurant(state, &ctx).await?;
        let r = current.ok_or_else(ApiError::forbidden)?;
        if r.read_only && writes {
            return Err(read_only_error());
        }
        if owner_needs_2fa(state, &ctx, &r).await? {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "two_factor_required",
                "set up two-factor sign-in first",
            ));
        }
        Ok(ApiCaller {
            restaurant_id: r.id,
            role: r.role,
            actor: Actor::User(ctx.user.id),
            user_id: Some(ctx.user.id),
        })
    }
}
