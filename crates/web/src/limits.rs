//! Abuse limits kept in memory: lockouts after repeated failures (login, TOTP) and a token
//! bucket per API token. The policy is in `docs/security.md`; the numbers are here.

use chrono::{DateTime, Duration, Utc};
use hs_domain::Clock;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most keys any limiter tracks; beyond that, entries past their lockout are pruned first and,
/// failing that, the oldest are dropped (memory stays bounded under a flood of new keys).
const MAX_KEYS: usize = 100_000;

/// How a failure limiter locks.
#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    /// Failures allowed before a lockout.
    pub free_failures: u32,
    /// The first lockout.
    pub base: Duration,
    /// Lockouts double with each further failure up to this.
    pub max: Duration,
    /// Failures are forgotten after this long without one.
    pub forget_after: Duration,
}

/// Login: 5 failures, then 30 s, 60 s, 120 s … up to 1 h.
pub const LOGIN: LockoutPolicy = LockoutPolicy {
    free_failures: 5,
    base: Duration::seconds(30),
    max: Duration::hours(1),
    forget_after: Duration::hours(1),
};

/// Second-factor codes, per account: 5 bad codes, then 30 s, 60 s, 120 s … up to 1 h, and
/// the count is kept for a day, so someone who knows the password gets about 30 guesses a day
/// (a fixed 60 s lock allowed 7,200).
pub const TOTP: LockoutPolicy = LockoutPolicy {
    free_failures: 5,
    base: Duration::seconds(30),
    max: Duration::hours(1),
    forget_after: Duration::hours(24),
};

/// The lockout a failure started: how long, and which one in a row it is (1 for the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lockout {
    pub seconds: u64,
    pub nth: u32,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// Counts failures per key and locks a key out after too many.
pub struct FailureLimiter {
    policy: LockoutPolicy,
    clock: Clock,
    map: Mutex<HashMap<String, Failures>>,
}

