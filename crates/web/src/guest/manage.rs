//! The self-service page: the reservation, a form to change date, time and party size (with
//! the free times of the chosen day), cancel, and the calendar file. A wrong or expired link
//! shows a plain page with the restaurant's phone number.

use crate::auth::ClientIp;
use crate::error::{rejection_status, ApiError};
use crate::extract::{query_date, query_param, FormFields};
use crate::render::{render, PageCtx};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use hs_domain::say;
use hs_domain::validate;
use hs_service::reservations::Outcome;
use hs_service::self_service;
use hs_service::StoreError;
use minijinja::context;
use std::collections::BTreeMap;
use uuid::Uuid;

fn ip(client: &Option<Extension<ClientIp>>) -> String {
    client
        .as_ref()
        .map(|c| c.0 .0.to_string())
        .unwrap_or_default()
}

/// The page's language: asked (`?lang=`), or the guest's own, or the browser's.
fn page_ctx(headers: &HeaderMap, uri: &Uri, guest_lang: Option<&str>) -> PageCtx {
    let mut page = PageCtx::anonymous(headers, uri);
    if query_param(uri, "lang").is_none() {
        if let Some(l) = guest_lang {
            page.lang = if l == "en" { "en" } else { "de" };
        }
    }
    page
}

/// The plain page for a link that opens nothing (404), with the restaurant's phone.
async fn invalid(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    rid: Option<Uuid>,
    ip: &str,
) -> Response {
    let _ = state.auth_failures.take(ip);
    let contact = match rid {
        Some(rid) => self_service::contact(&state.services, rid).await,
        None => None,
    };
    let page = page_ctx(headers, uri, None);
    let (restaurant, phone) = contact.unzip();
    render(
        state,
        StatusCode::NOT_FOUND,
        "manage_invalid.html",
        &page,
        context! { restaurant, phone },
    )
}

/// One guest's visit to one link: what every answer of the page needs.
struct Visit<'a> {
    state: &'a AppState,
    headers: &'a HeaderMap,
    uri: &'a Uri,
    rid: Uuid,
    token: &'a str,
    ip: String,
}

impl Visit<'_> {
    /// The plain page: this link opens nothing.
    async fn invalid(&self) -> Response {
        invalid(self.state, self.headers, self.uri, Some(self.rid), &self.ip).await
    }

    /// The page with no complaint.
    async fn page(&self, wish: (Option<chrono::NaiveDate>, Option<u32>)) -> Response {
        self.show(wish, StatusCode::OK, BTreeMap::new(), Vec::new())
            .await
    }

    /// Shows the page, with `errors` and `alternatives` after a refused change.
    async fn show(
        &self,
        wish: (Option<chrono::NaiveDate>, Option<u32>),
        status: StatusCode,
        errors: BTreeMap<String, String>,
        alternatives: Vec<String>,
    ) -> Response {
        let Visit {
            state,
            headers,
            uri,
            rid,
            token,
            ..
        } = *self;
        let m = match self_service::open(&state.services, rid, token, wish).await {
            Ok(m) => m,
            Err(StoreError::NotFound) => return self.invalid().await,
            Err(e) => return ApiError::from(e).into_response(),
        };
        let r = &m.reservation;
        let page = page_ctx(headers, uri, r.guest.as_ref().map(|g| g.language.as_str()));
        let lang = page.lang;
        let time = chrono::NaiveTime::parse_from_str(&r.time, "%H:%M").unwrap_or_default();
        let slots: Vec<String> = match &m.slots {
            Ok(s) => s
                .iter()
                .filter(|s| s.local.date() == m.date)
                .map(|s| s.local.format("%H:%M").to_string())
                .collect(),
            Err(_) => Vec::new(),
        };
        let no_slots = match &m.slots {
            Err(reason) => Some(reason.to_string()),
            Ok(s) if s.is_empty() => Some(page.translate("manage.no_times")),
            Ok(_) => None,
        };
        let done = query_param(uri, "done").filter(|d| d == "cancelled" || d == "changed");
        render(
            state,
            status,
            "manage.html",
            &page,
            context! {
                base => format!("/r/{rid}/{token}"),
                restaurant => context! { name => m.restaurant }, phone => m.phone, address => m.address,
                code => r.code, status => r.status.as_str(),
                when => format!("{}, {}", say::long_date(r.date, lang), say::time(time, lang)),
                party => r.party_size,
                name => r.guest.as_ref().map(|g| g.name.clone()),
                may_change => m.may_change,
                cutoff_hours => format!("{:.1}", f64::from(m.cutoff_minutes) / 60.0).trim_end_matches(".0").to_string(),
                date => m.date.to_string(), wish_party => m.party, time => r.time,
                slots, no_slots, errors, alternatives, done, whatsapp => m.whatsapp,
            },
        )
    }
}

type Params = Path<(String, String)>;

