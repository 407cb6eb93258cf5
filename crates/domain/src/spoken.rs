//! Dates, times and party sizes as guests say them and voice models pass them on, in German and
//! English: "morgen", "nächsten Samstag", "27. November", "halb acht", "7pm", "zu viert". Parsed
//! relative to the restaurant's today; an hour without am/pm is settled by the opening hours,
//! and whatever stays ambiguous comes back as the options to ask about, never a guess.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

mod numbers;
pub use numbers::minute_word;
use numbers::number_word;

/// Why a spoken value was not turned into one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spoken<T> {
    /// Nothing recognisable.
    Unrecognised,
    /// More than one reading; ask which.
    Ambiguous(Vec<T>),
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
        .split(|c: char| c.is_whitespace() || c == ',' || c == '!' || c == '?')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.trim_matches(|c: char| c == '"' || c == '\'' || c == '(' || c == ')')
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("montag", "monday", Weekday::Mon),
    ("dienstag", "tuesday", Weekday::Tue),
    ("mittwoch", "wednesday", Weekday::Wed),
    ("donnerstag", "thursday", Weekday::Thu),
    ("freitag", "friday", Weekday::Fri),
    ("samstag", "saturday", Weekday::Sat),
    ("sonntag", "sunday", Weekday::Sun),
];

const MONTHS: [(&str, &str, u32); 12] = [
    ("januar", "january", 1),
    ("februar", "february", 2),
    ("maerz", "march", 3),
    ("april", "april", 4),
    ("mai", "may", 5),
    ("juni", "june", 6),
    ("juli", "july", 7),
    ("august", "august", 8),
    ("september", "september", 9),
    ("oktober", "october", 10),
    ("november", "november", 11),
    ("dezember", "december", 12),
];

fn month_of(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .find(|(de, en, _)| {
            *de == w || *en == w || (w.len() >= 3 && (de.starts_with(w) || en.starts_with(w)))
        })
        .map(|m| m.2)
}

/// German and English ordinals of the days of a month, without their endings
/// ("fuenften", "fünfter" → "fuenft"; "fifth").
const ORDINALS: [(&str, &str); 31] = [
    ("erst", "first"),
    ("zweit", "second"),
    ("dritt", "third"),
    ("viert", "fourth"),
    ("fuenft", "fifth"),
    ("sechst", "sixth"),
    ("siebt", "seventh"),
    ("acht", "eighth"),
    ("neunt", "ninth"),
    ("zehnt", "tenth"),
    ("elft", "eleventh"),
    ("zwoelft", "twelfth"),
    ("dreizehnt", "thirteenth"),
    ("vierzehnt", "fourteenth"),
    ("fuenfzehnt", "fifteenth"),
    ("sechzehnt", "sixteenth"),
    ("siebzehnt", "seventeenth"),
    ("achtzehnt", "eighteenth"),
    ("neunzehnt", "nineteenth"),
    ("zwanzigst", "twentieth"),
    ("einundzwanzigst", "twenty-first"),
    ("zweiundzwanzigst", "twenty-second"),
    ("dreiundzwanzigst", "twenty-third"),
    ("vierundzwanzigst", "twenty-fourth"),
    ("fuenfundzwanzigst", "twenty-fifth"),
    ("sechsundzwanzigst", "twenty-sixth"),
    ("siebenundzwanzigst", "twenty-seventh"),
    ("achtundzwanzigst", "twenty-eighth"),
    ("neunundzwanzigst", "twenty-ninth"),
    ("dreissigst", "thirtieth"),
    ("einunddreissigst", "thirty-first"),
];

/// A day of a month: "27.", "27th", "fünften", "twenty-first".
pub fn day_number(w: &str) -> Option<u32> {
    let l = words(w).join(" ");
    let stem = l
        .trim_end_matches('.')
        .trim_end_matches("en")
        .trim_end_matches("er")
        .trim_end_matches("es")
        .trim_end_matches('e');
    if let Some(i) = ORDINALS
        .iter()
        .position(|(de, en)| *de == stem || *en == l.trim_end_matches('.'))
    {
        return u32::try_from(i + 1).ok();
    }
    let d = w
        .trim_end_matches('.')
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    d.parse().ok().filter(|n| (1..=31).contains(n))
}

