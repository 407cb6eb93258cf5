//! Guests' files of conversations: the rows (`conversation_files`, migration 0023: the key,
//! the sealed name, the kind, the size), their short-lived links, and their removal. The bytes
//! live in the file store ([`crate::file_store`]) under
//! `conversations/<restaurant>/<conversation>/<file>`: ids only, no names.

use crate::error::StoreError;
use crate::queue::NewJob;
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use hs_domain::upload::MAX_PER_CONVERSATION;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::file_store::{Files, S3};

/// The key of a conversation's file.
pub fn key(restaurant: Uuid, conversation: Uuid, file: Uuid) -> String {
    format!("conversations/{restaurant}/{conversation}/{file}")
}

/// A guest's file, as the team and the guest's widget list it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFile {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i32,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub key: String,
}

/// A guest's file to record (its bytes already stored under `key`).
pub struct NewFile<'a> {
    pub conversation: Uuid,
    pub id: Uuid,
    pub key: &'a str,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: i32,
}

/// Removes files from the file store after their rows went (the payload of the
/// `delete_files` job, enqueued in the transaction that removed the rows: the outbox, so a
/// crash in between leaves no file behind).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeleteFiles {
    pub keys: Vec<String>,
}

impl DeleteFiles {
    pub const KIND: &'static str = "delete_files";

    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: Self::KIND,
            payload: serde_json::to_value(self).unwrap_or_default(),
            dedup_key: None,
            run_at,
            max_attempts: 10,
        }
    }
}

impl TenantTx {
    /// Records a guest's file of a conversation, with a guest message naming it
    /// ([`file_line`]), after its bytes were stored under `f.key`; refused by field `file`
    /// when the conversation already has [`MAX_PER_CONVERSATION`] files. Returns the
    /// message's position.
    pub async fn add_conversation_file(&mut self, f: &NewFile<'_>) -> Result<i32, StoreError> {
        let (conversation, id) = (f.conversation, f.id);
        // The conversation's row is the lock: two uploads at once count each other.
        let pos = self
            .add_conversation_message(conversation, "guest", &file_line(f.name))
            .await?;
        if self.conversation_file_count(conversation).await? >= MAX_PER_CONVERSATION {
            return Err(StoreError::field(
                "file",
                "too_many",
                format!("a conversation holds at most {MAX_PER_CONVERSATION} files"),
            ));
        }
        let key_ = self.data_key().await?;
        let sealed = key_.seal(
            f.name.as_bytes(),
            &format!("conversation-file:{}:{id}", self.restaurant_id()),
        );
        sqlx::query(
            "INSERT INTO conversation_files (restaurant_id, id, conversation_id, object_key, name_enc, content_type, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.restaurant_id())
        .bind(id)
        .bind(conversation)
        .bind(f.key)
        .bind(sealed)
        .bind(f.content_type)
        .bind(f.size)
        .bind(self.now())
        .execute(self.conn())
        .await?;
        Ok(pos)
    }

    /// How many files a conversation holds.
    pub async fn conversation_file_count(&mut self, conversation: Uuid) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT count(*) FROM conversation_files WHERE conversation_id = $1",
            )
            .bind(conversation)
            .fetch_one(self.conn())
            .await?,
        )
    }

    /// A conversation's files, oldest first, names opened.
    pub async fn conversation_files(
        &mut self,
        conversation: Uuid,
    ) -> Result<Vec<StoredFile>, StoreError> {
        self.files_where("conversation_id = $1", conversation).await
    }

    /// One file of this restaurant.
    pub async fn conversation_file(&mut self, id: Uuid) -> Result<Option<StoredFile>, StoreError> {
        Ok(self.files_where("id = $1", id).await?.pop())
    }

    /// The files matching `condition` on `$1`, oldest first, names opened.
    async fn files_where(
        &mut self,
        condition: &'static str,
        value: Uuid,
    ) -> Result<Vec<StoredFile>, StoreError> {
        type Row = (Uuid, Uuid, String, String, String, i32, DateTime<Utc>);
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT id, conversation_id, object_key, name_enc, content_type, size, created_at \
             FROM conversation_files WHERE {condition} ORDER BY created_at, id"
        ))
        .bind(value)
        .fetch_all(self.conn())
        .await?;
        let key = self.data_key().await?;
        let rid = self.restaurant_id();
        rows.into_iter()
            .map(
                |(id, conversation_id, object_key, name, content_type, size, created_at)| {
                    let name = String::from_utf8(
                        key.open(&name, &format!("conversation-file:{rid}:{id}"))?,
                    )
                    .map_err(|e| StoreError::Other(e.into()))?;
                    Ok(StoredFile {
                        id,
                        conversation_id,
                        name,
                        content_type,
                        size,
                        created_at,
                        key: object_key,
                    })
                },
            )
            .collect()
    }

    /// Removes the files of these conversations: their rows now, their bytes by the
    /// `delete_files` job enqueued in this transaction. Returns how many went.
    pub async fn remove_conversation_files(
        &mut self,
        conversations: &[Uuid],
    ) -> Result<u64, StoreError> {
        let keys: Vec<String> = sqlx::query_scalar(
            "DELETE FROM conversation_files WHERE conversation_id = ANY ($1) RETURNING object_key",
        )
        .bind(conversations)
        .fetch_all(self.conn())
        .await?;
        let n = keys.len() as u64;
        if !keys.is_empty() {
            let job = DeleteFiles { keys };
            let now = self.now();
            self.enqueue(&job.job(now)).await?;
        }
        Ok(n)
    }
}

/// A line of the transcript that names a file (what the team and a transcript show).
pub fn file_line(name: &str) -> String {
    format!("📎 {name}")
}

/// How long a link to a file works.
pub const LINK_SECS: i64 = 600;

impl crate::tenant::Store {
    fn link_mac(&self, rid: Uuid, file: Uuid, expires: i64) -> String {
        self.key
            .derive(&format!("file-link:{rid}:{file}:{expires}"))[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A short-lived link to a file (path and query, without the host): whoever holds it
    /// may fetch the file for [`LINK_SECS`]; it is given only to the conversation's guest
    /// token and to the restaurant's signed-in team.
    pub fn file_link(&self, rid: Uuid, file: Uuid) -> String {
        let expires = self.clock.now().timestamp() + LINK_SECS;
        format!(
            "/files/{rid}/{file}?e={expires}&s={}",
            self.link_mac(rid, file, expires)
        )
    }

    /// Whether a file link is genuine and not expired.
    pub fn file_link_valid(&self, rid: Uuid, file: Uuid, expires: i64, sig: &str) -> bool {
        expires >= self.clock.now().timestamp()
            && crate::secret::constant_time_eq(
                sig.as_bytes(),
                self.link_mac(rid, file, expires).as_bytes(),
            )
    }
}
