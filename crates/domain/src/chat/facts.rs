//! The facts in a guest's message: date, time, party size, name, phone, email, booking code
//! and special-category words, each found around its cue words.

use super::names::{name_after, tidy};
use super::{lower, tokens};
use crate::spoken;
use chrono::{Datelike, NaiveDate, NaiveTime};

mod codes;
mod normalise;
mod party;
use codes::codes;
pub use codes::{code_after_cue, code_like, looks_like_code};
pub use normalise::normalise;
use party::{children_with, party_change, party_cue, ADULTS, CHILDREN, PEOPLE};

/// The facts in one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Heard {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    /// Times the guest may mean, when the hour alone is ambiguous ("um 8").
    pub time_options: Vec<NaiveTime>,
    pub party: Option<u32>,
    pub name: Option<String>,
    /// As written; the engine turns it into E.164 with the restaurant's country.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub code: Option<String>,
    /// Words of special-category data (allergies, diets, pregnancy, accessibility), found in
    /// the message; the sentence they stand in goes to the sealed note, never to plain notes.
    pub special: Option<String>,
    /// Wishes for the team ("bräuchten einen Hochstuhl"), for the plain notes.
    pub note: Option<String>,
    /// A written date and a weekday said with it that disagree ("Saturday 11 December", a
    /// Friday): the date as written and the said weekday's date next to it, to ask which.
    pub weekday_conflict: Option<[NaiveDate; 2]>,
    /// People more (or fewer) than said before ("eine Person mehr", "one less").
    pub party_change: Option<i32>,
    /// `midday` or `evening`, when the guest names the part of the day ("Samstagabend",
    /// "Sunday lunch", "zum Mittagessen").
    pub part_of_day: Option<&'static str>,
    /// Minutes later (or earlier, negative) than the time said before ("eine Stunde
    /// später", "half an hour earlier").
    pub time_shift: Option<i32>,
    /// A word was read as the weekday, month or day word one typo away ("Freitga"): a
    /// surname answering "what name?" ("Morgan") is no "morgen".
    pub typo_read: bool,
}

/// Edit distance with swapped neighbours counting as one edit (optimal string alignment),
/// for names with one typo ("Firday").
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Weekday names (the first 14, German then English), then month names.
pub(super) const NAMES: [&str; 38] = [
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
    "january",
    "february",
    "march",
    "june",
    "july",
    "october",
    "december",
    "heute",
    "morgen",
    "übermorgen",
    "today",
    "tomorrow",
];

/// Words one typo away from a weekday or date word that are words of their own ("Leute" is
/// no "heute", "morgens" no "morgen").
const NOT_TYPOS: [&str; 8] = [
    "leute", "morgens", "sorgen", "borgen", "leuten", "laute", "heuer", "mittags",
];

/// A weekday or month name with one typo, spelled right ("Freitga" → "freitag"); and the
/// long words for people ("Persnen" → "personen").
fn corrected(w: &str) -> Option<&'static str> {
    let l = w.to_lowercase();
    if l.len() < 5 || NOT_TYPOS.contains(&l.as_str()) || party_cue(&l) {
        return None;
    }
    NAMES
        .iter()
        .copied()
        .find(|n| *n != l && n.len() >= 5 && distance(&l, n) == 1)
        .or_else(|| {
            ["personen", "persons", "people"]
                .into_iter()
                .find(|n| distance(&l, n) == 1)
        })
}

fn date_cue(w: &str) -> bool {
    let l = w.to_lowercase();
    NAMES.contains(&l.as_str())
        || ["tonight", "weekend", "wochenende"].contains(&l.as_str())
        || l.chars()
            .filter(|c| *c == '.' || *c == '-' || *c == '/')
            .count()
            >= 1
            && l.chars().filter(char::is_ascii_digit).count() >= 2
            && l.chars().all(|c| c.is_ascii_digit() || ".-/".contains(c))
}

