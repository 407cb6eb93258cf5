//! A restaurant's setup for reservations: settings, service periods, special days, closures,
//! turn times, areas, tables and combinations. Every write validates and names the field.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{CombinationInfo, PeriodTimes, Rules, TableInfo, TurnTime};
use hs_domain::validate::{self, hhmm};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use std::collections::HashMap;
use std::str::FromStr;
use uuid::Uuid;

fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Field {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// Reservation settings of a restaurant.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq, utoipa::ToSchema)]
pub struct ReservationSettings {
    #[schema(min_length = 1, max_length = 64, example = "Europe/Berlin")]
    pub time_zone: String,
    pub languages: Vec<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub street: String,
    #[schema(max_length = 20, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub postcode: String,
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub city: String,
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub phone: String,
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub email: String,
    #[schema(max_length = 300, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub website: String,
    #[schema(minimum = 5, maximum = 60, multiple_of = 5.0)]
    pub slot_minutes: i32,
    #[schema(minimum = 1, maximum = 730)]
    pub horizon_days: i32,
    #[schema(minimum = 0, maximum = 10080)]
    pub lead_minutes: i32,
    #[schema(minimum = 1, maximum = 10000)]
    pub pacing_covers: Option<i32>,
    #[schema(minimum = 1, maximum = 1000)]
    pub approval_above: i32,
    pub staff_read_special: bool,
}

const SETTINGS_COLS: &str =
    "time_zone, languages, street, postcode, city, country, phone, email, website, \
     slot_minutes, horizon_days, lead_minutes, pacing_covers, approval_above, staff_read_special";

impl ReservationSettings {
    /// Checks every field; the first problem names its field.
    pub fn validate(&self) -> Result<(), StoreError> {
        if chrono_tz::Tz::from_str(&self.time_zone).is_err() {
            return Err(invalid(
                "time_zone",
                "unknown_time_zone",
                format!("{:?} is not an IANA time zone", self.time_zone),
            ));
        }
        if self.languages.is_empty() || self.languages.iter().any(|l| l != "de" && l != "en") {
            return Err(invalid(
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
                return Err(invalid(
                    field,
                    "too_long",
                    format!("must be at most {max} characters"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(invalid(
                    field,
                    "control_characters",
                    "must not contain control characters",
                ));
            }
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "country",
                "invalid_country",
                "an ISO 3166 code such as \"DE\"",
            ));
        }
        if ![5, 10, 15, 20, 30, 60].contains(&self.slot_minutes) {
            return Err(invalid(
                "slot_minutes",
                "out_of_range",
                "one of 5, 10, 15, 20, 30, 60",
            ));
        }
        if !(1..=730).contains(&self.horizon_days) {
            return Err(invalid("horizon_days", "out_of_range", "between 1 and 730"));
        }
        if !(0..=10080).contains(&self.lead_minutes) {
            return Err(invalid(
                "lead_minutes",
                "out_of_range",
                "between 0 and 10080",
            ));
        }
        if self
            .pacing_covers
            .is_some_and(|p| !(1..=10000).contains(&p))
        {
            return Err(invalid(
                "pacing_covers",
                "out_of_range",
                "between 1 and 10000, or null for no limit",
            ));
        }
        if !(1..=1000).contains(&self.approval_above) {
            return Err(invalid(
                "approval_above",
                "out_of_range",
                "between 1 and 1000",
            ));
        }
        Ok(())
    }
}

/// A service period as stored and sent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ServicePeriod {
    /// 0 = Monday … 6 = Sunday.
    #[schema(minimum = 0, maximum = 6)]
    pub weekday: i16,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub last_seating: NaiveTime,
}

/// A special day's period (replaces the weekday's periods that date).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SpecialDay {
    pub day: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub last_seating: NaiveTime,
}

/// A closure.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Closure {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub reason: String,
}

/// A turn-time band.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TurnBand {
    #[schema(minimum = 1, maximum = 1000)]
    pub min_party: i32,
    #[schema(minimum = 1, maximum = 1000)]
    pub max_party: Option<i32>,
    #[schema(minimum = 15, maximum = 720)]
    pub minutes: i32,
}

