//! The data-processing agreement's annexes, generated from a restaurant's live configuration
//! (issue 15, item 7): Anlage 1 (services, data categories, data subjects, purposes), Anlage 2
//! (the technical and organisational measures this deployment really has, with the retention
//! periods as configured) and Anlage 3 (the sub-processors enabled for this restaurant). Pure
//! text from facts; the service gathers the facts. German, or English.

mod record;
pub use record::{record_of_processing, OperatorRecord};

/// What the deployment contributes to every restaurant's annexes (from its configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// The platform's mail transport: `file`, `resend` or `smtp`.
    pub mail: String,
    /// The host of the platform's chat model, if one is configured.
    pub model_host: Option<String>,
    /// The host of the S3-compatible bucket for guests' files, if one is configured.
    pub file_store: Option<String>,
    pub virus_scan: bool,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            mail: "file".into(),
            model_host: None,
            file_store: None,
            virus_scan: false,
        }
    }
}

/// The host of a URL (`https://api.openai.com/v1` → `api.openai.com`).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.trim().to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// What the annexes are generated from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub restaurant: String,
    /// Street, postcode and city, as set.
    pub address: String,
    /// The deployment's address (its host names the operator's service).
    pub public_url: String,
    /// The day the document was generated (YYYY-MM-DD).
    pub generated_on: String,
    /// Voice platforms whose calls reached this restaurant, or whose key is set (`vapi`,
    /// `retell`, `generic` for the generic tool webhooks, e.g. GoHighLevel).
    pub voice: Vec<String>,
    /// The website widget is allowed on at least one site.
    pub web_chat: bool,
    /// `meta` or `gohighlevel` when WhatsApp is set up.
    pub whatsapp: Option<String>,
    /// `platform`, `resend` or `smtp`: who sends the guests' emails.
    pub mail: String,
    /// The platform's own mail transport when the restaurant uses it (`resend`, `smtp`, `file`).
    pub platform_mail: String,
    /// The host of the language model the chat agent uses, if any.
    pub model_host: Option<String>,
    /// Where guests' files are kept: `None` on the server's disk, else the bucket's host.
    pub file_store: Option<String>,
    pub virus_scan: bool,
    pub owner_2fa_required: bool,
    pub voice_retention_days: i32,
    pub chat_retention_days: i32,
    pub message_text_days: i64,
    pub webhook_log_days: i64,
    pub export_link_hours: i64,
    pub deletion_after_days: i64,
    pub backup_rollover_days: i64,
    /// The register's other sub-processors in effect for this restaurant (not those its
    /// settings switch on, [`FROM_SETTINGS`]; without additions it objected to).
    pub registered: Vec<Registered>,
}

/// The register's keys for the sub-processors [`sub_processors`] derives from a restaurant's
/// settings; every other entry in effect for a restaurant is listed as registered.
pub const FROM_SETTINGS: [&str; 7] = [
    "resend",
    "meta_whatsapp",
    "gohighlevel",
    "vapi",
    "retell",
    "openai",
    "aws_s3",
];

/// A sub-processor as the operator's register names it (free text, shown as written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub service: String,
    pub location: String,
    pub basis: String,
}

/// A sub-processor as Anlage 3 lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubProcessor {
    pub name: String,
    pub service: &'static str,
    pub location: &'static str,
    /// Transfer basis for a third country (SCC, adequacy), or "—" inside the EU/EEA.
    pub basis: &'static str,
}

fn sp(
    name: &str,
    service: &'static str,
    location: &'static str,
    basis: &'static str,
) -> SubProcessor {
    SubProcessor {
        name: name.to_string(),
        service,
        location,
        basis,
    }
}

