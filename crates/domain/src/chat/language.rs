//! The language of a guest's message: the words only German or only English uses, and a
//! language asked for by its name.

use super::facts::NAMES;
use super::{lower, tokens};

/// Words only one of the two languages uses (no "am", "was", "so", "in", "also", "name").
const DE: [&str; 56] = [
    "ich",
    "wir",
    "und",
    "ist",
    "sind",
    "einen",
    "tisch",
    "für",
    "fuer",
    "uhr",
    "bitte",
    "danke",
    "hallo",
    "personen",
    "möchte",
    "moechte",
    "reservieren",
    "heute",
    "morgen",
    "habt",
    "haben",
    "nicht",
    "ja",
    "nein",
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "mit",
    "wann",
    "wie",
    "wo",
    "noch",
    "gibt",
    "kann",
    "können",
    "zu",
    "uns",
    "mir",
    "mich",
    "geht",
    "frei",
    "euch",
    "ihr",
    "bei",
    "auf",
    "gerne",
    "gern",
    "abend",
    "hat",
    "oder",
    "aber",
    "doch",
    "mein",
    "meine",
];
const EN: [&str; 61] = [
    "i", "we", "and", "is", "are", "a", "table", "for", "pm", "please", "thanks", "thank", "hello",
    "hi", "people", "would", "like", "book", "today", "tomorrow", "have", "not", "yes", "no",
    "what", "you", "do", "can", "my", "your", "the", "there", "open", "time", "hey", "get", "any",
    "on", "at", "to", "of", "it", "me", "us", "our", "evening", "tonight", "when", "where", "how",
    "could", "does", "phone", "number", "guys", "guests", "date", "ppl", "tmrw", "pls", "eve",
];

/// The language a guest asks for by its name ("Do you speak English?", "auf Deutsch bitte").
pub fn language_asked(text: &str) -> Option<&'static str> {
    let words = tokens(&text.to_lowercase());
    let said = |names: &[&str]| words.iter().any(|w| names.contains(&w.as_str()));
    if said(&["english", "englisch"]) {
        Some("en")
    } else if said(&["deutsch", "german"]) {
        Some("de")
    } else {
        None
    }
}

/// The message's language, when its words say so clearly ("de" or "en"), or the one asked for.
pub fn language(text: &str) -> Option<&'static str> {
    if let Some(l) = language_asked(text) {
        return Some(l);
    }
    // ("Time: 19:30" on a form: the label without its colon.)
    let words: Vec<String> = tokens(text)
        .iter()
        .map(|w| lower(w.trim_end_matches(':')))
        .collect();
    // The weekday names count too (German first in NAMES, then English).
    let de = words
        .iter()
        .filter(|w| DE.contains(&w.as_str()) || NAMES[..7].contains(&w.as_str()))
        .count();
    // An umlaut adds to German words, but alone it is a name ("Lisa Müller"), no language.
    let de = de + usize::from(de > 0 && text.chars().any(|c| "äöüßÄÖÜ".contains(c)));
    let en = words
        .iter()
        .filter(|w| EN.contains(&w.as_str()) || NAMES[7..14].contains(&w.as_str()))
        .count();
    match de.cmp(&en) {
        std::cmp::Ordering::Greater => Some("de"),
        std::cmp::Ordering::Less => Some("en"),
        std::cmp::Ordering::Equal => None,
    }
}

/// Whether a message is written in a language the agent does not write (French, Spanish,
/// Italian, Dutch, Portuguese): three or more of their common words, or two and none of
/// German's or English's deciding words ("une table" shares "table" with English).
pub fn foreign(text: &str) -> bool {
    const OTHER: [&str; 37] = [
        "voudrais",
        "pour",
        "bonjour",
        "merci",
        "réserver",
        "reserver",
        "une",
        "nous",
        "sommes",
        "soir",
        "samedi",
        "vendredi",
        "quiero",
        "para",
        "hola",
        "gracias",
        "mesa",
        "personas",
        "noche",
        "sábado",
        "sabado",
        "vorrei",
        "prenotare",
        "grazie",
        "buongiorno",
        "tavolo",
        "persone",
        "sabato",
        "stasera",
        "ik",
        "graag",
        "voor",
        "olá",
        "obrigado",
        "reservar",
        "uma",
        "pessoas",
    ];
    let words: Vec<String> = tokens(text).iter().map(|w| lower(w)).collect();
    let hits = words.iter().filter(|w| OTHER.contains(&w.as_str())).count();
    hits >= 3 || hits >= 2 && language(text).is_none()
}

#[cfg(test)]
mod foreign_tests {
    use super::foreign;

    #[test]
    fn french_spanish_and_italian_are_told_apart_from_german_and_english() {
        for text in [
            "Bonjour, je voudrais réserver une table pour deux samedi à 20h",
            "Hola, quiero reservar una mesa para 4 personas",
            "Buongiorno, vorrei prenotare un tavolo per stasera",
        ] {
            assert!(foreign(text), "{text}");
        }
        for text in [
            "Tisch für 2 am Samstag",
            "table for 2 on saturday please",
            "Hola! Tisch für 2 bitte",
            "Merci! Bis Samstag",
        ] {
            assert!(!foreign(text), "{text}");
        }
    }
}
