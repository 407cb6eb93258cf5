//! Questions about the restaurant: its own FAQ first, then the standard ones its settings
//! answer (hours, address, menu).

use super::*;

/// The answer from the restaurant's FAQ (in the conversation's language, else the other), or
/// for a standard question (`asked`: the message has an asking intent) from its settings;
/// `None` when the message asks neither. A standard question the settings cannot answer
/// (no website for the menu, parking without an FAQ entry) is answered with the
/// restaurant's phone and marked unanswered.
pub(super) async fn faq_or_topic(
    tx: &mut TenantTx,
    c: &Conversation,
    text: &str,
    asked: bool,
    ctx: &Context,
) -> Result<Option<Reply>, StoreError> {
    let faq = tx.faq().await?;
    if !faq.is_empty() {
        let mut questions = Vec::new();
        for (i, e) in faq.iter().enumerate() {
            for q in [&e.question_de, &e.question_en] {
                if !q.is_empty() {
                    questions.push((i, q.as_str()));
                }
            }
        }
        let qs: Vec<&str> = questions.iter().map(|(_, q)| *q).collect();
        if let Some(k) = chat::faq_match(text, &qs) {
            let e = &faq[questions[k].0];
            let (first, second) = if lang_of(c) == "en" {
                (&e.answer_en, &e.answer_de)
            } else {
                (&e.answer_de, &e.answer_en)
            };
            let answer = if first.is_empty() { second } else { first };
            return Ok(Some(reply(answer.clone())));
        }
    }
    if !asked {
        return Ok(None);
    }
    let Some(topic) = chat::topic(text) else {
        return Ok(None);
    };
    let s = tx.reservation_settings().await?;
    let unknown = || Reply {
        unanswered: true,
        ..reply(no_information(c, &s.phone))
    };
    Ok(Some(match topic {
        chat::Topic::Hours => reply(run(tx, "restaurant_info", &json!({}), ctx).await?.say),
        chat::Topic::Address if !s.address().is_empty() => reply(t(
            c,
            &format!("Sie finden uns in der {}.", s.address()),
            &format!("You'll find us at {}.", s.address()),
        )),
        chat::Topic::Menu if !s.website.is_empty() => reply(t(
            c,
            &format!("Unsere Speisekarte und mehr finden Sie auf {}.", s.website),
            &format!("You'll find our menu and more at {}.", s.website),
        )),
        chat::Topic::Price if !s.website.is_empty() => reply(t(
            c,
            &format!(
                "Unsere Preise finden Sie mit der Speisekarte auf {}.",
                s.website
            ),
            &format!("You'll find our prices with the menu at {}.", s.website),
        )),
        chat::Topic::Contact if !s.phone.is_empty() || !s.email.is_empty() => {
            let ways: Vec<String> = [&s.phone, &s.email]
                .into_iter()
                .filter(|x| !x.is_empty())
                .cloned()
                .collect();
            let ways = say::list(&ways, lang_of(c));
            reply(t(
                c,
                &format!("Sie erreichen uns unter {ways}."),
                &format!("You can reach us at {ways}."),
            ))
        }
        _ => unknown(),
    }))
}

/// "I don't know that", with the team's phone when the restaurant has one.
pub(super) fn no_information(c: &Conversation, phone: &str) -> String {
    if phone.is_empty() {
        t(
            c,
            "Dazu habe ich leider keine Information. Fragen Sie gern das Team, wenn Sie zu uns kommen.",
            "I'm afraid I don't have that information. Feel free to ask the team.",
        )
    } else {
        t(
            c,
            &format!("Dazu habe ich leider keine Information. Das Team hilft Ihnen gern weiter: {phone}."),
            &format!("I'm afraid I don't have that information. The team will gladly help: {phone}."),
        )
    }
}