/// The sub-processors this restaurant's configuration uses.
pub fn sub_processors(f: &Facts) -> Vec<SubProcessor> {
    let mut out = Vec::new();
    for v in &f.voice {
        match v.as_str() {
            "vapi" => out.push(sp("Vapi, Inc.", "voice_ai", "USA", "scc")),
            "retell" => out.push(sp("Retell AI, Inc.", "voice_ai", "USA", "scc")),
            "gohighlevel" => out.push(sp(
                "HighLevel, Inc. (LeadConnector)",
                "voice_ai",
                "USA",
                "scc",
            )),
            _ => {}
        }
    }
    match f.whatsapp.as_deref() {
        Some("meta") => out.push(sp(
            "Meta Platforms Ireland Ltd. (WhatsApp Business Cloud API)",
            "whatsapp",
            "EU (Irland) / USA",
            "dpf_scc",
        )),
        Some("gohighlevel") => out.push(sp(
            "HighLevel, Inc. (LeadConnector), WhatsApp",
            "whatsapp",
            "USA",
            "scc",
        )),
        _ => {}
    }
    let resend = sp("Resend, Inc.", "email", "USA", "scc");
    match (f.mail.as_str(), f.platform_mail.as_str()) {
        ("resend", _) | ("platform", "resend") => out.push(resend),
        _ => {}
    }
    if let Some(host) = &f.model_host {
        if host == "api.openai.com" || host.ends_with(".openai.com") {
            out.push(sp(
                "OpenAI Ireland Ltd. / OpenAI, L.L.C.",
                "model",
                "USA",
                "dpf_scc",
            ));
        } else {
            out.push(sp(host, "model", "as_configured", "to_assess"));
        }
    }
    if let Some(host) = &f.file_store {
        if host.ends_with("amazonaws.com") {
            out.push(sp(
                "Amazon Web Services EMEA SARL (S3)",
                "files",
                "EU (per region)",
                "none_eu",
            ));
        } else {
            out.push(sp(host, "files", "as_configured", "to_assess"));
        }
    }
    out
}

pub(crate) fn t<'a>(en: bool, de: &'a str, english: &'a str) -> &'a str {
    if en {
        english
    } else {
        de
    }
}

fn word(en: bool, key: &str) -> &'static str {
    match (key, en) {
        ("voice_ai", false) => "Telefon-Agent (Voice-AI)",
        ("voice_ai", true) => "Phone agent (voice AI)",
        ("whatsapp", _) => "WhatsApp",
        ("email", false) => "E-Mail-Versand",
        ("email", true) => "Sending email",
        ("model", false) => "Sprachmodell des Chat-Agenten",
        ("model", true) => "The chat agent's language model",
        ("files", false) => "Dateien der Gäste",
        ("files", true) => "Guests' files",
        ("scc", false) => "EU-Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)",
        ("scc", true) => "EU standard contractual clauses (Art. 46(2)(c) GDPR)",
        ("dpf_scc", false) => {
            "EU-US Data Privacy Framework (Art. 45 DSGVO), sonst Standardvertragsklauseln"
        }
        ("dpf_scc", true) => {
            "EU-US Data Privacy Framework (Art. 45 GDPR), else standard contractual clauses"
        }
        ("none_eu", false) => "keine Übermittlung (EU/EWR-Region)",
        ("none_eu", true) => "no transfer (EU/EEA region)",
        ("to_assess", false) => "vom Betreiber zu prüfen",
        ("to_assess", true) => "to be assessed by the operator",
        ("as_configured", false) => "wie konfiguriert",
        ("as_configured", true) => "as configured",
        _ => "",
    }
}

fn yes(en: bool, b: bool) -> &'static str {
    match (b, en) {
        (true, false) => "ja",
        (true, true) => "yes",
        (false, false) => "nein",
        (false, true) => "no",
    }
}

