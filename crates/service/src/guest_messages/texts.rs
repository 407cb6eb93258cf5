//! The wording of guest messages (German and English, MiniJinja templates for the text and
//! HTML parts), the transcript mail, and the calendar file a message carries.

use super::*;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    for (name, source) in [
        ("guest.txt", include_str!("../../templates/guest.txt")),
        ("guest.html", include_str!("../../templates/guest.html")),
    ] {
        // The templates are part of the build; a broken one fails the unit tests.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(error = %e, name, "guest mail template does not parse");
        }
    }
    env
});

/// (kind, German subject, English subject, German intro, English intro). `{r}` is the
/// restaurant, `{date}` the day.
const TEXTS: &[(Kind, &str, &str, &str, &str)] = &[
    (
        Kind::Confirmation,
        "Ihre Reservierung bei {r} am {date}",
        "Your reservation at {r} on {date}",
        "vielen Dank für Ihre Reservierung. Wir freuen uns auf Sie!",
        "thank you for your reservation. We look forward to seeing you!",
    ),
    (
        Kind::Pending,
        "Ihre Anfrage bei {r}: wir melden uns",
        "Your request at {r}: we will confirm shortly",
        "vielen Dank für Ihre Anfrage. Reservierungen für Gruppen dieser Größe bestätigen wir persönlich; Sie hören in Kürze von uns.",
        "thank you for your request. We confirm reservations for groups of this size personally; you will hear from us shortly.",
    ),
    (
        Kind::Approved,
        "Bestätigt: Ihre Reservierung bei {r} am {date}",
        "Confirmed: your reservation at {r} on {date}",
        "gute Nachricht: Ihre Reservierung ist bestätigt. Wir freuen uns auf Sie!",
        "good news: your reservation is confirmed. We look forward to seeing you!",
    ),
    (
        Kind::Declined,
        "Ihre Anfrage bei {r} am {date}",
        "Your request at {r} on {date}",
        "leider können wir Ihre Anfrage zu diesem Termin nicht annehmen. Rufen Sie uns gern an, dann finden wir gemeinsam eine andere Zeit.",
        "we are sorry, but we cannot accept your request for this time. Call us and we will find another time together.",
    ),
    (
        Kind::Changed,
        "Geändert: Ihre Reservierung bei {r} am {date}",
        "Changed: your reservation at {r} on {date}",
        "Ihre Reservierung wurde geändert. So sieht sie jetzt aus:",
        "your reservation has been changed. This is how it stands now:",
    ),
    (
        Kind::Cancelled,
        "Storniert: Ihre Reservierung bei {r} am {date}",
        "Cancelled: your reservation at {r} on {date}",
        "Ihre Reservierung wurde storniert.",
        "your reservation has been cancelled.",
    ),
    (
        Kind::Reminder,
        "Erinnerung: Ihre Reservierung bei {r} am {date}",
        "Reminder: your reservation at {r} on {date}",
        "wir freuen uns auf Ihren Besuch und erinnern Sie gern an Ihre Reservierung:",
        "we look forward to your visit. A reminder of your reservation:",
    ),
];

/// The cancellation a guest asked for themselves.
const CANCELLED_BY_GUEST: (&str, &str) = (
    "wie gewünscht haben wir Ihre Reservierung storniert. Schade, dass es nicht klappt; wir freuen uns auf ein anderes Mal.",
    "as you asked, we have cancelled your reservation. We hope to welcome you another time.",
);

/// Labels of the message layout: (key, German, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("when", "Wann", "When"),
    ("party", "Personen", "Guests"),
    ("code", "Buchungscode", "Booking code"),
    ("where", "Wo", "Where"),
    (
        "manage",
        "Reservierung ansehen, ändern oder stornieren",
        "View, change or cancel your reservation",
    ),
    (
        "manage_button",
        "Reservierung verwalten",
        "Manage reservation",
    ),
    (
        "calendar",
        "Der Termin liegt als Kalenderdatei bei.",
        "The calendar file for your visit is attached.",
    ),
    (
        "questions",
        "Fragen? Rufen Sie uns an:",
        "Questions? Call us:",
    ),
];

/// A rendered message.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a message says, apart from its wording.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub kind: Kind,
    pub lang: &'a str,
    pub name: Option<&'a str>,
    pub restaurant: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub party: i64,
    pub code: &'a str,
    pub by_guest: bool,
    pub paragraph: &'a str,
    pub link: Option<&'a str>,
    pub calendar: bool,
}

