//! What the tools say and ask: the request's date, time and party size parsed or turned into a
//! question, refusals with the times to offer instead, reservations in words.

use super::*;

/// The date, time and party size of a request, each parsed or turned into a question.
pub(crate) struct When {
    pub(crate) date: NaiveDate,
    pub(crate) time: Option<NaiveTime>,
    pub(crate) party: u32,
}

/// The question to ask for an argument that is missing or not understood.
pub(crate) fn ask_for(field: &'static str, code: &'static str, lang: &str) -> Answer {
    let say = match field {
        "date" => in_language(
            lang,
            "Für welchen Tag möchten Sie reservieren?",
            "For which day would you like to book?",
        ),
        "party_size" => in_language(
            lang,
            "Für wie viele Personen darf ich reservieren?",
            "How many people will be coming?",
        ),
        _ => in_language(
            lang,
            "Um wie viel Uhr möchten Sie kommen?",
            "What time would you like to come?",
        ),
    };
    Answer::ask(code, say, json!({"field": field}))
}

/// "Meinen Sie A oder B?" for a value with several readings.
pub(crate) fn which(
    code: &'static str,
    field: &str,
    spoken: &[String],
    options: Value,
    lang: &str,
) -> Answer {
    let or = if lang == "en" { " or " } else { " oder " };
    Answer::ask(
        code,
        format!(
            "{} {}?",
            in_language(lang, "Meinen Sie", "Do you mean"),
            spoken.join(or)
        ),
        json!({"field": field, "options": options}),
    )
}

/// The party size, if given; 0 or something unclear is a question.
pub(crate) fn party_arg(a: &Args, lang: &str) -> Result<Option<u32>, Answer> {
    match a.party("party_size") {
        Parsed::Value(0) => Err(ask_for("party_size", "party_too_small", lang)),
        Parsed::Value(p) => Ok(Some(p)),
        Parsed::Missing => Ok(None),
        Parsed::Unclear | Parsed::Ambiguous(_) => {
            Err(ask_for("party_size", "party_size_unclear", lang))
        }
    }
}

/// The time, if given, read against the opening hours of `date` ("8" is 20:00 when only the
/// evening is open); an unclear or ambiguous time is a question.
pub(crate) fn time_arg(
    a: &Args,
    snap: &Snapshot,
    date: NaiveDate,
    lang: &str,
) -> Result<Option<NaiveTime>, Answer> {
    match a.time("time", |x| snap.rules.seats_at(date, x)) {
        Parsed::Value(v) => Ok(Some(v)),
        Parsed::Missing => Ok(None),
        Parsed::Unclear => Err(ask_for("time", "time_unclear", lang)),
        Parsed::Ambiguous(options) => {
            let spoken: Vec<String> = options.iter().map(|x| say::time(*x, lang)).collect();
            let iso: Vec<String> = options
                .iter()
                .map(|x| x.format("%H:%M").to_string())
                .collect();
            Err(which("time_ambiguous", "time", &spoken, json!(iso), lang))
        }
    }
}

pub(crate) async fn when(
    tx: &mut TenantTx,
    a: &Args,
    lang: &str,
    need_time: bool,
) -> Result<Result<(When, Snapshot), Answer>, StoreError> {
    let today = tx.now_local_date().await?;
    let date = match a.date("date", today) {
        Parsed::Value(d) => d,
        Parsed::Missing => return Ok(Err(ask_for("date", "date_missing", lang))),
        Parsed::Unclear => return Ok(Err(ask_for("date", "date_unclear", lang))),
        Parsed::Ambiguous(options) => {
            let spoken: Vec<String> = options.iter().map(|d| say::day(*d, lang)).collect();
            return Ok(Err(which(
                "date_ambiguous",
                "date",
                &spoken,
                json!(options),
                lang,
            )));
        }
    };
    let party = match party_arg(a, lang) {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(Err(ask_for("party_size", "party_size_missing", lang))),
        Err(ask) => return Ok(Err(ask)),
    };
    let snap = tx.snapshot(date).await?;
    let time = match time_arg(a, &snap, date, lang) {
        Ok(None) if need_time => return Ok(Err(ask_for("time", "time_missing", lang))),
        Ok(time) => time,
        Err(ask) => return Ok(Err(ask)),
    };
    Ok(Ok((When { date, time, party }, snap)))
}

