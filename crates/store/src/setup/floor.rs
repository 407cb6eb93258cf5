//! The floor: areas, tables and combinations of tables.

use crate::error::StoreError;
use crate::tenant::TenantTx;
use hs_domain::validate;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use uuid::Uuid;

/// An area of the dining room.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq, Eq)]
pub struct Area {
    pub id: Uuid,
    pub name: String,
}

/// A table.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow, PartialEq, Eq)]
pub struct Table {
    pub id: Uuid,
    pub area_id: Uuid,
    pub name: String,
    pub min_seats: i32,
    pub max_seats: i32,
    pub bookable_online: bool,
}

/// A table combination.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Combination {
    pub id: Uuid,
    pub name: String,
    pub min_seats: i32,
    pub max_seats: i32,
    pub table_ids: Vec<Uuid>,
}

/// Most seats of one table, and of a combination of tables.
const TABLE_SEATS_MAX: i32 = 50;
const COMBINATION_SEATS_MAX: i32 = 100;

/// A table's or combination's seats: at least 1, and `min_seats` to `most` for the maximum.
fn seat_range(min_seats: i32, max_seats: i32, most: i32) -> Result<(), StoreError> {
    if min_seats < 1 {
        return Err(StoreError::field("min_seats", "out_of_range", "at least 1"));
    }
    if max_seats < min_seats || max_seats > most {
        return Err(StoreError::field(
            "max_seats",
            "out_of_range",
            format!("between min_seats and {most}"),
        ));
    }
    Ok(())
}

impl TenantTx {
    /// Areas in order.
    pub async fn areas(&mut self) -> Result<Vec<Area>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name FROM areas ORDER BY position, name")
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// Adds an area.
    pub async fn add_area(&mut self, name: &str) -> Result<Area, StoreError> {
        self.invalidate_setup();
        let name = validate::name(name, 60).map_err(|e| StoreError::invalid("name", e))?;
        let rid = self.restaurant_id();
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO areas (restaurant_id, id, name, position) VALUES ($1, $2, $3, (SELECT count(*) FROM areas))")
            .bind(rid)
            .bind(id)
            .bind(&name)
            .execute(self.conn())
            .await?;
        Ok(Area { id, name })
    }

    /// Tables in order.
    pub async fn tables(&mut self) -> Result<Vec<Table>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.area_id, t.name, t.min_seats, t.max_seats, t.bookable_online FROM tables t \
             JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id ORDER BY a.position, t.position, t.name",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// Adds a table (its id is generated).
    pub async fn add_table(&mut self, t: &Table) -> Result<Table, StoreError> {
        self.invalidate_setup();
        let name = validate::name(&t.name, 30).map_err(|e| StoreError::invalid("name", e))?;
        seat_range(t.min_seats, t.max_seats, TABLE_SEATS_MAX)?;
        let rid = self.restaurant_id();
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM areas WHERE id = $1)")
            .bind(t.area_id)
            .fetch_one(self.conn())
            .await?;
        if !exists {
            return Err(StoreError::field("area_id", "not_found", "no such area"));
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO tables (restaurant_id, id, area_id, name, min_seats, max_seats, bookable_online, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT count(*) FROM tables))",
        )
        .bind(rid)
        .bind(id)
        .bind(t.area_id)
        .bind(&name)
        .bind(t.min_seats)
        .bind(t.max_seats)
        .bind(t.bookable_online)
        .execute(self.conn())
        .await?;
        Ok(Table {
            id,
            name,
            ..t.clone()
        })
    }

    /// Combinations with their tables.
    pub async fn combinations(&mut self) -> Result<Vec<Combination>, StoreError> {
        let rows: Vec<(Uuid, String, i32, i32, Vec<Uuid>)> = sqlx::query_as(
            "SELECT c.id, c.name, c.min_seats, c.max_seats, \
                    coalesce(array_agg(ct.table_id ORDER BY t.position, t.name) FILTER (WHERE ct.table_id IS NOT NULL), '{}') \
             FROM table_combinations c \
             LEFT JOIN combination_tables ct ON ct.restaurant_id = c.restaurant_id AND ct.combination_id = c.id \
             LEFT JOIN tables t ON t.restaurant_id = ct.restaurant_id AND t.id = ct.table_id \
             GROUP BY c.id, c.name, c.min_seats, c.max_seats ORDER BY c.name",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, min_seats, max_seats, table_ids)| Combination {
                id,
                name,
                min_seats,
                max_seats,
                table_ids,
            })
            .collect())
    }

    /// Removes a combination; reservations keep the tables they hold.
    pub async fn remove_combination(&mut self, id: Uuid) -> Result<(), StoreError> {
        self.remove_setup_row("table_combinations", id).await
    }

    /// Adds a combination of at least two existing tables.
    pub async fn add_combination(&mut self, c: &Combination) -> Result<Combination, StoreError> {
        self.invalidate_setup();
        let name = validate::name(&c.name, 60).map_err(|e| StoreError::invalid("name", e))?;
        seat_range(c.min_seats, c.max_seats, COMBINATION_SEATS_MAX)?;
        let mut ids = c.table_ids.clone();
        ids.sort();
        ids.dedup();
        if ids.len() < 2 {
            return Err(StoreError::field(
                "table_ids",
                "too_few",
                "a combination joins at least two different tables",
            ));
        }
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM tables WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_one(self.conn())
            .await?;
        if found != ids.len() as i64 {
            return Err(StoreError::field(
                "table_ids",
                "not_found",
                "every table must exist",
            ));
        }
        let rid = self.restaurant_id();
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO table_combinations (restaurant_id, id, name, min_seats, max_seats) VALUES ($1, $2, $3, $4, $5)")
            .bind(rid)
            .bind(id)
            .bind(&name)
            .bind(c.min_seats)
            .bind(c.max_seats)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO combination_tables (restaurant_id, combination_id, table_id) \
             SELECT $1, $2, t FROM unnest($3::uuid[]) AS t",
        )
        .bind(rid)
        .bind(id)
        .bind(&ids)
        .execute(self.conn())
        .await?;
        Ok(Combination {
            id,
            name,
            ..c.clone()
        })
    }
}

