//! The call log of the voice agent: calls filterable by outcome and date, and one call with
//! its transcript, summary, events and the reservation it made. Transcripts and summaries
//! may hold what callers say about allergies or health, so like special-category notes they
//! are shown to owners and managers, and to staff only where the restaurant allows it.

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{query_date, query_param, ApiPath};
use crate::render::PageError;
use crate::render::{local, render, PageCtx};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hs_service::calls;
use hs_service::model::voice::Outcome;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

fn minutes(seconds: Option<i32>) -> String {
    match seconds {
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
        None => "—".into(),
    }
}

/// `GET /calls?outcome=&date=`: newest first; `date` picks one day in the restaurant's zone.
pub async fn list(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let outcome = query_param(&uri, "outcome").and_then(|o| Outcome::parse(&o));
    let date = query_date(&uri);
    let result: Result<Value, StoreError> = async {
        let (calls, tz) = calls::list(&state.services, &r.service(), outcome, date).await?;
        let rows: Vec<Value> = calls
            .iter()
            .map(|c| {
                context! {
                    id => c.id, at => local(c.started_at, tz), provider => c.provider,
                    caller => c.caller, duration => minutes(c.duration_seconds),
                    outcome => c.outcome.clone().unwrap_or_else(|| "open".into()),
                    anonymised => c.anonymised_at.is_some(), reservation => c.reservation_id,
                }
            })
            .collect();
        Ok(context! {
            calls => rows,
            outcomes => Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            outcome => outcome.map(Outcome::as_str), date => date.map(|d| d.to_string()),
        })
    }
    .await;
    match result {
        Ok(data) => render(
            &state,
            StatusCode::OK,
            "calls.html",
            &PageCtx::in_restaurant(&r),
            data,
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /calls/{id}`.
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, PageError> {
    let data: Value = async {
        let calls::Detail {
            call,
            events,
            reservation,
            texts_allowed: allowed,
            tz,
        } = calls::detail(&state.services, &r.service(), id).await?;
        let reservation = reservation.map(|res| context! { id => res.id, code => res.code, date => res.date.to_string(), time => res.time, party => res.party_size, status => res.status.as_str(), guest => res.guest.map(|g| g.name) });
        let has_text = call.transcript.is_some() || call.summary.is_some();
        Ok::<Value, StoreError>(context! {
            call => context! {
                id => call.id, at => local(call.started_at, tz), ended => call.ended_at.map(|t| local(t, tz)),
                provider => call.provider, external_id => call.external_id, caller => call.caller,
                duration => minutes(call.duration_seconds), language => call.language,
                outcome => call.outcome.unwrap_or_else(|| "open".into()), ended_reason => call.ended_reason,
                recording_url => call.recording_url, anonymised => call.anonymised_at.map(|t| local(t, tz)),
                transcript => if allowed { call.transcript } else { None },
                summary => if allowed { call.summary } else { None },
            },
            text_hidden => has_text && !allowed,
            events => events.iter().map(|e| context! {
                at => e.at.with_timezone(&tz).format("%H:%M:%S").to_string(), kind => e.kind, name => e.name,
                ok => e.ok, details => e.payload.to_string(),
            }).collect::<Vec<_>>(),
            reservation,
        })
    }
    .await?;
    Ok(render(
        &state,
        StatusCode::OK,
        "call.html",
        &PageCtx::in_restaurant(&r),
        data,
    ))
}
