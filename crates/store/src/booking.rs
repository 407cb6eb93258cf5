//! Booking: creating, moving, resizing and changing the state of reservations, walk-ins, the
//! guest book's matching, and idempotency records. Each booking is one transaction that takes
//! a per-restaurant-day advisory lock (pacing and table choice see every earlier booking of
//! that day) and inserts `reservation_tables` rows, whose exclusion constraint is the last
//! guarantee against double booking.

use crate::crypto::MasterKey;
use crate::error::StoreError;
use crate::secret::random_bytes;
use crate::tenant::TenantTx;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SubsecRound, Utc};
use hs_domain::availability::{self, Alternatives, Audience, Booked, Snapshot, Unavailable};
use hs_domain::reservation::{booking_code, Channel, Status};
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use uuid::Uuid;

/// Longest notes, in characters.
pub const NOTES_MAX: usize = 2000;

/// Who the reservation is for, as given by the caller.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^(de|en)$")]
    pub language: Option<String>,
    #[serde(default)]
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub salutation: Option<String>,
}

/// A booking request.
#[derive(Clone, Debug)]
pub struct NewReservation {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub party_size: u32,
    pub guest: GuestInput,
    pub notes: String,
    pub special_notes: Option<String>,
    pub channel: Channel,
    /// Tables a person chose instead of the suggested ones (staff only).
    pub tables: Option<Vec<Uuid>>,
}

/// What a change to a reservation asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct Change<'a> {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    pub party_size: Option<u32>,
    pub notes: Option<&'a str>,
    /// Tables a person chose; `None` lets the engine pick the best ones.
    pub tables: Option<Vec<Uuid>>,
}

/// The guest as shown with a reservation.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GuestRef {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
}

/// A reservation as the API shows it.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Reservation {
    pub id: Uuid,
    pub code: String,
    pub status: Status,
    pub channel: Channel,
    /// Local date and time in the restaurant's zone.
    pub date: NaiveDate,
    pub time: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub party_size: i32,
    pub tables: Vec<String>,
    pub notes: String,
    /// Only for roles allowed to read special-category data; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_notes: Option<String>,
    /// Whether special-category notes exist (shown as a flag to everyone).
    pub has_special_notes: bool,
    pub guest: Option<GuestRef>,
    pub created_at: DateTime<Utc>,
}

/// Why a booking could not be made, with times to offer instead.
#[derive(Clone, Debug)]
pub struct Rejection {
    pub reason: Unavailable,
    pub alternatives: Alternatives,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    code: String,
    #[sqlx(try_from = "String")]
    status: Status,
    #[sqlx(try_from = "String")]
    channel: Channel,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    party_size: i32,
    notes: String,
    special_enc: Option<String>,
    created_at: DateTime<Utc>,
    tables: Vec<String>,
    guest_id: Option<Uuid>,
    guest_name: Option<String>,
    guest_phone: Option<String>,
    guest_email: Option<String>,
    guest_language: Option<String>,
}

/// A reservation's hold on tables, for the availability snapshot.
#[derive(FromRow)]
struct HoldRow {
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    party_size: i32,
    tables: Vec<Uuid>,
}

/// What the database made of a new reservation row.
struct Inserted {
    id: Uuid,
    code: String,
    created_at: DateTime<Utc>,
    has_special_notes: bool,
}

/// What a new reservation row holds.
struct Insert<'a> {
    guest_id: Option<Uuid>,
    span: (DateTime<Utc>, DateTime<Utc>),
    party: u32,
    status: Status,
    channel: Channel,
    notes: &'a str,
    special: Option<&'a str>,
    tables: &'a [Uuid],
}

const SELECT: &str = "SELECT r.id, r.code, r.status, r.channel, r.starts_at, r.ends_at, r.party_size, r.notes, \
     r.special_enc, r.created_at, \
     coalesce((SELECT array_agg(t.name ORDER BY a.position, t.position, t.name) FROM reservation_tables rt \
               JOIN tables t ON t.restaurant_id = rt.restaurant_id AND t.id = rt.table_id \
               JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id \
               WHERE rt.restaurant_id = r.restaurant_id AND rt.reservation_id = r.id), '{}') AS tables, \
     g.id AS guest_id, g.name AS guest_name, g.phone AS guest_phone, g.email AS guest_email, \
     g.language AS guest_language \
     FROM reservations r LEFT JOIN guests g ON g.restaurant_id = r.restaurant_id AND g.id = r.guest_id";

