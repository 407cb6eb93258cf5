//! The facts of a message, at two fixed clocks: Tuesday 24 November 2026 (dinner only) and
//! Thursday 3 December 2026 (lunch and dinner).

use super::*;
use crate::chat::{asked_name, bare_name, two_requests};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("time")
}

mod november {
    use super::*;
    use crate::chat::{intents, Intent};

    /// Tuesday 24 November 2026; open from 17:30 to 22:00.
    fn hear_(text: &str) -> Heard {
        let open = |x: NaiveTime| {
            x >= t("11:30") && x <= t("22:00") && !(x > t("14:00") && x < t("17:30"))
        };
        hear(text, d("2026-11-24"), &open)
    }

    #[test]
    fn children_said_besides_the_party_come_on_top_unless_counted_in_it() {
        for (text, party) in [
            ("Samstag 18 Uhr zu zweit mit Kind", 3),
            ("2 Erwachsene mit einem Baby am Sonntag", 3),
            ("table for 2 with a baby on friday", 3),
            ("Tisch für 4 mit zwei Kindern", 6),
            ("4 Personen und 2 Kinder", 6),
            ("for 2 adults and 1 kid", 3),
            ("Tisch für 2 und ein Baby", 3),
            // Counted in the people, or how many is not said.
            ("4 Personen mit 2 Kindern", 4),
            ("4 Personen, davon 2 Kinder", 4),
            ("4 people including 2 kids", 4),
            ("3 Erwachsene und 2 Kinder", 5),
            ("table for 3 with kids", 3),
            ("Table for 2 adults and a toddler on Sunday at 12:30", 3),
            ("zu zweit mit Kinderstuhl", 2),
        ] {
            assert_eq!(hear_(text).party, Some(party), "{text}");
        }
    }

    #[test]
    fn a_typo_in_the_word_for_people_still_gives_the_party() {
        for text in [
            "Donnerstg 19 Uhr 3 Persnen",
            "table for 4 peple friday 8pm",
            "2 Peronen",
        ] {
            assert!(hear_(text).party.is_some(), "{text}");
        }
        assert_eq!(hear_("Donnerstg 19 Uhr 3 Persnen").party, Some(3));
    }

    #[test]
    fn a_party_typed_without_a_space_and_a_code_typed_when_asked() {
        for (text, party) in [
            ("fr 19h 2p", 2),
            ("2ppl sat 730pm", 2),
            ("4pax Samstag", 4),
            ("3pers morgen", 3),
        ] {
            assert_eq!(hear_(text).party, Some(party), "{text}");
        }
        assert_eq!(hear_("2ppl sat 730pm").time, Some(t("19:30")));
        assert_eq!(
            crate::chat::code_like("it's K7PQ2M").as_deref(),
            Some("K7PQ2M")
        );
        assert_eq!(crate::chat::code_like("um 730pm"), None);
        assert_eq!(crate::chat::code_like("Smith"), None);
    }

    #[test]
    fn two_requests_in_one_message_are_split_and_a_range_or_an_addition_is_not() {
        let open = |x: NaiveTime| x >= t("17:30") && x <= t("22:00");
        let today = d("2026-11-24");
        assert_eq!(
            two_requests(
                "Freitag 19 Uhr für 2 und Samstag 20 Uhr für 4",
                today,
                &open
            ),
            Some(("Freitag 19 Uhr für 2".into(), "Samstag 20 Uhr für 4".into()))
        );
        assert!(two_requests("Friday 7pm for 2 and Saturday 8pm for 4?", today, &open).is_some());
        for one in [
            "Habt ihr Samstag zwischen 19 und 20 Uhr was frei für 5?",
            "Freitag 19 Uhr für 2 und 2 Kinder",
            "Samstag um 19 Uhr und wir sind 4",
            "Freitag 19 Uhr für 4 und zwar auf den Namen Müller",
        ] {
            assert_eq!(two_requests(one, today, &open), None, "{one}");
        }
    }

