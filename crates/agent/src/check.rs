//! `check_availability`: is the asked time free, else which times are.

use super::*;
use crate::speech::*;

/// Where the evening begins, for `part_of_day` ("midday" before it, "evening" from it).
const EVENING: NaiveTime = match NaiveTime::from_hms_opt(16, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

pub(crate) async fn check_availability(
    tx: &mut TenantTx,
    a: &Args,
    lang: &str,
) -> Result<Answer, StoreError> {
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
                            "Am {day} um {} ist für {} ein Tisch frei. Soll ich reservieren?",
                            say::time(time, lang),
                            say::personen(w.party)
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
                let all: Vec<NaiveTime> = slots.iter().map(|s| s.local.time()).collect();
                // "Samstagabend", "Sunday lunch": the free times of that part of the day,
                // when it has any.
                let part: Vec<NaiveTime> = match a.text("part_of_day").as_deref() {
                    Some("midday") => all.iter().copied().filter(|x| *x < EVENING).collect(),
                    Some("evening") => all.iter().copied().filter(|x| *x >= EVENING).collect(),
                    _ => Vec::new(),
                };
                let times = if part.is_empty() { all } else { part };
                let shown = spread(&times, 4);
                let spoken = shown
                    .iter()
                    .map(|x| say::time(*x, lang))
                    .collect::<Vec<_>>();
                Ok(Answer::done(
                    in_language(
                        lang,
                        &format!("Am {day} ist für {} zum Beispiel um {} etwas frei. Welche Uhrzeit passt Ihnen?", say::personen(w.party), say::list(&spoken, lang).replacen(" und ", " oder ", 1)),
                        &format!("On {day} there is a table for {} at {}, for example. What time suits you?", w.party, say::list(&spoken, lang).replacen(" and ", " or ", 1)),
                    ),
                    json!({"available": true, "date": w.date, "party_size": w.party, "times": times.iter().map(|x| x.format("%H:%M").to_string()).collect::<Vec<_>>(), "offered": shown.iter().map(|x| x.format("%H:%M").to_string()).collect::<Vec<_>>()}),
                    Outcome::Informed,
                    None,
                ))
            }
            Ok(_) => {
                let mut ans = unavailable(&Unavailable::Full, &Alternatives::default(), &w, lang);
                ans.say = in_language(
                    lang,
                    &format!(
                        "Am {day} ist für {} leider nichts mehr frei.",
                        say::personen(w.party)
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
