//! The restaurant's reservation setup as use cases: everyone in the restaurant reads it;
//! managers and owners change it (the rule lives here, for the API and the dashboard alike).
//! Each change validates, names the field at fault, and answers the setup as now stored.

use crate::reservations::Caller;
use crate::Services;
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
/// The caller's restaurant transaction for changing its setup (managers and owners).
pub(crate) async fn configure(store: &Store, caller: &Caller) -> Result<TenantTx, StoreError> {
    if !caller.role.at_least(Role::Manager) {
        return Err(StoreError::Forbidden);
    }
    store.tenant(caller.restaurant_id, &caller.actor).await
}

/// The reservation settings.
pub async fn settings(svc: &Services, caller: &Caller) -> Result<ReservationSettings, StoreError> {
    let store = &svc.store;
    read(store, caller).await?.reservation_settings().await
}

/// Replaces the reservation settings.
pub async fn set_settings(
    svc: &Services,
    caller: &Caller,
    new: &ReservationSettings,
) -> Result<ReservationSettings, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.set_reservation_settings(new).await?;
    let s = tx.reservation_settings().await?;
    tx.commit().await?;
    Ok(s)
}

/// The weekly service periods.
pub async fn periods(svc: &Services, caller: &Caller) -> Result<Vec<ServicePeriod>, StoreError> {
    let store = &svc.store;
    read(store, caller).await?.service_periods().await
}

/// Replaces the weekly service periods (an empty list closes every day).
pub async fn set_periods(
    svc: &Services,
    caller: &Caller,
    periods: &[ServicePeriod],
) -> Result<Vec<ServicePeriod>, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.set_service_periods(periods).await?;
    let out = tx.service_periods().await?;
    tx.commit().await?;
    Ok(out)
}

/// Closures from today on (in the restaurant's zone).
pub async fn closures(svc: &Services, caller: &Caller) -> Result<Vec<Closure>, StoreError> {
    let store = &svc.store;
    let mut tx = read(store, caller).await?;
    let today = tx.now_local_date().await?;
    tx.closures(today).await
}

/// Adds a closure.
pub async fn add_closure(
    svc: &Services,
    caller: &Caller,
    c: &Closure,
) -> Result<Closure, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let added = tx.add_closure(c).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes a closure.
pub async fn remove_closure(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.remove_closure(id).await?;
    tx.commit().await
}

/// The turn-time bands.
pub async fn turn_times(svc: &Services, caller: &Caller) -> Result<Vec<TurnBand>, StoreError> {
    let store = &svc.store;
    read(store, caller).await?.turn_times().await
}

/// Replaces the turn-time bands.
pub async fn set_turn_times(
    svc: &Services,
    caller: &Caller,
    bands: &[TurnBand],
) -> Result<Vec<TurnBand>, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.set_turn_times(bands).await?;
    let out = tx.turn_times().await?;
    tx.commit().await?;
    Ok(out)
}

/// Areas, tables and combinations.
pub async fn floor(svc: &Services, caller: &Caller) -> Result<Floor, StoreError> {
    let store = &svc.store;
    let mut tx = read(store, caller).await?;
    Ok(Floor {
        areas: tx.areas().await?,
        tables: tx.tables().await?,
        combinations: tx.combinations().await?,
    })
}

/// Adds an area.
pub async fn add_area(svc: &Services, caller: &Caller, name: &str) -> Result<Area, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let a = tx.add_area(name).await?;
    tx.commit().await?;
    Ok(a)
}

/// Adds a table (its id is generated).
pub async fn add_table(svc: &Services, caller: &Caller, t: &Table) -> Result<Table, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let added = tx.add_table(t).await?;
    tx.commit().await?;
    Ok(added)
}

/// Changes a table.
pub async fn update_table(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    c: &TableChanges,
) -> Result<Table, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let t = tx.update_table(id, c).await?;
    tx.commit().await?;
    Ok(t)
}

/// Removes a table that holds no coming reservation.
pub async fn remove_table(svc: &Services, caller: &Caller, id: Uuid) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.remove_table(id).await?;
    tx.commit().await
}

/// Adds a combination of existing tables.
pub async fn add_combination(
    svc: &Services,
    caller: &Caller,
    c: &Combination,
) -> Result<Combination, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let added = tx.add_combination(c).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes a combination; reservations keep the tables they hold.
pub async fn remove_combination(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.remove_combination(id).await?;
    tx.commit().await
}

/// Special days from today on.
pub async fn special_days(svc: &Services, caller: &Caller) -> Result<Vec<SpecialDay>, StoreError> {
    let store = &svc.store;
    let mut tx = read(store, caller).await?;
    let today = tx.now_local_date().await?;
    tx.special_days(today).await
}

