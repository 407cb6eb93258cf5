//! The one clock every use of "now" goes through.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A cheap, clonable source of the current instant.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
enum Inner {
    System,
    /// Starts at a fixed instant and runs on in real time (`HOSTSYSTEM_CLOCK_START`).
    Offset {
        start: DateTime<Utc>,
        at: Instant,
    },
    /// Moves only when told to; for tests of expiry and lockouts.
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Self {
        Clock(Arc::new(Inner::System))
    }

    /// A clock that reads `start` now and runs on in real time.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Clock(Arc::new(Inner::Offset {
            start,
            at: Instant::now(),
        }))
    }

    /// A clock that stands still at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock(Arc::new(Inner::Manual(Mutex::new(start))))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Inner::System => Utc::now(),
            Inner::Offset { start, at } => {
                *start + Duration::from_std(at.elapsed()).unwrap_or(Duration::zero())
            }
            Inner::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward; other clocks ignore it.
    pub fn advance(&self, by: Duration) {
        if let Inner::Manual(t) = &*self.0 {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-29T00:30:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let c = Clock::manual(t0());
        assert_eq!(c.now(), t0());
        c.advance(Duration::minutes(90));
        assert_eq!(c.now(), t0() + Duration::minutes(90));
        let shared = c.clone();
        shared.advance(Duration::seconds(1));
        assert_eq!(c.now(), t0() + Duration::seconds(5401));
    }

    #[test]
    fn offset_clock_starts_at_given_instant_and_runs_on() {
        let c = Clock::starting_at(t0());
        let a = c.now();
        assert!(a >= t0() && a < t0() + Duration::seconds(5));
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now() > a);
    }
}
