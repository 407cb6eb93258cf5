//! Short phrases about what was said before: a pick from the times offered ("die erste"), a
//! correction ("doch", "actually"), a booking code the guest does not have.

/// Which of the times offered the guest picks by its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    First,
    Last,
}

/// "die erste", "the earliest", "die letzte", "the last one": the place of the time picked.
pub fn pick_by_place(text: &str) -> Option<Pick> {
    let l = text.to_lowercase();
    let said = |keys: &[&str]| keys.iter().any(|k| l.contains(k));
    if said(&[
        "erste",
        "ersten",
        "first",
        "earliest",
        "früheste",
        "fruehste",
    ]) {
        Some(Pick::First)
    } else if said(&[
        "letzte",
        "letzten",
        "the last",
        "last one",
        "latest",
        "späteste",
    ]) {
        Some(Pick::Last)
    } else {
        None
    }
}

/// Whether the message corrects what was said ("wir sind jetzt doch zu viert", "actually
/// make it 8").
pub fn corrects(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "doch",
        "actually",
        "instead",
        "stattdessen",
        "lieber",
        "make it",
        "sorry",
        "jetzt",
        "now",
        "rather",
    ]
    .iter()
    .any(|k| l.contains(k))
}

/// Whether the guest, asked for the code, says they do not have it ("Das weiß ich nicht
/// mehr", "no idea").
pub fn code_unknown(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "weiß ich nicht",
        "weiss ich nicht",
        "weiß nicht",
        "weiss nicht",
        "keine ahnung",
        "hab ich nicht",
        "habe ich nicht",
        "nicht mehr",
        "verloren",
        "vergessen",
        "no idea",
        "don't know",
        "dont know",
        "don't have",
        "don't remember",
        "can't remember",
        "lost it",
        "forgot",
    ]
    .iter()
    .any(|k| l.contains(k))
}
