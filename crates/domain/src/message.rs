//! Which message a guest gets after which change to their reservation, when the reminder is
//! due, until when they may cancel on their own, and what a message's calendar file says.
//! Pure rules: the store writes the messages these decide, the service renders and sends them.

use crate::reservation::Status;
use chrono::offset::LocalResult;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

/// What a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Booked and confirmed.
    Confirmation,
    /// Booked, waiting for the restaurant's approval (large parties).
    Pending,
    /// A pending booking the restaurant approved.
    Approved,
    /// A pending booking the restaurant declined.
    Declined,
    /// Date, time or party size changed.
    Changed,
    /// Cancelled, by the restaurant or by the guest.
    Cancelled,
    /// The reminder before the visit.
    Reminder,
    /// A chat's transcript, on the guest's request.
    Transcript,
    /// The team's daily digest.
    Digest,
    /// A test message from the settings page.
    Test,
    /// The chat agent's answer to a guest's message (WhatsApp free text).
    Reply,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 11] = [
        Kind::Confirmation,
        Kind::Pending,
        Kind::Approved,
        Kind::Declined,
        Kind::Changed,
        Kind::Cancelled,
        Kind::Reminder,
        Kind::Transcript,
        Kind::Digest,
        Kind::Test,
        Kind::Reply,
    ];

    /// The kinds a guest gets about a reservation (a restaurant may add a paragraph to each).
    pub const ABOUT_RESERVATIONS: [Kind; 7] = [
        Kind::Confirmation,
        Kind::Pending,
        Kind::Approved,
        Kind::Declined,
        Kind::Changed,
        Kind::Cancelled,
        Kind::Reminder,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Pending => "pending",
            Kind::Approved => "approved",
            Kind::Declined => "declined",
            Kind::Changed => "changed",
            Kind::Cancelled => "cancelled",
            Kind::Reminder => "reminder",
            Kind::Transcript => "transcript",
            Kind::Digest => "digest",
            Kind::Test => "test",
            Kind::Reply => "reply",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the guest's calendar must replace its earlier version (the calendar file's
    /// `SEQUENCE` goes up).
    pub fn raises_sequence(self) -> bool {
        matches!(self, Kind::Changed | Kind::Cancelled | Kind::Declined)
    }

    /// What the message's calendar file does with the guest's calendar entry, if it has one.
    pub fn calendar(self) -> Option<Calendar> {
        match self {
            Kind::Confirmation | Kind::Approved | Kind::Changed | Kind::Reminder => {
                Some(Calendar::Request)
            }
            Kind::Cancelled | Kind::Declined => Some(Calendar::Cancel),
            Kind::Pending | Kind::Transcript | Kind::Digest | Kind::Test | Kind::Reply => None,
        }
    }

    /// Whether the message carries the link to the guest's self-service page (only while
    /// there is something left to manage).
    pub fn carries_link(self) -> bool {
        matches!(
            self,
            Kind::Confirmation | Kind::Pending | Kind::Approved | Kind::Changed | Kind::Reminder
        )
    }
}

/// What a calendar file asks of the guest's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calendar {
    /// Add or update the entry.
    Request,
    /// Remove the entry.
    Cancel,
}

/// The message a new booking sends: a confirmation, or the acknowledgement that the team will
/// decide. Walk-ins get none unless asked ([`Kind::Confirmation`] then).
pub fn after_booking(status: Status) -> Option<Kind> {
    match status {
        Status::Confirmed => Some(Kind::Confirmation),
        Status::Pending => Some(Kind::Pending),
        _ => None,
    }
}

/// The message a change of state sends: approval, decline (a pending booking the restaurant
/// cancels), cancellation. Seating, completing and no-shows send nothing.
pub fn after_transition(from: Status, to: Status, by_guest: bool) -> Option<Kind> {
    match (from, to) {
        (Status::Pending, Status::Confirmed) => Some(Kind::Approved),
        (Status::Pending, Status::Cancelled) if !by_guest => Some(Kind::Declined),
        (Status::Pending | Status::Confirmed, Status::Cancelled) => Some(Kind::Cancelled),
        _ => None,
    }
}

