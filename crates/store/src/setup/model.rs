//! The setup as plain data, apart from how it is read and written: the reservation settings
//! (with their validation) and what one transaction caches of the setup. A leaf module, so the
//! tenant transaction can hold the cache without depending on the setup's queries.

use crate::error::StoreError;
use hs_domain::availability::{CombinationInfo, Rules, TableInfo};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use std::str::FromStr;

/// Reservation settings of a restaurant.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq)]
pub struct ReservationSettings {
    pub time_zone: String,
    pub languages: Vec<String>,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub slot_minutes: i32,
    pub horizon_days: i32,
    pub lead_minutes: i32,
    pub pacing_covers: Option<i32>,
    pub approval_above: i32,
    pub staff_read_special: bool,
}

pub(super) const SETTINGS_COLS: &str =
    "time_zone, languages, street, postcode, city, country, phone, email, website, \
     slot_minutes, horizon_days, lead_minutes, pacing_covers, approval_above, staff_read_special";

impl ReservationSettings {
    /// The postal address on one line, "street, postcode city", empty parts left out.
    pub fn address(&self) -> String {
        let town = format!("{} {}", self.postcode.trim(), self.city.trim());
        [self.street.trim(), town.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Who a calendar invitation is from: the restaurant's address, or a no-reply address
    /// on the system's host when the restaurant has none.
    pub fn organizer(&self, host: &str) -> String {
        if self.email.is_empty() {
            format!("noreply@{host}")
        } else {
            self.email.clone()
        }
    }

    /// Checks every field; the first problem names its field.
    pub fn validate(&self) -> Result<(), StoreError> {
        if chrono_tz::Tz::from_str(&self.time_zone).is_err() {
            return Err(StoreError::field(
                "time_zone",
                "unknown_time_zone",
                format!("{:?} is not an IANA time zone", self.time_zone),
            ));
        }
        if self.languages.is_empty() || self.languages.iter().any(|l| l != "de" && l != "en") {
            return Err(StoreError::field(
                "languages",
                "unsupported_language",
                "languages are \"de\" and/or \"en\"",
            ));
        }
        for (field, value, max) in [
            ("street", &self.street, 200),
            ("postcode", &self.postcode, 20),
            ("city", &self.city, 100),
            ("phone", &self.phone, 40),
            ("email", &self.email, 254),
            ("website", &self.website, 300),
        ] {
            if value.chars().count() > max {
                return Err(StoreError::field(
                    field,
                    "too_long",
                    format!("must be at most {max} characters"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(StoreError::field(
                    field,
                    "control_characters",
                    "must not contain control characters",
                ));
            }
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(StoreError::field(
                "country",
                "invalid_country",
                "an ISO 3166 code such as \"DE\"",
            ));
        }
        if ![5, 10, 15, 20, 30, 60].contains(&self.slot_minutes) {
            return Err(StoreError::field(
                "slot_minutes",
                "out_of_range",
                "one of 5, 10, 15, 20, 30, 60",
            ));
        }
        if !(1..=730).contains(&self.horizon_days) {
            return Err(StoreError::field(
                "horizon_days",
                "out_of_range",
                "between 1 and 730",
            ));
        }
        if !(0..=10080).contains(&self.lead_minutes) {
            return Err(StoreError::field(
                "lead_minutes",
                "out_of_range",
                "between 0 and 10080",
            ));
        }
        if self
            .pacing_covers
            .is_some_and(|p| !(1..=10000).contains(&p))
        {
            return Err(StoreError::field(
                "pacing_covers",
                "out_of_range",
                "between 1 and 10000, or null for no limit",
            ));
        }
        if !(1..=1000).contains(&self.approval_above) {
            return Err(StoreError::field(
                "approval_above",
                "out_of_range",
                "between 1 and 1000",
            ));
        }
        Ok(())
    }
}

/// What the booking rules of a restaurant are made of, read together.
pub(crate) struct Setup {
    pub(super) rules: Rules,
    pub(super) settings: ReservationSettings,
    pub(super) seating: Seating,
    pub(super) opening: Opening,
}

/// The opening hours as the agents tell them: weekly periods by weekday and start, all
/// closures by first day, all special days by day and start.
#[derive(Default)]
pub(crate) struct Opening {
    pub(super) periods: Vec<super::ServicePeriod>,
    pub(super) closures: Vec<super::Closure>,
    pub(super) specials: Vec<super::SpecialDay>,
}

/// The tables and combinations of a restaurant as the availability engine sees them.
#[derive(Clone, Debug)]
pub struct Seating {
    pub tables: Vec<TableInfo>,
    pub combinations: Vec<CombinationInfo>,
}