/// Renders a guest message in its language (German unless English).
pub fn render(f: &Facts<'_>) -> Result<Rendered> {
    let en = f.lang == "en";
    let lang = if en { "en" } else { "de" };
    let (_, subject_de, subject_en, intro_de, intro_en) = TEXTS
        .iter()
        .find(|(k, ..)| *k == f.kind)
        .ok_or_else(|| anyhow!("no guest text for {:?}", f.kind))?;
    let date_words = say::long_date(f.date, lang);
    let subject = if en { subject_en } else { subject_de }
        .replace("{r}", f.restaurant)
        .replace("{date}", &say::day(f.date, lang));
    let intro = match (f.kind, f.by_guest) {
        (Kind::Cancelled, true) => {
            if en {
                CANCELLED_BY_GUEST.1
            } else {
                CANCELLED_BY_GUEST.0
            }
        }
        _ => {
            if en {
                intro_en
            } else {
                intro_de
            }
        }
    };
    let when = if en {
        format!("{date_words} at {}", say::time(f.time, lang))
    } else {
        format!("{date_words} um {}", say::time(f.time, lang))
    };
    let hello = match (f.name.map(str::trim).filter(|n| !n.is_empty()), en) {
        (Some(n), true) => format!("Dear {n},"),
        (Some(n), false) => format!("Guten Tag {n},"),
        (None, true) => "Hello,".to_string(),
        (None, false) => "Guten Tag,".to_string(),
    };
    let signature = if en {
        format!("The team of {}", f.restaurant)
    } else {
        format!("Ihr Team von {}", f.restaurant)
    };
    let mut t: std::collections::BTreeMap<&str, String> = LABELS
        .iter()
        .map(|(k, de, en_)| (*k, if en { en_ } else { de }.to_string()))
        .collect();
    t.insert("hello", hello);
    t.insert("signature", signature);
    let phone_link: String = f
        .phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let ctx = context! {
        lang, subject, t, intro,
        when, party => f.party, code => f.code,
        restaurant => f.restaurant, address => f.address,
        phone => f.phone, phone_link,
        paragraph => f.paragraph, link => f.link, calendar => f.calendar,
    };
    let text = TEMPLATES.get_template("guest.txt")?.render(&ctx)?;
    let html = TEMPLATES.get_template("guest.html")?.render(&ctx)?;
    Ok(Rendered {
        subject,
        text: text.replace("\n\n\n", "\n\n"),
        html,
    })
}

/// The UID and title of a reservation's calendar event. The message attachment and the
/// self-service download share them, so a guest's calendar keeps one entry per reservation.
pub(crate) fn event_names(
    reservation: Uuid,
    restaurant: &str,
    party: impl std::fmt::Display,
    host: &str,
) -> (String, String) {
    (
        format!("{reservation}@{host}"),
        format!("{restaurant} ({party} P.)"),
    )
}

/// The calendar file of a reservation message.
pub(super) fn calendar(
    m: &Outgoing,
    p: &Params,
    kind: Kind,
    restaurant: &str,
    address: &str,
    organizer: &str,
    host: &str,
) -> Option<Attachment> {
    let method = match kind.calendar()? {
        Calendar::Request => ics::Method::Request,
        Calendar::Cancel => ics::Method::Cancel,
    };
    let (uid, summary) = event_names(m.reservation_id?, restaurant, p.party, host);
    let description = format!(
        "{} {}",
        if m.language == "en" {
            "Booking code"
        } else {
            "Buchungscode"
        },
        p.code
    );
    let file = ics::render(&ics::Event {
        uid: &uid,
        sequence: p.sequence,
        method,
        stamp: m.created_at,
        start: p.starts_at,
        end: p.ends_at,
        summary: &summary,
        location: address,
        description: &description,
        organizer_name: restaurant,
        organizer_email: organizer,
        attendee_email: m.to_address.as_deref(),
    });
    Some(Attachment {
        filename: if m.language == "en" {
            "reservation.ics"
        } else {
            "reservierung.ics"
        }
        .into(),
        content_type: ics::content_type(method).into(),
        content: file.into_bytes(),
    })
}

