//! PostgreSQL for HostSystem: the embedded cluster, roles and migrations, row-level security
//! through [`TenantTx`], and the repositories and services built on them.

pub mod accounts;
pub mod agent;
pub mod booking;
pub mod conversations;
pub mod counters;
pub mod crypto;
pub mod db;
pub mod embedded;
pub mod error;
pub mod file_store;
pub mod files;
pub mod guests;
pub mod inbox;
pub mod mail_settings;
pub mod messages;
pub mod privacy;
pub mod queue;
pub mod registers;
pub mod secret;
pub mod setup;
pub mod stats;
pub mod team;
mod tenant;
pub mod voice;
pub mod whatsapp;
pub mod widget;

pub use crypto::MasterKey;
pub use error::StoreError;
pub use tenant::{Actor, Store, TenantTx};
