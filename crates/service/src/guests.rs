//! The guest book as use cases: search, a guest's profile with their visits, changes. Special-
//! category notes are read and written only by roles that may (the rule is the service's).

use crate::reservations::Caller;
use crate::Services;
use hs_store::booking::Reservation;
use hs_store::guests::{Guest, GuestChanges};
use hs_store::StoreError;
use uuid::Uuid;

/// Guests whose name contains `q`, or whose phone or email matches it; at most 50.
pub async fn search(svc: &Services, caller: &Caller, q: &str) -> Result<Vec<Guest>, StoreError> {
    let store = &svc.store;
    let mut tx = store.tenant(caller.restaurant_id, &caller.actor).await?;
    tx.search_guests(q).await
}

/// A guest's page: the guest, their reservations (newest first), whether the caller reads
/// special notes, the messages sent to them and those they sent, and WhatsApp consent.
pub struct Profile {
    pub guest: Guest,
    pub history: Vec<Reservation>,
    pub special: bool,
    pub messages: Vec<hs_store::messages::MessageInfo>,
    pub inbound: Vec<(chrono::DateTime<chrono::Utc>, String, Option<String>)>,
    pub whatsapp: bool,
}

/// A guest with everything their page shows.
pub async fn profile(svc: &Services, caller: &Caller, id: Uuid) -> Result<Profile, StoreError> {
    let store = &svc.store;
    let mut tx = store.tenant(caller.restaurant_id, &caller.actor).await?;
    let special = tx.may_read_special(caller.role).await?;
    Ok(Profile {
        guest: tx.guest(id, special).await?,
        history: tx.guest_history(id).await?,
        special,
        messages: tx.messages_of_guest(id).await?,
        inbound: tx.inbound_of_guest(id).await?,
        whatsapp: tx.whatsapp_consent(id).await?,
    })
}

/// Changes a guest. Special-category notes a role may not read are neither written nor shown:
/// `changes` is built by `build`, told whether the caller may.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    build: impl FnOnce(bool) -> GuestChanges,
) -> Result<Guest, StoreError> {
    let store = &svc.store;
    let mut tx = store.tenant(caller.restaurant_id, &caller.actor).await?;
    let special = tx.may_read_special(caller.role).await?;
    let g = tx.update_guest(id, &build(special), special).await?;
    tx.commit().await?;
    Ok(g)
}