/// When the reminder for a visit at `starts_at` goes out: `hours` before it, unless the
/// restaurant sends none (`hours == 0`) or that moment has already passed at `now` (booked
/// later than the reminder lead: the confirmation is reminder enough).
pub fn reminder_due(
    starts_at: DateTime<Utc>,
    hours: i32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if hours <= 0 {
        return None;
    }
    let due = starts_at - Duration::hours(i64::from(hours));
    (due > now).then_some(due)
}

/// Whether a guest may still cancel or change on their own at `now`: until `cutoff_minutes`
/// before the visit. Later, they call the restaurant.
pub fn guest_may_change(starts_at: DateTime<Utc>, cutoff_minutes: i32, now: DateTime<Utc>) -> bool {
    now + Duration::minutes(i64::from(cutoff_minutes.max(0))) <= starts_at
}

/// The instant the team's digest for `date` goes out: `at` local time in `tz`. On the day
/// clocks go forward, a time in the gap is taken as the same wall time after the jump (02:30
/// becomes 03:30); when they go back, the first 02:30 counts.
pub fn digest_due(date: NaiveDate, at: NaiveTime, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = date.and_time(at);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // In the gap: the offset before the jump, which lands after it.
        LocalResult::None => {
            let before = tz.offset_from_utc_datetime(&(local - Duration::hours(3)));
            (local - before.fix()).and_utc()
        }
    }
}

/// How one service of a day is booked: reservations and covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceLoad {
    pub name: String,
    pub reservations: u32,
    pub covers: u32,
}

/// Today's reservations (local start time, party size, status) per service period, in the
/// periods' order; reservations outside every period (walk-ins late at night) count under the
/// last one. Cancelled and no-show reservations do not count.
pub fn load_per_service(
    periods: &[crate::availability::PeriodTimes],
    reservations: &[(NaiveTime, u32, Status)],
) -> Vec<ServiceLoad> {
    let mut out: Vec<ServiceLoad> = periods
        .iter()
        .map(|p| ServiceLoad {
            name: p.name.clone(),
            ..ServiceLoad::default()
        })
        .collect();
    if out.is_empty() {
        out.push(ServiceLoad {
            name: String::new(),
            ..ServiceLoad::default()
        });
    }
    for (t, party, status) in reservations {
        if matches!(status, Status::Cancelled | Status::NoShow) {
            continue;
        }
        let i = periods
            .iter()
            .position(|p| p.seats_at(*t) || (p.start <= *t && *t < p.end))
            .unwrap_or(out.len() - 1);
        out[i].reservations += 1;
        out[i].covers += party;
    }
    out
}

fn keyword(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// Whether a guest's message asks for no more WhatsApp messages ("STOP" and its German and
/// English kin, alone in the message).
pub fn is_stop(text: &str) -> bool {
    matches!(
        keyword(text).as_str(),
        "stop" | "stopp" | "abmelden" | "unsubscribe" | "austragen" | "ende"
    )
}

/// Whether a guest's message asks for WhatsApp messages (again).
pub fn is_start(text: &str) -> bool {
    matches!(keyword(text).as_str(), "start" | "anmelden" | "subscribe")
}

/// The WhatsApp template a message kind is sent with (a business may start a conversation
/// only with an approved template): `None` for kinds that go out as free text, and only
/// inside the 24-hour window after the guest's last message.
pub fn whatsapp_template(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Confirmation | Kind::Approved | Kind::Changed => Some("confirmation"),
        Kind::Reminder => Some("reminder"),
        Kind::Cancelled | Kind::Declined => Some("cancellation"),
        Kind::Pending | Kind::Transcript | Kind::Digest | Kind::Test | Kind::Reply => None,
    }
}

