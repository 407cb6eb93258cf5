//! Settings for managers and owners: restaurant profile and booking rules, weekly service
//! periods, closures, turn times and tables. Each form saves through the same store services
//! as the API, so validation (and its field names) is the same everywhere.

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{ApiPath, FormFields};
use crate::render::PageError;
use crate::render::{render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use hs_domain::validate;
use hs_domain::Role;
use hs_service::model::setup::{
    Closure, Combination, ReservationSettings, ServicePeriod, SpecialDay, Table, TableChanges,
    TurnBand,
};
use hs_service::setup;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// Empty rows offered for new periods and turn-time bands.
const SPARE_ROWS: usize = 3;

async fn page(state: &AppState, r: &InRestaurant, status: StatusCode, extra: Value) -> Response {
    let result: Result<Value, StoreError> = async {
        let o = setup::overview(&state.services, &r.service()).await?;
        let tz = o.tz;
        Ok(context! {
            s => o.settings,
            periods => o.periods.iter().map(|p| context! {
                weekday => p.weekday, name => p.name, start => p.start.format("%H:%M").to_string(),
                end => p.end.format("%H:%M").to_string(), last => p.last_seating.format("%H:%M").to_string(),
            }).collect::<Vec<_>>(),
            closures => o.closures,
            special_days => o.special_days.iter().map(|p| context! {
                day => p.day.to_string(), name => p.name, start => p.start.format("%H:%M").to_string(),
                end => p.end.format("%H:%M").to_string(), last => p.last_seating.format("%H:%M").to_string(),
            }).collect::<Vec<_>>(),
            combinations => o.floor.combinations,
            voice => o.voice,
            voice_urls => {
                let base = format!("{}/api/v1/voice/{}", state.config.public_url.trim_end_matches('/'), r.restaurant.id);
                context! {
                    tools => format!("{base}/tools/{{tool}}"), vapi => format!("{base}/vapi"),
                    retell => format!("{base}/retell/function"), retell_webhook => format!("{base}/retell/webhook"),
                }
            },
            protocol => o.protocol.iter().map(|p| context! {
                category => p.category, rows => p.rows_affected,
                cutoff => p.cutoff.with_timezone(&tz).format("%Y-%m-%d").to_string(), ran_at => crate::render::local(p.ran_at, tz),
            }).collect::<Vec<_>>(),
            turns => o.turn_times,
            msg => context! {
                reminder_hours => o.messages.reminder_hours,
                cancel_cutoff_minutes => o.messages.cancel_cutoff_minutes,
                digest_time => o.messages.digest_time.format("%H:%M").to_string(),
                paragraphs => hs_domain::message::Kind::ABOUT_RESERVATIONS.iter().map(|k| context! {
                    kind => k.as_str(),
                    de => o.messages.paragraph(*k, "de"),
                    en => o.messages.paragraph(*k, "en"),
                }).collect::<Vec<_>>(),
            },
            digest_me => o.digest_me,
            whatsapp => o.whatsapp,
            mail => o.mail,
            resend_hook => format!("{}/hooks/resend/{}", state.config.public_url.trim_end_matches('/'), r.restaurant.id),
            whatsapp_hook => format!("{}/hooks/whatsapp/{}", state.config.public_url.trim_end_matches('/'), r.restaurant.id),
            ghl_hook => format!("{}/hooks/gohighlevel/{}", state.config.public_url.trim_end_matches('/'), r.restaurant.id),
            tests => o.tests.iter().map(|m| context! {
                to => m.to_address, status => m.status, reason => m.reason, at => crate::render::local(m.created_at, tz),
            }).collect::<Vec<_>>(),
            areas => o.floor.areas,
            tables => o.floor.tables,
            spare => (0..SPARE_ROWS).collect::<Vec<_>>(),
            weekdays => (0..7).collect::<Vec<_>>(),
        })
    }
    .await;
    match result {
        Ok(data) => render(
            state,
            status,
            "settings.html",
            &PageCtx::in_restaurant(r),
            context! { ..extra, ..data },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn guard(state: &AppState, r: &InRestaurant, headers: &HeaderMap) -> Result<(), Response> {
    r.require(Role::Manager, state, headers)
}

/// `GET /settings` (managers and owners).
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Err(resp) = guard(&state, &r, &headers) {
        return resp;
    }
    let saved = crate::extract::query_param(&uri, "saved").as_deref() == Some("1");
    let notice = saved.then(|| PageCtx::in_restaurant(&r).translate("settings.saved"));
    page(&state, &r, StatusCode::OK, context! { notice }).await
}

/// Runs one settings change; success shows the page with a notice, a refusal with the field.
async fn save<T>(
    state: &AppState,
    r: &InRestaurant,
    headers: &HeaderMap,
    change: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Response {
    if let Err(resp) = guard(state, r, headers) {
        return resp;
    }
    match change.await {
        Ok(_) => Redirect::to("/settings?saved=1").into_response(),
        Err(StoreError::Invalid { field, message, .. }) => {
            page(
                state,
                r,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { error => format!("{field}: {message}") },
            )
            .await
        }
        Err(StoreError::Conflict { message, .. }) => {
            page(
                state,
                r,
                StatusCode::CONFLICT,
                context! { error => message },
            )
            .await
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// A form field refused as the API refuses the same value.
fn refused(k: &str, e: validate::Invalid) -> StoreError {
    StoreError::Invalid {
        field: k.into(),
        code: e.code(),
        message: e.to_string(),
    }
}

fn number_field(form: &FormFields, k: &str) -> Result<i32, StoreError> {
    validate::whole_number(form.get(k), i64::from(i32::MIN), i64::from(i32::MAX))
        .map(|n| n as i32)
        .map_err(|e| refused(k, e))
}

fn time_field(form: &FormFields, k: &str) -> Result<NaiveTime, StoreError> {
    validate::time_hhmm(form.get(k)).map_err(|e| refused(k, e))
}

/// `POST /settings/restaurant`: profile and booking rules.
pub async fn restaurant(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    let edit = |current: ReservationSettings| -> Result<ReservationSettings, StoreError> {
        let pacing = form.get("pacing_covers").trim();
        Ok(ReservationSettings {
            time_zone: form.get("time_zone").trim().to_string(),
            languages: current.languages,
            street: form.get("street").to_string(),
            postcode: form.get("postcode").to_string(),
            city: form.get("city").to_string(),
            country: form.get("country").trim().to_uppercase(),
            phone: form.get("phone").to_string(),
            email: form.get("email").to_string(),
            website: form.get("website").to_string(),
            slot_minutes: number_field(&form, "slot_minutes")?,
            horizon_days: number_field(&form, "horizon_days")?,
            lead_minutes: number_field(&form, "lead_minutes")?,
            pacing_covers: if pacing.is_empty() {
                None
            } else {
                Some(number_field(&form, "pacing_covers")?)
            },
            approval_above: number_field(&form, "approval_above")?,
            staff_read_special: form.get("staff_read_special") == "1",
        })
    };
    save(
        &state,
        &r,
        &headers,
        setup::update_settings(&store, &caller, edit),
    )
    .await
}

/// `POST /settings/periods`: the whole weekly schedule (rows with an empty name are dropped).
pub async fn periods(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    // No period at all closes the restaurant on every day: allowed, but only when confirmed.
    if form.filled_rows("p", "name").is_empty() && form.get("confirm_closed") != "1" {
        if let Err(resp) = guard(&state, &r, &headers) {
            return resp;
        }
        return page(
            &state,
            &r,
            StatusCode::CONFLICT,
            context! { confirm_closed => true },
        )
        .await;
    }
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let mut list = Vec::new();
        for i in form.filled_rows("p", "name") {
            list.push(ServicePeriod {
                weekday: number_field(&form, &format!("p{i}_weekday"))? as i16,
                name: form.get(&format!("p{i}_name")).trim().to_string(),
                start: time_field(&form, &format!("p{i}_start"))?,
                end: time_field(&form, &format!("p{i}_end"))?,
                last_seating: time_field(&form, &format!("p{i}_last"))?,
            });
        }
        setup::set_periods(&store, &caller, &list).await
    })
    .await
}

/// `POST /settings/turn-times`: the turn-time bands (rows without minutes are dropped).
pub async fn turn_times(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let mut bands = Vec::new();
        for i in form.filled_rows("t", "minutes") {
            let max = form.get(&format!("t{i}_max")).trim();
            bands.push(TurnBand {
                min_party: number_field(&form, &format!("t{i}_min"))?,
                max_party: if max.is_empty() {
                    None
                } else {
                    Some(number_field(&form, &format!("t{i}_max"))?)
                },
                minutes: number_field(&form, &format!("t{i}_minutes"))?,
            });
        }
        setup::set_turn_times(&store, &caller, &bands).await
    })
    .await
}

/// `POST /settings/closures`: adds a closure.
pub async fn add_closure(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let c = Closure {
            id: None,
            first_day: date_field(&form, "first_day")?,
            last_day: date_field(&form, "last_day")?,
            reason: form.get("reason").to_string(),
        };
        setup::add_closure(&store, &caller, &c).await.map(|_| ())
    })
    .await
}

/// `POST /settings/closures/{id}/remove`.
pub async fn remove_closure(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::remove_closure(&store, &caller, id).await
    })
    .await
}

