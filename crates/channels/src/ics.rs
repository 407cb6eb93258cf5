//! Calendar files (RFC 5545 iCalendar, with the iTIP methods of RFC 5546) attached to guest
//! mails, so the guest's calendar follows the reservation: one `UID` per reservation, a
//! `SEQUENCE` raised with every change, and `METHOD:CANCEL` with `STATUS:CANCELLED` when it is
//! cancelled.
//!
//! Times are written in UTC (`…Z`), which every calendar shows in its own zone; that needs no
//! `VTIMEZONE` block. Lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1) without
//! splitting a UTF-8 character; text values are escaped (§3.3.11).

use chrono::{DateTime, Utc};

/// Whether the file announces or withdraws the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// One reservation as a calendar event.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// Stable for the reservation's whole life, e.g. `<reservation id>@<host>`.
    pub uid: &'a str,
    /// 0 at booking, raised with every change the guest is told about.
    pub sequence: u32,
    pub method: Method,
    /// When the file was made.
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// The restaurant's sender name and address; iTIP requires an organizer.
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    /// The guest's address, when known.
    pub attendee_email: Option<&'a str>,
}

/// The `.ics` file's media type for a mail part.
pub fn content_type(method: Method) -> &'static str {
    match method {
        Method::Request => "text/calendar; charset=utf-8; method=REQUEST",
        Method::Cancel => "text/calendar; charset=utf-8; method=CANCEL",
    }
}

/// Renders the whole calendar file.
pub fn render(event: &Event<'_>) -> String {
    let method = match event.method {
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
    };
    let status = match event.method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//HostSystem//Reservations//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape(event.uid)),
        format!("SEQUENCE:{}", event.sequence),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", escape(event.summary)),
        format!("LOCATION:{}", escape(event.location)),
        format!("DESCRIPTION:{}", escape(event.description)),
        format!(
            "ORGANIZER;CN={}:mailto:{}",
            parameter(event.organizer_name),
            event.organizer_email
        ),
    ];
    if let Some(attendee) = event.attendee_email {
        lines.push(format!(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{attendee}"
        ));
    }
    lines.push(format!("STATUS:{status}"));
    lines.push("TRANSP:OPAQUE".to_owned());
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in &lines {
        fold_into(&mut out, line);
    }
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (`CN=`): quoted, since a name may hold `:` `;` `,`; double quotes and
/// control characters cannot be represented and are dropped (RFC 5545 §3.1, `QSAFE-CHAR`).
fn parameter(text: &str) -> String {
    let safe: String = text
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{safe}\"")
}

/// Appends `line` folded to at most 75 octets per physical line, each ending in CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(method: Method, sequence: u32) -> Event<'static> {
        Event {
            uid: "6f1c0e52-1b1a-4c55-9d1e-3c1f0a2b7e44@hostsystem.example",
            sequence,
            method,
            stamp: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            start: Utc.with_ymd_and_hms(2026, 12, 24, 18, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 24, 20, 30, 0).unwrap(),
            summary: "Tisch für 4, Trattoria Sole",
            location: "Hauptstraße 1; 10115 Berlin",
            description: "Buchungscode K7Q2\nÄndern oder stornieren: https://example.org/r/abc",
            organizer_name: "Trattoria \"Sole\"",
            organizer_email: "tisch@sole.example",
            attendee_email: Some("gast@example.org"),
        }
    }

    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_booking_is_a_confirmed_request_in_utc() {
        let ics = render(&event(Method::Request, 0));
        let lines = unfolded(&ics);
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "METHOD:REQUEST",
            "UID:6f1c0e52-1b1a-4c55-9d1e-3c1f0a2b7e44@hostsystem.example",
            "SEQUENCE:0",
            "DTSTAMP:20261201T090000Z",
            "DTSTART:20261224T183000Z",
            "DTEND:20261224T203000Z",
            "SUMMARY:Tisch für 4\\, Trattoria Sole",
            "LOCATION:Hauptstraße 1\\; 10115 Berlin",
            "ORGANIZER;CN=\"Trattoria Sole\":mailto:tisch@sole.example",
            "STATUS:CONFIRMED",
            "END:VCALENDAR",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "missing {expected:?} in {ics}"
            );
        }
        assert!(lines
            .iter()
            .any(|l| l.starts_with("DESCRIPTION:Buchungscode K7Q2\\nÄndern")));
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_raises_the_sequence() {
        let booked = unfolded(&render(&event(Method::Request, 0)));
        let cancelled = unfolded(&render(&event(Method::Cancel, 2)));
        let uid = |lines: &[String]| lines.iter().find(|l| l.starts_with("UID:")).cloned();
        assert_eq!(uid(&booked), uid(&cancelled));
        assert!(cancelled.contains(&"METHOD:CANCEL".to_owned()));
        assert!(cancelled.contains(&"STATUS:CANCELLED".to_owned()));
        assert!(cancelled.contains(&"SEQUENCE:2".to_owned()));
        assert_eq!(
            content_type(Method::Cancel),
            "text/calendar; charset=utf-8; method=CANCEL"
        );
    }

    #[test]
    fn every_physical_line_ends_in_crlf_and_fits_75_octets() {
        let mut long = event(Method::Request, 1);
        let description = "Grüße aus der Küche; ".repeat(20);
        long.description = &description;
        let ics = render(&long);
        assert!(ics.ends_with("\r\n"));
        for physical in ics.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical:?}",
                physical.len()
            );
            assert!(!physical.contains('\n') && !physical.contains('\r'));
        }
        // Unfolding gives back the escaped text whole (no character was split).
        let lines = unfolded(&ics);
        let line = lines
            .iter()
            .find(|l| l.starts_with("DESCRIPTION:"))
            .expect("a DESCRIPTION line");
        assert_eq!(line, &format!("DESCRIPTION:{}", escape(&description)));
    }

    #[test]
    fn text_cannot_inject_properties() {
        let mut hostile = event(Method::Request, 0);
        hostile.summary = "Dinner\r\nMETHOD:CANCEL\nATTENDEE:mailto:x@evil.example";
        let lines = unfolded(&render(&hostile));
        assert_eq!(lines.iter().filter(|l| l.starts_with("METHOD:")).count(), 1);
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("ATTENDEE")).count(),
            1
        );
        assert!(lines.contains(
            &"SUMMARY:Dinner\\nMETHOD:CANCEL\\nATTENDEE:mailto:x@evil.example".to_owned()
        ));
    }
}
