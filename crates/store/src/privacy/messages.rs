//! Guest messages: their texts (subject, text and HTML parts, the guest's name among the
//! facts) are purged 30 days after the message was written; kind, channel, status and times
//! stay for the team's history and statistics. On a person's anonymisation their messages lose
//! their texts and the address they went to; on deletion they go. Self-service links are
//! deleted once the visit has ended (they open nothing after that anyway), and with the
//! person. Chat conversations lose state, messages and files after their retention.

use super::voice::nothing;
use super::{Boxed, Erase, Filter, Scope, Shredded, Shredder, Subject, RESERVATIONS_OF};
use crate::tenant::TenantTx;
use chrono::Duration;
use uuid::Uuid;

/// Message texts are kept this many days.
pub const BODY_RETENTION_DAYS: i64 = 30;

/// The person's messages (`$1` everything, `$2` guest cards, `$3` numbers and addresses).
fn messages_of() -> String {
    format!(
        "($1 OR to_address = ANY ($3) OR guest_id = ANY ($2) OR reservation_id IN \
          (SELECT id FROM reservations WHERE {RESERVATIONS_OF}))"
    )
}

/// Guest messages: texts purged after 30 days; a person's anonymised or deleted.
pub struct MessageBodies;

impl Shredder for MessageBodies {
    fn category(&self) -> &'static str {
        "message_bodies_purged"
    }

    fn deleted_category(&self) -> &'static str {
        "messages_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["messages"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let of = Filter::of(subject);
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(&format!(
                "SELECT jsonb_build_object('id', id, 'reservation_id', reservation_id, 'channel', channel, 'kind', kind, \
                        'language', language, 'to', to_address, 'subject', subject, 'text', body_text, \
                        'status', status, 'reason', reason, 'created_at', created_at, 'sent_at', sent_at, \
                        'delivered_at', delivered_at, 'read_at', read_at) \
                 FROM messages WHERE recipient = 'guest' AND {} ORDER BY created_at, id",
                messages_of()
            ))
            .bind(of.all)
            .bind(of.guests)
            .bind(of.addresses())
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff, deleted): (Vec<Uuid>, _, _) = match scope {
                Scope::Retention(at) => {
                    let cutoff = *at - Duration::days(BODY_RETENTION_DAYS);
                    let ids = sqlx::query_scalar(
                        "UPDATE messages SET subject = NULL, body_text = NULL, body_html = NULL, \
                         params = params - 'name' - 'lines', body_purged_at = $2 \
                         WHERE created_at < $1 AND body_purged_at IS NULL RETURNING id",
                    )
                    .bind(cutoff)
                    .bind(now)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, cutoff.min(now), false)
                }
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, erase) => {
                    let of = Filter::of(subject);
                    let sql = match erase {
                        Erase::Anonymise => format!(
                            "UPDATE messages SET subject = NULL, body_text = NULL, body_html = NULL, to_address = NULL, \
                             provider_message_id = NULL, reason = NULL, params = params - 'name' - 'lines', \
                             body_purged_at = coalesce(body_purged_at, $4) \
                             WHERE recipient = 'guest' AND {} RETURNING id",
                            messages_of()
                        ),
                        Erase::Delete => format!(
                            "DELETE FROM messages WHERE recipient = 'guest' AND {} RETURNING id",
                            messages_of()
                        ),
                    };
                    let ids = sqlx::query_scalar(&sql)
                        .bind(of.all)
                        .bind(of.guests)
                        .bind(of.addresses())
                        .bind(now)
                        .fetch_all(tx.conn())
                        .await?;
                    // Mails to the team (the daily digest) may name the person too: their
                    // texts go, the row stays (it is the team's).
                    let Subject::Person(p) = subject else {
                        return Ok(nothing(now));
                    };
                    let team: Vec<Uuid> = sqlx::query_scalar(
                        "UPDATE messages SET subject = NULL, body_text = NULL, body_html = NULL, \
                         params = params - 'name' - 'lines', body_purged_at = coalesce(body_purged_at, $2) \
                         WHERE recipient = 'team' AND EXISTS (SELECT 1 FROM unnest($1::text[]) n \
                           WHERE strpos(coalesce(body_text, '') || coalesce(body_html, '') || params::text, n) > 0) \
                         RETURNING id",
                    )
                    .bind(p.needles())
                    .bind(now)
                    .fetch_all(tx.conn())
                    .await?;
                    let mut ids: Vec<Uuid> = ids;
                    ids.extend(team);
                    (ids, now, *erase == Erase::Delete)
                }
            };
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some(("messages", ids.iter().map(Uuid::to_string).collect())),
                deleted,
            })
        })
    }
}

