//! Messages to guests: the texts (German and English, MiniJinja templates for the text and HTML
//! parts), the calendar file, and the two jobs, [`SendMessage`] (render once, send through the
//! mailer, record the provider's answer; temporary errors are tried again after the provider's
//! `Retry-After` or a backoff, permanent ones end `failed` with the provider's reason) and
//! [`Reminder`] (writes the reminder if the reservation still starts then). Which message
//! follows which change is `hs_domain::message`; the store writes them in the change's
//! transaction. Also the team's use cases: a reservation's message history, send again, the
//! message settings, and delivery reports from Resend's webhook.

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

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    for (name, source) in [
        ("guest.txt", include_str!("../templates/guest.txt")),
        ("guest.html", include_str!("../templates/guest.html")),
    ] {
        // The templates are part of the build; a broken one fails the unit tests.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(error = %e, name, "guest mail template does not parse");
        }
    }
    env
});

/// (kind, German subject, English subject, German intro, English intro). `{r}` is the
/// restaurant, `{date}` the day.
const TEXTS: &[(Kind, &str, &str, &str, &str)] = &[
    (
        Kind::Confirmation,
        "Ihre Reservierung bei {r} am {date}",
        "Your reservation at {r} on {date}",
        "vielen Dank für Ihre Reservierung. Wir freuen uns auf Sie!",
        "thank you for your reservation. We look forward to seeing you!",
    ),
    (
        Kind::Pending,
        "Ihre Anfrage bei {r}: wir melden uns",
        "Your request at {r}: we will confirm shortly",
        "vielen Dank für Ihre Anfrage. Reservierungen für Gruppen dieser Größe bestätigen wir persönlich; Sie hören in Kürze von uns.",
        "thank you for your request. We confirm reservations for groups of this size personally; you will hear from us shortly.",
    ),
    (
        Kind::Approved,
        "Bestätigt: Ihre Reservierung bei {r} am {date}",
        "Confirmed: your reservation at {r} on {date}",
        "gute Nachricht: Ihre Reservierung ist bestätigt. Wir freuen uns auf Sie!",
        "good news: your reservation is confirmed. We look forward to seeing you!",
    ),
    (
        Kind::Declined,
        "Ihre Anfrage bei {r} am {date}",
        "Your request at {r} on {date}",
        "leider können wir Ihre Anfrage zu diesem Termin nicht annehmen. Rufen Sie uns gern an, dann finden wir gemeinsam eine andere Zeit.",
        "we are sorry, but we cannot accept your request for this time. Call us and we will find another time together.",
    ),
    (
        Kind::Changed,
        "Geändert: Ihre Reservierung bei {r} am {date}",
        "Changed: your reservation at {r} on {date}",
        "Ihre Reservierung wurde geändert. So sieht sie jetzt aus:",
        "your reservation has been changed. This is how it stands now:",
    ),
    (
        Kind::Cancelled,
        "Storniert: Ihre Reservierung bei {r} am {date}",
        "Cancelled: your reservation at {r} on {date}",
        "Ihre Reservierung wurde storniert.",
        "your reservation has been cancelled.",
    ),
    (
        Kind::Reminder,
        "Erinnerung: Ihre Reservierung bei {r} am {date}",
        "Reminder: your reservation at {r} on {date}",
        "wir freuen uns auf Ihren Besuch und erinnern Sie gern an Ihre Reservierung:",
        "we look forward to your visit. A reminder of your reservation:",
    ),
];

/// The cancellation a guest asked for themselves.
const CANCELLED_BY_GUEST: (&str, &str) = (
    "wie gewünscht haben wir Ihre Reservierung storniert. Schade, dass es nicht klappt; wir freuen uns auf ein anderes Mal.",
    "as you asked, we have cancelled your reservation. We hope to welcome you another time.",
);

