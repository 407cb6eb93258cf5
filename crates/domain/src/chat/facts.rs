//! The facts in a guest's message: date, time, party size, name, phone, email, booking code
//! and special-category words, each found around its cue words.

use super::{lower, tokens};
use crate::reservation::CODE_ALPHABET;
use crate::spoken;
use chrono::{NaiveDate, NaiveTime};

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
const NAMES: [&str; 38] = [
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

/// A weekday or month name with one typo, spelled right ("Freitga" → "freitag").
fn corrected(w: &str) -> Option<&'static str> {
    let l = w.to_lowercase();
    if l.len() < 5 {
        return None;
    }
    NAMES
        .iter()
        .copied()
        .find(|n| *n != l && n.len() >= 5 && distance(&l, n) == 1)
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
    ]
    .contains(&l.as_str())
        || l.contains(':') && l.chars().any(|c| c.is_ascii_digit())
        || l.ends_with("pm") && l.chars().next().is_some_and(|c| c.is_ascii_digit())
        || l.ends_with("uhr") && l.chars().next().is_some_and(|c| c.is_ascii_digit())
        || next.is_some_and(|n| n.eq_ignore_ascii_case("uhr"))
}

fn party_cue(w: &str) -> bool {
    [
        "personen",
        "person",
        "pers",
        "leute",
        "gäste",
        "gaeste",
        "people",
        "persons",
        "guests",
        "zu",
        "für",
        "fuer",
        "for",
        "of",
        "sind",
        "are",
        "erwachsene",
        "kinder",
        "adults",
        "pax",
    ]
    .contains(&w.to_lowercase().as_str())
}

/// Words that end a name ("Anna Müller, Telefon …").
const NOT_NAMES: [&str; 16] = [
    "und", "and", "mit", "with", "für", "for", "telefon", "tel", "handy", "nummer", "phone",
    "number", "mobile", "email", "e-mail", "mail",
];