fn time_cue(w: &str, next: Option<&str>) -> bool {
    let l = w.to_lowercase();
    [
        "um", "at", "uhr", "halb", "viertel", "pm", "abends", "mittags", "o'clock", "gegen", "ab",
        "half", "around", "about", "circa", "ca", "p.m", "a.m", "quarter", "dreiviertel", "kurz",
    ]
    .contains(&l.as_str())
        || l.contains(':') && l.chars().any(|c| c.is_ascii_digit())
        || (l.ends_with("pm") || l.ends_with("am"))
            && l.chars().next().is_some_and(|c| c.is_ascii_digit())
        || l.ends_with("uhr") && l.chars().next().is_some_and(|c| c.is_ascii_digit())
        || l.ends_with("ish") && l.chars().next().is_some_and(|c| c.is_ascii_digit())
        // "1930" on forms (never a year: minutes in fives, hours of a day's service)
        || l.len() == 4
            && l.parse::<u32>().is_ok_and(|n| (1000..=2355).contains(&n) && n % 100 < 60 && n % 5 == 0 && n / 100 >= 10)
        // "19.30", "7.45" (never a date: those are read before times)
        || l.split_once('.').is_some_and(|(h, m)| {
            (1..=2).contains(&h.len())
                && m.len() == 2
                && h.parse::<u32>().is_ok_and(|h| h <= 23)
                && m.parse::<u32>().is_ok_and(|m| m <= 59)
        })
        // "19h", "19.30h", "7h30"
        || l.chars().next().is_some_and(|c| c.is_ascii_digit())
            && l.contains('h')
            && l.chars().all(|c| c.is_ascii_digit() || c == 'h' || c == '.' || c == ':')
        || next.is_some_and(|n| {
            n.eq_ignore_ascii_case("uhr")
                || n.eq_ignore_ascii_case("o'clock")
                || n.eq_ignore_ascii_case("oclock")
        })
        // "any time after 8"
        || l == "after"
}

/// A message asking for two tables ("Freitag 19 Uhr für 2 und Samstag 20 Uhr für 4"): the
/// first request and the second, split at "und", "and", "sowie" or ";" where each side has a
/// day or a time and two of day, time and party. Not a range ("zwischen 19 und 20 Uhr").
pub fn two_requests(
    text: &str,
    today: NaiveDate,
    open: &dyn Fn(NaiveTime) -> bool,
) -> Option<(String, String)> {
    let l = text.to_lowercase();
    if l.len() != text.len() || ["zwischen", "between"].iter().any(|k| l.contains(k)) {
        return None;
    }
    let facts = |h: &Heard| {
        [h.date.is_some(), h.time.is_some(), h.party.is_some()]
            .iter()
            .filter(|x| **x)
            .count()
    };
    for sep in [" und ", " and ", " sowie ", ";"] {
        for (k, _) in l.match_indices(sep) {
            // (Lowercasing may move bytes; a split that is no boundary of the text is none.)
            let (Some(a), Some(b)) = (text.get(..k), text.get(k + sep.len()..)) else {
                continue;
            };
            let (ha, hb) = (hear(a, today, open), hear(b, today, open));
            let dated = |h: &Heard| h.date.is_some() || h.time.is_some();
            if dated(&ha) && dated(&hb) && facts(&ha) >= 2 && facts(&hb) >= 2 {
                let b = b.trim().trim_end_matches(['?', '.', '!']).trim();
                return Some((a.trim().to_string(), b.to_string()));
            }
        }
    }
    None
}

/// The weekday a message names, if it names exactly one ("am Samstag", "Friday").
pub fn weekday_in(text: &str) -> Option<chrono::Weekday> {
    let days: Vec<usize> = tokens(text)
        .iter()
        .filter_map(|w| {
            let w = corrected(w).map_or_else(|| w.to_lowercase(), str::to_string);
            NAMES[..14].iter().position(|n| *n == w).map(|i| i % 7)
        })
        .collect();
    match days.as_slice() {
        [d, rest @ ..] if rest.iter().all(|x| x == d) => {
            chrono::Weekday::try_from(u8::try_from(*d).ok()?).ok()
        }
        _ => None,
    }
}

/// A date written with dashes or slashes ("2026-12-12", "12/12/2026", "12-12-26").
fn date_like(w: &str) -> bool {
    let parts: Vec<usize> = w.split(['-', '/']).map(str::len).collect();
    let digits = w
        .split(['-', '/'])
        .all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let year = w.get(..2).is_some_and(|c| c == "20");
    digits
        && match parts.as_slice() {
            [4, m, d] => year && (1..=2).contains(m) && (1..=2).contains(d),
            [d, m, y] => (1..=2).contains(d) && (1..=2).contains(m) && (*y == 2 || *y == 4),
            _ => false,
        }
}

