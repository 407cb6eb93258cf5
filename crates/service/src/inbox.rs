//! The team's inbox (web chat and WhatsApp): the conversations with who answers them, one
//! conversation with its guest, reservation and the agent's notes, and the team's side of it:
//! take over (the agent pauses), write to the guest (live in the widget, as free text on
//! WhatsApp), hand back to the agent, close. Everyone in the team may use it; the transcript's
//! special-category sentences and the agent's special note are shown only to whom the
//! restaurant's special-notes rule allows.

use crate::jobs::{Job, JobContext};
use crate::reservations::Caller;
use crate::Services;
use anyhow::anyhow;
use hs_channels::mail::SendError;
use hs_domain::chat::mask_special;
use hs_store::conversations::HandoverAlert;
use hs_store::conversations::Line;
use hs_store::inbox::{InboxConversation, InboxRow, CHANNELS, STATUSES};
use hs_store::{Actor, StoreError, TenantTx};
use uuid::Uuid;

/// Longest message a team member may write.
pub const REPLY_MAX: usize = 2000;

/// How long after a guest's last WhatsApp message free text may go to them.
const WHATSAPP_WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// The list and how many conversations wait for a person.
pub struct Inbox {
    pub rows: Vec<InboxRow>,
    pub waiting: i64,
    /// The restaurant's time zone (to show times).
    pub tz: chrono_tz::Tz,
}

