//! The tools that book and change: create, find (own reservations only), change, cancel, and
//! handing the call over to the team.

use super::*;
use crate::speech::*;

pub(crate) async fn create_reservation(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let (w, _) = match when(tx, a, lang, true).await? {
        Ok(x) => x,
        Err(ask) => return Ok(ask),
    };
    let Some(time) = w.time else {
        return Ok(ask_for("time", "time_missing", lang));
    };
    let name = a
        .text("name")
        .or_else(|| a.text("guest_name"))
        .unwrap_or_default();
    if name.trim().is_empty() {
        return Ok(guest_field_question("name", lang));
    }
    let phone = a.text("phone").or_else(|| ctx.caller.clone());
    let req = NewReservation {
        date: w.date,
        time,
        party_size: w.party,
        guest: GuestInput {
            name,
            phone,
            email: a.text("email"),
            language: Some(
                a.text("language")
                    .filter(|l| l == "de" || l == "en")
                    .unwrap_or_else(|| ctx.language.clone()),
            ),
            salutation: None,
            // The agent asked whether the guest wants WhatsApp messages.
            whatsapp_opt_in: Some(a.yes("whatsapp_opt_in")),
        },
        notes: a.text("notes").unwrap_or_default(),
        special_notes: a.text("special_notes"),
        channel: ctx.channel,
        tables: None,
    };
    match tx.create_reservation(&req).await {
        Ok(Ok(r)) => {
            let what = describe(&r, lang);
            let say = if r.status == Status::Pending {
                in_language(
                    lang,
                    &format!("Ich habe Ihre Anfrage {what} aufgenommen. Bei dieser Gruppengröße bestätigt das Team die Reservierung und meldet sich bei Ihnen. Ihre Buchungsnummer ist {}.", say::spell(&r.code)),
                    &format!("I have taken your request {what}. For a group this size the team confirms the booking and will get back to you. Your booking code is {}.", say::spell(&r.code)),
                )
            } else {
                in_language(
                    lang,
                    &format!(
                        "Ich habe für Sie reserviert: {what}. Ihre Buchungsnummer ist {}.",
                        say::spell(&r.code)
                    ),
                    &format!(
                        "You're booked {what}. Your booking code is {}.",
                        say::spell(&r.code)
                    ),
                )
            };
            let id = r.id;
            Ok(Answer::done(
                say,
                reservation_data(&r),
                Outcome::Booked,
                Some(id),
            ))
        }
        Ok(Err(rej)) => Ok(unavailable(&rej.reason, &rej.alternatives, &w, lang)),
        Err(StoreError::Invalid { field, .. }) => Ok(guest_field_question(&field, lang)),
        Err(e) => Err(e),
    }
}

/// The reservation named by `code`, if the caller may act on it: the caller's number is the
/// guest's, or the name given matches the name it was booked under.
pub(crate) async fn own_reservation(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Result<Reservation, Answer>, StoreError> {
    let lang = ctx.language.as_str();
    let Some(code) = a.text("code").or_else(|| a.text("booking_code")) else {
        return Ok(Err(Answer::ask(
            "code_missing",
            in_language(
                lang,
                "Wie lautet Ihre Buchungsnummer?",
                "What is your booking code?",
            ),
            json!({"field": "code"}),
        )));
    };
    let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let r = match tx.reservation_by_code(&code, false).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Ok(Err(Answer::ask(
                "not_found",
                in_language(lang, "Unter dieser Buchungsnummer finde ich keine Reservierung. Können Sie sie bitte noch einmal nennen?", "I can't find a booking with that code. Could you repeat it?"),
                json!({"field": "code"}),
            )))
        }
        Err(e) => return Err(e),
    };
    let country = tx.reservation_settings().await?.country;
    let guest_phone = r.guest.as_ref().and_then(|g| g.phone.clone());
    let caller = a
        .text("phone")
        .or_else(|| ctx.caller.clone())
        .and_then(|p| validate::phone_e164(&p, &country).ok());
    let by_phone = guest_phone.is_some() && caller == guest_phone;
    let by_name = match (a.text("name"), r.guest.as_ref()) {
        (Some(given), Some(g)) => {
            let booked = g.name.to_lowercase();
            given
                .to_lowercase()
                .split_whitespace()
                .any(|w| w.chars().count() >= 2 && booked.split_whitespace().any(|b| b == w))
        }
        _ => false,
    };
    if !(by_phone || by_name) {
        return Ok(Err(Answer::ask(
            "name_needed",
            in_language(
                lang,
                "Auf welchen Namen wurde die Reservierung gemacht?",
                "What name is the booking under?",
            ),
            json!({"field": "name"}),
        )));
    }
    Ok(Ok(r))
}

