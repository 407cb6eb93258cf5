//! People and their sign-in: users, password hashes, sessions, TOTP second factor with recovery
//! codes, and password reset. The policy these enforce is written down in `docs/security.md`.

use crate::error::StoreError;
use crate::secret::{random_bytes, random_token, token_hash};
use crate::tenant::{Actor, Store};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use hs_domain::{totp, validate};
use serde::Serialize;
use sqlx::FromRow;
use uuid::Uuid;

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// A session ends this long after login, however active.
pub const SESSION_ABSOLUTE: Duration = Duration::days(7);
/// A password-reset link works this long, once.
pub const RESET_VALIDITY: Duration = Duration::hours(1);
/// Recovery codes issued when 2FA is turned on.
pub const RECOVERY_CODES: usize = 10;

/// A person who can sign in.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub language: String,
    #[sqlx(rename = "totp_on")]
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
}

const USER_COLS: &str =
    "id, email, name, is_platform_admin, language, (totp_secret_enc IS NOT NULL) AS totp_on, created_at";

/// A signed-in browser.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub mfa_pending: bool,
    pub current_restaurant: Option<Uuid>,
    #[serde(skip)]
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const SESSION_COLS: &str = "id, user_id, mfa_pending, current_restaurant, csrf_token, user_agent, \
                            created_at, last_seen_at, expires_at";

/// A new user's details.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub language: &'a str,
    pub platform_admin: bool,
}

/// Hashes a password with argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane), off the async
/// threads because it takes tens of milliseconds on purpose.
pub async fn hash_password(password: &str) -> Result<String, StoreError> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Other(anyhow::anyhow!("hashing password: {e}")))
    })
    .await
    .map_err(|e| StoreError::Other(e.into()))?
}

async fn verify_password_hash(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of no one's password, verified against when the email is unknown so that the answer
/// takes as long as for a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2BzGrbKGm3aWxcVbvF0ZJGE2o1wBZr2WZ4d4cdUFxo0";

fn check_password_policy(pw: &str, email: &str, name: &str) -> Result<(), StoreError> {
    validate::password(pw, &[email, name, "hostsystem", "restaurant"])
        .map_err(|e| StoreError::invalid("password", e))
}

fn check_language(lang: &str) -> Result<(), StoreError> {
    if matches!(lang, "de" | "en") {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "language".into(),
            code: "unsupported_language",
            message: "must be \"de\" or \"en\"".into(),
        })
    }
}

