//! The operator's record of processing activities (Art. 30(2) GDPR), from the restaurants and
//! the sub-processor register.

use super::t;

/// What the operator's record of processing (Art. 30(2) GDPR) is made from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorRecord {
    /// The deployment's address.
    pub public_url: String,
    pub generated_on: String,
    /// The controllers (restaurants) processed for: (name, since, contract ended).
    pub controllers: Vec<(String, String, Option<String>)>,
    /// The sub-processors of the register: (name, service, location, transfer basis).
    pub sub_processors: Vec<(String, String, String, String)>,
}

/// The operator's record of processing activities carried out on behalf of the restaurants
/// (Art. 30(2) GDPR), as Markdown, German or English.
pub fn record_of_processing(lang: &str, r: &OperatorRecord) -> String {
    let en = lang == "en";
    let mut s = String::new();
    let mut line = |x: &str| {
        s.push_str(x);
        s.push('\n');
    };
    line(&format!(
        "# {}\n",
        t(en, "Verzeichnis der Verarbeitungstätigkeiten des Auftragsverarbeiters (Art. 30 Abs. 2 DSGVO)", "Record of processing activities of the processor (Art. 30(2) GDPR)")
    ));
    line(&format!(
        "{} {} · {}\n",
        t(en, "Erzeugt am", "Generated on"),
        r.generated_on,
        r.public_url
    ));
    line(&format!(
        "## {}\n",
        t(
            en,
            "a) Verantwortliche, für die verarbeitet wird",
            "(a) Controllers on whose behalf processing is carried out"
        )
    ));
    line(&format!(
        "| {} | {} | {} |\n|---|---|---|",
        t(en, "Restaurant", "Restaurant"),
        t(en, "seit", "since"),
        t(en, "Vertragsende", "contract ended")
    ));
    for (name, since, ended) in &r.controllers {
        line(&format!(
            "| {name} | {since} | {} |",
            ended.as_deref().unwrap_or("—")
        ));
    }
    line(&format!(
        "\n## {}\n",
        t(
            en,
            "b) Kategorien von Verarbeitungen",
            "(b) Categories of processing"
        )
    ));
    for item in [
        t(en, "Reservierungen annehmen, ändern, absagen (Team, Buchungsseite, API, Telefon- und Chat-Agent)", "Taking, changing and cancelling reservations (team, booking page, API, phone and chat agent)"),
        t(en, "Bestätigungen, Erinnerungen und Absagen an Gäste per E-Mail und WhatsApp", "Confirmations, reminders and cancellations to guests by email and WhatsApp"),
        t(en, "Anrufe und Chats protokollieren und auswerten", "Logging and analysing calls and chats"),
        t(en, "Gästebuch, Statistik, Datenschutz-Werkzeuge (Export, Anonymisierung, Löschung)", "Guest book, statistics, privacy tools (export, anonymisation, deletion)"),
        t(en, "Betrieb, Sicherung, Protokollierung und Sicherheit der Plattform", "Operation, backup, logging and security of the platform"),
    ] {
        line(&format!("- {item}"));
    }
    line(&format!(
        "\n## {}\n",
        t(
            en,
            "c) Übermittlungen an Drittländer",
            "(c) Transfers to third countries"
        )
    ));
    if r.sub_processors.is_empty() {
        line(t(en, "Keine.", "None."));
    } else {
        line(&format!(
            "| {} | {} | {} | {} |\n|---|---|---|---|",
            t(en, "Unterauftragsverarbeiter", "Sub-processor"),
            t(en, "Leistung", "Service"),
            t(en, "Ort", "Location"),
            t(en, "Garantien", "Safeguards")
        ));
        for (name, service, location, basis) in &r.sub_processors {
            line(&format!("| {name} | {service} | {location} | {basis} |"));
        }
        line(&format!("\n{}", t(en, "Welche davon ein Restaurant nutzt, hängt von seinen Einstellungen ab (seine Anlage 3).", "Which of them a restaurant uses depends on its settings (its annex 3).")));
    }
    line(&format!(
        "\n## {}\n",
        t(
            en,
            "d) Technische und organisatorische Maßnahmen (Art. 32 Abs. 1 DSGVO)",
            "(d) Technical and organisational measures (Art. 32(1) GDPR)"
        )
    ));
    for item in [
        t(en, "Mandantentrennung durch Row-Level Security in PostgreSQL", "Tenant separation by row-level security in PostgreSQL"),
        t(en, "AES-256-GCM für besondere Kategorien, Transkripte, Chats und Schlüssel; Argon2id für Passwörter; TOTP", "AES-256-GCM for special categories, transcripts, chats and keys; Argon2id for passwords; TOTP"),
        t(en, "Änderungsprotokoll, Löschprotokoll, Protokoll der Plattform-Verwaltung", "Audit log, deletion protocol, platform administration log"),
        t(en, "Speicherfristen je Kategorie, Löschung 30 Tage nach Vertragsende, Sicherungen rollierend 7 Tage", "Retention per category, deletion 30 days after the contract ends, backups rolling over in 7 days"),
        t(en, "Meldung von Datenschutzverletzungen an die Restaurants binnen 24 Stunden", "Breaches notified to the restaurants within 24 hours"),
    ] {
        line(&format!("- {item}"));
    }
    s
}
