//! Which of the restaurant's own questions (FAQ) a guest's message asks, and which of the
//! standard topics (hours, address and the way there, menu and website) it is about.

use super::tokens;

/// Words that say nothing about what is asked.
const STOP: [&str; 64] = [
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "ich", "wir", "ihr",
    "sie", "man", "kann", "können", "koennen", "darf", "dürfen", "habt", "haben", "gibt", "gibts",
    "es", "bei", "euch", "ihnen", "mit", "und", "oder", "ist", "sind", "auch", "noch", "wie",
    "was", "wo", "wann", "bitte", "mal", "the", "a", "an", "do", "does", "you", "your", "is",
    "are", "can", "i", "we", "have", "there", "any", "to", "of", "in", "for", "and", "or", "it",
    "my",
];

/// The words that carry meaning, cut to their first six letters so "Hunde" meets "Hund" and
/// "vegetarische" meets "vegetarisch".
fn keys(text: &str) -> Vec<String> {
    let mut out: Vec<String> = tokens(&text.to_lowercase())
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(&w.as_str()))
        .map(|w| {
            let stem: String = w.chars().take(6).collect();
            // Plural and inflection endings.
            let stem = stem.trim_end_matches(['e', 's', 'n']).to_string();
            if stem.chars().count() >= 3 {
                stem
            } else {
                w.chars().take(6).collect()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The FAQ question (by index) the message asks, when one shares at least half of its
/// meaningful words with the message (and at least one); the best such, ties to the first.
pub fn faq_match(message: &str, questions: &[&str]) -> Option<usize> {
    let said = keys(message);
    if said.is_empty() {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, q) in questions.iter().enumerate() {
        let asked = keys(q);
        if asked.is_empty() {
            continue;
        }
        let shared = asked.iter().filter(|k| said.contains(k)).count();
        let score = shared as f64 / asked.len().min(said.len().max(1)) as f64;
        if shared >= 1 && score >= 0.5 && best.is_none_or(|(_, b)| score > b) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// A standard question the restaurant's settings answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Opening hours, closures, whether it is open on a day.
    Hours,
    /// Address and the way there.
    Address,
    /// Menu or website.
    Menu,
    /// Parking (answered only by the FAQ).
    Parking,
    /// The restaurant's phone number or email address.
    Contact,
    /// Prices ("Was kostet …?", "how much is …?").
    Price,
}

/// The standard topic a question is about, if any.
///
/// A key of one word is a word of the message, or the start of one when it has six letters or
/// more ("hoffentlich" says nothing about being open; "Parkplätze" is parking); a key of
/// several words is looked for as written.
pub fn topic(message: &str) -> Option<Topic> {
    let l = message.to_lowercase();
    let words = tokens(&l);
    let has = |keys: &[&str]| super::has_any(&words, &l, keys);
    if has(&[
        "eure telefonnummer",
        "ihre telefonnummer",
        "eure nummer",
        "eure e-mail",
        "ihre e-mail-adresse",
        "euch anrufen",
        "sie anrufen",
        "your phone",
        "your number",
        "your email",
        "your e-mail",
        "call you",
        "contact you",
        "phone number of the restaurant",
    ]) {
        Some(Topic::Contact)
    } else if has(&[
        "was kostet",
        "kostet",
        "kosten",
        "preis",
        "preise",
        "teuer",
        "how much",
        "price",
        "prices",
        "pricey",
        "expensive",
        "cost",
        "costs",
    ]) {
        Some(Topic::Price)
    } else if has(&[
        "parken",
        "parkplatz",
        "parkplätze",
        "parkmöglich",
        "parkhaus",
        "parking",
        "park",
    ]) {
        Some(Topic::Parking)
    } else if has(&[
        "speisekarte",
        "karte",
        "menü",
        "menu",
        "website",
        "webseite",
        "homepage",
        "gerichte",
        "dishes",
        "vegan",
        "vegane",
        "veganes",
        "veganer",
        "vegetarisch",
        "vegetarian",
    ]) {
        Some(Topic::Menu)
    } else if has(&[
        "adresse",
        "anfahrt",
        "wo seid",
        "wo ist",
        "wo finde",
        "wo liegt",
        "wo befindet",
        "wie komme",
        "wie kommen",
        "address",
        "where are",
        "where is",
        "where can i find",
        "directions",
        "get there",
        "get to you",
        "find you",
    ]) {
        Some(Topic::Address)
    } else if has(&[
        "öffnungszeit",
        "geöffnet",
        "offen",
        "auf haben",
        " auf?",
        "bis wann kann man",
        "bis wann kann ich",
        "wie lange kann man",
        "until when",
        "how late",
        "bis wann habt",
        "bis wann seid",
        "bis wann hat",
        "wie lange habt",
        "wie lange seid",
        "wie lange hat",
        "ruhetag",
        "geschlossen",
        "opening",
        "open",
        "closed",
        "hours",
        "how late",
        "until when",
    ]) {
        Some(Topic::Hours)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAQ: [&str; 4] = [
        "Sind Hunde erlaubt?",
        "Habt ihr vegetarische Gerichte?",
        "Can we bring our own wine?",
        "Gibt es einen Kinderstuhl?",
    ];

    #[test]
    fn questions_match_in_other_words_and_forms() {
        assert_eq!(faq_match("Darf ich meinen Hund mitbringen?", &FAQ), Some(0));
        assert_eq!(faq_match("ist ein hund erlaubt", &FAQ), Some(0));
        assert_eq!(
            faq_match("Gibt es bei euch etwas Vegetarisches?", &FAQ),
            Some(1)
        );
        assert_eq!(faq_match("Is it ok to bring wine?", &FAQ), Some(2));
        assert_eq!(faq_match("Habt ihr Kinderstühle?", &FAQ), Some(3));
        assert_eq!(faq_match("Tisch für 4 am Freitag", &FAQ), None);
        assert_eq!(faq_match("", &FAQ), None);
        assert_eq!(faq_match("Hallo", &[]), None);
    }

    #[test]
    fn topics() {
        assert_eq!(topic("Wo kann man bei euch parken?"), Some(Topic::Parking));
        assert_eq!(
            topic("Habt ihr eine Speisekarte online?"),
            Some(Topic::Menu)
        );
        assert_eq!(
            topic("Wie komme ich zu euch, was ist die Adresse?"),
            Some(Topic::Address)
        );
        assert_eq!(topic("Habt ihr am Montag offen?"), Some(Topic::Hours));
        assert_eq!(topic("Danke!"), None);
    }
}
