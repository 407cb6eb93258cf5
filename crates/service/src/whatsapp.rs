//! A restaurant's WhatsApp route (Meta's Cloud API): its settings, the webhook's subscription
//! check, and the webhook's deliveries: status reports move our messages on (once per
//! message and status), guests' messages are stored for the team (once per Meta id), "STOP"
//! withdraws consent. Everything a delivery causes is written in one transaction, after its
//! signature (`X-Hub-Signature-256` with the restaurant's app secret) was checked.

use crate::reservations::Caller;
use crate::Services;
use hs_channels::whatsapp::{events, Event};
use hs_domain::message::Delivery;
use hs_store::messages::Report;
use hs_store::whatsapp::WhatsAppInput;
use hs_store::{Actor, StoreError};
use uuid::Uuid;

/// Why a webhook delivery was refused.
#[derive(Debug)]
pub enum Refused {
    /// No WhatsApp route, or a missing or wrong signature: 401, nothing stored.
    Unauthorized,
    /// Signed, but not JSON.
    NotJson(String),
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

/// What a delivery changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Received {
    pub statuses: usize,
    pub inbound: usize,
}

/// Whether Meta's subscription check (`hub.mode=subscribe`, `hub.verify_token`) is ours.
pub async fn verify_subscription(
    svc: &Services,
    rid: Uuid,
    mode: &str,
    token: &str,
) -> Result<bool, StoreError> {
    if mode != "subscribe" || token.is_empty() || token.len() > 1000 {
        return Ok(false);
    }
    let mut tx = svc.store.tenant(rid, &Actor::System).await?;
    tx.whatsapp_verify_token_matches(token).await
}

