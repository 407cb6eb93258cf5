//! Special-category data in a guest's words (seed 003 § 6: health, religion; allergies,
//! diets, pregnancy, accessibility), and the masking of what must not leave for an outside
//! model: those sentences, phone numbers and email addresses.

/// Special-category words (allergies, diets, pregnancy, accessibility, health, religion).
/// Each matches anywhere in a word ("Nussallergie", "Haselnüsse"), except the short ones in
/// [`SPECIAL_WORD_START`], which must begin a word ("Genuss" and "Minuten" are no nuts).
const SPECIAL: [&str; 37] = [
    "allergie",
    "allergisch",
    "allergy",
    "allergic",
    "unverträglich",
    "unverträglichkeit",
    "intolerance",
    "intolerant",
    "zöliakie",
    "coeliac",
    "celiac",
    "glutenfrei",
    "gluten",
    "laktose",
    "lactose",
    "erdnuss",
    "haselnuss",
    "walnuss",
    "nüsse",
    "peanut",
    "schwanger",
    "pregnant",
    "rollstuhl",
    "wheelchair",
    "rollator",
    "barrierefrei",
    "diabetes",
    "diabetiker",
    "halal",
    "koscher",
    "kosher",
    "vegan",
    "vegetarisch",
    "vegetarian",
    "epilepsie",
    "epilepsy",
    "insulin",
];

/// Special-category words that count only at the start of a word.
const SPECIAL_WORD_START: [&str; 3] = ["nuss", "nut", "nuts"];

/// Whether a sentence (lower case) names special-category data.
fn special_hit(l: &str) -> bool {
    SPECIAL.iter().any(|k| l.contains(k))
        || l.split(|c: char| !c.is_alphanumeric()).any(|w| {
            SPECIAL_WORD_START
                .iter()
                .any(|k| w == *k || (*k == "nuss" && w.starts_with(k)))
        })
}

/// The guest's words with what must not leave for an outside model replaced by placeholders:
/// email addresses by `[email]`, phone numbers (7 or more digits) by `[phone]`, and every
/// sentence naming special-category data by `[special note]`. The engine keeps the real
/// values and puts them back where a tool needs them. The restaurant's own numbers and
/// addresses (`public`) stay as they are.
pub fn mask(text: &str, public: &[&str]) -> String {
    let sentences = split_keeping(text);
    let mut out = String::with_capacity(text.len());
    for (sentence, end) in sentences {
        if special_hit(&sentence.to_lowercase()) {
            out.push_str(&format!("{}[special note]", lead(sentence)));
        } else {
            out.push_str(&mask_contacts(sentence, public));
        }
        out.push_str(end);
    }
    out
}

/// The guest's words with every sentence naming special-category data replaced by
/// `[special note]` and nothing else changed: a transcript as team members see it who may not
/// read special notes.
pub fn mask_special(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (sentence, end) in split_keeping(text) {
        if special_hit(&sentence.to_lowercase()) {
            out.push_str(&format!("{}[special note]", lead(sentence)));
        } else {
            out.push_str(sentence);
        }
        out.push_str(end);
    }
    out
}

/// The whitespace a sentence starts with.
fn lead(s: &str) -> &str {
    &s[..s.len() - s.trim_start().len()]
}

/// Sentences with the mark that ends each ("", when the text ends without one).
fn split_keeping(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            // A dot between digits or letters without a space is no sentence end
            // (04.12.2026, anna.b@example.com).
            let next = text[i + c.len_utf8()..].chars().next();
            if c == '.' && next.is_some_and(|n| !n.is_whitespace()) {
                continue;
            }
            out.push((&text[start..i], &text[i..i + c.len_utf8()]));
            start = i + c.len_utf8();
        }
    }
    out.push((&text[start..], ""));
    out
}

fn mask_contacts(s: &str, public: &[&str]) -> String {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let public_digits: Vec<String> = public
        .iter()
        .map(|p| digits(p))
        .filter(|d| d.len() >= 7)
        .collect();
    let words: Vec<String> = s
        .split(' ')
        .map(|w| {
            let core = w.trim_matches(|c: char| ",;:()<>\"'".contains(c) || c == '.');
            if core.contains('@')
                && core.contains('.')
                && !public.iter().any(|p| p.eq_ignore_ascii_case(core))
            {
                w.replace(core, "[email]")
            } else {
                w.to_string()
            }
        })
        .collect();
    let joined = words.join(" ");
    // Runs of digits with spaces, +, -, / and ( ) between them.
    let chars: Vec<char> = joined.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let mut j = i;
            let mut last_digit = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || " +-/()".contains(chars[j])) {
                if chars[j].is_ascii_digit() {
                    last_digit = j;
                }
                j += 1;
            }
            let run: String = chars[i..=last_digit].iter().collect();
            let d = digits(&run);
            // An ISO date (2026-11-27) is no phone number.
            let iso_date = {
                let parts: Vec<&str> = run.split('-').collect();
                parts.len() == 3
                    && parts[0].len() == 4
                    && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
            };
            let public = iso_date
                || public_digits
                    .iter()
                    .any(|p| d.len() >= 7 && p.ends_with(&d[d.len() - 7..]));
            if d.len() >= 7 && !public {
                out.push_str("[phone]");
            } else {
                out.push_str(&run);
            }
            i = last_digit + 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

