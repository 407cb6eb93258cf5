//! The day view, the team's start page: reservations of a day as a list by time or as a table
//! timeline, covers against seats, one-click state changes and walk-ins. Server-rendered;
//! works without JavaScript.

use super::forms::{back_to, chosen_tables, long_date, party_size, reservation_row, FormErrors};
use crate::auth::InRestaurant;
use crate::error::rejection_status;
use crate::error::ApiError;
use crate::extract::{query_date, query_param, ApiPath, FormFields};
use crate::render::PageError;
use crate::render::{field_errors, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, NaiveTime, Timelike};
use hs_domain::availability::Unavailable;
use hs_domain::reservation::Status;
use hs_domain::Role;
use hs_service::model::booking::Reservation;
use hs_service::reservations as service;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

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
        let asked = query_date(uri);
        let service::Day {
            date,
            today,
            reservations: all,
            tables,
            rules,
            handovers,
            failed_messages,
        } = service::day(&state.services, &r.service(), asked).await?;
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
        // The statistics' rule (`hs_domain::stats::covers`): cancellations and no-shows bring none.
        let covers = hs_domain::stats::covers(list.iter().map(|x| (x.status, u32::try_from(x.party_size).unwrap_or(0))));
        let seats = hs_domain::stats::seats(tables.iter().map(|t| t.max_seats));
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
        Ok(context! {
            view, date => date.to_string(), date_long => long_date(date, page.lang),
            prev => (date - Duration::days(1)).to_string(), next => (date + Duration::days(1)).to_string(),
            is_today => date == today, covers, seats, count => list.len(),
            periods_tabs => tab_names.iter().map(|n| context! { name => n, q => form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>() }).collect::<Vec<_>>(), period => chosen,
            reservations => list.iter().map(|x| {
                let row = reservation_row(x, r.restaurant.role, date <= today);
                context! { message_failed => failed_messages.contains(&x.id), ..row }
            }).collect::<Vec<_>>(),
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

/// `GET /reservations/{id}/cancel`: asks before cancelling.
pub async fn confirm_cancel(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let res = service::get(&state.services, &r.service(), id).await?;
    Ok(render(
        &state,
        StatusCode::OK,
        "confirm_cancel.html",
        &PageCtx::in_restaurant(&r),
        context! { r => reservation_row(&res, r.restaurant.role, true), date => res.date.to_string() },
    ))
}

/// `POST /reservations/{id}/{action}`: one click from the day view.
pub async fn act(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
    form: FormFields,
) -> Response {
    change_status(&state, &r, id, &action, &form).await
}

/// `POST /reservations/{id}/cancel`: the confirmed cancellation.
pub async fn cancel(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath(id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    change_status(&state, &r, id, "cancel", &form).await
}

async fn change_status(
    state: &AppState,
    r: &InRestaurant,
    id: Uuid,
    action: &str,
    form: &FormFields,
) -> Response {
    let view = if form.get("view") == "timeline" {
        "timeline"
    } else {
        "list"
    };
    match hs_service::reservations::transition(&state.services, &r.service(), id, action).await {
        Ok(res) => back_to(Some(res.date), view),
        Err(StoreError::Conflict { .. }) => back_to(
            NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d").ok(),
            view,
        ),
        Err(e) => PageError(e).into_response(),
    }
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
    let outcome = hs_service::reservations::walk_in(
        &state.services,
        &r.service(),
        party,
        None,
        tables,
        "",
        false,
    )
    .await;
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
