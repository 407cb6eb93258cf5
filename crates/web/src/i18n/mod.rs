//! The dashboard's texts in German and English. Templates call `t("key")`; a test checks that
//! every key a template uses exists in both languages. The table is in `texts.rs`; the lookup
//! and the checks are here.

mod texts;
use texts::TEXTS;

/// The texts by key, built on first use: a day view of 500 reservations asks for a few
/// thousand texts, each found by walking a table of about a thousand before (the list view
/// went from p50 25 to 23 ms at 475 reservations, `bench/dayview.sh`).
static BY_KEY: std::sync::LazyLock<std::collections::HashMap<&str, (&str, &str)>> =
    std::sync::LazyLock::new(|| TEXTS.iter().map(|(k, de, en)| (*k, (*de, *en))).collect());

/// Supported languages.
pub const LANGUAGES: [&str; 2] = ["de", "en"];

/// The text for a key in a language (German when the language is unknown); the key itself when
/// missing, so a gap is visible rather than blank.
pub fn text<'a>(lang: &str, key: &'a str) -> &'a str {
    match BY_KEY.get(key) {
        Some((de, en)) => {
            if lang == "en" {
                en
            } else {
                de
            }
        }
        None => key,
    }
}

/// Picks a language from an `Accept-Language` header: the first of de/en it names, else German.
pub fn from_accept_language(header: &str) -> &'static str {
    for part in header.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("en") {
            return "en";
        }
        if tag.starts_with("de") {
            return "de";
        }
    }
    "de"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_exists() {
        for (name, src) in crate::render::TEMPLATES {
            let mut rest = *src;
            while let Some(i) = rest.find("t(\"") {
                rest = &rest[i + 3..];
                let key = &rest[..rest.find('"').expect("closing quote")];
                // `t("role." ~ r.role)`: a prefix completed by a role name at run time.
                let keys: Vec<String> = if key == "role." {
                    hs_domain::Role::ALL
                        .iter()
                        .map(|r| format!("{key}{}", r.as_str()))
                        .collect()
                } else if key == "status." {
                    hs_domain::reservation::Status::ALL
                        .iter()
                        .map(|s| format!("{key}{}", s.as_str()))
                        .collect()
                } else if key == "channel." {
                    hs_domain::reservation::Channel::ALL
                        .iter()
                        .map(|c| format!("{key}{}", c.as_str()))
                        .collect()
                } else if key == "manage.status." {
                    hs_domain::reservation::Status::ALL
                        .iter()
                        .map(|s| format!("{key}{}", s.as_str()))
                        .collect()
                } else if key == "manage.done." {
                    vec![format!("{key}cancelled"), format!("{key}changed")]
                } else if key == "message." {
                    hs_domain::message::Kind::ALL
                        .iter()
                        .map(|k| format!("{key}{}", k.as_str()))
                        .collect()
                } else if key == "delivery." {
                    hs_domain::message::Delivery::ALL
                        .iter()
                        .map(|d| format!("{key}{}", d.as_str()))
                        .collect()
                } else if key == "settings.mail_transport." {
                    ["platform", "resend", "smtp"]
                        .iter()
                        .map(|k| format!("{key}{k}"))
                        .collect()
                } else if key == "settings.whatsapp_kind." {
                    hs_service::model::whatsapp::TEMPLATE_KINDS
                        .iter()
                        .map(|k| format!("{key}{k}"))
                        .collect()
                } else if key == "messages." {
                    vec![format!("{key}email"), format!("{key}whatsapp")]
                } else if key == "intent." {
                    hs_domain::chat::Intent::ALL
                        .iter()
                        .map(|i| format!("{key}{}", i.name()))
                        .collect()
                } else if key == "weekday." {
                    (0..7).map(|d| format!("{key}{d}")).collect()
                } else if key == "inbox.status." {
                    hs_service::model::inbox::STATUSES
                        .iter()
                        .map(|s| format!("{key}{s}"))
                        .collect()
                } else if key == "inbox.channel." {
                    hs_service::model::inbox::CHANNELS
                        .iter()
                        .map(|c| format!("{key}{c}"))
                        .collect()
                } else if key == "inbox.role." {
                    ["guest", "agent", "team"]
                        .iter()
                        .map(|r| format!("{key}{r}"))
                        .collect()
                } else if key == "inbox.note." {
                    [
                        "date", "time", "party", "name", "phone", "email", "code", "special",
                    ]
                    .iter()
                    .map(|n| format!("{key}{n}"))
                    .collect()
                } else if key == "outcome." {
                    hs_service::model::voice::Outcome::ALL
                        .iter()
                        .map(|o| format!("{key}{}", o.as_str()))
                        .chain([format!("{key}open")])
                        .collect()
                } else if key == "stats.kpi." {
                    [
                        "reservations",
                        "covers",
                        "occupancy",
                        "no_show_rate",
                        "cancellation_rate",
                        "calls",
                        "chats",
                        "new_guests",
                        "returning_guests",
                    ]
                    .iter()
                    .map(|k| format!("{key}{k}"))
                    .collect()
                } else if key == "stats." {
                    ["by_channel", "by_party", "by_lead"]
                        .iter()
                        .map(|k| format!("{key}{k}"))
                        .collect()
                } else if key == "request.kind." {
                    hs_service::registers::REQUEST_KINDS
                        .iter()
                        .map(|k| format!("{key}{k}"))
                        .collect()
                } else if key == "protocol." {
                    hs_service::privacy::SHREDDERS
                        .iter()
                        .flat_map(|s| [s.category(), s.deleted_category()])
                        .chain([
                            "subject_exported",
                            "restaurant_exported",
                            "restaurant_deleted",
                        ])
                        .map(|c| format!("{key}{c}"))
                        .collect()
                } else if key == "privacy.cat." {
                    hs_service::privacy::SHREDDERS
                        .iter()
                        .map(|s| format!("{key}{}", hs_service::privacy::data_name(*s)))
                        .collect()
                } else if key == "privacy.kind." {
                    ["person", "restaurant"]
                        .iter()
                        .map(|c| format!("{key}{c}"))
                        .collect()
                } else if key == "privacy.status." {
                    ["queued", "ready", "downloaded", "expired", "failed"]
                        .iter()
                        .map(|c| format!("{key}{c}"))
                        .collect()
                } else if key == "privacy.reason." {
                    [
                        "retention",
                        "erasure",
                        "anonymise",
                        "delete",
                        "export",
                        "offboarding",
                    ]
                    .iter()
                    .map(|c| format!("{key}{c}"))
                    .collect()
                } else if key == "action." {
                    ["confirm", "seat", "complete", "no-show", "cancel"]
                        .iter()
                        .map(|a| format!("{key}{a}"))
                        .collect()
                } else {
                    vec![key.to_string()]
                };
                for key in keys {
                    assert!(
                        TEXTS.iter().any(|(k, _, _)| *k == key),
                        "{name} uses missing key {key}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, de, en) in TEXTS {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!de.is_empty() && !en.is_empty(), "{k} empty");
        }
    }

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(from_accept_language("en-GB,en;q=0.9,de;q=0.8"), "en");
        assert_eq!(from_accept_language("fr-FR, de-DE;q=0.7"), "de");
        assert_eq!(from_accept_language("fr"), "de");
        assert_eq!(text("en", "nav.team"), "Team");
        assert_eq!(text("de", "login.title"), "Anmelden");
    }
}
