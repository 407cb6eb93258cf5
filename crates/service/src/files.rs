//! Guests' files behind their short-lived links: the link is checked (genuine, not expired),
//! then the file is read from its restaurant and the file store.

use crate::Services;
use hs_store::files::StoredFile;
use hs_store::{Actor, StoreError};
use uuid::Uuid;

/// What a link leads to.
pub enum Opened {
    File(StoredFile, Vec<u8>),
    /// Forged or expired.
    BadLink,
    /// Gone (the conversation's retention, or never there).
    Missing,
}

/// The file a link names, when the link is genuine and current.
pub async fn open_link(
    svc: &Services,
    restaurant: Uuid,
    file: Uuid,
    expires: i64,
    sig: &str,
) -> Result<Opened, StoreError> {
    if !svc.store.file_link_valid(restaurant, file, expires, sig) {
        return Ok(Opened::BadLink);
    }
    let mut tx = svc.store.tenant(restaurant, &Actor::Guest).await?;
    let found = tx.conversation_file(file).await?;
    tx.commit().await?;
    let Some(f) = found else {
        return Ok(Opened::Missing);
    };
    Ok(match svc.store.files().get(&f.key).await? {
        Some(bytes) => Opened::File(f, bytes),
        None => Opened::Missing,
    })
}

/// A fresh link to each of a conversation's files, for the signed-in team: (file, link).
pub fn links(
    svc: &Services,
    restaurant: Uuid,
    files: Vec<StoredFile>,
) -> Vec<(StoredFile, String)> {
    files
        .into_iter()
        .map(|f| {
            let link = svc.store.file_link(restaurant, f.id);
            (f, link)
        })
        .collect()
}
