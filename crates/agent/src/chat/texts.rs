//! What the agent asks and reads back, in German and English.

use super::*;

pub(super) fn question(c: &Conversation, field: &str) -> String {
    match field {
        "date" => t(
            c,
            "Für welchen Tag möchten Sie reservieren?",
            "Which day would you like to come?",
        ),
        "time" => t(c, "Um welche Uhrzeit?", "At what time?"),
        "party" => t(c, "Für wie viele Personen?", "For how many people?"),
        "name" => t(
            c,
            "Auf welchen Namen darf ich reservieren?",
            "What name should I put the booking under?",
        ),
        _ => t(
            c,
            "Unter welcher Telefonnummer erreichen wir Sie?",
            "What phone number can we reach you on?",
        ),
    }
}

/// The question for `field` a second time: what is missing, with an example of how to write it.
pub(super) fn question_again(c: &Conversation, field: &str) -> String {
    match field {
        "date" => t(
            c,
            "Den Tag habe ich noch nicht verstanden. Schreiben Sie ihn bitte z. B. so: „Freitag“ oder „12.12.“.",
            "I haven't got the day yet. Please write it like this: \"Friday\" or \"12 December\".",
        ),
        "time" => t(
            c,
            "Die Uhrzeit habe ich noch nicht verstanden. Schreiben Sie sie bitte z. B. so: „19:30“.",
            "I haven't got the time yet. Please write it like this: \"7:30 pm\".",
        ),
        "party" => t(
            c,
            "Wie viele Personen kommen? Schreiben Sie bitte z. B. „4 Personen“.",
            "How many people are coming? Please write e.g. \"4 people\".",
        ),
        "name" => t(
            c,
            "Auf welchen Namen darf ich reservieren? Bitte mit Vor- und Nachnamen, z. B. „Anna Müller“.",
            "What name should the booking be under? First and last name, please, e.g. \"Anna Miller\".",
        ),
        _ => t(
            c,
            "Bitte schreiben Sie Ihre Telefonnummer mit Vorwahl, eine ausländische mit Ländervorwahl (z. B. +44 …).",
            "Please write your phone number with its area code, or with its country code if it is not a German number (e.g. +44 …).",
        ),
    }
}

pub(super) fn read_back(c: &Conversation) -> String {
    let lang = lang_of(c);
    let (Some(d), Some(x), Some(p)) = (c.date, c.time, c.party) else {
        return String::new();
    };
    let name = c.name.clone().unwrap_or_default();
    t(
        c,
        &format!(
            "Soll ich für {} am {} um {} auf den Namen {name} reservieren?",
            say::personen(p),
            say::day(d, lang),
            say::time(x, lang)
        ),
        &format!(
            "Shall I book a table for {p} on {} at {} under the name {name}?",
            say::day(d, lang),
            say::time(x, lang)
        ),
    )
}

/// That a second table asked for follows the first, told by what was read of it (day, time,
/// party), never in the guest's own words, which may hold what is not repeated (an allergy).
pub(super) fn second_follows(c: &Conversation, second: &chat::Heard) -> String {
    let lang = lang_of(c);
    let parts: Vec<String> = [
        second.date.map(|d| say::day(d, lang)),
        second.time.map(|x| say::time(x, lang)),
        second.party.map(|p| {
            if lang == "en" {
                format!("{p} people")
            } else {
                say::personen(p)
            }
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let said = parts.join(", ");
    t(
        c,
        &format!(
            "Gern, zuerst die erste Reservierung; die zweite ({said}) nehme ich gleich danach auf."
        ),
        &format!("Of course: the first booking first, then the second one ({said})."),
    )
}

pub(super) fn what_i_do(c: &Conversation) -> String {
    t(
        c,
        "Ich kann für Sie einen Tisch reservieren, eine Reservierung ändern oder stornieren und Fragen zu Öffnungszeiten, Adresse und Anfahrt beantworten. Was darf es sein?",
        "I can book a table for you, change or cancel a booking, and answer questions about opening hours, the address and how to get here. What would you like?",
    )
}
