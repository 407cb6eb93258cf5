//! `restaurant_info`: address, how to reach the team, opening hours by weekday (runs of days
//! with the same hours said together) and the closures and special openings ahead.

use crate::{in_language, Answer};
use chrono::{Duration, NaiveDate, NaiveTime};
use hs_domain::availability::Rules;
use hs_domain::say;
use hs_store::voice::Outcome;
use hs_store::{StoreError, TenantTx};
use serde_json::json;

/// How far ahead closures and special openings are mentioned.
const AHEAD_DAYS: i64 = 60;

fn span(start: NaiveTime, end: NaiveTime, lang: &str) -> String {
    let (a, b) = (say::time(start, lang), say::time(end, lang));
    if lang == "en" {
        format!("{a} to {b}")
    } else {
        // "17:30 bis 22:30 Uhr" rather than "17:30 Uhr bis 22:30 Uhr".
        format!("{} bis {b}", a.trim_end_matches(" Uhr"))
    }
}

/// The hours on one date, said as a sentence: "Am Samstag, 5. Dezember, haben wir von 12:00
/// bis 14:30 und 18:00 bis 22:30 Uhr geöffnet." Closures and special days count, as they do
/// for bookings.
pub(crate) fn hours_on(rules: &Rules, date: NaiveDate, lang: &str) -> String {
    let mut periods: Vec<_> = rules.periods_on(date).iter().collect();
    periods.sort_by_key(|p| p.start);
    let day = say::day(date, lang);
    if periods.is_empty() {
        return in_language(
            lang,
            &format!("Am {day}, haben wir geschlossen."),
            &format!("We're closed on {day}."),
        );
    }
    let spans: Vec<String> = periods.iter().map(|p| span(p.start, p.end, lang)).collect();
    let spans = spans.join(if lang == "en" { " and " } else { " und " });
    in_language(
        lang,
        &format!("Am {day}, haben wir von {spans} geöffnet."),
        &format!("On {day}, we're open from {spans}."),
    )
}

pub async fn restaurant_info(tx: &mut TenantTx, lang: &str) -> Result<Answer, StoreError> {
    let s = tx.reservation_settings().await?;
    let today = tx.now_local_date().await?;
    let (periods, closures, specials) = tx.opening_facts(today).await?;
    // Each weekday's hours as text, then runs of equal days.
    let hours: Vec<String> = (0..7)
        .map(|d| {
            let mut ps: Vec<_> = periods.iter().filter(|p| p.weekday == d).collect();
            ps.sort_by_key(|p| p.start);
            ps.iter()
                .map(|p| span(p.start, p.end, lang))
                .collect::<Vec<_>>()
                .join(if lang == "en" { " and " } else { " und " })
        })
        .collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for d in 0..7 {
        match runs.last_mut() {
            Some((_, end)) if hours[*end] == hours[d] => *end = d,
            _ => runs.push((d, d)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            let days = if a == b {
                say::weekday(a, lang).to_string()
            } else {
                format!(
                    "{} {} {}",
                    say::weekday(a, lang),
                    if lang == "en" { "to" } else { "bis" },
                    say::weekday(b, lang)
                )
            };
            if hours[a].is_empty() {
                format!("{days} {}", in_language(lang, "geschlossen", "closed"))
            } else {
                format!("{days} {}", hours[a])
            }
        })
        .collect();
    let closures: Vec<_> = closures
        .into_iter()
        .filter(|c| c.first_day <= today + Duration::days(AHEAD_DAYS))
        .collect();
    let closed_text: Vec<String> = closures
        .iter()
        .map(|c| {
            if c.first_day == c.last_day {
                say::day(c.first_day, lang)
            } else {
                format!(
                    "{} {} {}",
                    say::day(c.first_day.max(today), lang),
                    if lang == "en" { "to" } else { "bis" },
                    say::day(c.last_day, lang)
                )
            }
        })
        .collect();
    let specials: Vec<_> = specials
        .into_iter()
        .filter(|p| p.day <= today + Duration::days(AHEAD_DAYS))
        .collect();
    let address = [s.street.as_str(), &format!("{} {}", s.postcode, s.city)]
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let mut say_parts = Vec::new();
    if !address.is_empty() {
        say_parts.push(in_language(
            lang,
            &format!("Sie finden uns in der {address}."),
            &format!("You'll find us at {address}."),
        ));
    }
    say_parts.push(in_language(
        lang,
        &format!("Geöffnet: {}.", parts.join("; ")),
        &format!("Opening hours: {}.", parts.join("; ")),
    ));
    if !closed_text.is_empty() {
        say_parts.push(in_language(
            lang,
            &format!("Geschlossen: {}.", say::list(&closed_text, lang)),
            &format!("Closed: {}.", say::list(&closed_text, lang)),
        ));
    }
    Ok(Answer::done(
        say_parts.join(" "),
        json!({
            "address": {"street": s.street, "postcode": s.postcode, "city": s.city, "country": s.country},
            "phone": s.phone, "email": s.email, "website": s.website,
            "hours": (0..7).map(|d| json!({"weekday": say::weekday(d, "en").to_lowercase(), "hours": hours[d]})).collect::<Vec<_>>(),
            "closures": closures.iter().map(|c| json!({"from": c.first_day, "to": c.last_day, "reason": c.reason})).collect::<Vec<_>>(),
            "special_openings": specials.iter().map(|p| json!({"date": p.day, "name": p.name, "from": p.start.format("%H:%M").to_string(), "to": p.end.format("%H:%M").to_string()})).collect::<Vec<_>>(),
        }),
        Outcome::Informed,
        None,
    ))
}
