//! Guests' short forms written out before the facts are read: "Fr." is Freitag, "tmrw"
//! tomorrow, "Sonntagmittag" two words, "19 30" is 19:30, digits said as words are digits.

use super::{NAMES, PEOPLE};
use crate::spoken;

/// Short forms guests type, as (short, written out, when): `Always`, or only as a date
/// (`Dated`: with its dot, before a number, or after "am"/"on"), or only before a number or
/// after "am"/"on" (`Near`: "so", "do", "sat", "wed" and "sun" are words of their own).
const SHORT: [(&str, &str, When); 28] = [
    ("tmrw", "tomorrow", When::Always),
    ("heut", "heute", When::Always),
    ("tmr", "tomorrow", When::Always),
    ("tmrow", "tomorrow", When::Always),
    ("tomorow", "tomorrow", When::Always),
    ("tommorow", "tomorrow", When::Always),
    ("tommorrow", "tomorrow", When::Always),
    ("2morrow", "tomorrow", When::Always),
    ("tonite", "tonight", When::Always),
    ("2nite", "tonight", When::Always),
    ("ppl", "people", When::Always),
    ("mo", "montag", When::Dated),
    ("di", "dienstag", When::Dated),
    ("mi", "mittwoch", When::Near),
    ("do", "donnerstag", When::Near),
    ("fr", "freitag", When::Dated),
    ("sa", "samstag", When::Dated),
    ("so", "sonntag", When::Near),
    ("mon", "monday", When::Dated),
    ("tue", "tuesday", When::Dated),
    ("tues", "tuesday", When::Dated),
    ("wed", "wednesday", When::Near),
    ("thu", "thursday", When::Dated),
    ("thur", "thursday", When::Dated),
    ("thurs", "thursday", When::Dated),
    ("fri", "friday", When::Dated),
    ("sat", "saturday", When::Near),
    ("sun", "sunday", When::Near),
];

/// Parts of a day written after a weekday in one word ("Freitagabend").
const PARTS_OF_DAY: [&str; 8] = [
    "abend",
    "abends",
    "mittag",
    "mittags",
    "nachmittag",
    "vormittag",
    "morgen",
    "nacht",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    Always,
    Dated,
    Near,
}

/// Months written short ("12 Dez", "Dec 12th", "3. Jan."): read as months only with their dot
/// or next to a day number, since "Jan" is a name too.
const SHORT_MONTHS: [(&str, &str); 15] = [
    ("jan", "januar"),
    ("feb", "februar"),
    ("mär", "märz"),
    ("mar", "march"),
    ("apr", "april"),
    ("jun", "juni"),
    ("jul", "juli"),
    ("aug", "august"),
    ("sep", "september"),
    ("sept", "september"),
    ("okt", "oktober"),
    ("oct", "october"),
    ("nov", "november"),
    ("dez", "dezember"),
    ("dec", "december"),
];

/// Digits spoken in words, as speech-to-text writes a phone number ("null sieben sechs
/// eins …", "oh one five one …").
const DIGIT_WORDS: [(&str, char); 22] = [
    ("null", '0'),
    ("zero", '0'),
    ("oh", '0'),
    ("eins", '1'),
    ("one", '1'),
    ("zwei", '2'),
    ("zwo", '2'),
    ("two", '2'),
    ("drei", '3'),
    ("three", '3'),
    ("vier", '4'),
    ("four", '4'),
    ("fünf", '5'),
    ("five", '5'),
    ("sechs", '6'),
    ("six", '6'),
    ("sieben", '7'),
    ("seven", '7'),
    ("acht", '8'),
    ("eight", '8'),
    ("neun", '9'),
    ("nine", '9'),
];

