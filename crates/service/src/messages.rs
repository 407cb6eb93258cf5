//! The emails HostSystem writes to people of the restaurant's team (not to guests), in German
//! and English: invites, password resets, the warning about guessed second-factor codes, and
//! the note that a guest waits for a person in the inbox.

use hs_channels::mail::Email;
use hs_domain::Role;

/// (key, German, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("invite_subject", "Einladung ins Team von {r}", "Invitation to the team of {r}"),
    ("invite_body", "Hallo,\n\nSie wurden eingeladen, dem Team von {r} in HostSystem beizutreten ({role}).\nÖffnen Sie diesen Link innerhalb von 7 Tagen:\n\n{link}\n\nWenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese E-Mail.", "Hello,\n\nYou have been invited to join the team of {r} on HostSystem ({role}).\nOpen this link within 7 days:\n\n{link}\n\nIf you did not expect this invitation, ignore this email."),
    ("reset_subject", "Passwort zurücksetzen", "Reset your password"),
    ("reset_body", "Hallo {name},\n\nmit diesem Link setzen Sie ein neues Passwort. Er gilt eine Stunde und nur einmal:\n\n{link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.", "Hello {name},\n\nUse this link to set a new password. It works once, for one hour:\n\n{link}\n\nIf you did not ask for this, ignore this email; your password stays as it is."),
    ("totp_locked_subject", "Sicherheitswarnung: wiederholt falsche Codes für Ihre Anmeldung", "Security warning: repeated wrong sign-in codes"),
    ("totp_locked_body", "Hallo {name},\n\nbei der Anmeldung in Ihr HostSystem-Konto wurde Ihr Passwort richtig eingegeben, danach aber wiederholt ein falscher Code des zweiten Faktors. Die Anmeldung ist deshalb vorübergehend gesperrt, und die Sperre wächst mit jedem weiteren Fehlversuch.\n\nWaren Sie das nicht, kennt jemand Ihr Passwort. Ändern Sie es jetzt unter {url}/account und melden Sie dort alle anderen Sitzungen ab.\n\nIhr HostSystem", "Hello {name},\n\nsomeone entered the correct password for your HostSystem account, then repeatedly a wrong second-factor code. Sign-in is locked for now, and the lock grows with every further wrong code.\n\nIf this was not you, someone knows your password. Change it now at {url}/account and sign out all other sessions there.\n\nYour HostSystem"),
    ("waiting_subject", "{r}: Ein Gast wartet auf eine Person aus dem Team", "{r}: a guest is waiting for a person from the team"),
    ("waiting_body", "Hallo {name},\n\nein Gast hat im {channel} von {r} nach einer Person aus dem Team gefragt und wartet seit {minutes} Minuten; noch niemand hat das Gespräch übernommen.\n\nGespräch öffnen und übernehmen:\n{link}\n\nDiese E-Mail stellen Sie auf der Seite Chat-Agent ab.\n\nIhr HostSystem", "Hello {name},\n\na guest asked for a person from the team of {r} in the {channel} and has been waiting for {minutes} minutes; nobody has taken the conversation yet.\n\nOpen and take the conversation:\n{link}\n\nYou can turn this email off on the chat agent page.\n\nYour HostSystem"),
    ("subprocessor_subject", "Neuer Unterauftragsverarbeiter ab {date}: {sp} (AVV § 9.3)", "New sub-processor from {date}: {sp} (DPA § 9.3)"),
    ("subprocessor_body", "Hallo {name},\n\nwir beabsichtigen, ab {date} einen weiteren Unterauftragsverarbeiter für {r} einzusetzen:\n\n{sp}\nLeistung: {service}\nOrt: {location}\nGrundlage der Übermittlung: {basis}\nAnlass: {reason}\n\nSie können bis zum {date} aus wichtigem Grund widersprechen, mit Begründung, unter:\n{link}\n\nOhne Widerspruch gilt die Genehmigung danach als erteilt (AVV § 9.3).\n\nIhr HostSystem", "Hello {name},\n\nwe intend to engage a further sub-processor for {r} from {date}:\n\n{sp}\nService: {service}\nLocation: {location}\nTransfer basis: {basis}\nReason: {reason}\n\nYou may object for good cause, with your reason, until {date} at:\n{link}\n\nWithout an objection the authorisation is deemed given after that (DPA § 9.3).\n\nYour HostSystem"),
    ("request_subject", "{r}: Anfrage einer betroffenen Person oder Behörde, fällig am {due}", "{r}: a request from a data subject or authority, due on {due}"),
    ("request_body", "Hallo {name},\n\nbei uns ist für {r} eine Anfrage eingegangen ({kind}), die wir an Sie als Verantwortlichen weiterleiten (AVV § 10.3). Die Antwort ist fällig am {due} (Art. 12 Abs. 3 DSGVO).\n\nWer gefragt hat und was, lesen Sie angemeldet unter:\n{link}\n\nIhr HostSystem", "Hello {name},\n\na request ({kind}) concerning {r} reached us, which we forward to you as the controller (DPA § 10.3). The answer is due on {due} (Art. 12(3) GDPR).\n\nWho asked and what, you read signed in at:\n{link}\n\nYour HostSystem"),
    ("incident_subject", "Meldung einer Datenschutzverletzung, {r} (AVV § 7.3)", "Notice of a personal data breach, {r} (DPA § 7.3)"),
    ("incident_body", "Hallo {name},\n\nwir müssen Ihnen eine Verletzung des Schutzes personenbezogener Daten melden, die {r} betrifft. Bekannt geworden am {learned} (UTC).\n\nAnsprechpartner: {contact}\n\nBeschreibung:\n{description}\n\nBetroffene Kategorien von Daten:\n{categories}\n\nUngefähre Zahl der betroffenen Personen: {subjects}\nUngefähre Zahl der betroffenen Datensätze: {records}\n\nWahrscheinliche Folgen:\n{consequences}\n\nErgriffene Maßnahmen:\n{taken}\n\nGeplante Maßnahmen:\n{planned}\n\nAls Verantwortlicher entscheiden Sie über die Meldung an die Aufsichtsbehörde (Art. 33 DSGVO, 72 Stunden) und an die Betroffenen (Art. 34 DSGVO); wir unterstützen Sie dabei.\n\nIhr HostSystem", "Hello {name},\n\nwe have to notify you of a personal data breach concerning {r}. We learned of it on {learned} (UTC).\n\nContact point: {contact}\n\nDescription:\n{description}\n\nCategories of data concerned:\n{categories}\n\nApproximate number of persons concerned: {subjects}\nApproximate number of records concerned: {records}\n\nLikely consequences:\n{consequences}\n\nMeasures taken:\n{taken}\n\nMeasures planned:\n{planned}\n\nAs the controller you decide on notifying the supervisory authority (Art. 33 GDPR, 72 hours) and the persons concerned (Art. 34 GDPR); we support you in this.\n\nYour HostSystem"),
    ("offboard_subject", "{r}: Vertrag beendet, Löschung am {date}", "{r}: contract ended, deletion on {date}"),
    ("offboard_body", "Hallo {name},\n\nder Vertrag für {r} bei HostSystem ist beendet. Bis zum {date} können Sie alle Daten des Restaurants herunterladen (ZIP mit jeder Tabelle als JSON und CSV, Beschreibung der Spalten, versiegelte Texte entschlüsselt); der Link funktioniert einmal, angemeldet als Inhaber:\n{link}\n\nEinen neuen Export erstellen Sie jederzeit unter {privacy}.\n\nAm {date} werden alle Daten von {r} endgültig gelöscht (Reservierungen, Gäste, Anrufe, Nachrichten, Chats, Dateien, Schlüssel). Sie erhalten danach eine Bestätigung in Textform. Sicherungen überschreiben sich innerhalb von 7 Tagen.\n\nIhr HostSystem", "Hello {name},\n\nthe contract for {r} with HostSystem has ended. Until {date} you can download all of the restaurant's data (a ZIP with every table as JSON and CSV, a description of the columns, sealed texts decrypted); the link works once, signed in as an owner:\n{link}\n\nYou can make a new export at any time at {privacy}.\n\nOn {date} all data of {r} is deleted for good (reservations, guests, calls, messages, chats, files, keys). You will then get a confirmation in text form. Backups roll over within 7 days.\n\nYour HostSystem"),
    ("offboard_reminder_subject", "{r}: Erinnerung, Löschung aller Daten am {date}", "{r}: reminder, all data deleted on {date}"),
    ("offboard_reminder_body", "Hallo {name},\n\nam {date} werden alle Daten von {r} endgültig gelöscht. Falls Sie sie noch nicht exportiert haben, erstellen Sie den Export unter {privacy}.\n\nIhr HostSystem", "Hello {name},\n\non {date} all data of {r} is deleted for good. If you have not exported it yet, make the export at {privacy}.\n\nYour HostSystem"),
    ("offboard_done_subject", "{r}: Bestätigung der Löschung", "{r}: confirmation of deletion"),
    ("offboard_done_body", "Hallo {name},\n\nhiermit bestätigen wir in Textform (DSGVO Art. 28 Abs. 3 lit. g, AVV § 11): Alle Daten von {r} wurden am {date} gelöscht, {rows} Zeilen und {files} Dateien. Es bleiben nur der Name des Restaurants, die Vertragsdaten und das Löschprotokoll. Sicherungen, die noch Daten enthalten, überschreiben sich spätestens am {backups}.\n\nIhr HostSystem", "Hello {name},\n\nwe hereby confirm in text form (GDPR Art. 28(3)(g), DPA § 11): all data of {r} was deleted on {date}, {rows} rows and {files} files. Only the restaurant's name, the contract dates and the deletion protocol remain. Backups that still hold data roll over by {backups} at the latest.\n\nYour HostSystem"),
];