/// Self-service links: deleted once expired, and with their person.
pub struct GuestLinks;

impl Shredder for GuestLinks {
    fn category(&self) -> &'static str {
        "guest_links_deleted"
    }

    fn deleted_category(&self) -> &'static str {
        "guest_links_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["guest_links"]
    }

    fn export<'a>(
        &'a self,
        _tx: &'a mut TenantTx,
        _subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        // A link holds a reservation id and a hash; nothing about a person to hand out.
        Box::pin(async { Ok(Vec::new()) })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff): (Vec<Uuid>, _) = match scope {
                Scope::Retention(at) => (
                    sqlx::query_scalar(
                        "DELETE FROM guest_links WHERE expires_at < $1 RETURNING id",
                    )
                    .bind(*at)
                    .fetch_all(tx.conn())
                    .await?,
                    *at,
                ),
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, _) => {
                    let of = Filter::of(subject);
                    let ids = sqlx::query_scalar(&format!(
                        "DELETE FROM guest_links WHERE reservation_id IN \
                           (SELECT id FROM reservations WHERE {RESERVATIONS_OF}) RETURNING id"
                    ))
                    .bind(of.all)
                    .bind(of.guests)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, now)
                }
            };
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some(("guest_links", ids.iter().map(Uuid::to_string).collect())),
                deleted: true,
            })
        })
    }
}

/// Messages guests sent (WhatsApp): texts purged after 30 days; a person's deleted on
/// erasure (anonymised, they would be empty rows).
pub struct InboundMessages;

/// The person's inbound messages (`$1` everything, `$2` guest cards, `$3` numbers).
const INBOUND_OF: &str = "($1 OR from_address = ANY ($3) OR guest_id = ANY ($2))";

impl Shredder for InboundMessages {
    fn category(&self) -> &'static str {
        "inbound_messages_purged"
    }

    fn deleted_category(&self) -> &'static str {
        "inbound_messages_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["inbound_messages"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let of = Filter::of(subject);
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(&format!(
                "SELECT jsonb_build_object('channel', channel, 'from', from_address, 'kind', kind, 'text', body, \
                        'received_at', received_at) \
                 FROM inbound_messages WHERE {INBOUND_OF} ORDER BY received_at, id"
            ))
            .bind(of.all)
            .bind(of.guests)
            .bind(of.phones)
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff, deleted): (Vec<Uuid>, _, _) = match scope {
                Scope::Retention(at) => {
                    let cutoff = *at - Duration::days(BODY_RETENTION_DAYS);
                    let ids = sqlx::query_scalar(
                        "UPDATE inbound_messages SET body = NULL, body_purged_at = $2 \
                         WHERE received_at < $1 AND body_purged_at IS NULL RETURNING id",
                    )
                    .bind(cutoff)
                    .bind(now)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, cutoff.min(now), false)
                }
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, _) => {
                    let of = Filter::of(subject);
                    let ids = sqlx::query_scalar(&format!(
                        "DELETE FROM inbound_messages WHERE {INBOUND_OF} RETURNING id"
                    ))
                    .bind(of.all)
                    .bind(of.guests)
                    .bind(of.phones)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, now, true)
                }
            };
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some((
                    "inbound_messages",
                    ids.iter().map(Uuid::to_string).collect(),
                )),
                deleted,
            })
        })
    }
}

/// Chat conversations: after their retention or on a person's anonymisation, the state,
/// every message and every file the guest sent are removed; the outcome, intents, channel,
/// language and counts stay for the analysis. On a person's deletion the rows go.
pub struct Conversations;

/// The person's conversations (`$1` everything, `$2` guest cards, `$3` thread keys of their
/// WhatsApp numbers).
fn conversations_of() -> String {
    format!(
        "($1 OR guest_id = ANY ($2) OR thread_key = ANY ($3) OR reservation_id IN \
          (SELECT id FROM reservations WHERE {RESERVATIONS_OF}))"
    )
}