fn date_field(form: &FormFields, k: &str) -> Result<NaiveDate, StoreError> {
    validate::date_iso(form.get(k)).map_err(|e| refused(k, e))
}

/// `POST /settings/special-days`: adds an opening period on one date (replacing the weekday's
/// periods that date; further periods of the same date are added to it).
pub async fn add_special_day(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let day = date_field(&form, "special_day")?;
        let new = SpecialDay {
            day,
            name: form.get("special_name").to_string(),
            start: time_field(&form, "special_start")?,
            end: time_field(&form, "special_end")?,
            last_seating: time_field(&form, "special_last")?,
        };
        setup::add_special_period(&store, &caller, new).await
    })
    .await
}

/// `POST /settings/special-days/{date}/remove`: the date follows the weekly plan again.
pub async fn remove_special_day(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(day): ApiPath<NaiveDate>,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::set_special_day(&store, &caller, day, &[]).await
    })
    .await
}

/// `POST /settings/areas`: adds an area.
pub async fn add_area(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::add_area(&store, &caller, form.get("area_name"))
            .await
            .map(|_| ())
    })
    .await
}

/// `POST /settings/combinations`: joins two or more tables (ticked boxes `table_<id>`).
pub async fn add_combination(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let table_ids: Vec<Uuid> = form
            .names()
            .filter_map(|k| k.strip_prefix("table_"))
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        let c = Combination {
            id: Uuid::nil(),
            name: form.get("combination_name").to_string(),
            min_seats: number_field(&form, "combination_min")?,
            max_seats: number_field(&form, "combination_max")?,
            table_ids,
        };
        setup::add_combination(&store, &caller, &c)
            .await
            .map(|_| ())
    })
    .await
}

