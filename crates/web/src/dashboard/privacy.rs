//! The privacy page ("Datenschutz / DSGVO", DPA § 8.1) for owners and managers: find a person
//! everywhere, export them (a ZIP made by a job, downloaded once through a link), anonymise or
//! delete them after typing their name, and read the deletion protocol.

use crate::auth::InRestaurant;
use crate::extract::{query_param, FormFields};
use crate::render::{local, render, PageCtx, PageError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hs_domain::Role;
use hs_service::privacy::{self, Erase, EraseRequest, ExportLink, Fetched, Lookup};
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// The person a form names: a guest card, or a number or address without one.
fn lookup(form: &FormFields) -> Result<Lookup, StoreError> {
    let (guest, phone, email) = (form.get("guest"), form.get("phone"), form.get("email"));
    if !guest.is_empty() {
        return Uuid::parse_str(guest)
            .map(Lookup::Guest)
            .map_err(|_| StoreError::NotFound);
    }
    if !phone.is_empty() {
        return Ok(Lookup::Phone(phone.to_string()));
    }
    if !email.is_empty() {
        return Ok(Lookup::Email(email.to_string()));
    }
    Err(StoreError::invalid(
        "guest",
        hs_domain::validate::Invalid::Empty,
    ))
}

async fn page(
    state: &AppState,
    r: &InRestaurant,
    q: &str,
    status: StatusCode,
    error: Option<String>,
    extra: Value,
) -> Result<Response, PageError> {
    let caller = r.service();
    let (found, error) = if q.trim().is_empty() {
        (Vec::new(), error)
    } else {
        match privacy::find(&state.services, &caller, q).await {
            Ok(f) => (f, error),
            Err(StoreError::Invalid { field, message, .. }) => {
                (Vec::new(), Some(format!("{field}: {message}")))
            }
            Err(e) => return Err(PageError(e)),
        }
    };
    let privacy::Overview {
        exports,
        protocol,
        tz,
    } = privacy::overview(&state.services, &caller).await?;
    let exports: Vec<Value> = exports
        .iter()
        .map(|e| {
            context! {
                created_at => local(e.created_at, tz), expires_at => local(e.expires_at, tz),
                kind => e.kind, status => e.status, rows => e.rows, progress => e.progress,
            }
        })
        .collect();
    let protocol: Vec<Value> = protocol
        .iter()
        .map(|p| {
            context! {
                ran_at => local(p.ran_at, tz), reason => p.reason, category => p.category,
                rows_affected => p.rows_affected, subject_hash => p.subject_hash, actor => p.actor,
            }
        })
        .collect();
    let incidents: Vec<Value> = hs_service::registers::notices(&state.services, &caller)
        .await?
        .into_iter()
        .map(|n| {
            let i = n.incident;
            context! {
                learned_at => local(i.learned_at, tz), notified_at => n.notified_at.map(|t| local(t, tz)),
                description => i.description, data_categories => i.data_categories,
                subjects_approx => i.subjects_approx, records_approx => i.records_approx,
                consequences => i.consequences, measures_taken => i.measures_taken,
                measures_planned => i.measures_planned, contact => i.contact,
            }
        })
        .collect();
    let now = state.services.clock().now();
    let requests: Vec<Value> = hs_service::registers::requests(&state.services, &caller)
        .await?
        .into_iter()
        .map(|q| {
            context! {
                id => q.id, kind => q.kind, channel => q.channel, requester => q.requester,
                details => q.details, received_at => local(q.received_at, tz),
                due_at => local(q.due_at, tz), status => q.status, actions => q.actions,
                overdue => q.status == "open" && q.due_at < now,
            }
        })
        .collect();
    let instructions: Vec<Value> = hs_service::registers::instructions(&state.services, &caller)
        .await?
        .into_iter()
        .map(|i| {
            context! {
                form => i.form, given_at => local(i.given_at, tz), persons => i.persons,
                body => i.body, carried_out => i.carried_out,
            }
        })
        .collect();
    let people: Vec<Value> = found
        .iter()
        .map(|f| {
            let p = &f.person;
            context! {
                guest => p.guests.first().map(Uuid::to_string),
                names => p.names.join(", "),
                confirm => p.names.first().cloned().or_else(|| p.phones.first().cloned()).or_else(|| p.emails.first().cloned()),
                phone => p.phones.first(),
                email => p.emails.first(),
                phones => p.phones.join(", "),
                emails => p.emails.join(", "),
                counts => f.counts.iter().map(|(c, n)| context! { category => c, rows => n }).collect::<Vec<_>>(),
                total => f.total(),
            }
        })
        .collect();
    Ok(render(
        state,
        status,
        "privacy.html",
        &PageCtx::in_restaurant(r),
        context! {
            q, people, exports, protocol, error, incidents, requests, instructions,
            searched => !q.trim().is_empty(),
            ..extra
        },
    ))
}

/// The privacy page again with the field a change was refused for (422); other errors pass.
async fn refused(
    state: &AppState,
    r: &InRestaurant,
    q: &str,
    e: StoreError,
) -> Result<Response, PageError> {
    match e {
        StoreError::Invalid { field, message, .. } => {
            page(
                state,
                r,
                q,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
                context! {},
            )
            .await
        }
        e => Err(PageError(e)),
    }
}

/// `GET /privacy?q=…`.
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let q = query_param(&uri, "q").unwrap_or_default();
    let done = query_param(&uri, "done").and_then(|n| n.parse::<u64>().ok());
    page(&state, &r, &q, StatusCode::OK, None, context! { done }).await
}

