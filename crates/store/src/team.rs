//! Restaurants and the people and machines that work in them: memberships and roles, invites,
//! restaurant settings, API tokens, and the audit log.

use crate::error::StoreError;
use crate::secret::{constant_time_eq, random_token, token_hash};
use crate::tenant::{Actor, Store, TenantTx};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hs_domain::{validate, Role};
use serde::Serialize;
use sqlx::FromRow;
use uuid::Uuid;

/// An invite link works this long.
pub const INVITE_VALIDITY: Duration = Duration::days(7);

/// A restaurant (the tenant).
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct Restaurant {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A restaurant with the caller's role in it.
#[derive(Clone, Debug, Serialize)]
pub struct MyRestaurant {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// Its contract has ended: the team may read and export, nothing else, until the data is
    /// deleted.
    pub read_only: bool,
}

/// A team member as the team page lists them.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub totp_enabled: bool,
    pub since: DateTime<Utc>,
}

/// Restaurant-wide settings of the foundation.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct RestaurantSettings {
    pub require_owner_2fa: bool,
}

/// An open invite.
#[derive(Clone, Debug, Serialize)]
pub struct Invite {
    pub id: Uuid,
    pub restaurant_id: Uuid,
    pub restaurant_name: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// An API token as listed (never the token itself).
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who a valid API token speaks for.
#[derive(Clone, Debug)]
pub struct TokenPrincipal {
    pub restaurant_id: Uuid,
    pub token_id: Uuid,
    pub role: Role,
    /// The restaurant's contract has ended (see [`MyRestaurant::read_only`]).
    pub read_only: bool,
}

/// One audit entry: who changed which row's which columns, never the values.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct AuditEntry {
    /// A random id: it reveals nothing about other restaurants' activity.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub table_name: String,
    pub row_id: String,
    pub action: String,
    pub changed_columns: Vec<String>,
    /// When the data this entry speaks of was anonymised or deleted (the entry stays).
    pub shredded_at: Option<DateTime<Utc>>,
}

/// Filters for the audit log; all optional.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub table: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than the one with this id (paging backwards).
    pub before_id: Option<Uuid>,
    pub limit: i64,
}

fn role_of_str(s: &str) -> Result<Role, StoreError> {
    Role::parse(s)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown role {s:?} in database")))
}

fn last_owner() -> StoreError {
    StoreError::Conflict {
        code: "last_owner",
        message: "a restaurant needs at least one owner".into(),
    }
}

impl Store {
    /// Creates a restaurant with default settings.
    pub async fn create_restaurant(
        &self,
        name: &str,
        actor: &Actor,
    ) -> Result<Restaurant, StoreError> {
        let name =
            validate::name(name, validate::NAME_MAX).map_err(|e| StoreError::invalid("name", e))?;
        let id = Uuid::new_v4();
        let now = self.clock.now();
        let mut tx = self.platform(actor).await?;
        // Its booking page's slug from the name; a second restaurant of the same name gets a
        // piece of its id appended (as migration 0020 did for existing ones).
        let r: Restaurant = sqlx::query_as(
            "INSERT INTO restaurants (id, name, created_at, slug) VALUES ($1, $2, $3, \
             CASE WHEN EXISTS (SELECT 1 FROM restaurants WHERE slug = $4) \
                  THEN $4 || '-' || substr(replace($1::text, '-', ''), 1, 6) ELSE $4 END) \
             RETURNING id, name, created_at",
        )
        .bind(id)
        .bind(&name)
        .bind(now)
        .bind(hs_domain::online::slug(&name))
        .fetch_one(&mut *tx)
        .await?;
        // Its first tenant rows are written as that tenant, under the same policies as always.
        sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO restaurant_settings (restaurant_id, updated_at) VALUES ($1, $2)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Every restaurant (platform administration only).
    pub async fn all_restaurants(&self) -> Result<Vec<Restaurant>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, created_at FROM restaurants ORDER BY name")
                .fetch_all(&self.pool()?)
                .await?,
        )
    }

    /// The restaurants a user belongs to, with their role; the one read across tenants, limited
    /// by the `own_memberships` policy to this user's rows.
    pub async fn restaurants_of(&self, user_id: Uuid) -> Result<Vec<MyRestaurant>, StoreError> {
        let mut tx = self.begin(None).await?;
        sqlx::query("SELECT set_config('app.user_id', $1, true)")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        let rows: Vec<(Uuid, String, String, bool)> = sqlx::query_as(
            "SELECT r.id, r.name, m.role, coalesce(r.contract_ended_at <= $2, false) \
             FROM memberships m JOIN restaurants r ON r.id = m.restaurant_id \
             WHERE m.user_id = $1 ORDER BY r.name",
        )
        .bind(user_id)
        .bind(self.clock.now())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, name, role, read_only)| {
                Ok(MyRestaurant {
                    id,
                    name,
                    role: role_of_str(&role)?,
                    read_only,
                })
            })
            .collect()
    }
}

