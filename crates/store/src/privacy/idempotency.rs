//! Stored answers of retried requests (`idempotency_records`): they may repeat a guest's name
//! or number, so they are deleted once expired (24 h), or at once when a subject they mention
//! asks for erasure. Their audit rows name only the restaurant, so none are marked.

use super::{Boxed, Scope, Shredded, Shredder, Subject};
use crate::tenant::TenantTx;

/// Stored answers of retried requests.
pub struct IdempotencyRecords;

/// The text a subject's data would show up as in a stored answer.
fn needle(subject: &Subject) -> Option<&str> {
    match subject {
        Subject::Restaurant => None,
        Subject::Phone(p) => Some(p),
        Subject::Email(e) => Some(e),
    }
}

impl Shredder for IdempotencyRecords {
    fn category(&self) -> &'static str {
        "idempotency_records_deleted"
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(
                "SELECT jsonb_build_object('scope', scope, 'created_at', created_at, 'expires_at', expires_at, \
                        'status_code', status_code, 'response', response) \
                 FROM idempotency_records \
                 WHERE $1::text IS NULL OR strpos(response::text, $1) > 0 ORDER BY created_at",
            )
            .bind(needle(subject))
            .fetch_all(tx.conn())
            .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        })
    }

    fn shred<'a>(&'a self, tx: &'a mut TenantTx, scope: &'a Scope<'a>) -> Boxed<'a, Shredded> {
        Box::pin(async move {
            let now = scope.at(tx.now());
            let rows = match scope {
                Scope::Retention(at) => {
                    sqlx::query("DELETE FROM idempotency_records WHERE expires_at < $1")
                        .bind(*at)
                        .execute(tx.conn())
                        .await?
                        .rows_affected()
                }
                Scope::Erasure(subject) => match needle(subject) {
                    Some(n) => sqlx::query(
                        "DELETE FROM idempotency_records WHERE strpos(response::text, $1) > 0",
                    )
                    .bind(n)
                    .execute(tx.conn())
                    .await?
                    .rows_affected(),
                    None => sqlx::query("DELETE FROM idempotency_records")
                        .execute(tx.conn())
                        .await?
                        .rows_affected(),
                },
            };
            Ok(Shredded {
                rows,
                cutoff: now,
                audit: None,
            })
        })
    }
}