/// An area of the dining room.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq, Eq, utoipa::ToSchema)]
pub struct Area {
    pub id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
}

/// A table.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq, Eq, utoipa::ToSchema)]
pub struct Table {
    pub id: Uuid,
    pub area_id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(minimum = 1, maximum = 50)]
    pub min_seats: i32,
    #[schema(minimum = 1, maximum = 50)]
    pub max_seats: i32,
    pub bookable_online: bool,
}

/// A table combination.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Combination {
    pub id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(minimum = 1, maximum = 100)]
    pub min_seats: i32,
    #[schema(minimum = 1, maximum = 100)]
    pub max_seats: i32,
    pub table_ids: Vec<Uuid>,
}

/// Most seats of one table, and of a combination of tables.
const TABLE_SEATS_MAX: i32 = 50;
const COMBINATION_SEATS_MAX: i32 = 100;

/// A table's or combination's seats: at least 1, and `min_seats` to `most` for the maximum.
fn seat_range(min_seats: i32, max_seats: i32, most: i32) -> Result<(), StoreError> {
    if min_seats < 1 {
        return Err(invalid("min_seats", "out_of_range", "at least 1"));
    }
    if max_seats < min_seats || max_seats > most {
        return Err(invalid(
            "max_seats",
            "out_of_range",
            format!("between min_seats and {most}"),
        ));
    }
    Ok(())
}

fn minutes_of(t: NaiveTime) -> i32 {
    use chrono::Timelike;
    (t.hour() * 60 + t.minute()) as i32
}

/// A period's (start, last seating, end) in minutes after its day's midnight; the end and last
/// seating may pass midnight.
fn span(start: NaiveTime, last: NaiveTime, end: NaiveTime) -> (i32, i32, i32) {
    let s = minutes_of(start);
    let mut l = minutes_of(last);
    let mut e = minutes_of(end);
    if l < s {
        l += 1440;
    }
    if e <= s {
        e += 1440;
    }
    (s, l, e)
}

/// Checks one period's times; `field` is its position, e.g. `periods[2]`.
fn check_period(
    field: &str,
    name: &str,
    start: NaiveTime,
    last: NaiveTime,
    end: NaiveTime,
) -> Result<(), StoreError> {
    validate::name(name, 60)
        .map_err(|e| invalid(format!("{field}.name"), e.code(), e.to_string()))?;
    let (s, l, e) = span(start, last, end);
    if l > e {
        return Err(invalid(
            format!("{field}.last_seating"),
            "after_closing",
            "the last seating must not be after closing",
        ));
    }
    if e - s > 1440 {
        return Err(invalid(
            format!("{field}.end"),
            "too_long",
            "a period lasts at most 24 hours",
        ));
    }
    Ok(())
}

/// Checks a weekly schedule: valid periods and no two overlapping on a day (counting periods
/// that run past midnight into the next day).
pub fn validate_periods(periods: &[ServicePeriod]) -> Result<(), StoreError> {
    let mut week: Vec<(i32, i32, usize)> = Vec::new();
    for (i, p) in periods.iter().enumerate() {
        let field = format!("periods[{i}]");
        if !(0..=6).contains(&p.weekday) {
            return Err(invalid(
                format!("{field}.weekday"),
                "out_of_range",
                "0 (Monday) to 6 (Sunday)",
            ));
        }
        check_period(&field, &p.name, p.start, p.last_seating, p.end)?;
        let (s, _, e) = span(p.start, p.last_seating, p.end);
        let base = i32::from(p.weekday) * 1440;
        week.push((base + s, base + e, i));
    }
    week.sort();
    for w in week.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(invalid(
                format!("periods[{}]", w[1].2),
                "overlapping_periods",
                "overlaps another period",
            ));
        }
    }
    // Sunday night running into Monday.
    if let (Some(first), Some(last)) = (week.first(), week.last()) {
        if last.1 > 7 * 1440 && last.1 - 7 * 1440 > first.0 {
            return Err(invalid(
                format!("periods[{}]", last.2),
                "overlapping_periods",
                "overlaps another period",
            ));
        }
    }
    Ok(())
}

