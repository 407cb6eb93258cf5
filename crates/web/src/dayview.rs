//! The day view, the team's start page: reservations of a day as a list by time or as a table
//! timeline, covers against seats, one-click state changes, new reservations with the day's
//! free times, and walk-ins. Server-rendered; works without JavaScript.

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{query_param, ApiPath, FormFields};
use crate::pages::{field_errors, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, NaiveTime, Timelike};
use hs_domain::availability::{self, Audience, Unavailable};
use hs_domain::reservation::{Channel, Status};
use hs_domain::validate;
use hs_domain::Role;
use hs_store::booking::{Change, GuestInput, NewReservation, Reservation};
use hs_store::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// "Freitag, 27. November 2026" / "Friday, 27 November 2026".
fn long_date(d: NaiveDate, lang: &str) -> String {
    hs_domain::say::long_date(d, lang)
}

fn parse_date(q: Option<&str>, today: NaiveDate) -> NaiveDate {
    q.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .unwrap_or(today)
}

fn reservation_row(r: &Reservation, role: Role, arrived: bool) -> Value {
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

/// The day view for `GET /?date=YYYY-MM-DD&view=list|timeline`.
pub async fn day(state: &AppState, r: &InRestaurant, uri: &Uri) -> Response {
    day_with(state, r, uri, StatusCode::OK, FormErrors::new()).await
}

/// The day view with a status and the walk-in form's field errors.
async fn day_with(
    state: &AppState,
    r: &InRestaurant,
    uri: &Uri,
    status: StatusCode,
    errors: FormErrors,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let view = if query_param(uri, "view").as_deref() == Some("timeline") {
        "timeline"
    } else {
        "list"
    };
    let result: Result<Value, StoreError> = async {
        let mut tx = state.store.tenant(r.restaurant.id, &r.actor()).await?;
        let today = tx.now_local_date().await?;
        let date = parse_date(query_param(uri, "date").as_deref(), today);
        let settings = tx.reservation_settings().await?;
        let special = r.restaurant.role.reads_special_notes(settings.staff_read_special);
        let all = tx.reservations_on(date, special).await?;
        let tables = tx.tables().await?;
        let rules = tx.rules().await?;
        // Service-period tabs: the day's periods; `?period=` shows the reservations starting in one.
        let day_periods = rules.periods_on(date).to_vec();
        let chosen = query_param(uri, "period").filter(|p| day_periods.iter().any(|d| &d.name == p));
        let in_period = |res: &Reservation, name: &str| {
            let t = NaiveTime::parse_from_str(&res.time, "%H:%M").unwrap_or(NaiveTime::MIN);
            day_periods.iter().filter(|p| p.name == name).any(|p| {
                if p.end <= p.start { t >= p.start || t < p.end } else { t >= p.start && t < p.end }
            })
        };
        let list: Vec<Reservation> = match &chosen {
            Some(name) => all.iter().filter(|x| in_period(x, name)).cloned().collect(),
            None => all.clone(),
        };
        let mut tab_names: Vec<String> = day_periods.iter().map(|p| p.name.clone()).collect();
        tab_names.dedup();
        let covers: i32 = list.iter().filter(|x| !matches!(x.status, Status::Cancelled | Status::NoShow)).map(|x| x.party_size).sum();
        let seats: i32 = tables.iter().map(|t| t.max_seats).sum();
        // Timeline: 15-minute columns from the first opening to the last closing of the day.
        let periods = rules.periods_on(date).to_vec();
        let first = periods.iter().map(|p| p.start).min().unwrap_or(NaiveTime::from_hms_opt(11, 0, 0).unwrap_or_default());
        let start = date.and_time(NaiveTime::from_hms_opt(first.hour(), 0, 0).unwrap_or(first));
        // Until the last closing (periods may end after midnight), at least 4 and at most 24 hours.
        let last_end = periods
            .iter()
            .map(|p| {
                let e = date.and_time(p.end);
                if p.end <= p.start { e + Duration::days(1) } else { e }
            })
            .max()
            .unwrap_or(start + Duration::hours(12));
        let span_hours = ((last_end - start).num_minutes() + 59) / 60;
        let span_hours = span_hours.clamp(4, 24);
        let columns = 4 * span_hours;
        let hours: Vec<Value> = (0..span_hours)
            .map(|h| context! { label => format!("{:02}:00", (start + Duration::hours(h)).hour()), col => 2 + h * 4 })
            .collect();
        let rows: Vec<Value> = tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let blocks: Vec<Value> = list
                    .iter()
                    .filter(|x| x.tables.contains(&t.name) && !matches!(x.status, Status::Cancelled))
                    .filter_map(|x| {
                        let local = x.starts_at.with_timezone(&rules.tz).naive_local();
                        let offset = (local - start).num_minutes() / 15;
                        let span = ((x.ends_at - x.starts_at).num_minutes() / 15).max(1);
                        (offset >= 0 && offset < columns).then(|| context! {
                            col => 2 + offset, span => span.min(columns - offset).min(60), status => x.status.as_str(),
                            label => format!("{} {} · {}", x.time, x.guest.as_ref().map(|g| g.name.as_str()).unwrap_or(""), x.party_size),
                            id => x.id,
                        })
                    })
                    .collect();
                context! { name => t.name, row => i + 2, blocks => blocks }
            })
            .collect();
        // Today: callers the phone agent handed over in the last 24 hours wait for a callback.
        let handovers = if date == today {
            tx.voice_handovers_since(state.store.clock().now() - Duration::hours(24)).await?
        } else {
            0
        };
        Ok(context! {
            view, date => date.to_string(), date_long => long_date(date, page.lang),
            prev => (date - Duration::days(1)).to_string(), next => (date + Duration::days(1)).to_string(),
            is_today => date == today, covers, seats, count => list.len(),
            periods_tabs => tab_names.iter().map(|n| context! { name => n, q => form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>() }).collect::<Vec<_>>(), period => chosen,
            reservations => list.iter().map(|x| reservation_row(x, r.restaurant.role, date <= today)).collect::<Vec<_>>(),
            hours, rows, columns => columns + 1, closed => periods.is_empty(),
            party_sizes => (1..=12).collect::<Vec<_>>(),
            walk_tables => tables.iter().map(|t| context! { value => t.id.to_string(), label => t.name }).collect::<Vec<_>>(),
            handovers, errors,
        })
    }
    .await;
    match result {
        Ok(ctx) => render(state, status, "day.html", &page, ctx),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn back_to(date: Option<NaiveDate>, view: &str) -> Response {
    match date {
        Some(d) => Redirect::to(&format!("/?date={d}&view={view}")).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

/// `GET /reservations/{id}/cancel`: asks before cancelling.
pub async fn confirm_cancel(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return resp;
    }
    let found = match state.store.tenant(r.restaurant.id, &r.actor()).await {
        Ok(mut tx) => tx.reservation(id, false).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(res) => render(
            &state,
            StatusCode::OK,
            "confirm_cancel.html",
            &PageCtx::in_restaurant(&r),
            context! { r => reservation_row(&res, r.restaurant.role, true), date => res.date.to_string() },
        ),
        Err(StoreError::NotFound) => {
            crate::pages::error_page_for(&state, &headers, Some(&r.ctx), StatusCode::NOT_FOUND)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /reservations/{id}/{action}`: one click from the day view.
pub async fn act(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
    form: FormFields,
) -> Response {
    change_status(&state, &r, &headers, id, &action, &form).await
}

/// `POST /reservations/{id}/cancel`: the confirmed cancellation.
pub async fn cancel(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    change_status(&state, &r, &headers, id, "cancel", &form).await
}

async fn change_status(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    id: Uuid,
    action: &str,
    form: &FormFields,
) -> Response {
    let Some((to, needs)) = hs_domain::reservation::action(action) else {
        return crate::pages::error_page_for(state, headers, Some(&r.ctx), StatusCode::NOT_FOUND);
    };
    if let Err(resp) = r.require(needs, state, headers) {
        return resp;
    }
    let view = if form.get("view") == "timeline" {
        "timeline"
    } else {
        "list"
    };
    match r
        .write(state, move |tx| {
            Box::pin(async move { tx.transition(id, to).await })
        })
        .await
    {
        Ok(res) => back_to(Some(res.date), view),
        Err(StoreError::NotFound) => {
            crate::pages::error_page_for(state, headers, Some(&r.ctx), StatusCode::NOT_FOUND)
        }
        Err(StoreError::Conflict { .. }) => back_to(
            NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d").ok(),
            view,
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

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

/// The `tables` form field: empty for "as suggested", else comma-separated table ids.
fn chosen_tables(form: &FormFields) -> Result<Option<Vec<Uuid>>, ()> {
    let v = form.get("tables").trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.split(',')
        .map(|p| Uuid::parse_str(p.trim()).map_err(|_| ()))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

async fn new_page(
    state: &AppState,
    r: &InRestaurant,
    date: NaiveDate,
    party: u32,
    status: StatusCode,
    extra: Value,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let data: Result<Value, StoreError> = async {
        let mut tx = state.store.tenant(r.restaurant.id, &r.actor()).await?;
        let snap = tx.snapshot(date).await?;
        let special = tx.may_read_special(r.restaurant.role).await?;
        let now = state.store.clock().now();
        let (slots, reason) = match availability::slots(&snap, date, party, now, Audience::Staff) {
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

/// `GET /reservations/new?date=&party_size=`: the day's free times for the party.
pub async fn new_form(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let today = match state.store.tenant(r.restaurant.id, &r.actor()).await {
        Ok(mut tx) => tx
            .now_local_date()
            .await
            .unwrap_or_else(|_| state.store.clock().now().date_naive()),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let date = parse_date(query_param(&uri, "date").as_deref(), today);
    let party = query_param(&uri, "party_size")
        .and_then(|p| p.parse().ok())
        .filter(|p| (1..=100).contains(p))
        .unwrap_or(2);
    new_page(&state, &r, date, party, StatusCode::OK, context! {}).await
}

/// Field errors of a form, by field name, for re-rendering it.
type FormErrors = std::collections::HashMap<String, String>;

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

/// A party size typed into a form: 1 to [`validate::PARTY_MAX`].
fn party_size(raw: &str) -> Result<u32, validate::Invalid> {
    validate::whole_number(raw, 1, i64::from(validate::PARTY_MAX)).map(|n| n as u32)
}

/// `POST /reservations/new`: books through the same service as every channel.
pub async fn create(State(state): State<AppState>, r: InRestaurant, form: FormFields) -> Response {
    let keep = context! { form => context! { name => form.get("name"), phone => form.get("phone"), email => form.get("email"), notes => form.get("notes"), language => form.get("language"), tables => form.get("tables") } };
    let again = |date: Option<NaiveDate>, party: Option<u32>, status, errors: FormErrors| {
        let (state, r, keep) = (&state, &r, keep.clone());
        async move {
            let date = match date {
                Some(d) => d,
                None => state.store.clock().now().date_naive(),
            };
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
        },
        notes: form.get("notes").to_string(),
        special_notes: opt("special_notes"),
        channel: Channel::Dashboard,
        tables,
    };
    let outcome = match state.store.tenant(r.restaurant.id, &r.actor()).await {
        Ok(mut tx) => match tx.create_reservation(&req).await {
            Ok(Ok(res)) => tx.commit().await.map(|_| Ok(res)),
            other => other,
        },
        Err(e) => Err(e),
    };
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

/// A refusal's status, as the API answers it: 409 when the time exists but is taken or too
/// soon, 422 when the request cannot be met at all.
pub(crate) fn rejection_status(reason: &Unavailable) -> StatusCode {
    match reason {
        Unavailable::Full | Unavailable::TooSoon(_) | Unavailable::TablesTaken => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
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

/// `POST /walk-ins`: seats a party now on the best free table; a refusal shows the day view
/// again with the reason at the walk-in form.
pub async fn walk_in(
    State(state): State<AppState>,
    r: InRestaurant,
    uri: Uri,
    form: FormFields,
) -> Response {
    let refused = |status, field: &str, message: String| {
        let (state, r, uri) = (&state, &r, &uri);
        let errors = FormErrors::from([(field.to_string(), message)]);
        async move { day_with(state, r, uri, status, errors).await }
    };
    let party = match party_size(form.get("party_size")) {
        Ok(p) => p,
        Err(e) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "party_size",
                e.to_string(),
            )
            .await
        }
    };
    let Ok(tables) = chosen_tables(&form) else {
        let e = Unavailable::UnknownTable;
        return refused(StatusCode::UNPROCESSABLE_ENTITY, e.field(), e.to_string()).await;
    };
    let outcome = match state.store.tenant(r.restaurant.id, &r.actor()).await {
        Ok(mut tx) => match tx.walk_in(party, None, tables, "").await {
            Ok(Ok(res)) => tx.commit().await.map(|_| Ok(res)),
            other => other,
        },
        Err(e) => Err(e),
    };
    match outcome {
        Ok(Ok(res)) => back_to(Some(res.date), "list"),
        Ok(Err(rej)) => {
            refused(
                rejection_status(&rej.reason),
                rej.reason.field(),
                rej.reason.to_string(),
            )
            .await
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                day_with(&state, &r, &uri, StatusCode::UNPROCESSABLE_ENTITY, errors).await
            }
            Err(resp) => resp,
        },
    }
}

async fn detail_page(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    id: Uuid,
    want: (Option<NaiveDate>, Option<u32>),
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let result: Result<Value, StoreError> = async {
        let mut tx = state.store.tenant(r.restaurant.id, &r.actor()).await?;
        let special = tx.may_read_special(r.restaurant.role).await?;
        let res = tx.reservation(id, special).await?;
        let today = tx.now_local_date().await?;
        let tz = tx.rules().await?.tz;
        let calls: Vec<Value> = tx
            .voice_calls_for_reservation(id)
            .await?
            .into_iter()
            .map(|(cid, at, outcome)| context! { id => cid, at => crate::calls::local(at, tz), outcome })
            .collect();
        let move_date = want.0.unwrap_or(res.date);
        let move_party = want.1.unwrap_or(res.party_size as u32);
        let snap = tx.snapshot(move_date).await?;
        let now = state.store.clock().now();
        let (slots, reason) = match availability::slots_excluding(&snap, move_date, move_party, now, Audience::Staff, Some(id)) {
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
            tables => table_choices(&snap), calls,
            party_sizes => (1..=20).collect::<Vec<_>>(),
        })
    }
    .await;
    match result {
        Ok(ctx) => render(state, status, "reservation.html", &page, ctx),
        Err(StoreError::NotFound) => {
            crate::pages::error_page_for(state, headers, Some(&r.ctx), StatusCode::NOT_FOUND)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /reservations/{id}?date=&party_size=`: details, actions, and the free times to move to.
pub async fn detail(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: Uri,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    let date =
        query_param(&uri, "date").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let party = query_param(&uri, "party_size")
        .and_then(|p| p.parse().ok())
        .filter(|p| (1..=100).contains(p));
    detail_page(
        &state,
        &r,
        &headers,
        id,
        (date, party),
        StatusCode::OK,
        None,
    )
    .await
}

/// `POST /reservations/{id}`: moves, resizes or annotates; availability is checked again.
pub async fn change(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
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
    let outcome = match (
        tables,
        state.store.tenant(r.restaurant.id, &r.actor()).await,
    ) {
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok((date, time, party, tables)), Ok(mut tx)) => match tx
            .change_reservation(
                id,
                &Change {
                    date,
                    time,
                    party_size: party,
                    notes: Some(form.get("notes")),
                    tables,
                },
            )
            .await
        {
            Ok(Ok(res)) => tx.commit().await.map(|_| Ok(res)),
            other => other,
        },
    };
    let again = |status, message| {
        detail_page(
            &state,
            &r,
            &headers,
            id,
            (want_date, want_party),
            status,
            Some(message),
        )
    };
    match outcome {
        Ok(Ok(res)) => back_to(Some(res.date), "list"),
        Ok(Err(rej)) => again(rejection_status(&rej.reason), rej.reason.to_string()).await,
        Err(StoreError::NotFound) => {
            crate::pages::error_page_for(&state, &headers, Some(&r.ctx), StatusCode::NOT_FOUND)
        }
        Err(StoreError::Conflict { message, .. }) => again(StatusCode::CONFLICT, message).await,
        Err(StoreError::Invalid { message, .. }) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
