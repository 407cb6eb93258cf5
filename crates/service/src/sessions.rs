//! People and their sessions, across restaurants: sign-in, second factor, sessions, password,
//! language, password reset, API tokens, the restaurants a user belongs to; and what the web
//! layer needs of the database itself (health, pool figures, live reservation changes). Each
//! is the store's own operation: these accounts hold their rules in the store, under the
//! platform tables' constraints.

use crate::Services;
use hs_store::accounts::{NewUser, Session, User};
use hs_store::team::{MyRestaurant, TokenPrincipal};
use hs_store::{Actor, StoreError};
use uuid::Uuid;

/// Forwards each listed operation to the store.
macro_rules! forward {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty; )*) => {
        impl Services {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, StoreError> {
                    self.store.$name($($arg),*).await
                }
            )*
        }
    };
}

forward! {
    /// The principal of a valid, unrevoked API token.
    fn authenticate_api_token(token: &str) -> Option<TokenPrincipal>;
    /// The session and user of a session token, unless expired.
    fn session_by_token(token: &str) -> Option<(Session, User)>;
    /// The restaurants a user belongs to, with their role.
    fn restaurants_of(user_id: Uuid) -> Vec<MyRestaurant>;
    /// The restaurant a session works in.
    fn set_current_restaurant(session_id: Uuid, restaurant: Uuid) -> ();
    /// A user.
    fn user(id: Uuid) -> User;
    /// The user with this email, if any.
    fn user_by_email(email: &str) -> Option<User>;
    /// A user's sessions.
    fn sessions_of(user_id: Uuid) -> Vec<Session>;
    /// The second-factor secret being set up, if any.
    fn pending_totp(user_id: Uuid) -> Option<Vec<u8>>;
    /// Starts setting up a second factor.
    fn begin_totp(user_id: Uuid) -> Vec<u8>;
    /// Confirms the second factor with a code; answers the recovery codes.
    fn confirm_totp(user_id: Uuid, code: &str) -> Vec<String>;
    /// Turns the second factor off (password needed).
    fn disable_totp(user_id: Uuid, password: &str) -> ();
    /// Whether a second-factor code is right (once per time step).
    fn verify_totp(user_id: Uuid, code: &str) -> bool;
    /// Uses a recovery code.
    fn use_recovery_code(user_id: Uuid, code: &str) -> bool;
    /// Recovery codes left.
    fn recovery_codes_left(user_id: Uuid) -> i64;
    /// Completes the second factor of a session; answers its new token.
    fn complete_mfa(session_id: Uuid) -> String;
    /// Ends one of the user's sessions.
    fn end_session(user_id: Uuid, session_id: Uuid) -> bool;
    /// Ends the user's other sessions.
    fn end_other_sessions(user_id: Uuid, keep: Option<Uuid>) -> u64;
    /// Checks an email and password (the same time for unknown emails).
    fn check_password(email: &str, password: &str) -> Option<User>;
    /// Starts a session; answers its token.
    fn create_session(user_id: Uuid, mfa_pending: bool, user_agent: &str) -> (String, Session);
    /// Changes the password; other sessions end.
    fn change_password(user_id: Uuid, current: &str, new: &str, keep_session: Option<Uuid>) -> ();
    /// The language of the dashboard for a user.
    fn set_language(user_id: Uuid, lang: &str) -> ();
    /// Whether a reset token is still usable.
    fn reset_token_valid(token: &str) -> bool;
    /// Sets a new password with a reset token; all sessions end.
    fn reset_password(token: &str, new: &str) -> User;
}

impl Services {
    /// Creates an account (accepting an invite).
    pub async fn create_user(&self, new: NewUser<'_>, actor: &Actor) -> Result<User, StoreError> {
        self.store.create_user(new, actor).await
    }

    /// Whether the database answers (probing it when it was away).
    pub async fn ping(&self) -> bool {
        self.store.ping().await
    }

    /// (open connections, idle connections) of the pool.
    pub fn pool_stats(&self) -> (u32, usize) {
        self.store.pool_stats()
    }

    /// A feed of reservation changes of every restaurant.
    pub async fn reservation_changes(&self) -> Result<ReservationFeed, StoreError> {
        Ok(ReservationFeed(self.store.reservation_listener().await?))
    }

    /// Whether an owner must set up a second factor before working in this restaurant.
    pub async fn owner_needs_2fa(
        &self,
        restaurant: Uuid,
        user: &User,
        role: hs_domain::Role,
    ) -> Result<bool, StoreError> {
        if role != hs_domain::Role::Owner || user.totp_enabled {
            return Ok(false);
        }
        let mut tx = self.store.tenant(restaurant, &Actor::User(user.id)).await?;
        Ok(tx.settings().await?.require_owner_2fa)
    }

    /// The open invite of a link, as anyone holding the link may see it.
    pub async fn invite_by_token(
        &self,
        restaurant: Uuid,
        token: &str,
    ) -> Result<hs_store::team::Invite, StoreError> {
        let mut tx = self.store.tenant(restaurant, &Actor::Anonymous).await?;
        tx.invite_by_token(token).await
    }

    /// Accepts an invite for a signed-in user whose email is the invited one.
    pub async fn accept_invite(
        &self,
        restaurant: Uuid,
        token: &str,
        user: &User,
    ) -> Result<hs_domain::Role, StoreError> {
        let mut tx = self.store.tenant(restaurant, &Actor::User(user.id)).await?;
        let role = tx.accept_invite(token, user.id, &user.email).await?;
        tx.commit().await?;
        Ok(role)
    }
}

/// What changed, as it commits.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// (restaurant, reservation)
    Reservation(Uuid, Uuid),
    /// (restaurant, conversation, its status): a new message or a new status.
    Conversation(Uuid, Uuid, String),
}

/// Reservation and conversation changes as they commit, or `None` when the feed's connection
/// was lost (ask for a new one; changes may have been missed meanwhile).
pub struct ReservationFeed(sqlx::postgres::PgListener);

impl ReservationFeed {
    /// The next change, or `None` when the connection was lost.
    pub async fn next(&mut self) -> Result<Option<Change>, StoreError> {
        loop {
            let Some(n) = self.0.try_recv().await? else {
                return Ok(None);
            };
            let mut parts = n.payload().split(' ');
            let (Some(Ok(r)), Some(Ok(id))) = (
                parts.next().map(Uuid::parse_str),
                parts.next().map(Uuid::parse_str),
            ) else {
                continue;
            };
            return Ok(Some(match n.channel() {
                "hs_conversations" => {
                    Change::Conversation(r, id, parts.next().unwrap_or_default().to_string())
                }
                _ => Change::Reservation(r, id),
            }));
        }
    }
}