fn text(lang: &str, key: &str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, de, en)| if lang == "en" { *en } else { *de })
        .unwrap_or("")
}

/// "de" unless "en".
pub fn language(lang: &str) -> &'static str {
    if lang == "en" {
        "en"
    } else {
        "de"
    }
}

fn role_name(role: Role, lang: &str) -> &'static str {
    match (role, lang) {
        (Role::Owner, "en") => "Owner",
        (Role::Owner, _) => "Inhaber",
        (Role::Manager, _) => "Manager",
        (Role::Staff, "en") => "Staff",
        (Role::Staff, _) => "Mitarbeiter",
    }
}

/// The invite to join a restaurant's team, with its link.
pub fn invite(lang: &str, to: &str, restaurant: &str, role: Role, link: &str) -> Email {
    let lang = language(lang);
    Email::plain(
        to,
        text(lang, "invite_subject").replace("{r}", restaurant),
        text(lang, "invite_body")
            .replace("{r}", restaurant)
            .replace("{role}", role_name(role, lang))
            .replace("{link}", link),
    )
}

/// A guest has waited `minutes` for a person in the inbox; the link opens the conversation.
/// No words of the guest: the team reads them behind its sign-in.
pub fn guest_waiting(
    lang: &str,
    to: &str,
    name: &str,
    restaurant: &str,
    channel: &str,
    minutes: i64,
    link: &str,
) -> Email {
    let lang = language(lang);
    let channel = match (channel, lang) {
        ("whatsapp", _) => "WhatsApp",
        ("web", "en") => "website chat",
        ("web", _) => "Website-Chat",
        (_, "en") => "chat",
        _ => "Chat",
    };
    Email::plain(
        to,
        text(lang, "waiting_subject").replace("{r}", restaurant),
        text(lang, "waiting_body")
            .replace("{name}", name)
            .replace("{r}", restaurant)
            .replace("{channel}", channel)
            .replace("{minutes}", &minutes.to_string())
            .replace("{link}", link),
    )
}