/// Labels of the message layout: (key, German, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("when", "Wann", "When"),
    ("party", "Personen", "Guests"),
    ("code", "Buchungscode", "Booking code"),
    ("where", "Wo", "Where"),
    (
        "manage",
        "Reservierung ansehen, ändern oder stornieren",
        "View, change or cancel your reservation",
    ),
    (
        "manage_button",
        "Reservierung verwalten",
        "Manage reservation",
    ),
    (
        "calendar",
        "Der Termin liegt als Kalenderdatei bei.",
        "The calendar file for your visit is attached.",
    ),
    (
        "questions",
        "Fragen? Rufen Sie uns an:",
        "Questions? Call us:",
    ),
];

/// A rendered message.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a message says, apart from its wording.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub kind: Kind,
    pub lang: &'a str,
    pub name: Option<&'a str>,
    pub restaurant: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub party: i64,
    pub code: &'a str,
    pub by_guest: bool,
    pub paragraph: &'a str,
    pub link: Option<&'a str>,
    pub calendar: bool,
}

/// Renders a guest message in its language (German unless English).
pub fn render(f: &Facts<'_>) -> Result<Rendered> {
    let en = f.lang == "en";
    let lang = if en { "en" } else { "de" };
    let (_, subject_de, subject_en, intro_de, intro_en) = TEXTS
        .iter()
        .find(|(k, ..)| *k == f.kind)
        .ok_or_else(|| anyhow!("no guest text for {:?}", f.kind))?;
    let date_words = say::long_date(f.date, lang);
    let subject = if en { subject_en } else { subject_de }
        .replace("{r}", f.restaurant)
        .replace("{date}", &say::day(f.date, lang));
    let intro = match (f.kind, f.by_guest) {
        (Kind::Cancelled, true) => {
            if en {
                CANCELLED_BY_GUEST.1
            } else {
                CANCELLED_BY_GUEST.0
            }
        }
        _ => {
            if en {
                intro_en
            } else {
                intro_de
            }
        }
    };
    let when = if en {
        format!("{date_words} at {}", say::time(f.time, lang))
    } else {
        format!("{date_words} um {}", say::time(f.time, lang))
    };
    let hello = match (f.name.map(str::trim).filter(|n| !n.is_empty()), en) {
        (Some(n), true) => format!("Dear {n},"),
        (Some(n), false) => format!("Guten Tag {n},"),
        (None, true) => "Hello,".to_string(),
        (None, false) => "Guten Tag,".to_string(),
    };
    let signature = if en {
        format!("The team of {}", f.restaurant)
    } else {
        format!("Ihr Team von {}", f.restaurant)
    };
    let mut t: std::collections::BTreeMap<&str, String> = LABELS
        .iter()
        .map(|(k, de, en_)| (*k, if en { en_ } else { de }.to_string()))
        .collect();
    t.insert("hello", hello);
    t.insert("signature", signature);
    let phone_link: String = f
        .phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let ctx = context! {
        lang, subject, t, intro,
        when, party => f.party, code => f.code,
        restaurant => f.restaurant, address => f.address,
        phone => f.phone, phone_link,
        paragraph => f.paragraph, link => f.link, calendar => f.calendar,
    };
    let text = TEMPLATES.get_template("guest.txt")?.render(&ctx)?;
    let html = TEMPLATES.get_template("guest.html")?.render(&ctx)?;
    Ok(Rendered {
        subject,
        text: text.replace("\n\n\n", "\n\n"),
        html,
    })
}

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

/// The link to the guest's self-service page.
pub fn self_service_url(public_url: &str, restaurant_id: Uuid, token: &str) -> String {
    format!(
        "{}/r/{restaurant_id}/{token}",
        public_url.trim_end_matches('/')
    )
}

