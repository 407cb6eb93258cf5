//! A booking the guest already has: changed or cancelled only with its code plus the name or
//! phone it was booked under (the tools check both); the booking this conversation made is
//! known without its code; a lost code is never looked up by name (anyone can type a name).

use super::*;
use hs_domain::chat::Heard;

/// Whether the guest speaks of a booking they already have ("meine Reservierung", "my
/// booking").
fn own_booking(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "meine reservierung",
        "meine buchung",
        "unsere reservierung",
        "unsere buchung",
        "meinen tisch",
        "unseren tisch",
        "my reservation",
        "my booking",
        "our reservation",
        "our booking",
        "my table",
        "our table",
    ]
    .iter()
    .any(|k| l.contains(k))
}

/// Whether the guest asks about a booking made before ("I booked a table but forgot the
/// time, can you check?", "Wann ist meine Reservierung?"), not for a new one.
pub(super) fn asks_about_own_booking(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "i booked",
        "we booked",
        "i made a booking",
        "i made a reservation",
        "i have a booking",
        "i have a reservation",
        "we have a booking",
        "we have a reservation",
        "ich habe reserviert",
        "ich hab reserviert",
        "wir haben reserviert",
        "ich habe gebucht",
        "wir haben gebucht",
        "ich habe eine reservierung",
        "wir haben eine reservierung",
    ]
    .iter()
    .any(|k| l.contains(k))
        || own_booking(text)
            && ["when", "what time", "wann", "uhrzeit", "check", "details"]
                .iter()
                .any(|k| l.contains(k))
}

/// The answer to a question about a booking made before: where its details are, and that
/// its code opens it for a change or cancellation (never looked up by name).
pub(super) async fn own_booking_reply(
    tx: &mut TenantTx,
    c: &Conversation,
) -> Result<Reply, StoreError> {
    let team = team_line(
        tx,
        c,
        " Bei Fragen hilft Ihnen das Team gern:",
        " The team will gladly help with any question:",
    )
    .await?;
    Ok(reply(t(
        c,
        &format!("Die Details Ihrer Reservierung stehen in Ihrer Bestätigung per E-Mail oder WhatsApp. Möchten Sie sie ändern oder stornieren, nennen Sie mir bitte Ihre Buchungsnummer.{team}"),
        &format!("Your booking's details are in your confirmation by email or WhatsApp. If you'd like to change or cancel it, please tell me your booking code.{team}"),
    )))
}

/// " The team will gladly help: +49 …." after a reply, in the conversation's language;
/// nothing when the restaurant has no phone.
async fn team_line(
    tx: &mut TenantTx,
    c: &Conversation,
    de: &str,
    en: &str,
) -> Result<String, StoreError> {
    let phone = tx.reservation_settings().await?.phone;
    Ok(if phone.is_empty() {
        String::new()
    } else {
        t(c, &format!("{de} {phone}."), &format!("{en} {phone}."))
    })
}

/// Whether the guest says they lost or forgot their booking code.
pub(super) fn lost_code(text: &str) -> bool {
    let l = text.to_lowercase();
    let code = [
        "code",
        "buchungsnummer",
        "reservierungsnummer",
        "bestätigung",
        "confirmation",
    ]
    .iter()
    .any(|k| l.contains(k));
    let lost = [
        "verloren",
        "vergessen",
        "weiß nicht",
        "weiss nicht",
        "finde",
        "lost",
        "forgot",
        "don't know",
        "dont know",
        "don't have",
        "can't find",
        "cannot find",
    ]
    .iter()
    .any(|k| l.contains(k));
    code && lost
}

/// "Ich habe meine Buchungsnummer verloren": where the code is, and the team's number.
pub(super) async fn lost_code_reply(
    tx: &mut TenantTx,
    c: &Conversation,
) -> Result<Reply, StoreError> {
    let team = team_line(
        tx,
        c,
        " Sonst hilft Ihnen das Team gern weiter:",
        " Otherwise the team will gladly help:",
    )
    .await?;
    Ok(reply(t(
        c,
        &format!("Ohne Buchungsnummer kann ich zum Schutz Ihrer Daten keine Reservierung heraussuchen. Sie steht in Ihrer Bestätigung per E-Mail oder WhatsApp.{team}"),
        &format!("To protect your data I can't look up a booking without its code. You'll find it in your confirmation by email or WhatsApp.{team}"),
    )))
}