/// The password-reset link.
pub fn password_reset(lang: &str, to: &str, name: &str, link: &str) -> Email {
    let lang = language(lang);
    Email::plain(
        to,
        text(lang, "reset_subject"),
        text(lang, "reset_body")
            .replace("{name}", name)
            .replace("{link}", link),
    )
}

/// What a team's daily digest says (gathered by `crate::digest`).
#[derive(Clone, Debug)]
pub struct DigestFacts {
    pub date: chrono::NaiveDate,
    pub services: Vec<hs_domain::message::ServiceLoad>,
    pub pending: i64,
    pub no_shows_yesterday: Vec<(String, String, i32)>,
    pub handovers: i64,
}

/// The team's daily digest.
pub fn digest(
    lang: &str,
    to: &str,
    name: &str,
    restaurant: &str,
    f: &DigestFacts,
    base_url: &str,
) -> Email {
    let en = language(lang) == "en";
    let lang = if en { "en" } else { "de" };
    let mut body = if en {
        format!(
            "Hello {name},\n\nthis is {restaurant} on {}.\n\n",
            hs_domain::say::long_date(f.date, lang)
        )
    } else {
        format!(
            "Hallo {name},\n\nso sieht es bei {restaurant} am {} aus.\n\n",
            hs_domain::say::long_date(f.date, lang)
        )
    };
    body.push_str(if en { "Today\n" } else { "Heute\n" });
    let (mut total_r, mut total_c) = (0, 0);
    for s in &f.services {
        let label = if s.name.is_empty() {
            if en {
                "All day"
            } else {
                "Ganzer Tag"
            }
        } else {
            s.name.as_str()
        };
        total_r += s.reservations;
        total_c += s.covers;
        body.push_str(&if en {
            format!(
                "  {label}: {} reservations, {} covers\n",
                s.reservations, s.covers
            )
        } else {
            format!(
                "  {label}: {} Reservierungen, {} Gäste\n",
                s.reservations, s.covers
            )
        });
    }
    body.push_str(&if en {
        format!("  In all: {total_r} reservations, {total_c} covers\n\n")
    } else {
        format!("  Insgesamt: {total_r} Reservierungen, {total_c} Gäste\n\n")
    });
    body.push_str(&if en {
        format!("Waiting for your approval: {}\n", f.pending)
    } else {
        format!("Warten auf Ihre Bestätigung: {}\n", f.pending)
    });
    body.push_str(&if en {
        format!("Calls handed over to the team (24 h): {}\n", f.handovers)
    } else {
        format!("An das Team übergebene Anrufe (24 h): {}\n", f.handovers)
    });
    if f.no_shows_yesterday.is_empty() {
        body.push_str(if en {
            "No-shows yesterday: none\n"
        } else {
            "Nicht erschienen gestern: niemand\n"
        });
    } else {
        body.push_str(if en {
            "No-shows yesterday:\n"
        } else {
            "Nicht erschienen gestern:\n"
        });
        for (time, guest, party) in &f.no_shows_yesterday {
            body.push_str(&format!("  {time} {guest} ({party})\n"));
        }
    }
    body.push_str(&format!("\n{base_url}/?date={}\n", f.date));
    let subject = if en {
        format!(
            "{restaurant}: your day, {}",
            hs_domain::say::day(f.date, lang)
        )
    } else {
        format!(
            "{restaurant}: Ihr Tag, {}",
            hs_domain::say::day(f.date, lang)
        )
    };
    Email::plain(to, subject, body)
}