/// Where a message is on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    Sent,
    Delivered,
    Read,
    Bounced,
    Failed,
    /// Not sent, with a reason (no usable address, no consent).
    Skipped,
}

impl Delivery {
    /// Every state.
    pub const ALL: [Delivery; 7] = [
        Delivery::Queued,
        Delivery::Sent,
        Delivery::Delivered,
        Delivery::Read,
        Delivery::Bounced,
        Delivery::Failed,
        Delivery::Skipped,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Bounced => "bounced",
            Delivery::Failed => "failed",
            Delivery::Skipped => "skipped",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a provider's report of `to` moves the message on. Reports arrive late and out
    /// of order: a message never goes back (a late "delivered" after "read" changes nothing),
    /// and a bounce or failure after delivery is taken (providers report those last).
    pub fn advances_to(self, to: Delivery) -> bool {
        use Delivery::*;
        let rank = |d: Delivery| match d {
            Queued => 0,
            Sent => 1,
            Delivered => 2,
            Read => 3,
            Bounced | Failed => 4,
            Skipped => 5,
        };
        match (self, to) {
            (Skipped, _) | (Bounced | Failed, _) => false,
            (Read, Bounced | Failed) => false,
            _ => rank(to) > rank(self),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_keeps_its_local_time_across_daylight_saving_days() {
        let berlin = chrono_tz::Europe::Berlin;
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("t");
        let d = |s: &str| s.parse::<NaiveDate>().expect("d");
        assert_eq!(
            digest_due(d("2027-03-27"), nine, berlin),
            at("2027-03-27T08:00:00Z")
        );
        assert_eq!(
            digest_due(d("2027-03-28"), nine, berlin),
            at("2027-03-28T07:00:00Z"),
            "summer time"
        );
        assert_eq!(
            digest_due(d("2026-10-25"), nine, berlin),
            at("2026-10-25T08:00:00Z"),
            "winter time"
        );
        let half_two = NaiveTime::from_hms_opt(2, 30, 0).expect("t");
        assert_eq!(
            digest_due(d("2027-03-28"), half_two, berlin),
            at("2027-03-28T01:30:00Z"),
            "the gap: 03:30 CEST"
        );
        assert_eq!(
            digest_due(d("2026-10-25"), half_two, berlin),
            at("2026-10-25T00:30:00Z"),
            "the first 02:30"
        );
    }

    #[test]
    fn load_per_service_counts_covers_of_live_reservations_per_period() {
        use crate::availability::PeriodTimes;
        let t = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).expect("t");
        let periods = vec![
            PeriodTimes {
                name: "Mittag".into(),
                start: t(11, 30),
                end: t(14, 30),
                last_seating: t(13, 30),
            },
            PeriodTimes {
                name: "Abend".into(),
                start: t(17, 30),
                end: t(23, 0),
                last_seating: t(21, 30),
            },
        ];
        let load = load_per_service(
            &periods,
            &[
                (t(12, 0), 2, Status::Confirmed),
                (t(19, 0), 4, Status::Seated),
                (t(19, 0), 6, Status::Cancelled),
                (t(20, 0), 3, Status::Pending),
                (t(22, 15), 2, Status::Seated),
            ],
        );
        assert_eq!(
            load[0],
            ServiceLoad {
                name: "Mittag".into(),
                reservations: 1,
                covers: 2
            }
        );
        assert_eq!(
            load[1],
            ServiceLoad {
                name: "Abend".into(),
                reservations: 3,
                covers: 9
            }
        );
    }

    #[test]
    fn stop_and_start_are_whole_messages() {
        for s in ["STOP", "stop.", " Stopp ", "abmelden"] {
            assert!(is_stop(s), "{s}");
        }
        assert!(!is_stop("stop by at 8"), "a sentence is not a keyword");
        assert!(is_start("Start") && !is_start("starters?"));
    }

    #[test]
    fn delivery_reports_only_move_a_message_forward() {
        use Delivery::*;
        assert!(Sent.advances_to(Delivered));
        assert!(
            Queued.advances_to(Delivered),
            "the webhook may beat our own bookkeeping"
        );
        assert!(Delivered.advances_to(Read));
        assert!(!Read.advances_to(Delivered), "late report");
        assert!(Delivered.advances_to(Bounced));
        assert!(!Bounced.advances_to(Delivered));
        assert!(!Read.advances_to(Bounced));
        assert!(!Skipped.advances_to(Sent));
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
    }

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("t")
            .with_timezone(&Utc)
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("newsletter"), None);
    }