/// Which booking a cancellation or change is about: "meine Reservierung ändern" starts a
/// change (its code is asked for); after booking here, "ich muss doch absagen" means that
/// booking; asked for the code, the guest's answer is the code, even one that is none of
/// ours (the tool then says it is unknown instead of the question coming again).
pub(super) fn which_booking(c: &mut Conversation, text: &str, cancel: bool, change: bool) {
    if change && own_booking(text) && c.mode != Mode::Changing {
        c.mode = Mode::Changing;
    }
    if (cancel || change) && c.code.is_none() {
        c.code = c.booked.last().cloned();
    }
    // "Buchungsnummer ABCDEF, Name Müller": the word after the cue is the code the guest
    // means, even one that is none of ours (then the tool says so).
    if (cancel || change || matches!(c.mode, Mode::Cancelling | Mode::Changing)) && c.code.is_none()
    {
        c.code = chat::code_after_cue(text);
    }
    if matches!(c.mode, Mode::Cancelling | Mode::Changing) && c.code.is_none() {
        let word = text.trim().trim_end_matches(['.', '!']);
        let w: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
        let plain = word.chars().all(|x| x.is_ascii_alphanumeric() || x == '-');
        let codeish = w.chars().any(|x| x.is_ascii_digit()) || w == w.to_uppercase();
        if plain && codeish && (4..=10).contains(&w.len()) {
            c.code = Some(w.to_uppercase());
        }
    }
}

/// The question still open before a booking can be looked up (its code, then the name it is
/// under), or `None` when both are known.
fn who(c: &mut Conversation, text: &str) -> Option<Reply> {
    if c.code.is_none() {
        return Some(reply(t(
            c,
            "Wie lautet Ihre Buchungsnummer?",
            "What is your booking code?",
        )));
    }
    if c.name.is_none() && c.phone.is_none() {
        match chat::bare_name(text) {
            Some(n) => c.name = Some(n),
            None => {
                return Some(reply(t(
                    c,
                    "Auf welchen Namen wurde reserviert?",
                    "What name is the booking under?",
                )))
            }
        }
    }
    None
}

/// A cancellation, once the code and the name or phone are known.
pub(super) async fn cancel(
    tx: &mut TenantTx,
    c: &mut Conversation,
    text: &str,
    ctx: &Context,
) -> Result<Reply, StoreError> {
    c.mode = Mode::Cancelling;
    if let Some(ask) = who(c, text) {
        return Ok(ask);
    }
    let a = run(tx, "cancel_reservation", &args(c), ctx).await?;
    if a.ok {
        c.mode = Mode::Idle;
        c.outcome = Some("cancelled".into());
    } else if a.data["field"] == json!("code") {
        // An unknown code: the next message is read as the code again.
        c.code = None;
    }
    Ok(reply(a.say))
}

/// A change of day, time or party size, once the code, the name or phone and the change
/// are known.
pub(super) async fn change(
    tx: &mut TenantTx,
    c: &mut Conversation,
    text: &str,
    heard: &Heard,
    ctx: &Context,
) -> Result<Reply, StoreError> {
    c.mode = Mode::Changing;
    if let Some(d) = heard.date {
        c.change.insert("date".into(), json!(d.to_string()));
    }
    if let Some(x) = heard.time {
        c.change
            .insert("time".into(), json!(x.format("%H:%M").to_string()));
    }
    if let Some(p) = heard.party {
        c.change.insert("party_size".into(), json!(p));
    }
    if let Some(ask) = who(c, text) {
        return Ok(ask);
    }
    if c.change.is_empty() {
        return Ok(reply(t(
            c,
            "Was möchten Sie ändern: Tag, Uhrzeit oder Personenzahl?",
            "What would you like to change: the day, the time or the number of people?",
        )));
    }
    let mut a_ = json!({"code": c.code, "name": c.name, "phone": c.phone, "language": lang_of(c)});
    for (k, v) in &c.change {
        a_[k] = v.clone();
    }
    let a = run(tx, "change_reservation", &a_, ctx).await?;
    if a.ok {
        c.mode = Mode::Idle;
        c.change.clear();
        c.outcome = Some("changed".into());
    } else if a.data["field"] == json!("code") {
        c.code = None;
    }
    Ok(Reply {
        choices: choices_of(&a),
        ..reply(a.say)
    })
}
