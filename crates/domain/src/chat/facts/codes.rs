//! Booking codes in a message: ours anywhere, and a code-like word after a code's cue word
//! or when the code was asked for.

use super::*;
use crate::reservation::CODE_ALPHABET;

/// Words after which a guest writes their booking code.
pub(super) const CODE_CUES: [&str; 9] = [
    "code",
    "buchungsnummer",
    "buchungscode",
    "reservierungsnummer",
    "bestätigungsnummer",
    "reservierungscode",
    "reference",
    "ref",
    "confirmation",
];

/// Whether a word is a booking code: six characters of the code alphabet, written in
/// capitals, or in any case when it has a digit ("x7km4p").
pub fn looks_like_code(w: &str) -> bool {
    let u = w.to_uppercase();
    u.len() == 6
        && u.bytes().all(|b| CODE_ALPHABET.contains(&b))
        && (w == u || u.bytes().any(|b| b.is_ascii_digit()))
}

/// A word shaped like a code someone typed when asked for theirs ("it's K7PQ2M"): four to
/// ten letters and digits with both, not a time ("730pm", "19h"); `None` when there is none.
pub fn code_like(text: &str) -> Option<String> {
    text.split(|ch: char| ch.is_whitespace() || ",;:()".contains(ch))
        .map(|w| {
            w.trim_end_matches(['.', '!', '?'])
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .find(|c| {
            let l = c.to_lowercase();
            (4..=10).contains(&c.len())
                && c.chars().any(|x| x.is_ascii_digit())
                && c.chars().any(|x| x.is_ascii_alphabetic())
                && !["pm", "am", "uhr", "h"].iter().any(|s| l.ends_with(s))
        })
        .map(|c| c.to_uppercase())
}

/// The code-like word after a code cue ("Buchungsnummer ABCDEF", "booking number: 7QRAHD",
/// with an "ist", "is" or colon between): four to ten letters and digits, with a digit or in
/// capitals; a word of another shape than ours too, so that the tool can say it is unknown
/// instead of the code being asked for again.
pub fn code_after_cue(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|ch: char| ch.is_whitespace() || ",;:()".contains(ch))
        .map(|w| w.trim_end_matches(['.', '!', '?']).to_string())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let l = w.to_lowercase();
        let booking_number = l == "number"
            && i > 0
            && ["booking", "reservation", "confirmation"]
                .contains(&words[i - 1].to_lowercase().as_str());
        if !CODE_CUES.contains(&l.as_str()) && !booking_number {
            continue;
        }
        let next = words[i + 1..].iter().find(|x| {
            !["ist", "is", "lautet", "war", "was"].contains(&x.to_lowercase().as_str())
        })?;
        let plain = next.chars().all(|x| x.is_ascii_alphanumeric());
        let codeish = next.chars().any(|x| x.is_ascii_digit()) || *next == next.to_uppercase();
        if plain && codeish && (4..=10).contains(&next.len()) {
            return Some(next.to_uppercase());
        }
    }
    None
}

/// A booking code: one of ours anywhere, or any code-like word after a code's cue word.
pub(super) fn codes(words: &[String], lower: &[String], used: &mut [bool], heard: &mut Heard) {
    // A booking code: six characters of the code alphabet with a digit, in capitals.
    for (i, w) in words.iter().enumerate() {
        let u = w.to_uppercase();
        let looks = looks_like_code(w);
        if looks && !used[i] {
            heard.code = Some(u);
            used[i] = true;
        }
    }
    // A code the guest names as one ("Code ABC123", "Buchungsnummer: x7k-m4p") that is none
    // of ours: kept, so that the guest hears it is unknown instead of being asked again.
    if heard.code.is_none() {
        for i in 0..words.len() {
            let cue = lower[i].trim_end_matches(':');
            if !CODE_CUES.contains(&cue) {
                continue;
            }
            let next = (i + 1..words.len().min(i + 3))
                .find(|&j| !["ist", "is", "lautet", ":", "-"].contains(&lower[j].as_str()));
            if let Some(j) = next.filter(|&j| !used[j]) {
                let c: String = words[j]
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                if (4..=10).contains(&c.len())
                    && c.chars().any(|x| x.is_ascii_digit())
                    && c.chars().any(|x| x.is_ascii_alphabetic())
                {
                    heard.code = Some(c.to_uppercase());
                    used[j] = true;
                    break;
                }
            }
        }
    }
}
