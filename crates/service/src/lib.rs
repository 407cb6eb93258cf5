//! HostSystem's use cases over the store. Today: the durable job queue's typed jobs and
//! worker ([`jobs`]), the team's mails ([`team`], [`messages`]) and the nightly retention run
//! ([`retention`]). The rules the web handlers still hold move here step by step.

pub mod account;
pub mod calls;
pub mod chat;
pub mod digest;
pub mod files;
pub mod guest_messages;
pub mod guests;
pub mod inbox;
pub mod jobs;
pub mod messages;
pub mod offboarding;
pub mod online;
pub mod privacy;
pub mod registers;
pub mod reservations;
pub mod retention;
pub mod self_service;
pub mod sessions;
pub mod setup;
pub mod stats;
pub mod team;
pub mod whatsapp;

use jobs::{Registry, Scheduler};

/// The providers' webhook signature checks, for the hooks wing.
pub use hs_channels::signature;
pub use hs_store::{Actor, StoreError};

/// The records the use cases answer with and take: the store's data types (never its
/// transactions or queries).
pub mod model {
    pub use hs_store::secret::{constant_time_eq, hex};
    pub use hs_store::{
        accounts, agent, booking, conversations, counters, guests, inbox, mail_settings, messages,
        registers, setup, team, voice, whatsapp, widget,
    };
}

/// The use cases' handle on the database: what the web layer holds instead of the store, so
/// that no handler can open a transaction or run a query itself.
#[derive(Clone)]
pub struct Services {
    pub(crate) store: hs_store::Store,
}

impl Services {
    /// Wraps the store.
    pub fn new(store: hs_store::Store) -> Self {
        Services { store }
    }

    /// The clock every use case stamps with.
    pub fn clock(&self) -> &hs_domain::Clock {
        self.store.clock()
    }
}

/// Every kind of job HostSystem runs.
pub fn registry() -> Registry {
    Registry::default()
        .register::<team::SendInvite>()
        .register::<team::SendPasswordReset>()
        .register::<team::WarnTotpGuessing>()
        .register::<retention::RetentionRun>()
        .register::<whatsapp::AnswerInbound>()
        .register::<guest_messages::SendMessage>()
        .register::<guest_messages::Reminder>()
        .register::<digest::PlanDigests>()
        .register::<digest::Digest>()
        .register::<hs_store::conversations::HandoverAlert>()
        .register::<hs_store::files::DeleteFiles>()
        .register::<hs_store::privacy::MakeExport>()
        .register::<privacy::EraseAfterNotices>()
        .register::<offboarding::OffboardingRun>()
        .register::<registers::IncidentNotice>()
        .register::<registers::SubProcessorAnnouncement>()
        .register::<registers::ApplySubProcessorChanges>()
        .register::<registers::ForwardRequest>()
        .register::<stats::KeepDays>()
}

/// The recurring jobs, for a store.
pub fn scheduler(store: hs_store::Store) -> Scheduler {
    Scheduler {
        store,
        daily: vec![
            retention::nightly(),
            digest::planner(),
            offboarding::nightly(),
            registers::nightly(),
        ],
    }
}