/// Applies one signed webhook delivery.
pub async fn receive(
    svc: &Services,
    rid: Uuid,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, Refused> {
    let mut tx = svc.store.tenant(rid, &Actor::System).await?;
    let Some(config) = tx.whatsapp_config().await? else {
        return Err(Refused::Unauthorized);
    };
    if hs_channels::signature::verify_meta(config.app_secret.as_bytes(), signature, body).is_err() {
        return Err(Refused::Unauthorized);
    }
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Refused::NotJson(e.to_string()))?;
    let now = tx.now();
    let mut out = Received::default();
    for e in events(&v, &config.settings.phone_number_id) {
        match e {
            Event::Status {
                id,
                status,
                at,
                error,
                ours,
            } => {
                let to = match status.as_str() {
                    "sent" => Delivery::Sent,
                    "delivered" => Delivery::Delivered,
                    "read" => Delivery::Read,
                    "failed" => Delivery::Failed,
                    _ => continue,
                };
                if !tx
                    .first_webhook_event("whatsapp", &format!("{id}:{status}"))
                    .await?
                {
                    continue;
                }
                // Our id rides along as `biz_opaque_callback_data`; Meta's id is the fallback.
                let message = match ours.as_deref().and_then(|o| Uuid::parse_str(o).ok()) {
                    Some(m) => Some(m),
                    None => svc
                        .store
                        .message_by_provider_id("whatsapp", &id)
                        .await?
                        .filter(|(r, _)| *r == rid)
                        .map(|(_, m)| m),
                };
                let Some(message) = message else { continue };
                let report = Report {
                    to,
                    reason: error,
                    hard_bounce: false,
                    at: at.unwrap_or(now),
                };
                if tx.message_report(message, &report).await? {
                    out.statuses += 1;
                }
            }
            Event::Inbound {
                from,
                id,
                at,
                kind,
                text,
                ..
            } => {
                let (_, new) = tx
                    .record_inbound(&from, &id, at.unwrap_or(now), &kind, text.as_deref())
                    .await?;
                if let Some(inbound) = new {
                    out.inbound += 1;
                    answer_later(&mut tx, inbound, &kind, text.as_deref()).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Applies one webhook delivery of HighLevel (the GoHighLevel route), signed with
/// `x-wh-signature` under HighLevel's key (`public_key_pem`): a guest's WhatsApp message is
/// stored once per HighLevel message id; "STOP" withdraws consent.
pub async fn receive_highlevel(
    svc: &Services,
    rid: Uuid,
    public_key_pem: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, Refused> {
    if hs_channels::signature::verify_ghl(public_key_pem, signature, body).is_err() {
        return Err(Refused::Unauthorized);
    }
    let mut tx = svc.store.tenant(rid, &Actor::System).await?;
    let Some(config) = tx.whatsapp_config().await? else {
        return Err(Refused::Unauthorized);
    };
    if config.settings.route != "gohighlevel" {
        return Err(Refused::Unauthorized);
    }
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Refused::NotJson(e.to_string()))?;
    let mut out = Received::default();
    if let Some((id, status, error)) = hs_channels::gohighlevel::outbound_status(&v) {
        let to = match status.as_str() {
            "sent" => Some(Delivery::Sent),
            "delivered" => Some(Delivery::Delivered),
            "read" => Some(Delivery::Read),
            "failed" | "undelivered" => Some(Delivery::Failed),
            _ => None,
        };
        let known = svc
            .store
            .message_by_provider_id("gohighlevel", &id)
            .await?
            .filter(|(r, _)| *r == rid);
        if let (Some(to), Some((_, message))) = (to, known) {
            if tx
                .first_webhook_event("gohighlevel", &format!("{id}:{status}"))
                .await?
            {
                let report = Report {
                    to,
                    reason: error,
                    hard_bounce: false,
                    at: tx.now(),
                };
                out.statuses += usize::from(tx.message_report(message, &report).await?);
            }
        }
    }
    if let Some(i) = hs_channels::gohighlevel::inbound(&v) {
        if i.location_id == config.settings.ghl_location_id {
            let from = match tx.phone_of_ghl_contact(&i.contact_id).await? {
                Some(phone) => phone,
                None => format!("ghl:{}", i.contact_id.chars().take(30).collect::<String>()),
            };
            let now = tx.now();
            let (_, new) = tx
                .record_inbound(
                    &from,
                    &i.message_id,
                    i.at.unwrap_or(now),
                    "text",
                    i.text.as_deref(),
                )
                .await?;
            if let Some(inbound) = new {
                out.inbound += 1;
                answer_later(&mut tx, inbound, "text", i.text.as_deref()).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// A guest's text goes to the chat agent ([`AnswerInbound`]), in the transaction that stored
/// it; "STOP" and "START" are answered by the consent change alone.
async fn answer_later(
    tx: &mut hs_store::TenantTx,
    inbound: Uuid,
    kind: &str,
    text: Option<&str>,
) -> Result<(), StoreError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    if kind != "text" || hs_domain::message::is_stop(text) || hs_domain::message::is_start(text) {
        return Ok(());
    }
    crate::jobs::enqueue(
        tx,
        &AnswerInbound {
            inbound_id: inbound,
        },
    )
    .await?;
    Ok(())
}

/// How long a WhatsApp conversation goes on after its last message; later, a new one starts.
pub const CONVERSATION_FRESH_HOURS: i64 = 24;

/// The chat agent answers a guest's WhatsApp message; the answer goes out as free text
/// (the guest's message opened the 24-hour window). The payload is the stored message's id.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct AnswerInbound {
    pub inbound_id: Uuid,
}

impl crate::jobs::Job for AnswerInbound {
    const KIND: &'static str = "answer_inbound";
    const MAX_ATTEMPTS: i32 = 3;

    fn dedup_key(&self) -> Option<String> {
        Some(self.inbound_id.to_string())
    }

    async fn run(
        &self,
        ctx: &crate::jobs::JobContext,
        tx: Option<&mut hs_store::TenantTx>,
    ) -> anyhow::Result<()> {
        let tx = tx.ok_or_else(|| anyhow::anyhow!("answer_inbound runs for a restaurant"))?;
        let Some(chat) = ctx.chat.as_ref() else {
            return Ok(());
        };
        let Some((from, _kind, Some(text))) = tx.inbound_message(self.inbound_id).await? else {
            return Ok(());
        };
        let (reply, language) = match chat.reply(tx, "whatsapp", &from, &text).await {
            Ok(r) => r,
            // A sender flooding one conversation gets no more answers for now; the message
            // stays stored for the team.
            Err(e) if e.is_rate_limited() => {
                tracing::info!("WhatsApp conversation over its pace; message left unanswered");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        // A team member has the conversation: the agent stays silent.
        if reply.is_empty() {
            return Ok(());
        }
        let guest = tx.guest_by_phone(&from).await?;
        tx.queue_whatsapp_reply(guest, &from, &language, &reply)
            .await?;
        Ok(())
    }
}

/// Sets the WhatsApp route up or changes it (owners and managers); `None` removes it.
pub async fn set(
    svc: &Services,
    caller: &Caller,
    input: Option<&WhatsAppInput>,
) -> Result<(), StoreError> {
    let mut tx = crate::setup::configure(&svc.store, caller).await?;
    match input {
        Some(i) => tx.set_whatsapp(i).await?,
        None => tx.remove_whatsapp().await?,
    }
    tx.commit().await
}
