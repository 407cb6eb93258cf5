//! The emails HostSystem writes to people of the restaurant's team (not to guests), in German
//! and English: invites, password resets, and the warning about guessed second-factor codes.

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
