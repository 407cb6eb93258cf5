//! Booking and walk-ins: the guest matched or written, the slot chosen by the engine under
//! the day's lock, the reservation and its table holds written in one statement.

use super::*;

impl TenantTx {
    /// Finds the guest by phone or email, or creates them; fills in contact details they lacked.
    async fn match_guest(&mut self, g: &GuestInput, country: &str) -> Result<GuestRef, StoreError> {
        let name = validate::name(&g.name, validate::NAME_MAX)
            .map_err(|e| StoreError::invalid("guest.name", e))?;
        let phone = match g.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(
                validate::phone_e164(p, country)
                    .map_err(|e| StoreError::invalid("guest.phone", e))?,
            ),
            None => None,
        };
        let email = match g.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(validate::email(e).map_err(|e| StoreError::invalid("guest.email", e))?),
            None => None,
        };
        let language = g.language.clone().unwrap_or_else(|| "de".into());
        if language != "de" && language != "en" {
            return Err(StoreError::Invalid {
                field: "guest.language".into(),
                code: "unsupported_language",
                message: "\"de\" or \"en\"".into(),
            });
        }
        let salutation = validate::single_line(g.salutation.as_deref().unwrap_or(""), 30)
            .map_err(|e| StoreError::invalid("guest.salutation", e))?
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
                self.count(crate::counters::BOOKINGS, &[("channel", channel.as_str())]);
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

    /// Books a table. `Ok(Err(rejection))` when the time cannot be seated, with alternatives.
    pub async fn create_reservation(
        &mut self,
        req: &NewReservation,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let now = self.store.clock.now();
        let booked = self.create_reservation_at(req, now).await?;
        if let Ok(r) = &booked {
            if let Some(kind) = hs_domain::message::after_booking(r.status) {
                self.tell_guest(r.id, kind).await?;
            }
        }
        Ok(booked)
    }

    /// As [`TenantTx::create_reservation`], judged as of `now` (lead time, horizon, past) and
    /// telling the guest nothing: for imports and the demo's history.
    pub async fn create_reservation_at(
        &mut self,
        req: &NewReservation,
        now: DateTime<Utc>,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let notes = checked_notes("notes", &req.notes, NOTES_MAX)?;
        let special = req
            .special_notes
            .as_deref()
            .map(|s| checked_notes("special_notes", s, NOTES_MAX))
            .transpose()?;
        if req.guest.name.trim().is_empty() {
            return Err(StoreError::invalid("guest.name", validate::Invalid::Empty));
        }
        let settings = self.reservation_settings().await?;
        // Validate and match the guest before taking the day's lock; a refusal rolls it back.
        let guest = self.match_guest(&req.guest, &settings.country).await?;
        let snap = self.snapshot_locked(&[req.date]).await?;
        let audience = req.channel.audience();
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
        if req.guest.whatsapp_opt_in == Some(true) {
            self.set_whatsapp_consent(guest.id, true, req.channel.as_str())
                .await?;
        }
        Ok(Ok(booked(&snap, inserted, &new, Some(guest))))
    }

    /// Seats a walk-in now on the best free table (or the given tables); `confirm` sends the
    /// guest a confirmation (only when asked, and only with a guest).
    pub async fn walk_in(
        &mut self,
        party: u32,
        guest: Option<&GuestInput>,
        tables: Option<Vec<Uuid>>,
        notes: &str,
        confirm: bool,
    ) -> Result<Result<Reservation, Rejection>, StoreError> {
        let notes = checked_notes("notes", notes, NOTES_MAX)?;
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
                    return Err(StoreError::Invalid {
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
        if confirm && guest.is_some() {
            self.confirm_walk_in(inserted.id).await?;
        }
        Ok(Ok(booked(&snap, inserted, &new, guest)))
    }
}