fn field(field: impl Into<String>, e: validate::Invalid) -> StoreError {
    StoreError::Field {
        field: field.into(),
        code: e.code(),
        message: e.to_string(),
    }
}

fn text(field_name: &str, s: &str, max: usize) -> Result<String, StoreError> {
    validate::multi_line(s, max)
        .map(str::to_string)
        .map_err(|e| field(field_name, e))
}

/// The reservation just written, as [`TenantTx::reservation`] would read it back (with its
/// special-category notes): built from what was written, which saves a round trip while the
/// day's booking lock is held.
fn booked(
    snap: &Snapshot,
    ins: Inserted,
    new: &Insert<'_>,
    guest: Option<GuestRef>,
) -> Reservation {
    let local = new.span.0.with_timezone(&snap.rules.tz);
    Reservation {
        id: ins.id,
        code: ins.code,
        status: new.status,
        channel: new.channel,
        date: local.date_naive(),
        time: local.format("%H:%M").to_string(),
        starts_at: new.span.0,
        ends_at: new.span.1,
        party_size: new.party as i32,
        // In floor order (area, then table), as the read query orders them.
        tables: snap
            .tables
            .iter()
            .filter(|t| new.tables.contains(&t.id))
            .map(|t| t.name.clone())
            .collect(),
        notes: new.notes.to_string(),
        has_special_notes: ins.has_special_notes,
        special_notes: new.special.filter(|s| !s.is_empty()).map(str::to_string),
        guest,
        created_at: ins.created_at,
    }
}

impl TenantTx {
    /// The restaurant's data key (created on first use), wrapped by the master key at rest.
    pub async fn data_key(&mut self) -> Result<MasterKey, StoreError> {
        if let Some(k) = &self.data_key {
            return Ok(k.clone());
        }
        let rid = self.restaurant_id();
        let context = format!("tenant-key:{rid}");
        let wrapped: Option<String> = sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys")
            .fetch_optional(self.conn())
            .await?;
        let wrapped = match wrapped {
            Some(w) => w,
            None => {
                let raw = random_bytes(32);
                let w = self.store.key.seal(&raw, &context);
                let now = self.store.clock.now();
                sqlx::query("INSERT INTO tenant_keys (restaurant_id, wrapped_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(rid)
                    .bind(&w)
                    .bind(now)
                    .execute(self.conn())
                    .await?;
                sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys")
                    .fetch_one(self.conn())
                    .await?
            }
        };
        let raw = self.store.key.open(&wrapped, &context)?;
        let key: [u8; 32] = raw
            .try_into()
            .map_err(|_| StoreError::Other(anyhow::anyhow!("tenant key has the wrong length")))?;
        let key = MasterKey::from_bytes(key);
        self.data_key = Some(key.clone());
        Ok(key)
    }

    /// Serialises bookings of one restaurant day.
    async fn lock_day(&mut self, date: NaiveDate) -> Result<(), StoreError> {
        let key = format!("book:{}:{date}", self.restaurant_id());
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The availability snapshot around a date: rules, tables, combinations and every
    /// reservation holding tables on that day (and its periods past midnight).
    pub async fn snapshot(&mut self, date: NaiveDate) -> Result<Snapshot, StoreError> {
        let mut snap = self.floor_snapshot().await?;
        snap.booked = self.holds(&snap.rules, date, date).await?;
        Ok(snap)
    }

    /// Other times and days for a time that cannot be seated. `snap` is the asked day's
    /// snapshot; the other days are judged with their own reservations, read here.
    #[allow(clippy::too_many_arguments)]
    pub async fn alternatives(
        &mut self,
        snap: &Snapshot,
        date: NaiveDate,
        time: NaiveTime,
        party: u32,
        now: DateTime<Utc>,
        audience: Audience,
        max_days: usize,
    ) -> Result<Alternatives, StoreError> {
        let last = date + Duration::days(availability::ALTERNATIVE_DAYS);
        let wide = Snapshot {
            rules: snap.rules.clone(),
            tables: snap.tables.clone(),
            combinations: snap.combinations.clone(),
            booked: self.holds(&snap.rules, date, last).await?,
        };
        Ok(availability::alternatives(
            &wide, date, time, party, now, audience, max_days,
        ))
    }

    /// As [`TenantTx::snapshot`], taking the day's booking lock after reading the setup and
    /// before reading the holds, so the lock is held as briefly as possible.
    async fn snapshot_locked(&mut self, dates: &[NaiveDate]) -> Result<Snapshot, StoreError> {
        let mut snap = self.floor_snapshot().await?;
        let mut days = dates.to_vec();
        days.sort();
        days.dedup();
        for d in &days {
            self.lock_day(*d).await?;
        }
        snap.booked = self
            .holds(&snap.rules, days[0], days[days.len() - 1])
            .await?;
        Ok(snap)
    }

    async fn floor_snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let rules = self.rules().await?;
        let seating = self.seating().await?;
        Ok(Snapshot {
            rules,
            tables: seating.tables,
            combinations: seating.combinations,
            booked: Vec::new(),
        })
    }

    /// Every reservation holding tables that overlaps the days `first` to `last`, including
    /// their periods past midnight. Reservations last at most a day (a table constraint), so
    /// the index on `starts_at` bounds the scan from both sides.
    async fn holds(
        &mut self,
        rules: &hs_domain::availability::Rules,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Booked>, StoreError> {
        let from = rules
            .instant(first.and_time(NaiveTime::MIN))
            .unwrap_or_else(|| self.store.clock.now());
        let to = rules
            .instant((last + Duration::days(2)).and_time(NaiveTime::MIN))
            .unwrap_or(from + Duration::days(2));
        let rows: Vec<HoldRow> = sqlx::query_as(
            "SELECT r.id, r.starts_at, r.ends_at, r.party_size, \
                    ARRAY(SELECT rt.table_id FROM reservation_tables rt \
                          WHERE rt.restaurant_id = r.restaurant_id AND rt.reservation_id = r.id AND rt.holds) AS tables \
             FROM reservations r \
             WHERE r.status IN ('pending', 'confirmed', 'seated') \
               AND r.starts_at < $2 AND r.starts_at > $1 - interval '1 day' AND r.ends_at > $1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|h| Booked {
                id: h.id,
                starts_at: h.starts_at,
                ends_at: h.ends_at,
                party: h.party_size as u32,
                tables: h.tables,
            })
            .collect())
    }

