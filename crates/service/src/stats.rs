//! Statistics for owners and managers (staff see none): the facts of a range and of the range
//! before read in one tenant transaction, and the figures computed by `hs_domain::stats`.

use crate::reservations::Caller;
use crate::Services;
use chrono::NaiveDate;
use hs_domain::stats::{self, Facts, Figures, Floor, Range, RangeError};
use hs_domain::validate::Invalid;
use hs_domain::Role;
use hs_store::StoreError;

/// A checked range; 422 naming `to` when it is reversed or longer than ten years, or the
/// field whose year lies outside 1900 to 2199.
pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Range, StoreError> {
    Range::new(from, to).map_err(|e| {
        StoreError::invalid(
            e.field(),
            match e {
                RangeError::Reversed => Invalid::BeforeStart,
                RangeError::TooLong => Invalid::RangeTooLong(stats::MAX_DAYS),
                RangeError::OutOfBounds(_) => {
                    Invalid::OutOfRange(i64::from(stats::FIRST_YEAR), i64::from(stats::LAST_YEAR))
                }
            },
        )
    })
}

/// Today in the restaurant's zone (the default range ends there).
pub async fn today(svc: &Services, caller: &Caller) -> Result<NaiveDate, StoreError> {
    caller.at_least(Role::Manager)?;
    caller.tenant(&svc.store).await?.now_local_date().await
}

/// Every figure of `range` for the caller's restaurant, compared with the range before.
pub async fn figures(svc: &Services, caller: &Caller, range: Range) -> Result<Figures, StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let rules = tx.rules().await?;
    let tables = tx.tables().await?;
    let (from, _) = range.previous().instants(rules.tz);
    let (_, to) = range.instants(rules.tz);
    let bookings = tx.stats_bookings(from, to).await?;
    let calls = tx.stats_calls(from, to).await?;
    let chats = tx.stats_chats(from, to).await?;
    let first_visits = tx.stats_first_visits(to).await?;
    Ok(stats::figures(
        range,
        &Facts {
            floor: Floor {
                rules: &rules,
                seats: stats::seats(tables.iter().map(|t| t.max_seats)),
                tables: tables.len() as u32,
            },
            bookings: &bookings,
            calls: &calls,
            chats: &chats,
            first_visits: &first_visits,
            now: svc.clock().now(),
        },
    ))
}
