//! The hosted booking page `/book/<slug>`: plain HTML forms, no JavaScript needed. A GET form
//! picks the day and party and shows the free times; a POST form books one of them with the
//! guest's name and contacts (and, in a separate explained field, special-category notes).
//! The page may be framed by the websites the restaurant listed for its widget (the widget's
//! form mode does that); everything else is refused by `frame-ancestors`.

use crate::auth::ClientIp;
use crate::error::{rejection_status, ApiError};
use crate::extract::{query_date, query_param, FormFields};
use crate::render::{render, PageCtx};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hs_domain::availability::Unavailable;
use hs_domain::{say, validate};
use hs_service::online::{self, Booked, Booking, Page};
use hs_service::StoreError;
use minijinja::context;
use std::collections::BTreeMap;

/// What the guest typed, given back with an error.
#[derive(Default, serde::Serialize)]
struct Typed {
    time: String,
    name: String,
    phone: String,
    email: String,
    notes: String,
    special_notes: String,
    whatsapp: bool,
}

pub(super) fn ip(client: &Option<Extension<ClientIp>>) -> String {
    client
        .as_ref()
        .map(|c| c.0 .0.to_string())
        .unwrap_or_default()
}

/// `frame-ancestors` for the page: this server and the restaurant's listed websites.
pub(super) fn framed_by(mut resp: Response, origins: &[String]) -> Response {
    let mut ancestors = String::from("'self'");
    for o in origins {
        ancestors.push(' ');
        ancestors.push_str(o);
    }
    let csp = crate::http::CSP.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {ancestors}"),
    );
    // With its own policy the page gets no `X-Frame-Options: DENY` (crate::http::observe).
    if let Ok(v) = HeaderValue::from_str(&csp) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// The guest-facing error for a form field (a general one for a field the form has no text for).
fn error_text(page: &PageCtx, field: &str) -> String {
    let key = format!("book.error.{field}");
    let text = page.translate(&key);
    if text == key {
        page.translate("book.error.other")
    } else {
        text
    }
}

/// A guest-facing sentence for why a day or time cannot be had.
fn why(page: &PageCtx, reason: &Unavailable) -> String {
    page.translate(&format!("book.why.{}", reason.code()))
}