/// The three annexes as Markdown, in German (`de`) or English (`en`).
pub fn annexes(lang: &str, f: &Facts) -> String {
    let en = lang == "en";
    let mut s = String::new();
    let mut line = |x: &str| {
        s.push_str(x);
        s.push('\n');
    };
    line(&format!(
        "# {} — {}\n",
        t(
            en,
            "Auftragsverarbeitung: Anlagen",
            "Data processing agreement: annexes"
        ),
        f.restaurant
    ));
    line(&format!(
        "{} {}. {} {} ({}).\n",
        t(en, "Erzeugt am", "Generated on"),
        f.generated_on,
        t(
            en,
            "Aus der laufenden Konfiguration von",
            "From the live configuration of"
        ),
        f.restaurant,
        if f.address.is_empty() {
            "—"
        } else {
            &f.address
        }
    ));

    // Anlage 1
    line(&format!(
        "## {}\n",
        t(
            en,
            "Anlage 1 — Auftragsdetails",
            "Annex 1 — Details of the processing"
        )
    ));
    line(&format!("### {}\n", t(en, "Leistungen", "Services")));
    line(&format!(
        "- {}",
        t(
            en,
            "HostSystem: Reservierungen, Tischverwaltung, Gästebuch und Team-Dashboard",
            "HostSystem: reservations, tables, guest book and the team's dashboard"
        )
    ));
    line(&format!(
        "- {}",
        t(
            en,
            "Buchungsseite für Gäste und Selbstverwaltungs-Link",
            "Booking page for guests and self-service link"
        )
    ));
    if !f.voice.is_empty() {
        line(&format!(
            "- {} ({})",
            t(
                en,
                "Telefon-Agent über Voice-AI-Plattform",
                "Phone agent through a voice AI platform"
            ),
            f.voice.join(", ")
        ));
    }
    if f.web_chat {
        line(&format!(
            "- {}",
            t(
                en,
                "Chat-Agent im Website-Widget, mit Posteingang für das Team",
                "Chat agent in the website widget, with the team's inbox"
            )
        ));
    }
    if let Some(route) = &f.whatsapp {
        line(&format!(
            "- {} ({route})",
            t(
                en,
                "WhatsApp: Bestätigungen, Erinnerungen und Chat-Agent",
                "WhatsApp: confirmations, reminders and the chat agent"
            )
        ));
    }
    line(&format!(
        "- {} ({})",
        t(
            en,
            "E-Mail-Bestätigungen und -Erinnerungen an Gäste",
            "Email confirmations and reminders to guests"
        ),
        f.mail
    ));
    line(&format!(
        "- {}",
        t(
            en,
            "Statistik, Datenschutz-Werkzeuge (Export, Anonymisierung, Löschung), Protokolle",
            "Statistics, privacy tools (export, anonymisation, deletion), logs"
        )
    ));
    line(&format!(
        "\n### {}\n",
        t(en, "Datenkategorien", "Categories of data")
    ));
    line(&format!(
        "- {}",
        t(
            en,
            "Stammdaten und Kontaktdaten der Gäste (Name, Anrede, Telefon, E-Mail, Sprache)",
            "Guests' identity and contact data (name, salutation, phone, email, language)"
        )
    ));
    line(&format!("- {}", t(en, "Reservierungsdaten (Datum, Uhrzeit, Personenzahl, Tisch, Code, Status, Kanal, Notizen)", "Reservation data (date, time, party size, table, code, status, channel, notes)")));
    line(&format!("- {}", t(en, "Besondere Kategorien (Art. 9 DSGVO) auf Wunsch des Gastes: Allergien, Ernährung, Barrierefreiheit — versiegelt gespeichert", "Special categories (Art. 9 GDPR) at the guest's wish: allergies, diets, accessibility — stored sealed")));
    line(&format!(
        "- {}",
        t(
            en,
            "Nachrichten an Gäste (E-Mail, WhatsApp) und Zustellstatus",
            "Messages to guests (email, WhatsApp) and delivery status"
        )
    ));
    if !f.voice.is_empty() {
        line(&format!(
            "- {}",
            t(
                en,
                "Anrufe: Rufnummer, Transkript, Zusammenfassung, Aufnahme-Link, Dauer, Ergebnis",
                "Calls: number, transcript, summary, recording link, duration, outcome"
            )
        ));
    }
    if f.web_chat || f.whatsapp.is_some() {
        line(&format!(
            "- {}",
            t(
                en,
                "Chats: Nachrichten, gesendete Dateien (Bilder, PDF), Ergebnis",
                "Chats: messages, files sent (images, PDF), outcome"
            )
        ));
    }
    line(&format!(
        "- {}",
        t(
            en,
            "Team: Name, E-Mail, Rolle, gehashtes Passwort, Sitzungen, Änderungsprotokoll",
            "Team: name, email, role, hashed password, sessions, audit log"
        )
    ));
    line(&format!(
        "\n### {}\n",
        t(en, "Betroffene Personen", "Data subjects")
    ));
    line(&format!(
        "- {}",
        t(en, "Gäste des Restaurants", "The restaurant's guests")
    ));
    if !f.voice.is_empty() {
        line(&format!(
            "- {}",
            t(
                en,
                "Anrufer, auch ohne Reservierung",
                "Callers, also without a reservation"
            )
        ));
    }
    if f.web_chat || f.whatsapp.is_some() {
        line(&format!(
            "- {}",
            t(
                en,
                "Personen, die über Website-Chat oder WhatsApp schreiben",
                "People who write through the website chat or WhatsApp"
            )
        ));
    }
    line(&format!(
        "- {}",
        t(
            en,
            "Mitarbeiter des Restaurants (Inhaber, Manager, Service)",
            "The restaurant's staff (owners, managers, service)"
        )
    ));
    line(&format!("\n### {}\n", t(en, "Zwecke", "Purposes")));
    line(&format!(
        "- {}",
        t(
            en,
            "Annahme, Änderung und Absage von Reservierungen",
            "Taking, changing and cancelling reservations"
        )
    ));
    line(&format!(
        "- {}",
        t(
            en,
            "Bestätigungen, Erinnerungen und Absagen an die Gäste",
            "Confirmations, reminders and cancellations to guests"
        )
    ));
    line(&format!(
        "- {}",
        t(
            en,
            "Übersicht für das Team, Statistik, Qualitätssicherung der Agenten",
            "The team's overview, statistics, quality of the agents"
        )
    ));

    // Anlage 2
    line(&format!(
        "\n## {}\n",
        t(
            en,
            "Anlage 2 — Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
            "Annex 2 — Technical and organisational measures (Art. 32 GDPR)"
        )
    ));
    line(&format!("- {}", t(en, "Mandantentrennung: PostgreSQL Row-Level Security auf jeder Tabelle mit Restaurantdaten, erzwungen auch für den Eigentümer der Tabellen; ein Test prüft den Katalog", "Tenant separation: PostgreSQL row-level security on every table with restaurant data, forced also for the tables' owner; a test checks the catalog")));
    line(&format!("- {}", t(en, "Verschlüsselung: besondere Hinweise, Anruf-Transkripte, Chats, Dateinamen und Zugangsschlüssel der Anbieter mit AES-256-GCM unter einem Datenschlüssel je Restaurant, der mit dem Hauptschlüssel umhüllt ist", "Encryption: special notes, call transcripts, chats, file names and providers' keys with AES-256-GCM under a data key per restaurant, wrapped with the master key")));
    line(&format!("- {}", t(en, "Passwörter mit Argon2id; Anmeldung mit Sperre nach Fehlversuchen; Sitzungen einzeln beendbar", "Passwords with Argon2id; sign-in locked after failed attempts; sessions can be ended one by one")));
    line(&format!(
        "- {}: {}",
        t(
            en,
            "Zwei-Faktor-Anmeldung (TOTP) für Inhaber verpflichtend",
            "Two-factor sign-in (TOTP) required for owners"
        ),
        yes(en, f.owner_2fa_required)
    ));
    line(&format!(
        "- {}: {}",
        t(
            en,
            "Transportverschlüsselung (HTTPS)",
            "Encryption in transit (HTTPS)"
        ),
        yes(en, f.public_url.starts_with("https://"))
    ));
    line(&format!("- {}", t(en, "Rollen je Restaurant (Inhaber, Manager, Service); Service sieht besondere Hinweise nur, wenn das Restaurant es erlaubt", "Roles per restaurant (owner, manager, staff); staff see special notes only when the restaurant allows it")));
    line(&format!("- {}", t(en, "Änderungsprotokoll jeder Zeile (wer, wann, welche Spalten, nie Werte), für die Anwendung nicht änderbar", "Audit log of every row (who, when, which columns, never values), not changeable by the application")));
    line(&format!(
        "- {}",
        t(
            en,
            "Grenzen für Anfragen, Größen und Längen; Webhooks mit Signaturprüfung",
            "Limits on requests, sizes and lengths; webhooks with signature checks"
        )
    ));
    if f.virus_scan {
        line(&format!("- {}", t(en, "Dateien der Gäste: nach Inhalt geprüft, Metadaten entfernt, auf Schadsoftware gescannt (clamd)", "Guests' files: checked by content, metadata removed, scanned for malware (clamd)")));
    } else {
        line(&format!(
            "- {}",
            t(
                en,
                "Dateien der Gäste: nach Inhalt geprüft, Metadaten entfernt",
                "Guests' files: checked by content, metadata removed"
            )
        ));
    }
    line(&format!(
        "\n### {}\n",
        t(
            en,
            "Speicherfristen (wie eingestellt)",
            "Retention periods (as configured)"
        )
    ));
    line(&format!(
        "| {} | {} |\n|---|---|",
        t(en, "Daten", "Data"),
        t(en, "Frist", "Period")
    ));
    let days = t(en, "Tage", "days");
    line(&format!(
        "| {} | {} {days} |",
        t(
            en,
            "Anrufe (Nummer, Transkript, Aufnahme-Link)",
            "Calls (number, transcript, recording link)"
        ),
        f.voice_retention_days
    ));
    line(&format!(
        "| {} | {} {days} |",
        t(en, "Chats (danach anonymisiert)", "Chats (then anonymised)"),
        f.chat_retention_days
    ));
    line(&format!(
        "| {} | {} {days} |",
        t(
            en,
            "Texte der Nachrichten an Gäste",
            "Texts of messages to guests"
        ),
        f.message_text_days
    ));
    line(&format!(
        "| {} | {} {days} |",
        t(en, "Webhook-Protokolle", "Webhook logs"),
        f.webhook_log_days
    ));
    line(&format!(
        "| {} | {} {} |",
        t(en, "Datenexport-Links", "Data export links"),
        f.export_link_hours,
        t(en, "Stunden", "hours")
    ));
    line(&format!(
        "| {} | {} {days} |",
        t(
            en,
            "Restaurantdaten nach Vertragsende",
            "Restaurant data after the contract ends"
        ),
        f.deletion_after_days
    ));
    line(&format!(
        "| {} | {} {days} |",
        t(
            en,
            "Sicherungen nach einer Löschung",
            "Backups after a deletion"
        ),
        f.backup_rollover_days
    ));
    line(&format!("\n{}", t(en, "Löschungen und Anonymisierungen werden je Kategorie protokolliert (ohne personenbezogene Daten); Gäste werden auf Wunsch exportiert, anonymisiert oder gelöscht.", "Deletions and anonymisations are logged per category (without personal data); guests are exported, anonymised or deleted on request.")));

    // Anlage 3
    line(&format!(
        "\n## {}\n",
        t(
            en,
            "Anlage 3 — Unterauftragsverarbeiter (für dieses Restaurant aktiv)",
            "Annex 3 — Sub-processors (enabled for this restaurant)"
        )
    ));
    let subs = sub_processors(f);
    if subs.is_empty() && f.registered.is_empty() {
        line(t(
            en,
            "Keine: alle Daten bleiben auf dem Server des Betreibers.",
            "None: all data stays on the operator's server.",
        ));
    } else {
        line(&format!(
            "| {} | {} | {} | {} |\n|---|---|---|---|",
            t(en, "Name", "Name"),
            t(en, "Leistung", "Service"),
            t(en, "Ort", "Location"),
            t(en, "Grundlage der Übermittlung", "Transfer basis")
        ));
        for p in &subs {
            let location = match p.location {
                "as_configured" => word(en, "as_configured"),
                other => other,
            };
            line(&format!(
                "| {} | {} | {} | {} |",
                p.name,
                word(en, p.service),
                location,
                word(en, p.basis)
            ));
        }
        for p in &f.registered {
            line(&format!(
                "| {} | {} | {} | {} |",
                p.name, p.service, p.location, p.basis
            ));
        }
    }
    line(&format!(
        "\n{} {}",
        t(en, "Betrieb und Speicherung:", "Operation and storage:"),
        t(
            en,
            "der Server des Betreibers dieser Installation (PostgreSQL und Dateien).",
            "the server of this installation's operator (PostgreSQL and files)."
        )
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            restaurant: "Trattoria".into(),
            mail: "platform".into(),
            platform_mail: "smtp".into(),
            voice_retention_days: 90,
            chat_retention_days: 90,
            ..Facts::default()
        }
    }

    #[test]
    fn only_what_is_configured_becomes_a_sub_processor() {
        let mut f = facts();
        assert!(sub_processors(&f).is_empty());
        f.whatsapp = Some("meta".into());
        f.mail = "resend".into();
        f.model_host = Some("api.openai.com".into());
        f.voice = vec!["retell".into()];
        let names: Vec<String> = sub_processors(&f).into_iter().map(|p| p.name).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("Meta")));
        assert!(names.iter().any(|n| n.starts_with("Resend")));
        assert!(names.iter().any(|n| n.starts_with("OpenAI")));
        assert!(names.iter().any(|n| n.starts_with("Retell")));
    }

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(
            host_of("https://api.openai.com/v1").as_deref(),
            Some("api.openai.com")
        );
        assert_eq!(
            host_of("http://user:pw@LOCALHOST:8080/x").as_deref(),
            Some("localhost")
        );
        assert_eq!(host_of("").as_deref(), None);
    }

    #[test]
    fn retention_as_configured_and_both_languages() {
        let mut f = facts();
        f.voice_retention_days = 14;
        let de = annexes("de", &f);
        assert!(de.contains("| 14 Tage |"), "{de}");
        assert!(de.contains("Anlage 3") && de.contains("Keine: alle Daten"));
        let en = annexes("en", &f);
        assert!(en.contains("Annex 2") && en.contains("| 14 days |"));
    }
}