/// Email and phone, read first: their digits are no times or party sizes.
fn contacts(words: &[String], used: &mut [bool], heard: &mut Heard) {
    // Email and phone first: their digits are no times or party sizes.
    for (i, w) in words.iter().enumerate() {
        if w.contains('@') {
            if let Ok(e) = crate::validate::email(w.trim_end_matches('.')) {
                heard.email = Some(e);
                used[i] = true;
            }
        }
    }
    let mut run: Vec<usize> = Vec::new();
    let mut phone: Option<(String, Vec<usize>)> = None;
    for (i, w) in words.iter().enumerate() {
        // A lone "/" or "-" between groups ("0761 / 88 77 66") continues a number; a date
        // ("2026-12-12", "12/12/2026") is none.
        let phoneish = !used[i]
            && !date_like(w)
            && w.chars().all(|c| c.is_ascii_digit() || "+-/()".contains(c))
            && (w.chars().any(|c| c.is_ascii_digit())
                || (!run.is_empty() && (w == "/" || w == "-")));
        if phoneish {
            run.push(i);
        }
        if !phoneish || i + 1 == words.len() {
            let digits: usize = run
                .iter()
                .map(|j| words[*j].chars().filter(char::is_ascii_digit).count())
                .sum();
            if digits >= 7 && phone.is_none() {
                phone = Some((
                    run.iter()
                        .map(|j| words[*j].as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    run.clone(),
                ));
            }
            run.clear();
        }
    }
    if let Some((p, idx)) = phone {
        heard.phone = Some(p);
        for j in idx {
            used[j] = true;
        }
    }
}

/// A day of the month said alone, which wins over a weekday said with it.
fn day_alone(
    text: &str,
    lower: &[String],
    used: &mut [bool],
    today: NaiveDate,
) -> Option<NaiveDate> {
    // A day of the month alone ("Friday the 11th", "am 12. um 19 Uhr"): a date written out,
    // so it wins over a weekday said with it.
    let mut day_only = None;
    let text_lower = text.to_lowercase();
    for i in 0..lower.len() {
        if used[i] || day_only.is_some() {
            continue;
        }
        let l = &lower[i];
        let english = ["st", "nd", "rd", "th"].iter().find_map(|s| {
            l.strip_suffix(s)
                .filter(|n| (1..=2).contains(&n.len()))
                .and_then(|n| n.parse::<u32>().ok())
        });
        let german = (i > 0
            && ["am", "den", "zum", "vom"].contains(&lower[i - 1].as_str())
            && text_lower.contains(&format!("{} {l}.", lower[i - 1])))
        .then(|| l.parse::<u32>().ok())
        .flatten();
        // "the 5th of June", "June 5th": the month's, read with it.
        let month_next = lower
            .get(i + 1)
            .is_some_and(|w| NAMES[14..33].contains(&w.as_str()) || w == "of")
            || i > 0 && NAMES[14..33].contains(&lower[i - 1].as_str());
        // "am Ersten um 19 Uhr", "zum Zwanzigsten": an ordinal in words after the German
        // article, followed by the time or the party (not "zum ersten Mal").
        let next_ok = lower.get(i + 1).is_none_or(|w| {
            w.starts_with(|c: char| c.is_ascii_digit())
                || [
                    "um", "für", "fuer", "abends", "abend", "mittags", "zu", "mit", "gegen", "so",
                ]
                .contains(&w.as_str())
        });
        let in_words = (i > 0
            && ["am", "zum", "den", "vom"].contains(&lower[i - 1].as_str())
            && l.ends_with("ten")
            && l.chars().all(char::is_alphabetic)
            && next_ok)
            .then(|| spoken::day_number(l))
            .flatten();
        if let Some(n) = english
            .or(german)
            .or(in_words)
            .filter(|n| (1..=31).contains(n))
        {
            if !month_next {
                day_only = spoken::day_of_month(n, today);
                used[i] = day_only.is_some();
            }
        }
    }
    day_only
}

/// "eine Stunde später", "half an hour earlier", "30 Minuten früher": minutes to add to the
/// time said before.
fn time_shift(l: &str) -> Option<i32> {
    const AMOUNTS: [(&str, i32); 12] = [
        ("eine halbe stunde", 30),
        ("halbe stunde", 30),
        ("half an hour", 30),
        ("30 minuten", 30),
        ("30 minutes", 30),
        ("15 minuten", 15),
        ("15 minutes", 15),
        ("viertelstunde", 15),
        ("eine stunde", 60),
        ("1 stunde", 60),
        ("an hour", 60),
        ("one hour", 60),
    ];
    let (at, n) = AMOUNTS
        .iter()
        .find_map(|(k, n)| l.find(k).map(|i| (i + k.len(), *n)))?;
    let after = &l[at..];
    let later = ["später", "spaeter", "later"]
        .iter()
        .any(|k| after.trim_start().starts_with(k));
    let earlier = ["früher", "frueher", "earlier", "eher"]
        .iter()
        .any(|k| after.trim_start().starts_with(k));
    match (later, earlier) {
        (true, false) => Some(n),
        (false, true) => Some(-n),
        _ => None,
    }
}

/// The facts in a message, with `today` in the restaurant's zone and `open` telling whether
/// the restaurant seats at a time (to settle "um 8").
pub fn hear(text: &str, today: NaiveDate, open: &dyn Fn(NaiveTime) -> bool) -> Heard {
    let text = &normalise(text);
    let words = tokens(text);
    let lower: Vec<String> = words.iter().map(|w| lower(w)).collect();
    let mut heard = Heard::default();
    let mut used = vec![false; words.len()];
    contacts(&words, &mut used, &mut heard);
    codes(&words, &lower, &mut used, &mut heard);
    let day_only = day_alone(text, &lower, &mut used, today);
    heard.party_change = party_change(&lower, &mut used);
    // Words with one typo in a weekday or month name are read as meant.
    let fixed: Vec<String> = words
        .iter()
        .map(|w| corrected(w).map_or_else(|| w.clone(), str::to_string))
        .collect();
    heard.typo_read = fixed.iter().zip(&words).any(|(f, w)| f != w);
    let free = |used: &[bool], s: usize, e: usize| used[s..e].iter().all(|u| !u);
    // A date written out wins over a weekday or "morgen" said with it ("Freitag, den
    // 11.12."): the first pass reads only dates with a day number, the second the rest.
    let relative = |w: &str| {
        let l = w.to_lowercase();
        NAMES[..14].contains(&l.as_str())
            || NAMES[NAMES.len() - 5..].contains(&l.as_str())
            || ["tonight", "weekend", "wochenende"].contains(&l.as_str())
    };
    let mut relative_date = false;
    let passes = [false, true]
        .into_iter()
        .flat_map(|second| (0..fixed.len()).map(move |i| (second, i)));
    for (second, i) in passes {
        // "Guten Morgen" is a greeting, not tomorrow.
        let greeting = i > 0 && lower[i - 1] == "guten";
        if heard.date.is_none()
            && heard.weekday_conflict.is_none()
            && date_cue(&fixed[i])
            && !used[i]
            && !greeting
            && (second || !relative(&fixed[i]))
        {
            // The shortest span that is a date, with the modifier before it ("nächsten
            // Samstag", "next Friday") or the day number ("27. November") when there is one;
            // never swallowing a party size ("for six on Friday").
            let lowered = |k: usize| fixed.get(k).map(|w| w.to_lowercase()).unwrap_or_default();
            let modifier = i > 0
                && ([
                    "nächsten",
                    "naechsten",
                    "nächste",
                    "kommenden",
                    "next",
                    "this",
                    "übernächsten",
                    "diesen",
                    "am",
                    "on",
                ]
                .contains(&lowered(i - 1).as_str())
                    // A day number before a month ("27. November"), never before a weekday
                    // or "tomorrow" ("for 2 saturday", "for 2 tmrw").
                    || (NAMES[14..33].contains(&lowered(i).as_str())
                        && (spoken::day_number(&lowered(i - 1)).is_some()
                            || lowered(i - 1) == "of")));
            let mut spans: Vec<(usize, usize)> = Vec::new();
            // "December 5th": the day number after a month is its own, whatever stands
            // before ("table for 2 on December 5th" is the 5th, for 2).
            if NAMES[14..33].contains(&lowered(i).as_str())
                && spoken::day_number(&lowered(i + 1)).is_some()
                // ("12 Dezember 19 Uhr": the day stands before the month, the number after
                // it is the time.)
                && !(i > 0 && spoken::day_number(&lowered(i - 1)).is_some())
                && !["uhr", "h", "o'clock", "pm", "am", "p.m.", "a.m."]
                    .contains(&lowered(i + 2).as_str())
            {
                spans.push((i, i + 2));
            }
            if modifier {
                spans.push((i - 1, i + 1));
                if i > 1 {
                    spans.push((i - 2, i + 1));
                }
                if i > 2 {
                    spans.push((i - 3, i + 1));
                }
            }
            spans.push((i, i + 1));
            spans.push((i, (i + 2).min(fixed.len())));
            for (s_, e_) in spans {
                if e_ <= s_ || !free(&used, s_, e_) {
                    continue;
                }
                match spoken::date(&fixed[s_..e_].join(" "), today) {
                    Ok(d) => {
                        heard.date = Some(d);
                        relative_date = second;
                        used[s_..e_].iter_mut().for_each(|u| *u = true);
                        break;
                    }
                    // Today's weekday ("Donnerstag", said on a Thursday): today or in a
                    // week, asked like a weekday that disagrees with its date.
                    Err(spoken::Spoken::Ambiguous(days)) if heard.weekday_conflict.is_none() => {
                        if let [a, b] = days.as_slice() {
                            heard.weekday_conflict = Some([*a, *b]);
                            used[s_..e_].iter_mut().for_each(|u| *u = true);
                        }
                    }
                    Err(_) => {}
                }
            }
        }
    }
    if let Some(d) = day_only.filter(|_| heard.date.is_none() || relative_date) {
        heard.date = Some(d);
        relative_date = false;
    }
    // A date said besides today's weekday settles which of the two is meant.
    if heard.date.is_some() {
        heard.weekday_conflict = None;
    }
    if let (Some(d), false) = (heard.date, relative_date) {
        if let Some(said) = weekday_in(&fixed.join(" ")).filter(|w| *w != d.weekday()) {
            let other = (-3..=3)
                .map(|k| d + chrono::Duration::days(k))
                .find(|x| x.weekday() == said)
                .filter(|x| *x >= today);
            heard.weekday_conflict = other.map(|o| [d, o]);
        }
    }
    // A day called by its name ("Silvester", "am ersten Weihnachtsfeiertag"); "this evening".
    if heard.date.is_none() {
        heard.date = spoken::holiday(text, today);
    }
    let text_l = text.to_lowercase();
    if heard.date.is_none()
        && [
            "this evening",
            "this afternoon",
            "this lunchtime",
            "right now",
            "jetzt gleich",
            "gleich jetzt",
            "jetzt sofort",
            "sofort",
            "asap",
        ]
        .iter()
        .any(|k| text_l.contains(k))
    {
        heard.date = Some(today);
    }
    // "nächste Woche Freitag", "Friday next week": the weekday of the coming week.
    if let Some(d) = heard.date {
        let next_week = [
            "nächste woche",
            "naechste woche",
            "nächster woche",
            "kommende woche",
            "kommenden woche",
            "next week",
        ]
        .iter()
        .any(|k| text_l.contains(k));
        let monday =
            today + chrono::Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
        if next_week && d < monday && d > today {
            heard.date = Some(d + chrono::Duration::days(7));
        }
    }
    // "in drei Tagen", "in 3 days": days ahead of today.
    if heard.date.is_none() {
        for i in 0..lower.len().saturating_sub(2) {
            if lower[i] == "in" && ["tagen", "days"].contains(&lower[i + 2].as_str()) {
                if let Some(n) = spoken::party(&lower[i + 1])
                    .ok()
                    .filter(|n| (1..=60).contains(n))
                {
                    heard.date = Some(today + chrono::Duration::days(i64::from(n)));
                    used[i..i + 3].iter_mut().for_each(|u| *u = true);
                    break;
                }
            }
        }
    }
    // "Sunday week" (British): the weekday a week after the coming one.
    if let (Some(d), true) = (heard.date, relative_date) {
        let week_after = (1..lower.len()).any(|i| {
            lower[i] == "week"
                && weekday_in(&lower[i - 1]).is_some()
                && !["a", "next", "this", "per", "every"]
                    .contains(&lower.get(i.wrapping_sub(2)).map_or("", String::as_str))
        });
        if week_after {
            heard.date = Some(d + chrono::Duration::days(7));
        }
    }
    // "Samstag in zwei Wochen", "in a week": weeks ahead of the weekday, or of today.
    let weeks = [
        ("in einer woche", 1),
        ("in 1 woche", 1),
        ("in a week", 1),
        ("a week from", 1),
        ("a week on", 1),
        ("in one week", 1),
        ("in zwei wochen", 2),
        ("in 2 wochen", 2),
        ("in two weeks", 2),
        ("in 2 weeks", 2),
        ("in drei wochen", 3),
        ("in 3 wochen", 3),
        ("in three weeks", 3),
        ("in 3 weeks", 3),
    ]
    .iter()
    .find(|(k, _)| text_l.contains(k))
    .map(|(_, n)| chrono::Duration::days(7 * n));
    match (weeks, heard.date) {
        (Some(w), Some(d)) if relative_date => {
            // "In zwei Wochen am Dienstag" on a Tuesday: the weeks settle which Tuesday.
            heard.date = Some(d + w);
            heard.weekday_conflict = None;
        }
        (Some(w), None) => {
            // Today's weekday named with the weeks ("in zwei Wochen am Dienstag" on a
            // Tuesday): that many weeks from today, no question which Tuesday.
            heard.date = Some(heard.weekday_conflict.map_or(today, |[first, _]| first) + w);
            heard.weekday_conflict = None;
        }
        _ => {}
    }
    // ("Good morning" is a greeting, not the morning.)
    let said = |keys: &[&str]| {
        (0..lower.len()).any(|j| {
            keys.contains(&lower[j].as_str())
                && !(j > 0 && ["good", "guten"].contains(&lower[j - 1].as_str()))
        })
    };
    let part_of_day = if said(&[
        "früh",
        "frueh",
        "morgens",
        "vormittags",
        "vormittag",
        "morning",
    ]) {
        " morgens"
    } else if said(&[
        "abend",
        "abends",
        "evening",
        "night",
        "nacht",
        "tonight",
        "nachmittags",
    ]) {
        " abends"
    } else {
        ""
    };
    for i in 0..fixed.len() {
        if heard.time.is_none()
            && heard.time_options.is_empty()
            && !used[i]
            && time_cue(&fixed[i], fixed.get(i + 1).map(String::as_str))
        {
            // The shortest span to the right of the cue that is a time ("um halb acht",
            // "20 Uhr"; never "20 Uhr, 2 Personen"), then around it.
            let mut found = None;
            for len in 0..=3 {
                let (s, e) = (i, (i + len + 1).min(fixed.len()));
                if e > s && free(&used, s, e) {
                    // The part of the day said elsewhere in the message ("morgen früh um 9").
                    match spoken::time(&format!("{}{part_of_day}", fixed[s..e].join(" ")), open) {
                        Ok(t) => {
                            found = Some((Ok(t), s, e));
                            break;
                        }
                        Err(spoken::Spoken::Ambiguous(o)) if found.is_none() => {
                            found = Some((Err(o), s, e))
                        }
                        Err(_) => {}
                    }
                }
            }
            if found.is_none() && i > 0 && free(&used, i - 1, i + 1) {
                if let Ok(t) = spoken::time(&fixed[i - 1..i + 1].join(" "), open) {
                    found = Some((Ok(t), i - 1, i + 1));
                }
            }
            // "zwölf Uhr dreißig", "19 Uhr 30": the minutes after "Uhr" belong to the time
            // (not "20 Uhr 2 Personen").
            if let Some((Ok(t), s, e)) = found {
                let m = if fixed.get(e).is_some_and(|w| w.eq_ignore_ascii_case("uhr")) {
                    e + 1
                } else {
                    e
                };
                let said_uhr = m > e || fixed[s..e].iter().any(|w| w.eq_ignore_ascii_case("uhr"));
                let minutes = fixed
                    .get(m)
                    .and_then(|w| spoken::minute_word(w))
                    .filter(|n| *n >= 10 && n % 5 == 0);
                let party_next = fixed.get(m + 1).is_some_and(|w| {
                    let w = w.to_lowercase();
                    PEOPLE.contains(&w.as_str())
                        || ADULTS.contains(&w.as_str())
                        || CHILDREN.contains(&w.as_str())
                });
                // "at seven thirty": minutes in words follow the hour without "Uhr" too.
                let in_words = fixed
                    .get(m)
                    .is_some_and(|w| w.chars().all(|c| c.is_alphabetic() || c == '-'));
                if (said_uhr || in_words)
                    && minutes.is_some()
                    && !party_next
                    && free(&used, e, m + 1)
                {
                    if let Ok(t2) = spoken::time(&fixed[s..=m].join(" "), open) {
                        found = Some((Ok(t2), s, m + 1));
                    } else {
                        found = Some((Ok(t), s, e));
                    }
                }
            }
            if let Some((t, s, e)) = found {
                // "before 7pm", "vor 19 Uhr" (not "zehn vor acht"): half an hour earlier, a
                // time that is before it.
                let before = s > 0
                    && (lower[s - 1] == "before"
                        || lower[s - 1] == "vor"
                            && !(s > 1
                                && (spoken::minute_word(&lower[s - 2]).is_some()
                                    || ["viertel", "kurz"].contains(&lower[s - 2].as_str()))));
                let t = match t {
                    Ok(x) if before => Ok(x - chrono::Duration::minutes(30)),
                    other => other,
                };
                match t {
                    Ok(t) => heard.time = Some(t),
                    Err(o) => heard.time_options = o,
                }
                used[s..e].iter_mut().for_each(|u| *u = true);
                // "19 oder 20 Uhr", "7 or 8pm", "um 19 oder 20 Uhr": not settled; both are
                // the options.
                let number =
                    |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == ':');
                let or = |k: usize| lower.get(k).is_some_and(|w| w == "oder" || w == "or");
                let span = fixed[s..e].join(" ");
                let other = if s >= 2 && or(s - 1) && number(&lower[s - 2]) {
                    // The hour before takes the span's own suffix ("7" of "7 or 8pm").
                    let suffix = span.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
                    (span.starts_with(|c: char| c.is_ascii_digit()))
                        .then(|| spoken::time(&format!("{}{suffix}", lower[s - 2]), open).ok())
                        .flatten()
                        .map(|o| (o, s - 2))
                } else if or(e) && lower.get(e + 1).is_some_and(|w| number(w)) {
                    let to = (e + 3).min(fixed.len());
                    spoken::time(&fixed[e + 1..to].join(" "), open)
                        .or_else(|_| spoken::time(&fixed[e + 1], open))
                        .ok()
                        .map(|o| (o, e + 1))
                } else {
                    None
                };
                if let (Some(t), Some((o, k))) = (heard.time, other) {
                    if o != t {
                        heard.time = None;
                        heard.time_options = vec![o.min(t), o.max(t)];
                        used[k] = true;
                    }
                }
            }
        }
    }
    // "can we do 7 instead?", "lieber 8": a bare hour that replaces the one said is a time,
    // never ignored (the read-back shows how it was read).
    if heard.time.is_none() && heard.time_options.is_empty() {
        let replaces = |k: usize| {
            lower.get(k).is_some_and(|w| {
                ["instead", "stattdessen", "lieber", "rather"].contains(&w.as_str())
            })
        };
        let hour = (0..lower.len()).find(|&i| {
            !used[i]
                && lower[i].parse::<u32>().is_ok_and(|h| (1..=23).contains(&h))
                && (replaces(i + 1) || i > 0 && replaces(i - 1))
                && !lower
                    .get(i + 1)
                    .is_some_and(|w| PEOPLE.contains(&w.as_str()))
        });
        if let Some(i) = hour {
            match spoken::time(&lower[i], open) {
                Ok(t) => heard.time = Some(t),
                Err(spoken::Spoken::Ambiguous(o)) => heard.time_options = o,
                Err(_) => {}
            }
            if heard.time.is_some() || !heard.time_options.is_empty() {
                used[i] = true;
            }
        }
    }
    // "3 Erwachsene und 2 Kinder": the groups added up (not "4 Personen, davon 2 Kinder").
    let groups: Vec<(usize, u32, bool)> = (1..fixed.len())
        .filter(|&i| !used[i - 1])
        .filter_map(|i| {
            let w = fixed[i].to_lowercase();
            let child = CHILDREN.contains(&w.as_str());
            let adult = ADULTS.contains(&w.as_str());
            let n = spoken::party(&fixed[i - 1]).ok()?;
            (child || adult).then_some((i, n, child))
        })
        .collect();
    let among = lower
        .iter()
        .any(|w| ["davon", "including", "incl", "inkl", "darunter"].contains(&w.as_str()));
    if groups.iter().any(|g| g.2) && groups.iter().any(|g| !g.2) && !among {
        heard.party = Some(groups.iter().map(|g| g.1).sum());
        for (i, _, _) in &groups {
            used[*i - 1] = true;
            used[*i] = true;
        }
    }
    for i in 0..fixed.len() {
        // "we'd be 5", "we will be four"
        let be = fixed[i].eq_ignore_ascii_case("be")
            && i > 0
            && ["we'd", "we'll", "we", "will", "would"]
                .contains(&fixed[i - 1].to_lowercase().as_str());
        if heard.party.is_none() && !used[i] && (party_cue(&fixed[i]) || be) {
            // Words before the cue count only before a word for people ("vier Personen");
            // before "für" they are something else ("einen Tisch für Samstag" is no party
            // of one); "six of us" has its number before "of".
            let l = fixed[i].to_lowercase();
            let people = PEOPLE.contains(&l.as_str())
                || ADULTS.contains(&l.as_str())
                || CHILDREN.contains(&l.as_str())
                || l == "of";
            for (s, e) in [
                (i, i + 2),
                (i.saturating_sub(1), i + 1),
                (i, i + 3),
                (i.saturating_sub(2), i + 1),
            ] {
                let e = e.min(fixed.len());
                if e <= s || !free(&used, s, e) || s < i && !people {
                    continue;
                }
                let span = fixed[s..e].join(" ");
                if let Ok(n) = spoken::party(&span) {
                    if (1..=100).contains(&n) {
                        heard.party = Some(n);
                        used[s..e].iter_mut().for_each(|u| *u = true);
                        break;
                    }
                }
            }
        }
    }
    if heard.party.is_none() && spoken::couple(text) {
        heard.party = Some(2);
    }
    // "for 2 or 3 people", "für 3 bis 4": not settled; the number is asked for.
    if heard.party.is_some() {
        let undecided = (1..lower.len().saturating_sub(1)).any(|i| {
            [
                "or",
                "oder",
                "bis",
                "to",
                "vielleicht",
                "maybe",
                "eventuell",
                "possibly",
                "perhaps",
            ]
            .contains(&lower[i].as_str())
                && spoken::party(lower[i - 1].trim_end_matches(',')).is_ok()
                && lower[i - 1]
                    .trim_end_matches(',')
                    .chars()
                    .all(|c| c.is_alphanumeric())
                && spoken::party(&lower[i + 1]).is_ok()
                && (lower
                    .get(i + 2)
                    .is_some_and(|w| PEOPLE.contains(&w.as_str()))
                    || i >= 2
                        && [
                            "for",
                            "für",
                            "fuer",
                            "zu",
                            "sind",
                            "are",
                            "be",
                            "wahrscheinlich",
                            "probably",
                        ]
                        .contains(&lower[i - 2].as_str()))
        });
        if undecided {
            heard.party = None;
        }
    }
    // "me and 3 friends": the guest and three.
    if heard.party.is_none() {
        heard.party = spoken::me_and(text);
    }
    // "book 2 at 7", "Samstag 4 um 8": a number right before the time is the party.
    if heard.party.is_none() && heard.time.is_some() {
        for i in 0..fixed.len().saturating_sub(2) {
            if !used[i]
                && used[i + 2]
                && ["at", "um", "@"].contains(&lower[i + 1].as_str())
                && fixed[i].bytes().all(|b| b.is_ascii_digit())
            {
                if let Ok(n) = fixed[i].parse::<u32>() {
                    if (1..=30).contains(&n) {
                        heard.party = Some(n);
                        used[i] = true;
                        break;
                    }
                }
            }
        }
    }
    // "Kann ich alleine kommen?", "just me": a party of one.
    if heard.party.is_none() && spoken::alone(text) {
        heard.party = Some(1);
    }
    // "zu zweit mit Kind", "2 adults with a baby", "4 plus 2 kids": the children come on top
    // of the number said (not "4 Personen, davon 2 Kinder", "including 2 kids").
    if let (Some(n), false) = (heard.party, among) {
        heard.party = Some(n + children_with(&lower, &used));
    }
    heard.part_of_day = if lower.iter().any(|w| {
        [
            "abend",
            "abends",
            "evening",
            "tonight",
            "night",
            "dinner",
            "abendessen",
            "nachts",
        ]
        .contains(&w.as_str())
    }) {
        Some("evening")
    } else if lower.iter().any(|w| {
        [
            "mittag",
            "mittags",
            "mittagessen",
            "lunch",
            "lunchtime",
            "noon",
            "midday",
        ]
        .contains(&w.as_str())
    }) {
        Some("midday")
    } else {
        None
    };
    heard.time_shift = time_shift(&text.to_lowercase());
    heard.name = name_after(&words, &lower).map(tidy);
    heard.special = super::special::special_sentence(text);
    heard.note = super::special::wish_note(text);
    heard
}

#[cfg(test)]
mod tests;
