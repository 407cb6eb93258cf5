//! Messages to guests: the texts (German and English, MiniJinja templates for the text and HTML
//! parts), the calendar file, and the two jobs, [`SendMessage`] (render once, send through the
//! mailer, record the provider's answer; temporary errors are tried again after the provider's
//! `Retry-After` or a backoff, permanent ones end `failed` with the provider's reason) and
//! [`Reminder`] (writes the reminder if the reservation still starts then). Which message
//! follows which change is `hs_domain::message`; the store writes them in the change's
//! transaction. Also the team's use cases: a reservation's message history, send again, the
//! message settings, and delivery reports from Resend's webhook.
//!
//! `texts` holds the wording and the calendar file, `whatsapp_send` the two WhatsApp routes,
//! `reports` the providers' delivery webhooks.

mod reports;
mod texts;
mod whatsapp_send;

pub use reports::{receive_resend, resend_report, Refused};
use texts::calendar;
pub(crate) use texts::event_names;
pub use texts::{render, transcript, Facts, Rendered};
use whatsapp_send::send_whatsapp;
pub use whatsapp_send::WHATSAPP_PARAMETERS;

use crate::jobs::{Job, JobContext};
use crate::reservations::Caller;
use crate::Services;
use anyhow::{anyhow, Context, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hs_channels::ics;
use hs_channels::mail::{Attachment, Email, Mailer, SendError};
use hs_domain::message::{Calendar, Delivery, Kind};
use hs_domain::{say, Role};
use hs_store::messages::{MessageInfo, MessageSettings, Outgoing, Report};
pub use hs_store::messages::{Reminder, SendMessage};
use hs_store::{StoreError, TenantTx};
use minijinja::{context, Environment};
use serde_json::Value;
use std::sync::LazyLock;
use uuid::Uuid;

impl Job for SendMessage {
    const KIND: &'static str = SendMessage::KIND;
    const MAX_ATTEMPTS: i32 = 3;

    fn dedup_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.message_id, self.attempt))
    }

    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow!("a message is sent in its restaurant's transaction"))?;
        send(ctx, tx, self).await
    }
}

impl Job for Reminder {
    const KIND: &'static str = Reminder::KIND;

    async fn run(&self, _ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow!("a reminder runs in its restaurant's transaction"))?;
        tx.send_reminder(self.reservation_id, self.starts_at)
            .await?;
        Ok(())
    }
}

/// The `params` a message was written with.
struct Params {
    code: String,
    date: NaiveDate,
    time: NaiveTime,
    party: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    sequence: u32,
    name: Option<String>,
    by_guest: bool,
}

fn params(v: &serde_json::Value) -> Result<Params> {
    let s = |k: &str| {
        v[k].as_str()
            .with_context(|| format!("message params lack {k}"))
    };
    Ok(Params {
        code: s("code")?.to_string(),
        date: s("date")?.parse()?,
        time: NaiveTime::parse_from_str(s("time")?, "%H:%M")?,
        party: v["party_size"].as_i64().unwrap_or(0),
        starts_at: s("starts_at")?.parse()?,
        ends_at: s("ends_at")?.parse()?,
        sequence: v["sequence"].as_u64().unwrap_or(0) as u32,
        name: v["name"].as_str().map(str::to_string),
        by_guest: v["by_guest"].as_bool().unwrap_or(false),
    })
}

/// The host part of the system's public address ("https://book.example:8443/x" gives
/// "book.example"), naming calendar events and the fallback organiser.
pub fn host_of(public_url: &str) -> String {
    public_url
        .split("://")
        .nth(1)
        .and_then(|h| h.split(['/', ':']).next())
        .unwrap_or("hostsystem.local")
        .to_string()
}

/// The link to the guest's self-service page.
pub fn self_service_url(public_url: &str, restaurant_id: Uuid, token: &str) -> String {
    format!(
        "{}/r/{restaurant_id}/{token}",
        public_url.trim_end_matches('/')
    )
}