/// Every guest page's first step: an address that keeps trying wrong links waits (429); a
/// restaurant id that is no id shows the plain page.
async fn gate<'a>(
    state: &'a AppState,
    client: &Option<Extension<ClientIp>>,
    headers: &'a HeaderMap,
    uri: &'a Uri,
    (rid, token): &'a (String, String),
) -> Result<Visit<'a>, Response> {
    let ip = ip(client);
    if let Err(wait) = state.auth_failures.peek(&ip) {
        return Err(ApiError::too_many(wait).into_response());
    }
    match rid_of(rid) {
        Some(rid) => Ok(Visit {
            state,
            headers,
            uri,
            rid,
            token,
            ip,
        }),
        None => Err(invalid(state, headers, uri, None, &ip).await),
    }
}

fn rid_of(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}

/// `GET /r/{restaurant_id}/{token}` (`?date=&party=` look at other days).
pub async fn page(
    State(state): State<AppState>,
    Path(link): Params,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let v = match gate(&state, &client, &headers, &uri, &link).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let party = query_param(&uri, "party")
        .and_then(|p| validate::whole_number(&p, 1, i64::from(validate::PARTY_MAX)).ok())
        .map(|p| p as u32);
    let wish = (query_date(&uri), party);
    v.page(wish).await
}

/// `POST /r/{restaurant_id}/{token}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(link): Params,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let v = match gate(&state, &client, &headers, &uri, &link).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (rid, token) = (v.rid, v.token);
    match self_service::cancel(&state.services, rid, token).await {
        Ok(_) => Redirect::to(&format!("/r/{rid}/{token}?done=cancelled")).into_response(),
        Err(StoreError::NotFound) => v.invalid().await,
        Err(StoreError::Conflict { message, .. }) => {
            let errors = BTreeMap::from([("cancel".to_string(), message)]);
            v.show((None, None), StatusCode::CONFLICT, errors, Vec::new())
                .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /r/{restaurant_id}/{token}/change` with `date`, `time`, `party_size`.
pub async fn change(
    State(state): State<AppState>,
    Path(link): Params,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    let v = match gate(&state, &client, &headers, &uri, &link).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (rid, token) = (v.rid, v.token);
    let mut errors = BTreeMap::new();
    let date = validate::date_iso(form.get("date"))
        .map_err(|e| errors.insert("date".to_string(), e.to_string()))
        .ok();
    let time = validate::time_hhmm(form.get("time"))
        .map_err(|e| errors.insert("time".to_string(), e.to_string()))
        .ok();
    let party = validate::whole_number(form.get("party_size"), 1, i64::from(validate::PARTY_MAX))
        .map_err(|e| errors.insert("party_size".to_string(), e.to_string()))
        .ok()
        .map(|p| p as u32);
    let (Some(date), Some(time), Some(party)) = (date, time, party) else {
        return v
            .show(
                (date, party),
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Vec::new(),
            )
            .await;
    };
    match self_service::change(&state.services, rid, token, date, time, party).await {
        Ok(Outcome::Done(_)) => {
            Redirect::to(&format!("/r/{rid}/{token}?done=changed")).into_response()
        }
        Ok(Outcome::Refused { rejection, .. }) => {
            let status = rejection_status(&rejection.reason);
            errors.insert(
                rejection.reason.field().to_string(),
                rejection.reason.to_string(),
            );
            let a = &rejection.alternatives;
            let mut alternatives: Vec<String> = [&a.before, &a.after]
                .into_iter()
                .flatten()
                .map(|s| s.local.format("%Y-%m-%d %H:%M").to_string())
                .collect();
            alternatives.extend(
                a.other_days
                    .iter()
                    .map(|d| format!("{d} {}", time.format("%H:%M"))),
            );
            v.show((Some(date), Some(party)), status, errors, alternatives)
                .await
        }
        Err(StoreError::NotFound) => v.invalid().await,
        Err(StoreError::Conflict { message, .. }) => {
            let errors = BTreeMap::from([("time".to_string(), message)]);
            v.show(
                (Some(date), Some(party)),
                StatusCode::CONFLICT,
                errors,
                Vec::new(),
            )
            .await
        }
        Err(StoreError::Invalid { field, message, .. }) => {
            let errors = BTreeMap::from([(field, message)]);
            v.show(
                (Some(date), Some(party)),
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Vec::new(),
            )
            .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /r/{restaurant_id}/{token}/calendar.ics`.
pub async fn calendar(
    State(state): State<AppState>,
    Path(link): Params,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let v = match gate(&state, &client, &headers, &uri, &link).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (rid, token) = (v.rid, v.token);
    let host = hs_service::guest_messages::host_of(&state.config.public_url);
    match self_service::calendar(&state.services, rid, token, &host).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"reservation.ics\"",
                ),
            ],
            ics,
        )
            .into_response(),
        Err(StoreError::NotFound) => v.invalid().await,
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /r/{restaurant_id}/{token}/whatsapp` with `on=1` (agree) or `on=0` (withdraw).
pub async fn whatsapp(
    State(state): State<AppState>,
    Path(link): Params,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    uri: Uri,
    form: FormFields,
) -> Response {
    let v = match gate(&state, &client, &headers, &uri, &link).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (rid, token) = (v.rid, v.token);
    match self_service::whatsapp(&state.services, rid, token, form.get("on") == "1").await {
        Ok(()) => Redirect::to(&format!("/r/{rid}/{token}")).into_response(),
        Err(StoreError::NotFound) => v.invalid().await,
        Err(e) => ApiError::from(e).into_response(),
    }
}
