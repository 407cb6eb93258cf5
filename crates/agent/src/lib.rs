//! The tools the AI agents use during a conversation (phone now; chat and WhatsApp later):
//! `check_availability`, `create_reservation`, `find_reservation`, `change_reservation`,
//! `cancel_reservation`, `restaurant_info` and `hand_over_to_staff`.
//!
//! Each tool takes loosely typed arguments as a voice model passes them on (ISO values or the
//! spoken forms "morgen", "halb acht", "zu viert"), runs through the reservation services in
//! the restaurant's tenant transaction, and answers with structured data plus one short
//! sentence to speak in the call's language. Bad or ambiguous input is never an error here:
//! the answer says what to ask the caller next.

mod args;
mod booking;
pub mod call;
pub mod chat;
mod check;
pub mod completions;
mod info;
pub mod model;
mod speech;
pub mod widget;

use booking::{
    cancel_reservation, change_reservation, create_reservation, find_reservation, hand_over,
};
use check::check_availability;

use args::{Args, Parsed};
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Alternatives, Snapshot, Unavailable};
use hs_domain::reservation::{Channel, Status};
use hs_domain::{say, validate};
use hs_store::booking::{Change, GuestInput, NewReservation, Reservation};
use hs_store::voice::Outcome;
use hs_store::{StoreError, TenantTx};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The tools, by the names agents call them.
pub const TOOLS: [&str; 7] = [
    "check_availability",
    "create_reservation",
    "find_reservation",
    "change_reservation",
    "cancel_reservation",
    "restaurant_info",
    "hand_over_to_staff",
];

/// Who is calling and how.
#[derive(Clone, Debug)]
pub struct Context {
    /// The caller's number (caller ID), used as the guest's phone when none is spoken.
    pub caller: Option<String>,
    /// "de" or "en".
    pub language: String,
    /// The channel reservations are booked under.
    pub channel: Channel,
}

/// A tool's answer.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Answer {
    pub ok: bool,
    /// One short sentence (or two) to speak.
    pub say: String,
    /// Structured data for the model.
    pub data: Value,
    /// Why it did not work, as a stable code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// What this means for the call's outcome.
    #[serde(skip)]
    pub outcome: Option<Outcome>,
    /// The reservation it made or touched.
    #[serde(skip)]
    pub reservation_id: Option<Uuid>,
}

impl Answer {
    fn done(say: String, data: Value, outcome: Outcome, reservation: Option<Uuid>) -> Answer {
        Answer {
            ok: true,
            say,
            data,
            error: None,
            outcome: Some(outcome),
            reservation_id: reservation,
        }
    }

    /// A refusal that tells the caller what to say next.
    fn ask(error: &'static str, say: String, data: Value) -> Answer {
        Answer {
            ok: false,
            say,
            data,
            error: Some(error),
            outcome: None,
            reservation_id: None,
        }
    }
}

/// Picks the German or English text.
fn in_language(lang: &str, de: &str, en: &str) -> String {
    if lang == "en" { en } else { de }.to_string()
}

/// Runs one tool. Only infrastructure failures are errors; everything the caller can fix is
/// an [`Answer`] with `ok: false`. When `ok` is false nothing was written.
pub async fn run(
    tx: &mut TenantTx,
    tool: &str,
    args: &Value,
    ctx: &Context,
) -> Result<Answer, StoreError> {
    let lang = ctx.language.as_str();
    let a = match Args::new(args) {
        Ok(a) => a,
        Err(()) => {
            return Ok(Answer::ask(
                "invalid_arguments",
                in_language(
                    lang,
                    "Das habe ich nicht verstanden. Können Sie es bitte noch einmal sagen?",
                    "Sorry, I did not get that. Could you say it again?",
                ),
                json!({"expected": "a JSON object of arguments"}),
            ))
        }
    };
    match tool {
        "check_availability" => check_availability(tx, &a, lang).await,
        "create_reservation" => create_reservation(tx, &a, ctx).await,
        "find_reservation" => find_reservation(tx, &a, ctx).await,
        "change_reservation" => change_reservation(tx, &a, ctx).await,
        "cancel_reservation" => cancel_reservation(tx, &a, ctx).await,
        "restaurant_info" => info::restaurant_info(tx, lang).await,
        "hand_over_to_staff" => hand_over(tx, &a, ctx).await,
        _ => Ok(Answer::ask(
            "unknown_tool",
            in_language(
                lang,
                "Dabei kann ich leider nicht helfen. Soll ich Sie mit dem Team verbinden?",
                "I can't help with that, I'm afraid. Shall I pass you on to the team?",
            ),
            json!({"tools": TOOLS}),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::spread;

    #[test]
    fn spread_keeps_first_and_last() {
        let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("hour");
        let all: Vec<_> = (12..22).map(hour).collect();
        assert_eq!(
            spread(&all, 4),
            vec![hour(12), hour(15), hour(18), hour(21)]
        );
        assert_eq!(spread(&all[..2], 4), vec![hour(12), hour(13)]);
    }
}
