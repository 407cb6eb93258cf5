//! The signed-in person as pages see them: the session with its user, the restaurant they work
//! in, and the cookie it comes from. Resolved by [`crate::auth`]; rendered by [`crate::render`].

use axum::http::{header, HeaderMap};
use hs_service::model::accounts::{Session, User};
use hs_service::model::team::MyRestaurant;
use hs_service::Actor;

/// A session resolved from the cookie (possibly still waiting for its second factor).
#[derive(Clone, Debug)]
pub struct SessionCtx {
    pub session: Session,
    pub user: User,
}

/// A signed-in user working in one of their restaurants: the session's current one if still a
/// member, else their first.
pub struct InRestaurant {
    pub ctx: SessionCtx,
    pub restaurant: MyRestaurant,
    pub restaurants: Vec<MyRestaurant>,
}

impl InRestaurant {
    /// The actor for the audit log.
    pub fn actor(&self) -> Actor {
        Actor::User(self.ctx.user.id)
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