    /// Finds the guest by phone or email, or creates them; fills in contact details they lacked.
    async fn match_guest(&mut self, g: &GuestInput, country: &str) -> Result<GuestRef, StoreError> {
        let name =
            validate::name(&g.name, validate::NAME_MAX).map_err(|e| field("guest.name", e))?;
        let phone = match g.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(validate::phone_e164(p, country).map_err(|e| field("guest.phone", e))?),
            None => None,
        };
        let email = match g.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(validate::email(e).map_err(|e| field("guest.email", e))?),
            None => None,
        };
        let language = g.language.clone().unwrap_or_else(|| "de".into());
        if language != "de" && language != "en" {
            return Err(StoreError::Field {
                field: "guest.language".into(),
                code: "unsupported_language",
                message: "\"de\" or \"en\"".into(),
            });
        }
        let salutation = validate::single_line(g.salutation.as_deref().unwrap_or(""), 30)
            .map_err(|e| field("guest.salutation", e))?
            .to_string();
        let now = self.store.clock.now();
        // One statement: the guest with that phone (preferred) or email gets the contact
        // details they lacked; without a match a new guest is written.
        let (id, name, phone, email, language): (Uuid, String, Option<String>, Option<String>, String) =
            sqlx::query_as(
                "WITH found AS ( \
                   SELECT id FROM guests \
                   WHERE ($1::text IS NOT NULL AND phone = $1) OR ($2::text IS NOT NULL AND email = $2) \
                   ORDER BY (phone = $1) DESC NULLS LAST, created_at LIMIT 1), \
                 updated AS ( \
                   UPDATE guests g SET phone = coalesce(g.phone, $1), email = coalesce(g.email, $2), updated_at = $7 \
                   FROM found WHERE g.id = found.id \
                   RETURNING g.id, g.name, g.phone, g.email, g.language), \
                 inserted AS ( \
                   INSERT INTO guests (restaurant_id, id, name, salutation, phone, email, language, created_at, updated_at) \
                   SELECT $3, $4, $5, $6, $1, $2, $8, $7, $7 WHERE NOT EXISTS (SELECT 1 FROM found) \
                   RETURNING id, name, phone, email, language) \
                 SELECT * FROM updated UNION ALL SELECT * FROM inserted",
            )
            .bind(&phone)
            .bind(&email)
            .bind(self.restaurant_id())
            .bind(Uuid::new_v4())
            .bind(&name)
            .bind(&salutation)
            .bind(now)
            .bind(&language)
            .fetch_one(self.conn())
            .await?;
        Ok(GuestRef {
            id,
            name,
            phone,
            email,
            language,
        })
    }

    async fn insert_reservation(&mut self, new: &Insert<'_>) -> Result<Inserted, StoreError> {
        let &Insert {
            guest_id,
            span: slot,
            party,
            status,
            channel,
            notes,
            special,
            tables,
        } = new;
        let rid = self.restaurant_id();
        // PostgreSQL keeps microseconds; the answer built from this must match a later read.
        let now = self.store.clock.now().trunc_subsecs(6);
        let id = Uuid::new_v4();
        let special_enc = match special.filter(|s| !s.is_empty()) {
            Some(s) => Some(
                self.data_key()
                    .await?
                    .seal(s.as_bytes(), &format!("reservation:{id}")),
            ),
            None => None,
        };
        // The reservation and its tables in one statement; a taken code inserts neither and
        // is drawn again.
        for _ in 0..8 {
            let code = booking_code(&random_bytes(8));
            let inserted: i64 = sqlx::query_scalar(
                "WITH r AS ( \
                   INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, \
                   notes, special_enc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                   ON CONFLICT (restaurant_id, code) DO NOTHING RETURNING id), \
                 held AS ( \
                   INSERT INTO reservation_tables (restaurant_id, reservation_id, table_id, during) \
                   SELECT $1, r.id, t, tstzrange($6, $7, '[)') FROM r, unnest($13::uuid[]) AS t) \
                 SELECT count(*) FROM r",
            )
            .bind(rid)
            .bind(id)
            .bind(&code)
            .bind(guest_id)
            .bind(party as i32)
            .bind(slot.0)
            .bind(slot.1)
            .bind(status.as_str())
            .bind(channel.as_str())
            .bind(notes)
            .bind(&special_enc)
            .bind(now)
            .bind(tables)
            .fetch_one(self.conn())
            .await?;
            if inserted == 1 {
                return Ok(Inserted {
                    id,
                    code,
                    created_at: now,
                    has_special_notes: special_enc.is_some(),
                });
            }
        }
        Err(StoreError::Other(anyhow::anyhow!(
            "no free booking code after 8 tries"
        )))
    }

    /// Moves a reservation's table holds to `tables` for `span`.
    async fn retable(
        &mut self,
        id: Uuid,
        span: (DateTime<Utc>, DateTime<Utc>),
        tables: &[Uuid],
    ) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        sqlx::query("DELETE FROM reservation_tables WHERE reservation_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO reservation_tables (restaurant_id, reservation_id, table_id, during) \
             SELECT $1, $2, t, tstzrange($4, $5, '[)') FROM unnest($3::uuid[]) AS t",
        )
        .bind(rid)
        .bind(id)
        .bind(tables)
        .bind(span.0)
        .bind(span.1)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Books a table. `Ok(Err(rejection))` when the time cannot be seated, with alternatives.
    pub async fn create_reservation(
        &mut self,
        req: &NewReservation,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let now = self.store.clock.now();
        self.create_reservation_at(req, now).await
    }

    /// The local date in the restaurant's zone now.
    pub async fn now_local_date(&mut self) -> Result<NaiveDate, StoreError> {
        let tz = self.rules().await?.tz;
        Ok(self.store.clock.now().with_timezone(&tz).date_naive())
    }

    /// As [`TenantTx::create_reservation`], judged as of `now` (lead time, horizon, past):
    /// for imports and the demo's history.
    pub async fn create_reservation_at(
        &mut self,
        req: &NewReservation,
        now: DateTime<Utc>,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let notes = text("notes", &req.notes, NOTES_MAX)?;
        let special = req
            .special_notes
            .as_deref()
            .map(|s| text("special_notes", s, NOTES_MAX))
            .transpose()?;
        if req.guest.name.trim().is_empty() {
            return Err(field("guest.name", validate::Invalid::Empty));
        }
        let settings = self.reservation_settings().await?;
        // Validate and match the guest before taking the day's lock; a refusal rolls it back.
        let guest = self.match_guest(&req.guest, &settings.country).await?;
        let snap = self.snapshot_locked(&[req.date]).await?;
        let audience = if req.channel.is_guest_channel() {
            Audience::Guest
        } else {
            Audience::Staff
        };
        let slot = match availability::check_tables(
            &snap,
            req.date,
            req.time,
            req.party_size,
            now,
            audience,
            None,
            req.tables.as_deref(),
        ) {
            Ok(s) => s,
            Err(reason) => {
                let alternatives = match reason {
                    Unavailable::Full
                    | Unavailable::TooSoon(_)
                    | Unavailable::NotBookableTime { .. } => {
                        self.alternatives(
                            &snap,
                            req.date,
                            req.time,
                            req.party_size,
                            now,
                            audience,
                            3,
                        )
                        .await?
                    }
                    _ => Alternatives::default(),
                };
                return Ok(Err(Rejection {
                    reason,
                    alternatives,
                }));
            }
        };
        let status = if req.party_size > settings.approval_above as u32 {
            Status::Pending
        } else {
            Status::Confirmed
        };
        let new = Insert {
            guest_id: Some(guest.id),
            span: (slot.starts_at, slot.ends_at),
            party: req.party_size,
            status,
            channel: req.channel,
            notes: &notes,
            special: special.as_deref(),
            tables: &slot.assignment.tables,
        };
        let inserted = self.insert_reservation(&new).await?;
        Ok(Ok(booked(&snap, inserted, &new, Some(guest))))
    }

    /// Seats a walk-in now on the best free table (or the given tables).
    pub async fn walk_in(
        &mut self,
        party: u32,
        guest: Option<&GuestInput>,
        tables: Option<Vec<Uuid>>,
        notes: &str,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let notes = text("notes", notes, NOTES_MAX)?;
        let settings = self.reservation_settings().await?;
        let now = self.store.clock.now();
        let tz = self.rules().await?.tz;
        let today = now.with_timezone(&tz).date_naive();
        let snap = self.snapshot_locked(&[today]).await?;
        let turn = match availability::party_turn(&snap, party) {
            Ok(turn) => turn,
            Err(reason) => {
                return Ok(Err(Rejection {
                    reason,
                    alternatives: Alternatives::default(),
                }))
            }
        };
        let span = (now, now + Duration::minutes(i64::from(turn)));
        let chosen = match tables {
            Some(ids) if !ids.is_empty() => {
                let known = ids.iter().all(|id| snap.tables.iter().any(|t| t.id == *id));
                if !known {
                    return Err(StoreError::Field {
                        field: "table_ids".into(),
                        code: "not_found",
                        message: "no such table".into(),
                    });
                }
                let busy = snap.booked.iter().any(|b| {
                    b.tables.iter().any(|t| ids.contains(t))
                        && b.starts_at < span.1
                        && span.0 < b.ends_at
                });
                if busy {
                    return Ok(Err(Rejection {
                        reason: Unavailable::Full,
                        alternatives: Alternatives::default(),
                    }));
                }
                ids
            }
            _ => match availability::walk_in(&snap, party, now) {
                Ok(a) => a.tables,
                Err(reason) => {
                    return Ok(Err(Rejection {
                        reason,
                        alternatives: Alternatives::default(),
                    }))
                }
            },
        };
        // A walk-in may stay anonymous (no guest); a guest that is given needs a name.
        let guest = match guest {
            Some(g) => Some(self.match_guest(g, &settings.country).await?),
            None => None,
        };
        let new = Insert {
            guest_id: guest.as_ref().map(|g| g.id),
            span,
            party,
            status: Status::Seated,
            channel: Channel::WalkIn,
            notes: &notes,
            special: None,
            tables: &chosen,
        };
        let inserted = self.insert_reservation(&new).await?;
        Ok(Ok(booked(&snap, inserted, &new, guest)))
    }

    /// One reservation; special-category notes decrypted only when `special` is allowed.
    pub async fn reservation(
        &mut self,
        id: Uuid,
        special: bool,
    ) -> Result<Reservation, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        self.present(row, special).await
    }

    /// A reservation by its booking code.
    pub async fn reservation_by_code(
        &mut self,
        code: &str,
        special: bool,
    ) -> Result<Reservation, StoreError> {
        let code = hs_domain::reservation::normalise_code(code);
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.code = $1"))
            .bind(&code)
            .fetch_optional(self.conn())
            .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        self.present(row, special).await
    }

    /// Reservations starting on a local date, by time.
    pub async fn reservations_on(
        &mut self,
        date: NaiveDate,
        special: bool,
    ) -> Result<Vec<Reservation>, StoreError> {
        let rules = self.rules().await?;
        let from = rules
            .instant(date.and_time(NaiveTime::MIN))
            .unwrap_or_else(|| self.store.clock.now());
        let to = rules
            .instant((date + Duration::days(1)).and_time(NaiveTime::MIN))
            .unwrap_or(from + Duration::days(1));
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE r.starts_at >= $1 AND r.starts_at < $2 ORDER BY r.starts_at, r.code"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present(r, special).await?);
        }
        Ok(out)
    }

    /// Pending and confirmed reservations from now on of the guest with this phone number
    /// (E.164), soonest first; at most ten.
    pub async fn upcoming_for_phone(
        &mut self,
        phone: &str,
    ) -> Result<Vec<Reservation>, StoreError> {
        let now = self.store.clock.now();
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE g.phone = $1 AND r.starts_at >= $2 AND r.status IN ('pending', 'confirmed') \
             ORDER BY r.starts_at LIMIT 10"
        ))
        .bind(phone)
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.present(r, false).await?);
        }
        Ok(out)
    }

    async fn present(&mut self, r: Row, special: bool) -> Result<Reservation, StoreError> {
        let tz = self.rules().await?.tz;
        let local = r.starts_at.with_timezone(&tz);
        let special_notes = match (&r.special_enc, special) {
            (Some(sealed), true) => {
                let key = self.data_key().await?;
                Some(
                    String::from_utf8_lossy(&key.open(sealed, &format!("reservation:{}", r.id))?)
                        .into_owned(),
                )
            }
            _ => None,
        };
        Ok(Reservation {
            id: r.id,
            code: r.code,
            status: r.status,
            channel: r.channel,
            date: local.date_naive(),
            time: local.format("%H:%M").to_string(),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            party_size: r.party_size,
            tables: r.tables,
            notes: r.notes,
            has_special_notes: r.special_enc.is_some(),
            special_notes,
            guest: r.guest_id.map(|id| GuestRef {
                id,
                name: r.guest_name.unwrap_or_default(),
                phone: r.guest_phone,
                email: r.guest_email,
                language: r.guest_language.unwrap_or_else(|| "de".into()),
            }),
            created_at: r.created_at,
        })
    }

    /// Moves a state along an allowed transition (else 409 naming it), keeping the guest's
    /// visit and no-show counts and the table holds in step.
    pub async fn transition(&mut self, id: Uuid, to: Status) -> Result<Reservation, StoreError> {
        let row: Option<(String, Option<Uuid>)> =
            sqlx::query_as("SELECT status, guest_id FROM reservations WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        let (from, guest) = row.ok_or(StoreError::NotFound)?;
        let from = Status::parse(&from)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown status {from}")))?;
        if !from.can_become(to) {
            return Err(StoreError::Conflict {
                code: "invalid_transition",
                message: format!(
                    "a {} reservation cannot become {}",
                    from.as_str(),
                    to.as_str()
                ),
            });
        }
        let now = self.store.clock.now();
        sqlx::query("UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE reservation_tables SET holds = $2 WHERE reservation_id = $1")
            .bind(id)
            .bind(to.holds_tables())
            .execute(self.conn())
            .await?;
        if let Some(g) = guest {
            let (visits, no_shows) = match (from, to) {
                (_, Status::NoShow) => (0, 1),
                (Status::NoShow, Status::Seated) => (0, -1),
                (_, Status::Completed) => (1, 0),
                _ => (0, 0),
            };
            if visits != 0 || no_shows != 0 {
                sqlx::query("UPDATE guests SET visit_count = visit_count + $2, no_show_count = greatest(no_show_count + $3, 0) WHERE id = $1")
                    .bind(g)
                    .bind(visits)
                    .bind(no_shows)
                    .execute(self.conn())
                    .await?;
            }
        }
        self.reservation(id, false).await
    }

    /// Moves a reservation and/or changes its party size, re-checking availability (ignoring
    /// its own hold) and reassigning tables.
    pub async fn change_reservation(
        &mut self,
        id: Uuid,
        change: &Change<'_>,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let Change {
            date,
            time,
            party_size: party,
            notes,
            ref tables,
        } = *change;
        let current = self.reservation(id, false).await?;
        // Lock the row first, so two moves of the same reservation run one after the other.
        let (status, channel): (String, String) =
            sqlx::query_as("SELECT status, channel FROM reservations WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        let status = Status::parse(&status).unwrap_or(Status::Cancelled);
        if let Some(n) = notes {
            let n = text("notes", n, NOTES_MAX)?;
            sqlx::query("UPDATE reservations SET notes = $2 WHERE id = $1")
                .bind(id)
                .bind(n)
                .execute(self.conn())
                .await?;
        }
        if date.is_none() && time.is_none() && party.is_none() && tables.is_none() {
            return Ok(Ok(self.reservation(id, false).await?));
        }
        if !status.changeable() {
            return Err(StoreError::Conflict {
                code: "not_changeable",
                message: format!("a {} reservation cannot be moved", status.as_str()),
            });
        }
        let date = date.unwrap_or(current.date);
        let time = match time {
            Some(t) => t,
            None => NaiveTime::parse_from_str(&current.time, "%H:%M")
                .map_err(|e| StoreError::Other(e.into()))?,
        };
        let party = party.unwrap_or(current.party_size as u32);
        let snap = self.snapshot_locked(&[current.date, date]).await?;
        let now = self.store.clock.now();
        let audience = match Channel::parse(&channel) {
            Some(c) if c.is_guest_channel() => Audience::Guest,
            _ => Audience::Staff,
        };
        let slot = match availability::check_tables(
            &snap,
            date,
            time,
            party,
            now,
            audience,
            Some(id),
            tables.as_deref(),
        ) {
            Ok(s) => s,
            Err(reason) => {
                let alternatives = self
                    .alternatives(&snap, date, time, party, now, audience, 3)
                    .await?;
                return Ok(Err(Rejection {
                    reason,
                    alternatives,
                }));
            }
        };
        sqlx::query("UPDATE reservations SET starts_at = $2, ends_at = $3, party_size = $4, updated_at = $5 WHERE id = $1")
            .bind(id)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(party as i32)
            .bind(now)
            .execute(self.conn())
            .await?;
        self.retable(id, (slot.starts_at, slot.ends_at), &slot.assignment.tables)
            .await?;
        Ok(Ok(self.reservation(id, false).await?))
    }

    // ---- idempotency ------------------------------------------------------------------------

    /// Looks up an idempotency key after locking it for this transaction. `Some((status, body))`
    /// when the same request was answered before; an error when the key was used for a
    /// different request.
    pub async fn idempotent_replay(
        &mut self,
        scope: &str,
        key: &str,
        request: &[u8],
    ) -> Result<Option<(u16, serde_json::Value)>, StoreError> {
        let lock = format!("idem:{}:{scope}:{key}", self.restaurant_id());
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(lock)
            .execute(self.conn())
            .await?;
        let now = self.store.clock.now();
        let row: Option<(Vec<u8>, i32, serde_json::Value)> = sqlx::query_as(
            "SELECT request_hash, status_code, response FROM idempotency_records WHERE scope = $1 AND key = $2 AND expires_at > $3",
        )
        .bind(scope)
        .bind(key)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        match row {
            None => Ok(None),
            Some((hash, status, body)) if hash == token_hash_bytes(request) => {
                Ok(Some((status as u16, body)))
            }
            Some(_) => Err(StoreError::Conflict {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used for a different request".into(),
            }),
        }
    }

    /// Stores the answer to a request under its idempotency key for 24 hours.
    pub async fn idempotent_store(
        &mut self,
        scope: &str,
        key: &str,
        request: &[u8],
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let rid = self.restaurant_id();
        let now = self.store.clock.now();
        sqlx::query(
            "INSERT INTO idempotency_records (restaurant_id, key, scope, request_hash, status_code, response, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (restaurant_id, scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, \
               status_code = EXCLUDED.status_code, response = EXCLUDED.response, created_at = EXCLUDED.created_at, \
               expires_at = EXCLUDED.expires_at",
        )
        .bind(rid)
        .bind(key)
        .bind(scope)
        .bind(token_hash_bytes(request))
        .bind(i32::from(status))
        .bind(body)
        .bind(now)
        .bind(now + Duration::hours(24))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

fn token_hash_bytes(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}