/// The warning that someone who knows the password keeps guessing second-factor codes.
pub fn totp_guessing(lang: &str, to: &str, name: &str, base_url: &str) -> Email {
    let lang = language(lang);
    Email::plain(
        to,
        text(lang, "totp_locked_subject"),
        text(lang, "totp_locked_body")
            .replace("{name}", name)
            .replace("{url}", base_url),
    )
}

/// The offboarding's mails to an owner: the notice with the export link, a reminder, or the
/// confirmation. `what` is `notice`, `reminder_7`, `reminder_1` or `done`; `facts` fills the
/// placeholders ({r}, {date}, {link}, {privacy}, {rows}, {files}, {backups}).
pub fn offboarding(
    lang: &str,
    to: &str,
    name: &str,
    what: &str,
    facts: &[(&str, String)],
) -> Email {
    let lang = language(lang);
    let (subject, body) = match what {
        "notice" => ("offboard_subject", "offboard_body"),
        "done" => ("offboard_done_subject", "offboard_done_body"),
        _ => ("offboard_reminder_subject", "offboard_reminder_body"),
    };
    let fill = |t: &str| {
        let mut t = t.replace("{name}", name);
        for (k, v) in facts {
            t = t.replace(&format!("{{{k}}}"), v);
        }
        t
    };
    Email::plain(to, fill(text(lang, subject)), fill(text(lang, body)))
}

