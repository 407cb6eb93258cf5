//! Dates and times in words, as the dashboard shows them and a voice speaks them, in German
//! and English.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

pub const WEEKDAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
pub const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The weekday's name (Monday = 0).
pub fn weekday(index: usize, lang: &str) -> &'static str {
    let i = index % 7;
    if lang == "en" {
        WEEKDAYS_EN[i]
    } else {
        WEEKDAYS_DE[i]
    }
}

/// "Freitag, 27. November 2026" / "Friday, 27 November 2026".
pub fn long_date(d: NaiveDate, lang: &str) -> String {
    format!("{} {}", day(d, lang), d.year())
}

/// "Freitag, 27. November" / "Friday, 27 November": a date as spoken in a call.
pub fn day(d: NaiveDate, lang: &str) -> String {
    let (w, m) = (
        d.weekday().num_days_from_monday() as usize,
        d.month0() as usize,
    );
    if lang == "en" {
        format!("{}, {} {}", WEEKDAYS_EN[w], d.day(), MONTHS_EN[m])
    } else {
        format!("{}, {}. {}", WEEKDAYS_DE[w], d.day(), MONTHS_DE[m])
    }
}

/// "19 Uhr", "19:30 Uhr" / "7 pm", "7:30 pm".
pub fn time(t: NaiveTime, lang: &str) -> String {
    let (h, m) = (t.hour(), t.minute());
    if lang == "en" {
        let (h12, suffix) = match h {
            0 => (12, "am"),
            1..=11 => (h, "am"),
            12 => (12, "pm"),
            _ => (h - 12, "pm"),
        };
        if m == 0 {
            format!("{h12} {suffix}")
        } else {
            format!("{h12}:{m:02} {suffix}")
        }
    } else if m == 0 {
        format!("{h} Uhr")
    } else {
        format!("{h}:{m:02} Uhr")
    }
}

/// A party in German: "1 Person", "4 Personen".
pub fn personen(n: impl Into<i64>) -> String {
    match n.into() {
        1 => "1 Person".to_string(),
        n => format!("{n} Personen"),
    }
}

/// A list joined as spoken: "A, B und C" / "A, B and C".
pub fn list(items: &[String], lang: &str) -> String {
    let and = if lang == "en" { "and" } else { "und" };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

/// A booking code spelled out for the phone: "A B C 2 3 4".
pub fn spell(code: &str) -> String {
    code.chars()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_lists_read_naturally_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(long_date(d, "de"), "Freitag, 27. November 2026");
        assert_eq!(day(d, "en"), "Friday, 27 November");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert_eq!(time(t(19, 0), "de"), "19 Uhr");
        assert_eq!(time(t(19, 30), "de"), "19:30 Uhr");
        assert_eq!(time(t(19, 30), "en"), "7:30 pm");
        assert_eq!(time(t(12, 0), "en"), "12 pm");
        assert_eq!(time(t(0, 15), "en"), "12:15 am");
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            list(&l(&["18 Uhr", "19 Uhr", "20 Uhr"]), "de"),
            "18 Uhr, 19 Uhr und 20 Uhr"
        );
        assert_eq!(list(&l(&["7 pm"]), "en"), "7 pm");
        assert_eq!(spell("AB2"), "A B 2");
        assert_eq!(weekday(0, "de"), "Montag");
    }
}
