//! The chat agent behind the website widget: a guest's browser names the restaurant by its
//! public id, comes from an origin the restaurant listed (or the server's own), and carries a
//! token issued for that restaurant; each request is checked for all three in the turn's own
//! transaction. The conversation a token names is stored at its first message.

use crate::call::Agents;
use crate::chat::Reply;
use hs_store::{Actor, StoreError, TenantTx};
use serde::Serialize;
use uuid::Uuid;

/// Why the widget's request is refused, or what it gets.
pub enum Access<T> {
    /// No restaurant has this public id (or its contract ended).
    Unknown,
    /// The request's origin is not one the restaurant listed.
    Origin,
    /// The token is missing or was not issued for this restaurant.
    Token,
    Granted(T),
}

impl<T> Access<T> {
    /// The granted value, or the refusal as an answer of another type.
    pub fn granted<U>(self) -> Result<T, Access<U>> {
        match self {
            Access::Granted(t) => Ok(t),
            Access::Unknown => Err(Access::Unknown),
            Access::Origin => Err(Access::Origin),
            Access::Token => Err(Access::Token),
        }
    }
}

/// What the widget shows before the first message.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub name: String,
    pub colour: String,
    pub position: String,
    pub greeting_de: String,
    pub greeting_en: String,
    pub privacy_url: Option<String>,
    /// The hosted booking page's address part (`/book/<slug>`), for the widget's form mode.
    pub slug: String,
}

/// A widget session: the guest's token, the widget's look, and the conversation so far
/// (role `guest`, `agent` or `team`, and text).
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub token: String,
    pub config: Config,
    pub messages: Vec<(String, String)>,
    /// The last message's position (-1: none yet): where the live stream goes on from.
    pub last: i32,
}

/// How many transcripts one conversation may have mailed: a guest asks once, perhaps again
/// after a typo; more would make the widget a way to mail strangers.
pub const TRANSCRIPTS_PER_CONVERSATION: i64 = 3;

/// The conversation a widget follows live: (restaurant, conversation).
pub type Followed = Option<(Uuid, Uuid)>;

/// What is new for the guest: who answers now and the team's messages (position, text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    pub status: String,
    pub team: Vec<(i32, String)>,
}

impl Agents {
    /// The restaurant and a transaction in it, when the origin may use its widget.
    async fn widget_open(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
    ) -> Result<Access<(TenantTx, Config)>, StoreError> {
        let Some(r) = self.store.restaurant_by_public_id(public_id).await? else {
            return Ok(Access::Unknown);
        };
        let mut tx = self.store.tenant(r.id, &Actor::Guest).await?;
        let s = tx.widget_settings_for_turn().await?;
        if !hs_domain::widget::origin_allowed(origin, &s.origins, own_origin) {
            return Ok(Access::Origin);
        }
        let config = Config {
            name: r.name,
            colour: s.colour,
            position: s.position,
            greeting_de: s.greeting_de,
            greeting_en: s.greeting_en,
            privacy_url: s.privacy_url,
            slug: r.slug,
        };
        Ok(Access::Granted((tx, config)))
    }

    /// A transaction in the restaurant, when the origin may use its widget and `token` was
    /// issued for it: the gate of every call that acts for a guest.
    async fn widget_guest(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: &str,
    ) -> Result<Access<TenantTx>, StoreError> {
        let (tx, _) = match self
            .widget_open(public_id, origin, own_origin)
            .await?
            .granted()
        {
            Ok(x) => x,
            Err(refused) => return Ok(refused),
        };
        if !self.store.widget_token_valid(tx.restaurant_id(), token) {
            return Ok(Access::Token);
        }
        Ok(Access::Granted(tx))
    }

    /// Whether `origin` may use the restaurant's widget (a CORS preflight).
    pub async fn widget_origin(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
    ) -> Result<Access<()>, StoreError> {
        Ok(
            match self
                .widget_open(public_id, origin, own_origin)
                .await?
                .granted()
            {
                Ok(_) => Access::Granted(()),
                Err(refused) => refused,
            },
        )
    }

