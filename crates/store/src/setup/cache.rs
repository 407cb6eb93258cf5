//! The setup as the availability engine needs it, read in one round trip once per transaction.

use super::model::{Opening, ReservationSettings, Seating, Setup, SETTINGS_COLS};
use super::{Closure, ServicePeriod, SpecialDay, TurnBand};
use crate::error::StoreError;
use crate::tenant::TenantTx;
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{CombinationInfo, PeriodTimes, Rules, TableInfo, TurnTime};
use serde::Deserialize;
use sqlx::postgres::PgRow;
use sqlx::FromRow;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

impl TenantTx {
    /// The booking rules for the availability engine.
    pub async fn rules(&mut self) -> Result<Rules, StoreError> {
        Ok(self.setup().await?.rules.clone())
    }

    /// The tables and combinations the availability engine assigns.
    pub(crate) async fn seating(&mut self) -> Result<Seating, StoreError> {
        Ok(self.setup().await?.seating.clone())
    }

    /// The setup, read once per transaction (until a setup write clears it).
    pub(super) async fn setup(&mut self) -> Result<&Setup, StoreError> {
        if self.setup.is_none() {
            self.setup = Some(Arc::new(self.load_setup().await?));
        }
        self.setup.as_deref().ok_or(StoreError::NotFound)
    }

    /// Settings, rules, tables and combinations in one round trip (this runs on every booking).
    async fn load_setup(&mut self) -> Result<Setup, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM restaurant_settings",
            setup_columns()
        ))
        .fetch_optional(self.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
        setup_of(&row)
    }

    /// Keeps a setup read together with something else ([`setup_columns`], [`setup_of`]).
    pub(crate) fn cache_setup(&mut self, setup: Arc<Setup>) {
        self.setup = Some(setup);
    }

    /// Whether the setup is read already in this transaction.
    pub(crate) fn has_setup(&self) -> bool {
        self.setup.is_some()
    }
}

#[derive(FromRow)]
struct SetupRow {
    settings: sqlx::types::Json<ReservationSettings>,
    periods: sqlx::types::Json<Vec<P>>,
    closures: sqlx::types::Json<Vec<Closure>>,
    turns: sqlx::types::Json<Vec<TurnBand>>,
    tables: sqlx::types::Json<Vec<T>>,
    combinations: sqlx::types::Json<Vec<C>>,
}
#[derive(Deserialize)]
struct T {
    id: Uuid,
    name: String,
    min: u32,
    max: u32,
    online: bool,
}
#[derive(Deserialize)]
struct C {
    id: Uuid,
    name: String,
    min: u32,
    max: u32,
    tables: Vec<Uuid>,
}
#[derive(Deserialize)]
struct P {
    day: Option<NaiveDate>,
    weekday: Option<i16>,
    name: String,
    start: NaiveTime,
    end: NaiveTime,
    last: NaiveTime,
}

/// The select list of the setup (rows of `restaurant_settings` in the FROM clause), so a
/// read that needs the setup anyway can take it in its own round trip ([`setup_of`]).
pub(crate) fn setup_columns() -> String {
    format!(
        "(SELECT to_jsonb(x) FROM (SELECT {SETTINGS_COLS}) x) AS settings, \
         coalesce((SELECT jsonb_agg(jsonb_build_object('weekday', weekday, 'name', name, 'start', start_time, 'end', end_time, 'last', last_seating)) FROM service_periods), '[]') \
           || coalesce((SELECT jsonb_agg(jsonb_build_object('day', day, 'name', name, 'start', start_time, 'end', end_time, 'last', last_seating)) FROM special_days), '[]') AS periods, \
         coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'first_day', first_day, 'last_day', last_day, 'reason', reason) \
                   ORDER BY first_day, last_day, id) FROM closures), '[]') AS closures, \
         coalesce((SELECT jsonb_agg(jsonb_build_object('min_party', min_party, 'max_party', max_party, 'minutes', minutes) ORDER BY min_party) FROM turn_times), '[]') AS turns, \
         coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'min', t.min_seats, 'max', t.max_seats, 'online', t.bookable_online) \
                   ORDER BY a.position, t.position, t.name) \
                   FROM tables t JOIN areas a ON a.restaurant_id = t.restaurant_id AND a.id = t.area_id), '[]') AS tables, \
         coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'min', c.min_seats, 'max', c.max_seats, 'tables', \
                   coalesce((SELECT jsonb_agg(ct.table_id ORDER BY t.position, t.name) FROM combination_tables ct \
                             JOIN tables t ON t.restaurant_id = ct.restaurant_id AND t.id = ct.table_id \
                             WHERE ct.restaurant_id = c.restaurant_id AND ct.combination_id = c.id), '[]')) ORDER BY c.name) \
                   FROM table_combinations c), '[]') AS combinations"
    )
}

