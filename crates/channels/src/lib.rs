//! Integrations with third parties, each behind a trait with a real implementation, plus the
//! providers' pure formats: email ([`mail::Mailer`] with the file mailer, [`resend::Resend`] and
//! [`smtp::Smtp`]), calendar files for guest mails, and webhook signature checks (Svix for
//! Resend, Meta's `X-Hub-Signature-256`, Retell).

pub mod clamd;
pub mod gohighlevel;
mod http;
pub mod ics;
pub mod mail;
pub mod openai;
pub mod resend;
pub mod signature;
pub mod smtp;
pub mod whatsapp;
