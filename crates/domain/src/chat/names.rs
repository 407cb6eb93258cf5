//! A guest's name in a message: after a lead-in ("mein Name ist", "name:"), as the whole
//! message, or surname first ("Müller, Anna"); names typed in capitals are tidied.

/// Words that end a name ("Anna Müller, Telefon …").
const NOT_NAMES: [&str; 37] = [
    "und", "and", "mit", "with", "für", "for", "telefon", "tel", "handy", "nummer", "phone",
    "number", "mobile", "email", "e-mail", "mail", "bitte", "please", "danke", "thanks", "thx",
    "i'd", "i'm", "i", "we", "we'd", "ich", "wir", "meine", "mein", "my", "unsere", "our", "ist",
    "not", "nicht", "sorry",
];

/// Words of a correction or a count, never a name ("actually plus one").
const NOT_IN_NAMES: [&str; 12] = [
    "actually",
    "plus",
    "minus",
    "sorry",
    "eigentlich",
    "moment",
    "warte",
    "wait",
    "doch",
    "instead",
    "more",
    "mehr",
];

/// Words a name never starts with ("den nächsten" answers which day, not who).
const NOT_FIRST: [&str; 24] = [
    "der",
    "die",
    "das",
    "den",
    "dem",
    "the",
    "a",
    "an",
    "ein",
    "eine",
    "am",
    "um",
    "at",
    "on",
    "im",
    "nächsten",
    "naechsten",
    "next",
    "diesen",
    "this",
    "kommenden",
    "lieber",
    "doch",
    "eher",
];

/// Joining words inside names, written small ("Anna von Berg", "Anna and Tom Baker").
const NAME_JOINS: [&str; 8] = ["von", "van", "de", "der", "zu", "und", "and", "&"];

/// Titles and salutations before a name ("Dr. Hans Müller", "Frau Weber"): not written into
/// the booking's name.
const TITLES: [&str; 9] = [
    "dr", "prof", "herr", "frau", "mr", "mrs", "ms", "miss", "dipl",
];

/// "Dr. Klein hier", "Anna Weber hier": the name before "hier", as one says on the phone.
fn name_before_hier(words: &[String], lower: &[String]) -> Option<String> {
    const GREETING: [&str; 9] = [
        "guten", "tag", "morgen", "abend", "hallo", "hi", "moin", "servus", "grüß",
    ];
    let i = lower.iter().position(|w| w == "hier")?;
    // As an introduction "hier" ends the clause or a request follows ("Dr. Klein hier. Ich
    // bräuchte …", "Anna Weber hier, habt ihr …"); not "Ist Parken hier möglich?".
    let introduces = lower.get(i + 1).is_none_or(|n| {
        [
            "ich", "wir", "und", "habt", "haben", "hätte", "hätten", "möchte", "möchten", "würde",
            "würden", "wollte", "wollten", "kann", "könnte", "könnten", "gibt", "ist", "sind",
        ]
        .contains(&n.as_str())
    });
    if !introduces {
        return None;
    }
    let mut name: Vec<&str> = Vec::new();
    for j in (0..i).rev().take(2) {
        let (w, l) = (&words[j], lower[j].as_str());
        let capitalised = w.chars().next().is_some_and(char::is_uppercase)
            && w.chars().all(|c| c.is_alphabetic() || c == '-');
        if !capitalised
            || TITLES.contains(&l)
            || GREETING.contains(&l)
            || NOT_NAMES.contains(&l)
            || super::weekday_in(w).is_some()
        {
            break;
        }
        name.insert(0, w);
    }
    (!name.is_empty()).then(|| name.join(" "))
}

