//! The team's use cases that send mail: inviting someone, resetting a password, warning an
//! account's owner of guessed second-factor codes. Each change and the job that mails about
//! it are written in one transaction; the job composes the message and, for links, issues the
//! token itself, so no token is ever stored anywhere but hashed.

use crate::jobs::{enqueue, enqueue_platform, Job, JobContext};
use crate::messages;
use crate::Services;
use anyhow::{Context, Result};
use hs_domain::Role;
use hs_store::team::Invite;
use hs_store::{Store, StoreError, TenantTx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Invites `email` with `role` and queues the invite mail in the same transaction; the mail is
/// written in `lang` ("de" or "en").
pub async fn invite(
    tx: &mut TenantTx,
    email: &str,
    role: Role,
    invited_by: Option<Uuid>,
    lang: &str,
) -> Result<Invite, StoreError> {
    let (invite, _unsent_token) = tx.create_invite(email, role, invited_by).await?;
    enqueue(
        tx,
        &SendInvite {
            invite_id: invite.id,
            language: messages::language(lang).to_string(),
        },
    )
    .await?;
    Ok(invite)
}

/// Queues a reset mail if an account has this email. Answers the same either way, so callers
/// cannot tell who has an account.
pub async fn request_password_reset(svc: &Services, email: &str) -> Result<(), StoreError> {
    let store = &svc.store;
    if let Some(user) = store.user_by_email(email).await? {
        enqueue_platform(store, &SendPasswordReset { user_id: user.id }).await?;
    }
    Ok(())
}

/// Queues the warning about repeated second-factor lockouts to the account's owner.
pub async fn warn_of_totp_guessing(svc: &Services, user_id: Uuid) -> Result<(), StoreError> {
    let store = &svc.store;
    enqueue_platform(store, &WarnTotpGuessing { user_id }).await?;
    Ok(())
}

/// Mails an invite's link (a fresh token; earlier links stop working).
#[derive(Serialize, Deserialize)]
pub struct SendInvite {
    pub invite_id: Uuid,
    pub language: String,
}

impl Job for SendInvite {
    const KIND: &'static str = "send_invite";

    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.context("an invite belongs to a restaurant")?;
        // Accepted, revoked or expired meanwhile: nothing to send.
        let Some((invite, token)) = tx.issue_invite_link(self.invite_id).await? else {
            return Ok(());
        };
        let link = format!("{}/invite/{}/{token}", ctx.public_url, invite.restaurant_id);
        let mail = messages::invite(
            &self.language,
            &invite.email,
            &invite.restaurant_name,
            invite.role,
            &link,
        );
        ctx.mailer.send(&mail).await?;
        Ok(())
    }
}

/// Mails a password-reset link to a user.
#[derive(Serialize, Deserialize)]
pub struct SendPasswordReset {
    pub user_id: Uuid,
}

impl Job for SendPasswordReset {
    const KIND: &'static str = "send_password_reset";

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let (user, token) = ctx.store.issue_password_reset(self.user_id).await?;
        let link = format!("{}/reset/{token}", ctx.public_url);
        let mail = messages::password_reset(&user.language, &user.email, &user.name, &link);
        ctx.mailer.send(&mail).await?;
        Ok(())
    }
}

/// Warns a user that their second factor is being guessed.
#[derive(Serialize, Deserialize)]
pub struct WarnTotpGuessing {
    pub user_id: Uuid,
}

impl Job for WarnTotpGuessing {
    const KIND: &'static str = "warn_totp_guessing";

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let user = ctx.store.user(self.user_id).await?;
        let mail =
            messages::totp_guessing(&user.language, &user.email, &user.name, &ctx.public_url);
        ctx.mailer.send(&mail).await?;
        Ok(())
    }
}

/// What the team page shows (owners only): members, open invites, the 2FA rule, API tokens.
pub struct Team {
    pub members: Vec<hs_store::team::Member>,
    pub invites: Vec<Invite>,
    pub settings: hs_store::team::RestaurantSettings,
    pub tokens: Vec<hs_store::team::ApiToken>,
}

async fn as_owner(
    store: &Store,
    caller: &crate::reservations::Caller,
) -> Result<TenantTx, StoreError> {
    if !caller.role.at_least(Role::Owner) {
        return Err(StoreError::Forbidden);
    }
    store.tenant(caller.restaurant_id, &caller.actor).await
}

/// The team page's data.
pub async fn overview(
    svc: &Services,
    caller: &crate::reservations::Caller,
) -> Result<Team, StoreError> {
    let store = &svc.store;
    let mut tx = as_owner(store, caller).await?;
    Ok(Team {
        members: tx.members().await?,
        invites: tx.open_invites().await?,
        settings: tx.settings().await?,
        tokens: tx.api_tokens().await?,
    })
}

/// A change to the team an owner makes.
pub enum TeamChange {
    Invite {
        email: String,
        role: Role,
        language: String,
    },
    RevokeInvite(Uuid),
    ChangeRole(Uuid, Role),
    RemoveMember(Uuid),
    RequireOwner2fa(bool),
    CreateToken {
        name: String,
        role: Role,
    },
    RevokeToken(Uuid),
}

/// What a change made that the page shows once: the invited address, a new token.
pub enum Changed {
    Nothing,
    Invited(String),
    Token(String),
}

/// Makes one change to the team (owners only), in one transaction with the mail it sends.
pub async fn change(
    svc: &Services,
    caller: &crate::reservations::Caller,
    change: TeamChange,
) -> Result<Changed, StoreError> {
    let store = &svc.store;
    let mut tx = as_owner(store, caller).await?;
    let by = match &caller.actor {
        hs_store::Actor::User(id) => Some(*id),
        _ => None,
    };
    let out = match change {
        TeamChange::Invite {
            email,
            role,
            language,
        } => Changed::Invited(invite(&mut tx, &email, role, by, &language).await?.email),
        TeamChange::RevokeInvite(id) => {
            tx.revoke_invite(id).await?;
            Changed::Nothing
        }
        TeamChange::ChangeRole(user, role) => {
            tx.change_role(user, role).await?;
            Changed::Nothing
        }
        TeamChange::RemoveMember(user) => {
            tx.remove_member(user).await?;
            Changed::Nothing
        }
        TeamChange::RequireOwner2fa(on) => {
            tx.set_require_owner_2fa(on).await?;
            Changed::Nothing
        }
        TeamChange::CreateToken { name, role } => {
            Changed::Token(tx.create_api_token(&name, role, by).await?.1)
        }
        TeamChange::RevokeToken(id) => {
            tx.revoke_api_token(id).await?;
            Changed::Nothing
        }
    };
    tx.commit().await?;
    Ok(out)
}
