//! The chat agent's page for managers and owners: what the conversations show (outcomes per
//! week, the most frequent intents, the questions the agent could not answer, each as CSV),
//! the restaurant's FAQ, and its own OpenAI-compatible model.

use crate::auth::InRestaurant;
use crate::extract::{query_param, FormFields};
use crate::render::{local, render, PageCtx, PageError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hs_domain::Role;
use hs_service::chat;
use hs_service::model::agent::FaqEntry;
use hs_service::StoreError;
use minijinja::{context, Value};

/// Empty FAQ rows offered for new entries.
const SPARE_FAQ: usize = 3;

fn weeks_of(uri: &Uri) -> i64 {
    query_param(uri, "weeks")
        .and_then(|w| w.parse().ok())
        .unwrap_or(12)
}

async fn page(
    state: &AppState,
    r: &InRestaurant,
    weeks: i64,
    status: StatusCode,
    extra: Value,
) -> Result<Response, PageError> {
    let caller = r.service();
    let a = chat::analysis(&state.services, &caller, weeks).await?;
    let chat::Settings {
        agent: model,
        faq,
        widget,
        public_id,
        slug,
    } = chat::settings(&state.services, &caller).await?;
    let public = state.config.public_url.trim_end_matches('/').to_string();
    let tz = a.tz;
    let rows = faq.len() + SPARE_FAQ;
    let faq: Vec<FaqEntry> = faq
        .into_iter()
        .chain(std::iter::repeat_with(FaqEntry::default))
        .take(rows)
        .collect();
    let totals = a.totals();
    let share = |p: Option<f64>| p.map_or_else(|| "—".to_string(), |p| format!("{p:.0} %"));
    Ok(render(
        state,
        status,
        "agent.html",
        &PageCtx::in_restaurant(r),
        context! {
            ..extra,
            ..context! {
                weeks => weeks,
                rows => a.weeks,
                totals => context! {
                    conversations => totals.conversations,
                    booked => share(totals.booked),
                    handed_over => share(totals.handed_over),
                    abandoned => share(totals.abandoned),
                    tokens => totals.tokens,
                },
                intents => a.intents.iter().map(|(i, n)| context! { intent => i, n => n }).collect::<Vec<_>>(),
                unanswered => a.unanswered.iter().map(|(at, m)| context! { at => local(*at, tz), text => m }).collect::<Vec<_>>(),
                model => model,
                faq => faq,
                endpoint => format!("{public}/api/v1/agent/{}/v1", r.restaurant.id),
                widget => context! {
                    origins => widget.origins.join("\n"),
                    colour => widget.colour,
                    position => widget.position,
                    greeting_de => widget.greeting_de,
                    greeting_en => widget.greeting_en,
                    privacy_url => widget.privacy_url,
                    public_id => public_id,
                    snippet => hs_domain::widget::snippet(&public, &public_id),
                    booking_page => hs_domain::online::page_url(&public, &slug),
                },
            }
        },
    ))
}

/// `GET /agent?weeks=N` (managers and owners; N from 1 to 104, default 12).
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let saved = query_param(&uri, "saved").as_deref() == Some("1");
    let notice = saved.then(|| PageCtx::in_restaurant(&r).translate("settings.saved"));
    page(
        &state,
        &r,
        weeks_of(&uri),
        StatusCode::OK,
        context! { notice },
    )
    .await
}

/// `GET /agent/csv/{outcomes|intents|unanswered}?weeks=N`.
pub async fn csv(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    Path(table): Path<String>,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let a = chat::analysis(&state.services, &r.service(), weeks_of(&uri)).await?;
    let Some(body) = a.csv(&table) else {
        return Err(PageError(StoreError::NotFound));
    };
    Ok(crate::render::csv_download(
        &format!("agent-{table}.csv"),
        body,
    ))
}

/// Saves a change; a refusal shows the page with the field.
async fn save(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    change: impl std::future::Future<Output = Result<(), StoreError>>,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, state, headers) {
        return Ok(resp);
    }
    match change.await {
        Ok(()) => Ok(Redirect::to("/agent?saved=1").into_response()),
        Err(StoreError::Invalid { field, message, .. }) => {
            page(
                state,
                r,
                12,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { error => format!("{field}: {message}") },
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /agent/faq`: the rows `faq{i}_question_de` … `faq{i}_answer_en`; empty rows drop.
pub async fn faq(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    let entries: Vec<FaqEntry> = (0..100)
        .take_while(|i| form.0.contains_key(&format!("faq{i}_question_de")))
        .map(|i| {
            let f = |k: &str| form.get(&format!("faq{i}_{k}")).to_string();
            FaqEntry {
                question_de: f("question_de"),
                answer_de: f("answer_de"),
                question_en: f("question_en"),
                answer_en: f("answer_en"),
            }
        })
        .collect();
    let (services, caller) = (state.services.clone(), r.service());
    save(&state, &r, &headers, async move {
        chat::set_faq(&services, &caller, &entries).await
    })
    .await
}

/// `POST /agent/model`: base URL and model (both empty: none); a key when typed in,
/// `remove_key` to remove it.
pub async fn model(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    let opt = |k: &str| Some(form.get(k).trim().to_string()).filter(|v| !v.is_empty());
    let (base, name) = (opt("model_base_url"), opt("model_name"));
    let key = if form.get("remove_key") == "1" {
        Some(String::new())
    } else {
        opt("model_key")
    };
    let (services, caller) = (state.services.clone(), r.service());
    save(&state, &r, &headers, async move {
        chat::set_model(
            &services,
            &caller,
            base.as_deref(),
            name.as_deref(),
            key.as_deref(),
        )
        .await
    })
    .await
}

/// `POST /agent/retention`: days conversations are kept after their last message.
pub async fn retention(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    // Not a number is out of range too: the store names the field.
    let days = form.get("retention_days").trim().parse().unwrap_or(0);
    let (services, caller) = (state.services.clone(), r.service());
    save(&state, &r, &headers, async move {
        chat::set_retention(&services, &caller, days).await
    })
    .await
}

/// `POST /agent/handover`: after how many minutes a waiting guest is emailed to owners and
/// managers (empty: never).
pub async fn handover(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    // Not a number is out of range too (0): the store names the field.
    let raw = form.get("handover_mail_minutes").trim();
    let minutes = (!raw.is_empty()).then(|| raw.parse().unwrap_or(0));
    let (services, caller) = (state.services.clone(), r.service());
    save(&state, &r, &headers, async move {
        chat::set_handover_mail(&services, &caller, minutes).await
    })
    .await
}

/// `POST /agent/widget`: the website widget's origins (one per line), colour, position,
/// greetings and privacy link.
pub async fn widget(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Result<Response, PageError> {
    let privacy = form.get("privacy_url").trim();
    let w = hs_service::model::widget::WidgetSettings {
        origins: form.get("origins").lines().map(str::to_string).collect(),
        colour: form.get("colour").to_string(),
        position: form.get("position").to_string(),
        greeting_de: form.get("greeting_de").to_string(),
        greeting_en: form.get("greeting_en").to_string(),
        privacy_url: (!privacy.is_empty()).then(|| privacy.to_string()),
    };
    let (services, caller) = (state.services.clone(), r.service());
    save(&state, &r, &headers, async move {
        chat::set_widget(&services, &caller, w).await
    })
    .await
}