impl Store {
    /// Creates a user after checking email, name and password policy.
    pub async fn create_user(&self, new: NewUser<'_>, actor: &Actor) -> Result<User, StoreError> {
        let email = validate::email(new.email).map_err(|e| StoreError::invalid("email", e))?;
        let name = validate::name(new.name, validate::NAME_MAX)
            .map_err(|e| StoreError::invalid("name", e))?;
        check_language(new.language)?;
        check_password_policy(new.password, &email, &name)?;
        let hash = hash_password(new.password).await?;
        let now = self.clock.now();
        let mut tx = self.platform(actor).await?;
        let user: User = sqlx::query_as(&format!(
            "INSERT INTO users (id, email, name, password_hash, is_platform_admin, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {USER_COLS}"
        ))
        .bind(Uuid::new_v4())
        .bind(&email)
        .bind(&name)
        .bind(&hash)
        .bind(new.platform_admin)
        .bind(new.language)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user with this id.
    pub async fn user(&self, id: Uuid) -> Result<User, StoreError> {
        sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool()?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The user with this email (normalised), if any.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = email.trim().to_lowercase();
        Ok(
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE email = $1"))
                .bind(email)
                .fetch_optional(&self.pool()?)
                .await?,
        )
    }

    /// Checks an email and password. `None` for an unknown email or a wrong password alike,
    /// in the same time.
    pub async fn check_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let email = email.trim().to_lowercase();
        let row: Option<(Uuid, String)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&self.pool()?)
                .await?;
        if password.chars().count() > validate::PASSWORD_MAX {
            return Ok(None);
        }
        match row {
            Some((id, hash)) if verify_password_hash(password, &hash).await => {
                Ok(Some(self.user(id).await?))
            }
            Some(_) => Ok(None),
            None => {
                verify_password_hash(password, DUMMY_HASH).await;
                Ok(None)
            }
        }
    }

    /// Sets a new password after checking the current one; ends every other session.
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new: &str,
        keep_session: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let user = self.user(user_id).await?;
        if self.check_password(&user.email, current).await?.is_none() {
            return Err(StoreError::Invalid {
                field: "current_password".into(),
                code: "wrong_password",
                message: "the current password is wrong".into(),
            });
        }
        self.set_password(&user, new, keep_session).await
    }

    async fn set_password(
        &self,
        user: &User,
        new: &str,
        keep_session: Option<Uuid>,
    ) -> Result<(), StoreError> {
        check_password_policy(new, &user.email, &user.name)?;
        let hash = hash_password(new).await?;
        let mut tx = self.platform(&Actor::User(user.id)).await?;
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(user.id)
            .bind(&hash)
            .bind(self.clock.now())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2")
            .bind(user.id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the user's interface language.
    pub async fn set_language(&self, user_id: Uuid, lang: &str) -> Result<(), StoreError> {
        check_language(lang)?;
        sqlx::query("UPDATE users SET language = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(lang)
            .bind(self.clock.now())
            .execute(&self.pool()?)
            .await?;
        Ok(())
    }

    // ---- sessions -------------------------------------------------------------------------

    /// Starts a session; returns the token for the cookie (stored only as a hash). With
    /// `mfa_pending` the session is good for nothing but the second factor.
    pub async fn create_session(
        &self,
        user_id: Uuid,
        mfa_pending: bool,
        user_agent: &str,
    ) -> Result<(String, Session), StoreError> {
        let token = random_token();
        let now = self.clock.now();
        let ua: String = user_agent
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect();
        let session: Session = sqlx::query_as(&format!(
            "INSERT INTO sessions (id, token_hash, user_id, mfa_pending, csrf_token, user_agent, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING {SESSION_COLS}"
        ))
        .bind(Uuid::new_v4())
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(mfa_pending)
        .bind(random_token())
        .bind(ua)
        .bind(now)
        .bind(now + SESSION_ABSOLUTE)
        .fetch_one(&self.pool()?)
        .await?;
        Ok((token, session))
    }

    /// The live session for a cookie token, touched as used; `None` when unknown or expired
    /// (expired sessions are deleted on sight).
    pub async fn session_by_token(
        &self,
        token: &str,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let now = self.clock.now();
        let s: Option<Session> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1"
        ))
        .bind(token_hash(token))
        .fetch_optional(&self.pool()?)
        .await?;
        let Some(mut s) = s else { return Ok(None) };
        if now >= s.expires_at || now >= s.last_seen_at + SESSION_IDLE {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(s.id)
                .execute(&self.pool()?)
                .await?;
            return Ok(None);
        }
        // Touch at most once a minute: idle expiry does not need more precision.
        if now - s.last_seen_at > Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                .bind(s.id)
                .bind(now)
                .execute(&self.pool()?)
                .await?;
            s.last_seen_at = now;
        }
        let user = self.user(s.user_id).await?;
        Ok(Some((s, user)))
    }

    /// Marks the second factor done for a session, replacing its token (a new token after a
    /// privilege change prevents session fixation).
    pub async fn complete_mfa(&self, session_id: Uuid) -> Result<String, StoreError> {
        let token = random_token();
        sqlx::query("UPDATE sessions SET mfa_pending = false, token_hash = $2, csrf_token = $3 WHERE id = $1")
            .bind(session_id)
            .bind(token_hash(&token))
            .bind(random_token())
            .execute(&self.pool()?)
            .await?;
        Ok(token)
    }

    /// Remembers the restaurant a session works in.
    pub async fn set_current_restaurant(
        &self,
        session_id: Uuid,
        restaurant: Uuid,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET current_restaurant = $2 WHERE id = $1")
            .bind(session_id)
            .bind(restaurant)
            .execute(&self.pool()?)
            .await?;
        Ok(())
    }

    /// The user's live sessions, newest first.
    pub async fn sessions_of(&self, user_id: Uuid) -> Result<Vec<Session>, StoreError> {
        let now = self.clock.now();
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             AND last_seen_at > $3 ORDER BY last_seen_at DESC"
        ))
        .bind(user_id)
        .bind(now)
        .bind(now - SESSION_IDLE)
        .fetch_all(&self.pool()?)
        .await?)
    }

    /// Ends one of the user's sessions.
    pub async fn end_session(&self, user_id: Uuid, session_id: Uuid) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .execute(&self.pool()?)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Ends all of the user's sessions but `keep` ("log out everywhere else").
    pub async fn end_other_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2")
            .bind(user_id)
            .bind(keep)
            .execute(&self.pool()?)
            .await?;
        Ok(r.rows_affected())
    }

    // ---- TOTP ----------------------------------------------------------------------------

    /// Starts 2FA setup: a new secret, kept encrypted as pending until a code confirms it.
    /// Returns the raw secret for the QR code.
    pub async fn begin_totp(&self, user_id: Uuid) -> Result<Vec<u8>, StoreError> {
        let secret = random_bytes(20);
        let sealed = self.key.seal(&secret, &format!("totp:{user_id}"));
        sqlx::query("UPDATE users SET totp_pending_enc = $2 WHERE id = $1")
            .bind(user_id)
            .bind(sealed)
            .execute(&self.pool()?)
            .await?;
        Ok(secret)
    }

    /// The pending setup secret, if setup was started.
    pub async fn pending_totp(&self, user_id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Option<String>> =
            sqlx::query_scalar("SELECT totp_pending_enc FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool()?)
                .await?;
        match sealed.flatten() {
            Some(s) => Ok(Some(self.key.open(&s, &format!("totp:{user_id}"))?)),
            None => Ok(None),
        }
    }

    /// Confirms setup with a code from the app; turns 2FA on and returns fresh recovery codes.
    pub async fn confirm_totp(&self, user_id: Uuid, code: &str) -> Result<Vec<String>, StoreError> {
        let secret = self
            .pending_totp(user_id)
            .await?
            .ok_or(StoreError::Conflict {
                code: "no_setup",
                message: "start the two-factor setup first".into(),
            })?;
        let step = totp::verify(&secret, code, self.clock.now().timestamp(), None).ok_or(
            StoreError::Invalid {
                field: "code".into(),
                code: "wrong_code",
                message: "the code does not match; check the time on your phone".into(),
            },
        )?;
        let mut tx = self.platform(&Actor::User(user_id)).await?;
        sqlx::query(
            "UPDATE users SET totp_secret_enc = totp_pending_enc, totp_pending_enc = NULL, \
             totp_last_step = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(user_id)
        .bind(step)
        .bind(self.clock.now())
        .execute(&mut *tx)
        .await?;
        let codes = replace_recovery_codes(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Checks a code at sign-in, refusing a code whose step was already used.
    pub async fn verify_totp(&self, user_id: Uuid, code: &str) -> Result<bool, StoreError> {
        let row: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT totp_secret_enc, totp_last_step FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool()?)
                .await?;
        let Some((Some(sealed), last)) = row else {
            return Ok(false);
        };
        let secret = self.key.open(&sealed, &format!("totp:{user_id}"))?;
        let Some(step) = totp::verify(&secret, code, self.clock.now().timestamp(), last) else {
            return Ok(false);
        };
        // Compare-and-set, so two requests with the same code cannot both pass.
        let r = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user_id)
        .bind(step)
        .execute(&self.pool()?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Uses one recovery code in place of a TOTP code; each works once.
    pub async fn use_recovery_code(&self, user_id: Uuid, code: &str) -> Result<bool, StoreError> {
        let normalised: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let r = sqlx::query(
            "UPDATE user_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(token_hash(&normalised))
        .bind(self.clock.now())
        .execute(&self.pool()?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Unused recovery codes left.
    pub async fn recovery_codes_left(&self, user_id: Uuid) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool()?)
        .await?)
    }

    /// Turns 2FA off after checking the password.
    pub async fn disable_totp(&self, user_id: Uuid, password: &str) -> Result<(), StoreError> {
        let user = self.user(user_id).await?;
        if self.check_password(&user.email, password).await?.is_none() {
            return Err(StoreError::Invalid {
                field: "password".into(),
                code: "wrong_password",
                message: "the password is wrong".into(),
            });
        }
        let mut tx = self.platform(&Actor::User(user_id)).await?;
        sqlx::query("UPDATE users SET totp_secret_enc = NULL, totp_pending_enc = NULL, totp_last_step = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- password reset -------------------------------------------------------------------

    /// Issues a single-use reset token for the email's account, if there is one. The caller
    /// answers the same either way, so the form does not reveal who has an account.
    pub async fn request_password_reset(
        &self,
        email: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let Some(user) = self.user_by_email(email).await? else {
            return Ok(None);
        };
        self.issue_password_reset(user.id).await.map(Some)
    }

    /// A single-use reset token for the user (valid for an hour). Used by the job that mails
    /// it, so the token exists only in that mail.
    pub async fn issue_password_reset(&self, user_id: Uuid) -> Result<(User, String), StoreError> {
        let user = self.user(user_id).await?;
        let token = random_token();
        let now = self.clock.now();
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token))
            .bind(user.id)
            .bind(now)
            .bind(now + RESET_VALIDITY)
            .execute(&self.pool()?)
            .await?;
        Ok((user, token))
    }

    /// Whether a reset token is still usable.
    pub async fn reset_token_valid(&self, token: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2)",
        )
        .bind(token_hash(token))
        .bind(self.clock.now())
        .fetch_one(&self.pool()?)
        .await?)
    }

    /// Sets a new password with a reset token; the token and every other outstanding one are
    /// used up, and all sessions end.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<User, StoreError> {
        let now = self.clock.now();
        let user_id: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.pool()?)
        .await?;
        let user = self
            .user(user_id.ok_or(StoreError::Invalid {
                field: "token".into(),
                code: "invalid_token",
                message: "this reset link is invalid, used or expired".into(),
            })?)
            .await?;
        self.set_password(&user, new, None).await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.id)
        .bind(now)
        .execute(&self.pool()?)
        .await?;
        Ok(user)
    }
}

/// Replaces a user's recovery codes with ten new ones (`xxxxx-xxxxx`, 50 bits each), returned
/// once in clear and stored hashed.
async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    user_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let raw = totp::base32_encode(&random_bytes(7)).to_lowercase();
        let code = format!("{}-{}", &raw[..5], &raw[5..10]);
        sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(token_hash(&raw[..10]))
            .execute(&mut **tx)
            .await?;
        codes.push(code);
    }
    Ok(codes)
}

impl Store {
    /// Sets a password without the current one (command line and demo only); checks policy and
    /// ends the user's sessions.
    pub async fn admin_set_password(&self, user_id: Uuid, new: &str) -> Result<(), StoreError> {
        let user = self.user(user_id).await?;
        self.set_password(&user, new, None).await
    }
}