/// What to say when a request cannot be met, offering the alternatives.
pub(crate) fn unavailable(
    reason: &Unavailable,
    alt: &Alternatives,
    w: &When,
    lang: &str,
) -> Answer {
    let day = say::day(w.date, lang);
    let offers: Vec<String> = [&alt.before, &alt.after]
        .into_iter()
        .flatten()
        .map(|s| say::time(s.local.time(), lang))
        .collect();
    let other_days: Vec<String> = alt.other_days.iter().map(|d| say::day(*d, lang)).collect();
    let first = match reason {
        Unavailable::Closed => in_language(
            lang,
            &format!("Am {day} haben wir leider geschlossen."),
            &format!("We are closed on {day}, I'm afraid."),
        ),
        Unavailable::PastDate => in_language(lang, "Dieser Tag liegt in der Vergangenheit.", "That day is in the past."),
        Unavailable::BeyondHorizon(days) => in_language(
            lang,
            &format!("Wir nehmen Reservierungen höchstens {days} Tage im Voraus an."),
            &format!("We take bookings at most {days} days ahead."),
        ),
        Unavailable::PartyTooLarge(n) => in_language(
            lang,
            &format!("Für {n} Personen kann ich leider nicht direkt reservieren; das Team meldet sich gern bei Ihnen."),
            &format!("I can't book for {n} people directly; the team will gladly get back to you."),
        ),
        Unavailable::PartyTooSmall => in_language(lang, "Für wie viele Personen?", "For how many people?"),
        Unavailable::TooSoon(_) => in_language(
            lang,
            "Das ist leider zu kurzfristig.",
            "That is too soon to book, I'm afraid.",
        ),
        Unavailable::NotBookableTime { .. } => in_language(
            lang,
            &format!("Zu dieser Uhrzeit nehmen wir am {day} keine Reservierung an."),
            &format!("We don't take bookings at that time on {day}."),
        ),
        Unavailable::Full
        | Unavailable::TablesTaken
        | Unavailable::TablesTooSmall(_)
        | Unavailable::UnknownTable => in_language(
            lang,
            "Zu dieser Zeit ist leider kein Tisch mehr frei.",
            "There is no table free at that time, I'm afraid.",
        ),
    };
    let second = if !offers.is_empty() {
        let times = offers.join(if lang == "en" { " or " } else { " oder " });
        in_language(
            lang,
            &format!(" Wie wäre es mit {times}?"),
            &format!(" Would {times} suit you?"),
        )
    } else if !other_days.is_empty() {
        format!(
            " {} {}.",
            in_language(
                lang,
                "Zur gleichen Zeit frei wäre es am",
                "The same time is free on"
            ),
            say::list(&other_days, lang)
        )
    } else {
        String::new()
    };
    Answer::ask(
        reason.code(),
        format!("{first}{second}"),
        json!({
            "field": reason.field(),
            "date": w.date,
            "alternatives": offers_data(alt),
        }),
    )
}

pub(crate) fn offers_data(alt: &Alternatives) -> Value {
    let times: Vec<String> = [&alt.before, &alt.after]
        .into_iter()
        .flatten()
        .map(|s| s.local.format("%H:%M").to_string())
        .collect();
    json!({ "times": times, "other_days": alt.other_days })
}

/// At most `n` times spread over the list (first, last and evenly between).
pub(crate) fn spread(times: &[NaiveTime], n: usize) -> Vec<NaiveTime> {
    if times.len() <= n {
        return times.to_vec();
    }
    let mut out: Vec<NaiveTime> = (0..n)
        .map(|i| times[i * (times.len() - 1) / (n - 1)])
        .collect();
    out.dedup();
    out
}

/// "den 27. November um 19 Uhr für 4 Personen" / "for 4 on 27 November at 7 pm".
pub(crate) fn describe(r: &Reservation, lang: &str) -> String {
    let time = NaiveTime::parse_from_str(&r.time, "%H:%M").unwrap_or(NaiveTime::MIN);
    let day = say::day(r.date, lang);
    in_language(
        lang,
        &format!(
            "am {day} um {} für {}",
            say::time(time, lang),
            say::personen(r.party_size)
        ),
        &format!("for {} on {day} at {}", r.party_size, say::time(time, lang)),
    )
}

pub(crate) fn reservation_data(r: &Reservation) -> Value {
    json!({
        "code": r.code, "status": r.status.as_str(), "date": r.date, "time": r.time,
        "party_size": r.party_size, "name": r.guest.as_ref().map(|g| g.name.clone()),
    })
}

/// What to ask when a guest field is not right.
pub(crate) fn guest_field_question(field: &str, lang: &str) -> Answer {
    let (code, say) = match field.trim_start_matches("guest.") {
        "phone" => ("phone_invalid", in_language(lang, "Die Telefonnummer habe ich nicht richtig verstanden. Können Sie sie bitte noch einmal langsam sagen?", "I didn't catch the phone number. Could you say it again slowly?")),
        "email" => ("email_invalid", in_language(lang, "Die E-Mail-Adresse stimmt so nicht. Können Sie sie bitte buchstabieren?", "That email address doesn't look right. Could you spell it?")),
        "language" => ("language_invalid", in_language(lang, "Sprechen Sie lieber Deutsch oder Englisch?", "Would you prefer German or English?")),
        "notes" | "special_notes" => ("notes_invalid", in_language(lang, "Die Anmerkung ist zu lang. Können Sie sie kürzer fassen?", "That note is too long. Could you keep it shorter?")),
        _ => ("name_invalid", in_language(lang, "Auf welchen Namen darf ich reservieren?", "What name shall I put the booking under?")),
    };
    Answer::ask(code, say, json!({"field": field}))
}