/// Runs of six or more digits said one by one ("null sieben sechs eins eins zwei …", with
/// a "plus" before them) written as the number they spell; shorter runs stay words ("zwei
/// drei Leute").
fn spoken_digits(raw: &[&str]) -> Vec<String> {
    let digit = |w: &str| {
        let l = w.trim_end_matches([',', '.']).to_lowercase();
        DIGIT_WORDS
            .iter()
            .find(|(k, _)| *k == l)
            .map(|(_, d)| *d)
            .or_else(|| {
                (l.len() <= 4 && !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
                    .then_some('#')
            })
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let mut j = i;
        let mut number = String::new();
        if raw[i].eq_ignore_ascii_case("plus") {
            number.push('+');
            j += 1;
        }
        let mut words_said = 0;
        while j < raw.len() {
            match digit(raw[j]) {
                Some('#') => number.push_str(raw[j].trim_end_matches([',', '.'])),
                Some(d) => {
                    number.push(d);
                    words_said += 1;
                }
                None => break,
            }
            j += 1;
        }
        if words_said >= 4 && number.trim_start_matches('+').len() >= 6 {
            out.push(number);
            i = j;
        } else {
            out.push(raw[i].to_string());
            i += 1;
        }
    }
    out
}

/// The message with the short forms guests type written out ("Fr. 20 Uhr" → "freitag 20
/// Uhr", "Sat 8pm" → "saturday 8pm", "tmrw" → "tomorrow"); every other word as it was.
/// "Samstag 19 30": an hour and a quarter written apart, as on a phone keyboard without a
/// colon, joined to "19:30". Not inside a run of numbers (a phone number written in pairs).
fn clock_pairs(words: Vec<String>) -> Vec<String> {
    let digits = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let hour = words[i].as_str();
        let raw_minute = words
            .get(i + 1)
            .map(|m| m.trim_end_matches([',', '.', '!', '?']));
        // "6 30pm": with am/pm after the minutes a morning-sized hour counts too, and a
        // number may follow (no phone number ends in "pm").
        let (minute, suffix) = match raw_minute {
            Some(m) => match ["pm", "am"]
                .iter()
                .find(|s| m.to_ascii_lowercase().ends_with(*s))
            {
                Some(s) => (Some(&m[..m.len() - s.len()]), *s),
                None => (Some(m), ""),
            },
            None => (None, ""),
        };
        let smallest = if suffix.is_empty() { 10 } else { 1 };
        let pair = minute.is_some_and(|m| {
            digits(hour)
                && hour
                    .parse::<u32>()
                    .is_ok_and(|h| (smallest..=23).contains(&h))
                && ["00", "15", "30", "45"].contains(&m)
                && !(i > 0 && digits(words[i - 1].trim_end_matches([',', '.'])))
                && (!suffix.is_empty()
                    || !words
                        .get(i + 2)
                        .is_some_and(|n| digits(n.trim_end_matches([',', '.']))))
        });
        if pair {
            let m = minute.unwrap_or_default();
            let tail = &words[i + 1][m.len() + suffix.len()..];
            out.push(format!("{hour}:{m}{suffix}{tail}"));
            i += 2;
        } else {
            out.push(words[i].clone());
            i += 1;
        }
    }
    out
}

/// "ein Dutzend", "a dozen", "half a dozen": the number.
fn dozens(words: Vec<&str>) -> Vec<String> {
    const PHRASES: [(&[&str], &str); 6] = [
        (&["ein", "halbes", "dutzend"], "6"),
        (&["half", "a", "dozen"], "6"),
        (&["halbes", "dutzend"], "6"),
        (&["ein", "dutzend"], "12"),
        (&["a", "dozen"], "12"),
        (&["dutzend"], "12"),
    ];
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for (phrase, n) in PHRASES {
            let end = i + phrase.len();
            if end <= words.len()
                && words[i..end]
                    .iter()
                    .zip(phrase.iter())
                    .all(|(w, p)| w.trim_end_matches([',', '.']).eq_ignore_ascii_case(p))
            {
                let tail = &words[end - 1][words[end - 1].trim_end_matches([',', '.']).len()..];
                out.push(format!("{n}{tail}"));
                i = end;
                continue 'words;
            }
        }
        out.push(words[i].to_string());
        i += 1;
    }
    out
}

