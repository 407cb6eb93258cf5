//! Validation of what people type: emails, names, passwords. Each failure says what is wrong
//! in a stable code the API returns as `error.code`.

use thiserror::Error;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Invalid {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must be at least {0} characters")]
    TooShort(usize),
    #[error("must not contain control characters")]
    ControlCharacters,
    #[error("is not a valid email address")]
    Email,
    #[error("is not a valid phone number")]
    Phone,
    #[error("is too easy to guess: {0}")]
    WeakPassword(String),
    #[error("must be a time as HH:MM, from 00:00 to 23:59")]
    Time,
    #[error("must be a date that exists, as YYYY-MM-DD")]
    Date,
    #[error("must be a whole number")]
    NotANumber,
    #[error("must be from {0} to {1}")]
    OutOfRange(i64, i64),
    #[error("does not match")]
    Mismatch,
    #[error("must not lie before `from`")]
    BeforeStart,
    #[error("makes a range of more than {0} days")]
    RangeTooLong(i64),
}

impl Invalid {
    /// Stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Empty => "required",
            Invalid::TooLong(_) => "too_long",
            Invalid::TooShort(_) => "too_short",
            Invalid::ControlCharacters => "control_characters",
            Invalid::Email => "invalid_email",
            Invalid::Phone => "invalid_phone",
            Invalid::WeakPassword(_) => "weak_password",
            Invalid::Time => "invalid_time",
            Invalid::Date => "invalid_date",
            Invalid::NotANumber => "not_a_number",
            Invalid::OutOfRange(..) => "out_of_range",
            Invalid::Mismatch => "mismatch",
            Invalid::BeforeStart => "before_from",
            Invalid::RangeTooLong(_) => "range_too_long",
        }
    }
}

/// Longest email address SMTP allows.
pub const EMAIL_MAX: usize = 254;
/// Longest display name we store.
pub const NAME_MAX: usize = 200;
/// Password length bounds (characters): NIST SP 800-63B asks for at least 8 and allowing 64+;
/// we ask 12 and cap at 128 so hashing cost stays bounded.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// Trims and lower-cases an email and checks its shape (one `@`, a dotted domain, no spaces).
pub fn email(raw: &str) -> Result<String, Invalid> {
    let e = raw.trim().to_lowercase();
    if e.is_empty() {
        return Err(Invalid::Empty);
    }
    if e.chars().count() > EMAIL_MAX {
        return Err(Invalid::TooLong(EMAIL_MAX));
    }
    if e.chars().any(|c| c.is_control()) {
        return Err(Invalid::ControlCharacters);
    }
    let (local, domain) = e.split_once('@').ok_or(Invalid::Email)?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !e
            .chars()
            .any(|c| c.is_whitespace() || "<>()[],;:\\\"".contains(c));
    if ok {
        Ok(e)
    } else {
        Err(Invalid::Email)
    }
}

/// A wall-clock time as typed or sent: `HH:MM` with two digits each, 00:00 to 23:59. The
/// seconds form `HH:MM:00` (what the API sends back for service periods) is accepted and
/// normalised; any other seconds, one-digit parts (`19:0`) or `25:00` are refused.
pub fn time_hhmm(raw: &str) -> Result<chrono::NaiveTime, Invalid> {
    let s = raw.trim();
    let hm = match s.len() {
        5 => s,
        8 if s.ends_with(":00") => &s[..5],
        _ => return Err(Invalid::Time),
    };
    let b = hm.as_bytes();
    if b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return Err(Invalid::Time);
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    chrono::NaiveTime::from_hms_opt(h, m, 0).ok_or(Invalid::Time)
}

/// A calendar date as `YYYY-MM-DD` that exists (no 30 February).
pub fn date_iso(raw: &str) -> Result<chrono::NaiveDate, Invalid> {
    let s = raw.trim();
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(Invalid::Date);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Invalid::Date)
}

/// A whole number typed into a form, within `min..=max`.
pub fn whole_number(raw: &str, min: i64, max: i64) -> Result<i64, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::Empty);
    }
    let n: i64 = s.parse().map_err(|_| Invalid::NotANumber)?;
    if n < min || n > max {
        return Err(Invalid::OutOfRange(min, max));
    }
    Ok(n)
}

/// Largest party a booking form or API call may name; larger parties are events, not tables.
pub const PARTY_MAX: u32 = 100;

/// Serde for `HH:MM` fields of API bodies and queries (see [`time_hhmm`]).
pub mod hhmm {
    use serde::{de::Error, Deserialize, Deserializer};

