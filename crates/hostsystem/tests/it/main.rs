//! HTTP-level tests of HostSystem: one test binary, so one throwaway PostgreSQL cluster for all.

mod api;
mod app;
mod auth;
mod booking_page;
mod chat;
mod chat_api;
mod chat_model;
mod cli;
mod dashboard;
mod guest_messages;
mod hardening;
mod inbox;
mod jobs;
mod privacy;
mod privacy_toolkit;
mod recovery;
mod reservations;
mod stats;
mod team;
mod uploads;
mod voice;
mod widget;
