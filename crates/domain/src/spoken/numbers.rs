//! Numbers as guests write and say them: digits, German and English words, southern German
//! forms, and the minutes after an hour.

use super::words;

pub(super) fn number_word(w: &str) -> Option<u32> {
    const N: [(&str, &str, u32); 23] = [
        ("eins", "one", 1),
        ("zwei", "two", 2),
        ("drei", "three", 3),
        ("vier", "four", 4),
        ("fuenf", "five", 5),
        ("sechs", "six", 6),
        ("sieben", "seven", 7),
        ("acht", "eight", 8),
        ("neun", "nine", 9),
        ("zehn", "ten", 10),
        ("elf", "eleven", 11),
        ("zwoelf", "twelve", 12),
        // The hours of the evening as a clock says them ("neunzehn Uhr dreißig").
        ("dreizehn", "thirteen", 13),
        ("vierzehn", "fourteen", 14),
        ("fuenfzehn", "fifteen", 15),
        ("sechzehn", "sixteen", 16),
        ("siebzehn", "seventeen", 17),
        ("achtzehn", "eighteen", 18),
        ("neunzehn", "nineteen", 19),
        ("zwanzig", "twenty", 20),
        ("einundzwanzig", "twenty-one", 21),
        ("zweiundzwanzig", "twenty-two", 22),
        ("dreiundzwanzig", "twenty-three", 23),
    ];
    let w = w.trim_end_matches('.');
    if w == "ein" || w == "eine" || w == "einen" || w == "a" || w == "an" {
        return Some(1);
    }
    // "zwo" (said for clarity), "zwoi", "zwoa" (southern German).
    if ["zwo", "zwoi", "zwoa"].contains(&w) {
        return Some(2);
    }
    // Southern German with its trailing e ("um halb siebe", "um achte", "zu viere"). (A
    // dozen is written out in `chat::normalise`.)
    const SOUTH: [(&str, u32); 10] = [
        ("oans", 1),
        ("dreie", 3),
        ("viere", 4),
        ("fuenfe", 5),
        ("sechse", 6),
        ("siebe", 7),
        ("achte", 8),
        ("neune", 9),
        ("zehne", 10),
        ("elfe", 11),
    ];
    if let Some((_, n)) = SOUTH.iter().find(|(k, _)| *k == w) {
        return Some(*n);
    }

    w.parse().ok().or_else(|| {
        N.iter()
            .find(|(de, en, _)| *de == w || *en == w)
            .map(|n| n.2)
    })
}

/// Minutes after a full hour, in digits or words ("30", "dreißig", "fünfundvierzig",
/// "forty-five").
pub fn minute_word(w: &str) -> Option<u32> {
    const M: [(&str, &str, u32); 9] = [
        ("fuenf", "five", 5),
        ("zehn", "ten", 10),
        ("fuenfzehn", "fifteen", 15),
        ("zwanzig", "twenty", 20),
        ("fuenfundzwanzig", "twenty-five", 25),
        ("dreissig", "thirty", 30),
        ("fuenfunddreissig", "thirty-five", 35),
        ("vierzig", "forty", 40),
        ("fuenfundvierzig", "forty-five", 45),
    ];
    let w = words(w).join(" ");
    let w = w.trim_end_matches('.');
    if let Ok(n) = w.parse::<u32>() {
        return (n < 60).then_some(n);
    }
    M.iter()
        .find(|(de, en, _)| *de == w || *en == w || en.replace('-', "") == w)
        .map(|m| m.2)
        .or(match w {
            "fuenfzig" | "fifty" => Some(50),
            "fuenfundfuenfzig" | "fifty-five" | "fiftyfive" => Some(55),
            _ => None,
        })
}
