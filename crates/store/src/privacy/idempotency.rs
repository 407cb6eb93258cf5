//! Stored answers of retried requests (`idempotency_records`): they may repeat a guest's name
//! or number, so they are deleted once expired (24 h), or at once when a person they mention
//! asks for erasure. Their audit rows name only the restaurant, so none are marked.

use super::voice::nothing;
use super::{Boxed, Scope, Shredded, Shredder, Subject};
use crate::tenant::TenantTx;

/// Stored answers of retried requests.
pub struct IdempotencyRecords;

/// The texts a subject's data would show up as in a stored answer (none: everything).
fn needles(subject: &Subject) -> Option<Vec<String>> {
    match subject {
        Subject::Restaurant => None,
        Subject::Person(p) => Some(p.needles()),
    }
}

/// The records mentioning any of `$1` (NULL: every record).
const MENTIONING: &str = "($1::text[] IS NULL OR EXISTS \
     (SELECT 1 FROM unnest($1::text[]) n WHERE strpos(response::text, n) > 0))";

impl Shredder for IdempotencyRecords {
    fn category(&self) -> &'static str {
        "idempotency_records_deleted"
    }

    fn deleted_category(&self) -> &'static str {
        "idempotency_records_deleted"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["idempotency_records"]
    }

    fn export<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        subject: &'a Subject,
    ) -> Boxed<'a, Vec<serde_json::Value>> {
        Box::pin(async move {
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(&format!(
                "SELECT jsonb_build_object('scope', scope, 'created_at', created_at, 'expires_at', expires_at, \
                        'status_code', status_code, 'response', response) \
                 FROM idempotency_records WHERE {MENTIONING} ORDER BY created_at"
            ))
            .bind(needles(subject))
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
                Scope::Erasure(Subject::Restaurant, _) => return Ok(nothing(now)),
                Scope::Erasure(subject, _) => sqlx::query(&format!(
                    "DELETE FROM idempotency_records WHERE {MENTIONING}"
                ))
                .bind(needles(subject))
                .execute(tx.conn())
                .await?
                .rows_affected(),
            };
            Ok(Shredded {
                rows,
                cutoff: now,
                audit: None,
                deleted: true,
            })
        })
    }
}
