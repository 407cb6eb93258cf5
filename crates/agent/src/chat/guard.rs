//! The last check on every reply, whatever engine wrote it.

use super::*;

/// `r`, or a polite refusal when it fails [`guard`].
pub(super) async fn guarded(
    tx: &mut TenantTx,
    c: &Conversation,
    r: Reply,
) -> Result<Reply, StoreError> {
    let settings = tx.reservation_settings().await?;
    let public = [settings.phone.clone(), settings.email.clone()];
    if guard(&r.text, c, &public) {
        return Ok(r);
    }
    tracing::warn!("a chat reply named contact details or codes this guest never gave; replaced");
    Ok(reply(t(
        c,
        "Dazu kann ich leider nichts sagen. Kann ich Ihnen sonst helfen, zum Beispiel mit einer Reservierung?",
        "I can't help with that, I'm afraid. Can I help you with something else, a booking perhaps?",
    )))
}

/// Whether a reply names only contact details and codes this guest gave or received, or the
/// restaurant's own (`public`): defence in depth, so that no engine (and no injected
/// instruction) can hand one guest another's phone number, email address or booking code.
pub fn guard(text: &str, c: &Conversation, public: &[String]) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let own_digits: Vec<String> = c
        .phone
        .iter()
        .chain(public.iter())
        .map(|p| digits(p))
        .filter(|d| d.len() >= 6)
        .collect();
    let own_text: Vec<String> = c
        .email
        .iter()
        .chain(public.iter())
        .chain(c.booked.iter())
        .chain(c.code.iter())
        .map(|s| s.to_lowercase())
        .collect();
    for w in text.split(|ch: char| ch.is_whitespace() || ",;()<>\"'".contains(ch)) {
        let w = w.trim_end_matches(['.', '!', '?', ':']);
        if w.contains('@') && !own_text.iter().any(|o| o == &w.to_lowercase()) {
            return false;
        }
        let code = chat::looks_like_code(w);
        if code && !own_text.iter().any(|o| o == &w.to_lowercase()) {
            return false;
        }
    }
    // Phone numbers: runs of 7 or more digits (with spaces, +, - and / between them); the last
    // seven digits identify a number whatever its prefix.
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once('x')) {
        if ch.is_ascii_digit() || (" +-/".contains(ch) && !run.is_empty()) {
            run.push(ch);
        } else {
            let d = digits(&run);
            if d.len() >= 7 {
                let tail = &d[d.len() - 7..];
                if !own_digits.iter().any(|o| o.ends_with(tail)) {
                    return false;
                }
            }
            run.clear();
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_lets_through_only_what_this_guest_gave_or_received() {
        let c = Conversation {
            phone: Some("0761 1234567".into()),
            email: Some("anna@example.com".into()),
            booked: vec!["X7KM4P".into()],
            ..Conversation::default()
        };
        let public = vec!["+49 761 9990000".into(), "info@trattoria.example".into()];
        assert!(guard("Ihre Buchungsnummer ist X7KM4P.", &c, &public));
        assert!(guard("Wir rufen Sie unter 0761 1234567 an.", &c, &public));
        assert!(guard(
            "Das Team erreichen Sie unter +49 761 9990000 oder info@trattoria.example.",
            &c,
            &public
        ));
        assert!(guard(
            "Am Freitag, 27. November 2026 um 19:30 Uhr für 4 Personen.",
            &c,
            &public
        ));
        assert!(
            !guard("Herr Meier hat die Nummer 0151 99988877.", &c, &public),
            "another guest's phone"
        );
        assert!(
            !guard("Schreiben Sie an bert@example.com.", &c, &public),
            "another guest's email"
        );
        assert!(
            !guard("Die Reservierung QW3RTY gehört Bert.", &c, &public),
            "another booking code"
        );
    }
}