async fn send(ctx: &JobContext, tx: &mut TenantTx, job: &SendMessage) -> Result<()> {
    let Some(m) = tx.outgoing(job.message_id).await? else {
        return Ok(());
    };
    if m.status != Delivery::Queued.as_str() {
        return Ok(());
    }
    let kind = Kind::parse(&m.kind).ok_or_else(|| anyhow!("unknown message kind {}", m.kind))?;
    if m.channel == "whatsapp" {
        return send_whatsapp(ctx, tx, job, &m, kind).await;
    }
    let Some(to) = m.to_address.clone() else {
        tx.message_ended(m.id, Delivery::Skipped, "no address")
            .await?;
        return Ok(());
    };
    let restaurant = tx.restaurant().await?;
    if kind == Kind::Transcript {
        let tz = tx.rules().await?.tz;
        let mut email = transcript(&m.language, &to, &restaurant.name, &m.params, tz);
        email.id = m.id;
        email.date = m.created_at;
        email.tags = vec![
            ("restaurant".into(), restaurant.id.to_string()),
            ("kind".into(), "transcript".into()),
        ];
        return deliver(ctx, tx, job, &m, &email).await;
    }
    if kind == Kind::Test {
        let en = m.language == "en";
        let mut email = Email::plain(
            to,
            if en {
                format!("Test message from {}", restaurant.name)
            } else {
                format!("Testnachricht von {}", restaurant.name)
            },
            if en {
                format!(
                    "This is a test message. Guest messages of {} reach their guests this way.\n",
                    restaurant.name
                )
            } else {
                format!("Dies ist eine Testnachricht. So erreichen die Nachrichten von {} ihre Gäste.\n", restaurant.name)
            },
        );
        email.id = m.id;
        email.date = m.created_at;
        email.tags = vec![
            ("restaurant".into(), restaurant.id.to_string()),
            ("kind".into(), "test".into()),
        ];
        return deliver(ctx, tx, job, &m, &email).await;
    }
    let p = params(&m.params)?;
    let settings = tx.reservation_settings().await?;
    let address = settings.address();
    let host = host_of(&ctx.public_url);
    let rendered = match (&m.subject, &m.body_text, &m.body_html) {
        (Some(s), Some(t), Some(h)) => Rendered {
            subject: s.clone(),
            text: t.clone(),
            html: h.clone(),
        },
        _ => {
            let link = match (kind.carries_link(), m.reservation_id) {
                (true, Some(rid)) => {
                    let token = tx.guest_link(m.id, rid, p.ends_at).await?;
                    Some(self_service_url(&ctx.public_url, restaurant.id, &token))
                }
                _ => None,
            };
            let paragraph = tx
                .message_settings()
                .await?
                .paragraph(kind, &m.language)
                .to_string();
            let r = render(&Facts {
                kind,
                lang: &m.language,
                name: p.name.as_deref(),
                restaurant: &restaurant.name,
                address: &address,
                phone: &settings.phone,
                date: p.date,
                time: p.time,
                party: p.party,
                code: &p.code,
                by_guest: p.by_guest,
                paragraph: &paragraph,
                link: link.as_deref(),
                calendar: kind.calendar().is_some(),
            })?;
            tx.store_rendered(m.id, &r.subject, &r.text, &r.html)
                .await?;
            r
        }
    };
    let organizer = settings.organizer(&host);
    let email = Email {
        id: m.id,
        date: m.created_at,
        from: None,
        reply_to: (!settings.email.is_empty()).then(|| settings.email.clone()),
        to,
        subject: rendered.subject,
        body: rendered.text,
        html: Some(rendered.html),
        attachments: calendar(&m, &p, kind, &restaurant.name, &address, &organizer, &host)
            .into_iter()
            .collect(),
        tags: vec![
            ("restaurant".into(), restaurant.id.to_string()),
            ("kind".into(), kind.as_str().into()),
        ],
    };
    deliver(ctx, tx, job, &m, &email).await
}