/// The notice of a breach to a restaurant's owner, with the contents § 7.3 of the DPA requires.
pub fn incident_notice(
    lang: &str,
    to: &str,
    name: &str,
    restaurant: &str,
    i: &hs_store::registers::Incident,
) -> Email {
    let lang = language(lang);
    let fill = |t: &str| {
        t.replace("{name}", name)
            .replace("{r}", restaurant)
            .replace(
                "{learned}",
                &i.learned_at.format("%Y-%m-%d %H:%M").to_string(),
            )
            .replace("{contact}", &i.contact)
            .replace("{description}", &i.description)
            .replace("{categories}", &i.data_categories)
            .replace("{subjects}", &i.subjects_approx.to_string())
            .replace("{records}", &i.records_approx.to_string())
            .replace("{consequences}", &i.consequences)
            .replace("{taken}", &i.measures_taken)
            .replace("{planned}", &i.measures_planned)
    };
    Email::plain(
        to,
        fill(text(lang, "incident_subject")),
        fill(text(lang, "incident_body")),
    )
}

/// The announcement of a new sub-processor to a restaurant's owner (DPA § 9.3).
pub fn sub_processor_announcement(
    lang: &str,
    to: &str,
    name: &str,
    restaurant: &str,
    c: &hs_store::registers::Change,
    link: &str,
) -> Email {
    let lang = language(lang);
    let fill = |t: &str| {
        t.replace("{name}", name)
            .replace("{r}", restaurant)
            .replace("{date}", &c.effective_at.format("%Y-%m-%d").to_string())
            .replace("{sp}", &c.name)
            .replace("{service}", &c.service)
            .replace("{location}", &c.location)
            .replace("{basis}", &c.basis)
            .replace("{reason}", &c.reason)
            .replace("{link}", link)
    };
    Email::plain(
        to,
        fill(text(lang, "subprocessor_subject")),
        fill(text(lang, "subprocessor_body")),
    )
}

/// A request forwarded to a restaurant's owner: its kind and due date, no words of the person.
pub fn request_forwarded(
    lang: &str,
    to: &str,
    name: &str,
    restaurant: &str,
    kind: &str,
    due: &str,
    link: &str,
) -> Email {
    let lang = language(lang);
    let fill = |t: &str| {
        t.replace("{name}", name)
            .replace("{r}", restaurant)
            .replace("{kind}", kind)
            .replace("{due}", due)
            .replace("{link}", link)
    };
    Email::plain(
        to,
        fill(text(lang, "request_subject")),
        fill(text(lang, "request_body")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_fills_its_placeholders() {
        for (key, de, en) in TEXTS {
            assert!(!de.is_empty() && !en.is_empty() && de != en, "{key}");
        }
        let m = invite(
            "en",
            "a@b.de",
            "Trattoria",
            Role::Manager,
            "http://x/invite/1/t",
        );
        assert_eq!(m.subject, "Invitation to the team of Trattoria");
        assert!(m.body.contains("(Manager)") && m.body.contains("http://x/invite/1/t"));
        let m = password_reset("de", "a@b.de", "Anna", "http://x/reset/t");
        assert!(m.body.starts_with("Hallo Anna,") && m.body.contains("http://x/reset/t"));
        let m = totp_guessing("fr", "a@b.de", "Anna", "http://x");
        assert!(
            m.body.contains("http://x/account"),
            "German for any other language"
        );
        assert!(!m.body.contains('{'), "{}", m.body);
    }
}
