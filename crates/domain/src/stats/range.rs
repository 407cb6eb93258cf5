//! The range of days statistics are asked for: checked limits, the range before it, and its
//! instants in the restaurant's zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// The longest range: ten years (a range of five years works, fifty is refused).
pub const MAX_DAYS: i64 = 3660;

/// A range of local days, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a range is refused, and the field to blame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeError {
    /// `to` lies before `from`.
    Reversed,
    /// Longer than [`MAX_DAYS`].
    TooLong,
    /// `from` or `to` outside the years [`FIRST_YEAR`] to [`LAST_YEAR`].
    OutOfBounds(&'static str),
}

/// The first and last years a range may touch.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

impl RangeError {
    /// The request field to name.
    pub fn field(self) -> &'static str {
        match self {
            RangeError::OutOfBounds(field) => field,
            _ => "to",
        }
    }
}

impl Range {
    /// A checked range.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Range, RangeError> {
        for (field, d) in [("from", from), ("to", to)] {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
                return Err(RangeError::OutOfBounds(field));
            }
        }
        if to < from {
            return Err(RangeError::Reversed);
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(Range { from, to })
    }

    /// Days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> Range {
        let to = self.from - Duration::days(1);
        Range {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    /// Every day of the range.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    /// The first instant of `from` and the first instant after `to`, in the zone.
    pub fn instants(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            day_start(self.from, tz),
            day_start(self.to + Duration::days(1), tz),
        )
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// The first instant of a local day (midnight, or the first valid time after a gap).
pub fn day_start(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut t = d.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(x) = t.and_local_timezone(tz).earliest() {
            return x.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    t.and_utc()
}
