//! Pure rules of HostSystem: the clock, roles, input validation, password policy, TOTP and
//! log redaction. Nothing here performs I/O, so everything is unit-tested directly.

pub mod availability;
pub mod chat;
pub mod clock;
pub mod csv;
pub mod dpa;
pub mod message;
pub mod online;
pub mod redact;
pub mod reservation;
pub mod role;
pub mod say;
pub mod spoken;
pub mod stats;
pub mod totp;
pub mod upload;
pub mod validate;
pub mod widget;

pub use clock::Clock;
pub use role::Role;
