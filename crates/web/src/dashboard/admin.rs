//! The platform admin area (`/admin`), for the operator above all restaurants: the start page
//! flags every open incident as its 24-hour deadline nears, the incident register records a
//! breach and sends its notice, and the admin log lists every action. Only platform admins;
//! others get 403.

use crate::auth::SignedIn;
use crate::extract::FormFields;
use crate::render::{error_page_for, local, render, PageCtx, PageError};
use crate::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hs_service::registers::{self, Admin};
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// A signed-in platform admin.
pub struct PlatformAdmin {
    signed_in: SignedIn,
    admin: Admin,
}

impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        match Admin::of(&signed_in.0.user) {
            Ok(admin) => Ok(PlatformAdmin { signed_in, admin }),
            Err(_) => Err(error_page_for(
                state,
                &parts.headers,
                Some(&signed_in.0),
                StatusCode::FORBIDDEN,
            )),
        }
    }
}

/// The first 80 characters of a long text, for a list.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Times shown in UTC: the operator works across restaurants and zones.
fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    local(t, chrono_tz::UTC)
}

async fn start(
    state: &AppState,
    a: &PlatformAdmin,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let svc = &state.services;
    let deadlines = registers::deadlines(svc).await?;
    let incidents: Vec<Value> = registers::incidents(svc, &a.admin)
        .await?
        .into_iter()
        .map(|i| {
            let left = deadlines.iter().find(|(id, _)| *id == i.id).map(|(_, s)| *s);
            context! {
                id => i.id, learned_at => utc(i.learned_at), deadline => utc(i.deadline()),
                description => short(&i.description), restaurants => i.restaurant_ids.len(),
                closed => i.closed_at.is_some(),
                // Hours left while someone is still to be told; flagged under 6 hours.
                hours_left => left.map(|s| s / 3600), due_soon => left.is_some_and(|s| s < 6 * 3600),
                overdue => left.is_some_and(|s| s < 0),
            }
        })
        .collect();
    let restaurants: Vec<Value> = registers::restaurants(svc, &a.admin)
        .await?
        .into_iter()
        .map(|r| context! { id => r.id, name => r.name })
        .collect();
    let log: Vec<Value> = registers::log(svc, &a.admin)
        .await?
        .into_iter()
        .map(|(at, actor, action, target)| context! { at => utc(at), actor, action, target })
        .collect();
    let (register, changes) = registers::sub_processor_register(svc, &a.admin).await?;
    let register: Vec<Value> = register
        .into_iter()
        .map(|p| context! { key => p.key, name => p.name, service => p.service, location => p.location, basis => p.basis })
        .collect();
    let enabled: Vec<Value> =
        registers::enabled_sub_processors(svc, &a.admin, &state.config.platform)
            .await?
            .into_iter()
            .map(|(restaurant, names)| context! { restaurant, names })
            .collect();
    let changes: Vec<Value> = changes
        .into_iter()
        .map(|(c, objections)| {
            context! {
                kind => c.kind, key => c.key, name => c.name, reason => c.reason,
                announced_at => utc(c.announced_at), effective_at => utc(c.effective_at),
                applied => c.applied_at.is_some(),
                objections => objections.into_iter().map(|o| context! {
                    restaurant => o.restaurant, reason => o.reason, at => utc(o.at),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let now = state.services.clock().now();
    let requests: Vec<Value> = registers::all_requests(svc, &a.admin)
        .await?
        .into_iter()
        .map(|(restaurant, q)| {
            context! {
                restaurant, kind => q.kind, channel => q.channel, received_at => utc(q.received_at),
                due_at => utc(q.due_at), status => q.status, forwarded => q.forwarded_at.is_some(),
                overdue => q.status == "open" && q.due_at < now, actions => q.actions,
            }
        })
        .collect();
    let instructions: Vec<Value> = registers::all_instructions(svc, &a.admin)
        .await?
        .into_iter()
        .map(|(rid, restaurant, i)| {
            context! {
                rid, restaurant, id => i.id, form => i.form, given_at => utc(i.given_at),
                persons => i.persons, body => i.body, carried_out => i.carried_out,
            }
        })
        .collect();
    Ok(render(
        state,
        status,
        "admin.html",
        &PageCtx::signed_in(&a.signed_in.0),
        context! {
            incidents, restaurants, log, error, open => deadlines.len(), register, changes,
            requests, instructions, enabled,
        },
    ))
}

/// `GET /admin`.
pub async fn home(State(state): State<AppState>, a: PlatformAdmin) -> Result<Response, PageError> {
    start(&state, &a, StatusCode::OK, None).await
}

/// `POST /admin/incidents`: records a breach and sends its notice.
pub async fn open_incident(
    State(state): State<AppState>,
    a: PlatformAdmin,
    form: FormFields,
) -> Result<Response, PageError> {
    let number = |k: &str| form.get(k).trim().parse::<i32>().unwrap_or(-1);
    let learned_at = match form.get("learned_at").trim() {
        "" => Ok(None),
        s => chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .map(|t| Some(t.and_utc()))
            .map_err(|_| "learned_at: must be a time as YYYY-MM-DDTHH:MM (UTC)".to_string()),
    };
    let learned_at = match learned_at {
        Ok(t) => t,
        Err(e) => return start(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await,
    };
    let n = hs_service::model::registers::NewIncident {
        learned_at,
        contact: form.get("contact").into(),
        description: form.get("description").into(),
        data_categories: form.get("data_categories").into(),
        subjects_approx: number("subjects_approx"),
        records_approx: number("records_approx"),
        consequences: form.get("consequences").into(),
        measures_taken: form.get("measures_taken").into(),
        measures_planned: form.get("measures_planned").into(),
        restaurants: form
            .names()
            .filter_map(|k| k.strip_prefix("r_"))
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect(),
    };
    match registers::open_incident(&state.services, &a.admin, &n).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/incidents/{id}")).into_response()),
        Err(StoreError::Invalid { field, message, .. }) => {
            start(
                &state,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /admin/incidents/{id}`.
pub async fn incident(
    State(state): State<AppState>,
    a: PlatformAdmin,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let (i, told) = registers::incident(&state.services, &a.admin, id).await?;
    let told: Vec<Value> = told
        .into_iter()
        .map(|(id, name, at)| context! { id, name, notified_at => at.map(utc) })
        .collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "incident.html",
        &PageCtx::signed_in(&a.signed_in.0),
        context! {
            id => i.id, learned_at => utc(i.learned_at), deadline => utc(i.deadline()),
            contact => i.contact, description => i.description, data_categories => i.data_categories,
            subjects_approx => i.subjects_approx, records_approx => i.records_approx,
            consequences => i.consequences, measures_taken => i.measures_taken,
            measures_planned => i.measures_planned, closed_at => i.closed_at.map(utc), told,
        },
    ))
}

/// `POST /admin/incidents/{id}/close`.
pub async fn close_incident(
    State(state): State<AppState>,
    a: PlatformAdmin,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    registers::close_incident(&state.services, &a.admin, id).await?;
    Ok(Redirect::to(&format!("/admin/incidents/{id}")).into_response())
}

/// `POST /admin/sub-processors`: announces an addition (14 days to object) or a removal.
pub async fn announce(
    State(state): State<AppState>,
    a: PlatformAdmin,
    form: FormFields,
) -> Result<Response, PageError> {
    let c = hs_service::model::registers::Change {
        kind: form.get("kind").into(),
        key: form.get("key").into(),
        name: form.get("name").into(),
        service: form.get("service").into(),
        location: form.get("location").into(),
        basis: form.get("basis").into(),
        reason: form.get("reason").into(),
        ..Default::default()
    };
    match registers::announce(&state.services, &a.admin, &c).await {
        Ok(_) => Ok(Redirect::to("/admin#sub-processors").into_response()),
        Err(StoreError::Invalid { field, message, .. }) => {
            start(
                &state,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(StoreError::Conflict { message, .. }) => {
            start(&state, &a, StatusCode::CONFLICT, Some(message)).await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// A time typed in a form as `YYYY-MM-DDTHH:MM` (UTC); empty is now.
fn form_time(
    form: &FormFields,
    field: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    match form.get(field).trim() {
        "" => Ok(None),
        s => chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .map(|t| Some(t.and_utc()))
            .map_err(|_| format!("{field}: must be a time as YYYY-MM-DDTHH:MM (UTC)")),
    }
}

/// Answers a register's form: back to the start page, or the start page naming the field.
async fn saved(
    state: &AppState,
    a: &PlatformAdmin,
    done: Result<(), StoreError>,
    anchor: &str,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/admin#{anchor}")).into_response()),
        Err(StoreError::Invalid { field, message, .. }) => {
            start(
                state,
                a,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /admin/requests`: a data-subject or authority request, forwarded at once.
pub async fn record_request(
    State(state): State<AppState>,
    a: PlatformAdmin,
    form: FormFields,
) -> Result<Response, PageError> {
    let received_at = match form_time(&form, "received_at") {
        Ok(t) => t,
        Err(e) => return start(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await,
    };
    let Ok(restaurant) = Uuid::parse_str(form.get("restaurant")) else {
        return start(
            &state,
            &a,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("restaurant: choose one".into()),
        )
        .await;
    };
    let n = hs_service::model::registers::NewRequest {
        restaurant,
        kind: form.get("kind").into(),
        channel: form.get("channel").into(),
        requester: form.get("requester").into(),
        details: form.get("details").into(),
        received_at,
    };
    let done = registers::record_request(&state.services, &a.admin, &n)
        .await
        .map(|_| ());
    saved(&state, &a, done, "requests").await
}

/// `POST /admin/instructions`: an oral instruction with date, time and persons.
pub async fn record_instruction(
    State(state): State<AppState>,
    a: PlatformAdmin,
    form: FormFields,
) -> Result<Response, PageError> {
    let given_at = match form_time(&form, "given_at") {
        Ok(t) => t,
        Err(e) => return start(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await,
    };
    let Ok(restaurant) = Uuid::parse_str(form.get("restaurant")) else {
        return start(
            &state,
            &a,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("restaurant: choose one".into()),
        )
        .await;
    };
    let done = registers::record_oral_instruction(
        &state.services,
        &a.admin,
        restaurant,
        given_at,
        form.get("persons"),
        form.get("body"),
    )
    .await
    .map(|_| ());
    saved(&state, &a, done, "instructions").await
}

/// `POST /admin/instructions/{restaurant}/{id}`: the action that carried it out.
pub async fn instruction_carried_out(
    State(state): State<AppState>,
    a: PlatformAdmin,
    Path((restaurant, id)): Path<(Uuid, Uuid)>,
    form: FormFields,
) -> Result<Response, PageError> {
    let done = registers::instruction_carried_out(
        &state.services,
        &a.admin,
        restaurant,
        id,
        form.get("carried_out"),
    )
    .await;
    saved(&state, &a, done, "instructions").await
}

/// `GET /admin/record.md?lang=de|en`: the operator's record of processing (Art. 30(2) GDPR).
pub async fn record(
    State(state): State<AppState>,
    a: PlatformAdmin,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let lang = match crate::extract::query_param(&uri, "lang").as_deref() {
        Some("en") => "en",
        _ => "de",
    };
    let md =
        registers::record_of_processing(&state.services, &a.admin, lang, &state.config.public_url)
            .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"record-of-processing-{lang}.md\""),
            ),
        ],
        md,
    )
        .into_response())
}
