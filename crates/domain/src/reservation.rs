//! Reservation states, the transitions between them, channels, and booking codes.

use serde::{Deserialize, Serialize};

/// Where a reservation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the restaurant's approval (large parties).
    Pending,
    Confirmed,
    Seated,
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Confirmed,
        Status::Seated,
        Status::Completed,
        Status::Cancelled,
        Status::NoShow,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirmed => "confirmed",
            Status::Seated => "seated",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a reservation in this state holds its tables.
    pub fn holds_tables(self) -> bool {
        matches!(self, Status::Pending | Status::Confirmed | Status::Seated)
    }

    /// Whether the reservation can still be moved or resized.
    pub fn changeable(self) -> bool {
        matches!(self, Status::Pending | Status::Confirmed)
    }

    /// Whether `self → to` is allowed.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Pending, Confirmed)
                | (Pending, Cancelled)
                | (Confirmed, Seated)
                | (Confirmed, Cancelled)
                | (Confirmed, NoShow)
                | (Seated, Completed)
                // A mistaken no-show can be taken back when the guest turns up late.
                | (NoShow, Seated)
        )
    }
}

impl TryFrom<String> for Status {
    type Error = String;

    fn try_from(s: String) -> Result<Status, String> {
        Status::parse(&s).ok_or_else(|| format!("unknown status {s:?}"))
    }
}

/// How a reservation came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    PhoneAi,
    Chat,
    Whatsapp,
    Email,
    Dashboard,
    WalkIn,
    Api,
    /// The hosted booking page or the widget's form.
    Online,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 8] = [
        Channel::PhoneAi,
        Channel::Chat,
        Channel::Whatsapp,
        Channel::Email,
        Channel::Dashboard,
        Channel::WalkIn,
        Channel::Api,
        Channel::Online,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::PhoneAi => "phone_ai",
            Channel::Chat => "chat",
            Channel::Whatsapp => "whatsapp",
            Channel::Email => "email",
            Channel::Dashboard => "dashboard",
            Channel::WalkIn => "walk_in",
            Channel::Api => "api",
            Channel::Online => "online",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether guests book through it themselves (online tables, lead time).
    pub fn is_guest_channel(self) -> bool {
        matches!(
            self,
            Channel::PhoneAi
                | Channel::Chat
                | Channel::Whatsapp
                | Channel::Email
                | Channel::Api
                | Channel::Online
        )
    }

    /// Whom availability is judged for through this channel: guests see only tables bookable
    /// online and the lead time; the team sees every table.
    pub fn audience(self) -> crate::availability::Audience {
        if self.is_guest_channel() {
            crate::availability::Audience::Guest
        } else {
            crate::availability::Audience::Staff
        }
    }
}

impl TryFrom<String> for Channel {
    type Error = String;

    fn try_from(s: String) -> Result<Channel, String> {
        Channel::parse(&s).ok_or_else(|| format!("unknown channel {s:?}"))
    }
}

/// Booking-code alphabet: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, so codes survive being read aloud or
/// handwritten.
pub const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// Length of a booking code.
pub const CODE_LEN: usize = 6;

/// A booking code from random bytes (at least [`CODE_LEN`] of them).
pub fn booking_code(random: &[u8]) -> String {
    random
        .iter()
        .take(CODE_LEN)
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// Normalises what a guest types or says as a code: upper case, no spaces or dashes.
pub fn normalise_code(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_transitions_are_allowed() {
        use Status::*;
        let allowed = [
            (Pending, Confirmed),
            (Pending, Cancelled),
            (Confirmed, Seated),
            (Confirmed, Cancelled),
            (Confirmed, NoShow),
            (Seated, Completed),
            (NoShow, Seated),
        ];
        for a in Status::ALL {
            for b in Status::ALL {
                assert_eq!(a.can_become(b), allowed.contains(&(a, b)), "{a:?} -> {b:?}");
            }
        }
        assert!(!Completed.holds_tables() && !Cancelled.holds_tables() && !NoShow.holds_tables());
        assert!(Pending.holds_tables() && Confirmed.holds_tables() && Seated.holds_tables());
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn booking_codes_use_the_unambiguous_alphabet() {
        let code = booking_code(&[0, 1, 2, 3, 4, 255, 9, 9]);
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        for ambiguous in "0O1IL2Z5S8B".chars() {
            assert!(!CODE_ALPHABET.contains(&(ambiguous as u8)), "{ambiguous}");
        }
        assert_eq!(normalise_code(" ac-d3 4f "), "ACD34F");
    }
}

/// The state changes people ask for by name (API paths, dashboard buttons), in the order the
/// dashboard offers them: the status each leads to and the least role allowed to make it.
pub const ACTIONS: [(&str, Status, crate::Role); 5] = [
    ("confirm", Status::Confirmed, crate::Role::Manager),
    ("seat", Status::Seated, crate::Role::Staff),
    ("complete", Status::Completed, crate::Role::Staff),
    ("no-show", Status::NoShow, crate::Role::Staff),
    ("cancel", Status::Cancelled, crate::Role::Manager),
];

/// The target status and least role of a named action.
pub fn action(name: &str) -> Option<(Status, crate::Role)> {
    ACTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, s, r)| (*s, *r))
}

/// The actions to offer for a reservation in `status` to `role`: those the state machine and
/// the role allow, with seating and no-shows only once the reservation's day has come.
pub fn offered_actions(status: Status, role: crate::Role, day_has_come: bool) -> Vec<&'static str> {
    ACTIONS
        .iter()
        .filter(|(name, to, needs)| {
            status.can_become(*to)
                && role.at_least(*needs)
                && (day_has_come || !matches!(*name, "seat" | "no-show"))
        })
        .map(|(name, _, _)| *name)
        .collect()
}

#[cfg(test)]
mod action_tests {
    use super::*;
    use crate::Role;

    #[test]
    fn actions_follow_state_machine_role_and_day() {
        assert_eq!(action("no-show"), Some((Status::NoShow, Role::Staff)));
        assert_eq!(action("explode"), None);
        assert_eq!(
            offered_actions(Status::Confirmed, Role::Staff, true),
            vec!["seat", "no-show"]
        );
        assert_eq!(
            offered_actions(Status::Confirmed, Role::Manager, true),
            vec!["seat", "no-show", "cancel"]
        );
        assert_eq!(
            offered_actions(Status::Confirmed, Role::Staff, false),
            Vec::<&str>::new()
        );
        assert_eq!(
            offered_actions(Status::Pending, Role::Staff, true),
            Vec::<&str>::new()
        );
        assert_eq!(
            offered_actions(Status::Pending, Role::Owner, false),
            vec!["confirm", "cancel"]
        );
        assert_eq!(
            offered_actions(Status::Seated, Role::Staff, true),
            vec!["complete"]
        );
        assert_eq!(
            offered_actions(Status::NoShow, Role::Staff, true),
            vec!["seat"]
        );
        assert!(offered_actions(Status::Completed, Role::Owner, true).is_empty());
    }
}