/// Largest party size a turn-time band may name.
const PARTY_BAND_MAX: i32 = 1000;

/// Checks turn-time bands: from party size 1, without gaps or overlaps, the last may be open.
pub fn validate_turn_times(bands: &[TurnBand]) -> Result<(), StoreError> {
    if bands.is_empty() {
        return Err(invalid(
            "turn_times",
            "required",
            "at least one band, starting at party size 1",
        ));
    }
    let mut next = 1;
    for (i, b) in bands.iter().enumerate() {
        let field = format!("turn_times[{i}]");
        if b.min_party != next {
            return Err(invalid(
                format!("{field}.min_party"),
                "gap_or_overlap",
                format!("must be {next}: bands follow each other from 1"),
            ));
        }
        if !(15..=720).contains(&b.minutes) {
            return Err(invalid(
                format!("{field}.minutes"),
                "out_of_range",
                "between 15 and 720",
            ));
        }
        match b.max_party {
            Some(m) if m > PARTY_BAND_MAX => {
                return Err(invalid(
                    format!("{field}.max_party"),
                    "out_of_range",
                    format!(
                        "at most {PARTY_BAND_MAX}; leave the last band open for larger parties"
                    ),
                ))
            }
            Some(m) if m < b.min_party => {
                return Err(invalid(
                    format!("{field}.max_party"),
                    "out_of_range",
                    "must be at least min_party",
                ))
            }
            Some(m) => next = m + 1,
            None if i + 1 < bands.len() => {
                return Err(invalid(
                    format!("{field}.max_party"),
                    "required",
                    "only the last band may be open-ended",
                ))
            }
            None => {}
        }
    }
    Ok(())
}

impl TenantTx {
    /// The reservation settings.
    pub async fn reservation_settings(&mut self) -> Result<ReservationSettings, StoreError> {
        Ok(self.setup().await?.settings.clone())
    }

    /// Replaces the reservation settings after validating them.
    pub async fn set_reservation_settings(
        &mut self,
        s: &ReservationSettings,
    ) -> Result<(), StoreError> {
        self.invalidate_setup();
        s.validate()?;
        let now = self.store.clock.now();
        sqlx::query(
            "UPDATE restaurant_settings SET time_zone = $1, languages = $2, street = $3, postcode = $4, city = $5, \
             country = $6, phone = $7, email = $8, website = $9, slot_minutes = $10, horizon_days = $11, \
             lead_minutes = $12, pacing_covers = $13, approval_above = $14, staff_read_special = $15, updated_at = $16",
        )
        .bind(&s.time_zone)
        .bind(&s.languages)
        .bind(&s.street)
        .bind(&s.postcode)
        .bind(&s.city)
        .bind(&s.country)
        .bind(&s.phone)
        .bind(&s.email)
        .bind(&s.website)
        .bind(s.slot_minutes)
        .bind(s.horizon_days)
        .bind(s.lead_minutes)
        .bind(s.pacing_covers)
        .bind(s.approval_above)
        .bind(s.staff_read_special)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The weekly service periods, by weekday and start.
    pub async fn service_periods(&mut self) -> Result<Vec<ServicePeriod>, StoreError> {
        let rows: Vec<(i16, String, NaiveTime, NaiveTime, NaiveTime)> = sqlx::query_as(
            "SELECT weekday, name, start_time, end_time, last_seating FROM service_periods ORDER BY weekday, start_time",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(weekday, name, start, end, last_seating)| ServicePeriod {
                weekday,
                name,
                start,
                end,
                last_seating,
            })
            .collect())
    }

    /// Replaces the weekly service periods.
    pub async fn set_service_periods(
        &mut self,
        periods: &[ServicePeriod],
    ) -> Result<(), StoreError> {
        self.invalidate_setup();
        validate_periods(periods)?;
        sqlx::query("DELETE FROM service_periods")
            .execute(self.conn())
            .await?;
        let rows: Vec<_> = periods
            .iter()
            .map(|p| (p.weekday, p.name.as_str(), p.start, p.end, p.last_seating))
            .collect();
        self.insert_periods("service_periods", "weekday", &rows)
            .await
    }

