//! The restaurant's account as use cases: who the caller is, the audit log and API tokens
//! (owners only; the rule is the service's).

use crate::reservations::Caller;
use crate::Services;
use hs_domain::Role;
use hs_store::team::{ApiToken, AuditEntry, AuditFilter, Restaurant};
use hs_store::{Store, StoreError, TenantTx};
use uuid::Uuid;

async fn as_owner(store: &Store, caller: &Caller) -> Result<TenantTx, StoreError> {
    if !caller.role.at_least(Role::Owner) {
        return Err(StoreError::Forbidden);
    }
    store.tenant(caller.restaurant_id, &caller.actor).await
}

/// The caller's restaurant.
pub async fn restaurant(svc: &Services, caller: &Caller) -> Result<Restaurant, StoreError> {
    let store = &svc.store;
    store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?
        .restaurant()
        .await
}

/// Audit entries matching the filter, newest first.
pub async fn audit(
    svc: &Services,
    caller: &Caller,
    f: &AuditFilter,
) -> Result<Vec<AuditEntry>, StoreError> {
    let store = &svc.store;
    as_owner(store, caller).await?.audit_entries(f).await
}

/// The restaurant's API tokens (never the secrets).
pub async fn api_tokens(svc: &Services, caller: &Caller) -> Result<Vec<ApiToken>, StoreError> {
    let store = &svc.store;
    as_owner(store, caller).await?.api_tokens().await
}

/// A new API token with a role; the token itself is returned this once.
pub async fn create_api_token(
    svc: &Services,
    caller: &Caller,
    name: &str,
    role: Role,
    created_by: Option<Uuid>,
) -> Result<(ApiToken, String), StoreError> {
    let store = &svc.store;
    let mut tx = as_owner(store, caller).await?;
    let created = tx.create_api_token(name, role, created_by).await?;
    tx.commit().await?;
    Ok(created)
}

/// Revokes an API token.
pub async fn revoke_api_token(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = as_owner(store, caller).await?;
    tx.revoke_api_token(id).await?;
    tx.commit().await
}