pub fn normalise(text: &str) -> String {
    let counted = dozens(text.split_whitespace().collect());
    let said = clock_pairs(spoken_digits(
        &counted.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let raw: Vec<&str> = said.iter().map(String::as_str).collect();
    let mut out = Vec::with_capacity(raw.len());
    for (i, w) in raw.iter().enumerate() {
        let core = w.trim_end_matches([',', '!', '?', ';', ':']);
        let tail = &w[core.len()..];
        let (stem, dot) = match core.strip_suffix('.') {
            Some(s) => (s, true),
            None => (core, false),
        };
        let l = stem.to_lowercase();
        // "Freitagabend", "Sonntagmittag": the day and the part of the day.
        if let Some((day, part)) = NAMES[..7].iter().find_map(|d| {
            l.strip_prefix(d)
                .filter(|p| PARTS_OF_DAY.contains(p))
                .map(|p| (*d, p))
        }) {
            out.push(format!("{day} {part}{tail}"));
            continue;
        }
        let near = raw
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(|c| c.is_ascii_digit())
            || i > 0
                && ["am", "on", "next", "this", "den", "nächsten", "kommenden"]
                    .contains(&raw[i - 1].to_lowercase().as_str());
        // "table sat": a short form that ends a short message is a day.
        let near = near || raw.len() <= 4 && i + 1 == raw.len();
        let day_number = |k: Option<&&str>| {
            k.is_some_and(|w| {
                let w = w.trim_end_matches([',', '.']);
                spoken::day_number(w).is_some()
                    && w.bytes().next().is_some_and(|b| b.is_ascii_digit())
            })
        };
        let by_day = day_number(raw.get(i + 1)) || i > 0 && day_number(raw.get(i - 1));
        if let Some((_, month)) = SHORT_MONTHS
            .iter()
            .find(|(a, _)| *a == l)
            .filter(|_| dot || by_day)
        {
            out.push(format!("{month}{tail}"));
            continue;
        }
        // "2ppl", "4pax", "2p", "3pers": a party typed without a space.
        let digits = l.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=2).contains(&digits) {
            let glued = [
                ("p", "pers"),
                ("ppl", "people"),
                ("pax", "pax"),
                ("pers", "pers"),
                ("personen", "personen"),
                ("people", "people"),
                ("leute", "leute"),
                ("guests", "guests"),
            ];
            if let Some((_, word)) = glued.iter().find(|(g, _)| l[digits..] == **g) {
                out.push(format!("{} {word}{tail}", &l[..digits]));
                continue;
            }
        }
        // "Tisch fr 4 pers": chat shorthand for "für" before a party, not Friday.
        if l == "fr"
            && raw.get(i + 2).is_some_and(|p| {
                PEOPLE.contains(
                    &p.trim_end_matches(['.', ',', '!', '?'])
                        .to_lowercase()
                        .as_str(),
                )
            })
        {
            out.push(format!("für{tail}"));
            continue;
        }
        // "so 18 Uhr" in the middle of a sentence is "around 18", not Sunday; "So 18 Uhr",
        // "So." and "am so" still are.
        let after_am = i > 0 && ["am", "on"].contains(&raw[i - 1].to_lowercase().as_str());
        let around = l == "so" && !dot && !stem.starts_with('S') && !after_am;
        // "Could you do 2 at 8": the English verb, not "Do." for Donnerstag.
        let verb_do = l == "do"
            && !dot
            && !stem.starts_with('D')
            && !after_am
            && (i > 0
                && ["you", "we", "i", "u", "can", "could", "would", "they", "to"]
                    .contains(&raw[i - 1].to_lowercase().as_str())
                || raw.get(i + 2).is_some_and(|w| {
                    ["at", "for", "people", "ppl"].contains(&w.to_lowercase().as_str())
                }));
        let around = around || verb_do;
        let full = SHORT.iter().find(|(a, _, when)| {
            *a == l
                && !around
                && match when {
                    When::Always => true,
                    When::Dated => dot || near,
                    When::Near => near,
                }
        });
        match full {
            Some((_, f, _)) => out.push(format!("{f}{tail}")),
            None => out.push((*w).to_string()),
        }
    }
    out.join(" ")
}
