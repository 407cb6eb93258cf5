//! Finding a person everywhere: by guest card, number (any format, made E.164 with the
//! restaurant's country) or address, with what each category holds about them.

use super::{Person, Subject, SHREDDERS};
use crate::error::StoreError;
use crate::tenant::TenantTx;
use hs_domain::validate;
use serde::Serialize;
use uuid::Uuid;

/// How a person is named by whoever asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Guest(Uuid),
    /// Any format; made E.164 with the restaurant's country.
    Phone(String),
    Email(String),
}

/// A person found, with the rows each category holds about them.
#[derive(Clone, Debug, Serialize)]
pub struct Found {
    pub person: Person,
    /// (category, rows), only categories holding something.
    pub counts: Vec<(&'static str, usize)>,
}

impl Found {
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// The name of a shredder's data (its first table): the export's keys and file names.
pub fn data_name(s: &dyn super::Shredder) -> &'static str {
    s.tables().first().copied().unwrap_or("data")
}

impl TenantTx {
    /// The person behind a lookup, with every guest card that shares the guest's id, number
    /// or address, and those cards' numbers and addresses. A guest id that is not here is
    /// [`StoreError::NotFound`]; a number or address always names a person (calls and
    /// messages may exist without a card).
    pub async fn person(&mut self, lookup: &Lookup) -> Result<Person, StoreError> {
        let (id, phone, email) = match lookup {
            Lookup::Guest(id) => (Some(*id), None, None),
            Lookup::Phone(p) => {
                let country = self.reservation_settings().await?.country;
                let p = validate::phone_e164(p, &country)
                    .map_err(|e| StoreError::invalid("phone", e))?;
                (None, Some(p), None)
            }
            Lookup::Email(e) => {
                let e = validate::email(e).map_err(|e| StoreError::invalid("email", e))?;
                (None, None, Some(e))
            }
        };
        let seed = Person {
            guests: id.into_iter().collect(),
            phones: phone.into_iter().collect(),
            emails: email.into_iter().collect(),
            ..Person::default()
        };
        let mut p = self.expand(&seed).await?;
        if id.is_some() && p.guests.is_empty() {
            return Err(StoreError::NotFound);
        }
        if p.language.is_empty() {
            p.language = "de".into();
        }
        Ok(p)
    }

    /// The person with every guest card that has one of their ids, numbers or addresses,
    /// and those cards' numbers, addresses and names (one step, not a chain: two people who
    /// once shared a number are not merged beyond it).
    pub async fn expand(&mut self, seed: &Person) -> Result<Person, StoreError> {
        type Row = (Uuid, String, Option<String>, Option<String>, String);
        let cards: Vec<Row> = sqlx::query_as(
            "SELECT id, name, phone, lower(email), language FROM guests \
             WHERE id = ANY ($1) OR phone = ANY ($2) OR lower(email) = ANY ($3) ORDER BY created_at, id LIMIT 50",
        )
        .bind(&seed.guests)
        .bind(&seed.phones)
        .bind(&seed.emails)
        .fetch_all(self.conn())
        .await?;
        let mut p = Person {
            language: cards.first().map(|c| c.4.clone()).unwrap_or_default(),
            phones: seed.phones.clone(),
            emails: seed.emails.iter().map(|e| e.to_lowercase()).collect(),
            names: seed.names.clone(),
            guests: Vec::new(),
        };
        for (id, name, phone, email, _) in cards {
            p.guests.push(id);
            if !p.names.contains(&name) && name != super::ANONYMISED_NAME {
                p.names.push(name);
            }
            p.phones.extend(phone.filter(|x| !p.phones.contains(x)));
            p.emails.extend(email.filter(|x| !p.emails.contains(x)));
        }
        if p.language.is_empty() && !seed.language.is_empty() {
            p.language = seed.language.clone();
        }
        Ok(p)
    }

    /// People matching a search: an address or a number names one person; other text finds
    /// guest cards by name (at most 20). Each with what every category holds about them.
    pub async fn find_people(&mut self, q: &str) -> Result<Vec<Found>, StoreError> {
        let q = validate::single_line(q, 200).map_err(|e| StoreError::invalid("q", e))?;
        let q = q.trim();
        if q.chars().count() < 2 {
            return Err(StoreError::invalid("q", validate::Invalid::TooShort(2)));
        }
        let country = self.reservation_settings().await?.country;
        let digits = q.chars().filter(char::is_ascii_digit).count();
        let lookups: Vec<Lookup> = if q.contains('@') {
            vec![Lookup::Email(q.to_string())]
        } else if digits >= 6 && validate::phone_e164(q, &country).is_ok() {
            vec![Lookup::Phone(q.to_string())]
        } else {
            let pattern = format!(
                "%{}%",
                q.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM guests WHERE anonymised_at IS NULL AND lower(name) LIKE $1 \
                 ORDER BY name, id LIMIT 20",
            )
            .bind(pattern)
            .fetch_all(self.conn())
            .await?
            .into_iter()
            .map(Lookup::Guest)
            .collect()
        };
        let mut out: Vec<Found> = Vec::new();
        for l in &lookups {
            let person = self.person(l).await?;
            if out
                .iter()
                .any(|f| !person.guests.is_empty() && f.person.guests == person.guests)
            {
                continue;
            }
            let counts = self.counts(&person).await?;
            out.push(Found { person, counts });
        }
        Ok(out)
    }

    /// What each category holds about the person, and their recorded consents (`opt_ins`).
    pub async fn counts(
        &mut self,
        person: &Person,
    ) -> Result<Vec<(&'static str, usize)>, StoreError> {
        let subject = Subject::Person(person.clone());
        let mut counts = Vec::new();
        for s in SHREDDERS {
            let n = s.export(self, &subject).await?.len();
            if n > 0 {
                counts.push((data_name(*s), n));
            }
        }
        // Consents are fields of the guest cards, counted on their own because a person asks
        // what they agreed to (withdrawn ones too: the withdrawal is kept as proof).
        let opt_ins: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM guests WHERE id = ANY ($1) \
             AND (whatsapp_opt_in_at IS NOT NULL OR whatsapp_opt_out_at IS NOT NULL)",
        )
        .bind(&person.guests)
        .fetch_one(self.conn())
        .await?;
        if opt_ins > 0 {
            counts.push(("opt_ins", opt_ins as usize));
        }
        Ok(counts)
    }

    /// The person's reservations still to come (pending or confirmed): cancelled, with the
    /// guest told, before an erasure.
    pub async fn planned_reservations(&mut self, person: &Person) -> Result<Vec<Uuid>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM reservations WHERE guest_id = ANY ($1) AND status IN ('pending', 'confirmed') \
             AND ends_at > $2 ORDER BY starts_at",
        )
        .bind(&person.guests)
        .bind(self.now())
        .fetch_all(self.conn())
        .await?)
    }

    /// How many messages to the person wait to be sent (an erasure waits for them).
    pub async fn messages_waiting(&mut self, person: &Person) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE status = 'queued' AND recipient = 'guest' AND (guest_id = ANY ($1) \
             OR reservation_id IN (SELECT id FROM reservations WHERE guest_id = ANY ($1)))",
        )
        .bind(&person.guests)
        .fetch_one(self.conn())
        .await?)
    }
}
