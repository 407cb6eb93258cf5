//! Integrations with third parties, each behind a trait with a real implementation and a test
//! double, plus the providers' pure formats: email (the development file mailer for now),
//! calendar files for guest mails, and webhook signature checks (Svix for Resend, Meta's
//! `X-Hub-Signature-256`).

pub mod ics;
pub mod mail;
pub mod signature;