/// "2 Personen auf Müller, Tel …": the capitalised name after "auf" that ends the message or
/// comes before the phone (not "auf Deutsch", "auf Wiedersehen", "auf der Terrasse").
fn name_after_auf(words: &[String], lower: &[String]) -> Option<String> {
    const NOT_AFTER_AUF: [&str; 8] = [
        "deutsch",
        "englisch",
        "english",
        "wiedersehen",
        "bald",
        "jeden",
        "nummer",
        "anfrage",
    ];
    let i = lower.iter().position(|w| w == "auf")?;
    // Only after the booking's own words ("2 Personen auf", "Tisch auf", "bitte auf"), not
    // "ich freue mich auf Ihre Rückmeldung".
    let booking_word = i == 0
        || lower[i - 1].chars().all(|c| c.is_ascii_digit() || c == ':')
        || [
            "personen",
            "person",
            "pers",
            "leute",
            "tisch",
            "reservieren",
            "reservierung",
            "buchen",
            "bitte",
            "gern",
            "gerne",
            "uhr",
        ]
        .contains(&lower[i - 1].as_str());
    if !booking_word {
        return None;
    }
    let mut name: Vec<&str> = Vec::new();
    for (w, l) in words[i + 1..].iter().zip(&lower[i + 1..]).take(2) {
        let capitalised = w.chars().next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
        if !capitalised
            || NOT_NAMES.contains(&l.as_str())
            || NOT_AFTER_AUF.contains(&l.as_str())
            || super::weekday_in(w).is_some()
        {
            break;
        }
        name.push(w);
    }
    let next = lower.get(i + 1 + name.len());
    let ends = next.is_none_or(|w| {
        NOT_NAMES.contains(&w.trim_end_matches([':', '.']))
            || !w.chars().next().is_some_and(char::is_alphabetic)
    });
    (!name.is_empty() && ends).then(|| name.join(" "))
}