/// The thread keys a person's WhatsApp conversations are found by.
fn threads(tx: &TenantTx, of: &Filter<'_>) -> Vec<Vec<u8>> {
    of.phones
        .iter()
        .map(|p| crate::conversations::thread_key(tx.restaurant_id(), &format!("whatsapp:{p}")))
        .collect()
}

impl Shredder for Conversations {
    fn category(&self) -> &'static str {
        "conversations_anonymised"
    }

    fn deleted_category(&self) -> &'static str {
        "conversations_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "conversations",
            "conversation_messages",
            "conversation_files",
        ]
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
                Option<String>,
                Option<String>,
                chrono::DateTime<chrono::Utc>,
            );
            let rows: Vec<Row> = sqlx::query_as(&format!(
                "SELECT id, channel, language, outcome, created_at FROM conversations \
                 WHERE anonymised_at IS NULL AND {} ORDER BY created_at, id",
                conversations_of()
            ))
            .bind(of.all)
            .bind(of.guests)
            .bind(threads(tx, &of))
            .fetch_all(tx.conn())
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, channel, language, outcome, created_at) in rows {
                let lines: Vec<serde_json::Value> = tx
                    .conversation_lines(id)
                    .await?
                    .into_iter()
                    .map(|(role, text, at)| serde_json::json!({"role": role, "text": text, "at": at}))
                    .collect();
                let files: Vec<serde_json::Value> = tx
                    .conversation_files(id)
                    .await?
                    .into_iter()
                    .map(|f| {
                        serde_json::json!({"name": f.name, "content_type": f.content_type,
                                           "size": f.size, "at": f.created_at})
                    })
                    .collect();
                out.push(serde_json::json!({
                    "id": id, "channel": channel, "language": language, "outcome": outcome,
                    "created_at": created_at, "messages": lines, "files": files,
                }));
            }
            Ok(out)
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff, erase): (Vec<Uuid>, _, _) = match scope {
                Scope::Retention(at) => {
                    // The restaurant's setting (`agent_settings.retention_days`, 90 days by
                    // default).
                    let days = tx.agent_settings().await?.retention_days;
                    let cutoff = *at - Duration::days(i64::from(days));
                    let ids = sqlx::query_scalar(
                        "UPDATE conversations SET state_enc = '', thread_key = NULL, guest_token_hash = NULL, guest_id = NULL, anonymised_at = $2 \
                         WHERE updated_at < $1 AND anonymised_at IS NULL RETURNING id",
                    )
                    .bind(cutoff)
                    .bind(now)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, cutoff.min(now), Erase::Anonymise)
                }
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                // A person's: the conversations linked to their guest card or reservations,
                // and their WhatsApp threads (found by the hash of their number).
                Scope::Erasure(subject, erase) => {
                    let of = Filter::of(subject);
                    let ids = sqlx::query_scalar(&format!(
                        "SELECT id FROM conversations WHERE {}",
                        conversations_of()
                    ))
                    .bind(of.all)
                    .bind(of.guests)
                    .bind(threads(tx, &of))
                    .fetch_all(tx.conn())
                    .await?;
                    sqlx::query(
                        "UPDATE conversations SET state_enc = '', thread_key = NULL, guest_token_hash = NULL, guest_id = NULL, \
                         anonymised_at = coalesce(anonymised_at, $2) WHERE id = ANY ($1)",
                    )
                    .bind(&ids)
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
                    (ids, now, *erase)
                }
            };
            // Guests' files go too: rows now, bytes by the job this enqueues.
            tx.remove_conversation_files(&ids).await?;
            let sql = match erase {
                Erase::Anonymise => {
                    "UPDATE conversation_messages SET body_enc = NULL WHERE conversation_id = ANY ($1)"
                }
                Erase::Delete => "DELETE FROM conversations WHERE id = ANY ($1)",
            };
            sqlx::query(sql).bind(&ids).execute(tx.conn()).await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some(("conversations", ids.iter().map(Uuid::to_string).collect())),
                deleted: erase == Erase::Delete,
            })
        })
    }
}