    /// Deserialises a required `HH:MM`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono::NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        super::time_hhmm(&s).map_err(D::Error::custom)
    }

    /// Deserialises an optional `HH:MM` (`null` or absent is `None`).
    pub mod option {
        use serde::{de::Error, Deserialize, Deserializer};

        /// Deserialises `Option<HH:MM>`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<chrono::NaiveTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => super::super::time_hhmm(&s)
                    .map(Some)
                    .map_err(D::Error::custom),
            }
        }
    }
}

/// Trims a single line of free text that may be empty (a search, a filter): at most `max`
/// characters and no control characters, each refused with its own reason.
pub fn single_line(raw: &str, max: usize) -> Result<&str, Invalid> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Invalid::TooLong(max));
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::ControlCharacters);
    }
    Ok(s)
}

/// Trims free text that may span lines (notes): at most `max` characters, and no control
/// characters but line breaks and tabs.
pub fn multi_line(raw: &str, max: usize) -> Result<&str, Invalid> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Invalid::TooLong(max));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::ControlCharacters);
    }
    Ok(s)
}

/// Trims a single-line name and checks its length and characters.
pub fn name(raw: &str, max: usize) -> Result<String, Invalid> {
    let n = raw.trim();
    if n.is_empty() {
        return Err(Invalid::Empty);
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(Invalid::ControlCharacters);
    }
    if n.chars().count() > max {
        return Err(Invalid::TooLong(max));
    }
    Ok(n.to_string())
}

/// Checks a new password: 12–128 characters and not guessable, judged by zxcvbn (common
/// passwords, dictionary words, keyboard patterns, the user's own email and name).
pub fn password(pw: &str, user_inputs: &[&str]) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN {
        return Err(Invalid::TooShort(PASSWORD_MIN));
    }
    if n > PASSWORD_MAX {
        return Err(Invalid::TooLong(PASSWORD_MAX));
    }
    if pw.chars().any(|c| c.is_control()) {
        return Err(Invalid::ControlCharacters);
    }
    let estimate = zxcvbn::zxcvbn(pw, user_inputs);
    if u8::from(estimate.score()) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "add more unrelated words".to_string());
        return Err(Invalid::WeakPassword(hint));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_lowercased_and_shape_checked() {
        assert_eq!(email("  Anna@Example.DE "), Ok("anna@example.de".into()));
        assert_eq!(email(""), Err(Invalid::Empty));
        assert_eq!(email("anna"), Err(Invalid::Email));
        assert_eq!(email("anna@localhost"), Err(Invalid::Email));
        assert_eq!(email("an na@example.de"), Err(Invalid::Email));
        assert_eq!(email("a@b@example.de"), Err(Invalid::Email));
        assert_eq!(email("anna@ex..de"), Err(Invalid::Email));
        assert_eq!(email("a\u{0}b@example.de"), Err(Invalid::ControlCharacters));
        let long = format!("{}@example.de", "a".repeat(300));
        assert_eq!(email(&long), Err(Invalid::TooLong(EMAIL_MAX)));
    }

    #[test]
    fn times_are_hh_mm_only() {
        let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert_eq!(time_hhmm("19:00"), Ok(t(19, 0)));
        assert_eq!(time_hhmm(" 07:30 "), Ok(t(7, 30)));
        assert_eq!(time_hhmm("23:59"), Ok(t(23, 59)));
        assert_eq!(
            time_hhmm("19:00:00"),
            Ok(t(19, 0)),
            "seconds form normalised"
        );
        for bad in [
            "19:0",
            "9:00",
            "25:00",
            "24:00",
            "19:60",
            "19:00:30",
            "",
            "19-00",
            "1900",
            "１９:00",
        ] {
            assert_eq!(time_hhmm(bad), Err(Invalid::Time), "{bad:?}");
        }
    }

    #[test]
    fn dates_must_exist() {
        assert_eq!(
            date_iso("2026-02-28"),
            Ok(chrono::NaiveDate::from_ymd_opt(2026, 2, 28).expect("date"))
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-2-1",
            "",
            "28.02.2026",
            "+2026-02-28",
        ] {
            assert_eq!(date_iso(bad), Err(Invalid::Date), "{bad:?}");
        }
    }

    #[test]
    fn single_lines_name_the_real_problem() {
        assert_eq!(single_line(" Weber ", 200), Ok("Weber"));
        assert_eq!(single_line("", 200), Ok(""));
        assert_eq!(
            single_line("We\u{7}ber", 200),
            Err(Invalid::ControlCharacters)
        );
        assert_eq!(
            single_line(&"x".repeat(201), 200),
            Err(Invalid::TooLong(200))
        );
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_refuses_other_controls() {
        assert_eq!(multi_line(" Fenster\nbitte\t ", 20), Ok("Fenster\nbitte"));
        assert_eq!(multi_line("a\u{84}b", 20), Err(Invalid::ControlCharacters));
        assert_eq!(multi_line(&"x".repeat(21), 20), Err(Invalid::TooLong(20)));
    }

    #[test]
    fn whole_numbers_in_range() {
        assert_eq!(whole_number(" 4 ", 1, 100), Ok(4));
        assert_eq!(whole_number("-1", 1, 100), Err(Invalid::OutOfRange(1, 100)));
        assert_eq!(whole_number("abc", 1, 100), Err(Invalid::NotANumber));
        assert_eq!(whole_number("2.5", 1, 100), Err(Invalid::NotANumber));
        assert_eq!(whole_number("", 1, 100), Err(Invalid::Empty));
    }

    #[test]
    fn name_rejects_empty_control_and_overlong() {
        assert_eq!(name("  Anna Weber ", 200), Ok("Anna Weber".into()));
        assert_eq!(name("   ", 200), Err(Invalid::Empty));
        assert_eq!(name("Anna\nWeber", 200), Err(Invalid::ControlCharacters));
        assert_eq!(name(&"x".repeat(10_000), 200), Err(Invalid::TooLong(200)));
    }

    #[test]
    fn password_policy_bounds_and_common_passwords() {
        assert_eq!(password("short", &[]), Err(Invalid::TooShort(12)));
        assert_eq!(password(&"x".repeat(129), &[]), Err(Invalid::TooLong(128)));
        assert!(matches!(
            password("password1234", &[]),
            Err(Invalid::WeakPassword(_))
        ));
        assert!(matches!(
            password("qwertyuiop123", &[]),
            Err(Invalid::WeakPassword(_))
        ));
        // The user's own email is not a password.
        assert!(matches!(
            password("anna.weber@example.de", &["anna.weber@example.de"]),
            Err(Invalid::WeakPassword(_))
        ));
        assert_eq!(password("Kastanienbaum-Seeblick-42", &[]), Ok(()));
    }
}

