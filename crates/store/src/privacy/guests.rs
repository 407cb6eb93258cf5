//! Guest cards and reservations. They have no retention of their own (a restaurant keeps its
//! guest book); a person's erasure anonymises them (the name becomes a fixed placeholder,
//! numbers, addresses, notes and special-category notes go; dates, party sizes, statuses and
//! counts stay for the statistics) or deletes them.

use super::voice::nothing;
use super::{Boxed, Erase, Filter, Scope, Shredded, Shredder, Subject, RESERVATIONS_OF};
use crate::tenant::TenantTx;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The name an anonymised guest card shows.
pub const ANONYMISED_NAME: &str = "Anonymisiert";

/// Opens a sealed special-category note for the person's own export.
fn open_special(
    key: &crate::crypto::MasterKey,
    sealed: Option<String>,
    context: String,
) -> Option<String> {
    sealed.and_then(|s| {
        key.open(&s, &context)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    })
}

/// Reservations: a person's lose notes and special notes, or go.
pub struct Reservations;

impl Shredder for Reservations {
    fn category(&self) -> &'static str {
        "reservations_anonymised"
    }

    fn deleted_category(&self) -> &'static str {
        "reservations_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["reservations", "reservation_tables"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let of = Filter::of(subject);
            type Row = (
                Uuid,
                String,
                Option<Uuid>,
                i32,
                DateTime<Utc>,
                DateTime<Utc>,
                String,
                String,
                String,
                Option<String>,
                DateTime<Utc>,
            );
            let rows: Vec<Row> = sqlx::query_as(&format!(
                "SELECT id, code, guest_id, party_size, starts_at, ends_at, status, channel, notes, special_enc, created_at \
                 FROM reservations WHERE {RESERVATIONS_OF} ORDER BY starts_at, id"
            ))
            .bind(of.all)
            .bind(of.guests)
            .fetch_all(tx.conn())
            .await?;
            let key = tx.data_key().await?;
            Ok(rows
                .into_iter()
                .map(|(id, code, guest, party, starts, ends, status, channel, notes, special, created)| {
                    serde_json::json!({
                        "id": id, "code": code, "guest_id": guest, "party_size": party,
                        "starts_at": starts, "ends_at": ends, "status": status, "channel": channel,
                        "notes": notes,
                        "special_notes": open_special(&key, special, format!("reservation:{id}")),
                        "created_at": created,
                    })
                })
                .collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (subject, erase) = match scope {
                Scope::Erasure(s @ Subject::Person(_), erase) => (s, *erase),
                _ => return Ok(nothing(now)),
            };
            let of = Filter::of(subject);
            let sql = match erase {
                Erase::Anonymise => format!(
                    "UPDATE reservations SET notes = '', special_enc = NULL, updated_at = $3 \
                     WHERE NOT $1 AND {RESERVATIONS_OF} RETURNING id"
                ),
                Erase::Delete => format!(
                    "DELETE FROM reservations WHERE NOT $1 AND {RESERVATIONS_OF} RETURNING id"
                ),
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(&sql)
                .bind(of.all)
                .bind(of.guests)
                .bind(now)
                .fetch_all(tx.conn())
                .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: now,
                audit: Some(("reservations", ids.iter().map(Uuid::to_string).collect())),
                deleted: erase == Erase::Delete,
            })
        })
    }
}

/// Guest cards: a person's anonymised or deleted.
pub struct Guests;

impl Shredder for Guests {
    fn category(&self) -> &'static str {
        "guests_anonymised"
    }

    fn deleted_category(&self) -> &'static str {
        "guests_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["guests"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let of = Filter::of(subject);
            type Row = (Uuid, serde_json::Value, Option<String>);
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, jsonb_build_object('id', id, 'name', name, 'salutation', salutation, 'phone', phone, \
                        'email', email, 'language', language, 'tags', tags, 'notes', notes, \
                        'visit_count', visit_count, 'no_show_count', no_show_count, \
                        'whatsapp_opt_in_at', whatsapp_opt_in_at, 'whatsapp_opt_in_channel', whatsapp_opt_in_channel, \
                        'whatsapp_opt_out_at', whatsapp_opt_out_at, 'created_at', created_at), special_enc \
                 FROM guests WHERE $1 OR id = ANY ($2) ORDER BY created_at, id",
            )
            .bind(of.all)
            .bind(of.guests)
            .fetch_all(tx.conn())
            .await?;
            let key = tx.data_key().await?;
            Ok(rows
                .into_iter()
                .map(|(id, mut card, special)| {
                    card["special_notes"] =
                        open_special(&key, special, format!("guest:{id}")).into();
                    card
                })
                .collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (subject, erase) = match scope {
                Scope::Erasure(s @ Subject::Person(_), erase) => (s, *erase),
                _ => return Ok(nothing(now)),
            };
            let of = Filter::of(subject);
            let sql = match erase {
                Erase::Anonymise => {
                    "UPDATE guests SET name = $3, salutation = '', phone = NULL, email = NULL, tags = '{}', notes = '', \
                     special_enc = NULL, whatsapp_opt_in_at = NULL, whatsapp_opt_in_channel = NULL, \
                     whatsapp_opt_out_at = NULL, anonymised_at = $4, updated_at = $4 \
                     WHERE NOT $1 AND id = ANY ($2) RETURNING id"
                }
                Erase::Delete => {
                    "DELETE FROM guests WHERE NOT $1 AND id = ANY ($2) RETURNING id"
                }
            };
            let ids: Vec<Uuid> = sqlx::query_scalar(sql)
                .bind(of.all)
                .bind(of.guests)
                .bind(ANONYMISED_NAME)
                .bind(now)
                .fetch_all(tx.conn())
                .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: now,
                audit: Some(("guests", ids.iter().map(Uuid::to_string).collect())),
                deleted: erase == Erase::Delete,
            })
        })
    }
}