/// The next day with this number ("the 11th", "am 12."): this month, or the next month
/// that has it.
pub fn day_of_month(day: u32, today: NaiveDate) -> Option<NaiveDate> {
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..3 {
        if let Some(d) = NaiveDate::from_ymd_opt(y, m, day).filter(|d| *d >= today) {
            return Some(d);
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    None
}

/// The date `day.month` next to come (this year, or next year once it has passed).
fn upcoming(today: NaiveDate, month: u32, day: u32, year: Option<i32>) -> Option<NaiveDate> {
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(y, month, day);
    }
    let this = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if this >= today {
        Some(this)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
    }
}

/// Days called by name, as (words, month, day), the longer names first: "zweiter
/// Weihnachtsfeiertag" before "Weihnachtsfeiertag". Plain "Weihnachten" names three days and
/// is left to a question; "Christmas" alone is often a menu or a party, not a day.
const HOLIDAYS: [(&[&str], u32, u32); 8] = [
    (&["heiligabend", "heilig abend", "christmas eve"], 12, 24),
    (
        &[
            "silvester",
            "new year's eve",
            "new years eve",
            "new year eve",
        ],
        12,
        31,
    ),
    (
        &["neujahr", "new year's day", "new years day", "new year day"],
        1,
        1,
    ),
    (
        &[
            "zweiten weihnachts",
            "zweiter weihnachts",
            "2. weihnachts",
            "boxing day",
            "stephanstag",
        ],
        12,
        26,
    ),
    (
        &[
            "weihnachtsfeiertag",
            "weihnachtstag",
            "christmas day",
            "on christmas",
        ],
        12,
        25,
    ),
    (&["valentinstag", "valentine"], 2, 14),
    (&["tag der deutschen einheit"], 10, 3),
    (&["maifeiertag", "tag der arbeit"], 5, 1),
];

/// A day called by its name ("Silvester", "am ersten Weihnachtsfeiertag", "Christmas Eve"),
/// the next one to come.
pub fn holiday(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let l = words(s).join(" ");
    HOLIDAYS
        .iter()
        .find(|(names, _, _)| names.iter().any(|n| l.contains(&n.replace('ä', "ae"))))
        .and_then(|(_, m, d)| upcoming(today, *m, *d, None))
}

/// A spoken or written date relative to `today` (in the restaurant's zone).
pub fn date(s: &str, today: NaiveDate) -> Result<NaiveDate, Spoken<NaiveDate>> {
    let t = s.trim();
    if let Some(d) = holiday(t, today) {
        return Ok(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    // 27.11.2026, 27.11.26, 27.11., 27.11, 27/11 (day first; 11/27 only when it cannot be
    // day first)
    let parts: Vec<&str> = t.trim_end_matches('.').split(['.', '/']).collect();
    if (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        let (mut day, mut month): (Option<u32>, Option<u32>) =
            (parts[0].parse().ok(), parts[1].parse().ok());
        if t.contains('/') && month.is_some_and(|m| m > 12) && day.is_some_and(|d| d <= 12) {
            std::mem::swap(&mut day, &mut month);
        }
        let year = parts.get(2).and_then(|y| y.parse::<i32>().ok()).map(|y| {
            if y < 100 {
                2000 + y
            } else {
                y
            }
        });
        if let (Some(d), Some(m)) = (day, month) {
            return upcoming(today, m, d, year).ok_or(Spoken::Unrecognised);
        }
    }
    let w = words(t);
    let has = |x: &str| w.iter().any(|v| v == x);
    if has("uebermorgen") || (has("day") && has("after") && has("tomorrow")) {
        return Ok(today + Duration::days(2));
    }
    if has("morgen") || has("tomorrow") {
        return Ok(today + Duration::days(1));
    }
    if has("heute") || has("today") || has("tonight") {
        return Ok(today);
    }
    for (i, word) in w.iter().enumerate() {
        if let Some((_, _, wd)) = WEEKDAYS
            .iter()
            .find(|(de, en, _)| word.trim_end_matches('.') == *de || word == en)
        {
            let prev = if i > 0 { w[i - 1].as_str() } else { "" };
            let ahead = (i64::from(wd.num_days_from_monday())
                - i64::from(today.weekday().num_days_from_monday()))
            .rem_euclid(7);
            let next = if ahead == 0 { 7 } else { ahead };
            return match prev {
                "naechsten" | "naechster" | "naechste" | "kommenden" | "next" | "coming" => {
                    Ok(today + Duration::days(next))
                }
                "uebernaechsten" => Ok(today + Duration::days(next + 7)),
                // Saying today's weekday may mean today or a week from now.
                _ if ahead == 0 => Err(Spoken::Ambiguous(vec![today, today + Duration::days(7)])),
                _ => Ok(today + Duration::days(ahead)),
            };
        }
    }
    // "27. November", "27th of November", "November 27", optionally a year.
    let year = w
        .iter()
        .find_map(|x| x.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)));
    for (i, word) in w.iter().enumerate() {
        if let Some(m) = month_of(word) {
            let before = (0..i).rev().find_map(|j| day_number(&w[j]));
            let after = w.get(i + 1).and_then(|x| day_number(x));
            if let Some(d) = before.or(after) {
                return upcoming(today, m, d, year).ok_or(Spoken::Unrecognised);
            }
        }
    }
    Err(Spoken::Unrecognised)
}

/// A spoken or written time. An hour from 1 to 12 without "abends"/"pm" or "morgens"/"am" is
/// read as the one reading `open` accepts; if both or neither are open, both are returned to
/// ask about.
pub fn time(s: &str, open: impl Fn(NaiveTime) -> bool) -> Result<NaiveTime, Spoken<NaiveTime>> {
    let mut w = words(s);
    // "kurz vor acht", "kurz nach sieben": a quarter before or after, the slot a host offers.
    for i in 0..w.len().saturating_sub(1) {
        if w[i] == "kurz" && (w[i + 1] == "vor" || w[i + 1] == "nach") {
            w[i] = "viertel".into();
        }
    }
    let text = w.join(" ");
    let pm = [
        "p.m",
        "abends",
        "abend",
        "pm",
        "p.m.",
        "nachmittags",
        "evening",
        "tonight",
    ]
    .iter()
    .any(|k| text.contains(k));
    // "9am", "9:30am": the suffix on the number too.
    let am_suffix = |x: &str| {
        x.strip_suffix("am").is_some_and(|n| {
            n.chars().next().is_some_and(|c| c.is_ascii_digit())
                && n.chars()
                    .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
        })
    };
    let am = ["morgens", "vormittags", "frueh", "a.m.", "morning"]
        .iter()
        .any(|k| text.contains(k))
        || w.iter().any(|x| x == "am" || am_suffix(x));
    let noon = ["mittags", "mittag", "noon", "lunch"]
        .iter()
        .any(|k| text.contains(k));
    // "at noon", "12 noon", "midday": twelve o'clock.
    let noon_said = w.iter().any(|x| x == "noon" || x == "midday");
    w.retain(|x| {
        ![
            "noon",
            "midday",
            "ok",
            "okay",
            "then",
            "dann",
            "bitte",
            "please",
            "after",
            // "8 is fine", "20 Uhr passt": the agreement around the time.
            "is",
            "fine",
            "works",
            "good",
            "great",
            "perfect",
            "passt",
            "geht",
            "gut",
            "perfekt",
            "ist",
            "um",
            "at",
            "gegen",
            "so",
            "around",
            "about",
            "circa",
            "ca",
            "etwa",
            "ungefähr",
            "ungefaehr",
            "uhr",
            "o'clock",
            "oclock",
            "abends",
            "abend",
            "morgens",
            "vormittags",
            "pm",
            "p.m.",
            "p.m",
            "am",
            "a.m.",
            "mittags",
            "heute",
            "tonight",
            "in",
            "the",
            "evening",
            "morning",
            "morgen",
            "uebermorgen",
            "tomorrow",
            "today",
        ]
        .contains(&x.as_str())
    });
    if noon_said && (w.is_empty() || w == ["12"]) {
        return NaiveTime::from_hms_opt(12, 0, 0).ok_or(Spoken::Unrecognised);
    }
    let (hour, minute): (u32, u32) = {
        let joined = w.join(" ");
        let compact = joined.replace(' ', "");
        let clock = compact
            .trim_end_matches("ish")
            .trim_end_matches("uhr")
            .trim_end_matches("pm")
            .trim_end_matches("am");
        // "19.30h", "7h30" as written in much of Europe.
        let hm = clock.trim_end_matches('h');
        let clock = if hm.chars().all(|c| c.is_ascii_digit() || c == 'h') && hm.contains('h') {
            hm.replacen('h', ":", 1)
        } else if clock.ends_with('h') && hm.contains([':', '.']) {
            hm.to_string()
        } else {
            clock.to_string()
        };
        let clock = clock.as_str();
        if let Some((h, m)) = clock.split_once([':', '.']) {
            match (h.parse::<u32>(), m.parse()) {
                // "09:00", "10:30": a two-digit hour is the 24-hour clock, as the tools pass
                // times on ("09:00" was read as 21:00 where only the evening is open).
                (Ok(hour), Ok(m)) if h.len() == 2 && hour < 13 && !pm => {
                    return NaiveTime::from_hms_opt(hour, m, 0).ok_or(Spoken::Unrecognised);
                }
                (Ok(h), Ok(m)) => (h, m),
                _ => return Err(Spoken::Unrecognised),
            }
        } else if let Some(h) = clock.strip_suffix("h").and_then(|h| h.parse().ok()) {
            (h, 0)
        } else if let (Ok(h), 1) = (clock.parse::<u32>(), w.len()) {
            // "1930" as written on forms, "830" typed without a colon: the last two digits
            // are the minutes.
            if clock.len() == 4 || clock.len() == 3 && h % 100 < 60 && h >= 100 {
                (h / 100, h % 100)
            } else {
                (h, 0)
            }
        } else {
            match w.as_slice() {
                [h] => (number_word(h).ok_or(Spoken::Unrecognised)?, 0),
                [h, m] if number_word(h).is_some() && minute_word(m).is_some() => {
                    (number_word(h).unwrap_or(0), minute_word(m).unwrap_or(0))
                }
                [x, h] if x == "halb" => (
                    number_word(h)
                        .ok_or(Spoken::Unrecognised)?
                        .checked_sub(1)
                        .ok_or(Spoken::Unrecognised)?,
                    30,
                ),
                [x, y, h] if x == "viertel" && y == "nach" => {
                    (number_word(h).ok_or(Spoken::Unrecognised)?, 15)
                }
                [x, y, h] if x == "viertel" && y == "vor" => (
                    number_word(h)
                        .ok_or(Spoken::Unrecognised)?
                        .checked_sub(1)
                        .ok_or(Spoken::Unrecognised)?,
                    45,
                ),
                // "viertel acht" (southern German) is 7:15.
                [x, h] if x == "viertel" => (
                    number_word(h)
                        .ok_or(Spoken::Unrecognised)?
                        .checked_sub(1)
                        .ok_or(Spoken::Unrecognised)?,
                    15,
                ),
                [x, h] if x == "dreiviertel" => (
                    number_word(h)
                        .ok_or(Spoken::Unrecognised)?
                        .checked_sub(1)
                        .ok_or(Spoken::Unrecognised)?,
                    45,
                ),
                [x, y, h] if x == "half" && y == "past" => {
                    (number_word(h).ok_or(Spoken::Unrecognised)?, 30)
                }
                // British "half seven" is 7:30 (the German "halb acht" counts to the hour).
                [x, h] if x == "half" => (number_word(h).ok_or(Spoken::Unrecognised)?, 30),
                [x, y, h] if x == "quarter" && y == "past" => {
                    (number_word(h).ok_or(Spoken::Unrecognised)?, 15)
                }
                [x, y, h] if x == "quarter" && y == "to" => (
                    number_word(h)
                        .ok_or(Spoken::Unrecognised)?
                        .checked_sub(1)
                        .ok_or(Spoken::Unrecognised)?,
                    45,
                ),
                _ => return Err(Spoken::Unrecognised),
            }
        }
    };
    // "halb eins" is 12:30 (hour 0 after the subtraction).
    let hour = if hour == 0 && minute > 0 && !am {
        12
    } else {
        hour
    };
    if hour > 23 || minute > 59 {
        return Err(Spoken::Unrecognised);
    }
    let at = |h: u32| NaiveTime::from_hms_opt(h, minute, 0);
    if hour >= 13 || hour == 0 {
        return at(hour).ok_or(Spoken::Unrecognised);
    }
    if pm || (noon && hour <= 3) {
        return at(if hour == 12 { 12 } else { hour + 12 }).ok_or(Spoken::Unrecognised);
    }
    if am || noon {
        return at(if hour == 12 && am && !noon { 0 } else { hour }).ok_or(Spoken::Unrecognised);
    }
    if hour == 12 {
        return at(12).ok_or(Spoken::Unrecognised);
    }
    let options: Vec<NaiveTime> = [hour, hour + 12].into_iter().filter_map(at).collect();
    let open_ones: Vec<NaiveTime> = options.iter().copied().filter(|t| open(*t)).collect();
    match open_ones.as_slice() {
        [one] => Ok(*one),
        _ => Err(Spoken::Ambiguous(options)),
    }
}

/// One person named by who they are to the guest ("meine Frau", "my brother").
const ONE_OTHER: [&str; 38] = [
    "wife",
    "husband",
    "partner",
    "girlfriend",
    "boyfriend",
    "friend",
    "mum",
    "mom",
    "mother",
    "dad",
    "father",
    "son",
    "daughter",
    "sister",
    "brother",
    "colleague",
    "fiance",
    "fiancee",
    "date",
    "frau",
    "mann",
    "freundin",
    "freund",
    "partnerin",
    "mutter",
    "vater",
    "tochter",
    "sohn",
    "schwester",
    "bruder",
    "kollegin",
    "kollege",
    "oma",
    "opa",
    "verlobte",
    "verlobter",
    "begleitung",
    "gattin",
];

/// "me and my wife", "ich und meine Frau": two, but not "me and my friends".
fn me_and_one(w: &[String]) -> bool {
    w.windows(4).any(|x| {
        ["me", "ich"].contains(&x[0].as_str())
            && ["and", "und", "&", "+"].contains(&x[1].as_str())
            && ["my", "mein", "meine", "meinem", "meiner"].contains(&x[2].as_str())
            && ONE_OTHER.contains(&x[3].trim_end_matches(['.', ',']))
    })
}

/// "me and 3 friends", "ich und 2 Kollegen": the guest plus the number named.
pub fn me_and(s: &str) -> Option<u32> {
    let w = words(s);
    w.windows(4).find_map(|x| {
        let first = ["me", "ich", "myself"].contains(&x[0].as_str())
            && ["and", "und", "&", "+"].contains(&x[1].as_str());
        let n = x[2].parse::<u32>().ok().or_else(|| number_word(&x[2]))?;
        let noun = x[3].chars().all(char::is_alphabetic);
        (first && noun && (1..=50).contains(&n)).then_some(n + 1)
    })
}

/// Whether the words name two people without a number ("my wife and I", "wir beide").
pub fn couple(s: &str) -> bool {
    let w = words(s);
    let joined = w.join(" ");
    me_and_one(&w)
        || joined.contains("a couple")
        || w.iter().any(|x| x == "paar" || x == "paerchen")
        || [
            "wife and i",
            "husband and i",
            "partner and i",
            "friend and i",
            "wir beide",
            "wir zwei",
            "frau und ich",
            "mann und ich",
            "freundin und ich",
            "freund und ich",
            "partnerin und ich",
            "partner und ich",
        ]
        .iter()
        .any(|k| joined.contains(k))
}

/// Whether the guest comes alone ("allein", "just me", "table for one" is read as a number).
pub fn alone(s: &str) -> bool {
    let w = words(s);
    let joined = w.join(" ");
    w.iter()
        .any(|x| ["allein", "alleine", "alone", "solo"].contains(&x.as_str()))
        || ["just me", "only me", "by myself", "nur ich", "just myself"]
            .iter()
            .any(|k| joined.contains(k))
}

/// A spoken or written party size: "4", "zu viert", "vier Personen", "for two", "party of 6",
/// "zwei Erwachsene und ein Kind" (added up).
pub fn party(s: &str) -> Result<u32, Spoken<u32>> {
    let w = words(s);
    const ZU: [(&str, u32); 11] = [
        ("zweit", 2),
        ("dritt", 3),
        ("viert", 4),
        ("fuenft", 5),
        ("sechst", 6),
        ("siebt", 7),
        ("acht", 8),
        ("neunt", 9),
        ("zehnt", 10),
        ("elft", 11),
        ("zwoelft", 12),
    ];
    for (i, x) in w.iter().enumerate() {
        if x == "zu" {
            if let Some(n) = w
                .get(i + 1)
                .and_then(|y| ZU.iter().find(|(k, _)| k == y))
                .map(|z| z.1)
            {
                return Ok(n);
            }
        }
    }
    if w.iter()
        .any(|x| x == "allein" || x == "alleine" || x == "alone")
        || w.join(" ").contains("just me")
    {
        return Ok(1);
    }
    if couple(s) && !w.iter().any(|x| number_word(x).is_some_and(|n| n > 1)) {
        return Ok(2);
    }
    let numbers: Vec<u32> = w
        .iter()
        .filter_map(|x| number_word(x).filter(|_| x != "a" && x != "an"))
        .collect();
    match numbers.as_slice() {
        [] => Err(Spoken::Unrecognised),
        [n] => Ok(*n),
        many if w
            .iter()
            .any(|x| ["und", "and", "plus"].contains(&x.as_str())) =>
        {
            Ok(many.iter().sum())
        }
        many => Err(Spoken::Ambiguous(many.to_vec())),
    }
}

#[cfg(test)]
mod tests;