impl FailureLimiter {
    /// A limiter with a policy, on the app's clock.
    pub fn new(policy: LockoutPolicy, clock: Clock) -> Self {
        FailureLimiter {
            policy,
            clock,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` while the key is locked out.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = self.clock.now();
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key).and_then(|f| f.locked_until) {
            Some(until) if until > now => Err(((until - now).num_milliseconds() as u64)
                .div_ceil(1000)
                .max(1)),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the lockout in seconds if this failure starts one.
    pub fn fail(&self, key: &str) -> Option<u64> {
        self.fail_lockout(key).map(|l| l.seconds)
    }

    /// Records a failure; returns the lockout it starts, if any.
    pub fn fail_lockout(&self, key: &str) -> Option<Lockout> {
        let now = self.clock.now();
        let p = self.policy;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, f| {
                f.locked_until.is_some_and(|u| u > now) || now - f.last < p.forget_after
            });
            if map.len() >= MAX_KEYS {
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, f)| f.last)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
        }
        let f = map.entry(key.to_string()).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        if now - f.last >= p.forget_after {
            *f = Failures {
                count: 0,
                last: now,
                locked_until: None,
            };
        }
        f.count += 1;
        f.last = now;
        if f.count >= p.free_failures {
            let doublings = (f.count - p.free_failures).min(20);
            let lock = (p.base * 2i32.pow(doublings)).min(p.max);
            f.locked_until = Some(now + lock);
            return Some(Lockout {
                seconds: lock.num_seconds() as u64,
                nth: f.count - p.free_failures + 1,
            });
        }
        None
    }

    /// Forgets a key's failures (after a success).
    pub fn succeed(&self, key: &str) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// Failed authentications (wrong API token, voice secret or Retell signature) one client
/// address may make a minute; past them its credentials are not even checked until the bucket
/// refills. Counted apart from the restaurants' request budgets, so strangers cannot spend those.
pub const AUTH_FAILURES_PER_MINUTE: u32 = 30;

/// Widget requests (sessions and messages) one client address may make a minute; a guest
/// typing sends a few, a household or office behind one address still fits.
pub const WIDGET_PER_MINUTE: u32 = 60;

/// Bookings one client address may send a minute on the hosted booking page (and the widget's
/// form): a guest books once, a retry or a correction or two fits; a script does not.
pub const BOOKINGS_PER_MINUTE: u32 = 5;

/// A token bucket per key: `per_minute` requests a minute, bursts up to the same number.
pub struct RateLimiter {
    per_minute: u32,
    clock: Clock,
    map: Mutex<HashMap<String, (f64, DateTime<Utc>)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests a minute per key.
    pub fn new(per_minute: u32, clock: Clock) -> Self {
        RateLimiter {
            per_minute: per_minute.max(1),
            clock,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the key's bucket; `Err(seconds)` until one is available.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        self.tokens(key, 1.0)
    }

    /// Whether the key's bucket has a request left, without taking it.
    pub fn peek(&self, key: &str) -> Result<(), u64> {
        self.tokens(key, 0.0)
    }

    /// Refills the key's bucket, then takes `cost` if at least one request is left.
    fn tokens(&self, key: &str, cost: f64) -> Result<(), u64> {
        let now = self.clock.now();
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, (_, t)| now - *t < Duration::minutes(1));
        }
        let (tokens, last) = map.entry(key.to_string()).or_insert((cap, now));
        let elapsed = (now - *last).num_milliseconds().max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * rate).min(cap);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= cost;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock::manual(
            DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
                .expect("t")
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn login_locks_after_five_failures_and_doubles() {
        let c = clock();
        let l = FailureLimiter::new(LOGIN, c.clone());
        for _ in 0..4 {
            assert_eq!(l.fail("k"), None);
            assert_eq!(l.check("k"), Ok(()));
        }
        assert_eq!(l.fail("k"), Some(30));
        assert_eq!(l.check("k"), Err(30));
        c.advance(Duration::seconds(31));
        assert_eq!(l.check("k"), Ok(()));
        assert_eq!(l.fail("k"), Some(60), "the delay grows");
        c.advance(Duration::seconds(61));
        assert_eq!(l.fail("k"), Some(120));
        assert_eq!(l.check("other"), Ok(()), "keys are independent");
        l.succeed("k");
        assert_eq!(l.check("k"), Ok(()));
    }

    #[test]
    fn totp_lock_doubles_from_thirty_seconds_to_an_hour_and_counts_lockouts() {
        let c = clock();
        let l = FailureLimiter::new(TOTP, c.clone());
        for _ in 0..4 {
            assert_eq!(l.fail_lockout("u"), None);
        }
        let mut seen = Vec::new();
        for _ in 0..10 {
            let lock = l.fail_lockout("u").expect("locked");
            assert_eq!(l.check("u"), Err(lock.seconds));
            seen.push((lock.nth, lock.seconds));
            c.advance(Duration::seconds(lock.seconds as i64 + 1));
        }
        assert_eq!(
            seen,
            [
                (1, 30),
                (2, 60),
                (3, 120),
                (4, 240),
                (5, 480),
                (6, 960),
                (7, 1920),
                (8, 3600),
                (9, 3600),
                (10, 3600)
            ]
        );
        // An hour's lock is no quiet period: the count is kept for a day.
        c.advance(Duration::hours(2));
        assert_eq!(l.fail("u"), Some(3600));
        c.advance(Duration::hours(25));
        assert_eq!(l.fail("u"), None, "forgotten after a quiet day");
    }

    #[test]
    fn failures_are_forgotten_after_quiet_period() {
        let c = clock();
        let l = FailureLimiter::new(LOGIN, c.clone());
        for _ in 0..4 {
            l.fail("k");
        }
        c.advance(Duration::hours(2));
        assert_eq!(l.fail("k"), None);
    }

    #[test]
    fn peeking_takes_nothing() {
        let r = RateLimiter::new(2, clock());
        for _ in 0..5 {
            assert_eq!(r.peek("ip"), Ok(()));
        }
        assert_eq!(r.take("ip"), Ok(()));
        assert_eq!(r.take("ip"), Ok(()));
        assert!(r.peek("ip").is_err(), "empty after two takes");
    }

    #[test]
    fn token_bucket_allows_burst_then_refills() {
        let c = clock();
        let r = RateLimiter::new(60, c.clone());
        for _ in 0..60 {
            assert_eq!(r.take("t"), Ok(()));
        }
        assert_eq!(r.take("t"), Err(1));
        c.advance(Duration::seconds(2));
        assert_eq!(r.take("t"), Ok(()));
        assert_eq!(r.take("t"), Ok(()));
        assert_eq!(r.take("t"), Err(1));
    }
}
