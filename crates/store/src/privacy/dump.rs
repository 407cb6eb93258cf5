//! The restaurant's own export: every tenant table as it is (row-level security keeps it to
//! the restaurant), without what only serves as a key or a secret (sealed `*_enc` columns,
//! `*_hash` columns, byte strings, wrapped keys), with a description of each table's columns.
//! The sealed texts come decrypted through the shredders' exports instead.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use futures_util::TryStreamExt;
use serde::Serialize;

/// A column of an exported table.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub name: String,
    /// PostgreSQL's type name.
    pub data_type: String,
    pub nullable: bool,
    /// The column's comment in the schema, if any.
    pub description: Option<String>,
}

/// Whether a column holds a key or a secret rather than the restaurant's data.
fn withheld(name: &str, data_type: &str) -> bool {
    name == "restaurant_id"
        || name.ends_with("_enc")
        || name.ends_with("_hash")
        || name == "wrapped_key"
        || data_type == "bytea"
}

impl TenantTx {
    /// The tables that hold restaurants' rows (row-level security and a `restaurant_id`), by
    /// name.
    pub async fn tenant_tables(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity \
               AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'restaurant_id' \
                             AND NOT a.attisdropped) \
             ORDER BY 1",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// A table's exported columns (keys and secrets withheld), in order.
    pub async fn export_columns(&mut self, table: &str) -> Result<Vec<Column>, StoreError> {
        let cols: Vec<(String, String, bool, Option<String>)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                    col_description(a.attrelid, a.attnum) \
             FROM pg_attribute a WHERE a.attrelid = ('public.' || quote_ident($1))::regclass \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        )
        .bind(table)
        .fetch_all(self.conn())
        .await?;
        Ok(cols
            .into_iter()
            .filter(|(n, t, _, _)| !withheld(n, t))
            .map(|(name, data_type, nullable, description)| Column {
                name,
                data_type,
                nullable,
                description,
            })
            .collect())
    }

    /// Every row of a tenant table as a JSON object of the given columns, streamed to `sink`;
    /// returns how many. The table must be one of [`TenantTx::tenant_tables`].
    pub async fn dump_table(
        &mut self,
        table: &str,
        columns: &[Column],
        sink: &mut (dyn FnMut(serde_json::Value) + Send),
    ) -> Result<u64, StoreError> {
        if !self.tenant_tables().await?.iter().any(|t| t == table) || columns.is_empty() {
            return Err(StoreError::NotFound);
        }
        let pairs: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "'{0}', t.\"{0}\"",
                    c.name.replace('\'', "''").replace('"', "")
                )
            })
            .collect();
        // jsonb_build_object takes at most 100 arguments: 50 columns; no table is near that.
        let sql = format!(
            "SELECT jsonb_build_object({}) FROM \"{}\" t ORDER BY 1",
            pairs.join(", "),
            table.replace('"', "")
        );
        let mut rows = sqlx::query_scalar::<_, serde_json::Value>(&sql).fetch(self.conn());
        let mut n = 0;
        while let Some(v) = rows.try_next().await? {
            sink(v);
            n += 1;
        }
        Ok(n)
    }
}
