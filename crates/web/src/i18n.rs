//! The dashboard's texts in German and English. Templates call `t("key")`; a test checks that
//! every key a template uses exists here in both languages.

/// (key, German, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("app.name", "HostSystem", "HostSystem"),
    ("nav.home", "Übersicht", "Overview"),
    ("nav.team", "Team", "Team"),
    ("nav.account", "Konto", "Account"),
    ("nav.logout", "Abmelden", "Log out"),
    ("nav.switch", "Restaurant wechseln", "Switch restaurant"),
    ("nav.language", "English", "Deutsch"),
    ("messages.title", "Nachrichten an den Gast", "Messages to the guest"),
    ("guests.whatsapp_on", "zugestimmt", "agreed"),
    ("guests.whatsapp_off", "keine Zustimmung", "not agreed"),
    ("guests.inbound", "Nachrichten vom Gast (WhatsApp)", "Messages from the guest (WhatsApp)"),
    ("new.whatsapp_opt_in", "Der Gast möchte Bestätigung und Erinnerung auch per WhatsApp", "The guest wants confirmation and reminder on WhatsApp too"),
    ("manage.whatsapp", "WhatsApp", "WhatsApp"),
    ("manage.whatsapp_on", "Sie erhalten Nachrichten zu Ihrer Reservierung auch per WhatsApp.", "You also receive messages about your reservation on WhatsApp."),
    ("manage.whatsapp_off", "Sie erhalten keine WhatsApp-Nachrichten von uns.", "You receive no WhatsApp messages from us."),
    ("manage.whatsapp_opt_in", "WhatsApp-Nachrichten erhalten", "Receive WhatsApp messages"),
    ("manage.whatsapp_opt_out", "Keine WhatsApp-Nachrichten mehr", "No more WhatsApp messages"),
    ("messages.again", "Erneut senden", "Send again"),
    ("day.message_failed", "Nachricht fehlgeschlagen", "Message failed"),
    ("messages.when", "Erstellt", "Created"),
    ("messages.kind", "Art", "Kind"),
    ("messages.channel", "Kanal", "Channel"),
    ("messages.status", "Status", "Status"),
    ("messages.email", "E-Mail", "Email"),
    ("messages.whatsapp", "WhatsApp", "WhatsApp"),
    ("message.confirmation", "Bestätigung", "Confirmation"),
    ("message.pending", "Anfrage erhalten", "Request received"),
    ("message.approved", "Angenommen", "Approved"),
    ("message.declined", "Abgelehnt", "Declined"),
    ("message.changed", "Geändert", "Changed"),
    ("message.cancelled", "Storniert", "Cancelled"),
    ("message.reminder", "Erinnerung", "Reminder"),
    ("message.transcript", "Chatverlauf", "Chat transcript"),
    ("message.digest", "Tagesübersicht", "Daily digest"),
    ("message.test", "Test", "Test"),
    ("message.reply", "Antwort des Chat-Agenten", "Chat agent's answer"),
    ("delivery.queued", "wartet", "queued"),
    ("delivery.sent", "gesendet", "sent"),
    ("delivery.delivered", "zugestellt", "delivered"),
    ("delivery.read", "gelesen", "read"),
    ("delivery.bounced", "unzustellbar", "bounced"),
    ("delivery.failed", "fehlgeschlagen", "failed"),
    ("delivery.skipped", "nicht gesendet", "not sent"),
    ("book.title", "Tisch reservieren", "Book a table"),
    ("book.unknown", "Diese Buchungsseite gibt es nicht.", "There is no such booking page."),
    ("book.name", "Ihr Name", "Your name"),
    ("book.phone", "Telefon", "Phone"),
    ("book.email", "E-Mail", "Email"),
    ("book.contact_help", "Telefon oder E-Mail genügt; dorthin schicken wir die Bestätigung.", "A phone number or an email address is enough; the confirmation goes there."),
    ("book.notes", "Anmerkungen (optional)", "Notes (optional)"),
    ("book.notes_example", "z. B. Kinderstuhl, Geburtstag, Terrasse", "e.g. high chair, birthday, terrace"),
    ("book.special", "Allergien, Unverträglichkeiten, Barrierefreiheit (optional)", "Allergies, intolerances, accessibility (optional)"),
    ("book.special_help", "Angaben zu Ihrer Gesundheit stehen nur hier: Sie werden verschlüsselt gespeichert und nur dem Team gezeigt, das sie für Ihren Besuch braucht. Bitte nur, was für Ihren Besuch nötig ist.", "Health details go here only: they are stored encrypted and shown only to the staff who need them for your visit. Please give only what your visit needs."),
    ("book.whatsapp", "Bestätigung und Erinnerung auch per WhatsApp erhalten", "Also receive the confirmation and reminder on WhatsApp"),
    ("book.privacy", "{n} speichert Ihre Angaben, um Ihre Reservierung zu bearbeiten.", "{n} stores your details to handle your reservation."),
    ("book.privacy_link", "Datenschutzhinweise", "Privacy notice"),
    ("book.submit", "Verbindlich reservieren", "Book now"),
    ("book.done", "Ihr Tisch ist reserviert.", "Your table is booked."),
    ("book.done_pending", "Ihre Anfrage ist eingegangen: das Restaurant bestätigt in Kürze.", "Your request has arrived: the restaurant will confirm shortly."),
    ("book.done_message", "Sie erhalten eine Bestätigung mit einem Link, über den Sie die Reservierung ändern oder stornieren können.", "You will receive a confirmation with a link to change or cancel the reservation."),
    ("book.other_days", "Zu dieser Uhrzeit frei an:", "Free at that time on:"),
    ("book.error.date", "Bitte ein Datum wählen.", "Please choose a date."),
    ("book.error.party", "Bitte die Personenzahl angeben (1 bis 100).", "Please give the number of guests (1 to 100)."),
    ("book.error.time", "Bitte eine der freien Uhrzeiten wählen.", "Please choose one of the free times."),
    ("book.error.name", "Bitte Ihren Namen angeben (bis 200 Zeichen).", "Please give your name (up to 200 characters)."),
    ("book.error.phone", "Bitte eine gültige Telefonnummer angeben – oder eine E-Mail-Adresse.", "Please give a valid phone number – or an email address."),
    ("book.error.email", "Bitte eine gültige E-Mail-Adresse angeben.", "Please give a valid email address."),
    ("book.error.notes", "Die Anmerkungen sind zu lang (bis 2.000 Zeichen).", "The notes are too long (up to 2,000 characters)."),
    ("book.error.special_notes", "Die Angaben sind zu lang (bis 2.000 Zeichen).", "These details are too long (up to 2,000 characters)."),
    ("book.error.key", "Das Formular ist unvollständig oder wurde verändert. Bitte laden Sie die Seite neu.", "The form is incomplete or was changed. Please load the page again."),
    ("book.error.other", "Bitte prüfen Sie Ihre Angaben.", "Please check your details."),
    ("book.why.party_too_small", "Bitte mindestens eine Person angeben.", "Please book for at least one person."),
    ("book.why.party_too_large", "Für so viele Personen reservieren wir online nicht. Rufen Sie uns bitte an.", "We do not book parties this large online. Please call us."),
    ("book.why.date_in_past", "Dieser Tag liegt in der Vergangenheit.", "That day is in the past."),
    ("book.why.beyond_horizon", "So weit im Voraus nehmen wir noch keine Reservierungen an.", "We do not take bookings that far ahead yet."),
    ("book.why.closed", "An diesem Tag haben wir geschlossen.", "We are closed on that day."),
    ("book.why.not_bookable_time", "Zu dieser Uhrzeit nehmen wir keine Reservierungen an.", "We do not take bookings at that time."),
    ("book.why.too_soon", "Diese Uhrzeit ist zu kurzfristig für eine Online-Reservierung. Rufen Sie uns gern an.", "That time is too soon to book online. Please call us."),
    ("book.why.slot_unavailable", "An diesem Tag ist für diese Personenzahl nichts mehr frei.", "Nothing is free on that day for this party size."),
    ("book.why.tables_unavailable", "Diese Uhrzeit ist gerade vergeben worden. Bitte wählen Sie eine andere.", "That time has just been taken. Please choose another."),
    ("book.why.tables_too_small", "Für diese Personenzahl ist nichts mehr frei.", "Nothing is free for this party size."),
    ("book.why.not_found", "Diese Uhrzeit ist nicht mehr frei.", "That time is no longer free."),
    ("manage.title", "Ihre Reservierung", "Your reservation"),
    ("manage.hello", "Guten Tag", "Hello"),
    ("manage.when", "Wann", "When"),
    ("manage.party", "Personen", "Guests"),
    ("manage.code", "Buchungscode", "Booking code"),
    ("manage.where", "Wo", "Where"),
    ("manage.status", "Status", "Status"),
    ("manage.status.pending", "Angefragt: das Restaurant bestätigt in Kürze", "Requested: the restaurant will confirm shortly"),
    ("manage.status.confirmed", "Bestätigt", "Confirmed"),
    ("manage.status.cancelled", "Storniert", "Cancelled"),
    ("manage.status.seated", "Sie sind da", "You are here"),
    ("manage.status.completed", "Abgeschlossen", "Completed"),
    ("manage.status.no_show", "Nicht erschienen", "No-show"),
    ("manage.done.cancelled", "Ihre Reservierung ist storniert. Sie erhalten eine Bestätigung per E-Mail.", "Your reservation is cancelled. You will receive a confirmation by email."),
    ("manage.done.changed", "Ihre Reservierung ist geändert. Sie erhalten eine Bestätigung per E-Mail.", "Your reservation has been changed. You will receive a confirmation by email."),
    ("manage.change", "Reservierung ändern", "Change reservation"),
    ("manage.date", "Datum", "Date"),
    ("manage.time", "Uhrzeit", "Time"),
    ("manage.show_times", "Freie Zeiten zeigen", "Show free times"),
    ("manage.free_times", "Freie Zeiten an diesem Tag", "Free times on this day"),
    ("manage.no_times", "An diesem Tag ist für diese Personenzahl nichts mehr frei.", "Nothing is free on this day for this party size."),
    ("manage.save", "Änderung speichern", "Save change"),
    ("manage.alternatives", "Stattdessen frei", "Free instead"),
    ("manage.cancel", "Reservierung stornieren", "Cancel reservation"),
    ("manage.cancel_confirm", "Ja, stornieren", "Yes, cancel"),
    ("manage.calendar", "In den Kalender (.ics)", "Add to calendar (.ics)"),
    ("manage.cutoff", "Ändern und stornieren können Sie hier bis {h} Stunden vor Ihrem Besuch. Danach rufen Sie uns bitte an:", "You can change or cancel here until {h} hours before your visit. After that, please call us:"),
    ("manage.closed", "Diese Reservierung kann hier nicht mehr geändert werden. Rufen Sie uns bitte an:", "This reservation can no longer be changed here. Please call us:"),
    ("manage.invalid.title", "Dieser Link gilt nicht mehr", "This link is no longer valid"),
    ("manage.invalid.text", "Der Link ist falsch oder abgelaufen (er gilt bis zum Ende Ihres Besuchs).", "The link is wrong or has expired (it works until the end of your visit)."),
    ("manage.invalid.call", "Rufen Sie uns gern an:", "Please call us:"),
    ("login.title", "Anmelden", "Sign in"),
    ("login.email", "E-Mail", "Email"),
    ("login.password", "Passwort", "Password"),
    ("login.submit", "Anmelden", "Sign in"),
    ("login.failed", "E-Mail oder Passwort ist falsch.", "Email or password is wrong."),
    ("login.locked", "Zu viele Versuche. Bitte in {s} Sekunden erneut versuchen.", "Too many attempts. Please try again in {s} seconds."),
    ("login.forgot", "Passwort vergessen?", "Forgot your password?"),
    ("2fa.title", "Bestätigungscode", "Verification code"),
    ("2fa.help", "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein oder einen Wiederherstellungscode.", "Enter the 6-digit code from your authenticator app, or a recovery code."),
    ("2fa.code", "Code", "Code"),
    ("2fa.submit", "Bestätigen", "Verify"),
    ("2fa.wrong", "Der Code ist falsch oder wurde schon verwendet.", "The code is wrong or was already used."),
    ("home.title", "Übersicht", "Overview"),
    ("home.role", "Ihre Rolle", "Your role"),
    ("home.no_restaurant", "Sie gehören noch zu keinem Restaurant. Bitten Sie einen Inhaber um eine Einladung.", "You do not belong to a restaurant yet. Ask an owner for an invitation."),
    ("home.next", "Reservierungen, Gäste und Anrufe erscheinen hier, sobald diese Module eingerichtet sind.", "Reservations, guests and calls appear here once those modules are set up."),
    ("day.prev", "Vorheriger Tag", "Previous day"),
    ("day.next", "Nächster Tag", "Next day"),
    ("day.today", "Heute", "Today"),
    ("day.go", "Anzeigen", "Show"),
    ("day.date", "Datum", "Date"),
    ("day.covers", "Gäste", "covers"),
    ("day.reservations", "Reservierungen", "reservations"),
    ("day.seats", "Plätze", "seats"),
    ("day.layout", "Ansicht", "Layout"),
    ("day.periods", "Service", "Service"),
    ("day.all", "Ganzer Tag", "All day"),
    ("day.list", "Liste", "List"),
    ("day.timeline", "Tischplan", "Timeline"),
    ("day.new", "Reservierung", "Reservation"),
    ("day.walk_in", "Laufkundschaft setzen", "Seat walk-in"),
    ("day.party", "Personen", "Party"),
    ("day.table", "Tisch", "Table"),
    ("day.time", "Zeit", "Time"),
    ("day.guest", "Gast", "Guest"),
    ("day.status", "Status", "Status"),
    ("day.channel", "Kanal", "Channel"),
    ("day.notes", "Notizen", "Notes"),
    ("day.special", "Hinweis", "Note"),
    ("day.special_hidden", "Besondere Hinweise (nur für Berechtigte sichtbar)", "Special notes (visible to authorised roles)"),
    ("day.empty", "Für diesen Tag gibt es keine Reservierungen.", "No reservations for this day."),
    ("day.closed", "An diesem Tag ist geschlossen.", "The restaurant is closed this day."),
    ("status.pending", "offen", "pending"),
    ("status.confirmed", "bestätigt", "confirmed"),
    ("status.seated", "am Tisch", "seated"),
    ("status.completed", "beendet", "completed"),
    ("status.cancelled", "storniert", "cancelled"),
    ("status.no_show", "nicht erschienen", "no-show"),
    ("channel.phone_ai", "Telefon (KI)", "Phone (AI)"),
    ("channel.chat", "Chat", "Chat"),
    ("channel.whatsapp", "WhatsApp", "WhatsApp"),
    ("channel.email", "E-Mail", "Email"),
    ("channel.dashboard", "Team", "Team"),
    ("channel.walk_in", "Laufkundschaft", "Walk-in"),
    ("channel.api", "API", "API"),
    ("channel.online", "Online-Formular", "Online form"),
    ("action.confirm", "Bestätigen", "Confirm"),
    ("action.seat", "Setzen", "Seat"),
    ("action.complete", "Beenden", "Complete"),
    ("action.no-show", "Nicht erschienen", "No-show"),
    ("action.cancel", "Stornieren", "Cancel"),
    ("cancel.title", "Reservierung stornieren?", "Cancel this reservation?"),
    ("cancel.text", "Der Tisch wird wieder frei. Das lässt sich nicht rückgängig machen.", "The table becomes free again. This cannot be undone."),
    ("cancel.confirm", "Ja, stornieren", "Yes, cancel"),
    ("cancel.back", "Zurück", "Back"),
    ("new.title", "Neue Reservierung", "New reservation"),
    ("move.title", "Verschieben oder ändern", "Move or change"),
    ("nav.settings", "Einstellungen", "Settings"),
    ("nav.guests", "Gäste", "Guests"),
    ("guests.title", "Gästebuch", "Guest book"),
    ("guests.search", "Name, Telefon oder E-Mail", "Name, phone or email"),
    ("guests.find", "Suchen", "Search"),
    ("guests.none", "Keine Gäste gefunden.", "No guests found."),
    ("guests.visits", "Besuche", "Visits"),
    ("guests.no_shows", "Nicht erschienen", "No-shows"),
    ("guests.edit", "Profil bearbeiten", "Edit profile"),
    ("guests.tags", "Merkmale (durch Komma getrennt)", "Tags (comma separated)"),
    ("guests.history", "Besuche und Reservierungen", "Visits and reservations"),
    ("guests.no_history", "Noch keine Reservierungen.", "No reservations yet."),
    ("settings.title", "Einstellungen", "Settings"),
    ("settings.saved", "Gespeichert.", "Saved."),
    ("settings.restaurant", "Restaurant und Buchungsregeln", "Restaurant and booking rules"),
    ("settings.street", "Straße", "Street"),
    ("settings.postcode", "PLZ", "Postcode"),
    ("settings.city", "Ort", "City"),
    ("settings.country", "Land (ISO)", "Country (ISO)"),
    ("settings.website", "Webseite", "Website"),
    ("settings.time_zone", "Zeitzone", "Time zone"),
    ("settings.slot", "Zeitraster (Minuten)", "Slot interval (minutes)"),
    ("settings.lead", "Vorlauf (Minuten)", "Lead time (minutes)"),
    ("settings.horizon", "Buchbar im Voraus (Tage)", "Bookable ahead (days)"),
    ("settings.pacing", "Höchstens Gäste je Intervall (leer: keine Grenze)", "Max covers per interval (empty: no limit)"),
    ("settings.approval", "Gruppen über … Personen brauchen Bestätigung", "Parties above … need approval"),
    ("settings.staff_special", "Mitarbeiter dürfen besondere Hinweise (Allergien usw.) lesen", "Staff may read special notes (allergies etc.)"),
    ("settings.periods", "Öffnungszeiten", "Service periods"),
    ("settings.weekday", "Wochentag", "Weekday"),
    ("settings.opens", "Beginn", "Opens"),
    ("settings.last_seating", "Letzte Platzierung", "Last seating"),
    ("settings.closes", "Ende", "Closes"),
    ("settings.new_period", "neue Zeit", "new period"),
    ("settings.confirm_closed", "Ohne Servicezeiten ist das Restaurant an jedem Tag geschlossen: niemand kann mehr buchen, auch nicht über die Agenten. Wirklich alle Servicezeiten entfernen?", "Without service periods the restaurant is closed every day: nobody can book any more, the agents included. Really remove every service period?"),
    ("settings.confirm_closed_button", "Ja, alle Servicezeiten entfernen", "Yes, remove every service period"),
    ("settings.periods_help", "Ein leerer Name entfernt die Zeile. Ein Ende vor dem Beginn reicht über Mitternacht.", "An empty name removes the row. An end before the start runs past midnight."),
    ("settings.turns", "Verweildauer nach Personenzahl", "Turn times by party size"),
    ("settings.from", "Von", "From"),
    ("settings.to", "Bis", "To"),
    ("settings.minutes", "Minuten", "Minutes"),
    ("settings.closures", "Schließtage", "Closures"),
    ("settings.reason", "Grund", "Reason"),
    ("settings.add", "Hinzufügen", "Add"),
    ("settings.tables", "Tische", "Tables"),
    ("settings.area", "Bereich", "Area"),
    ("settings.min_seats", "Min. Plätze", "Min seats"),
    ("settings.max_seats", "Max. Plätze", "Max seats"),
    ("settings.online", "Online buchbar", "Bookable online"),
    ("settings.online_on", "Online buchbar", "Bookable online"),
    ("settings.online_off", "Nur intern", "Staff only"),
    ("weekday.0", "Montag", "Monday"),
    ("weekday.1", "Dienstag", "Tuesday"),
    ("weekday.2", "Mittwoch", "Wednesday"),
    ("weekday.3", "Donnerstag", "Thursday"),
    ("weekday.4", "Freitag", "Friday"),
    ("weekday.5", "Samstag", "Saturday"),
    ("weekday.6", "Sonntag", "Sunday"),
    ("move.submit", "Änderung speichern", "Save change"),
    ("new.show_times", "Freie Zeiten zeigen", "Show free times"),
    ("new.time", "Uhrzeit und Tisch", "Time and table"),
    ("new.no_times", "Keine freie Zeit für diese Personenzahl an diesem Tag.", "No free time for this party size on this day."),
    ("new.name", "Name des Gastes", "Guest name"),
    ("new.phone", "Telefon", "Phone"),
    ("new.email", "E-Mail", "Email"),
    ("new.notes", "Notizen", "Notes"),
    ("new.special", "Allergien, Unverträglichkeiten, Barrierefreiheit (verschlüsselt gespeichert)", "Allergies, intolerances, accessibility (stored encrypted)"),
    ("new.submit", "Reservieren", "Book"),
    ("new.table", "Tisch", "Table"),
    ("nav.calls", "Anrufe", "Calls"),
    ("nav.agent", "Chat-Agent", "Chat agent"),
    ("nav.inbox", "Posteingang", "Inbox"),
    ("inbox.title", "Posteingang: Chat und WhatsApp", "Inbox: chat and WhatsApp"),
    ("inbox.all", "Alle", "All"),
    ("inbox.status", "Wer antwortet", "Who answers"),
    ("inbox.channel", "Kanal", "Channel"),
    ("inbox.filter", "Filtern", "Filter"),
    ("inbox.when", "Zuletzt", "Last message"),
    ("inbox.guest", "Gast", "Guest"),
    ("inbox.person", "Übernommen von", "Taken by"),
    ("inbox.unread", "ungelesen", "unread"),
    ("inbox.none", "Keine Gespräche.", "No conversations."),
    ("inbox.waiting", "Warten auf eine Person aus dem Team", "Waiting for a person from the team"),
    ("inbox.waiting_one", "Ein Gast möchte mit einer Person sprechen.", "A guest would like to talk to a person."),
    ("inbox.open", "Öffnen", "Open"),
    ("inbox.unknown_guest", "Unbekannter Gast", "Unknown guest"),
    ("inbox.conversation", "Gespräch", "Conversation"),
    ("inbox.notes", "Was der Agent weiß", "What the agent knows"),
    ("inbox.take", "Übernehmen", "Take over"),
    ("inbox.back", "An den Agenten zurückgeben", "Hand back to the agent"),
    ("inbox.close", "Schließen", "Close"),
    ("inbox.reply", "Nachricht an den Gast", "Message to the guest"),
    ("inbox.send", "Senden", "Send"),
    ("inbox.reply_hint", "Wer schreibt, übernimmt das Gespräch; der Agent pausiert, bis Sie es zurückgeben.", "Writing takes the conversation over; the agent pauses until you hand it back."),
    ("inbox.whatsapp_window", "Auf WhatsApp geht die Nachricht als freier Text hinaus; das geht nur binnen 24 Stunden nach der letzten Nachricht des Gastes.", "On WhatsApp the message goes out as free text; this works only within 24 hours of the guest's last message."),
    ("inbox.reservation", "Reservierung", "Reservation"),
    ("inbox.files", "Dateien des Gastes", "The guest's files"),
    ("inbox.language", "Sprache des Gesprächs", "The conversation's language"),
    ("inbox.files_help", "Geprüft nach Inhalt, Bilder ohne Metadaten; die Links gelten zehn Minuten. Die Dateien werden mit dem Gespräch gelöscht.", "Checked by content, images without metadata; the links work for ten minutes. The files are deleted with the conversation."),
    ("inbox.guest_card", "Gästekarte", "Guest card"),
    ("inbox.status.agent", "Agent", "Agent"),
    ("inbox.status.needs_person", "wartet auf Team", "waiting for the team"),
    ("inbox.status.person", "Team", "Team"),
    ("inbox.status.closed", "geschlossen", "closed"),
    ("inbox.channel.web", "Website-Chat", "Website chat"),
    ("inbox.channel.whatsapp", "WhatsApp", "WhatsApp"),
    ("inbox.channel.api", "API", "API"),
    ("inbox.channel.cli", "Kommandozeile", "Command line"),
    ("inbox.role.guest", "Gast", "Guest"),
    ("inbox.role.agent", "Agent", "Agent"),
    ("inbox.role.team", "Team", "Team"),
    ("inbox.note.date", "Datum", "Date"),
    ("inbox.note.time", "Uhrzeit", "Time"),
    ("inbox.note.party", "Personen", "Party"),
    ("inbox.note.name", "Name", "Name"),
    ("inbox.note.phone", "Telefon", "Phone"),
    ("inbox.note.email", "E-Mail", "Email"),
    ("inbox.note.code", "Buchungscode", "Booking code"),
    ("inbox.note.special", "Besondere Hinweise", "Special notes"),
    ("agent.title", "Chat-Agent", "Chat agent"),
    ("agent.outcomes", "Gespräche und Ergebnisse", "Conversations and outcomes"),
    ("agent.weeks", "Wochen", "Weeks"),
    ("agent.conversations", "Gespräche", "Conversations"),
    ("agent.booked", "gebucht", "booked"),
    ("agent.handed_over", "an das Team übergeben", "handed over"),
    ("agent.abandoned", "abgebrochen", "abandoned"),
    ("agent.tokens", "Tokens (Modell)", "Tokens (model)"),
    ("agent.per_week", "Pro Woche (ab Montag), neueste zuerst", "Per week (from Monday), newest first"),
    ("agent.week", "Woche", "Week"),
    ("agent.none", "Noch keine Gespräche in diesem Zeitraum.", "No conversations in this period yet."),
    ("agent.csv", "Als CSV herunterladen", "Download as CSV"),
    ("agent.intents", "Häufigste Anliegen", "Most frequent intents"),
    ("agent.intent", "Anliegen", "Intent"),
    ("agent.unanswered", "Fragen ohne Antwort", "Questions without an answer"),
    ("agent.unanswered_help", "Was Gäste gefragt haben und der Agent nicht beantworten konnte: Ergänzen Sie daraus Ihre häufigen Fragen. Mit dem Gespräch werden sie nach der Aufbewahrungsfrist gelöscht.", "What guests asked and the agent could not answer: grow your FAQ from it. They are deleted with the conversation after the retention period."),
    ("agent.question", "Frage", "Question"),
    ("agent.answer", "Antwort", "Answer"),
    ("agent.faq", "Häufige Fragen (FAQ)", "Frequently asked questions (FAQ)"),
    ("agent.faq_help", "Der Agent beantwortet diese Fragen mit Ihren Worten, auf Deutsch oder Englisch. Leere Einträge werden entfernt.", "The agent answers these questions in your words, in German or English. Empty entries are removed."),
    ("agent.entry", "Eintrag", "Entry"),
    ("agent.model", "Eigenes KI-Modell (optional)", "Own AI model (optional)"),
    ("widget.title", "Website-Widget", "Website widget"),
    ("widget.help", "Ein Skript-Tag auf Ihrer Website zeigt den Chat-Agenten als Knopf unten auf der Seite; Gäste reservieren und fragen dort, ohne Cookies.", "One script tag on your website shows the chat agent as a button at the bottom of the page; guests book and ask there, without cookies."),
    ("widget.snippet", "In Ihre Website einfügen", "Paste into your website"),
    ("widget.booking_page", "Buchungsseite ohne Chat (zum Verlinken, auch ohne JavaScript; mit data-mode=\"form\" im Skript-Tag zeigt das Widget dieses Formular):", "Booking page without chat (to link to, works without JavaScript; with data-mode=\"form\" in the script tag the widget shows this form):"),
    ("widget.origins", "Erlaubte Websites (eine Adresse pro Zeile)", "Allowed websites (one address per line)"),
    ("widget.origins_help", "Nur von diesen Adressen aus darf das Widget Ihren Agenten nutzen, z. B. https://www.trattoria.de.", "Only from these addresses may the widget use your agent, e.g. https://www.trattoria.de."),
    ("widget.colour", "Farbe", "Colour"),
    ("widget.position", "Position", "Position"),
    ("widget.right", "rechts unten", "bottom right"),
    ("widget.left", "links unten", "bottom left"),
    ("widget.greeting_de", "Begrüßung (Deutsch)", "Greeting (German)"),
    ("widget.greeting_en", "Begrüßung (Englisch)", "Greeting (English)"),
    ("widget.privacy_url", "Link zu Ihren Datenschutzhinweisen", "Link to your privacy notice"),
    ("widget.preview", "Vorschau: das Widget mit den gespeicherten Einstellungen, unten auf dieser Seite.", "Preview: the widget with the saved settings, at the bottom of this page."),
    ("agent.retention", "Aufbewahrung", "Retention"),
    ("agent.retention_help", "Gespräche werden so viele Tage nach der letzten Nachricht anonymisiert: Texte und Zustand werden gelöscht, Ergebnis und Anliegen bleiben für die Auswertung.", "Conversations are anonymised this many days after their last message: texts and state are removed; outcome and intents stay for the analysis."),
    ("agent.retention_days", "Tage (1–365)", "Days (1–365)"),
    ("agent.handover", "Wenn ein Gast auf das Team wartet", "When a guest waits for the team"),
    ("agent.handover_help", "Fragt ein Gast im Chat oder auf WhatsApp nach einer Person und übernimmt niemand das Gespräch in dieser Zeit, bekommen Inhaber und Manager eine E-Mail mit dem Link zum Gespräch (ohne die Worte des Gastes). Leer: keine E-Mail; der Hinweis im Dashboard erscheint immer.", "When a guest asks for a person in the chat or on WhatsApp and nobody takes the conversation within this time, owners and managers get an email with the link to it (without the guest's words). Empty: no email; the notice on the dashboard always shows."),
    ("agent.handover_minutes", "Minuten (1–1440, leer: keine E-Mail)", "Minutes (1–1440, empty: no email)"),
    ("agent.model_help", "Ohne Modell antwortet der eingebaute Agent, ohne Netzwerk. Mit einem OpenAI-kompatiblen Modell werden Telefonnummern, E-Mail-Adressen und Gesundheitsangaben vor dem Senden durch Platzhalter ersetzt; fällt das Modell aus, antwortet der eingebaute Agent.", "Without a model the built-in agent answers, with no network. With an OpenAI-compatible model, phone numbers, email addresses and health details are replaced by placeholders before anything is sent; when the model fails, the built-in agent answers."),
    ("agent.base_url", "Basis-URL", "Base URL"),
    ("agent.model_name", "Modell", "Model"),
    ("agent.key", "API-Schlüssel", "API key"),
    ("agent.key_set", "gespeichert (verschlüsselt)", "stored (encrypted)"),
    ("agent.remove_key", "Schlüssel entfernen", "Remove the key"),
    ("agent.endpoint", "Ihr Agent als OpenAI-kompatibles Modell (Schlüssel: das Voice-Secret)", "Your agent as an OpenAI-compatible model (key: the voice secret)"),
    ("intent.book", "reservieren", "book"),
    ("intent.change", "ändern", "change"),
    ("intent.cancel", "stornieren", "cancel"),
    ("intent.ask", "Frage (Zeiten, Adresse, …)", "question (hours, address, …)"),
    ("intent.person", "Mitarbeiter gewünscht", "wants a person"),
    ("intent.greeting", "Begrüßung", "greeting"),
    ("intent.thanks", "Dank", "thanks"),
    ("intent.yes", "ja", "yes"),
    ("intent.no", "nein", "no"),
    ("day.handovers", "Anruf(e) vom Telefonagenten an das Team übergeben (letzte 24 Stunden): bitte zurückrufen", "call(s) handed over to the team by the phone agent (last 24 hours): please call back"),
    ("settings.voice", "Telefonagent (Voice-AI)", "Phone agent (voice AI)"),
    ("settings.voice_help", "Diese Adressen tragen Sie bei Ihrer Voice-Plattform ein; jede Anfrage muss das Geheimnis (bzw. bei Retell die Signatur) mitschicken.", "Enter these addresses at your voice platform; every request must carry the secret (for Retell, the signature)."),
    ("settings.voice_secret", "Neues Geheimnis (wird nur jetzt angezeigt)", "New secret (shown only now)"),
    ("settings.voice_secret_once", "Neues Geheimnis erstellt. Das bisherige gilt noch 24 Stunden.", "New secret created. The previous one keeps working for 24 hours."),
    ("settings.voice_secret_set", "Ein Geheimnis ist eingerichtet.", "A secret is set."),
    ("settings.voice_secret_none", "Noch kein Geheimnis: Anfragen werden abgelehnt.", "No secret yet: requests are refused."),
    ("settings.voice_rotation", "Das vorige Geheimnis gilt noch bis", "The previous secret works until"),
    ("settings.voice_new_secret", "Neues Geheimnis erstellen", "Create a new secret"),
    ("settings.voice_end_rotation", "Vorheriges Geheimnis jetzt sperren", "Revoke the previous secret now"),
    ("settings.vapi_header", "Header für Vapi", "Header for Vapi"),
    ("settings.retention_days", "Anrufdetails aufbewahren (Tage, höchstens 90)", "Keep call details (days, at most 90)"),
    ("settings.retell_key", "Retell-API-Schlüssel (mit Webhook-Badge)", "Retell API key (with the webhook badge)"),
    ("settings.retell_key_set", "hinterlegt", "stored"),
    ("settings.protocol", "Löschprotokoll", "Deletion protocol"),
    ("settings.cutoff", "vor", "before"),
    ("protocol.voice_calls_anonymised", "Anrufe anonymisiert", "Calls anonymised"),
    ("protocol.voice_events_deleted", "Webhook-Protokolle gelöscht", "Webhook logs deleted"),
    ("protocol.idempotency_records_deleted", "Wiederholungsschutz-Einträge gelöscht", "Idempotency records deleted"),
    ("protocol.message_bodies_purged", "Nachrichtentexte gelöscht", "Message texts purged"),
    ("protocol.guest_links_deleted", "Abgelaufene Gäste-Links gelöscht", "Expired guest links deleted"),
    ("protocol.inbound_messages_purged", "Nachrichten von Gästen gelöscht", "Guests' messages purged"),
    ("protocol.conversations_anonymised", "Chats anonymisiert", "Chats anonymised"),
    ("settings.messages", "Nachrichten an Gäste", "Guest messages"),
    ("settings.whatsapp_help", "Nachrichten über die WhatsApp Cloud API von Meta, nur an Gäste, die zugestimmt haben. Zugriffstoken und App-Secret werden verschlüsselt gespeichert und nie wieder angezeigt.", "Messages through Meta's WhatsApp Cloud API, only to guests who agreed. Access token and app secret are stored encrypted and never shown again."),
    ("settings.whatsapp_hook", "Webhook-Adresse für Meta", "Webhook address for Meta"),
    ("settings.whatsapp_number", "Telefonnummer-ID", "Phone number ID"),
    ("settings.whatsapp_route", "Weg", "Route"),
    ("settings.mail", "E-Mail-Absender", "Email sender"),
    ("settings.mail_help", "Nachrichten an Gäste gehen sonst über den Versand der Plattform. Hier können Sie Ihre eigene Absenderadresse und Ihr eigenes Resend-Konto oder Ihren SMTP-Server eintragen. Schlüssel werden verschlüsselt gespeichert und nie wieder angezeigt.", "Guest messages otherwise go out through the platform's mail. Here you can set your own sender address and your own Resend account or SMTP server. Keys are stored encrypted and never shown again."),
    ("settings.mail_transport", "Versand über", "Send through"),
    ("settings.mail_transport.platform", "die Plattform", "the platform"),
    ("settings.mail_transport.resend", "eigenes Resend-Konto", "own Resend account"),
    ("settings.mail_transport.smtp", "eigenen SMTP-Server", "own SMTP server"),
    ("settings.mail_from", "Absender", "Sender"),
    ("settings.mail_reset", "Zurück zum Versand der Plattform", "Back to the platform's mail"),
    ("settings.ghl_token", "Private-Integration-Token", "Private integration token"),
    ("settings.whatsapp_token", "Zugriffstoken", "Access token"),
    ("settings.whatsapp_secret", "App-Secret", "App secret"),
    ("settings.whatsapp_verify", "Verify-Token", "Verify token"),
    ("settings.whatsapp_template", "Vorlage", "Template"),
    ("settings.whatsapp_kind.confirmation", "Bestätigung", "Confirmation"),
    ("settings.whatsapp_kind.reminder", "Erinnerung", "Reminder"),
    ("settings.whatsapp_kind.cancellation", "Stornierung", "Cancellation"),
    ("settings.whatsapp_language", "Sprachcode bei Meta für", "Meta language code for"),
    ("settings.whatsapp_parameters", "Jede Vorlage erhält diese Parameter: {{1}} Name, {{2}} Datum, {{3}} Uhrzeit, {{4}} Personen, {{5}} Buchungscode, {{6}} Restaurant, {{7}} Link zur Reservierung.", "Each template gets these parameters: {{1}} name, {{2}} date, {{3}} time, {{4}} guests, {{5}} booking code, {{6}} restaurant, {{7}} link to the reservation."),
    ("settings.messages_help", "Gäste erhalten Bestätigung, Änderungen, Stornierung und Erinnerung per E-Mail, mit Kalenderdatei und einem Link, über den sie selbst ändern und stornieren.", "Guests receive confirmation, changes, cancellation and reminder by email, with a calendar file and a link to change or cancel themselves."),
    ("settings.reminder_hours", "Erinnerung (Stunden vorher, 0 = keine)", "Reminder (hours before, 0 = none)"),
    ("settings.cancel_cutoff", "Gäste ändern selbst bis (Minuten vorher)", "Guests change themselves until (minutes before)"),
    ("settings.digest_time", "Tagesübersicht um", "Daily digest at"),
    ("settings.digest_me", "Mir die Tagesübersicht senden", "Send me the daily digest"),
    ("settings.paragraphs", "Eigene Absätze je Nachricht", "Own paragraph per message"),
    ("settings.test_message", "Testnachricht an mich senden", "Send a test message to me"),
    ("settings.tests", "Letzte Testnachrichten", "Latest test messages"),
    ("calls.all", "Alle", "All"),
    ("calls.title", "Anrufe des Telefonagenten", "Phone agent calls"),
    ("calls.call", "Anruf", "Call"),
    ("calls.outcome", "Ergebnis", "Outcome"),
    ("calls.filter", "Filtern", "Filter"),
    ("calls.when", "Zeit", "Time"),
    ("calls.caller", "Anrufer", "Caller"),
    ("calls.duration", "Dauer", "Duration"),
    ("calls.provider", "Plattform", "Platform"),
    ("calls.none", "Keine Anrufe.", "No calls."),
    ("calls.anonymised", "anonymisiert", "anonymised"),
    ("calls.reservation", "Reservierung", "Reservation"),
    ("calls.recording", "Aufnahme anhören", "Listen to the recording"),
    ("calls.summary", "Zusammenfassung", "Summary"),
    ("calls.transcript", "Gesprächsverlauf", "Transcript"),
    ("calls.no_transcript", "Kein Gesprächsverlauf gespeichert.", "No transcript stored."),
    ("calls.text_hidden", "Gesprächsverlauf und Zusammenfassung sehen Inhaber und Manager.", "Owners and managers see the transcript and summary."),
    ("calls.events", "Ablauf", "Events"),
    ("calls.by_phone", "Telefonisch über den Agenten", "By phone through the agent"),
    ("outcome.booked", "gebucht", "booked"),
    ("outcome.changed", "geändert", "changed"),
    ("outcome.cancelled", "storniert", "cancelled"),
    ("outcome.informed", "Auskunft", "informed"),
    ("outcome.handed_over", "an Team übergeben", "handed over"),
    ("outcome.failed", "fehlgeschlagen", "failed"),
    ("outcome.abandoned", "abgebrochen", "abandoned"),
    ("outcome.open", "läuft", "open"),
    ("settings.special_days", "Sonderöffnungen", "Special opening days"),
    ("settings.special_help", "Eine Sonderöffnung ersetzt an diesem Datum die Zeiten des Wochentags, auch an Ruhetagen.", "A special opening replaces the weekday's hours on that date, also on a day the restaurant is normally closed."),
    ("settings.areas", "Bereiche", "Areas"),
    ("settings.combinations", "Tischkombinationen", "Table combinations"),
    ("new.matches", "Bekannte Gäste", "Known guests"),
    ("new.table_suggested", "Wie vorgeschlagen", "As suggested"),
    ("new.table_best", "Bester freier Tisch", "Best free table"),
    ("role.owner", "Inhaber", "Owner"),
    ("role.manager", "Manager", "Manager"),
    ("role.staff", "Mitarbeiter", "Staff"),
    ("switch.title", "Restaurant wählen", "Choose a restaurant"),
    ("switch.open", "Öffnen", "Open"),
    ("account.title", "Konto", "Account"),
    ("account.password", "Passwort ändern", "Change password"),
    ("account.current_password", "Aktuelles Passwort", "Current password"),
    ("account.new_password", "Neues Passwort (12–128 Zeichen)", "New password (12–128 characters)"),
    ("account.password_changed", "Passwort geändert. Alle anderen Sitzungen wurden beendet.", "Password changed. All other sessions were ended."),
    ("account.2fa", "Zwei-Faktor-Anmeldung", "Two-factor sign-in"),
    ("account.2fa_on", "Aktiv. Verbleibende Wiederherstellungscodes:", "On. Recovery codes left:"),
    ("account.2fa_off", "Nicht aktiv.", "Off."),
    ("account.2fa_required", "Ein Restaurant, dessen Inhaber Sie sind, verlangt die Zwei-Faktor-Anmeldung. Richten Sie sie ein, um fortzufahren.", "A restaurant you own requires two-factor sign-in. Set it up to continue."),
    ("account.2fa_start", "Einrichten", "Set up"),
    ("account.2fa_scan", "Scannen Sie den QR-Code mit Ihrer Authenticator-App oder geben Sie den Schlüssel ein, dann den angezeigten Code.", "Scan the QR code with your authenticator app or type the key, then enter the code it shows."),
    ("account.2fa_key", "Schlüssel", "Key"),
    ("account.2fa_confirm", "Aktivieren", "Turn on"),
    ("account.2fa_disable", "Deaktivieren", "Turn off"),
    ("account.2fa_codes", "Ihre Wiederherstellungscodes. Bewahren Sie sie sicher auf; jeder funktioniert einmal und sie werden nur jetzt angezeigt.", "Your recovery codes. Keep them safe; each works once and they are shown only now."),
    ("account.sessions", "Aktive Sitzungen", "Active sessions"),
    ("account.session_this", "diese Sitzung", "this session"),
    ("account.session_end", "Beenden", "End"),
    ("account.sessions_end_others", "Überall sonst abmelden", "Log out everywhere else"),
    ("account.last_seen", "zuletzt aktiv", "last active"),
    ("account.language", "Sprache", "Language"),
    ("account.save", "Speichern", "Save"),
    ("team.title", "Team", "Team"),
    ("team.name", "Name", "Name"),
    ("team.email", "E-Mail", "Email"),
    ("team.role", "Rolle", "Role"),
    ("team.2fa", "2FA", "2FA"),
    ("team.change", "Ändern", "Change"),
    ("team.remove", "Entfernen", "Remove"),
    ("team.invite", "Einladen", "Invite"),
    ("team.invite_title", "Person einladen", "Invite someone"),
    ("team.invited", "Einladung verschickt an", "Invitation sent to"),
    ("team.open_invites", "Offene Einladungen", "Open invitations"),
    ("team.valid_until", "gültig bis", "valid until"),
    ("team.revoke", "Zurückziehen", "Withdraw"),
    ("team.settings", "Sicherheit", "Security"),
    ("team.require_2fa", "Inhaber müssen die Zwei-Faktor-Anmeldung nutzen", "Owners must use two-factor sign-in"),
    ("team.tokens", "API-Schlüssel", "API tokens"),
    ("team.token_name", "Bezeichnung", "Label"),
    ("team.token_create", "Erstellen", "Create"),
    ("team.token_created", "Neuer API-Schlüssel — er wird nur jetzt angezeigt:", "New API token — it is shown only now:"),
    ("team.token_last_used", "zuletzt benutzt", "last used"),
    ("team.token_never", "nie", "never"),
    ("team.token_revoked", "widerrufen", "revoked"),
    ("team.token_revoke", "Widerrufen", "Revoke"),
    ("invite.title", "Einladung", "Invitation"),
    ("invite.text", "Sie wurden eingeladen, dem Team beizutreten von", "You have been invited to join the team of"),
    ("invite.as", "als", "as"),
    ("invite.create", "Konto anlegen und beitreten", "Create account and join"),
    ("invite.join", "Beitreten", "Join"),
    ("invite.login_first", "Für diese E-Mail-Adresse gibt es schon ein Konto. Melden Sie sich an und öffnen Sie den Link erneut.", "There is already an account for this email. Sign in and open the link again."),
    ("invite.invalid", "Diese Einladung ist ungültig, abgelaufen oder wurde schon verwendet.", "This invitation is invalid, expired or already used."),
    ("invite.your_name", "Ihr Name", "Your name"),
    ("forgot.title", "Passwort zurücksetzen", "Reset password"),
    ("forgot.submit", "Link senden", "Send link"),
    ("forgot.sent", "Wenn es ein Konto mit dieser E-Mail gibt, ist ein Link unterwegs. Er gilt eine Stunde.", "If there is an account with this email, a link is on its way. It works for one hour."),
    ("reset.title", "Neues Passwort", "New password"),
    ("reset.submit", "Passwort setzen", "Set password"),
    ("reset.invalid", "Dieser Link ist ungültig, abgelaufen oder wurde schon verwendet.", "This link is invalid, expired or already used."),
    ("reset.done", "Passwort gesetzt. Bitte melden Sie sich an.", "Password set. Please sign in."),
    ("error.title", "Fehler", "Error"),
    ("error.not_found", "Diese Seite gibt es nicht.", "This page does not exist."),
    ("error.forbidden", "Dafür fehlt Ihnen die Berechtigung.", "You are not allowed to do this."),
    ("error.internal", "Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.", "Something went wrong. Please try again."),
    ("error.too_many", "Zu viele Anfragen. Bitte warten Sie kurz.", "Too many requests. Please wait a moment."),
    ("error.back", "Zurück zur Übersicht", "Back to the overview"),
];

/// Supported languages.
pub const LANGUAGES: [&str; 2] = ["de", "en"];

/// The text for a key in a language (German when the language is unknown); the key itself when
/// missing, so a gap is visible rather than blank.
pub fn text<'a>(lang: &str, key: &'a str) -> &'a str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, de, en)) => {
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
                    [
                        "book", "change", "cancel", "ask", "person", "greeting", "thanks", "yes",
                        "no",
                    ]
                    .iter()
                    .map(|k| format!("{key}{k}"))
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
                } else if key == "protocol." {
                    [
                        "voice_calls_anonymised",
                        "voice_events_deleted",
                        "idempotency_records_deleted",
                        "message_bodies_purged",
                        "guest_links_deleted",
                        "inbound_messages_purged",
                        "conversations_anonymised",
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
