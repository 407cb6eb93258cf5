//! WhatsApp messages to guests through the restaurant's route: Meta's Cloud API (templates,
//! free text inside the 24-hour window) or GoHighLevel (contact, then text).

use super::*;

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

pub(super) async fn send_whatsapp(
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
    if kind == Kind::Reply {
        return send_reply(ctx, tx, job, m, &config, &to).await;
    }
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

/// The chat agent's answer to a guest's message: free text on either route (the guest's
/// message opened the 24-hour window). On GoHighLevel it goes to the contact the message came
/// from (`ghl:<contact>`), else to the guest's contact there, made once.
async fn send_reply(
    ctx: &JobContext,
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    config: &hs_store::whatsapp::WhatsAppConfig,
    to: &str,
) -> Result<()> {
    let text = m.params["text"].as_str().unwrap_or_default().to_string();
    if text.is_empty() {
        tx.message_ended(m.id, Delivery::Skipped, "empty answer")
            .await?;
        return Ok(());
    }
    if config.settings.route != "gohighlevel" {
        let body = hs_channels::whatsapp::text_message(to, &text, &m.id.to_string());
        let sent = ctx
            .whatsapp
            .send(
                &config.settings.phone_number_id,
                &config.access_token,
                &body,
            )
            .await;
        return record(tx, job, m, sent).await;
    }
    send_highlevel_text(ctx, tx, job, m, config, to, None, &text).await
}

/// Sends `text` on the GoHighLevel route to the guest's contact there: the contact the
/// guest's message came from (`to` is `ghl:<contact>`), the one remembered for the guest, or
/// one made now from the number and `name` (and remembered).
#[allow(clippy::too_many_arguments)]
async fn send_highlevel_text(
    ctx: &JobContext,
    tx: &mut TenantTx,
    job: &SendMessage,
    m: &Outgoing,
    config: &hs_store::whatsapp::WhatsAppConfig,
    to: &str,
    name: Option<&str>,
    text: &str,
) -> Result<()> {
    let known = match (to.strip_prefix("ghl:"), m.guest_id) {
        (Some(contact), _) => Some(contact.to_string()),
        (None, Some(g)) => tx.ghl_contact(g).await?,
        (None, None) => None,
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
                    name,
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
        .send_whatsapp(&config.ghl_token, &contact, text)
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
    send_highlevel_text(ctx, tx, job, m, config, to, p.name.as_deref(), &text).await
}