impl TenantTx {
    /// This restaurant.
    pub async fn restaurant(&mut self) -> Result<Restaurant, StoreError> {
        let id = self.restaurant_id();
        sqlx::query_as("SELECT id, name, created_at FROM restaurants WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The user's role here, if a member.
    pub async fn role_of(&mut self, user_id: Uuid) -> Result<Option<Role>, StoreError> {
        let r: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(self.conn())
                .await?;
        r.map(|s| role_of_str(&s)).transpose()
    }

    /// Adds a user to this restaurant.
    pub async fn add_member(&mut self, user_id: Uuid, role: Role) -> Result<(), StoreError> {
        let (rid, now) = (self.restaurant_id(), self.store.clock.now());
        sqlx::query("INSERT INTO memberships (restaurant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(rid)
            .bind(user_id)
            .bind(role.as_str())
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The team, owners first.
    pub async fn members(&mut self) -> Result<Vec<Member>, StoreError> {
        let rows: Vec<(Uuid, String, String, String, bool, DateTime<Utc>)> = sqlx::query_as(
            "SELECT u.id, u.name, u.email, m.role, u.totp_secret_enc IS NOT NULL, m.created_at \
             FROM memberships m JOIN users u ON u.id = m.user_id \
             ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1 ELSE 2 END, u.name",
        )
        .fetch_all(self.conn())
        .await?;
        rows.into_iter()
            .map(|(user_id, name, email, role, totp_enabled, since)| {
                Ok(Member {
                    user_id,
                    name,
                    email,
                    role: role_of_str(&role)?,
                    totp_enabled,
                    since,
                })
            })
            .collect()
    }

    async fn owner_count(&mut self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM memberships WHERE role = 'owner'")
                .fetch_one(self.conn())
                .await?,
        )
    }

    /// Changes a member's role; the last owner cannot be demoted.
    pub async fn change_role(&mut self, user_id: Uuid, role: Role) -> Result<(), StoreError> {
        let current = self.role_of(user_id).await?.ok_or(StoreError::NotFound)?;
        if current == Role::Owner && role != Role::Owner && self.owner_count().await? <= 1 {
            return Err(last_owner());
        }
        sqlx::query("UPDATE memberships SET role = $2 WHERE user_id = $1")
            .bind(user_id)
            .bind(role.as_str())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Removes a member; the last owner cannot be removed. Their sessions stop working here at
    /// once because every request checks membership.
    pub async fn remove_member(&mut self, user_id: Uuid) -> Result<(), StoreError> {
        let current = self.role_of(user_id).await?.ok_or(StoreError::NotFound)?;
        if current == Role::Owner && self.owner_count().await? <= 1 {
            return Err(last_owner());
        }
        sqlx::query("DELETE FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// This restaurant's settings.
    pub async fn settings(&mut self) -> Result<RestaurantSettings, StoreError> {
        sqlx::query_as("SELECT require_owner_2fa FROM restaurant_settings")
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Sets whether owners must use 2FA here.
    pub async fn set_require_owner_2fa(&mut self, on: bool) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        sqlx::query("UPDATE restaurant_settings SET require_owner_2fa = $1, updated_at = $2")
            .bind(on)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    // ---- invites ----------------------------------------------------------------------------

    /// Invites an email address with a role; returns the invite and the link token (shown once,
    /// stored hashed).
    pub async fn create_invite(
        &mut self,
        email: &str,
        role: Role,
        invited_by: Option<Uuid>,
    ) -> Result<(Invite, String), StoreError> {
        let email = validate::email(email).map_err(|e| StoreError::invalid("email", e))?;
        let already: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1)",
        )
        .bind(&email)
        .fetch_one(self.conn())
        .await?;
        if already {
            return Err(StoreError::Invalid {
                field: "email".into(),
                code: "already_member",
                message: "this person is already a member".into(),
            });
        }
        let (rid, now) = (self.restaurant_id(), self.store.clock.now());
        let token = random_token();
        let id = Uuid::new_v4();
        // A new invite to the same address replaces any open one.
        sqlx::query("UPDATE invites SET revoked_at = $2 WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
            .bind(&email)
            .bind(now)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO invites (restaurant_id, id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(rid)
        .bind(id)
        .bind(&email)
        .bind(role.as_str())
        .bind(token_hash(&token))
        .bind(invited_by)
        .bind(now)
        .bind(now + INVITE_VALIDITY)
        .execute(self.conn())
        .await?;
        let name = self.restaurant().await?.name;
        Ok((
            Invite {
                id,
                restaurant_id: rid,
                restaurant_name: name,
                email,
                role,
                expires_at: now + INVITE_VALIDITY,
            },
            token,
        ))
    }

    /// A fresh link token for an open, unexpired invite (the previous link stops working), or
    /// `None` when it was accepted, revoked or has expired. Used by the job that mails it, so
    /// the token exists only in that mail.
    pub async fn issue_invite_link(
        &mut self,
        id: Uuid,
    ) -> Result<Option<(Invite, String)>, StoreError> {
        let now = self.store.clock.now();
        let token = random_token();
        let row: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "UPDATE invites SET token_hash = $2 WHERE id = $1 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $3 RETURNING email, role, expires_at",
        )
        .bind(id)
        .bind(token_hash(&token))
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        let Some((email, role, expires_at)) = row else {
            return Ok(None);
        };
        let restaurant = self.restaurant().await?;
        Ok(Some((
            Invite {
                id,
                restaurant_id: restaurant.id,
                restaurant_name: restaurant.name,
                email,
                role: role_of_str(&role)?,
                expires_at,
            },
            token,
        )))
    }

    /// The open invite for a link token.
    pub async fn invite_by_token(&mut self, token: &str) -> Result<Invite, StoreError> {
        let now = self.store.clock.now();
        let row: Option<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, email, role, expires_at FROM invites WHERE token_hash = $1 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        let (id, email, role, expires_at) = row.ok_or(StoreError::NotFound)?;
        let name = self.restaurant().await?.name;
        Ok(Invite {
            id,
            restaurant_id: self.restaurant_id(),
            restaurant_name: name,
            email,
            role: role_of_str(&role)?,
            expires_at,
        })
    }

    /// Accepts an invite for a user whose email is the invited one; makes them a member.
    pub async fn accept_invite(
        &mut self,
        token: &str,
        user_id: Uuid,
        user_email: &str,
    ) -> Result<Role, StoreError> {
        let invite = self.invite_by_token(token).await?;
        if invite.email != user_email {
            return Err(StoreError::Conflict {
                code: "invite_email_mismatch",
                message: format!(
                    "this invite is for {}; sign in with that account",
                    invite.email
                ),
            });
        }
        let now = self.store.clock.now();
        sqlx::query("UPDATE invites SET accepted_at = $2 WHERE id = $1")
            .bind(invite.id)
            .bind(now)
            .execute(self.conn())
            .await?;
        self.add_member(user_id, invite.role).await?;
        Ok(invite.role)
    }

    /// Open invites.
    pub async fn open_invites(&mut self) -> Result<Vec<Invite>, StoreError> {
        let now = self.store.clock.now();
        let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, email, role, expires_at FROM invites \
             WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1 ORDER BY created_at DESC",
        )
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        let (rid, name) = (self.restaurant_id(), self.restaurant().await?.name);
        rows.into_iter()
            .map(|(id, email, role, expires_at)| {
                Ok(Invite {
                    id,
                    restaurant_id: rid,
                    restaurant_name: name.clone(),
                    email,
                    role: role_of_str(&role)?,
                    expires_at,
                })
            })
            .collect()
    }

    /// Withdraws an open invite.
    pub async fn revoke_invite(&mut self, id: Uuid) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        let r = sqlx::query("UPDATE invites SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(self.conn())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---- API tokens -------------------------------------------------------------------------

    /// Creates an API token with a role. The token (`hs_<restaurant>.<token id>.<secret>`) is
    /// returned once; only its hash is stored.
    pub async fn create_api_token(
        &mut self,
        name: &str,
        role: Role,
        created_by: Option<Uuid>,
    ) -> Result<(ApiToken, String), StoreError> {
        let name = validate::name(name, 100).map_err(|e| StoreError::invalid("name", e))?;
        let (rid, now) = (self.restaurant_id(), self.store.clock.now());
        let id = Uuid::new_v4();
        let token = format!(
            "hs_{}.{}.{}",
            URL_SAFE_NO_PAD.encode(rid.as_bytes()),
            URL_SAFE_NO_PAD.encode(id.as_bytes()),
            random_token()
        );
        sqlx::query(
            "INSERT INTO api_tokens (restaurant_id, id, name, role, token_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(rid)
        .bind(id)
        .bind(&name)
        .bind(role.as_str())
        .bind(token_hash(&token))
        .bind(created_by)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok((
            ApiToken {
                id,
                name,
                role,
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            },
            token,
        ))
    }

    /// All tokens, newest first.
    pub async fn api_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// Revokes a token; it stops working at once.
    pub async fn revoke_api_token(&mut self, id: Uuid) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        let r = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(self.conn())
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---- audit --------------------------------------------------------------------------------

    /// Audit entries matching the filter, newest first.
    pub async fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, table_name, row_id, action, changed_columns, shredded_at FROM audit_log \
             WHERE ($1::text IS NULL OR table_name = $1) AND ($2::text IS NULL OR action = $2) \
               AND ($3::text IS NULL OR actor = $3) AND ($4::timestamptz IS NULL OR at >= $4) \
               AND ($5::timestamptz IS NULL OR at < $5) \
               AND ($6::uuid IS NULL OR seq < (SELECT b.seq FROM audit_log b WHERE b.id = $6)) \
             ORDER BY seq DESC LIMIT $7",
        )
        .bind(&f.table)
        .bind(&f.action)
        .bind(&f.actor)
        .bind(f.since)
        .bind(f.until)
        .bind(f.before_id)
        .bind(f.limit.clamp(1, 500))
        .fetch_all(self.conn())
        .await?)
    }
}

#[derive(FromRow)]
struct TokenRow {
    #[sqlx(try_from = "String")]
    role: Role,
    token_hash: Vec<u8>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    contract_ended_at: Option<DateTime<Utc>>,
}

/// Splits `hs_<restaurant>.<id>.<secret>` into its ids; `None` when malformed.
fn parse_api_token(token: &str) -> Option<(Uuid, Uuid)> {
    let rest = token.strip_prefix("hs_")?;
    let mut parts = rest.split('.');
    let (r, i, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || s.len() != 43 {
        return None;
    }
    let rid = Uuid::from_slice(&URL_SAFE_NO_PAD.decode(r).ok()?).ok()?;
    let tid = Uuid::from_slice(&URL_SAFE_NO_PAD.decode(i).ok()?).ok()?;
    Some((rid, tid))
}

impl Store {
    /// Checks a bearer API token: its restaurant, id and role when valid and not revoked.
    /// Notes the time of use (at most once a minute).
    pub async fn authenticate_api_token(
        &self,
        token: &str,
    ) -> Result<Option<TokenPrincipal>, StoreError> {
        let Some((rid, tid)) = parse_api_token(token) else {
            return Ok(None);
        };
        let mut tx = self.tenant(rid, &Actor::Token(tid)).await?;
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT role, token_hash, revoked_at, last_used_at, \
                    (SELECT contract_ended_at FROM restaurants WHERE id = restaurant_id) AS contract_ended_at \
             FROM api_tokens WHERE id = $1",
        )
        .bind(tid)
        .fetch_optional(tx.conn())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if row.revoked_at.is_some() || !constant_time_eq(&row.token_hash, &token_hash(token)) {
            return Ok(None);
        }
        let now = self.clock.now();
        if row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(tid)
                .bind(now)
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        Ok(Some(TokenPrincipal {
            restaurant_id: rid,
            token_id: tid,
            role: row.role,
            read_only: row.contract_ended_at.is_some_and(|t| t <= now),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_token_format_parses_and_rejects_garbage() {
        let (r, t) = (Uuid::new_v4(), Uuid::new_v4());
        let tok = format!(
            "hs_{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r.as_bytes()),
            URL_SAFE_NO_PAD.encode(t.as_bytes()),
            random_token()
        );
        assert_eq!(parse_api_token(&tok), Some((r, t)));
        assert_eq!(parse_api_token("hs_abc.def.ghi"), None);
        assert_eq!(parse_api_token("Bearer x"), None);
        assert_eq!(parse_api_token(&format!("{tok}.extra")), None);
    }
}