pub(crate) async fn find_reservation(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    if a.text("code").is_none() && a.text("booking_code").is_none() {
        // Without a code: the bookings of the number calling (or the one spoken).
        let country = tx.reservation_settings().await?.country;
        let phone = a
            .text("phone")
            .or_else(|| ctx.caller.clone())
            .and_then(|p| validate::phone_e164(&p, &country).ok());
        let Some(phone) = phone else {
            return Ok(Answer::ask(
                "code_missing",
                in_language(
                    lang,
                    "Wie lautet Ihre Buchungsnummer?",
                    "What is your booking code?",
                ),
                json!({"field": "code"}),
            ));
        };
        let list = tx.upcoming_for_phone(&phone).await?;
        return Ok(match list.as_slice() {
            [] => Answer::ask("not_found", in_language(lang, "Unter Ihrer Nummer finde ich keine anstehende Reservierung. Haben Sie eine Buchungsnummer?", "I can't find an upcoming booking for your number. Do you have a booking code?"), json!({"field": "code"})),
            [r] => Answer::done(
                in_language(lang, &format!("Ich sehe Ihre Reservierung {}.", describe(r, lang)), &format!("I can see your booking {}.", describe(r, lang))),
                json!({"reservations": [reservation_data(r)]}),
                Outcome::Informed,
                Some(r.id),
            ),
            many => Answer::done(
                in_language(lang, &format!("Ich sehe {} Reservierungen; die nächste ist {}.", many.len(), describe(&many[0], lang)), &format!("I can see {} bookings; the next one is {}.", many.len(), describe(&many[0], lang))),
                json!({"reservations": many.iter().map(reservation_data).collect::<Vec<_>>()}),
                Outcome::Informed,
                None,
            ),
        });
    }
    let r = match own_reservation(tx, a, ctx).await? {
        Ok(r) => r,
        Err(ask) => return Ok(ask),
    };
    let state = match r.status {
        Status::Cancelled => in_language(lang, " Sie ist storniert.", " It is cancelled."),
        Status::Pending => in_language(
            lang,
            " Sie wartet noch auf die Bestätigung durch das Team.",
            " It is waiting for the team to confirm it.",
        ),
        _ => String::new(),
    };
    Ok(Answer::done(
        in_language(
            lang,
            &format!("Ich sehe Ihre Reservierung {}.{state}", describe(&r, lang)),
            &format!("I can see your booking {}.{state}", describe(&r, lang)),
        ),
        json!({"reservations": [reservation_data(&r)]}),
        Outcome::Informed,
        Some(r.id),
    ))
}

pub(crate) async fn change_reservation(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let r = match own_reservation(tx, a, ctx).await? {
        Ok(r) => r,
        Err(ask) => return Ok(ask),
    };
    let today = tx.now_local_date().await?;
    let date = match a.date("date", today) {
        Parsed::Value(d) => Some(d),
        Parsed::Missing => None,
        _ => {
            return Ok(Answer::ask(
                "date_unclear",
                in_language(
                    lang,
                    "Auf welchen Tag möchten Sie verschieben?",
                    "Which day would you like to move it to?",
                ),
                json!({"field": "date"}),
            ))
        }
    };
    let party = match party_arg(a, lang) {
        Ok(p) => p,
        Err(ask) => return Ok(ask),
    };
    let target = date.unwrap_or(r.date);
    let snap = tx.snapshot(target).await?;
    let time = match time_arg(a, &snap, target, lang) {
        Ok(x) => x,
        Err(ask) => return Ok(ask),
    };
    if date.is_none() && time.is_none() && party.is_none() {
        return Ok(Answer::ask(
            "nothing_to_change",
            in_language(
                lang,
                "Was möchten Sie ändern: den Tag, die Uhrzeit oder die Personenzahl?",
                "What would you like to change: the day, the time or the number of people?",
            ),
            json!({}),
        ));
    }
    let change = Change {
        date,
        time,
        party_size: party,
        notes: None,
        tables: None,
    };
    match tx.change_reservation(r.id, &change).await {
        Ok(Ok(new)) => Ok(Answer::done(
            in_language(lang, &format!("Erledigt: Ihre Reservierung ist jetzt {}.", describe(&new, lang)), &format!("Done: your booking is now {}.", describe(&new, lang))),
            reservation_data(&new),
            Outcome::Changed,
            Some(new.id),
        )),
        Ok(Err(rej)) => {
            let w = When { date: target, time, party: party.unwrap_or(r.party_size as u32) };
            Ok(unavailable(&rej.reason, &rej.alternatives, &w, lang))
        }
        Err(StoreError::Conflict { .. }) => Ok(Answer::ask("not_changeable", in_language(lang, "Diese Reservierung kann ich leider nicht mehr ändern. Soll ich Sie mit dem Team verbinden?", "I can't change that booking any more. Shall I pass you on to the team?"), json!({}))),
        Err(e) => Err(e),
    }
}