/// `POST /settings/combinations/{id}/remove`.
pub async fn remove_combination(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::remove_combination(&store, &caller, id).await
    })
    .await
}

/// `POST /settings/voice/secret`: a new voice secret, shown once on the page that follows;
/// the previous one keeps working for a day.
pub async fn voice_secret(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = guard(&state, &r, &headers) {
        return resp;
    }
    match setup::rotate_voice_secret(&state.services, &r.service()).await {
        Ok(secret) => {
            page(&state, &r, StatusCode::OK, context! { new_secret => secret, notice => PageCtx::in_restaurant(&r).translate("settings.voice_secret_once") }).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /settings/voice/end-rotation`: only the current secret is accepted from now on.
pub async fn voice_end_rotation(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::end_voice_rotation(&store, &caller).await
    })
    .await
}

/// `POST /settings/voice`: the Vapi header, call language and retention period.
pub async fn voice_options(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let days = number_field(&form, "retention_days")?;
        setup::set_voice_options(
            &store,
            &caller,
            form.get("vapi_header"),
            days,
            form.get("voice_language"),
        )
        .await
    })
    .await
}

/// `POST /settings/voice/retell`: stores the Retell API key (sealed), or removes it.
pub async fn voice_retell(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        if form.get("remove") == "1" {
            setup::set_retell_key(&store, &caller, None).await
        } else if form.get("retell_key").trim().is_empty() {
            Err(StoreError::Invalid {
                field: "retell_key".into(),
                code: "empty",
                message: "paste the key from Retell".into(),
            })
        } else {
            setup::set_retell_key(&store, &caller, Some(form.get("retell_key"))).await
        }
    })
    .await
}

/// `POST /settings/tables`: adds a table.
pub async fn add_table(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let area_id = Uuid::parse_str(form.get("area_id")).map_err(|_| StoreError::Invalid {
            field: "area_id".into(),
            code: "invalid",
            message: "choose an area".into(),
        })?;
        let t = Table {
            id: Uuid::nil(),
            area_id,
            name: form.get("name").to_string(),
            min_seats: number_field(&form, "min_seats")?,
            max_seats: number_field(&form, "max_seats")?,
            bookable_online: form.get("bookable_online") == "1",
        };
        setup::add_table(&store, &caller, &t).await.map(|_| ())
    })
    .await
}

/// `POST /settings/tables/{id}/online`: switches online booking of a table on or off.
pub async fn toggle_online(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    form: FormFields,
) -> Response {
    let on = form.get("on") == "1";
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        setup::update_table(
            &store,
            &caller,
            id,
            &TableChanges {
                bookable_online: Some(on),
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    })
    .await
}

/// `POST /settings/messages`: reminder lead, cancel cutoff, digest time, own paragraphs.
pub async fn messages(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        let digest_time =
            validate::time_hhmm(form.get("digest_time")).map_err(|e| refused("digest_time", e))?;
        let mut paragraphs = std::collections::BTreeMap::new();
        for k in hs_domain::message::Kind::ABOUT_RESERVATIONS {
            let p = hs_service::model::messages::Paragraph {
                de: form.get(&format!("p_{}_de", k.as_str())).to_string(),
                en: form.get(&format!("p_{}_en", k.as_str())).to_string(),
            };
            paragraphs.insert(k.as_str().to_string(), p);
        }
        let s = hs_service::model::messages::MessageSettings {
            reminder_hours: number_field(&form, "reminder_hours")?,
            cancel_cutoff_minutes: number_field(&form, "cancel_cutoff_minutes")?,
            digest_time,
            paragraphs,
        };
        hs_service::guest_messages::set_settings(
            &store,
            &caller,
            &s,
            Some(form.get("digest_me") == "1"),
        )
        .await
    })
    .await
}

/// `POST /settings/messages/test`: a test message to the signed-in member's address.
pub async fn test_message(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    let (to, lang) = (r.ctx.user.email.clone(), r.ctx.user.language.clone());
    save(&state, &r, &headers, async move {
        hs_service::guest_messages::send_test(&store, &caller, &to, &lang).await
    })
    .await
}

/// `POST /settings/whatsapp`: the Meta Cloud API route (secrets left empty stay as they are;
/// `remove=1` removes the route).
pub async fn whatsapp(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        if form.get("remove") == "1" {
            return hs_service::whatsapp::set(&store, &caller, None).await;
        }
        let secret = |k: &str| Some(form.get(k).trim().to_string()).filter(|v| !v.is_empty());
        let mut templates = std::collections::BTreeMap::new();
        for k in hs_service::model::whatsapp::TEMPLATE_KINDS {
            let v = form.get(&format!("template_{k}")).trim().to_string();
            if !v.is_empty() {
                templates.insert(k.to_string(), v);
            }
        }
        let mut languages = std::collections::BTreeMap::new();
        for l in ["de", "en"] {
            let v = form.get(&format!("language_{l}")).trim().to_string();
            if !v.is_empty() {
                languages.insert(l.to_string(), v);
            }
        }
        let input = hs_service::model::whatsapp::WhatsAppInput {
            route: Some(form.get("route").to_string()).filter(|r| !r.is_empty()),
            ghl_token: secret("ghl_token"),
            ghl_location_id: form.get("ghl_location_id").to_string(),
            phone_number_id: form.get("phone_number_id").to_string(),
            access_token: secret("access_token"),
            app_secret: secret("app_secret"),
            verify_token: secret("verify_token"),
            templates,
            languages,
        };
        hs_service::whatsapp::set(&store, &caller, Some(&input)).await
    })
    .await
}

/// `POST /settings/mail`: the restaurant's own email sender (`remove=1` goes back to the
/// platform's); secrets left empty stay as they are.
pub async fn mail(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let (caller, store) = (r.service(), state.services.clone());
    save(&state, &r, &headers, async move {
        if form.get("remove") == "1" {
            return hs_service::guest_messages::set_mail_settings(&store, &caller, None).await;
        }
        let opt = |k: &str| Some(form.get(k).trim().to_string()).filter(|v| !v.is_empty());
        let input = hs_service::model::mail_settings::MailInput {
            transport: form.get("transport").to_string(),
            from_address: opt("from_address"),
            resend_key: opt("resend_key"),
            smtp_url: opt("smtp_url"),
            webhook_secret: opt("webhook_secret"),
        };
        hs_service::guest_messages::set_mail_settings(&store, &caller, Some(&input)).await
    })
    .await
}