    /// Inserts period rows into `service_periods` (keyed by weekday) or `special_days` (keyed by
    /// date) in one statement.
    async fn insert_periods<K>(
        &mut self,
        table: &'static str,
        key: &'static str,
        rows: &[(K, &str, NaiveTime, NaiveTime, NaiveTime)],
    ) -> Result<(), StoreError>
    where
        K: Clone
            + Send
            + sqlx::postgres::PgHasArrayType
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>,
    {
        let rid = self.restaurant_id();
        sqlx::query(&format!(
            "INSERT INTO {table} (restaurant_id, id, {key}, name, start_time, end_time, last_seating) \
             SELECT $1, gen_random_uuid(), k, n, s, e, l FROM unnest($2, $3, $4, $5, $6) AS t(k, n, s, e, l)"
        ))
        .bind(rid)
        .bind(rows.iter().map(|r| r.0.clone()).collect::<Vec<K>>())
        .bind(rows.iter().map(|r| r.1.trim().to_string()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.3).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.4).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Special days from a date on.
    pub async fn special_days(&mut self, from: NaiveDate) -> Result<Vec<SpecialDay>, StoreError> {
        let rows: Vec<(NaiveDate, String, NaiveTime, NaiveTime, NaiveTime)> = sqlx::query_as(
            "SELECT day, name, start_time, end_time, last_seating FROM special_days WHERE day >= $1 ORDER BY day, start_time",
        )
        .bind(from)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(day, name, start, end, last_seating)| SpecialDay {
                day,
                name,
                start,
                end,
                last_seating,
            })
            .collect())
    }

    /// Replaces the periods of one special day (an empty list removes it).
    pub async fn set_special_day(
        &mut self,
        day: NaiveDate,
        periods: &[SpecialDay],
    ) -> Result<(), StoreError> {
        self.invalidate_setup();
        for (i, p) in periods.iter().enumerate() {
            if p.day != day {
                return Err(invalid(
                    format!("periods[{i}].day"),
                    "wrong_day",
                    "every period must be on the special day",
                ));
            }
            check_period(
                &format!("periods[{i}]"),
                &p.name,
                p.start,
                p.last_seating,
                p.end,
            )?;
        }
        let as_weekly: Vec<ServicePeriod> = periods
            .iter()
            .map(|p| ServicePeriod {
                weekday: 0,
                name: p.name.clone(),
                start: p.start,
                end: p.end,
                last_seating: p.last_seating,
            })
            .collect();
        validate_periods(&as_weekly)?;
        sqlx::query("DELETE FROM special_days WHERE day = $1")
            .bind(day)
            .execute(self.conn())
            .await?;
        let rows: Vec<_> = periods
            .iter()
            .map(|p| (day, p.name.as_str(), p.start, p.end, p.last_seating))
            .collect();
        self.insert_periods("special_days", "day", &rows).await
    }

    /// Closures that end on or after a date.
    pub async fn closures(&mut self, from: NaiveDate) -> Result<Vec<Closure>, StoreError> {
        let rows: Vec<(Uuid, NaiveDate, NaiveDate, String)> = sqlx::query_as(
            "SELECT id, first_day, last_day, reason FROM closures WHERE last_day >= $1 ORDER BY first_day",
        )
        .bind(from)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, first_day, last_day, reason)| Closure {
                id: Some(id),
                first_day,
                last_day,
                reason,
            })
            .collect())
    }

    /// Adds a closure.
    pub async fn add_closure(&mut self, c: &Closure) -> Result<Closure, StoreError> {
        self.invalidate_setup();
        if c.first_day > c.last_day {
            return Err(invalid(
                "last_day",
                "before_first_day",
                "must not be before first_day",
            ));
        }
        if (c.last_day - c.first_day).num_days() > 366 {
            return Err(invalid(
                "last_day",
                "too_long",
                "a closure lasts at most a year",
            ));
        }
        let reason = c.reason.trim();
        if reason.chars().count() > 200 || reason.chars().any(char::is_control) {
            return Err(invalid(
                "reason",
                "invalid",
                "at most 200 characters, no control characters",
            ));
        }
        let id = Uuid::new_v4();
        let rid = self.restaurant_id();
        sqlx::query("INSERT INTO closures (restaurant_id, id, first_day, last_day, reason) VALUES ($1, $2, $3, $4, $5)")
            .bind(rid)
            .bind(id)
            .bind(c.first_day)
            .bind(c.last_day)
            .bind(reason)
            .execute(self.conn())
            .await?;
        Ok(Closure {
            id: Some(id),
            first_day: c.first_day,
            last_day: c.last_day,
            reason: reason.to_string(),
        })
    }

    /// Removes a closure.
    pub async fn remove_closure(&mut self, id: Uuid) -> Result<(), StoreError> {
        self.remove_setup_row("closures", id).await
    }

    /// Deletes one row of a setup table by id (404 when there is none in this restaurant) and
    /// drops the cached rules.
    async fn remove_setup_row(&mut self, table: &'static str, id: Uuid) -> Result<(), StoreError> {
        self.invalidate_setup();
        let r = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(self.conn())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The turn-time bands.
    pub async fn turn_times(&mut self) -> Result<Vec<TurnBand>, StoreError> {
        let rows: Vec<(i32, Option<i32>, i32)> = sqlx::query_as(
            "SELECT min_party, max_party, minutes FROM turn_times ORDER BY min_party",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(min_party, max_party, minutes)| TurnBand {
                min_party,
                max_party,
                minutes,
            })
            .collect())
    }

    /// Replaces the turn-time bands.
    pub async fn set_turn_times(&mut self, bands: &[TurnBand]) -> Result<(), StoreError> {
        self.invalidate_setup();
        validate_turn_times(bands)?;
        let rid = self.restaurant_id();
        sqlx::query("DELETE FROM turn_times")
            .execute(self.conn())
            .await?;
        for b in bands {
            sqlx::query("INSERT INTO turn_times (restaurant_id, id, min_party, max_party, minutes) VALUES ($1, $2, $3, $4, $5)")
                .bind(rid)
                .bind(Uuid::new_v4())
                .bind(b.min_party)
                .bind(b.max_party)
                .bind(b.minutes)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Areas in order.
    pub async fn areas(&mut self) -> Result<Vec<Area>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name FROM areas ORDER BY position, name")
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// Adds an area.
    pub async fn add_area(&mut self, name: &str) -> Result<Area, StoreError> {
        self.invalidate_setup();
        let name = validate::name(name, 60).map_err(|e| StoreError::invalid("name", e))?;
        let rid = self.restaurant_id();
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO areas (restaurant_id, id, name, position) VALUES ($1, $2, $3, (SELECT count(*) FROM areas))")
            .bind(rid)
            .bind(id)
            .bind(&name)
            .execute(self.conn())
            .await?;
        Ok(Area { id, name })
    }

    /// Tables in order.
    pub async fn tables(&mut self) -> Result<Vec<Table>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.area_id, t.name, t.min_seats, t.max_seats, t.bookable_online FROM tables t \
             JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id ORDER BY a.position, t.position, t.name",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// Adds a table (its id is generated).
    pub async fn add_table(&mut self, t: &Table) -> Result<Table, StoreError> {
        self.invalidate_setup();
        let name = validate::name(&t.name, 30).map_err(|e| StoreError::invalid("name", e))?;
        seat_range(t.min_seats, t.max_seats, TABLE_SEATS_MAX)?;
        let rid = self.restaurant_id();
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM areas WHERE id = $1)")
            .bind(t.area_id)
            .fetch_one(self.conn())
            .await?;
        if !exists {
            return Err(invalid("area_id", "not_found", "no such area"));
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO tables (restaurant_id, id, area_id, name, min_seats, max_seats, bookable_online, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT count(*) FROM tables))",
        )
        .bind(rid)
        .bind(id)
        .bind(t.area_id)
        .bind(&name)
        .bind(t.min_seats)
        .bind(t.max_seats)
        .bind(t.bookable_online)
        .execute(self.conn())
        .await?;
        Ok(Table {
            id,
            name,
            ..t.clone()
        })
    }

    /// Combinations with their tables.
    pub async fn combinations(&mut self) -> Result<Vec<Combination>, StoreError> {
        let rows: Vec<(Uuid, String, i32, i32, Vec<Uuid>)> = sqlx::query_as(
            "SELECT c.id, c.name, c.min_seats, c.max_seats, \
                    coalesce(array_agg(ct.table_id ORDER BY t.position, t.name) FILTER (WHERE ct.table_id IS NOT NULL), '{}') \
             FROM table_combinations c \
             LEFT JOIN combination_tables ct ON ct.restaurant_id = c.restaurant_id AND ct.combination_id = c.id \
             LEFT JOIN tables t ON t.restaurant_id = ct.restaurant_id AND t.id = ct.table_id \
             GROUP BY c.id, c.name, c.min_seats, c.max_seats ORDER BY c.name",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, min_seats, max_seats, table_ids)| Combination {
                id,
                name,
                min_seats,
                max_seats,
                table_ids,
            })
            .collect())
    }

    /// Removes a combination; reservations keep the tables they hold.
    pub async fn remove_combination(&mut self, id: Uuid) -> Result<(), StoreError> {
        self.remove_setup_row("table_combinations", id).await
    }

    /// Adds a combination of at least two existing tables.
    pub async fn add_combination(&mut self, c: &Combination) -> Result<Combination, StoreError> {
        self.invalidate_setup();
        let name = validate::name(&c.name, 60).map_err(|e| StoreError::invalid("name", e))?;
        seat_range(c.min_seats, c.max_seats, COMBINATION_SEATS_MAX)?;
        let mut ids = c.table_ids.clone();
        ids.sort();
        ids.dedup();
        if ids.len() < 2 {
            return Err(invalid(
                "table_ids",
                "too_few",
                "a combination joins at least two different tables",
            ));
        }
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM tables WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_one(self.conn())
            .await?;
        if found != ids.len() as i64 {
            return Err(invalid("table_ids", "not_found", "every table must exist"));
        }
        let rid = self.restaurant_id();
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO table_combinations (restaurant_id, id, name, min_seats, max_seats) VALUES ($1, $2, $3, $4, $5)")
            .bind(rid)
            .bind(id)
            .bind(&name)
            .bind(c.min_seats)
            .bind(c.max_seats)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO combination_tables (restaurant_id, combination_id, table_id) \
             SELECT $1, $2, t FROM unnest($3::uuid[]) AS t",
        )
        .bind(rid)
        .bind(id)
        .bind(&ids)
        .execute(self.conn())
        .await?;
        Ok(Combination {
            id,
            name,
            ..c.clone()
        })
    }

    /// The booking rules for the availability engine.
    pub async fn rules(&mut self) -> Result<Rules, StoreError> {
        Ok(self.setup().await?.rules.clone())
    }

    /// The tables and combinations the availability engine assigns.
    pub(crate) async fn seating(&mut self) -> Result<Seating, StoreError> {
        Ok(self.setup().await?.seating.clone())
    }

    /// The setup, read once per transaction (until a setup write clears it).
    async fn setup(&mut self) -> Result<&Setup, StoreError> {
        if self.setup.is_none() {
            self.setup = Some(self.load_setup().await?);
        }
        self.setup.as_ref().ok_or(StoreError::NotFound)
    }

    /// Settings, rules, tables and combinations in one round trip (this runs on every booking).
    async fn load_setup(&mut self) -> Result<Setup, StoreError> {
        #[derive(FromRow)]
        struct SetupRow {
            settings: sqlx::types::Json<ReservationSettings>,
            periods: sqlx::types::Json<Vec<P>>,
            closures: sqlx::types::Json<Vec<(NaiveDate, NaiveDate)>>,
            turns: sqlx::types::Json<Vec<TurnBand>>,
            tables: sqlx::types::Json<Vec<T>>,
            combinations: sqlx::types::Json<Vec<C>>,
        }
        #[derive(Deserialize)]
        struct T {
            id: Uuid,
            name: String,
            min: u32,
            max: u32,
            online: bool,
        }
        #[derive(Deserialize)]
        struct C {
            id: Uuid,
            name: String,
            min: u32,
            max: u32,
            tables: Vec<Uuid>,
        }
        #[derive(Deserialize)]
        struct P {
            day: Option<NaiveDate>,
            weekday: Option<i16>,
            name: String,
            start: NaiveTime,
            end: NaiveTime,
            last: NaiveTime,
        }
        let row: Option<SetupRow> =
            sqlx::query_as(&format!(
                "SELECT (SELECT to_jsonb(x) FROM (SELECT {SETTINGS_COLS}) x) AS settings, \
                 coalesce((SELECT jsonb_agg(jsonb_build_object('weekday', weekday, 'name', name, 'start', start_time, 'end', end_time, 'last', last_seating)) FROM service_periods), '[]') \
                   || coalesce((SELECT jsonb_agg(jsonb_build_object('day', day, 'name', name, 'start', start_time, 'end', end_time, 'last', last_seating)) FROM special_days), '[]') AS periods, \
                 coalesce((SELECT jsonb_agg(jsonb_build_array(first_day, last_day)) FROM closures), '[]') AS closures, \
                 coalesce((SELECT jsonb_agg(jsonb_build_object('min_party', min_party, 'max_party', max_party, 'minutes', minutes) ORDER BY min_party) FROM turn_times), '[]') AS turns, \
                 coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'min', t.min_seats, 'max', t.max_seats, 'online', t.bookable_online) \
                           ORDER BY a.position, t.position, t.name) \
                           FROM tables t JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id), '[]') AS tables, \
                 coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'min', c.min_seats, 'max', c.max_seats, 'tables', \
                           coalesce((SELECT jsonb_agg(ct.table_id ORDER BY t.position, t.name) FROM combination_tables ct \
                                     JOIN tables t ON t.restaurant_id = ct.restaurant_id AND t.id = ct.table_id \
                                     WHERE ct.restaurant_id = c.restaurant_id AND ct.combination_id = c.id), '[]')) ORDER BY c.name) \
                           FROM table_combinations c), '[]') AS combinations \
                 FROM restaurant_settings"
            ))
            .fetch_optional(self.conn())
            .await?;
        let SetupRow {
            settings,
            periods,
            closures,
            turns,
            tables,
            combinations,
        } = row.ok_or(StoreError::NotFound)?;
        let seating = Seating {
            tables: tables
                .0
                .into_iter()
                .map(|t| TableInfo {
                    id: t.id,
                    name: t.name,
                    min_seats: t.min,
                    max_seats: t.max,
                    online: t.online,
                })
                .collect(),
            combinations: combinations
                .0
                .into_iter()
                .map(|c| CombinationInfo {
                    id: c.id,
                    name: c.name,
                    tables: c.tables,
                    min_seats: c.min,
                    max_seats: c.max,
                })
                .collect(),
        };
        let s = settings.0;
        let tz = chrono_tz::Tz::from_str(&s.time_zone).map_err(|_| {
            StoreError::Other(anyhow::anyhow!(
                "stored time zone {:?} is unknown",
                s.time_zone
            ))
        })?;
        let mut weekly: [Vec<PeriodTimes>; 7] = Default::default();
        let mut special_days: HashMap<NaiveDate, Vec<PeriodTimes>> = HashMap::new();
        let mut all = periods.0;
        all.sort_by_key(|p| (p.day, p.weekday, p.start));
        for p in all {
            let times = PeriodTimes {
                name: p.name,
                start: p.start,
                end: p.end,
                last_seating: p.last,
            };
            match (p.day, p.weekday) {
                (Some(d), _) => special_days.entry(d).or_default().push(times),
                (None, Some(w)) if (0..7).contains(&w) => weekly[w as usize].push(times),
                _ => {}
            }
        }
        let turn_times = turns
            .0
            .into_iter()
            .map(|b| TurnTime {
                min_party: b.min_party as u32,
                max_party: b.max_party.map(|m| m as u32),
                minutes: b.minutes as u32,
            })
            .collect();
        let rules = Rules {
            tz,
            slot_minutes: s.slot_minutes as u32,
            horizon_days: s.horizon_days as u32,
            lead_minutes: s.lead_minutes as u32,
            pacing_covers: s.pacing_covers.map(|p| p as u32),
            weekly,
            closures: closures.0,
            special_days,
            turn_times,
        };
        Ok(Setup {
            rules,
            settings: s,
            seating,
        })
    }
}

