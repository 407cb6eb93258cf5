//! The restaurant's reservation setup as use cases: everyone in the restaurant reads it;
//! managers and owners change it (the rule lives here, for the API and the dashboard alike).
//! Each change validates, names the field at fault, and answers the setup as now stored.

use crate::reservations::Caller;
use chrono::NaiveDate;
use hs_domain::Role;
use hs_store::setup::{
    Area, Closure, Combination, ReservationSettings, ServicePeriod, SpecialDay, Table,
    TableChanges, TurnBand,
};
use hs_store::{Store, StoreError, TenantTx};
use uuid::Uuid;

/// The floor: areas, tables, combinations.
pub struct Floor {
    pub areas: Vec<Area>,
    pub tables: Vec<Table>,
    pub combinations: Vec<Combination>,
}

async fn read(store: &Store, caller: &Caller) -> Result<TenantTx, StoreError> {
    store.tenant(caller.restaurant_id, &caller.actor).await
}

/// The caller's transaction, if their role may change the setup.
async fn configure(store: &Store, caller: &Caller) -> Result<TenantTx, StoreError> {
    if !caller.role.at_least(Role::Manager) {
        return Err(StoreError::Forbidden);
    }
    store.tenant(caller.restaurant_id, &caller.actor).await
}

/// The reservation settings.
pub async fn settings(store: &Store, caller: &Caller) -> Result<ReservationSettings, StoreError> {
    read(store, caller).await?.reservation_settings().await
}

/// Replaces the reservation settings.
pub async fn set_settings(
    store: &Store,
    caller: &Caller,
    new: &ReservationSettings,
) -> Result<ReservationSettings, StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.set_reservation_settings(new).await?;
    let s = tx.reservation_settings().await?;
    tx.commit().await?;
    Ok(s)
}

/// The weekly service periods.
pub async fn periods(store: &Store, caller: &Caller) -> Result<Vec<ServicePeriod>, StoreError> {
    read(store, caller).await?.service_periods().await
}

/// Replaces the weekly service periods (an empty list closes every day).
pub async fn set_periods(
    store: &Store,
    caller: &Caller,
    periods: &[ServicePeriod],
) -> Result<Vec<ServicePeriod>, StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.set_service_periods(periods).await?;
    let out = tx.service_periods().await?;
    tx.commit().await?;
    Ok(out)
}

/// Closures from today on (in the restaurant's zone).
pub async fn closures(store: &Store, caller: &Caller) -> Result<Vec<Closure>, StoreError> {
    let mut tx = read(store, caller).await?;
    let today = tx.now_local_date().await?;
    tx.closures(today).await
}

/// Adds a closure.
pub async fn add_closure(
    store: &Store,
    caller: &Caller,
    c: &Closure,
) -> Result<Closure, StoreError> {
    let mut tx = configure(store, caller).await?;
    let added = tx.add_closure(c).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes a closure.
pub async fn remove_closure(store: &Store, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.remove_closure(id).await?;
    tx.commit().await
}

/// The turn-time bands.
pub async fn turn_times(store: &Store, caller: &Caller) -> Result<Vec<TurnBand>, StoreError> {
    read(store, caller).await?.turn_times().await
}

/// Replaces the turn-time bands.
pub async fn set_turn_times(
    store: &Store,
    caller: &Caller,
    bands: &[TurnBand],
) -> Result<Vec<TurnBand>, StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.set_turn_times(bands).await?;
    let out = tx.turn_times().await?;
    tx.commit().await?;
    Ok(out)
}

/// Areas, tables and combinations.
pub async fn floor(store: &Store, caller: &Caller) -> Result<Floor, StoreError> {
    let mut tx = read(store, caller).await?;
    Ok(Floor {
        areas: tx.areas().await?,
        tables: tx.tables().await?,
        combinations: tx.combinations().await?,
    })
}

/// Adds an area.
pub async fn add_area(store: &Store, caller: &Caller, name: &str) -> Result<Area, StoreError> {
    let mut tx = configure(store, caller).await?;
    let a = tx.add_area(name).await?;
    tx.commit().await?;
    Ok(a)
}

/// Adds a table (its id is generated).
pub async fn add_table(store: &Store, caller: &Caller, t: &Table) -> Result<Table, StoreError> {
    let mut tx = configure(store, caller).await?;
    let added = tx.add_table(t).await?;
    tx.commit().await?;
    Ok(added)
}

/// Changes a table.
pub async fn update_table(
    store: &Store,
    caller: &Caller,
    id: Uuid,
    c: &TableChanges,
) -> Result<Table, StoreError> {
    let mut tx = configure(store, caller).await?;
    let t = tx.update_table(id, c).await?;
    tx.commit().await?;
    Ok(t)
}

/// Removes a table that holds no coming reservation.
pub async fn remove_table(store: &Store, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.remove_table(id).await?;
    tx.commit().await
}

/// Adds a combination of existing tables.
pub async fn add_combination(
    store: &Store,
    caller: &Caller,
    c: &Combination,
) -> Result<Combination, StoreError> {
    let mut tx = configure(store, caller).await?;
    let added = tx.add_combination(c).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes a combination; reservations keep the tables they hold.
pub async fn remove_combination(
    store: &Store,
    caller: &Caller,
    id: Uuid,
) -> Result<(), StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.remove_combination(id).await?;
    tx.commit().await
}

/// Special days from today on.
pub async fn special_days(store: &Store, caller: &Caller) -> Result<Vec<SpecialDay>, StoreError> {
    let mut tx = read(store, caller).await?;
    let today = tx.now_local_date().await?;
    tx.special_days(today).await
}

/// Replaces one date's own periods (an empty list removes the special day); answers that
/// date's periods as stored.
pub async fn set_special_day(
    store: &Store,
    caller: &Caller,
    date: NaiveDate,
    periods: &[SpecialDay],
) -> Result<Vec<SpecialDay>, StoreError> {
    let mut tx = configure(store, caller).await?;
    tx.set_special_day(date, periods).await?;
    let days = tx
        .special_days(date)
        .await?
        .into_iter()
        .filter(|d| d.day == date)
        .collect();
    tx.commit().await?;
    Ok(days)
}
