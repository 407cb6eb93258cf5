//! The booking's next step once the guest wants a table: the asked time checked as soon as
//! day, time and party are known (other times, or another day, offered when it is not free;
//! a party too large handed to the team), then the next missing detail or the read-back.

use super::*;

pub(super) async fn next_step(
    tx: &mut TenantTx,
    c: &mut Conversation,
    ctx: &Context,
    changed_facts: bool,
    changed_contact: bool,
    asked_last: Option<&str>,
    asked_free: bool,
) -> Result<Reply, StoreError> {
    let lang = lang_of(c).to_string();
    // Whether the time asked was just checked and is free ("Is there a table …?" is
    // answered before the next question).
    let mut free_now = false;
    // Check the time as soon as day, time and party are known (or changed).
    if let (Some(_), Some(_), Some(_)) = (c.date, c.time, c.party) {
        if changed_facts || c.offered.is_empty() {
            let a = run(tx, "check_availability", &args(c), ctx).await?;
            if a.data["available"] != json!(true) || a.data.get("time").is_none() {
                let choices = choices_of(&a);
                c.offered = choices.clone();
                if a.data["field"] == json!("party_size") {
                    if let Some(n) = c.party.filter(|n| *n > 1) {
                        return too_large(tx, c, n, ctx).await;
                    }
                    c.party = None;
                } else if a.data["field"] == json!("date") || choices.is_empty() {
                    // A closed day, or a day with no other time left (tonight is too
                    // late): the time stands and another day is asked for ("Zur gleichen
                    // Zeit frei wäre es am …"); otherwise another time.
                    c.date = None;
                    c.days_offered = days_of(&a);
                    if !a.say.trim_end().ends_with('?') {
                        return Ok(reply(format!("{} {}", a.say, which_day(c))));
                    }
                } else {
                    c.time = None;
                }
                return Ok(Reply {
                    choices,
                    ..reply(a.say)
                });
            }
            c.offered = vec![c
                .time
                .map(|x| x.format("%H:%M").to_string())
                .unwrap_or_default()];
            free_now = true;
        }
    } else if let (Some(d), None, Some(_)) = (c.date, c.time, c.party) {
        // Nothing new since several times were offered: the time asked for again, with
        // an example, not the same list once more.
        if !changed_facts && c.offered.len() > 2 {
            let again = asked_last == Some("time");
            c.asked_last = Some("time".into());
            return Ok(Reply {
                choices: c.offered.clone(),
                ..reply(if again {
                    question_again(c, "time")
                } else {
                    question(c, "time")
                })
            });
        }
        // Nothing new since the times were offered: the same times again, so that a
        // "ja" still means the one suggested.
        if !changed_facts && (1..=2).contains(&c.offered.len()) {
            let times: Vec<String> = c
                .offered
                .iter()
                .filter_map(|o| NaiveTime::parse_from_str(o, "%H:%M").ok())
                .map(|x| say::time(x, &lang))
                .collect();
            let times = times.join(if lang == "en" { " or " } else { " oder " });
            return Ok(Reply {
                choices: c.offered.clone(),
                ..reply(t(
                    c,
                    &format!(
                        "Welche Uhrzeit am {} möchten Sie: {times}?",
                        say::day(d, &lang)
                    ),
                    &format!(
                        "Which time on {} would you like: {times}?",
                        say::day(d, &lang)
                    ),
                ))
            });
        }
        let a = run(tx, "check_availability", &args(c), ctx).await?;
        // A party above what the agent may book ("25 Personen am 18. Dezember"): the team
        // takes over, as when the time is known.
        if a.data["field"] == json!("party_size") {
            if let Some(n) = c.party.filter(|n| *n > 1) {
                return too_large(tx, c, n, ctx).await;
            }
        }
        let choices = choices_of(&a);
        c.offered = choices.clone();
        // Nothing left on that day (or closed): another day, not the same answer again.
        if a.data["available"] == json!(false) && choices.is_empty() {
            c.date = None;
            c.days_offered = days_of(&a);
            return Ok(reply(format!("{} {}", a.say, which_day(c))));
        }
        return Ok(Reply {
            choices,
            ..reply(a.say)
        });
    }
    Ok(match missing(c) {
        Some(field) if free_now && asked_free => {
            c.asked_last = Some(field.to_string());
            reply(format!(
                "{} {}",
                t(c, "Ja, das ist frei.", "Yes, that's available."),
                question(c, field)
            ))
        }
        Some(field) => {
            let same = asked_last == Some(field);
            c.asked_last = Some(field.to_string());
            reply(if same && (changed_facts || changed_contact) {
                // Not the answer asked for but a correction ("wir sind doch 6"): taken, and
                // the same question again, without "I didn't get that".
                format!("{} {}", t(c, "Alles klar.", "Got it."), question(c, field))
            } else if same {
                question_again(c, field)
            } else {
                question(c, field)
            })
        }
        None => {
            c.mode = Mode::Confirming;
            reply(read_back(c))
        }
    })
}

/// The other days a check offered ("The same time is free on Tuesday, …"), so that the
/// answer "Tuesday then" means the Tuesday offered.
fn days_of(a: &Answer) -> Vec<NaiveDate> {
    a.data["alternatives"]["other_days"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str()?.parse().ok())
        .collect()
}

/// The question for another day, after the one asked for had nothing.
pub(super) fn which_day(c: &Conversation) -> String {
    t(
        c,
        "Welcher andere Tag passt Ihnen?",
        "Which other day would suit you?",
    )
}

/// A party too large to book here: the team takes over, so that "the team gets back to you"
/// is true for a chat too.
async fn too_large(
    tx: &mut TenantTx,
    c: &mut Conversation,
    n: u32,
    ctx: &Context,
) -> Result<Reply, StoreError> {
    let reason = format!(
        "{n} people, {} {}",
        c.date.map(|d| d.to_string()).unwrap_or_default(),
        c.time
            .map(|x| x.format("%H:%M").to_string())
            .unwrap_or_default()
    );
    let h = run(
        tx,
        "hand_over_to_staff",
        &json!({"reason": reason, "phone": c.phone}),
        ctx,
    )
    .await?;
    c.outcome = Some("handed_over".into());
    c.mode = Mode::Idle;
    Ok(reply(format!(
        "{} {}",
        t(
            c,
            &format!("Für {n} Personen kann ich leider nicht direkt reservieren."),
            &format!("I can't book for {n} people directly, I'm afraid."),
        ),
        h.say
    )))
}