/// The calendar file of a reservation message.
fn calendar(
    m: &Outgoing,
    p: &Params,
    kind: Kind,
    restaurant: &str,
    address: &str,
    organizer: &str,
    host: &str,
) -> Option<Attachment> {
    let method = match kind.calendar()? {
        Calendar::Request => ics::Method::Request,
        Calendar::Cancel => ics::Method::Cancel,
    };
    let uid = format!("{}@{host}", m.reservation_id?);
    let summary = format!("{restaurant} ({} P.)", p.party);
    let description = format!(
        "{} {}",
        if m.language == "en" {
            "Booking code"
        } else {
            "Buchungscode"
        },
        p.code
    );
    let file = ics::render(&ics::Event {
        uid: &uid,
        sequence: p.sequence,
        method,
        stamp: m.created_at,
        start: p.starts_at,
        end: p.ends_at,
        summary: &summary,
        location: address,
        description: &description,
        organizer_name: restaurant,
        organizer_email: organizer,
        attendee_email: m.to_address.as_deref(),
    });
    Some(Attachment {
        filename: if m.language == "en" {
            "reservation.ics"
        } else {
            "reservierung.ics"
        }
        .into(),
        content_type: ics::content_type(method).into(),
        content: file.into_bytes(),
    })
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
    let address = [
        settings.street.trim(),
        &format!("{} {}", settings.postcode.trim(), settings.city.trim()),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let host = ctx
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or("hostsystem.local")
        .split(['/', ':'])
        .next()
        .unwrap_or("hostsystem.local")
        .to_string();
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
    let organizer = if settings.email.is_empty() {
        format!("noreply@{host}")
    } else {
        settings.email.clone()
    };
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

/// The transcript of a conversation as an email: each line with its local time and who
/// spoke (the guest, the restaurant's assistant, the team).
pub fn transcript(
    lang: &str,
    to: &str,
    restaurant: &str,
    params: &Value,
    tz: chrono_tz::Tz,
) -> Email {
    let en = lang == "en";
    let mut body = if en {
        format!("Hello,\n\nhere is your conversation with {restaurant}, as you asked.\n\n")
    } else {
        format!("Guten Tag,\n\nwie gewünscht hier Ihr Gespräch mit {restaurant}.\n\n")
    };
    for line in params["lines"].as_array().into_iter().flatten() {
        let at = line["at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&tz).format("%d.%m. %H:%M").to_string())
            .unwrap_or_default();
        let who = match (line["who"].as_str(), en) {
            (Some("guest"), true) => "You".to_string(),
            (Some("guest"), false) => "Sie".to_string(),
            (Some("team"), _) => restaurant.to_string(),
            (_, true) => format!("{restaurant} (assistant)"),
            (_, false) => format!("{restaurant} (Assistent)"),
        };
        body.push_str(&format!(
            "{at}  {who}: {}\n",
            line["text"].as_str().unwrap_or("")
        ));
    }
    body.push_str(if en {
        "\nThe team of "
    } else {
        "\nIhr Team von "
    });
    body.push_str(restaurant);
    body.push('\n');
    let subject = if en {
        format!("Your conversation with {restaurant}")
    } else {
        format!("Ihr Gespräch mit {restaurant}")
    };
    Email::plain(to, subject, body)
}

/// The parameters of every WhatsApp template, in this order (`{{1}}` … `{{7}}`): guest's
/// name, date in words, time, party size, booking code, restaurant, self-service link.
pub const WHATSAPP_PARAMETERS: [&str; 7] = [
    "name",
    "date",
    "time",
    "party",
    "code",
    "restaurant",
    "link",
];

async fn send_whatsapp(
    ctx: &JobContext,
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    kind: Kind,
) -> Result<()> {
    let Some(config) = tx.whatsapp_config().await? else {
        tx.message_ended(m.id, Delivery::Skipped, "WhatsApp is not set up")
            .await?;
        return Ok(());
    };
    let Some(to) = m.to_address.clone() else {
        tx.message_ended(m.id, Delivery::Skipped, "no phone number")
            .await?;
        return Ok(());
    };
    let p = params(&m.params)?;
    let lang = if m.language == "en" { "en" } else { "de" };
    let restaurant = tx.restaurant().await?;
    let link = match (kind.carries_link(), m.reservation_id) {
        (true, Some(rid)) => {
            let token = tx.guest_link(m.id, rid, p.ends_at).await?;
            self_service_url(&ctx.public_url, restaurant.id, &token)
        }
        _ => String::new(),
    };
    if config.settings.route == "gohighlevel" {
        return send_highlevel(ctx, tx, job, m, kind, &config, &to, &p, &link).await;
    }
    let body = match m.params["template"].as_str() {
        Some(template) => {
            let Some(name) = config
                .settings
                .templates
                .get(template)
                .filter(|n| !n.is_empty())
            else {
                let reason = format!("no WhatsApp template is named for {template}");
                tx.message_ended(m.id, Delivery::Skipped, &reason).await?;
                return Ok(());
            };
            let code = config
                .settings
                .languages
                .get(lang)
                .cloned()
                .unwrap_or_else(|| lang.to_string());
            let values = [
                p.name.clone().unwrap_or_default(),
                say::long_date(p.date, lang),
                say::time(p.time, lang),
                p.party.to_string(),
                p.code.clone(),
                restaurant.name.clone(),
                link,
            ];
            hs_channels::whatsapp::template_message(&to, name, &code, &values, &m.id.to_string())
        }
        None => {
            let text = chat_text(tx, kind, lang, &p, &link).await?;
            hs_channels::whatsapp::text_message(&to, &text, &m.id.to_string())
        }
    };
    let sent = ctx
        .whatsapp
        .send(
            &config.settings.phone_number_id,
            &config.access_token,
            &body,
        )
        .await;
    record(tx, job, m, sent).await
}

/// A message's text for a chat channel (WhatsApp): the email's text part, without address
/// or calendar note.
async fn chat_text(
    tx: &mut TenantTx,
    kind: Kind,
    lang: &str,
    p: &Params,
    link: &str,
) -> Result<String> {
    let restaurant = tx.restaurant().await?.name;
    let phone = tx.reservation_settings().await?.phone;
    Ok(render(&Facts {
        kind,
        lang,
        name: p.name.as_deref(),
        restaurant: &restaurant,
        address: "",
        phone: &phone,
        date: p.date,
        time: p.time,
        party: p.party,
        code: &p.code,
        by_guest: p.by_guest,
        paragraph: "",
        link: (!link.is_empty()).then_some(link),
        calendar: false,
    })?
    .text)
}

/// The GoHighLevel route: the guest's contact there (made once, remembered), then the text.
#[allow(clippy::too_many_arguments)]
async fn send_highlevel(
    ctx: &JobContext,
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    kind: Kind,
    config: &hs_store::whatsapp::WhatsAppConfig,
    to: &str,
    p: &Params,
    link: &str,
) -> Result<()> {
    let lang = if m.language == "en" { "en" } else { "de" };
    let text = chat_text(tx, kind, lang, p, link).await?;
    let known = match m.guest_id {
        Some(g) => tx.ghl_contact(g).await?,
        None => None,
    };
    let contact = match known {
        Some(c) => c,
        None => {
            let made = ctx
                .highlevel
                .upsert_contact(
                    &config.ghl_token,
                    &config.settings.ghl_location_id,
                    to,
                    p.name.as_deref(),
                )
                .await;
            match made {
                Ok(c) => {
                    if let Some(g) = m.guest_id {
                        tx.set_ghl_contact(g, &c).await?;
                    }
                    c
                }
                Err(e) => return record(tx, job, m, Err(e)).await,
            }
        }
    };
    let sent = ctx
        .highlevel
        .send_whatsapp(&config.ghl_token, &contact, &text)
        .await;
    record(tx, job, m, sent).await
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

/// Why a webhook delivery was refused.
#[derive(Debug)]
pub enum Refused {
    /// No secret to check it with: the hook is not set up (404).
    NotConfigured,
    /// A missing, wrong or stale signature (401), nothing stored.
    Unauthorized,
    NotJson(String),
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

/// What an event reports, or `None` for events that change no message.
pub fn resend_report(event: &Value, received: DateTime<Utc>) -> Option<Report> {
    let data = &event["data"];
    let at = event["created_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(received, |t| t.with_timezone(&Utc));
    let text = |v: &Value| v.as_str().map(|s| s.chars().take(500).collect::<String>());
    let (to, reason, hard_bounce) = match event["type"].as_str()? {
        "email.delivered" => (Delivery::Delivered, None, false),
        "email.opened" => (Delivery::Read, None, false),
        "email.bounced" => {
            let bounce = &data["bounce"];
            let permanent = bounce["type"]
                .as_str()
                .is_none_or(|t| t.eq_ignore_ascii_case("permanent"));
            let reason = text(&bounce["message"]).or_else(|| Some("bounced".into()));
            (Delivery::Bounced, reason, permanent)
        }
        "email.complained" => (
            Delivery::Bounced,
            Some("the guest marked the message as spam".into()),
            true,
        ),
        "email.failed" => (
            Delivery::Failed,
            text(&data["failed"]["reason"]).or_else(|| Some("failed".into())),
            false,
        ),
        _ => return None,
    };
    Some(Report {
        to,
        reason,
        hard_bounce,
        at,
    })
}

/// Resend's delivery webhook: the platform's (`restaurant` `None`, checked with
/// `platform_secret`) or a restaurant's own account (checked with that restaurant's secret and
/// moving only its messages). The signature is checked before anything is parsed; the event
/// is applied once per `svix-id`. Returns whether a message changed.
pub async fn receive_resend(
    svc: &Services,
    restaurant: Option<Uuid>,
    platform_secret: Option<&str>,
    signed: hs_channels::signature::SvixHeaders<'_>,
    body: &[u8],
) -> Result<bool, Refused> {
    let secret = match restaurant {
        None => platform_secret.map(str::to_string),
        Some(rid) => {
            let mut tx = svc.store.tenant(rid, &hs_store::Actor::System).await?;
            tx.mail_config().await?.and_then(|c| c.webhook_secret)
        }
    };
    let Some(secret) = secret else {
        return Err(Refused::NotConfigured);
    };
    // Freshness is about real network time: the wall clock, not the store's clock.
    if let Err(e) =
        hs_channels::signature::verify_svix(&secret, signed, body, Utc::now().timestamp())
    {
        tracing::warn!(error = %e, "Resend webhook refused");
        return Err(Refused::Unauthorized);
    }
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Refused::NotJson(e.to_string()))?;
    let (Some(report), Some(email_id)) = (
        resend_report(&event, svc.clock().now()),
        event["data"]["email_id"].as_str(),
    ) else {
        return Ok(false);
    };
    let event_id = signed.id.unwrap_or_default();
    Ok(apply_report(svc, restaurant, "resend", event_id, email_id, &report).await?)
}

/// Applies a provider's delivery report about its message `provider_message_id`, once per
/// `event_id`. `false` when the message is not ours or the event was seen before.
async fn apply_report(
    svc: &Services,
    only: Option<Uuid>,
    provider: &str,
    event_id: &str,
    provider_message_id: &str,
    report: &Report,
) -> Result<bool, StoreError> {
    let Some((rid, message)) = svc
        .store
        .message_by_provider_id(provider, provider_message_id)
        .await?
        .filter(|(rid, _)| only.is_none_or(|o| o == *rid))
    else {
        return Ok(false);
    };
    let mut tx = svc.store.tenant(rid, &hs_store::Actor::System).await?;
    if !tx.first_webhook_event(provider, event_id).await? {
        return Ok(false);
    }
    let changed = tx.message_report(message, report).await?;
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .expect("t")
            .with_timezone(&Utc)
    }

    #[test]
    fn resend_events_map_to_delivery_reports() {
        let bounced = json!({
            "type": "email.bounced", "created_at": "2026-11-24T12:01:00.000Z",
            "data": {"email_id": "e1", "bounce": {"type": "Permanent", "subType": "Suppressed", "message": "mailbox does not exist"}}
        });
        let r = resend_report(&bounced, now()).expect("report");
        assert_eq!(r.to, Delivery::Bounced);
        assert!(r.hard_bounce);
        assert_eq!(r.reason.as_deref(), Some("mailbox does not exist"));
        assert_eq!(r.at.to_rfc3339(), "2026-11-24T12:01:00+00:00");
        let soft = json!({"type": "email.bounced", "data": {"email_id": "e1", "bounce": {"type": "Transient"}}});
        assert!(!resend_report(&soft, now()).expect("r").hard_bounce);
        let delivered = json!({"type": "email.delivered", "data": {"email_id": "e1"}});
        assert_eq!(
            resend_report(&delivered, now()).expect("r").to,
            Delivery::Delivered
        );
        assert_eq!(
            resend_report(&delivered, now()).expect("r").at,
            now(),
            "no created_at: received"
        );
        assert!(resend_report(&json!({"type": "email.clicked"}), now()).is_none());
        assert!(resend_report(&json!({"nothing": 1}), now()).is_none());
    }

    fn facts(kind: Kind, lang: &str) -> Facts<'static> {
        Facts {
            kind,
            lang: if lang == "en" { "en" } else { "de" },
            name: Some("Anna <Müller>"),
            restaurant: "Trattoria Demo",
            address: "Seestraße 1, 10115 Berlin",
            phone: "+49 30 1234567",
            date: NaiveDate::from_ymd_opt(2026, 11, 27).expect("d"),
            time: NaiveTime::from_hms_opt(19, 30, 0).expect("t"),
            party: 4,
            code: "ABC234",
            by_guest: false,
            paragraph: "",
            link: Some("https://h.example/r/1/tok"),
            calendar: true,
        }
    }

    #[test]
    fn every_guest_kind_has_texts_in_both_languages() {
        for k in Kind::ABOUT_RESERVATIONS {
            for lang in ["de", "en"] {
                let r = render(&facts(k, lang)).expect("renders");
                assert!(
                    r.subject.contains("Trattoria Demo"),
                    "{k:?} {lang}: {}",
                    r.subject
                );
                assert!(!r.text.contains("{{") && !r.html.contains("{{"));
            }
        }
    }

    #[test]
    fn a_confirmation_says_when_in_words_with_code_link_and_phone() {
        let r = render(&facts(Kind::Confirmation, "de")).expect("renders");
        assert_eq!(
            r.subject,
            "Ihre Reservierung bei Trattoria Demo am Freitag, 27. November"
        );
        assert!(
            r.text.starts_with("Guten Tag Anna <Müller>,\n"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("Wann: Freitag, 27. November 2026 um 19:30 Uhr"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Personen: 4") && r.text.contains("Buchungscode: ABC234"));
        assert!(r.text.contains("https://h.example/r/1/tok"));
        assert!(r.text.contains("+49 30 1234567"));
        assert!(
            r.html.contains("Anna &lt;Müller&gt;"),
            "HTML escapes the guest's name"
        );
        assert!(r.html.contains("href=\"tel:+49301234567\""));
        let en = render(&facts(Kind::Reminder, "en")).expect("renders");
        assert!(
            en.text
                .contains("When: Friday, 27 November 2026 at 7:30 pm"),
            "{}",
            en.text
        );
        assert!(en.text.starts_with("Dear Anna <Müller>,"));
    }

    #[test]
    fn the_restaurants_paragraph_and_who_cancelled_shape_the_text() {
        let mut f = facts(Kind::Cancelled, "de");
        f.by_guest = true;
        f.link = None;
        f.paragraph = "Parken im Hof.";
        let r = render(&f).expect("renders");
        assert!(r
            .text
            .contains("wie gewünscht haben wir Ihre Reservierung storniert"));
        assert!(r.text.contains("\nParken im Hof.\n"));
        assert!(!r.text.contains("verwalten") && !r.html.contains("Reservierung verwalten"));
        f.by_guest = false;
        assert!(render(&f)
            .expect("r")
            .text
            .contains("Ihre Reservierung wurde storniert."));
    }
}