    /// Opens the widget: the guest's token (the one it brings when it was issued here, a new
    /// one otherwise), the look, and the conversation so far.
    pub async fn widget_session(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: Option<&str>,
    ) -> Result<Access<Session>, StoreError> {
        let (mut tx, config) = match self
            .widget_open(public_id, origin, own_origin)
            .await?
            .granted()
        {
            Ok(x) => x,
            Err(refused) => return Ok(refused),
        };
        let rid = tx.restaurant_id();
        let token = match token.filter(|t| self.store.widget_token_valid(rid, t)) {
            Some(t) => t.to_string(),
            None => self.store.issue_widget_token(rid),
        };
        let lines = match tx.conversation_by_guest_token(&token).await? {
            Some(id) => tx.conversation_lines_after(id, -1).await?,
            None => Vec::new(),
        };
        tx.commit().await?;
        Ok(Access::Granted(Session {
            token,
            config,
            last: lines.last().map(|(p, _)| *p).unwrap_or(-1),
            messages: lines
                .into_iter()
                .map(|(_, (role, text, _))| (role, text))
                .collect(),
        }))
    }

    /// The conversation a widget's token names, to follow live (`None`: the guest has not
    /// written yet).
    pub async fn widget_follow(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: &str,
    ) -> Result<Access<Followed>, StoreError> {
        let mut tx = match self
            .widget_guest(public_id, origin, own_origin, token)
            .await?
            .granted()
        {
            Ok(tx) => tx,
            Err(refused) => return Ok(refused),
        };
        let rid = tx.restaurant_id();
        let id = tx.conversation_by_guest_token(token).await?;
        tx.commit().await?;
        Ok(Access::Granted(id.map(|id| (rid, id))))
    }

    /// Who answers a followed conversation and the team's messages after position `after`.
    pub async fn widget_update(
        &self,
        (restaurant, id): (Uuid, Uuid),
        after: i32,
    ) -> Result<Update, StoreError> {
        let mut tx = self.store.tenant(restaurant, &Actor::Guest).await?;
        let status = tx.conversation_status(id).await?;
        let team = tx
            .conversation_lines_after(id, after)
            .await?
            .into_iter()
            .filter(|(_, (role, _, _))| role == "team")
            .map(|(pos, (_, text, _))| (pos, text))
            .collect();
        tx.commit().await?;
        Ok(Update { status, team })
    }