/// The setup from a row that has [`setup_columns`].
pub(crate) fn setup_of(row: &PgRow) -> Result<Setup, StoreError> {
    let SetupRow {
        settings,
        periods,
        closures,
        turns,
        tables,
        combinations,
    } = SetupRow::from_row(row)?;
    let seating = Seating {
        tables: tables
            .0
            .into_iter()
            .map(|t| TableInfo {
                id: t.id,
                name: t.name,
                min_seats: t.min,
                max_seats: t.max,
                online: t.online,
            })
            .collect(),
        combinations: combinations
            .0
            .into_iter()
            .map(|c| CombinationInfo {
                id: c.id,
                name: c.name,
                tables: c.tables,
                min_seats: c.min,
                max_seats: c.max,
            })
            .collect(),
    };
    let s = settings.0;
    let tz = chrono_tz::Tz::from_str(&s.time_zone).map_err(|_| {
        StoreError::Other(anyhow::anyhow!(
            "stored time zone {:?} is unknown",
            s.time_zone
        ))
    })?;
    let mut weekly: [Vec<PeriodTimes>; 7] = Default::default();
    let mut special_days: HashMap<NaiveDate, Vec<PeriodTimes>> = HashMap::new();
    let mut opening = Opening::default();
    let mut all = periods.0;
    all.sort_by_key(|p| (p.day, p.weekday, p.start));
    for p in all {
        let times = PeriodTimes {
            name: p.name,
            start: p.start,
            end: p.end,
            last_seating: p.last,
        };
        match (p.day, p.weekday) {
            (Some(d), _) => {
                opening.specials.push(SpecialDay {
                    day: d,
                    name: times.name.clone(),
                    start: times.start,
                    end: times.end,
                    last_seating: times.last_seating,
                });
                special_days.entry(d).or_default().push(times);
            }
            (None, Some(w)) if (0..7).contains(&w) => {
                opening.periods.push(ServicePeriod {
                    weekday: w,
                    name: times.name.clone(),
                    start: times.start,
                    end: times.end,
                    last_seating: times.last_seating,
                });
                weekly[w as usize].push(times);
            }
            _ => {}
        }
    }
    opening.closures = closures.0;
    let turn_times = turns
        .0
        .into_iter()
        .map(|b| TurnTime {
            min_party: b.min_party as u32,
            max_party: b.max_party.map(|m| m as u32),
            minutes: b.minutes as u32,
        })
        .collect();
    let rules = Rules {
        tz,
        slot_minutes: s.slot_minutes as u32,
        horizon_days: s.horizon_days as u32,
        lead_minutes: s.lead_minutes as u32,
        pacing_covers: s.pacing_covers.map(|p| p as u32),
        weekly,
        closures: opening
            .closures
            .iter()
            .map(|c| (c.first_day, c.last_day))
            .collect(),
        special_days,
        turn_times,
    };
    Ok(Setup {
        rules,
        settings: s,
        seating,
        opening,
    })
}