/// The page after an export was asked for: its link, shown once.
fn link_of(l: &ExportLink) -> String {
    format!("/privacy/exports/{}/{}", l.id, l.token)
}

/// `POST /privacy/export`: a person's export, made by a job.
pub async fn export(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let asked = match lookup(&form) {
        Ok(l) => privacy::request_export(&state.services, &r.service(), &l).await,
        Err(e) => Err(e),
    };
    match asked {
        Ok(link) => {
            page(
                &state,
                &r,
                "",
                StatusCode::OK,
                None,
                context! { export_link => link_of(&link) },
            )
            .await
        }
        Err(e) => refused(&state, &r, "", e).await,
    }
}

/// `POST /privacy/restaurant-export`: all the restaurant's data, for owners.
pub async fn restaurant_export(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Owner, &state, &headers) {
        return Ok(resp);
    }
    let link = privacy::request_restaurant_export(&state.services, &r.service()).await?;
    page(
        &state,
        &r,
        "",
        StatusCode::OK,
        None,
        context! { export_link => link_of(&link) },
    )
    .await
}

/// `POST /privacy/erase`: anonymise or delete a person (`mode`), confirmed by their name.
pub async fn erase(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let erase = match form.get("mode") {
        "delete" => Erase::Delete,
        _ => Erase::Anonymise,
    };
    let done = match lookup(&form) {
        Ok(lookup) => {
            let req = EraseRequest {
                lookup,
                erase,
                confirm: form.get("confirm").to_string(),
                export_first: form.get("export_first") == "1",
            };
            privacy::erase(&state.services, &r.service(), &req).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(d) => match d.export {
            // The export's link is shown once, with the result.
            Some(link) => {
                let rows: u64 = d.done.iter().map(|x| x.rows).sum();
                page(&state, &r, "", StatusCode::OK, None, context! { export_link => link_of(&link), done => rows, cancelled => d.cancelled }).await
            }
            None if d.cancelled > 0 => {
                page(
                    &state,
                    &r,
                    "",
                    StatusCode::OK,
                    None,
                    context! { cancelled => d.cancelled },
                )
                .await
            }
            None => Ok(Redirect::to(&format!(
                "/privacy?done={}",
                d.done.iter().map(|x| x.rows).sum::<u64>()
            ))
            .into_response()),
        },
        Err(StoreError::Invalid { field, message, .. }) => {
            let q = form.get("q").to_string();
            page(
                &state,
                &r,
                &q,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
                context! {},
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /privacy/exports/{id}/{token}`: the ZIP, once; 410 when used or expired. HEAD (a link
/// preview, a mail scanner) is refused rather than using the link up.
pub async fn download(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    method: Method,
    Path((id, token)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    if method == Method::HEAD {
        return Ok((StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")]).into_response());
    }
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    match privacy::download(&state.services, &r.service(), id, &token).await? {
        Fetched::File(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"export-{id}.zip\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response()),
        Fetched::Pending => {
            let ctx = PageCtx::in_restaurant(&r);
            let error = ctx.translate("privacy.pending");
            page(
                &state,
                &r,
                "",
                StatusCode::ACCEPTED,
                Some(error),
                context! { export_link => format!("/privacy/exports/{id}/{token}") },
            )
            .await
        }
        Fetched::Gone => {
            let ctx = PageCtx::in_restaurant(&r);
            let error = ctx.translate("privacy.gone");
            page(&state, &r, "", StatusCode::GONE, Some(error), context! {}).await
        }
    }
}

/// Our own Markdown (headings, lists, tables, paragraphs) as HTML, every text escaped.
fn markdown_html(md: &str) -> String {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }
    let mut out = String::new();
    let (mut list, mut table) = (false, false);
    for line in md.lines() {
        let close = |out: &mut String, list: &mut bool, table: &mut bool| {
            if *list {
                out.push_str("</ul>\n");
                *list = false;
            }
            if *table {
                out.push_str("</tbody></table>\n");
                *table = false;
            }
        };
        if let Some(item) = line.strip_prefix("- ") {
            if table {
                close(&mut out, &mut list, &mut table);
            }
            if !list {
                out.push_str("<ul>\n");
                list = true;
            }
            out.push_str(&format!("<li>{}</li>\n", esc(item)));
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| esc(c.trim()))
                .collect();
            if !table {
                close(&mut out, &mut list, &mut table);
                out.push_str("<table><thead><tr>");
                for c in &cells {
                    out.push_str(&format!("<th>{c}</th>"));
                }
                out.push_str("</tr></thead><tbody>\n");
                table = true;
            } else {
                out.push_str("<tr>");
                for c in &cells {
                    out.push_str(&format!("<td>{c}</td>"));
                }
                out.push_str("</tr>\n");
            }
        } else {
            close(&mut out, &mut list, &mut table);
            let hashes = line.chars().take_while(|c| *c == '#').count();
            let text = line[hashes..].trim();
            if text.is_empty() {
                continue;
            }
            if hashes > 0 {
                let h = (hashes + 1).min(4);
                out.push_str(&format!("<h{h}>{}</h{h}>\n", esc(text)));
            } else {
                out.push_str(&format!("<p>{}</p>\n", esc(text)));
            }
        }
    }
    if list {
        out.push_str("</ul>\n");
    }
    if table {
        out.push_str("</tbody></table>\n");
    }
    out
}

/// `GET /privacy/dpa?lang=de|en` (the page), `/privacy/dpa.md` and `/privacy/dpa.html` (the
/// downloads): the DPA's annexes generated from this restaurant's live configuration.
pub async fn dpa(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    Path(file): Path<String>,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let ctx = PageCtx::in_restaurant(&r);
    let lang = match query_param(&uri, "lang").as_deref() {
        Some("en") => "en",
        Some("de") => "de",
        _ => ctx.lang,
    };
    let facts = privacy::dpa_facts(
        &state.services,
        &r.service(),
        &state.config.platform,
        &state.config.public_url,
    )
    .await?;
    let md = hs_domain::dpa::annexes(lang, &facts);
    let html = markdown_html(&md);
    let attachment = |ext: &str| {
        format!(
            "attachment; filename=\"dpa-{}-{lang}.{ext}\"",
            facts.generated_on
        )
    };
    match file.as_str() {
        "dpa.md" => Ok((
            [
                (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, attachment("md")),
            ],
            md,
        )
            .into_response()),
        "dpa.html" => Ok((
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, attachment("html")),
            ],
            format!(
                "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>DPA</title></head><body>\n{html}</body></html>\n"
            ),
        )
            .into_response()),
        "dpa" => Ok(render(
            &state,
            StatusCode::OK,
            "dpa.html",
            &ctx,
            context! { document => Value::from_safe_string(html), lang },
        )),
        _ => Err(PageError(StoreError::NotFound)),
    }
}

/// `GET /privacy/sub-processors`: who processes the restaurant's data for the operator, and
/// the announced additions an owner may object to (with a reason) until they take effect.
pub async fn sub_processors(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let saved = query_param(&uri, "objected").is_some();
    sub_processor_page(&state, &r, StatusCode::OK, None, saved).await
}

async fn sub_processor_page(
    state: &AppState,
    r: &InRestaurant,
    status: StatusCode,
    error: Option<String>,
    objected: bool,
) -> Result<Response, PageError> {
    let (in_effect, pending) =
        hs_service::registers::sub_processors_for(&state.services, &r.service()).await?;
    let in_effect: Vec<Value> = in_effect
        .into_iter()
        .map(|p| context! { name => p.name, service => p.service, location => p.location, basis => p.basis })
        .collect();
    let pending: Vec<Value> = pending
        .into_iter()
        .map(|(c, mine)| {
            context! {
                id => c.id, name => c.name, service => c.service, location => c.location,
                basis => c.basis, reason => c.reason, effective_at => local(c.effective_at, chrono_tz::UTC),
                objection => mine,
            }
        })
        .collect();
    Ok(render(
        state,
        status,
        "subprocessors.html",
        &PageCtx::in_restaurant(r),
        context! { in_effect, pending, error, objected },
    ))
}

/// `POST /privacy/sub-processors/{id}/object`: an owner's objection, with a reason.
pub async fn object(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    form: FormFields,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Owner, &state, &headers) {
        return Ok(resp);
    }
    match hs_service::registers::object(&state.services, &r.service(), id, form.get("reason")).await
    {
        Ok(()) => Ok(Redirect::to("/privacy/sub-processors?objected=1").into_response()),
        Err(StoreError::Invalid { field, message, .. }) => {
            sub_processor_page(
                &state,
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
                false,
            )
            .await
        }
        Err(StoreError::Conflict { message, .. }) => {
            sub_processor_page(&state, &r, StatusCode::CONFLICT, Some(message), false).await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /privacy/requests/{id}`: a request done (or rejected) with the actions taken.
pub async fn close_request(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    form: FormFields,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let status = if form.get("status") == "rejected" {
        "rejected"
    } else {
        "done"
    };
    match hs_service::registers::close_request(
        &state.services,
        &r.service(),
        id,
        status,
        form.get("actions"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/privacy#requests").into_response()),
        Err(e) => refused(&state, &r, "", e).await,
    }
}

/// `POST /privacy/instructions`: an owner's written instruction to the operator.
pub async fn give_instruction(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Owner, &state, &headers) {
        return Ok(resp);
    }
    match hs_service::registers::give_instruction(&state.services, &r.service(), form.get("body"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/privacy#instructions").into_response()),
        Err(e) => refused(&state, &r, "", e).await,
    }
}