    #[test]
    fn a_day_before_the_month_keeps_the_number_after_it_a_time() {
        let h = hear_("am 12 dezember 19 uhr für 6");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-12-12")), Some(t("19:00")), Some(6))
        );
    }

    #[test]
    fn dialect_numbers_a_dozen_and_the_first_of_the_month() {
        let h = hear_("Grüß Gott, hätted Sie am Samstag um halb siebe no an Tisch für zwoi?");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-11-28")), Some(t("18:30")), Some(2))
        );
        let h = hear_("Servus, gibts am Freitag um achte no an Platz für vier Leit?");
        assert_eq!((h.time, h.party), (Some(t("20:00")), Some(4)));
        assert_eq!(
            hear_("Wir sind ein Dutzend Leute, Samstag 18 Uhr").party,
            Some(12)
        );
        assert_eq!(hear_("half a dozen of us on friday").party, Some(6));
        assert_eq!(
            hear_("Am Ersten um 19 Uhr für 2?").date,
            Some(d("2026-12-01"))
        );
        assert_eq!(
            hear_("Wir kommen zum ersten Mal, Freitag 19 Uhr").date,
            Some(d("2026-11-27"))
        );
        assert_eq!(
            hear_("Do you have a table right now for 2?").date,
            Some(d("2026-11-24"))
        );
        assert_eq!(
            hear_("Habt ihr jetzt gleich einen Tisch für 2 frei?").date,
            Some(d("2026-11-24"))
        );
    }

    #[test]
    fn days_ahead_a_british_week_and_o_clock() {
        assert_eq!(
            hear_("In drei Tagen um 19 Uhr für 2").date,
            Some(d("2026-11-27"))
        );
        assert_eq!(hear_("in 2 days at 8pm").date, Some(d("2026-11-26")));
        assert_eq!(
            hear_("Sunday week, 1pm, 4 people").date,
            Some(d("2026-12-06"))
        );
        assert_eq!(hear_("next Sunday, 1pm").date, Some(d("2026-11-29")));
        let h = hear_("Friday, 8 o'clock, 2 people");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-11-27")), Some(t("20:00")), Some(2))
        );
        assert_eq!(
            hear_("Saturday any time after 8 for 2").time,
            Some(t("20:00"))
        );
    }

    #[test]
    fn before_a_time_and_shortly_before_or_after_it() {
        assert_eq!(hear_("Friday before 7pm for 3").time, Some(t("18:30")));
        assert_eq!(hear_("Freitag vor 19 Uhr für 2").time, Some(t("18:30")));
        assert_eq!(hear_("Freitag um viertel vor acht").time, Some(t("19:45")));
        assert_eq!(
            hear_("Samstag so kurz vor acht für 2").time,
            Some(t("19:45"))
        );
        assert_eq!(
            hear_("Samstag kurz nach sieben für 2").time,
            Some(t("19:15"))
        );
    }

    #[test]
    fn someone_joining_is_one_more() {
        for text in [
            "Es kommt noch jemand dazu",
            "oh and my sister is coming too",
            "one more person please",
        ] {
            assert_eq!(hear_(text).party_change, Some(1), "{text}");
        }
        assert_eq!(
            hear_("Wir sind 4, meine Schwester kommt noch dazu").party,
            Some(4)
        );
    }

    #[test]
    fn a_party_said_with_maybe_another_is_not_settled() {
        for text in [
            "Wir sind wahrscheinlich 5, vielleicht 6",
            "we are 4 maybe 5",
            "für 3 eventuell 4 Personen",
        ] {
            assert_eq!(hear_(text).party, None, "{text}");
        }
    }

    #[test]
    fn a_day_number_after_the_month_is_the_day_not_the_party() {
        for text in [
            "Hi, table for 2 on December 5th at 7pm please",
            "table for 2 on December 5 at 7pm",
            "table for 2 on the 5th of December at 7pm",
            "Tisch für 2 am 5. Dezember um 19 Uhr",
        ] {
            let h = hear_(text);
            assert_eq!(
                (h.date, h.party),
                (Some(d("2026-12-05")), Some(2)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_whole_request_in_one_german_sentence() {
        let h = hear_("Hallo, habt ihr Freitag um halb acht einen Tisch für vier Personen?");
        assert_eq!(h.date, Some(d("2026-11-27")));
        assert_eq!(h.time, Some(t("19:30")));
        assert_eq!(h.party, Some(4));
    }

    #[test]
    fn english_with_a_typo_and_numbers_in_words() {
        let h = hear_("hi, could we get a table for six on Firday at 8pm?");
        assert_eq!(h.date, Some(d("2026-11-27")), "{h:?}");
        assert_eq!(h.time, Some(t("20:00")));
        assert_eq!(h.party, Some(6));
    }

    #[test]
    fn contact_details_and_names() {
        let h = hear_("Mein Name ist Anna Müller, Telefon 0761 234 5678, anna.mueller@example.com");
        assert_eq!(h.name.as_deref(), Some("Anna Müller"));
        assert_eq!(h.phone.as_deref(), Some("0761 234 5678"));
        assert_eq!(h.email.as_deref(), Some("anna.mueller@example.com"));
        assert_eq!(h.time, None, "digits of a phone number are no time");
        assert_eq!(h.party, None);
        assert_eq!(bare_name("Müller, Anna"), Some("Anna Müller".into()));
        assert_eq!(bare_name("Anna Müller"), Some("Anna Müller".into()));
        assert_eq!(bare_name("ja gerne"), None);
        assert_eq!(asked_name("paul becker"), Some("Paul Becker".into()));
        assert_eq!(
            hear_("Hallo, ich bin Erika Mustermann").name.as_deref(),
            Some("Erika Mustermann")
        );
        assert_eq!(hear_("ich bin allergisch gegen Nüsse").name, None);
        assert_eq!(asked_name("ja"), None);
        assert_eq!(
            hear_("Ich heiße Sophie Müller und möchte für Freitag 19:30 einen Tisch").time,
            Some(t("19:30"))
        );
    }

    #[test]
    fn corrections_and_short_answers() {
        assert_eq!(hear_("nein, doch 8 Uhr").time, Some(t("20:00")));
        assert_eq!(hear_("actually make it six of us").party, Some(6));
        assert_eq!(hear_("zu viert").party, Some(4));
        assert_eq!(hear_("Samstag, 19:00, 4 Pers.").party, Some(4));
        // "einen Tisch" is no party of one.
        assert_eq!(
            hear_("Dann hätte ich gern einen Tisch für Samstag 19 Uhr, 3 Personen").party,
            Some(3)
        );
        assert_eq!(hear_("einen Tisch für Samstag").party, None);
        assert_eq!(hear_("hmm what about 9 instead?").time, Some(t("21:00")));
        assert_eq!(hear_("can we do 7 instead?").time, Some(t("19:00")));
        assert_eq!(hear_("Geht auch lieber 20?").time, Some(t("20:00")));
        assert_eq!(hear_("stattdessen 8 Personen").time, None);
        // Parties said without a word for people.
        assert_eq!(hear_("Can I book 2 at 7 on Thursday?").party, Some(2));
        assert_eq!(hear_("Samstag 4 um 8").party, Some(4));
        assert_eq!(
            hear_("table for me and 3 friends on friday at 9").party,
            Some(4)
        );
        assert_eq!(
            hear_("Ich und meine Frau möchten am Freitag um 20 Uhr essen").party,
            Some(2)
        );
        assert_eq!(hear_("me and my friends on friday").party, None);
        assert_eq!(
            hear_("Date: 27/11\nTime: 19:30\nGuests: 3\nName: Helen Ward").party,
            Some(3)
        );
        assert_eq!(
            hear_("Datum: 28.11.\nUhrzeit: 18:00\nPersonen: 5").party,
            Some(5)
        );
        // Quarters without "at" or "um" before them.
        assert_eq!(
            hear_("table for 3 thursday quarter past eight").time,
            Some(t("20:15"))
        );
        assert_eq!(
            hear_("Freitag dreiviertel acht für 2").time,
            Some(t("19:45"))
        );
        assert_eq!(
            hear_("for two people this Friday at seven thirty").time,
            Some(t("19:30"))
        );
        assert_eq!(hear_("at seven forty-five please").time, Some(t("19:45")));
        // "zwei mehr" changes the party said before; it is no party of two.
        let h = hear_("Ach, wir sind doch zwei mehr");
        assert_eq!((h.party, h.party_change), (None, Some(2)));
        assert_eq!(hear_("Habt ihr offen? Wir wären 4").party, Some(4));
        assert_eq!(
            hear_("Kann ich morgen um 19 Uhr alleine kommen?").party,
            Some(1)
        );
        assert_eq!(hear_("just me tonight").party, Some(1));
        // "fr" before a party is "für", not Friday.
        let h = hear_("Tisch fr 4 pers");
        assert_eq!((h.party, h.date), (Some(4), None));
        // An hour and minutes written apart, but not a phone number written in pairs.
        assert_eq!(hear_("Tisch für 2 Samstag 19 30").time, Some(t("19:30")));
        assert_eq!(hear_("Tel 0761 19 30 45").time, None);
        assert_eq!(
            hear_("can i book for saturday 6 30pm 2 people").time,
            Some(t("18:30"))
        );
        assert_eq!(
            hear_("can i book for saturday 6 30pm 2 people").party,
            Some(2)
        );
        assert_eq!(
            hear_("habt ihr heut noch nen Tisch für 2 um 9?").date,
            Some(d("2026-11-24"))
        );
        // An email after a name is no part of it.
        assert_eq!(
            hear_("Table for 2 on Saturday at 7pm, I'm Laura Chen, laura.chen@example.com, 07700 900555").name.as_deref(),
            Some("Laura Chen")
        );
        assert_eq!(hear_("morgen").date, Some(d("2026-11-25")));
        assert_eq!(hear_("am 28.11.").date, Some(d("2026-11-28")));
    }

    #[test]
    fn a_name_after_a_lead_in_and_with_umlauts() {
        assert_eq!(
            asked_name("it's Peter Parker").as_deref(),
            Some("Peter Parker")
        );
        assert_eq!(
            asked_name("Ich bin Anna Müller").as_deref(),
            Some("Anna Müller")
        );
        assert_eq!(asked_name("Anna Müller").as_deref(), Some("Anna Müller"));
        assert_eq!(asked_name("Ü").as_deref(), Some("Ü"));
        assert_eq!(
            asked_name("Auf den Namen Schulz bitte").as_deref(),
            Some("Schulz")
        );
        assert_eq!(
            asked_name("Anna and Tom Baker").as_deref(),
            Some("Anna and Tom Baker")
        );
        assert_eq!(
            asked_name("Firma Müller GmbH, Ansprechpartner Frank Müller").as_deref(),
            Some("Frank Müller")
        );
        assert_eq!(
            asked_name("Müller, Anna").as_deref(),
            Some("Anna Müller"),
            "surname first stays one name"
        );
        assert_eq!(asked_name("Nein, 20 Uhr"), None);
        assert_eq!(
            asked_name("Lena 🌸 Hoffmann").as_deref(),
            Some("Lena Hoffmann")
        );
        assert_eq!(asked_name("👍"), None);
        assert_eq!(
            hear_("sorry, typo: Fred Weasley").name.as_deref(),
            Some("Fred Weasley")
        );
        assert_eq!(hear_("I mean Friday").name, None);
        assert_eq!(hear_("ich meine Freitag um 8").name, None);
        for (text, name) in [
            (
                "Hi, I'm Sarah Connor, can I book a table for 2 on Saturday at 7pm?",
                "Sarah Connor",
            ),
            (
                "this is Ludwig van Beethoven calling about a table",
                "Ludwig van Beethoven",
            ),
            (
                "Hallo, ich bin Anna Weber und möchte reservieren",
                "Anna Weber",
            ),
        ] {
            assert_eq!(hear_(text).name.as_deref(), Some(name), "{text}");
        }
    }

    #[test]
    fn weeks_ahead_settle_todays_weekday() {
        // The suite's today is Tuesday, 24 November.
        let h = hear_("In zwei Wochen am Dienstag um 19 Uhr, 2 Personen");
        assert_eq!((h.date, h.weekday_conflict), (Some(d("2026-12-08")), None));
        // A surname one letter from "morgen" is flagged as read through a typo.
        assert!(hear_("Morgan").typo_read);
        assert!(!hear_("morgen").typo_read);
    }

    #[test]
    fn the_part_of_the_day_said() {
        assert_eq!(
            hear_("Samstagabend, 4 Personen").part_of_day,
            Some("evening")
        );
        assert_eq!(hear_("Sunday lunch for 3").part_of_day, Some("midday"));
        assert_eq!(hear_("Sonntag 4 Personen").part_of_day, None);
    }

    #[test]
    fn a_name_before_hier_and_no_name_in_a_thank_you() {
        assert_eq!(
            hear_("Guten Tag, Dr. Klein hier. Ich bräuchte einen Tisch für 4 Personen am Samstag um 19:30.").name.as_deref(),
            Some("Klein")
        );
        assert_eq!(
            hear_("Anna Weber hier, habt ihr Samstag Platz?")
                .name
                .as_deref(),
            Some("Anna Weber")
        );
        assert_eq!(hear_("Guten Tag hier ist alles gut").name, None);
        assert_eq!(hear_("Ist Parken hier möglich?").name, None);
        assert_eq!(hear_("Kann man Hunde hier mitbringen?").name, None);
        assert_eq!(asked_name("Ja, danke"), None);
        assert_eq!(asked_name("actually plus one"), None);
        assert_eq!(asked_name("doch zwei"), None);
        assert_eq!(
            hear_("Sorry, it's Smith, not Smyth").name.as_deref(),
            Some("Smith")
        );
        assert_eq!(hear_("it's Friday we want").name, None);
        assert_eq!(asked_name("great, Mills").as_deref(), Some("Mills"));
        assert_eq!(asked_name("ok, danke"), None);
        assert_eq!(asked_name("Super, dann buchen Sie bitte"), None);
        assert_eq!(asked_name("Zoe Park").as_deref(), Some("Zoe Park"));
        // "so 18 Uhr" is around six, "So 18 Uhr" Sunday.
        let h = hear_("Geht auch früher, so 18 Uhr?");
        assert_eq!((h.date, h.time), (None, Some(t("18:00"))));
        assert_eq!(hear_("So 18 Uhr 4 Pers").date, Some(d("2026-11-29")));
        // "do" the English verb is no Thursday; "Do 19 Uhr" and "do 19 uhr" are.
        assert_eq!(
            hear_("Could you do 2 at 8 on Saturday?").date,
            Some(d("2026-11-28"))
        );
        assert_eq!(hear_("Do 19 Uhr 3 Pers").date, Some(d("2026-11-26")));
        assert_eq!(hear_("tisch do 19 uhr").date, Some(d("2026-11-26")));
        // Shifts from the time said before, and a week from a weekday.
        assert_eq!(hear_("Lieber eine Stunde später").time_shift, Some(60));
        assert_eq!(
            hear_("can we make it half an hour earlier?").time_shift,
            Some(-30)
        );
        assert_eq!(
            hear_("table for 2 a week from saturday at 7").date,
            Some(d("2026-12-05"))
        );
        assert_eq!(
            hear_("hallo tisch samstag 19 uhr 4 personen name ernst telefon 0151 2728292")
                .name
                .as_deref(),
            Some("Ernst")
        );
        // A party not yet settled is asked for.
        assert_eq!(hear_("table for 2 or 3 people on friday at 8").party, None);
        assert_eq!(hear_("Tisch für 3 bis 4 Personen").party, None);
        assert_eq!(
            hear_("Tisch für 2 am Freitag, 19 oder 20 Uhr").party,
            Some(2)
        );
        assert_eq!(hear_("a Tischle für zwoi um halb acht").party, Some(2));
        assert_eq!(
            hear_("Samstag 19 Uhr 2 Personen auf Müller, Tel 0176 9517538")
                .name
                .as_deref(),
            Some("Müller")
        );
        assert_eq!(hear_("Können wir auf Deutsch schreiben?").name, None);
        assert_eq!(hear_("Danke und auf Wiedersehen").name, None);
        assert_eq!(hear_("Tisch auf der Terrasse am Samstag").name, None);
        assert_eq!(hear_("Ich freue mich auf Ihre Rückmeldung").name, None);
        assert_eq!(hear_("Wir warten auf Antwort").name, None);
        assert_eq!(hear_("actually plus one").party_change, Some(1));
        assert_eq!(asked_name("Herr Baumann").as_deref(), Some("Baumann"));
        assert_eq!(asked_name("Dr. Anna Klein").as_deref(), Some("Anna Klein"));
        assert_eq!(asked_name("Yes, thanks"), None);
    }

    #[test]
    fn a_name_in_the_last_sentence_and_no_name_made_of_sentence_words() {
        assert_eq!(
            asked_name("Das wäre toll. Auf Lorenz bitte.").as_deref(),
            Some("Lorenz")
        );
        assert_eq!(
            asked_name("Sounds great! Under Wright please").as_deref(),
            Some("Wright")
        );
        // What is left of "Meine Nummer ist 0175 …" once the number is taken out.
        assert_eq!(asked_name("Meine Nummer ist"), None);
        assert_eq!(asked_name("my number is"), None);
        assert_eq!(asked_name("Meine Nummer Ist"), None);
        assert_eq!(
            asked_name("Tom und Anna Baker").as_deref(),
            Some("Tom und Anna Baker")
        );
    }

    #[test]
    fn codes_and_special_category_words() {
        let h = hear_("Ich möchte meine Reservierung X7KM4P stornieren");
        assert_eq!(h.code.as_deref(), Some("X7KM4P"));
        assert_eq!(
            hear_("Code: QWERTY? nein, CVWFHP").code.as_deref(),
            Some("CVWFHP"),
            "codes without digits, in capitals"
        );
        assert_eq!(
            hear_("meine nummer ist x7km4p").code.as_deref(),
            Some("X7KM4P")
        );
        assert_eq!(hear_("Ich komme gerne").code, None);
        assert_eq!(
            intents("Ich möchte meine Reservierung X7KM4P stornieren")[0],
            Intent::Cancel
        );
        let h = hear_("Wir sind zu zweit. Meine Frau hat eine Nussallergie!");
        assert_eq!(h.party, Some(2));
        assert_eq!(
            h.special.as_deref(),
            Some("Meine Frau hat eine Nussallergie")
        );
    }
}

mod december {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a guest types (any characters, digits and the words the parsers look for
        /// mixed in), reading it never panics and gives values in range.
        #[test]
        fn any_message_is_read_without_panic(
            s in "(Fr\\.|am|den|the|11th|12\\.|Uhr|um|19|7h30|1930|halb|eine Person mehr|one less|Samstag|tmrw|zwei Wochen|Name:|Tel\\.:|und|and|ein Dutzend|2ppl|kurz vor|before|instead|vielleicht|mit Kind|zwischen|in 3 Tagen|week|o'clock|after|am Ersten|İ|ẞ|[ -~äöüßÄÖÜ€🙂]{0,8}| ){0,40}"
        ) {
            let h = hear_(&s);
            let open = |x: NaiveTime| x >= t("12:00") && x <= t("23:00");
            let _ = crate::chat::two_requests(&s, d("2026-12-03"), &open);
            let _ = crate::chat::code_like(&s);
            let _ = crate::chat::foreign(&s);
            let _ = crate::chat::special::wish_note(&s);
            prop_assert!(h.party.is_none_or(|p| (1..=100).contains(&p)));
            prop_assert!(h.note.as_ref().is_none_or(|n| n.chars().count() <= crate::chat::NOTE_MAX));
            let _ = bare_name(&s);
            let _ = asked_name(&s);
            prop_assert_eq!(normalise(&normalise(&s)), normalise(&s));
        }
    }

    /// Thursday 3 December 2026; open 12:00–15:00 and 17:00–23:00.
    fn hear_(text: &str) -> Heard {
        let open = |x: NaiveTime| {
            x >= t("12:00") && x <= t("23:00") && !(x > t("15:00") && x < t("17:00"))
        };
        hear(text, d("2026-12-03"), &open)
    }

    #[test]
    fn short_forms_and_times_written_as_in_europe() {
        let h = hear_("Samstag 19h 2 Pers");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-12-05")), Some(t("19:00")), Some(2))
        );
        let h = hear_("hey can i get a table for 2 tmrw at 8");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-12-04")), Some(t("20:00")), Some(2))
        );
        let h = hear_("Reservierung Fr. 20.00 Uhr 2 Pers. Name: Kurt Lenz Tel. 0761-787878");
        assert_eq!(h.date, Some(d("2026-12-04")));
        assert_eq!(h.name.as_deref(), Some("Kurt Lenz"));
        assert_eq!(hear_("Sat 8pm for 4").date, Some(d("2026-12-05")));
        assert_eq!(
            hear_("So ein Mist, Freitag geht doch").date,
            Some(d("2026-12-04")),
            "\"So\" before a word is no Sunday"
        );
        assert_eq!(
            hear_("Sonntag zwölf Uhr dreißig für zwei").time,
            Some(t("12:30"))
        );
        assert_eq!(hear_("Freitag 19 Uhr 30, zu zweit").time, Some(t("19:30")));
        let h = hear_("Freitag 20 Uhr 2 Personen");
        assert_eq!(
            (h.time, h.party),
            (Some(t("20:00")), Some(2)),
            "minutes are no party"
        );
    }

    #[test]
    fn people_are_not_today_and_groups_add_up() {
        assert_eq!(hear_("morgen mittag 13 uhr 2 leute").party, Some(2));
        assert_eq!(
            hear_("Tisch für 3 Erwachsene und 2 Kinder am Sonntag um 12 Uhr").party,
            Some(5)
        );
        assert_eq!(hear_("4 Personen, davon 2 Kinder").party, Some(4));
        assert_eq!(hear_("2 adults and 3 kids on friday at 6pm").party, Some(5));
        assert_eq!(
            hear_("Could I book for December 12th at 6:30pm? We'd be 5.").party,
            Some(5)
        );
        assert_eq!(hear_("could it be 8 instead?").party, None);
    }

    #[test]
    fn a_written_date_wins_over_the_weekday_and_days_have_names() {
        let h = hear_("Gibt es am Freitag den 11.12. noch was für 2 um 20 Uhr?");
        assert_eq!(h.date, Some(d("2026-12-11")));
        assert_eq!(
            hear_("Silvester um 20 Uhr für 6 Personen").date,
            Some(d("2026-12-31"))
        );
        assert_eq!(
            hear_("Habt ihr am ersten Weihnachtsfeiertag offen? Tisch für 4 um 12 Uhr").date,
            Some(d("2026-12-25"))
        );
        assert_eq!(hear_("Do you have a Christmas menu?").date, None);
        let h = hear_("Saturday 11 December at 7pm for 2");
        assert_eq!(h.weekday_conflict, Some([d("2026-12-11"), d("2026-12-12")]));
        assert_eq!(hear_("Friday 11 December at 7pm").weekday_conflict, None);
        assert_eq!(weekday_in("lieber am Samstag"), Some(chrono::Weekday::Sat));
        assert_eq!(
            hear_("nächste Woche Freitag 19 Uhr 2 Personen").date,
            Some(d("2026-12-11"))
        );
        assert_eq!(hear_("Friday next week at 7pm").date, Some(d("2026-12-11")));
        assert_eq!(hear_("Guten Morgen").date, None);
        assert_eq!(
            hear_("Can I book a table for Friday the 11th at 7?").date,
            Some(d("2026-12-11")),
            "the day of the month wins over the weekday"
        );
        assert_eq!(
            hear_("table for 3 on the 12th at 8pm").date,
            Some(d("2026-12-12"))
        );
        let h = hear_("Tisch am 12. um 19 Uhr für 2");
        assert_eq!((h.date, h.party), (Some(d("2026-12-12")), Some(2)));
        assert_eq!(hear_("am 2. um 19 Uhr").date, Some(d("2027-01-02")));
        assert_eq!(
            hear_("Samstag in zwei Wochen um 19 Uhr für 2").date,
            Some(d("2026-12-19"))
        );
        let h = hear_("wir sind doch eine Person mehr");
        assert_eq!((h.party, h.party_change), (None, Some(1)));
        assert_eq!(hear_("one less, sorry").party_change, Some(-1));
        assert_eq!(hear_("one more thing: parking?").party_change, None);
        let h = hear_("Samstag 1930 2 Personen");
        assert_eq!((h.time, h.party), (Some(t("19:30")), Some(2)));
        assert_eq!(hear_("Samstag um viertel 8 für 2").time, Some(t("19:15")));
        assert_eq!(hear_("saturday around 7ish for 2").time, Some(t("19:00")));
        assert_eq!(hear_("morgen früh um 9 für 2").time, Some(t("09:00")));
        assert_eq!(
            hear_("Good morning! Table at 8 tonight").time,
            Some(t("20:00"))
        );
        assert_eq!(hear_("saturday 7 p.m. for 2").time, Some(t("19:00")));
        assert_eq!(hear_("Freitagabend um 8 für 3").date, Some(d("2026-12-04")));
        assert_eq!(hear_("table sat").date, Some(d("2026-12-05")));
        assert_eq!(
            hear_("Hello, could we get a table on the 5th of December at 19:00 for six?").date,
            Some(d("2026-12-05"))
        );
        assert_eq!(
            hear_("Am fünften Dezember um 19 Uhr für 2").date,
            Some(d("2026-12-05"))
        );
        assert_eq!(
            hear_("Hi, this is Rachel Green. I'd like a table for 3 on Saturday at 7.")
                .name
                .as_deref(),
            Some("Rachel Green")
        );
        assert_eq!(bare_name("Ja, bitte buchen"), None);
        assert_eq!(
            hear_("Samstag, 19:00 Uhr, 2 Personen, Name: Paula Pohl, Tel.: 0761/1000020")
                .name
                .as_deref(),
            Some("Paula Pohl")
        );
        let h = hear_("Any chance of a table this evening at 8 for 2?");
        assert_eq!((h.date, h.time), (Some(d("2026-12-03")), Some(t("20:00"))));
        assert_eq!(
            hear_("Wir kommen am Samstag mit 3 Leuten um 19 Uhr").party,
            Some(3)
        );
        assert_eq!(
            hear_("table for me and my friend on saturday at 7pm").party,
            Some(2)
        );
    }

    #[test]
    fn names_and_codes_after_their_cue_words() {
        assert_eq!(
            hear_("Auf den Namen Schulz bitte").name.as_deref(),
            Some("Schulz")
        );
        let h = hear_("Book a table for 2 on Friday at 20:00, name Alice Wong, phone 0761 6565656");
        assert_eq!(h.name.as_deref(), Some("Alice Wong"));
        let h = hear_("I need to cancel my booking, code ABC123, name John Smith");
        assert_eq!(
            h.code.as_deref(),
            Some("ABC123"),
            "a code that is none of ours is kept"
        );
        assert_eq!(h.name.as_deref(), Some("John Smith"));
        assert_eq!(hear_("my phone number is 0761 123456").code, None);
    }

    #[test]
    fn dates_written_the_iso_way_or_with_a_short_month_are_no_phone_numbers() {
        let h = hear_("Table for 2 on 2026-12-12 at 19:30 please");
        assert_eq!((h.date, h.phone.as_deref()), (Some(d("2026-12-12")), None));
        assert_eq!(hear_("Reservierung 12/12/2026 um 19 Uhr").phone, None);
        assert_eq!(
            hear_("Tisch am 12 Dez um 18 Uhr für 3").date,
            Some(d("2026-12-12"))
        );
        assert_eq!(
            hear_("Dec 12th, 8pm, party of 6").date,
            Some(d("2026-12-12"))
        );
        assert_eq!(hear_("am 3. Jan. um 19 Uhr").date, Some(d("2027-01-03")));
        assert_eq!(
            hear_("June 5th next year, 4 people at 7").date,
            Some(d("2027-06-05"))
        );
        // "Jan" alone is a name.
        let h = hear_("Tisch für Jan und mich am Freitag");
        assert_eq!(h.date, Some(d("2026-12-04")));
        // A phone number with dashes stays one.
        assert_eq!(
            hear_("Tel 0761-123-4567").phone.as_deref(),
            Some("0761-123-4567")
        );
    }

    #[test]
    fn a_phone_number_said_digit_by_digit_is_read() {
        let h = hear_("meine nummer ist null sieben sechs eins eins zwei drei vier fünf sechs");
        assert_eq!(h.phone.as_deref(), Some("0761123456"));
        let h =
            hear_("my number is plus four nine one five one two three four five six seven eight");
        assert_eq!(h.phone.as_deref(), Some("+491512345678"));
        // A few number words are no phone number.
        let h = hear_("wir sind zwei oder drei Leute");
        assert_eq!(h.phone, None);
        assert_eq!(normalise("null sieben sechs eins eins zwei"), "076112");
    }

    #[test]
    fn todays_weekday_is_asked_about_and_a_date_beside_it_settles_it() {
        // Thursday 3 December: this Thursday or next?
        let h = hear_("Donnerstag 19 Uhr für 2");
        assert_eq!(h.date, None);
        assert_eq!(h.weekday_conflict, Some([d("2026-12-03"), d("2026-12-10")]));
        assert_eq!(h.time, Some(t("19:00")));
        // "Donnerstag morgen" on a Thursday is no Friday.
        assert_ne!(hear_("Donnerstag morgen um 9").date, Some(d("2026-12-04")));
        let h = hear_("Donnerstag, den 10.12. um 19 Uhr");
        assert_eq!((h.date, h.weekday_conflict), (Some(d("2026-12-10")), None));
        assert_eq!(hear_("nächsten Donnerstag").date, Some(d("2026-12-10")));
    }

    #[test]
    fn names_after_german_leads_in_letters_and_without_titles() {
        let h = hear_("Nein, der Name ist Schmidt mit dt");
        assert_eq!(h.name.as_deref(), Some("Schmidt"));
        let h = hear_(
            "Sehr geehrte Damen und Herren, einen Tisch für sechs am 13.12. um 18:30 Uhr.\n\nMit freundlichen Grüßen\nDr. Hans-Peter Müller\nTel. 0761 7778899",
        );
        assert_eq!(h.name.as_deref(), Some("Hans-Peter Müller"));
        assert_eq!(h.phone.as_deref(), Some("0761 7778899"));
        assert_eq!(hear_("Liebe Grüße, Anna").name.as_deref(), Some("Anna"));
        assert_eq!(hear_("Cheers! See you at 8").name, None);
        let h = hear_("mein name ist jürgen maier meine nummer ist 0761 123456");
        assert_eq!(h.name.as_deref(), Some("Jürgen Maier"));
        assert_eq!(asked_name("den nächsten"), None);
        assert_eq!(
            asked_name("anna von berg").as_deref(),
            Some("Anna von Berg")
        );
    }

    #[test]
    fn times_with_a_dot_and_evening_hours_in_words() {
        let h = hear_("hi 4 pers sa 19.30?");
        assert_eq!(
            (h.date, h.time, h.party),
            (Some(d("2026-12-05")), Some(t("19:30")), Some(4))
        );
        // A day and month with a dot stay a date.
        assert_eq!(hear_("am 19.12 um 20 Uhr").date, Some(d("2026-12-19")));
        let h = hear_("Könnten wir um neunzehn Uhr dreißig am Samstag kommen? Wir sind vier.");
        assert_eq!((h.time, h.party), (Some(t("19:30")), Some(4)));
        assert_eq!(
            hear_("Under Johnson please").name.as_deref(),
            Some("Johnson")
        );
        assert_eq!(asked_name("auf Lehmann").as_deref(), Some("Lehmann"));
    }
}
