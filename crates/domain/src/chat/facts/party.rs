//! The party a message says: the words that count people, children on top of the party,
//! and one more or fewer than said before.

use super::*;

pub(super) fn party_cue(w: &str) -> bool {
    // "Guests: 3", "Personen: 5" as on a form.
    let w = w.trim_end_matches(':');
    [
        "personen",
        "person",
        "pers",
        "leute",
        "gäste",
        "gaeste",
        "people",
        "persons",
        "guests",
        "zu",
        "für",
        "fuer",
        "for",
        "of",
        "sind",
        "are",
        "erwachsene",
        "kinder",
        "adults",
        "pax",
        "we're",
        "ppl",
        "leuten",
        "wären",
        "waeren",
        "werden",
    ]
    .contains(&w.to_lowercase().as_str())
}

/// Words that count people ("2 Personen").
pub(super) const PEOPLE: [&str; 13] = [
    "personen", "person", "pers", "leute", "leuten", "gäste", "gaeste", "people", "persons",
    "guests", "pax", "ppl", "leit",
];

/// Words for grown-ups and for children in a party ("3 Erwachsene und 2 Kinder").
pub(super) const ADULTS: [&str; 5] = [
    "erwachsene",
    "erwachsenen",
    "erwachsener",
    "adults",
    "adult",
];
pub(super) const CHILDREN: [&str; 15] = [
    "kinder",
    "kind",
    "kindern",
    "kids",
    "kid",
    "children",
    "child",
    "baby",
    "babys",
    "babies",
    "kleinkind",
    "toddler",
    "toddlers",
    "infant",
    "kleinkinder",
];

/// People more or fewer than said before.
pub(super) fn party_change(lower: &[String], used: &mut [bool]) -> Option<i32> {
    // "eine Person mehr", "two more people", "one less": a change of the party said before.
    for i in 0..lower.len() {
        let Some(n) = spoken::party(&lower[i]).ok().filter(|_| !used[i]) else {
            continue;
        };
        let next = |k: usize| lower.get(i + k).map(String::as_str).unwrap_or("");
        let people = |w: &str| PEOPLE.contains(&w) || w == "guest";
        let (a, b) = (next(1), next(2));
        // "plus one", "+1": one more.
        let plus = i > 0 && ["plus", "+"].contains(&lower[i - 1].as_str());
        let sign = if plus
            || people(a) && ["mehr", "more"].contains(&b)
            || ["more", "mehr"].contains(&a)
                && (people(b) || ["", "also", "dann", "bitte", "please", "then"].contains(&b))
        {
            1
        } else if people(a) && ["weniger", "less", "fewer"].contains(&b)
            || ["weniger", "less", "fewer"].contains(&a)
        {
            -1
        } else {
            0
        };
        if sign != 0 {
            if plus {
                used[i - 1] = true;
            }
            for u in used.iter_mut().skip(i).take(3) {
                *u = true;
            }
            return i32::try_from(n).ok().map(|n| n * sign);
        }
    }
    // "es kommt noch jemand dazu", "my sister is coming too": one more person.
    let text = lower.join(" ");
    [
        "noch jemand",
        "noch eine person",
        "kommt noch dazu",
        "kommt auch noch",
        "kommt noch mit",
        "one more person",
        "someone else is coming",
        "is coming too",
        "is joining us",
        "will join us",
        "is coming as well",
    ]
    .iter()
    .any(|k| text.contains(k))
    .then_some(1)
}

/// Children named after "mit", "with", "plus" or "+" and not counted yet ("mit Kind", "mit
/// zwei Kindern", "with a baby", "+ 2 kids"): how many. Not after "mit" when the party was
/// counted in people ("4 Personen mit 2 Kindern" may hold them), and none for "with kids"
/// (how many?).
pub(super) fn children_with(lower: &[String], used: &[bool]) -> u32 {
    let in_people = lower
        .iter()
        .zip(used)
        .any(|(w, u)| *u && PEOPLE.contains(&w.as_str()));
    let one = [
        "kind",
        "kid",
        "child",
        "baby",
        "kleinkind",
        "toddler",
        "infant",
    ];
    let mut n = 0;
    for i in 1..lower.len() {
        if used[i] || !CHILDREN.contains(&lower[i].as_str()) {
            continue;
        }
        let before = |k: usize| {
            i.checked_sub(k)
                .and_then(|j| lower.get(j))
                .map(String::as_str)
        };
        // "mit" after "4 Personen" may name who the four are; "plus" and "und" add.
        let with = |w: Option<&str>| {
            w.is_some_and(|w| {
                ["plus", "+", "und", "and"].contains(&w)
                    || !in_people && ["mit", "with"].contains(&w)
            })
        };
        let article = |w: Option<&str>| {
            w.is_some_and(|w| {
                [
                    "ein", "einem", "einen", "a", "an", "one", "our", "unserem", "unseren",
                    "meinem", "meinen", "my",
                ]
                .contains(&w)
            })
        };
        let count = before(1)
            .filter(|w| !used[i - 1] && !article(Some(w)))
            .and_then(|w| spoken::party(w).ok());
        let single = one.contains(&lower[i].as_str());
        n += match count {
            Some(k) if with(before(2)) && k <= 10 => k,
            None if single && with(before(1)) => 1,
            None if single && article(before(1)) && with(before(2)) => 1,
            _ => 0,
        };
    }
    n
}