/// Changes to a table; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableChanges {
    pub area_id: Option<Uuid>,
    pub name: Option<String>,
    pub min_seats: Option<i32>,
    pub max_seats: Option<i32>,
    pub bookable_online: Option<bool>,
}

impl TenantTx {
    /// Changes a table's name, seats, area or online flag. Seats that no longer fit a party
    /// already booked on it from now on are refused.
    pub async fn update_table(&mut self, id: Uuid, c: &TableChanges) -> Result<Table, StoreError> {
        self.invalidate_setup();
        let current: Option<Table> = sqlx::query_as("SELECT id, area_id, name, min_seats, max_seats, bookable_online FROM tables WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let mut t = current.ok_or(StoreError::NotFound)?;
        if let Some(n) = &c.name {
            t.name = validate::name(n, 30).map_err(|e| StoreError::invalid("name", e))?;
        }
        t.min_seats = c.min_seats.unwrap_or(t.min_seats);
        t.max_seats = c.max_seats.unwrap_or(t.max_seats);
        t.bookable_online = c.bookable_online.unwrap_or(t.bookable_online);
        seat_range(t.min_seats, t.max_seats, TABLE_SEATS_MAX)?;
        if let Some(a) = c.area_id {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM areas WHERE id = $1)")
                    .bind(a)
                    .fetch_one(self.conn())
                    .await?;
            if !exists {
                return Err(StoreError::field("area_id", "not_found", "no such area"));
            }
            t.area_id = a;
        }
        let now = self.store.clock.now();
        let too_big: Option<i32> = sqlx::query_scalar(
            "SELECT max(r.party_size) FROM reservation_tables rt JOIN reservations r ON r.restaurant_id = rt.restaurant_id AND r.id = rt.reservation_id \
             WHERE rt.table_id = $1 AND rt.holds AND r.ends_at > $2 AND \
                   (SELECT count(*) FROM reservation_tables x WHERE x.reservation_id = r.id) = 1",
        )
        .bind(id)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        if too_big.is_some_and(|p| p > t.max_seats) {
            return Err(StoreError::field(
                "max_seats",
                "booked_larger",
                "a coming reservation on this table has a larger party",
            ));
        }
        sqlx::query("UPDATE tables SET area_id = $2, name = $3, min_seats = $4, max_seats = $5, bookable_online = $6 WHERE id = $1")
            .bind(id)
            .bind(t.area_id)
            .bind(&t.name)
            .bind(t.min_seats)
            .bind(t.max_seats)
            .bind(t.bookable_online)
            .execute(self.conn())
            .await?;
        Ok(t)
    }

    /// Removes a table that holds no coming reservation (past ones keep their history).
    pub async fn remove_table(&mut self, id: Uuid) -> Result<(), StoreError> {
        let now = self.store.clock.now();
        let busy: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM reservation_tables WHERE table_id = $1 AND holds AND upper(during) > $2)")
            .bind(id)
            .bind(now)
            .fetch_one(self.conn())
            .await?;
        if busy {
            return Err(StoreError::Conflict {
                code: "table_in_use",
                message: "move or cancel the coming reservations on this table first".into(),
            });
        }
        let used: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM reservation_tables WHERE table_id = $1)",
        )
        .bind(id)
        .fetch_one(self.conn())
        .await?;
        if used {
            // History keeps pointing at it; it just stops being bookable.
            return Err(StoreError::Conflict { code: "table_has_history", message: "this table has past reservations; set bookable_online to false or rename it instead".into() });
        }
        self.remove_setup_row("tables", id).await
    }
}