/// What the booking rules of a restaurant are made of, read together.
pub(crate) struct Setup {
    rules: Rules,
    settings: ReservationSettings,
    seating: Seating,
}

/// The tables and combinations of a restaurant as the availability engine sees them.
#[derive(Clone, Debug)]
pub struct Seating {
    pub tables: Vec<TableInfo>,
    pub combinations: Vec<CombinationInfo>,
}

/// Changes to a table; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableChanges {
    pub area_id: Option<Uuid>,
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(minimum = 1, maximum = 50)]
    pub min_seats: Option<i32>,
    #[schema(minimum = 1, maximum = 50)]
    pub max_seats: Option<i32>,
    pub bookable_online: Option<bool>,
}

impl TenantTx {
    /// Changes a table's name, seats, area or online flag. Seats that no longer fit a party
    /// already booked on it from now on are refused.
    pub async fn update_table(&mut self, id: Uuid, c: &TableChanges) -> Result<Table, StoreError> {
        self.invalidate_setup();
        let current: Option<Table> = sqlx::query_as("SELECT id, area_id, name, min_seats, max_seats, bookable_online FROM tables WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let mut t = current.ok_or(StoreError::NotFound)?;
        if let Some(n) = &c.name {
            t.name = validate::name(n, 30).map_err(|e| StoreError::invalid("name", e))?;
        }
        t.min_seats = c.min_seats.unwrap_or(t.min_seats);
        t.max_seats = c.max_seats.unwrap_or(t.max_seats);
        t.bookable_online = c.bookable_online.unwrap_or(t.bookable_online);
        seat_range(t.min_seats, t.max_seats, TABLE_SEATS_MAX)?;
        if let Some(a) = c.area_id {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM areas WHERE id = $1)")
                    .bind(a)
                    .fetch_one(self.conn())
                    .await?;
            if !exists {
                return Err(invalid("area_id", "not_found", "no such area"));
            }
            t.area_id = a;
        }
        let now = self.store.clock.now();
        let too_big: Option<i32> = sqlx::query_scalar(
            "SELECT max(r.party_size) FROM reservation_tables rt JOIN reservations r ON r.restaurant_id = rt.restaurant_id AND r.id = rt.reservation_id \
             WHERE rt.table_id = $1 AND rt.holds AND r.ends_at > $2 AND \
                   (SELECT count(*) FROM reservation_tables x WHERE x.reservation_id = r.id) = 1",
        )
        .bind(id)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        if too_big.is_some_and(|p| p > t.max_seats) {
            return Err(invalid(
                "max_seats",
                "booked_larger",
                "a coming reservation on this table has a larger party",
            ));
        }
        sqlx::query("UPDATE tables SET area_id = $2, name = $3, min_seats = $4, max_seats = $5, bookable_online = $6 WHERE id = $1")
            .bind(id)
            .bind(t.area_id)
            .bind(&t.name)
            .bind(t.min_seats)
            .bind(t.max_seats)
            .bind(t.bookable_online)
            .execute(self.conn())
            .await?;
        Ok(t)
    }

    /// Removes a table that holds no coming reservation (past ones keep their history).
    pub async fn remove_table(&mut self, id: Uuid) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        let busy: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM reservation_tables WHERE table_id = $1 AND holds AND upper(during) > $2)")
            .bind(id)
            .bind(now)
            .fetch_one(self.conn())
            .await?;
        if busy {
            return Err(StoreError::Conflict {
                code: "table_in_use",
                message: "move or cancel the coming reservations on this table first".into(),
            });
        }
        let used: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM reservation_tables WHERE table_id = $1)",
        )
        .bind(id)
        .fetch_one(self.conn())
        .await?;
        if used {
            // History keeps pointing at it; it just stops being bookable.
            return Err(StoreError::Conflict { code: "table_has_history", message: "this table has past reservations; set bookable_online to false or rename it instead".into() });
        }
        self.remove_setup_row("tables", id).await
    }
}
