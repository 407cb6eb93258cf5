//! Opening hours: weekly service periods, special days, closures and turn times.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::validate::{self, hhmm};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A service period as stored and sent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServicePeriod {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub last_seating: NaiveTime,
}

/// A special day's period (replaces the weekday's periods that date).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SpecialDay {
    pub day: NaiveDate,
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    pub last_seating: NaiveTime,
}

/// A closure.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Closure {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    #[serde(default)]
    pub reason: String,
}

/// A turn-time band.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TurnBand {
    pub min_party: i32,
    pub max_party: Option<i32>,
    pub minutes: i32,
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
        .map_err(|e| StoreError::field(format!("{field}.name"), e.code(), e.to_string()))?;
    let (s, l, e) = span(start, last, end);
    if l > e {
        return Err(StoreError::field(
            format!("{field}.last_seating"),
            "after_closing",
            "the last seating must not be after closing",
        ));
    }
    if e - s > 1440 {
        return Err(StoreError::field(
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
            return Err(StoreError::field(
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
            return Err(StoreError::field(
                format!("periods[{}]", w[1].2),
                "overlapping_periods",
                "overlaps another period",
            ));
        }
    }
    // Sunday night running into Monday.
    if let (Some(first), Some(last)) = (week.first(), week.last()) {
        if last.1 > 7 * 1440 && last.1 - 7 * 1440 > first.0 {
            return Err(StoreError::field(
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
        return Err(StoreError::field(
            "turn_times",
            "required",
            "at least one band, starting at party size 1",
        ));
    }
    let mut next = 1;
    for (i, b) in bands.iter().enumerate() {
        let field = format!("turn_times[{i}]");
        if b.min_party != next {
            return Err(StoreError::field(
                format!("{field}.min_party"),
                "gap_or_overlap",
                format!("must be {next}: bands follow each other from 1"),
            ));
        }
        if !(15..=720).contains(&b.minutes) {
            return Err(StoreError::field(
                format!("{field}.minutes"),
                "out_of_range",
                "between 15 and 720",
            ));
        }
        match b.max_party {
            Some(m) if m > PARTY_BAND_MAX => {
                return Err(StoreError::field(
                    format!("{field}.max_party"),
                    "out_of_range",
                    format!(
                        "at most {PARTY_BAND_MAX}; leave the last band open for larger parties"
                    ),
                ))
            }
            Some(m) if m < b.min_party => {
                return Err(StoreError::field(
                    format!("{field}.max_party"),
                    "out_of_range",
                    "must be at least min_party",
                ))
            }
            Some(m) => next = m + 1,
            None if i + 1 < bands.len() => {
                return Err(StoreError::field(
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

    /// The weekly periods, the closures ending on or after `from` and the special days from
    /// `from` on: what the agents read for every answer about the restaurant (the same rows as
    /// [`TenantTx::service_periods`], [`TenantTx::closures`] and [`TenantTx::special_days`]),
    /// taken from the setup the transaction reads once anyway.
    pub async fn opening_facts(
        &mut self,
        from: NaiveDate,
    ) -> Result<(Vec<ServicePeriod>, Vec<Closure>, Vec<SpecialDay>), StoreError> {
        let o = &self.setup().await?.opening;
        Ok((
            o.periods.clone(),
            o.closures
                .iter()
                .filter(|c| c.last_day >= from)
                .cloned()
                .collect(),
            o.specials
                .iter()
                .filter(|s| s.day >= from)
                .cloned()
                .collect(),
        ))
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
                return Err(StoreError::field(
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
            return Err(StoreError::field(
                "last_day",
                "before_first_day",
                "must not be before first_day",
            ));
        }
        if (c.last_day - c.first_day).num_days() > 366 {
            return Err(StoreError::field(
                "last_day",
                "too_long",
                "a closure lasts at most a year",
            ));
        }
        let reason = c.reason.trim();
        if reason.chars().count() > 200 || reason.chars().any(char::is_control) {
            return Err(StoreError::field(
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
}
