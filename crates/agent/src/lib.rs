//! The tools the AI agents use during a conversation (phone now; chat and WhatsApp later):
//! `check_availability`, `create_reservation`, `find_reservation`, `change_reservation`,
//! `cancel_reservation`, `restaurant_info` and `hand_over_to_staff`.
//!
//! Each tool takes loosely typed arguments as a voice model passes them on (ISO values or the
//! spoken forms "morgen", "halb acht", "zu viert"), runs through the reservation services in
//! the restaurant's tenant transaction, and answers with structured data plus one short
//! sentence to speak in the call's language. Bad or ambiguous input is never an error here:
//! the answer says what to ask the caller next.

mod args;
mod info;

use args::{Args, Parsed};
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Alternatives, Snapshot, Unavailable};
use hs_domain::reservation::{Channel, Status};
use hs_domain::{say, validate};
use hs_store::booking::{Change, GuestInput, NewReservation, Reservation};
use hs_store::voice::Outcome;
use hs_store::{StoreError, TenantTx};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The tools, by the names agents call them.
pub const TOOLS: [&str; 7] = [
    "check_availability",
    "create_reservation",
    "find_reservation",
    "change_reservation",
    "cancel_reservation",
    "restaurant_info",
    "hand_over_to_staff",
];

/// Who is calling and how.
#[derive(Clone, Debug)]
pub struct Context {
    /// The caller's number (caller ID), used as the guest's phone when none is spoken.
    pub caller: Option<String>,
    /// "de" or "en".
    pub language: String,
    /// The channel reservations are booked under.
    pub channel: Channel,
}

/// A tool's answer.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Answer {
    pub ok: bool,
    /// One short sentence (or two) to speak.
    pub say: String,
    /// Structured data for the model.
    pub data: Value,
    /// Why it did not work, as a stable code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// What this means for the call's outcome.
    #[serde(skip)]
    pub outcome: Option<Outcome>,
    /// The reservation it made or touched.
    #[serde(skip)]
    pub reservation_id: Option<Uuid>,
}

impl Answer {
    fn done(say: String, data: Value, outcome: Outcome, reservation: Option<Uuid>) -> Answer {
        Answer {
            ok: true,
            say,
            data,
            error: None,
            outcome: Some(outcome),
            reservation_id: reservation,
        }
    }

    /// A refusal that tells the caller what to say next.
    fn ask(error: &'static str, say: String, data: Value) -> Answer {
        Answer {
            ok: false,
            say,
            data,
            error: Some(error),
            outcome: None,
            reservation_id: None,
        }
    }
}

/// Picks the German or English text.
fn in_language(lang: &str, de: &str, en: &str) -> String {
    if lang == "en" { en } else { de }.to_string()
}

/// Runs one tool. Only infrastructure failures are errors; everything the caller can fix is
/// an [`Answer`] with `ok: false`. When `ok` is false nothing was written.
pub async fn run(
    tx: &mut TenantTx,
    tool: &str,
    args: &Value,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let a = match Args::new(args) {
        Ok(a) => a,
        Err(()) => {
            return Ok(Answer::ask(
                "invalid_arguments",
                in_language(
                    lang,
                    "Das habe ich nicht verstanden. Können Sie es bitte noch einmal sagen?",
                    "Sorry, I did not get that. Could you say it again?",
                ),
                json!({"expected": "a JSON object of arguments"}),
            ))
        }
    };
    match tool {
        "check_availability" => check_availability(tx, &a, lang).await,
        "create_reservation" => create_reservation(tx, &a, ctx).await,
        "find_reservation" => find_reservation(tx, &a, ctx).await,
        "change_reservation" => change_reservation(tx, &a, ctx).await,
        "cancel_reservation" => cancel_reservation(tx, &a, ctx).await,
        "restaurant_info" => info::restaurant_info(tx, lang).await,
        "hand_over_to_staff" => hand_over(tx, &a, ctx).await,
        _ => Ok(Answer::ask(
            "unknown_tool",
            in_language(
                lang,
                "Dabei kann ich leider nicht helfen. Soll ich Sie mit dem Team verbinden?",
                "I can't help with that, I'm afraid. Shall I pass you on to the team?",
            ),
            json!({"tools": TOOLS}),
        )),
    }
}

