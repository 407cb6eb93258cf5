//! Integrations with third parties, each behind a trait with a real implementation and a test
//! double. For now: email, through the development file mailer.

pub mod mail;
