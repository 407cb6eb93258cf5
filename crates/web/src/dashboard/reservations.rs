//! A reservation's pages: booking one with the day's free times and the tables to choose,
//! and a reservation's own page to move, resize or annotate it.

use super::forms::{back_to, chosen_tables, long_date, party_size, reservation_row, FormErrors};
use crate::auth::InRestaurant;
use crate::error::rejection_status;
use crate::error::ApiError;
use crate::extract::{query_date, query_param, ApiPath, FormFields};
use crate::render::PageError;
use crate::render::{field_errors, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use hs_domain::availability::{self, Unavailable};
use hs_domain::reservation::Channel;
use hs_domain::validate;
use hs_service::model::booking::{Change, GuestInput, NewReservation};
use hs_service::reservations as service;
use hs_service::reservations::Outcome;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// The tables and defined combinations staff can pick instead of the suggestion, as
/// `{value: "id,id", label}` in natural order.
fn table_choices(snap: &availability::Snapshot) -> Vec<Value> {
    let mut tables: Vec<_> = snap.tables.iter().collect();
    tables.sort_by(|a, b| availability::natural_cmp(&a.name, &b.name));
    let mut out: Vec<Value> = tables
        .iter()
        .map(|t| context! { value => t.id.to_string(), label => format!("{} ({}–{})", t.name, t.min_seats, t.max_seats) })
        .collect();
    for c in &snap.combinations {
        let ids: Vec<String> = c.tables.iter().map(Uuid::to_string).collect();
        out.push(context! { value => ids.join(","), label => format!("{} ({}–{})", c.name, c.min_seats, c.max_seats) });
    }
    out
}

/// The booking form for `date` (the restaurant's today when `None`).
async fn new_page(
    state: &AppState,
    r: &InRestaurant,
    date: Option<NaiveDate>,
    party: u32,
    status: StatusCode,
    extra: Value,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let data: Result<Value, StoreError> = async {
        let service::Options {
            date,
            snapshot: snap,
            slots,
            special_allowed: special,
            ..
        } = service::options(&state.services, &r.service(), date, party, None).await?;
        let (slots, reason) = match slots {
            Ok(list) => (
                list.iter()
                    .map(|s| {
                        let names: Vec<&str> = s.assignment.tables.iter().filter_map(|id| snap.tables.iter().find(|t| t.id == *id).map(|t| t.name.as_str())).collect();
                        context! { time => s.local.format("%H:%M").to_string(), tables => names.join("+"), period => s.period }
                    })
                    .collect(),
                None,
            ),
            Err(reason) => (Vec::new(), Some(reason.to_string())),
        };
        Ok(context! {
            date => date.to_string(), party, slots, reason, tables => table_choices(&snap),
            special_allowed => special, party_sizes => (1..=20).collect::<Vec<_>>(),
        })
    }
    .await;
    match data {
        Ok(data) => render(
            state,
            status,
            "new_reservation.html",
            &page,
            context! { ..extra, ..data },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The query's `party_size` when it is a party the restaurant could seat (1 to
/// [`validate::PARTY_MAX`]); otherwise the page shows its default.
fn query_party(uri: &Uri) -> Option<u32> {
    query_param(uri, "party_size")
        .and_then(|p| p.parse().ok())
        .filter(|p| (1..=validate::PARTY_MAX).contains(p))
}

/// `GET /reservations/new?date=&party_size=`: the day's free times for the party.
pub async fn new_form(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let date = query_date(&uri);
    let party = query_party(&uri).unwrap_or(2);
    new_page(&state, &r, date, party, StatusCode::OK, context! {}).await
}

/// The booking form's date, time, party size and tables.
struct BookingFields {
    date: NaiveDate,
    time: NaiveTime,
    party: u32,
    tables: Option<Vec<Uuid>>,
}

/// The booking form's fields, each checked as the API checks it; every field at fault is
/// named, none is replaced by a default.
fn booking_fields(form: &FormFields) -> Result<BookingFields, FormErrors> {
    let mut errors = FormErrors::new();
    let mut note = |field: &str, e: validate::Invalid| {
        errors.insert(field.to_string(), e.to_string());
    };
    let date = validate::date_iso(form.get("date")).map_err(|e| note("date", e));
    let time = validate::time_hhmm(form.get("time")).map_err(|e| note("time", e));
    let party = party_size(form.get("party_size")).map_err(|e| note("party_size", e));
    let tables = chosen_tables(form).map_err(|_| {
        errors.insert("table_ids".into(), Unavailable::UnknownTable.to_string());
    });
    match (date, time, party, tables) {
        (Ok(date), Ok(time), Ok(party), Ok(tables)) => Ok(BookingFields {
            date,
            time,
            party,
            tables,
        }),
        _ => Err(errors),
    }
}

/// `POST /reservations/new`: books through the same service as every channel.
pub async fn create(State(state): State<AppState>, r: InRestaurant, form: FormFields) -> Response {
    let keep = context! { form => context! { name => form.get("name"), phone => form.get("phone"), email => form.get("email"), notes => form.get("notes"), language => form.get("language"), tables => form.get("tables") } };
    let again = |date: Option<NaiveDate>, party: Option<u32>, status, errors: FormErrors| {
        let (state, r, keep) = (&state, &r, keep.clone());
        async move {
            let party = party.unwrap_or(2);
            new_page(
                state,
                r,
                date,
                party,
                status,
                context! { ..keep, ..context! { errors } },
            )
            .await
        }
    };
    let BookingFields {
        date,
        time,
        party,
        tables,
    } = match booking_fields(&form) {
        Ok(fields) => fields,
        Err(errors) => {
            let date = validate::date_iso(form.get("date")).ok();
            let party = party_size(form.get("party_size")).ok();
            return again(date, party, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
        }
    };
    let opt = |k: &str| Some(form.get(k).to_string()).filter(|v| !v.trim().is_empty());
    let req = NewReservation {
        date,
        time,
        party_size: party,
        guest: GuestInput {
            name: form.get("name").to_string(),
            phone: opt("phone"),
            email: opt("email"),
            language: opt("language"),
            salutation: None,
            whatsapp_opt_in: Some(form.get("whatsapp_opt_in") == "1"),
        },
        notes: form.get("notes").to_string(),
        special_notes: opt("special_notes"),
        channel: Channel::Dashboard,
        tables,
    };
    let outcome = hs_service::reservations::book(&state.services, &r.service(), &req)
        .await
        .map(Outcome::into_result);
    match outcome {
        Ok(Ok(res)) => back_to(Some(res.date), "list"),
        Ok(Err(rej)) => {
            let errors =
                FormErrors::from([(rej.reason.field().to_string(), rej.reason.to_string())]);
            again(
                Some(date),
                Some(party),
                rejection_status(&rej.reason),
                errors,
            )
            .await
        }
        Err(e) => match field_errors_owned(e) {
            Ok(errors) => {
                again(
                    Some(date),
                    Some(party),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    errors,
                )
                .await
            }
            Err(resp) => resp,
        },
    }
}

/// Field errors, including those whose field name is built at run time (`guest.phone`).
fn field_errors_owned(
    e: StoreError,
) -> Result<std::collections::HashMap<String, String>, Response> {
    // The booking form names guest fields without the `guest.` the service reports.
    field_errors(e).map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.trim_start_matches("guest.").to_string(), v))
            .collect()
    })
}

async fn detail_page(
    state: &AppState,
    r: &InRestaurant,
    id: Uuid,
    want: (Option<NaiveDate>, Option<u32>),
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let result: Result<Value, StoreError> = async {
        let service::Detail {
            reservation: res,
            today,
            tz,
            calls,
            messages,
            moves:
                service::Options {
                    date: move_date,
                    party: move_party,
                    snapshot: snap,
                    slots,
                    ..
                },
        } = service::detail(&state.services, &r.service(), id, want).await?;
        let calls: Vec<Value> = calls
            .into_iter()
            .map(|(cid, at, outcome)| context! { id => cid, at => crate::render::local(at, tz), outcome })
            .collect();
        let messages: Vec<Value> = messages
            .into_iter()
            .map(|msg: hs_service::model::messages::MessageInfo| context! {
                id => msg.id, again => res.starts_at > state.services.clock().now() && msg.kind != "reminder",
                kind => msg.kind, channel => msg.channel, status => msg.status, reason => msg.reason,
                at => crate::render::local(msg.created_at, tz),
                sent => msg.sent_at.map(|t| crate::render::local(t, tz)),
            })
            .collect();
        let (slots, reason) = match slots {
            Ok(list) => (
                list.iter()
                    .map(|s| {
                        let names: Vec<&str> = s.assignment.tables.iter().filter_map(|t| snap.tables.iter().find(|x| x.id == *t).map(|x| x.name.as_str())).collect();
                        context! { time => s.local.format("%H:%M").to_string(), tables => names.join("+") }
                    })
                    .collect::<Vec<_>>(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Ok(context! {
            r => reservation_row(&res, r.restaurant.role, res.date <= today),
            email => res.guest.as_ref().and_then(|g| g.email.clone()),
            date => res.date.to_string(), date_long => long_date(res.date, page.lang),
            changeable => res.status.changeable(), move_date => move_date.to_string(), move_party, slots, reason, error,
            tables => table_choices(&snap), calls, messages,
            party_sizes => (1..=20).collect::<Vec<_>>(),
        })
    }
    .await;
    match result {
        Ok(ctx) => render(state, status, "reservation.html", &page, ctx),
        Err(e) => PageError(e).into_response(),
    }
}

/// `GET /reservations/{id}?date=&party_size=`: details, actions, and the free times to move to.
pub async fn detail(
    State(state): State<AppState>,
    r: InRestaurant,
    uri: Uri,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    let date = query_date(&uri);
    let party = query_party(&uri);
    detail_page(&state, &r, id, (date, party), StatusCode::OK, None).await
}

/// `POST /reservations/{id}`: moves, resizes or annotates; availability is checked again.
pub async fn change(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath(id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    // An empty field keeps the current value; a filled one must be valid, as in the API.
    let given = |k: &str| Some(form.get(k).trim()).filter(|v| !v.is_empty());
    let invalid = |field: &str, e: validate::Invalid| StoreError::Invalid {
        field: field.into(),
        code: e.code(),
        message: format!("{field}: {e}"),
    };
    let date = given("date")
        .map(validate::date_iso)
        .transpose()
        .map_err(|e| invalid("date", e));
    let time = given("time")
        .map(validate::time_hhmm)
        .transpose()
        .map_err(|e| invalid("time", e));
    let party = given("party_size")
        .map(party_size)
        .transpose()
        .map_err(|e| invalid("party_size", e));
    let (want_date, want_party) = (
        date.as_ref().ok().copied().flatten(),
        party.as_ref().ok().copied().flatten(),
    );
    let tables = chosen_tables(&form).map_err(|_| StoreError::Invalid {
        field: "table_ids".into(),
        code: "not_found",
        message: Unavailable::UnknownTable.to_string(),
    });
    let tables = match (date, time, party, tables) {
        (Ok(d), Ok(t), Ok(p), Ok(tables)) => Ok((d, t, p, tables)),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => Err(e),
    };
    let outcome = match tables {
        Err(e) => Err(e),
        Ok((date, time, party, tables)) => {
            let change = Change {
                date,
                time,
                party_size: party,
                notes: Some(form.get("notes")),
                tables,
            };
            hs_service::reservations::change(&state.services, &r.service(), id, &change)
                .await
                .map(Outcome::into_result)
        }
    };
    let again = |status, message| {
        detail_page(
            &state,
            &r,
            id,
            (want_date, want_party),
            status,
            Some(message),
        )
    };
    match outcome {
        Ok(Ok(res)) => back_to(Some(res.date), "list"),
        Ok(Err(rej)) => again(rejection_status(&rej.reason), rej.reason.to_string()).await,
        Err(e @ StoreError::NotFound) => PageError(e).into_response(),
        Err(StoreError::Conflict { message, .. }) => again(StatusCode::CONFLICT, message).await,
        Err(StoreError::Invalid { message, .. }) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /reservations/{id}/messages/{message}/again`: writes the message anew (as it would
/// read now) and sends it.
pub async fn send_again(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath((id, message)): ApiPath<(Uuid, Uuid)>,
) -> Response {
    match hs_service::guest_messages::send_again(&state.services, &r.service(), message).await {
        Ok(()) => {
            axum::response::Redirect::to(&format!("/reservations/{id}#messages")).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}