/// Sends and records the provider's answer.
async fn deliver(
    ctx: &JobContext,
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    email: &Email,
) -> Result<()> {
    let sent = match tx.mail_config().await? {
        None => ctx.mailer.send(email).await,
        Some(own) => {
            // The restaurant's own sender: its From address, and its own account if it has one.
            let mut email = email.clone();
            if own.from_address.is_some() {
                email.from = own.from_address.clone();
            }
            let from = own
                .from_address
                .clone()
                .unwrap_or_else(|| ctx.mail_from.clone());
            match (own.transport.as_str(), own.resend_key, own.smtp_url) {
                ("resend", Some(key), _) => {
                    hs_channels::resend::Resend::new(&ctx.resend_url, &key, &from)
                        .send(&email)
                        .await
                }
                ("smtp", _, Some(url)) => match hs_channels::smtp::Smtp::from_url(&url, &from) {
                    Ok(smtp) => smtp.send(&email).await,
                    Err(e) => Err(SendError::Permanent {
                        reason: format!("the restaurant's SMTP settings: {e:#}"),
                    }),
                },
                _ => ctx.mailer.send(&email).await,
            }
        }
    };
    record(tx, job, m, sent).await
}

/// Records what the provider said: sent (with its id), refused for good, or try again later.
async fn record(
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    sent: Result<hs_channels::mail::Sent, SendError>,
) -> Result<()> {
    match sent {
        Ok(sent) => {
            tx.message_sent(m.id, sent.provider, sent.id.as_deref())
                .await?
        }
        Err(SendError::Permanent { reason }) => {
            tracing::warn!(message = %m.id, %reason, "guest message refused for good");
            tx.message_ended(m.id, Delivery::Failed, &reason).await?
        }
        Err(SendError::Retry { reason, after }) => {
            let wait = match after {
                Some(d) => chrono::Duration::from_std(d).unwrap_or(chrono::Duration::seconds(60)),
                None => hs_store::queue::backoff(job.attempt, rand::random()),
            };
            let again = tx.message_retry(job, &reason, tx.now() + wait).await?;
            tracing::warn!(message = %m.id, %reason, again, "guest message not sent");
        }
    }
    Ok(())
}

/// A reservation's messages, oldest first.
pub async fn of_reservation(
    svc: &Services,
    caller: &Caller,
    reservation_id: Uuid,
) -> Result<Vec<MessageInfo>, StoreError> {
    let mut tx = svc
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    tx.reservation(reservation_id, false).await?;
    tx.messages_of_reservation(reservation_id).await
}

/// Sends a message again (as it would be written now).
pub async fn send_again(
    svc: &Services,
    caller: &Caller,
    message_id: Uuid,
) -> Result<(), StoreError> {
    let mut tx = svc
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    tx.send_again(message_id).await?;
    tx.commit().await
}

/// Sends a test message to the caller's own address through the real transport; returns
/// its id (its status shows on the settings page).
pub async fn send_test(
    svc: &Services,
    caller: &Caller,
    to: &str,
    language: &str,
) -> Result<Uuid, StoreError> {
    if !caller.role.at_least(Role::Manager) {
        return Err(StoreError::Forbidden);
    }
    let hs_store::Actor::User(user) = caller.actor else {
        return Err(StoreError::Forbidden);
    };
    let mut tx = svc
        .store
        .tenant(caller.restaurant_id, &caller.actor)
        .await?;
    let id = tx.queue_test_message(user, to, language).await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets the restaurant's own email sender (owners and managers); `None` goes back to the
/// platform's.
pub async fn set_mail_settings(
    svc: &Services,
    caller: &Caller,
    input: Option<&hs_store::mail_settings::MailInput>,
) -> Result<(), StoreError> {
    let mut tx = crate::setup::configure(&svc.store, caller).await?;
    tx.set_mail_settings(input).await?;
    tx.commit().await
}

/// Replaces the message settings (managers and owners) and, when given, whether the caller
/// gets the daily digest, in one transaction.
pub async fn set_settings(
    svc: &Services,
    caller: &Caller,
    s: &MessageSettings,
    digest_me: Option<bool>,
) -> Result<(), StoreError> {
    let mut tx = crate::setup::configure(&svc.store, caller).await?;
    tx.set_message_settings(s).await?;
    if let (Some(on), hs_store::Actor::User(user)) = (digest_me, &caller.actor) {
        tx.set_daily_digest(*user, on).await?;
    }
    tx.commit().await
}
