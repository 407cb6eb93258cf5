//! The demo restaurant: created idempotently by `hostsystem demo` and `serve --demo`, with one
//! user per role and a manager API token, printed as JSON for people and tools.

use anyhow::{Context, Result};
use hs_domain::Role;
use hs_store::accounts::NewUser;
use hs_store::{Actor, Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// Name of the demo restaurant (other tools rely on it).
pub const RESTAURANT: &str = "Trattoria Demo";

/// A demo login.
#[derive(Serialize, Clone, Debug)]
pub struct DemoUser {
    pub email: String,
    pub password: String,
    pub role: Role,
}

/// What `hostsystem demo --json` prints.
#[derive(Serialize, Clone, Debug)]
pub struct DemoInfo {
    pub base_url: String,
    pub restaurant_id: Uuid,
    pub restaurant_name: String,
    pub users: Vec<DemoUser>,
    pub api_token: String,
}

const USERS: [(&str, &str, &str, Role); 3] = [
    (
        "owner@trattoria-demo.example",
        "Olivia Owner",
        "Basilikum-Inhaberin-Demo-2026",
        Role::Owner,
    ),
    (
        "manager@trattoria-demo.example",
        "Marco Manager",
        "Basilikum-Manager-Demo-2026",
        Role::Manager,
    ),
    (
        "staff@trattoria-demo.example",
        "Sofia Staff",
        "Basilikum-Service-Demo-2026",
        Role::Staff,
    ),
];

/// Creates what is missing of the demo restaurant, resets the demo users' passwords to the
/// printed ones when they were changed, and issues a fresh manager API token (revoking the
/// previous demo token).
pub async fn ensure(store: &Store, base_url: &str) -> Result<DemoInfo> {
    let existing = store
        .all_restaurants()
        .await?
        .into_iter()
        .find(|r| r.name == RESTAURANT);
    let restaurant = match existing {
        Some(r) => r,
        None => store.create_restaurant(RESTAURANT, &Actor::Cli).await?,
    };
    let mut users = Vec::new();
    for (email, name, password, role) in USERS {
        let user = match store.user_by_email(email).await? {
            Some(u) => {
                if store.check_password(email, password).await?.is_none() {
                    store.admin_set_password(u.id, password).await?;
                }
                u
            }
            None => {
                store
                    .create_user(
                        NewUser {
                            email,
                            name,
                            password,
                            language: "de",
                            platform_admin: false,
                        },
                        &Actor::Cli,
                    )
                    .await?
            }
        };
        let mut tx = store.tenant(restaurant.id, &Actor::Cli).await?;
        match tx.role_of(user.id).await? {
            None => tx.add_member(user.id, role).await?,
            Some(r) if r != role => tx.change_role(user.id, role).await?,
            Some(_) => {}
        }
        tx.commit().await?;
        users.push(DemoUser {
            email: email.into(),
            password: password.into(),
            role,
        });
    }
    let mut tx = store.tenant(restaurant.id, &Actor::Cli).await?;
    for t in tx.api_tokens().await? {
        if t.name == "demo" && t.revoked_at.is_none() {
            match tx.revoke_api_token(t.id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let (_, api_token) = tx.create_api_token("demo", Role::Manager, None).await?;
    tx.commit().await.context("committing demo token")?;
    Ok(DemoInfo {
        base_url: base_url.to_string(),
        restaurant_id: restaurant.id,
        restaurant_name: restaurant.name,
        users,
        api_token,
    })
}
