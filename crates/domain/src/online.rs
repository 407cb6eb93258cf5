//! Bookings guests make themselves on the restaurant's hosted page (`/book/<slug>`) or in the
//! widget's form: the restaurant's address part. Pure; the store keeps the slug.

/// Longest slug.
pub const SLUG_MAX: usize = 60;

/// The address part made from a restaurant's name: lower case, German letters spelled out,
/// everything else between words one hyphen ("Zum Löwen & Bär" -> `zum-loewen-baer`); at most
/// 50 characters, so a suffix for a second restaurant of the same name still fits.
/// The same rule as migration 0020 applied to existing restaurants.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.to_lowercase().chars() {
        let spelled = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            _ => "",
        };
        if !spelled.is_empty() || c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            if spelled.is_empty() {
                out.push(c);
            } else {
                out.push_str(spelled);
            }
        } else {
            gap = true;
        }
    }
    let mut cut: String = out.chars().take(50).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    if cut.is_empty() {
        "restaurant".into()
    } else {
        cut
    }
}

/// The hosted booking page of the restaurant with this slug on the server at `public_url`.
pub fn page_url(public_url: &str, slug: &str) -> String {
    format!("{}/book/{slug}", public_url.trim_end_matches('/'))
}

/// Whether `s` can be a slug at all (checked before any look-up).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= SLUG_MAX
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_the_name_in_lower_case_words_joined_by_hyphens() {
        assert_eq!(slug("Trattoria Demo"), "trattoria-demo");
        assert_eq!(slug("Zum Löwen & Bär"), "zum-loewen-baer");
        assert_eq!(slug("  Café  Größe!! "), "caf-groesse");
        assert_eq!(slug("¡¡!!"), "restaurant");
        assert_eq!(slug(&"Lang ".repeat(30)).len(), 49);
        for name in ["Trattoria Demo", "Zum Löwen & Bär", &"ab-".repeat(40)] {
            assert!(is_slug(&slug(name)), "{name}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "ä", &"a".repeat(61)] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