    /// One guest message from the widget, answered (the reply handed to `sink` as it is
    /// written) and stored in the conversation the token names.
    pub async fn widget_message(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: &str,
        text: &str,
        sink: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Access<(Uuid, Reply)>, StoreError> {
        let mut tx = match self
            .widget_guest(public_id, origin, own_origin, token)
            .await?
            .granted()
        {
            Ok(tx) => tx,
            Err(refused) => return Ok(refused),
        };
        let known = tx.conversation_by_guest_token(token).await?;
        let (id, reply) = self
            .converse(&mut tx, known, "web", text, None, sink)
            .await?;
        if known.is_none() {
            tx.set_guest_token(id, token).await?;
        }
        tx.commit().await?;
        Ok(Access::Granted((id, reply)))
    }

    /// The guest's conversation by email, on their request: queued through the messages
    /// outbox to the address they typed, in the conversation's language, with every sentence
    /// naming special-category data masked (an email is no place for health details, and the
    /// address is not verified). Refused by field: `email` when it is no address, `conversation`
    /// when the guest has not written yet or asked [`TRANSCRIPTS_PER_CONVERSATION`] times.
    pub async fn widget_transcript(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: &str,
        email: &str,
    ) -> Result<Access<()>, StoreError> {
        let mut tx = match self
            .widget_guest(public_id, origin, own_origin, token)
            .await?
            .granted()
        {
            Ok(tx) => tx,
            Err(refused) => return Ok(refused),
        };
        let Some(id) = tx.conversation_by_guest_token(token).await? else {
            return Err(StoreError::field(
                "conversation",
                "empty",
                "there is no conversation to send yet",
            ));
        };
        if tx.transcripts_of(id).await? >= TRANSCRIPTS_PER_CONVERSATION {
            return Err(StoreError::field(
                "conversation",
                "limit",
                format!("a conversation is sent at most {TRANSCRIPTS_PER_CONVERSATION} times"),
            ));
        }
        let c = tx.inbox_conversation(id, false).await?;
        let lines: Vec<_> = c
            .lines
            .into_iter()
            .map(|(_, (role, text, at))| (role, hs_domain::chat::mask_special(&text), at))
            .collect();
        let language = c.row.language.as_deref().unwrap_or("de");
        tx.queue_transcript(Some(id), c.guest_id, email, language, &lines)
            .await?;
        tx.commit().await?;
        Ok(Access::Granted(()))
    }

    /// A file from the guest's widget: checked by its content (images and PDF only, images
    /// without metadata, no decompression bombs), scanned when a clamd is configured, stored
    /// in the file store and named in the conversation as a guest message (a conversation is
    /// started when the guest has not written yet). Refused by field `file`.
    pub async fn widget_upload(
        &self,
        public_id: &str,
        origin: &str,
        own_origin: &str,
        token: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<Access<Uploaded>, StoreError> {
        use hs_domain::upload;
        let mut tx = match self
            .widget_guest(public_id, origin, own_origin, token)
            .await?
            .granted()
        {
            Ok(tx) => tx,
            Err(refused) => return Ok(refused),
        };
        let rid = tx.restaurant_id();
        let known = tx.conversation_by_guest_token(token).await?;
        // Counted again under the conversation's lock when the row is written; this early
        // look spares the checking, scanning and storing of a file that cannot be kept.
        if let Some(c) = known {
            if tx.conversation_file_count(c).await? >= upload::MAX_PER_CONVERSATION {
                return Err(StoreError::field(
                    "file",
                    "too_many",
                    format!(
                        "a conversation holds at most {} files",
                        upload::MAX_PER_CONVERSATION
                    ),
                ));
            }
        }
        let (kind, kept) =
            upload::accept(bytes).map_err(|r| StoreError::field("file", r.code(), r.message()))?;
        if let Some(socket) = &self.clamd {
            match hs_channels::clamd::scan(socket, &kept).await {
                Ok(hs_channels::clamd::Verdict::Clean) => {}
                Ok(hs_channels::clamd::Verdict::Infected(sig)) => {
                    tracing::warn!(restaurant = %rid, signature = %sig, "a guest's file carried malware; refused");
                    return Err(StoreError::field(
                        "file",
                        "malware",
                        "the file was refused by the virus scan",
                    ));
                }
                // Fail closed: no file is kept unscanned where scanning is promised.
                Err(e) => {
                    tracing::error!(error = %e, "clamd could not scan a guest's file");
                    return Err(StoreError::Unavailable(
                        "the virus scan is not reachable".into(),
                    ));
                }
            }
        }
        let conversation = match known {
            Some(c) => c,
            None => {
                let c = Uuid::new_v4();
                tx.start_conversation(c, "web").await?;
                tx.set_guest_token(c, token).await?;
                c
            }
        };
        let id = Uuid::new_v4();
        let name = upload::clean_name(name, kind);
        let key = hs_store::files::key(rid, conversation, id);
        let size = kept.len() as i32;
        self.store.files().put(&key, kept).await?;
        let stored = async {
            let pos = tx
                .add_conversation_file(&hs_store::files::NewFile {
                    conversation,
                    id,
                    key: &key,
                    name: &name,
                    content_type: kind.content_type(),
                    size,
                })
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(pos)
        }
        .await;
        match stored {
            Ok(pos) => Ok(Access::Granted(Uploaded {
                id,
                conversation_id: conversation,
                name,
                content_type: kind.content_type().into(),
                size,
                pos,
                link: self.store.file_link(rid, id),
            })),
            Err(e) => {
                // The row did not make it: the bytes go too.
                let _ = self.store.files().delete(&key).await;
                Err(e)
            }
        }
    }
}

/// A guest's stored file, as the widget shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Uploaded {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i32,
    /// The guest message naming it.
    pub pos: i32,
    /// A short-lived link (path and query).
    pub link: String,
}
