//! What the dashboard's reservation forms and lists share: dates and rows as shown, the
//! chosen tables and the party size as typed, and the way back to the day.

use crate::extract::FormFields;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use hs_domain::reservation::Status;
use hs_domain::validate;
use hs_domain::Role;
use hs_service::model::booking::Reservation;
use minijinja::{context, Value};
use uuid::Uuid;

/// "Freitag, 27. November 2026" / "Friday, 27 November 2026".
pub(crate) fn long_date(d: NaiveDate, lang: &str) -> String {
    hs_domain::say::long_date(d, lang)
}

pub(crate) fn reservation_row(r: &Reservation, role: Role, arrived: bool) -> Value {
    context! {
        id => r.id, code => r.code, time => r.time, party => r.party_size, tables => r.tables.join(", "),
        status => r.status.as_str(), channel => r.channel.as_str(), notes => r.notes,
        special => r.has_special_notes, special_text => r.special_notes,
        guest => r.guest.as_ref().map(|g| g.name.clone()).unwrap_or_default(),
        phone => r.guest.as_ref().and_then(|g| g.phone.clone()),
        actions => hs_domain::reservation::offered_actions(r.status, role, arrived),
        inactive => matches!(r.status, Status::Cancelled | Status::NoShow | Status::Completed),
    }
}

pub(crate) fn back_to(date: Option<NaiveDate>, view: &str) -> Response {
    match date {
        Some(d) => Redirect::to(&format!("/?date={d}&view={view}")).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

/// Field errors of a form, by field name, for re-rendering it.
pub(crate) type FormErrors = std::collections::HashMap<String, String>;

/// The `tables` form field: empty for "as suggested", else comma-separated table ids.
pub(crate) fn chosen_tables(form: &FormFields) -> Result<Option<Vec<Uuid>>, ()> {
    let v = form.get("tables").trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.split(',')
        .map(|p| Uuid::parse_str(p.trim()).map_err(|_| ()))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A party size typed into a form: 1 to [`validate::PARTY_MAX`].
pub(crate) fn party_size(raw: &str) -> Result<u32, validate::Invalid> {
    validate::whole_number(raw, 1, i64::from(validate::PARTY_MAX)).map(|n| n as u32)
}
