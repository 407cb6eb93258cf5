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
    if !phonenumber::is_valid(&n) {
        return Err(Invalid::Phone);
    }
    Ok(n.format().mode(phonenumber::Mode::E164).to_string())
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
        assert_eq!(phone_e164("12", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("call me maybe", "DE"), Err(Invalid::Phone));
        assert_eq!(phone_e164("", "DE"), Err(Invalid::Empty));
        assert_eq!(
            phone_e164(&"1".repeat(41), "DE"),
            Err(Invalid::TooLong(PHONE_MAX))
        );
    }
}