/// The date, time and party size of a request, each parsed or turned into a question.
struct When {
    date: NaiveDate,
    time: Option<NaiveTime>,
    party: u32,
}

/// The question to ask for an argument that is missing or not understood.
fn ask_for(field: &'static str, code: &'static str, lang: &str) -> Answer {
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
fn which(code: &'static str, field: &str, spoken: &[String], options: Value, lang: &str) -> Answer {
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
fn party_arg(a: &Args, lang: &str) -> Result<Option<u32>, Answer> {
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
fn time_arg(
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

async fn when(
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
fn unavailable(reason: &Unavailable, alt: &Alternatives, w: &When, lang: &str) -> Answer {
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
            &format!("Für {n} Personen kann ich am Telefon leider nicht reservieren; das Team meldet sich gern bei Ihnen."),
            &format!("I can't book for {n} people on the phone; the team will gladly get back to you."),
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

fn offers_data(alt: &Alternatives) -> Value {
    let times: Vec<String> = [&alt.before, &alt.after]
        .into_iter()
        .flatten()
        .map(|s| s.local.format("%H:%M").to_string())
        .collect();
    json!({ "times": times, "other_days": alt.other_days })
}

async fn check_availability(tx: &mut TenantTx, a: &Args, lang: &str) -> Result<Answer, StoreError> {
    let (w, snap) = match when(tx, a, lang, false).await? {
        Ok(x) => x,
        Err(ask) => return Ok(ask),
    };
    let now = tx.now();
    let day = say::day(w.date, lang);
    match w.time {
        Some(time) => {
            match availability::check(
                &snap,
                w.date,
                time,
                w.party,
                now,
                Channel::PhoneAi.audience(),
                None,
            ) {
                Ok(_) => Ok(Answer::done(
                    in_language(
                        lang,
                        &format!(
                        "Am {day} um {} ist für {} Personen ein Tisch frei. Soll ich reservieren?",
                        say::time(time, lang),
                        w.party
                    ),
                        &format!(
                            "A table for {} is free on {day} at {}. Shall I book it?",
                            w.party,
                            say::time(time, lang)
                        ),
                    ),
                    json!({"available": true, "date": w.date, "time": time.format("%H:%M").to_string(), "party_size": w.party}),
                    Outcome::Informed,
                    None,
                )),
                Err(reason) => {
                    let alt = tx
                        .alternatives(
                            &snap,
                            w.date,
                            time,
                            w.party,
                            now,
                            Channel::PhoneAi.audience(),
                            3,
                        )
                        .await?;
                    let mut ans = unavailable(&reason, &alt, &w, lang);
                    // Saying what is free is information, not a failure of the call.
                    ans.outcome = Some(Outcome::Informed);
                    ans.ok = true;
                    ans.data["available"] = json!(false);
                    Ok(ans)
                }
            }
        }
        None => match availability::slots(&snap, w.date, w.party, now, Channel::PhoneAi.audience())
        {
            Ok(slots) if !slots.is_empty() => {
                let times: Vec<NaiveTime> = slots.iter().map(|s| s.local.time()).collect();
                let spoken = spread(&times, 4)
                    .iter()
                    .map(|x| say::time(*x, lang))
                    .collect::<Vec<_>>();
                Ok(Answer::done(
                    in_language(
                        lang,
                        &format!("Am {day} ist für {} Personen zum Beispiel um {} etwas frei. Welche Uhrzeit passt Ihnen?", w.party, say::list(&spoken, lang).replacen(" und ", " oder ", 1)),
                        &format!("On {day} there is a table for {} at {}, for example. What time suits you?", w.party, say::list(&spoken, lang).replacen(" and ", " or ", 1)),
                    ),
                    json!({"available": true, "date": w.date, "party_size": w.party, "times": times.iter().map(|x| x.format("%H:%M").to_string()).collect::<Vec<_>>()}),
                    Outcome::Informed,
                    None,
                ))
            }
            Ok(_) => {
                let mut ans = unavailable(&Unavailable::Full, &Alternatives::default(), &w, lang);
                ans.say = in_language(
                    lang,
                    &format!(
                        "Am {day} ist für {} Personen leider nichts mehr frei.",
                        w.party
                    ),
                    &format!(
                        "On {day} there is nothing free for {} any more, I'm afraid.",
                        w.party
                    ),
                );
                ans.ok = true;
                ans.outcome = Some(Outcome::Informed);
                ans.data["available"] = json!(false);
                Ok(ans)
            }
            Err(reason) => {
                let mut ans = unavailable(&reason, &Alternatives::default(), &w, lang);
                if matches!(reason, Unavailable::Closed) {
                    ans.ok = true;
                    ans.outcome = Some(Outcome::Informed);
                    ans.data["available"] = json!(false);
                }
                Ok(ans)
            }
        },
    }
}

/// At most `n` times spread over the list (first, last and evenly between).
fn spread(times: &[NaiveTime], n: usize) -> Vec<NaiveTime> {
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
fn describe(r: &Reservation, lang: &str) -> String {
    let time = NaiveTime::parse_from_str(&r.time, "%H:%M").unwrap_or(NaiveTime::MIN);
    let day = say::day(r.date, lang);
    in_language(
        lang,
        &format!(
            "am {day} um {} für {} Personen",
            say::time(time, lang),
            r.party_size
        ),
        &format!("for {} on {day} at {}", r.party_size, say::time(time, lang)),
    )
}

fn reservation_data(r: &Reservation) -> Value {
    json!({
        "code": r.code, "status": r.status.as_str(), "date": r.date, "time": r.time,
        "party_size": r.party_size, "name": r.guest.as_ref().map(|g| g.name.clone()),
    })
}

/// What to ask when a guest field is not right.
fn guest_field_question(field: &str, lang: &str) -> Answer {
    let (code, say) = match field.trim_start_matches("guest.") {
        "phone" => ("phone_invalid", in_language(lang, "Die Telefonnummer habe ich nicht richtig verstanden. Können Sie sie bitte noch einmal langsam sagen?", "I didn't catch the phone number. Could you say it again slowly?")),
        "email" => ("email_invalid", in_language(lang, "Die E-Mail-Adresse stimmt so nicht. Können Sie sie bitte buchstabieren?", "That email address doesn't look right. Could you spell it?")),
        "language" => ("language_invalid", in_language(lang, "Sprechen Sie lieber Deutsch oder Englisch?", "Would you prefer German or English?")),
        "notes" | "special_notes" => ("notes_invalid", in_language(lang, "Die Anmerkung ist zu lang. Können Sie sie kürzer fassen?", "That note is too long. Could you keep it shorter?")),
        _ => ("name_invalid", in_language(lang, "Auf welchen Namen darf ich reservieren?", "What name shall I put the booking under?")),
    };
    Answer::ask(code, say, json!({"field": field}))
}

async fn create_reservation(
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
async fn own_reservation(
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

async fn find_reservation(
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

async fn change_reservation(
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

async fn cancel_reservation(
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

async fn hand_over(tx: &mut TenantTx, a: &Args, ctx: &Context) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let settings = tx.reservation_settings().await?;
    let reason = a.text("reason").unwrap_or_default();
    let callback = a.text("phone").or_else(|| ctx.caller.clone());
    let say = match &callback {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_first_and_last() {
        let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("hour");
        let all: Vec<_> = (12..22).map(hour).collect();
        assert_eq!(
            spread(&all, 4),
            vec![hour(12), hour(15), hour(18), hour(21)]
        );
        assert_eq!(spread(&all[..2], 4), vec![hour(12), hour(13)]);
    }
}
