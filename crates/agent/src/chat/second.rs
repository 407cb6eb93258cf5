//! Two tables asked for in one message ("Freitag 19 Uhr für 2 und Samstag 20 Uhr für 4"):
//! the first is taken up at once and the second said to follow; once the first is booked, the
//! second is read back with the name and phone already given.

use super::*;
use texts::second_follows;

/// The answer to a message that asks for two tables, or `None` for any other message.
pub(super) async fn split(
    tx: &mut TenantTx,
    c: &mut Conversation,
    message: &str,
    ctx: &Context,
) -> Result<Option<Reply>, StoreError> {
    let joined = [" und ", " and ", " sowie ", ";"]
        .iter()
        .any(|k| message.to_lowercase().contains(k));
    if !joined || c.second_request.is_some() || !matches!(c.mode, Mode::Idle | Mode::Booking) {
        return Ok(None);
    }
    let rules = tx.rules().await?;
    let today = tx.now().with_timezone(&rules.tz).date_naive();
    let open = |x: NaiveTime| rules.seats_at(today, x);
    let Some((first, second)) = chat::two_requests(&clean(message), today, &open) else {
        return Ok(None);
    };
    // What the whole message says of health or faith (an allergy) is sealed for the booking
    // as always, not lost with the split.
    if let Some(sp) = chat::hear(message, today, &open).special {
        add_special(c, &sp);
    }
    let mut r = answer(tx, c, &first, ctx).await?;
    r.text = format!(
        "{} {}",
        second_follows(c, &chat::hear(&second, today, &open)),
        r.text
    );
    c.second_request = Some(second);
    Ok(Some(r))
}

/// Once the first is booked (`booked`, its confirmation): the second's day, time and party,
/// and the next step towards it after the confirmation; `None` when no second waits.
pub(super) async fn follow_up(
    tx: &mut TenantTx,
    c: &mut Conversation,
    ctx: &Context,
    today: NaiveDate,
    open: &(dyn Fn(NaiveTime) -> bool + Sync),
    booked: &str,
) -> Result<Option<Reply>, StoreError> {
    let Some(second) = c.second_request.take() else {
        return Ok(None);
    };
    let next = chat::hear(&second, today, open);
    c.date = next.date.or(c.date);
    c.time = next.time;
    c.party = next.party;
    c.offered.clear();
    c.days_offered.clear();
    c.mode = Mode::Booking;
    let r = offer::next_step(tx, c, ctx, true, false, None, false).await?;
    let text = format!(
        "{booked} {} {}",
        t(
            c,
            "Nun zur zweiten Reservierung:",
            "Now the second booking:"
        ),
        r.text
    );
    Ok(Some(Reply { text, ..r }))
}