    #[test]
    fn a_booking_confirms_or_acknowledges_and_walk_ins_hear_nothing() {
        assert_eq!(after_booking(Status::Confirmed), Some(Kind::Confirmation));
        assert_eq!(after_booking(Status::Pending), Some(Kind::Pending));
        assert_eq!(after_booking(Status::Seated), None);
    }

    #[test]
    fn transitions_approve_decline_and_cancel_but_seating_is_silent() {
        use Status::*;
        assert_eq!(
            after_transition(Pending, Confirmed, false),
            Some(Kind::Approved)
        );
        assert_eq!(
            after_transition(Pending, Cancelled, false),
            Some(Kind::Declined)
        );
        assert_eq!(
            after_transition(Pending, Cancelled, true),
            Some(Kind::Cancelled)
        );
        assert_eq!(
            after_transition(Confirmed, Cancelled, false),
            Some(Kind::Cancelled)
        );
        assert_eq!(
            after_transition(Confirmed, Cancelled, true),
            Some(Kind::Cancelled)
        );
        for (f, t) in [
            (Confirmed, Seated),
            (Seated, Completed),
            (Confirmed, NoShow),
            (NoShow, Seated),
        ] {
            assert_eq!(after_transition(f, t, false), None, "{f:?} -> {t:?}");
        }
    }

    #[test]
    fn the_reminder_is_due_its_lead_before_unless_that_has_passed_or_reminders_are_off() {
        let visit = at("2026-11-27T18:00:00Z");
        assert_eq!(
            reminder_due(visit, 24, at("2026-11-24T12:00:00Z")),
            Some(at("2026-11-26T18:00:00Z"))
        );
        assert_eq!(
            reminder_due(visit, 24, at("2026-11-26T18:00:00Z")),
            None,
            "booked exactly at the lead"
        );
        assert_eq!(
            reminder_due(visit, 24, at("2026-11-27T10:00:00Z")),
            None,
            "booked later"
        );
        assert_eq!(
            reminder_due(visit, 0, at("2026-11-01T10:00:00Z")),
            None,
            "off"
        );
    }

    #[test]
    fn a_guest_may_change_until_the_cutoff() {
        let visit = at("2026-11-27T18:00:00Z");
        assert!(guest_may_change(visit, 120, at("2026-11-27T16:00:00Z")));
        assert!(!guest_may_change(visit, 120, at("2026-11-27T16:00:01Z")));
        assert!(guest_may_change(visit, 0, at("2026-11-27T18:00:00Z")));
        assert!(!guest_may_change(visit, 0, at("2026-11-27T18:00:01Z")));
    }

    #[test]
    fn calendars_follow_the_kind() {
        assert_eq!(Kind::Confirmation.calendar(), Some(Calendar::Request));
        assert_eq!(Kind::Cancelled.calendar(), Some(Calendar::Cancel));
        assert_eq!(Kind::Declined.calendar(), Some(Calendar::Cancel));
        assert_eq!(
            Kind::Pending.calendar(),
            None,
            "nothing to put in a calendar yet"
        );
        assert!(Kind::Changed.raises_sequence() && !Kind::Reminder.raises_sequence());
        assert!(!Kind::Cancelled.carries_link());
    }
}