/// Longest phone number input we parse.
pub const PHONE_MAX: usize = 40;

/// Normalises a phone number to E.164 (`+497611234567`) with libphonenumber's rules; numbers
/// without a country code are read as numbers of `default_region` (ISO 3166 code, e.g. "DE").
pub fn phone_e164(raw: &str, default_region: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::Empty);
    }
    if s.chars().count() > PHONE_MAX {
        return Err(Invalid::TooLong(PHONE_MAX));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Invalid::ControlCharacters);
    }
    let region = default_region.parse::<phonenumber::country::Id>().ok();
    let n = phonenumber::parse(region, s).map_err(|_| Invalid::Phone)?;
    if !phonenumber::is_valid(&n) && !plausible(&n) {
        return Err(Invalid::Phone);
    }
    Ok(n.format().mode(phonenumber::Mode::E164).to_string())
}

/// Whether a number has the shape and length of its country's numbers, though its range is
/// not one libphonenumber knows as allocated (a block newly given out, a reserved one such as
/// the UK's 07700 900xxx, a German mobile number one digit short of its block's length). Such
/// a number is what a guest typed on purpose; refusing it would lose the booking, while a
/// number of the wrong length or shape (a typo) is still refused.
fn plausible(n: &phonenumber::PhoneNumber) -> bool {
    let national = n.national().to_string();
    phonenumber::metadata::DATABASE
        .by_code(&n.code().value())
        .is_some_and(|regions| {
            regions
                .iter()
                .any(|m| m.descriptors().general().is_match(&national))
        })
}

#[cfg(test)]
mod phone_tests {
    use super::*;

    #[test]
    fn phone_numbers_become_e164_or_are_refused() {
        assert_eq!(phone_e164("0761 1234567", "DE"), Ok("+497611234567".into()));
        assert_eq!(
            phone_e164("+49 (0)761 / 123 45-67", "DE"),
            Ok("+497611234567".into())
        );
        assert_eq!(
            phone_e164("0151 23456789", "DE"),
            Ok("+4915123456789".into())
        );
        assert_eq!(
            phone_e164("+44 20 7946 0958", "DE"),
            Ok("+442079460958".into())
        );
        // Plausible numbers outside the known ranges: the UK's reserved drama block and a
        // German mobile number of ten digits.
        assert_eq!(
            phone_e164("+44 7700 900456", "DE"),
            Ok("+447700900456".into())
        );
        assert_eq!(phone_e164("0152 7654321", "DE"), Ok("+491527654321".into()));
        // The wrong length for its country stays wrong.
        assert_eq!(phone_e164("+44 7700 90045", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("+1 415 555 01", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("12", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("call me maybe", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("", "DE"), Err(Invalid::Empty));
        assert_eq!(
            phone_e164(&"1".repeat(41), "DE"),
            Err(Invalid::TooLong(PHONE_MAX))
        );
    }
}
