//! Redaction of personal data and secrets from log lines: email addresses, phone numbers,
//! HostSystem API tokens, bearer credentials and the values of secret-named JSON fields.
//! Applied to every formatted log line, so a careless `tracing` field cannot leak them.

/// Returns `line` with emails, phone numbers and secrets replaced by placeholders.
pub fn redact(line: &str) -> String {
    let s = redact_secret_fields(line);
    let s = redact_tokens(&s);
    let s = redact_emails(&s);
    redact_phones(&s)
}

const SECRET_KEYS: [&str; 6] = [
    "password",
    "token",
    "secret",
    "authorization",
    "cookie",
    "code",
];

/// `"password":"…"`, `"api_token":"…"` and the like in JSON: the value becomes `[redacted]`.
fn redact_secret_fields(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(q) = rest.find('"') {
        out.push_str(&rest[..q]);
        let after = &rest[q + 1..];
        let Some(end) = after.find('"') else {
            out.push_str(&rest[q..]);
            return out;
        };
        let key = &after[..end];
        let tail = &after[end + 1..];
        let lower = key.to_ascii_lowercase();
        let secret = SECRET_KEYS.iter().any(|k| lower.ends_with(k));
        if secret {
            if let Some(v) = tail.strip_prefix(":\"") {
                if let Some(vend) = find_string_end(v) {
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":\"[redacted]\"");
                    rest = &v[vend + 1..];
                    continue;
                }
            }
        }
        out.push('"');
        out.push_str(key);
        out.push('"');
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Index of the closing quote of a JSON string body, honouring backslash escapes.
fn find_string_end(v: &str) -> Option<usize> {
    let mut esc = false;
    for (i, c) in v.char_indices() {
        match c {
            '\\' if !esc => esc = true,
            '"' if !esc => return Some(i),
            _ => esc = false,
        }
    }
    None
}

fn redact_tokens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    'scan: while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        // API tokens (`hs_…`, ~90 characters) and voice secrets (`hsv_…`, 47); short runs
        // are names like the `hs_store` crate.
        for prefix in ["hs_", "hsv_"] {
            if starts_word && matches_at(&chars, i, prefix) {
                let mut end = i + prefix.len();
                while end < chars.len() && is_token_char(chars[end]) {
                    end += 1;
                }
                if end - i >= 24 {
                    out.push_str(prefix);
                    out.push_str("[redacted]");
                    i = end;
                    continue 'scan;
                }
            }
        }
        if matches_at_ci(&chars, i, "bearer ") {
            out.push_str("Bearer [redacted]");
            i += 7;
            while i < chars.len() && is_token_char(chars[i]) {
                i += 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/=".contains(c)
}

fn matches_at(chars: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, p)| chars.get(i + k) == Some(&p))
}

fn matches_at_ci(chars: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, p)| chars.get(i + k).is_some_and(|c| c.eq_ignore_ascii_case(&p)))
}

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-".contains(c)
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || ".-".contains(c)
}

fn redact_emails(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0; // chars[..copied] are already in `out`
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > copied && is_email_local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_email_domain(chars[end]) {
                end += 1;
            }
            // Trailing dots belong to the sentence, not the domain.
            while end > i + 1 && chars[end - 1] == '.' {
                end -= 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            let tld_ok = domain
                .rsplit_once('.')
                .is_some_and(|(h, t)| !h.is_empty() && t.len() >= 2);
            if start < i && tld_ok {
                out.extend(&chars[copied..start]);
                out.push_str("[email]");
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.extend(&chars[copied..]);
    out
}

fn redact_phones(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A leading 0 right after a separator is usually part of a number, time or id.
        let blocked = if c == '+' { "" } else { ".-_:+/" };
        let prev_ok = i == 0 || !(chars[i - 1].is_alphanumeric() || blocked.contains(chars[i - 1]));
        if prev_ok && (c == '+' || c == '0') {
            let min_digits = if c == '+' { 7 } else { 8 };
            let mut j = if c == '+' { i + 1 } else { i };
            let mut digits = 0;
            let mut last_digit_end = j;
            while j < chars.len() && (chars[j].is_ascii_digit() || " -/()".contains(chars[j])) {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    last_digit_end = j + 1;
                }
                j += 1;
            }
            let next_ok = chars
                .get(last_digit_end)
                .is_none_or(|n| !n.is_alphanumeric());
            if digits >= min_digits
                && next_ok
                && (c == '0' || chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
            {
                out.push_str("[phone]");
                i = last_digit_end;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn emails_are_redacted() {
        assert_eq!(
            redact("login failed for anna.weber+x@example.de."),
            "login failed for [email]."
        );
        assert_eq!(redact("{\"user\":\"a@b.de\"}"), "{\"user\":\"[email]\"}");
        assert_eq!(redact("no at sign @ here"), "no at sign @ here");
    }

    #[test]
    fn phone_numbers_are_redacted_but_ids_are_not() {
        assert_eq!(redact("caller +49 761 1234567 rang"), "caller [phone] rang");
        assert_eq!(redact("caller 0761/123 4567"), "caller [phone]");
        assert_eq!(redact("tel:+4915112345678"), "tel:[phone]");
        let id = "request 550e8400-e29b-41d4-a716-446655440000 took 0.0123456 s";
        assert_eq!(redact(id), id);
        assert_eq!(redact("status 200 in 12345 ms"), "status 200 in 12345 ms");
    }

    #[test]
    fn tokens_and_secret_fields_are_redacted() {
        assert_eq!(
            redact("auth hs_-uSmEIpOTRuo4aOm-sK6GA.0xgfz4_JTwmZ9j6ePcDzCQ.zTYfoAzmOQzEOcMAJX done"),
            "auth hs_[redacted] done"
        );
        assert_eq!(
            redact("voice hsv_q2VZ7y8kHqfJm3PzX0aLr4tB6nDcE1wGiUoSjKhTvYs ok"),
            "voice hsv_[redacted] ok"
        );
        assert_eq!(redact("target hs_store::db"), "target hs_store::db");
        assert_eq!(
            redact("Authorization: Bearer eyJhbGciOi.x.y"),
            "Authorization: Bearer [redacted]"
        );
        assert_eq!(
            redact(r#"{"password":"hunter2 \"quoted\"","ok":true}"#),
            r#"{"password":"[redacted]","ok":true}"#
        );
        assert_eq!(
            redact(r#"{"api_token":"x","name":"n"}"#),
            r#"{"api_token":"[redacted]","name":"n"}"#
        );
    }
}