pub(super) fn special_sentence(text: &str) -> Option<String> {
    let sentences: Vec<&str> = text
        .split(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let hits: Vec<&str> = sentences
        .into_iter()
        .filter(|s| {
            let l = s.to_lowercase();
            special_hit(&l)
        })
        .collect();
    (!hits.is_empty()).then(|| hits.join(". "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_mask_hides_only_special_sentences() {
        assert_eq!(
            mask_special("Tisch für 2 um 19 Uhr. Ich habe eine Nussallergie! Tel 0171 2345678"),
            "Tisch für 2 um 19 Uhr. [special note]! Tel 0171 2345678"
        );
        assert_eq!(mask_special("Genuss in 10 Minuten"), "Genuss in 10 Minuten");
    }

    #[test]
    fn masking_hides_contacts_and_special_sentences_and_keeps_the_rest() {
        assert_eq!(
            mask("Wir sind 4 am 04.12.2026 um 19:30. Tel 0761 123 45 67, mail anna.b@example.com. Meine Tochter hat eine Erdnussallergie!", &[]),
            "Wir sind 4 am 04.12.2026 um 19:30. Tel [phone], mail [email]. [special note]!"
        );
        assert_eq!(mask("+49 (761) 1234567", &[]), "[phone]");
        assert_eq!(
            mask("2026-11-27", &[]),
            "2026-11-27",
            "an ISO date is no phone"
        );
        assert_eq!(
            mask(
                "Call us on 0761 9990000 or info@trattoria.example",
                &["+49 761 9990000", "info@trattoria.example"]
            ),
            "Call us on 0761 9990000 or info@trattoria.example",
            "the restaurant's own contacts stay"
        );
        assert_eq!(
            mask("Ein Genuss, in 10 Minuten da", &[]),
            "Ein Genuss, in 10 Minuten da"
        );
        assert_eq!(
            mask("Do you have nuts in the pesto?", &[]),
            "[special note]?"
        );
    }
}

/// Wishes a team wants to see with a booking (a high chair, a birthday, a window table),
/// each matching anywhere in a word ("Kinderhochstuhl", "Geburtstagsessen").
const WISHES: [&str; 36] = [
    "hochstuhl",
    "kinderstuhl",
    "high chair",
    "highchair",
    "kinderwagen",
    "buggy",
    "pram",
    "stroller",
    "geburtstag",
    "birthday",
    "jahrestag",
    "anniversary",
    "hochzeit",
    "verlobung",
    "engagement",
    "überraschung",
    "surprise",
    "fenster",
    "window",
    "terrasse",
    "terrace",
    "draußen",
    "outside",
    "garten",
    "garden",
    "ruhige",
    "ruhigen",
    "quiet",
    "ecke",
    "corner",
    "nische",
    "booth",
    "hund",
    "dog",
    "torte",
    "cake",
];

/// Longest note kept from a conversation, in characters.
pub const NOTE_MAX: usize = 300;

/// The parts of a message that are wishes for the team ("bräuchten einen Hochstuhl", "it's
/// my wife's birthday"): the clauses naming one, never one with special-category data (that
/// goes to the sealed note), a phone number or an email address.
pub fn wish_note(text: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for (sentence, _) in split_keeping(text) {
        for clause in sentence.split([',', ';']) {
            let l = clause.to_lowercase();
            let digits = clause.chars().filter(char::is_ascii_digit).count();
            if WISHES.iter().any(|k| l.contains(k))
                && !special_hit(&l)
                && !clause.contains('@')
                && digits < 7
            {
                // "ja, aber bitte am Fenster": the wish without the word that joined it.
                let mut wish = clause.trim();
                for join in ["aber ", "but ", "und ", "and ", "also "] {
                    if let (Some(head), Some(rest)) =
                        (wish.get(..join.len()), wish.get(join.len()..))
                    {
                        if head.eq_ignore_ascii_case(join) && !rest.trim().is_empty() {
                            wish = rest.trim_start();
                        }
                    }
                }
                out.push(wish.to_string());
            }
        }
    }
    let note: String = out.join("; ").chars().take(NOTE_MAX).collect();
    (!note.is_empty()).then_some(note)
}

#[cfg(test)]
mod wishes {
    use super::*;

    #[test]
    fn wishes_are_kept_as_notes_without_special_category_words() {
        assert_eq!(
            wish_note("Samstag 18 Uhr, 2 Personen plus Baby, bräuchten einen Hochstuhl").as_deref(),
            Some("bräuchten einen Hochstuhl")
        );
        assert_eq!(
            wish_note("It's my wife's birthday. She is allergic to nuts, by the way.").as_deref(),
            Some("It's my wife's birthday")
        );
        assert_eq!(
            wish_note("Geburtstag mit Nussallergie"),
            None,
            "special words stay sealed"
        );
        assert_eq!(
            wish_note("ja, aber bitte am Fenster").as_deref(),
            Some("bitte am Fenster")
        );
        // A wish opening with a letter of two bytes is no joining word, and no panic.
        assert_eq!(
            wish_note("Größerer Tisch am Fenster").as_deref(),
            Some("Größerer Tisch am Fenster")
        );
        assert_eq!(
            wish_note("Tisch am Fenster, Tel 0761 1234567").as_deref(),
            Some("Tisch am Fenster")
        );
        assert_eq!(wish_note("Samstag 19 Uhr für 2"), None);
    }
}