fn name_after(words: &[String], lower: &[String]) -> Option<String> {
    const LEADS: [&[&str]; 14] = [
        &["mein", "name", "ist"],
        &["ich", "heiße"],
        &["ich", "heisse"],
        &["auf", "den", "namen"],
        &["name", "is"],
        &["my", "name", "is"],
        &["under", "the", "name"],
        &["name:"],
        // Weak leads: only a capitalised name counts ("ich bin Erika", not "ich bin allergisch").
        &["i'm"],
        &["ich", "bin"],
        &["hier", "ist"],
        &["i", "am"],
        &["this", "is"],
        &["hier", "spricht"],
    ];
    for (n, lead) in LEADS.iter().enumerate() {
        let weak = n >= 8;
        for i in 0..lower.len() {
            if lower.len() >= i + lead.len()
                && lower[i..i + lead.len()]
                    .iter()
                    .zip(lead.iter())
                    .all(|(a, b)| a == b)
            {
                let rest: Vec<&String> = words[i + lead.len()..]
                    .iter()
                    .take_while(|w| {
                        w.chars().next().is_some_and(char::is_alphabetic)
                            && !NOT_NAMES.contains(&w.to_lowercase().as_str())
                    })
                    .take(3)
                    .collect();
                let capitalised = rest
                    .first()
                    .and_then(|w| w.chars().next())
                    .is_some_and(char::is_uppercase);
                if !rest.is_empty() && (!weak || capitalised) {
                    return Some(
                        rest.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
        }
    }
    None
}

/// The guest's name from a message that is only a name ("Müller, Anna" → "Anna Müller";
/// "Anna Müller"), when the engine just asked for it.
pub fn bare_name(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches(['.', '!']);
    if t.is_empty() || t.len() > 80 || t.chars().any(|c| c.is_ascii_digit() || c == '@') {
        return None;
    }
    if let Some((last, first)) = t.split_once(',') {
        let (last, first) = (last.trim(), first.trim());
        if !last.is_empty() && !first.is_empty() && !last.contains(' ') {
            return Some(format!("{first} {last}"));
        }
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let names = words.len() <= 4
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    names.then(|| words.join(" "))
}

/// A name from a message that answers "what name?", written in any case ("paul becker" →
/// "Paul Becker"): one to four words of letters, none of them a yes, no or greeting.
pub fn asked_name(text: &str) -> Option<String> {
    // "it's Peter Parker", "ich bin Anna Weber": the lead-in is no part of the name.
    let mut text = text.trim();
    for lead in [
        "it's ",
        "it is ",
        "i'm ",
        "i am ",
        "this is ",
        "name's ",
        "ich bin ",
        "hier ist ",
        "ich heiße ",
        "ich heisse ",
    ] {
        if let (Some(head), Some(rest)) = (text.get(..lead.len()), text.get(lead.len()..)) {
            if head.eq_ignore_ascii_case(lead) && !rest.trim().is_empty() {
                text = rest.trim();
                break;
            }
        }
    }
    if let Some(n) = bare_name(text) {
        return Some(n);
    }
    let t = text.trim().trim_end_matches(['.', '!']);
    let words: Vec<&str> = t.split_whitespace().collect();
    let letters = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    const NOT: [&str; 12] = [
        "ja", "nein", "yes", "no", "hallo", "hello", "hi", "danke", "thanks", "ok", "okay", "bitte",
    ];
    let ok = (1..=4).contains(&words.len())
        && words.iter().all(letters)
        && !words
            .iter()
            .any(|w| NOT.contains(&w.to_lowercase().as_str()));
    ok.then(|| {
        words
            .iter()
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Whether a word is a booking code: six characters of the code alphabet, written in
/// capitals, or in any case when it has a digit ("x7km4p").
pub fn looks_like_code(w: &str) -> bool {
    let u = w.to_uppercase();
    u.len() == 6
        && u.bytes().all(|b| CODE_ALPHABET.contains(&b))
        && (w == u || u.bytes().any(|b| b.is_ascii_digit()))
}

/// The facts in a message, with `today` in the restaurant's zone and `open` telling whether
/// the restaurant seats at a time (to settle "um 8").
pub fn hear(text: &str, today: NaiveDate, open: &dyn Fn(NaiveTime) -> bool) -> Heard {
    let words = tokens(text);
    let lower: Vec<String> = words.iter().map(|w| lower(w)).collect();
    let mut heard = Heard::default();
    let mut used = vec![false; words.len()];
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
        // A lone "/" or "-" between groups ("0761 / 88 77 66") continues a number.
        let phoneish = !used[i]
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
    // A booking code: six characters of the code alphabet with a digit, in capitals.
    for (i, w) in words.iter().enumerate() {
        let u = w.to_uppercase();
        let looks = looks_like_code(w);
        if looks && !used[i] {
            heard.code = Some(u);
            used[i] = true;
        }
    }
    // Words with one typo in a weekday or month name are read as meant.
    let fixed: Vec<String> = words
        .iter()
        .map(|w| corrected(w).map_or_else(|| w.clone(), str::to_string))
        .collect();
    let free = |used: &[bool], s: usize, e: usize| used[s..e].iter().all(|u| !u);
    for i in 0..fixed.len() {
        if heard.date.is_none() && date_cue(&fixed[i]) && !used[i] {
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
                    // ("for 2 saturday").
                    || (!NAMES[..14].contains(&lowered(i).as_str())
                        && lowered(i - 1)
                            .trim_end_matches('.')
                            .parse::<u32>()
                            .is_ok_and(|n| (1..=31).contains(&n))));
            let mut spans: Vec<(usize, usize)> = Vec::new();
            if modifier {
                spans.push((i - 1, i + 1));
                if i > 1 {
                    spans.push((i - 2, i + 1));
                }
            }
            spans.push((i, i + 1));
            spans.push((i, (i + 2).min(fixed.len())));
            for (s_, e_) in spans {
                if e_ <= s_ || !free(&used, s_, e_) {
                    continue;
                }
                if let Ok(d) = spoken::date(&fixed[s_..e_].join(" "), today) {
                    heard.date = Some(d);
                    used[s_..e_].iter_mut().for_each(|u| *u = true);
                    break;
                }
            }
        }
    }
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
                    match spoken::time(&fixed[s..e].join(" "), open) {
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
            if let Some((t, s, e)) = found {
                match t {
                    Ok(t) => heard.time = Some(t),
                    Err(o) => heard.time_options = o,
                }
                used[s..e].iter_mut().for_each(|u| *u = true);
            }
        }
    }
    for i in 0..fixed.len() {
        if heard.party.is_none() && !used[i] && party_cue(&fixed[i]) {
            for (s, e) in [
                (i, i + 2),
                (i.saturating_sub(1), i + 1),
                (i, i + 3),
                (i.saturating_sub(2), i + 1),
            ] {
                let e = e.min(fixed.len());
                if e <= s || !free(&used, s, e) {
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
    heard.name = name_after(&words, &lower);
    heard.special = super::special::special_sentence(text);
    heard
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{intents, Intent};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").expect("time")
    }

    /// Tuesday 24 November 2026; open from 17:30 to 22:00.
    fn hear_(text: &str) -> Heard {
        let open = |x: NaiveTime| {
            x >= t("11:30") && x <= t("22:00") && !(x > t("14:00") && x < t("17:30"))
        };
        hear(text, d("2026-11-24"), &open)
    }

    #[test]
    fn a_whole_request_in_one_german_sentence() {
        let h = hear_("Hallo, habt ihr Freitag um halb acht einen Tisch für vier Personen?");
        assert_eq!(h.date, Some(d("2026-11-27")));
        assert_eq!(h.time, Some(t("19:30")));
        assert_eq!(h.party, Some(4));
    }

    #[test]
    fn english_with_a_typo_and_numbers_in_words() {
        let h = hear_("hi, could we get a table for six on Firday at 8pm?");
        assert_eq!(h.date, Some(d("2026-11-27")), "{h:?}");
        assert_eq!(h.time, Some(t("20:00")));
        assert_eq!(h.party, Some(6));
    }

    #[test]
    fn contact_details_and_names() {
        let h = hear_("Mein Name ist Anna Müller, Telefon 0761 234 5678, anna.mueller@example.com");
        assert_eq!(h.name.as_deref(), Some("Anna Müller"));
        assert_eq!(h.phone.as_deref(), Some("0761 234 5678"));
        assert_eq!(h.email.as_deref(), Some("anna.mueller@example.com"));
        assert_eq!(h.time, None, "digits of a phone number are no time");
        assert_eq!(h.party, None);
        assert_eq!(bare_name("Müller, Anna"), Some("Anna Müller".into()));
        assert_eq!(bare_name("Anna Müller"), Some("Anna Müller".into()));
        assert_eq!(bare_name("ja gerne"), None);
        assert_eq!(asked_name("paul becker"), Some("Paul Becker".into()));
        assert_eq!(
            hear_("Hallo, ich bin Erika Mustermann").name.as_deref(),
            Some("Erika Mustermann")
        );
        assert_eq!(hear_("ich bin allergisch gegen Nüsse").name, None);
        assert_eq!(asked_name("ja"), None);
        assert_eq!(
            hear_("Ich heiße Sophie Müller und möchte für Freitag 19:30 einen Tisch").time,
            Some(t("19:30"))
        );
    }

    #[test]
    fn corrections_and_short_answers() {
        assert_eq!(hear_("nein, doch 8 Uhr").time, Some(t("20:00")));
        assert_eq!(hear_("actually make it six of us").party, Some(6));
        assert_eq!(hear_("zu viert").party, Some(4));
        assert_eq!(hear_("Samstag, 19:00, 4 Pers.").party, Some(4));
        assert_eq!(hear_("morgen").date, Some(d("2026-11-25")));
        assert_eq!(hear_("am 28.11.").date, Some(d("2026-11-28")));
    }

    #[test]
    fn a_name_after_a_lead_in_and_with_umlauts() {
        assert_eq!(
            asked_name("it's Peter Parker").as_deref(),
            Some("Peter Parker")
        );
        assert_eq!(
            asked_name("Ich bin Anna Müller").as_deref(),
            Some("Anna Müller")
        );
        assert_eq!(asked_name("Anna Müller").as_deref(), Some("Anna Müller"));
        assert_eq!(asked_name("Ü").as_deref(), Some("Ü"));
    }

    #[test]
    fn codes_and_special_category_words() {
        let h = hear_("Ich möchte meine Reservierung X7KM4P stornieren");
        assert_eq!(h.code.as_deref(), Some("X7KM4P"));
        assert_eq!(
            hear_("Code: QWERTY? nein, CVWFHP").code.as_deref(),
            Some("CVWFHP"),
            "codes without digits, in capitals"
        );
        assert_eq!(
            hear_("meine nummer ist x7km4p").code.as_deref(),
            Some("X7KM4P")
        );
        assert_eq!(hear_("Ich komme gerne").code, None);
        assert_eq!(
            intents("Ich möchte meine Reservierung X7KM4P stornieren")[0],
            Intent::Cancel
        );
        let h = hear_("Wir sind zu zweit. Meine Frau hat eine Nussallergie!");
        assert_eq!(h.party, Some(2));
        assert_eq!(
            h.special.as_deref(),
            Some("Meine Frau hat eine Nussallergie")
        );
    }
}