/// One conversation as the team sees it.
pub struct View {
    pub conversation: InboxConversation,
    /// The agent's notes: (field, value) in a fixed order, empty ones left out.
    pub notes: Vec<(&'static str, String)>,
    pub tz: chrono_tz::Tz,
    /// The guest's files, each with a fresh short-lived link.
    pub files: Vec<(hs_store::files::StoredFile, String)>,
}

async fn tenant(svc: &Services, caller: &Caller) -> Result<TenantTx, StoreError> {
    svc.store.tenant(caller.restaurant_id, &caller.actor).await
}

fn checked(value: Option<&str>, allowed: &[&str], field: &str) -> Result<(), StoreError> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(StoreError::field(
            field,
            "invalid",
            format!("one of {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}

/// The inbox, filtered by status and channel (`None`: all).
pub async fn list(
    svc: &Services,
    caller: &Caller,
    status: Option<&str>,
    channel: Option<&str>,
) -> Result<Inbox, StoreError> {
    checked(status, &STATUSES, "status")?;
    checked(channel, &CHANNELS, "channel")?;
    let mut tx = tenant(svc, caller).await?;
    Ok(Inbox {
        rows: tx.inbox(status, channel).await?,
        waiting: tx.waiting_for_person().await?,
        tz: tx.rules().await?.tz,
    })
}

/// Hides special-category sentences of guest messages from whom may not read them.
fn for_reader(lines: Vec<(i32, Line)>, special: bool) -> Vec<(i32, Line)> {
    if special {
        return lines;
    }
    lines
        .into_iter()
        .map(|(p, (role, text, at))| {
            let text = if role == "guest" {
                mask_special(&text)
            } else {
                text
            };
            (p, (role, text, at))
        })
        .collect()
}

/// One conversation; its messages count as seen by the team.
pub async fn open(svc: &Services, caller: &Caller, id: Uuid) -> Result<View, StoreError> {
    let mut tx = tenant(svc, caller).await?;
    let special = tx.may_read_special(caller.role).await?;
    let mut c = tx.inbox_conversation(id, true).await?;
    let tz = tx.rules().await?.tz;
    let files = tx.conversation_files(id).await?;
    tx.commit().await?;
    let files = crate::files::links(svc, caller.restaurant_id, files);
    c.lines = for_reader(std::mem::take(&mut c.lines), special);
    let s = &c.state;
    let text = |k: &str| s[k].as_str().map(str::to_string).filter(|v| !v.is_empty());
    let mut notes = Vec::new();
    for (field, value) in [
        ("date", text("date")),
        ("time", text("time").map(|t| t.chars().take(5).collect())),
        ("party", s["party"].as_u64().map(|p| p.to_string())),
        ("name", text("name")),
        ("phone", text("phone")),
        ("email", text("email")),
        ("code", text("code")),
        ("special", text("special").filter(|_| special)),
    ] {
        if let Some(v) = value {
            notes.push((field, v));
        }
    }
    Ok(View {
        conversation: c,
        notes,
        tz,
        files,
    })
}

fn member(caller: &Caller) -> Option<Uuid> {
    match caller.actor {
        Actor::User(u) => Some(u),
        _ => None,
    }
}

/// A team member takes the conversation over: the agent pauses, the guest sees a person.
pub async fn take(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let mut tx = tenant(svc, caller).await?;
    tx.set_conversation_status(id, "person", member(caller))
        .await?;
    tx.commit().await
}

/// Hands the conversation back to the agent.
pub async fn hand_back(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let mut tx = tenant(svc, caller).await?;
    tx.set_conversation_status(id, "agent", None).await?;
    tx.commit().await
}

/// Closes the conversation (a new guest message opens it again for the agent).
pub async fn close(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let mut tx = tenant(svc, caller).await?;
    tx.set_conversation_status(id, "closed", None).await?;
    tx.commit().await
}

/// A team member writes to the guest; writing takes the conversation over. On WhatsApp the
/// message goes out as free text through the outbox (the guest's last message opened the
/// 24-hour window); in the widget it shows live.
pub async fn reply(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    text: &str,
) -> Result<i32, StoreError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > REPLY_MAX {
        return Err(StoreError::field(
            "text",
            "invalid",
            format!("a message of 1 to {REPLY_MAX} characters"),
        ));
    }
    let mut tx = tenant(svc, caller).await?;
    let c = tx.inbox_conversation(id, false).await?;
    let position = tx.add_conversation_message(id, "team", text).await?;
    if c.row.status != "person" {
        tx.set_conversation_status(id, "person", member(caller))
            .await?;
    }
    if c.row.channel == "whatsapp" {
        // Free text reaches a WhatsApp guest only within 24 hours of their last message
        // (Meta's customer service window); later only an approved template would.
        let last_guest = c
            .lines
            .iter()
            .rev()
            .find(|(_, (role, _, _))| role == "guest");
        let open =
            last_guest.is_some_and(|(_, (_, _, at))| svc.clock().now() - *at < WHATSAPP_WINDOW);
        let phone = c.state["phone"].as_str().filter(|p| !p.is_empty());
        let (true, Some(phone)) = (open, phone) else {
            return Err(StoreError::field(
                "text",
                "window_closed",
                "the guest wrote more than 24 hours ago; WhatsApp takes free text only within 24 hours",
            ));
        };
        let language = c.row.language.as_deref().unwrap_or("de");
        tx.queue_whatsapp_reply(c.guest_id, phone, language, text)
            .await?;
    }
    tx.commit().await?;
    Ok(position)
}

impl Job for HandoverAlert {
    const KIND: &'static str = HandoverAlert::KIND;

    fn dedup_key(&self) -> Option<String> {
        Some(format!(
            "{}:{}",
            self.conversation_id,
            self.since.timestamp_micros()
        ))
    }

    /// Emails owners and managers when the guest still waits; nothing when someone took the
    /// conversation, handed it back or closed it in the meantime.
    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> anyhow::Result<()> {
        let tx =
            tx.ok_or_else(|| anyhow!("an inbox alert runs in its restaurant's transaction"))?;
        if !tx.still_waiting(self.conversation_id, self.since).await? {
            return Ok(());
        }
        let c = tx.inbox_conversation(self.conversation_id, false).await?;
        let restaurant = tx.restaurant().await?.name;
        let minutes = (tx.now() - self.since).num_minutes().max(1);
        let link = format!("{}/inbox/{}", ctx.public_url, self.conversation_id);
        for (user, email, name, lang) in tx.inbox_alert_recipients().await? {
            let mut mail = crate::messages::guest_waiting(
                &lang,
                &email,
                &name,
                &restaurant,
                &c.row.channel,
                minutes,
                &link,
            );
            // One id per member and wait: a retried job sends nobody a second copy.
            mail.id = crate::digest::stable_id(&format!(
                "waiting:{}:{}:{user}",
                self.conversation_id,
                self.since.timestamp_micros()
            ));
            match ctx.mailer.send(&mail).await {
                Ok(_) => {}
                Err(SendError::Permanent { reason }) => {
                    tracing::warn!(%user, %reason, "inbox alert refused by the mail provider");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
