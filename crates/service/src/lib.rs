//! HostSystem's use cases over the store. Today: the durable job queue's typed jobs and
//! worker ([`jobs`]), the team's mails ([`team`], [`messages`]) and the nightly retention run
//! ([`retention`]). The rules the web handlers still hold move here step by step.

pub mod account;
pub mod calls;
pub mod guests;
pub mod jobs;
pub mod messages;
pub mod reservations;
pub mod retention;
pub mod setup;
pub mod team;

use jobs::{Registry, Scheduler};

/// Every kind of job HostSystem runs.
pub fn registry() -> Registry {
    Registry::default()
        .register::<team::SendInvite>()
        .register::<team::SendPasswordReset>()
        .register::<team::WarnTotpGuessing>()
        .register::<retention::RetentionRun>()
}

/// The recurring jobs, for a store.
pub fn scheduler(store: hs_store::Store) -> Scheduler {
    Scheduler {
        store,
        daily: vec![retention::nightly()],
    }
}