pub(super) fn name_after(words: &[String], lower: &[String]) -> Option<String> {
    if let Some(n) = name_before_hier(words, lower) {
        return Some(n);
    }
    const LEADS: [&[&str]; 43] = [
        &["mein", "name", "ist"],
        &["der", "name", "ist"],
        &["mein", "name", "lautet"],
        &["der", "name", "lautet"],
        &["unter", "dem", "namen"],
        &["the", "name", "is"],
        &["ich", "heiße"],
        &["ich", "heisse"],
        &["auf", "den", "namen"],
        &["name", "is"],
        &["name", "ist"],
        &["nachname", "ist"],
        &["my", "name", "is"],
        &["under", "the", "name"],
        &["name's"],
        &["name:"],
        // Weak leads: only a capitalised name counts ("ich bin Erika", not "ich bin allergisch").
        &["i'm"],
        &["ich", "bin"],
        &["hier", "ist"],
        &["i", "am"],
        &["this", "is"],
        &["hier", "spricht"],
        &["name"],
        &["under"],
        &["it's"],
        &["it", "is"],
        // A name corrected ("sorry, typo: Fred Weasley", "ich meine Meier").
        &["typo:"],
        &["typo"],
        &["tippfehler:"],
        &["i", "mean"],
        &["ich", "meine"],
        // A letter's signature ("Mit freundlichen Grüßen, Dr. Hans Müller").
        &["freundlichen", "grüßen"],
        &["freundlichen", "grüssen"],
        &["viele", "grüße"],
        &["liebe", "grüße"],
        &["beste", "grüße"],
        &["lg"],
        &["vg"],
        &["mfg"],
        &["regards"],
        &["sincerely"],
        &["cheers"],
        &["best", "wishes"],
    ];
    const WEAK: usize = 16;
    const SIGNATURE: usize = 31;
    for (n, lead) in LEADS.iter().enumerate() {
        let weak = n >= WEAK;
        // After a greeting formula only capitalised words are a name ("Cheers! See you" is
        // no "See").
        let signature = n >= SIGNATURE;
        for i in 0..lower.len() {
            if lower.len() >= i + lead.len()
                && lower[i..i + lead.len()]
                    .iter()
                    .zip(lead.iter())
                    .all(|(a, b)| a == b)
            {
                let mut after = &words[i + lead.len()..];
                // "Dr. Hans Müller", "Frau Weber": the title is no part of the name.
                while after.len() >= 2 && TITLES.contains(&after[0].to_lowercase().as_str()) {
                    after = &after[1..];
                }
                let rest: Vec<&String> = after
                    .iter()
                    .take_while(|w| {
                        let l = w.to_lowercase();
                        w.chars().next().is_some_and(char::is_alphabetic)
                            && !w.contains('@')
                            && (!signature || w.chars().next().is_some_and(char::is_uppercase))
                            && !NOT_NAMES.contains(&l.trim_end_matches([':', '.']))
                            && !w.ends_with(':')
                    })
                    .take(3)
                    .collect();
                let capitalised = rest
                    .first()
                    .and_then(|w| w.chars().next())
                    .is_some_and(char::is_uppercase);
                // A name written with capitals ends at the first small word that joins no
                // name ("I'm Sarah Connor, can I book …" is Sarah Connor; "Ludwig van
                // Beethoven" keeps its "van").
                let mut rest = rest;
                if capitalised {
                    if let Some(k) = rest.iter().position(|w| {
                        !w.chars().next().is_some_and(char::is_uppercase)
                            && !NAME_JOINS.contains(&w.to_lowercase().as_str())
                    }) {
                        rest.truncate(k);
                    }
                }
                // A signature ends the message or comes before the phone ("Cheers! See you
                // at 8" has none).
                let ends = after.get(rest.len()).is_none_or(|w| {
                    NOT_NAMES.contains(&w.to_lowercase().trim_end_matches([':', '.']))
                        || !w.chars().next().is_some_and(char::is_alphabetic)
                });
                // ("it's Friday" names a day, not a guest.)
                let a_day = weak && rest.iter().any(|w| super::weekday_in(w).is_some());
                // "name ernst telefon …" typed in small letters: the bare "name" lead
                // counts when the name ends there.
                let small_ok = *lead == ["name"] && ends;
                if !rest.is_empty()
                    && (!weak || capitalised || small_ok)
                    && (!signature || ends)
                    && !a_day
                {
                    return Some(
                        rest.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
        }
    }
    name_after_auf(words, lower)
}

/// A name typed in capitals ("QUINN FABRAY") or in small letters ("jürgen maier") written as
/// a name ("Quinn Fabray", "Jürgen Maier"); any other as given.
pub(super) fn tidy(name: String) -> String {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    let capitals = letters.iter().all(|c| !c.is_lowercase());
    let small = letters.iter().all(|c| !c.is_uppercase());
    if letters.len() < 2 || !(capitals || small) {
        return name;
    }
    name.split(' ')
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && NAME_JOINS.contains(&w.to_lowercase().as_str()) {
                return w.to_lowercase();
            }
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The guest's name from a message that is only a name ("Müller, Anna" → "Anna Müller";
/// "Anna Müller"), when the engine just asked for it.
pub fn bare_name(text: &str) -> Option<String> {
    bare(text).map(tidy)
}

fn bare(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches(['.', '!']);
    if t.is_empty() || t.len() > 80 || t.chars().any(|c| c.is_ascii_digit() || c == '@') {
        return None;
    }
    if let Some((last, first)) = t.split_once(',') {
        let (last, first) = (last.trim(), first.trim());
        // "Müller, Anna" (not "Ja, bitte buchen"): both parts capitalised, neither a word
        // of the conversation.
        let name_like = |p: &str| {
            p.chars().next().is_some_and(char::is_uppercase)
                && p.split_whitespace().all(|w| {
                    w.chars().next().is_some_and(char::is_uppercase)
                        && !NOT_NAMES.contains(&w.to_lowercase().as_str())
                        && !["ja", "nein", "yes", "no", "ok", "okay"]
                            .contains(&w.to_lowercase().as_str())
                })
        };
        if !last.is_empty() && !last.contains(' ') && name_like(last) && name_like(first) {
            return Some(format!("{first} {last}"));
        }
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let names = words.len() <= 4
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    names.then(|| words.join(" "))
}

/// A name from a message that answers "what name?", written in any case ("paul becker" →
/// "Paul Becker"): one to four words of letters, none of them a yes, no or greeting.
pub fn asked_name(text: &str) -> Option<String> {
    // "Lena 🌸 Hoffmann": signs without a letter or digit are no part of a name.
    let kept: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let joined = kept.join(" ");
    let text = if kept.len() < text.split_whitespace().count() {
        joined.as_str()
    } else {
        text
    };
    one_asked_name(text).or_else(|| {
        // "Das wäre toll. Auf Lorenz bitte.": the name is in one of the sentences, the last
        // one first.
        let sentences: Vec<&str> = text
            .split_inclusive(['.', '!', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if sentences.len() >= 2 {
            if let Some(n) = sentences.iter().rev().find_map(|s| one_asked_name(s)) {
                return Some(n);
            }
        }
        // "Firma Müller GmbH, Ansprechpartner Frank Müller": the person, in the last part
        // that is a name.
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() < 2 {
            return None;
        }
        parts.iter().rev().find_map(|p| one_asked_name(p))
    })
}

/// `text` without the first of `leads` it starts with (in any case), unless nothing would be
/// left.
fn without_lead<'a>(text: &'a str, leads: &[&str]) -> &'a str {
    for lead in leads {
        if let (Some(head), Some(rest)) = (text.get(..lead.len()), text.get(lead.len()..)) {
            if head.eq_ignore_ascii_case(lead) && !rest.trim().is_empty() {
                return rest.trim();
            }
        }
    }
    text
}

fn one_asked_name(text: &str) -> Option<String> {
    // "great, Mills", "ok, Müller": the agreement before the name.
    let mut text = without_lead(
        text.trim(),
        &[
            "great, ",
            "great ",
            "ok, ",
            "okay, ",
            "sure, ",
            "perfect, ",
            "super, ",
            "ja, ",
            "yes, ",
            "gut, ",
            "prima, ",
            "perfekt, ",
            "gerne, ",
        ],
    );
    // "it's Peter Parker", "ich bin Anna Weber": the lead-in is no part of the name.
    text = without_lead(
        text,
        &[
            "auf den namen ",
            "unter dem namen ",
            "under the name ",
            "under ",
            "auf ",
            "the name is ",
            "my name is ",
            "mein name ist ",
            "name: ",
            "name ",
            "it's ",
            "it is ",
            "i'm ",
            "i am ",
            "this is ",
            "name's ",
            "ich bin ",
            "hier ist ",
            "ich heiße ",
            "ich heisse ",
            "ansprechpartner ",
            "ansprechpartnerin ",
            "contact person ",
            "contact ",
            "kontakt ",
        ],
    );
    let text = text.trim().trim_end_matches(['.', '!']);
    let text = [" bitte", " please", " danke", " thanks"]
        .iter()
        .find_map(|s| {
            let cut = text.len().checked_sub(s.len())?;
            let tail = text.get(cut..)?;
            tail.eq_ignore_ascii_case(s)
                .then(|| text[..cut].trim_end_matches([',', ' ']))
        })
        .unwrap_or(text);
    // "Herr Baumann", "Dr. Klein": the title is no part of the name, as after a lead-in.
    let mut text = text;
    while let Some((first, rest)) = text.split_once(' ') {
        let title = TITLES.contains(&first.trim_end_matches('.').to_lowercase().as_str());
        if !title || rest.trim().is_empty() {
            break;
        }
        text = rest.trim();
    }
    const NOT: [&str; 12] = [
        "ja", "nein", "yes", "no", "hallo", "hello", "hi", "danke", "thanks", "ok", "okay", "bitte",
    ];
    // "dann buchen Sie": words that ask for something are no name.
    // (A topic word such as "Park" may be a surname: only requests and answers count.)
    if super::intents(text)
        .iter()
        .any(|i| !matches!(i, super::Intent::Ask | super::Intent::Greeting))
    {
        return None;
    }
    // "Ja, danke" (once "danke" is cut off: "Ja") is an answer, no name.
    if let Some(n) = bare_name(text).filter(|n| {
        !n.split_whitespace().any(|w| {
            let l = w.to_lowercase();
            NOT_NAMES.contains(&l.as_str()) && !NAME_JOINS.contains(&l.as_str())
                || NOT.contains(&l.trim_end_matches(','))
        })
    }) {
        return Some(n);
    }
    let t = text.trim().trim_end_matches(['.', '!']);
    let words: Vec<&str> = t.split_whitespace().collect();
    let letters = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    // "Meine Nummer ist": words of a sentence, no name.
    let sentence_word = |w: &&str| {
        let l = w.to_lowercase();
        NOT_NAMES.contains(&l.as_str()) && !NAME_JOINS.contains(&l.as_str())
    };
    let counted = |w: &&str| {
        let l = w.to_lowercase();
        NOT_IN_NAMES.contains(&l.as_str()) || crate::spoken::party(&l).is_ok()
    };
    let ok = (1..=4).contains(&words.len())
        && words.iter().all(letters)
        && !words.iter().any(counted)
        && !words.iter().any(sentence_word)
        && !words
            .iter()
            .any(|w| NOT.contains(&w.to_lowercase().as_str()))
        && !NOT_FIRST.contains(&words[0].to_lowercase().as_str());
    ok.then(|| {
        words
            .iter()
            .map(|w| {
                // "Anna and Tom Baker", "Anna von Berg": the joining word stays small.
                if NAME_JOINS.contains(&w.to_lowercase().as_str()) {
                    return w.to_lowercase();
                }
                let mut c = w.chars();
                c.next()
                    .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}
