//! Dates, times and party sizes as people say them, at Tuesday 24 November 2026.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("time")
}

// Tuesday 24 November 2026.
const TODAY: &str = "2026-11-24";

#[test]
fn dates_as_people_say_them() {
    let today = d(TODAY);
    for (said, expect) in [
        ("2026-11-27", "2026-11-27"),
        ("heute", TODAY),
        ("heute Abend", TODAY),
        ("tonight", TODAY),
        ("morgen", "2026-11-25"),
        ("tomorrow evening", "2026-11-25"),
        ("übermorgen", "2026-11-26"),
        ("the day after tomorrow", "2026-11-26"),
        ("Freitag", "2026-11-27"),
        ("am Freitag", "2026-11-27"),
        ("this friday", "2026-11-27"),
        ("nächsten Samstag", "2026-11-28"),
        ("next Tuesday", "2026-12-01"),
        ("übernächsten Samstag", "2026-12-05"),
        ("Montag", "2026-11-30"),
        ("27.11.", "2026-11-27"),
        ("27.11.2026", "2026-11-27"),
        ("3.1.", "2027-01-03"),
        ("1.12.26", "2026-12-01"),
        ("27. November", "2026-11-27"),
        ("am 5. Dezember", "2026-12-05"),
        ("the 27th of November", "2026-11-27"),
        ("November 27", "2026-11-27"),
        ("Jan 3", "2027-01-03"),
        ("2. März", "2027-03-02"),
        ("am fünften Dezember", "2026-12-05"),
        ("the fifth of December", "2026-12-05"),
        ("5th of December", "2026-12-05"),
        ("Silvester", "2026-12-31"),
        ("am ersten Weihnachtsfeiertag", "2026-12-25"),
        ("2. Weihnachtsfeiertag", "2026-12-26"),
        ("Heiligabend", "2026-12-24"),
        ("on Christmas Eve", "2026-12-24"),
        ("New Year's Day", "2027-01-01"),
        ("Valentinstag", "2027-02-14"),
    ] {
        assert_eq!(date(said, today), Ok(d(expect)), "{said}");
    }
}

#[test]
fn today_s_weekday_is_a_question_and_nonsense_is_unrecognised() {
    let today = d(TODAY);
    assert_eq!(
        date("Dienstag", today),
        Err(Spoken::Ambiguous(vec![today, d("2026-12-01")]))
    );
    assert_eq!(date("nächsten Dienstag", today), Ok(d("2026-12-01")));
    for bad in ["irgendwann", "soon", "31.02.", "32. Mai", ""] {
        assert_eq!(date(bad, today), Err(Spoken::Unrecognised), "{bad}");
    }
}

fn dinner(x: NaiveTime) -> bool {
    x >= t("17:00") && x <= t("22:00")
}

#[test]
fn times_as_people_say_them() {
    for (said, expect) in [
        ("19:00", "19:00"),
        ("at noon", "12:00"),
        ("at 830", "20:30"),
        ("about 9", "21:00"),
        ("circa 20 Uhr", "20:00"),
        ("ok 12 then", "12:00"),
        ("dann 19 Uhr bitte", "19:00"),
        ("12 noon", "12:00"),
        ("midday", "12:00"),
        ("19.30", "19:30"),
        ("19 Uhr", "19:00"),
        ("um 19 Uhr 30", "19:30"),
        ("halb acht", "19:30"),
        ("halb acht abends", "19:30"),
        ("viertel nach sieben", "19:15"),
        ("viertel vor acht", "19:45"),
        ("dreiviertel acht", "19:45"),
        ("acht", "20:00"),
        ("um acht", "20:00"),
        ("7pm", "19:00"),
        ("7:30 pm", "19:30"),
        ("seven", "19:00"),
        ("half past seven", "19:30"),
        ("quarter to eight", "19:45"),
        ("at 8 in the evening", "20:00"),
        ("20h", "20:00"),
        ("19uhr", "19:00"),
        ("1930", "19:30"),
        ("viertel 8", "19:15"),
        ("around 7ish", "19:00"),
        ("half seven", "19:30"),
        ("19.30h", "19:30"),
        ("7h30", "19:30"),
        ("zwölf Uhr dreißig", "12:30"),
        ("sieben Uhr fünfundvierzig", "19:45"),
        ("morgen um acht", "20:00"),
        ("tomorrow at 7:30", "19:30"),
        ("8 is fine", "20:00"),
        ("20 Uhr passt", "20:00"),
    ] {
        assert_eq!(time(said, dinner), Ok(t(expect)), "{said}");
    }
    let lunch_and_dinner = |x: NaiveTime| (x >= t("12:00") && x <= t("14:00")) || dinner(x);
    assert_eq!(time("halb eins", lunch_and_dinner), Ok(t("12:30")));
    assert_eq!(time("um eins mittags", lunch_and_dinner), Ok(t("13:00")));
    assert_eq!(
        time("10 morgens", lunch_and_dinner),
        Ok(t("10:00")),
        "the guest said morning: no guess"
    );
    for said in ["9am", "at 9am", "9 am", "9:00am", "9.00am"] {
        assert_eq!(
            time(said, dinner),
            Ok(t("09:00")),
            "{said}: morning, never 21:00"
        );
    }
    assert_eq!(time("12", lunch_and_dinner), Ok(t("12:00")));
    assert_eq!(
        time("09:00", dinner),
        Ok(t("09:00")),
        "a two-digit hour is the 24-hour clock, even when only the evening is open"
    );
    assert_eq!(time("10:30", dinner), Ok(t("10:30")));
    assert_eq!(time("10:30 pm", dinner), Ok(t("22:30")));
    assert_eq!(
        time("9:00", dinner),
        Ok(t("21:00")),
        "one digit is said, not written"
    );
}

#[test]
fn an_hour_open_twice_or_never_is_asked_about() {
    let always = |_: NaiveTime| true;
    assert_eq!(
        time("acht", always),
        Err(Spoken::Ambiguous(vec![t("08:00"), t("20:00")]))
    );
    let never = |_: NaiveTime| false;
    assert_eq!(
        time("um drei", never),
        Err(Spoken::Ambiguous(vec![t("03:00"), t("15:00")]))
    );
    for bad in ["später", "25:00", "19:75", "halb", ""] {
        assert_eq!(time(bad, dinner), Err(Spoken::Unrecognised), "{bad}");
    }
}

#[test]
fn party_sizes_as_people_say_them() {
    for (said, n) in [
        ("4", 4),
        ("zu viert", 4),
        ("wir kommen zu zweit", 2),
        ("zu acht", 8),
        ("vier Personen", 4),
        ("for two", 2),
        ("a table for 6", 6),
        ("party of 5", 5),
        ("allein", 1),
        ("just me", 1),
        ("zwei Erwachsene und ein Kind", 3),
        ("2 adults and 2 children", 4),
        ("my wife and I", 2),
        ("meine Frau und ich", 2),
        ("me and my friend", 2),
        ("ein Paar", 2),
    ] {
        assert_eq!(party(said), Ok(n), "{said}");
    }
    assert_eq!(party("viele"), Err(Spoken::Unrecognised));
    assert_eq!(party("4 oder 5"), Err(Spoken::Ambiguous(vec![4, 5])));
}