/// The transcript of a conversation as an email: each line with its local time and who
/// spoke (the guest, the restaurant's assistant, the team).
pub fn transcript(
    lang: &str,
    to: &str,
    restaurant: &str,
    params: &Value,
    tz: chrono_tz::Tz,
) -> Email {
    let en = lang == "en";
    let mut body = if en {
        format!("Hello,\n\nhere is your conversation with {restaurant}, as you asked.\n\n")
    } else {
        format!("Guten Tag,\n\nwie gewünscht hier Ihr Gespräch mit {restaurant}.\n\n")
    };
    for line in params["lines"].as_array().into_iter().flatten() {
        let at = line["at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&tz).format("%d.%m. %H:%M").to_string())
            .unwrap_or_default();
        let who = match (line["who"].as_str(), en) {
            (Some("guest"), true) => "You".to_string(),
            (Some("guest"), false) => "Sie".to_string(),
            (Some("team"), _) => restaurant.to_string(),
            (_, true) => format!("{restaurant} (assistant)"),
            (_, false) => format!("{restaurant} (Assistent)"),
        };
        body.push_str(&format!(
            "{at}  {who}: {}\n",
            line["text"].as_str().unwrap_or("")
        ));
    }
    body.push_str(if en {
        "\nThe team of "
    } else {
        "\nIhr Team von "
    });
    body.push_str(restaurant);
    body.push('\n');
    let subject = if en {
        format!("Your conversation with {restaurant}")
    } else {
        format!("Ihr Gespräch mit {restaurant}")
    };
    Email::plain(to, subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: Kind, lang: &str) -> Facts<'static> {
        Facts {
            kind,
            lang: if lang == "en" { "en" } else { "de" },
            name: Some("Anna <Müller>"),
            restaurant: "Trattoria Demo",
            address: "Seestraße 1, 10115 Berlin",
            phone: "+49 30 1234567",
            date: NaiveDate::from_ymd_opt(2026, 11, 27).expect("d"),
            time: NaiveTime::from_hms_opt(19, 30, 0).expect("t"),
            party: 4,
            code: "ABC234",
            by_guest: false,
            paragraph: "",
            link: Some("https://h.example/r/1/tok"),
            calendar: true,
        }
    }

    #[test]
    fn every_guest_kind_has_texts_in_both_languages() {
        for k in Kind::ABOUT_RESERVATIONS {
            for lang in ["de", "en"] {
                let r = render(&facts(k, lang)).expect("renders");
                assert!(
                    r.subject.contains("Trattoria Demo"),
                    "{k:?} {lang}: {}",
                    r.subject
                );
                assert!(!r.text.contains("{{") && !r.html.contains("{{"));
            }
        }
    }

    #[test]
    fn a_confirmation_says_when_in_words_with_code_link_and_phone() {
        let r = render(&facts(Kind::Confirmation, "de")).expect("renders");
        assert_eq!(
            r.subject,
            "Ihre Reservierung bei Trattoria Demo am Freitag, 27. November"
        );
        assert!(
            r.text.starts_with("Guten Tag Anna <Müller>,\n"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("Wann: Freitag, 27. November 2026 um 19:30 Uhr"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Personen: 4") && r.text.contains("Buchungscode: ABC234"));
        assert!(r.text.contains("https://h.example/r/1/tok"));
        assert!(r.text.contains("+49 30 1234567"));
        assert!(
            r.html.contains("Anna &lt;Müller&gt;"),
            "HTML escapes the guest's name"
        );
        assert!(r.html.contains("href=\"tel:+49301234567\""));
        let en = render(&facts(Kind::Reminder, "en")).expect("renders");
        assert!(
            en.text
                .contains("When: Friday, 27 November 2026 at 7:30 pm"),
            "{}",
            en.text
        );
        assert!(en.text.starts_with("Dear Anna <Müller>,"));
    }

    #[test]
    fn the_restaurants_paragraph_and_who_cancelled_shape_the_text() {
        let mut f = facts(Kind::Cancelled, "de");
        f.by_guest = true;
        f.link = None;
        f.paragraph = "Parken im Hof.";
        let r = render(&f).expect("renders");
        assert!(r
            .text
            .contains("wie gewünscht haben wir Ihre Reservierung storniert"));
        assert!(r.text.contains("\nParken im Hof.\n"));
        assert!(!r.text.contains("verwalten") && !r.html.contains("Reservierung verwalten"));
        f.by_guest = false;
        assert!(render(&f)
            .expect("r")
            .text
            .contains("Ihre Reservierung wurde storniert."));
    }
}