pub(crate) async fn cancel_reservation(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let r = match own_reservation(tx, a, ctx).await? {
        Ok(r) => r,
        Err(ask) => return Ok(ask),
    };
    if r.status == Status::Cancelled {
        return Ok(Answer::done(
            in_language(
                lang,
                "Diese Reservierung ist bereits storniert.",
                "That booking is already cancelled.",
            ),
            reservation_data(&r),
            Outcome::Informed,
            Some(r.id),
        ));
    }
    match tx.transition(r.id, Status::Cancelled).await {
        Ok(done) => Ok(Answer::done(
            in_language(lang, &format!("Ich habe Ihre Reservierung {} storniert.", describe(&done, lang)), &format!("I have cancelled your booking {}.", describe(&done, lang))),
            reservation_data(&done),
            Outcome::Cancelled,
            Some(done.id),
        )),
        Err(StoreError::Conflict { .. }) => Ok(Answer::ask("not_cancellable", in_language(lang, "Diese Reservierung kann ich nicht mehr stornieren. Soll ich Sie mit dem Team verbinden?", "I can't cancel that booking any more. Shall I pass you on to the team?"), json!({}))),
        Err(e) => Err(e),
    }
}

pub(crate) async fn hand_over(
    tx: &mut TenantTx,
    a: &Args,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let settings = tx.reservation_settings().await?;
    let reason = a.text("reason").unwrap_or_default();
    let callback = a.text("phone").or_else(|| ctx.caller.clone());
    // In the website chat and on WhatsApp the team answers in the same conversation, from the
    // inbox; the phone number is for what cannot wait.
    let inbox = matches!(ctx.channel, Channel::Chat | Channel::Whatsapp);
    let say = match &callback {
        _ if inbox => {
            let mut say = in_language(
                lang,
                "Ich habe das Team gebeten zu übernehmen; eine Person aus dem Team antwortet Ihnen hier, sobald sie frei ist.",
                "I've asked the team to take over; a person from the team will answer you here as soon as they can.",
            );
            if !settings.phone.is_empty() {
                say.push(' ');
                say.push_str(&in_language(
                    lang,
                    &format!("Wenn es eilt: {}.", settings.phone),
                    &format!("If it's urgent: {}.", settings.phone),
                ));
            }
            say
        }
        Some(_) => in_language(
            lang,
            "Ich gebe Ihr Anliegen an das Team weiter; man ruft Sie so bald wie möglich zurück.",
            "I'll pass this on to the team; they will call you back as soon as they can.",
        ),
        None if !settings.phone.is_empty() => in_language(
            lang,
            &format!("Das Team erreichen Sie direkt unter {}.", settings.phone),
            &format!("You can reach the team directly on {}.", settings.phone),
        ),
        None => in_language(
            lang,
            "Ich gebe Ihr Anliegen an das Team weiter.",
            "I'll pass this on to the team.",
        ),
    };
    Ok(Answer::done(
        say,
        json!({"handed_over": true, "reason": reason.chars().take(500).collect::<String>(), "callback": callback, "restaurant_phone": settings.phone}),
        Outcome::HandedOver,
        None,
    ))
}
