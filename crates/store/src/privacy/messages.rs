//! Guest messages: their texts (subject, text and HTML parts, the guest's name among the
//! facts) are purged 30 days after the message was written; kind, channel, status and times
//! stay for the team's history and statistics. On erasure, a person's messages lose their
//! texts and the address they went to. Self-service links are deleted once the visit has
//! ended (they open nothing after that anyway).

use super::voice::nothing;
use super::{Boxed, Scope, Shredded, Shredder, Subject};
use crate::tenant::TenantTx;
use chrono::Duration;
use uuid::Uuid;

/// Message texts are kept this many days.
pub const BODY_RETENTION_DAYS: i64 = 30;

/// The address a subject's messages went to.
fn address(subject: &Subject) -> Option<Option<&str>> {
    match subject {
        Subject::Restaurant => Some(None),
        Subject::Phone(p) => Some(Some(p.as_str())),
        Subject::Email(e) => Some(Some(e.as_str())),
    }
}

/// Message texts: purged.
pub struct MessageBodies;

impl Shredder for MessageBodies {
    fn category(&self) -> &'static str {
        "message_bodies_purged"
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let Some(to) = address(subject) else {
                return Ok(Vec::new());
            };
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(
                "SELECT jsonb_build_object('id', id, 'reservation_id', reservation_id, 'channel', channel, 'kind', kind, \
                        'language', language, 'to', to_address, 'subject', subject, 'text', body_text, \
                        'status', status, 'reason', reason, 'created_at', created_at, 'sent_at', sent_at, \
                        'delivered_at', delivered_at, 'read_at', read_at) \
                 FROM messages WHERE $1::text IS NULL OR to_address = $1 ORDER BY created_at, id",
            )
            .bind(to)
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let ids: Vec<Uuid> = match scope {
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
                    return Ok(Shredded {
                        rows: ids.len() as u64,
                        cutoff: cutoff.min(now),
                        audit: Some(("messages", ids.iter().map(Uuid::to_string).collect())),
                    });
                }
                Scope::Erasure(subject) => {
                    let Some(to) = address(subject) else {
                        return Ok(nothing(now));
                    };
                    sqlx::query_scalar(
                        "UPDATE messages SET subject = NULL, body_text = NULL, body_html = NULL, to_address = NULL, \
                         params = params - 'name' - 'lines', body_purged_at = coalesce(body_purged_at, $2) \
                         WHERE ($1::text IS NULL OR to_address = $1) RETURNING id",
                    )
                    .bind(to)
                    .bind(now)
                    .fetch_all(tx.conn())
                    .await?
                }
            };
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: now,
                audit: Some(("messages", ids.iter().map(Uuid::to_string).collect())),
            })
        })
    }
}

/// Self-service links: deleted once expired (or with the restaurant's data).
pub struct GuestLinks;

impl Shredder for GuestLinks {
    fn category(&self) -> &'static str {
        "guest_links_deleted"
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
            let Scope::Retention(at) = scope else {
                return Ok(nothing(now));
            };
            let ids: Vec<Uuid> =
                sqlx::query_scalar("DELETE FROM guest_links WHERE expires_at < $1 RETURNING id")
                    .bind(*at)
                    .fetch_all(tx.conn())
                    .await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff: *at,
                audit: Some(("guest_links", ids.iter().map(Uuid::to_string).collect())),
            })
        })
    }
}

/// Messages guests sent (WhatsApp): texts purged after 30 days; on erasure of the sender's
/// number, the rows are deleted.
pub struct InboundMessages;

impl Shredder for InboundMessages {
    fn category(&self) -> &'static str {
        "inbound_messages_purged"
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let from = match subject {
                Subject::Restaurant => None,
                Subject::Phone(p) => Some(p.as_str()),
                Subject::Email(_) => return Ok(Vec::new()),
            };
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(
                "SELECT jsonb_build_object('channel', channel, 'from', from_address, 'kind', kind, 'text', body, \
                        'received_at', received_at) \
                 FROM inbound_messages WHERE $1::text IS NULL OR from_address = $1 ORDER BY received_at, id",
            )
            .bind(from)
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff): (Vec<Uuid>, _) = match scope {
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
                    (ids, cutoff.min(now))
                }
                Scope::Erasure(Subject::Phone(p)) => {
                    let ids = sqlx::query_scalar(
                        "DELETE FROM inbound_messages WHERE from_address = $1 RETURNING id",
                    )
                    .bind(p)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, now)
                }
                Scope::Erasure(_) => return Ok(nothing(now)),
            };
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some((
                    "inbound_messages",
                    ids.iter().map(Uuid::to_string).collect(),
                )),
            })
        })
    }
}

/// Chat conversations: after their retention, the state, every message and every file the
/// guest sent are removed; the outcome, intents, channel, language and counts stay for the
/// analysis.
pub struct Conversations;

impl Shredder for Conversations {
    fn category(&self) -> &'static str {
        "conversations_anonymised"
    }

    fn export<'a>(
        &'a self,
        _tx: &'a mut TenantTx,
        _subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        // Sealed texts are not searched by person yet; the restaurant's export takes them whole.
        Box::pin(async { Ok(Vec::new()) })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let (ids, cutoff): (Vec<Uuid>, _) = match scope {
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
                    (ids, cutoff.min(now))
                }
                // A guest's erasure: the conversations linked to their guest card (by phone
                // or email), and their WhatsApp threads (found by the hash of their number).
                Scope::Erasure(subject) => {
                    let (phone, email) = match subject {
                        Subject::Phone(p) => (Some(p.as_str()), None),
                        Subject::Email(e) => (None, Some(e.as_str())),
                        Subject::Restaurant => return Ok(nothing(now)),
                    };
                    let thread = phone.map(|p| {
                        crate::conversations::thread_key(
                            tx.restaurant_id(),
                            &format!("whatsapp:{p}"),
                        )
                    });
                    let ids = sqlx::query_scalar(
                        "UPDATE conversations SET state_enc = '', thread_key = NULL, guest_token_hash = NULL, guest_id = NULL, anonymised_at = $1 \
                         WHERE anonymised_at IS NULL AND (guest_id IN (SELECT id FROM guests WHERE phone = $2 OR lower(email) = $3) \
                                OR thread_key = $4) RETURNING id",
                    )
                    .bind(now)
                    .bind(phone)
                    .bind(email)
                    .bind(thread)
                    .fetch_all(tx.conn())
                    .await?;
                    (ids, now)
                }
            };
            sqlx::query(
                "UPDATE conversation_messages SET body_enc = NULL WHERE conversation_id = ANY ($1)",
            )
            .bind(&ids)
            .execute(tx.conn())
            .await?;
            // Guests' files go too: rows now, bytes by the job this enqueues.
            tx.remove_conversation_files(&ids).await?;
            Ok(Shredded {
                rows: ids.len() as u64,
                cutoff,
                audit: Some(("conversations", ids.iter().map(Uuid::to_string).collect())),
            })
        })
    }
}