/// Replaces one date's own periods (an empty list removes the special day); answers that
/// date's periods as stored.
pub async fn set_special_day(
    svc: &Services,
    caller: &Caller,
    date: NaiveDate,
    periods: &[SpecialDay],
) -> Result<Vec<SpecialDay>, StoreError> {
    let store = &svc.store;
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

/// Changes the reservation settings from the stored ones in one transaction (a form that
/// sends some fields keeps the others as they are).
pub async fn update_settings(
    svc: &Services,
    caller: &Caller,
    edit: impl FnOnce(ReservationSettings) -> Result<ReservationSettings, StoreError>,
) -> Result<ReservationSettings, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let new = edit(tx.reservation_settings().await?)?;
    tx.set_reservation_settings(&new).await?;
    tx.commit().await?;
    Ok(new)
}

/// Everything the settings page shows, read in one transaction.
pub struct Overview {
    pub tz: chrono_tz::Tz,
    pub settings: ReservationSettings,
    pub periods: Vec<ServicePeriod>,
    pub closures: Vec<Closure>,
    pub special_days: Vec<SpecialDay>,
    pub turn_times: Vec<TurnBand>,
    pub floor: Floor,
    pub voice: hs_store::voice::VoiceSettings,
    pub protocol: Vec<hs_store::voice::ProtocolRow>,
    /// Reminder lead, cancel cutoff, digest time, own paragraphs.
    pub messages: hs_store::messages::MessageSettings,
    /// Whether the caller gets the daily digest.
    pub digest_me: bool,
    /// The latest test messages and their status.
    pub tests: Vec<hs_store::messages::MessageInfo>,
    /// The WhatsApp route, when set up (no secrets).
    pub whatsapp: Option<hs_store::whatsapp::WhatsAppSettings>,
    /// The restaurant's own email sender, when set (no secrets).
    pub mail: Option<hs_store::mail_settings::MailSettings>,
}

/// The whole setup for the managers' settings page (the latest 9 protocol rows).
pub async fn overview(svc: &Services, caller: &Caller) -> Result<Overview, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let today = tx.now_local_date().await?;
    Ok(Overview {
        tz: tx.rules().await?.tz,
        settings: tx.reservation_settings().await?,
        periods: tx.service_periods().await?,
        closures: tx.closures(today).await?,
        special_days: tx.special_days(today).await?,
        turn_times: tx.turn_times().await?,
        floor: Floor {
            areas: tx.areas().await?,
            tables: tx.tables().await?,
            combinations: tx.combinations().await?,
        },
        voice: tx.voice_settings().await?,
        protocol: tx.deletion_protocol(9).await?,
        messages: tx.message_settings().await?,
        digest_me: match caller.actor {
            hs_store::Actor::User(u) => tx.daily_digest(u).await?,
            _ => false,
        },
        tests: tx.test_messages().await?,
        whatsapp: tx.whatsapp_settings().await?,
        mail: tx.mail_settings().await?,
    })
}

/// A new voice secret for the phone agent (shown once); the previous one stays valid 24 h.
pub async fn rotate_voice_secret(svc: &Services, caller: &Caller) -> Result<String, StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let secret = tx.rotate_voice_secret().await?;
    tx.commit().await?;
    Ok(secret)
}

/// Ends the previous voice secret's grace period now.
pub async fn end_voice_rotation(svc: &Services, caller: &Caller) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.end_voice_rotation().await?;
    tx.commit().await
}

/// The Vapi header, how long calls keep personal data, the agent's language.
pub async fn set_voice_options(
    svc: &Services,
    caller: &Caller,
    vapi_header: &str,
    retention_days: i32,
    language: &str,
) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.set_voice_options(vapi_header, retention_days, language)
        .await?;
    tx.commit().await
}

/// Sets (sealed) or removes the Retell API key that signs Retell's requests.
pub async fn set_retell_key(
    svc: &Services,
    caller: &Caller,
    key: Option<&str>,
) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    tx.set_retell_key(key).await?;
    tx.commit().await
}

/// Adds an opening period on one date: the date's periods replace its weekday's, and further
/// periods of that date are added to them.
pub async fn add_special_period(
    svc: &Services,
    caller: &Caller,
    period: SpecialDay,
) -> Result<(), StoreError> {
    let store = &svc.store;
    let mut tx = configure(store, caller).await?;
    let day = period.day;
    let mut periods: Vec<SpecialDay> = tx
        .special_days(day)
        .await?
        .into_iter()
        .filter(|p| p.day == day)
        .collect();
    periods.push(period);
    tx.set_special_day(day, &periods).await?;
    tx.commit().await
}