pub(super) fn not_found(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Response {
    let page = PageCtx::anonymous(headers, uri);
    render(
        state,
        StatusCode::NOT_FOUND,
        "error.html",
        &page,
        context! { status => 404, message_key => "book.unknown" },
    )
}

/// Renders the page for `p` with the form's state.
#[allow(clippy::too_many_arguments)]
fn show(
    state: &AppState,
    uri: &Uri,
    page: &PageCtx,
    p: &Page,
    status: StatusCode,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
    other_days: &[String],
    booked: Option<&Booked>,
) -> Response {
    let lang = page.lang;
    let (times, no_times) = match &p.times {
        Ok(t) if t.is_empty() => (
            Vec::new(),
            Some(page.translate("book.why.slot_unavailable")),
        ),
        Ok(t) => (t.clone(), None),
        Err(reason) => (Vec::new(), Some(why(page, reason))),
    };
    let done = booked.map(|b| {
        let time = chrono::NaiveTime::parse_from_str(&b.time, "%H:%M").unwrap_or_default();
        context! {
            code => b.code,
            when => format!("{}, {}", say::long_date(b.date, lang), say::time(time, lang)),
            party => b.party,
            status => b.status,
        }
    });
    let resp = render(
        state,
        status,
        "book.html",
        page,
        context! {
            slug => p.restaurant.slug,
            name => p.restaurant.name,
            address => p.address,
            phone => p.phone,
            privacy_url => p.privacy_url,
            whatsapp_offered => p.whatsapp,
            today => p.today.to_string(),
            last_day => p.last_day.to_string(),
            date => p.date.to_string(),
            day => say::long_date(p.date, lang),
            party => p.party,
            party_max => validate::PARTY_MAX,
            times, no_times,
            key => uuid::Uuid::new_v4().simple().to_string(),
            typed, errors, other_days, done,
            // Inside the widget's panel (`?embed=1`): no page header.
            embedded => query_param(uri, "embed").is_some_and(|e| e == "1"),
        },
    );
    framed_by(resp, &p.origins)
}

/// `GET /book/{slug}?date=&party=&lang=`.
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(wait) = state.widget_limiter.take(&ip(&client)) {
        return ApiError::too_many(wait).into_response();
    }
    let party = query_param(&uri, "party")
        .and_then(|p| validate::whole_number(&p, 1, i64::from(validate::PARTY_MAX)).ok())
        .map(|p| p as u32);
    match online::page(&state.services, &slug, query_date(&uri), party).await {
        Ok(p) => {
            let page = PageCtx::anonymous(&headers, &uri);
            show(
                &state,
                &uri,
                &page,
                &p,
                StatusCode::OK,
                &Typed::default(),
                &BTreeMap::new(),
                &[],
                None,
            )
        }
        Err(StoreError::NotFound) => not_found(&state, &headers, &uri),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The form's field a store error names (`guest.phone` is the form's `phone`).
fn form_field(field: &str) -> &str {
    match field.strip_prefix("guest.").unwrap_or(field) {
        "party_size" => "party",
        f => f,
    }
}

/// `POST /book/{slug}` with `key`, `date`, `party`, `time`, `name`, `phone`, `email`,
/// `notes`, `special_notes`, `whatsapp`.
pub async fn book(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    if let Err(wait) = state.booking_limiter.take(&ip(&client)) {
        return ApiError::too_many(wait).into_response();
    }
    let page = PageCtx::anonymous(&headers, &uri);
    let mut errors = BTreeMap::new();
    let mut bad = |field: &str| {
        errors.insert(field.to_string(), error_text(&page, field));
    };
    let date = validate::date_iso(form.get("date"))
        .map_err(|_| bad("date"))
        .ok();
    let party = validate::whole_number(form.get("party"), 1, i64::from(validate::PARTY_MAX))
        .map_err(|_| bad("party"))
        .ok()
        .map(|p| p as u32);
    let time = validate::time_hhmm(form.get("time"))
        .map_err(|_| bad("time"))
        .ok();
    let typed = Typed {
        time: form.get("time").to_string(),
        name: form.get("name").to_string(),
        phone: form.get("phone").to_string(),
        email: form.get("email").to_string(),
        notes: form.get("notes").to_string(),
        special_notes: form.get("special_notes").to_string(),
        whatsapp: form.get("whatsapp") == "1",
    };
    // The page again for the asked day, with what went wrong.
    let again = |status: StatusCode, errors: BTreeMap<String, String>, other_days: Vec<String>| {
        let (state, slug, headers, uri, typed) = (&state, &slug, &headers, &uri, &typed);
        async move {
            let page = PageCtx::anonymous(headers, uri);
            match online::page(&state.services, slug, date, party).await {
                Ok(p) => show(
                    state,
                    uri,
                    &page,
                    &p,
                    status,
                    typed,
                    &errors,
                    &other_days,
                    None,
                ),
                Err(StoreError::NotFound) => not_found(state, headers, uri),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
    };
    let (Some(date), Some(party), Some(time)) = (date, party, time) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors, Vec::new()).await;
    };
    let req = online::Request {
        date,
        time,
        party,
        name: typed.name.clone(),
        phone: typed.phone.clone(),
        email: typed.email.clone(),
        notes: typed.notes.clone(),
        special_notes: typed.special_notes.clone(),
        whatsapp: typed.whatsapp,
        language: page.lang.to_string(),
    };
    match online::book(&state.services, &slug, &req, form.get("key")).await {
        Ok(Booking::Made(b)) => {
            match online::page(&state.services, &slug, Some(b.date), Some(b.party)).await {
                Ok(p) => show(
                    &state,
                    &uri,
                    &page,
                    &p,
                    StatusCode::OK,
                    &Typed::default(),
                    &BTreeMap::new(),
                    &[],
                    Some(&b),
                ),
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        Ok(Booking::Refused(rejection)) => {
            let status = rejection_status(&rejection.reason);
            // The time was free when the page was shown: say it has just gone.
            let text = match rejection.reason {
                Unavailable::Full | Unavailable::TablesTaken => {
                    page.translate("book.why.tables_unavailable")
                }
                ref reason => why(&page, reason),
            };
            let errors = BTreeMap::from([(form_field(rejection.reason.field()).to_string(), text)]);
            let other_days = rejection
                .alternatives
                .other_days
                .iter()
                .map(|d| d.to_string())
                .collect();
            again(status, errors, other_days).await
        }
        Err(StoreError::NotFound) => not_found(&state, &headers, &uri),
        Err(StoreError::Invalid { field, .. }) => {
            let field = form_field(&field).to_string();
            let text = error_text(&page, &field);
            again(
                StatusCode::UNPROCESSABLE_ENTITY,
                BTreeMap::from([(field, text)]),
                Vec::new(),
            )
            .await
        }
        Err(StoreError::Conflict {
            code: "idempotency_key_reused",
            ..
        }) => {
            let text = error_text(&page, "key");
            again(
                StatusCode::CONFLICT,
                BTreeMap::from([("key".to_string(), text)]),
                Vec::new(),
            )
            .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
