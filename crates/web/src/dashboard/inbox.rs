//! The team's inbox: conversations of the web chat and WhatsApp with who answers them, and one
//! conversation with its transcript, guest, reservation and the agent's notes, where a team
//! member takes over, writes to the guest, hands back or closes. Open pages follow changes
//! live (`/events`, event `conversation`; the page script fetches the page again and swaps
//! the transcript in, as the day view does).

use crate::auth::InRestaurant;
use crate::error::ApiError;
use crate::extract::{query_param, ApiPath, FormFields};
use crate::render::{local, render, PageCtx, PageError};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hs_service::inbox;
use hs_service::StoreError;
use minijinja::{context, Value};
use uuid::Uuid;

/// `GET /inbox?status=&channel=`: newest first.
pub async fn list(State(state): State<AppState>, r: InRestaurant, uri: Uri) -> Response {
    let status = query_param(&uri, "status").filter(|s| !s.is_empty());
    let channel = query_param(&uri, "channel").filter(|s| !s.is_empty());
    match inbox::list(
        &state.services,
        &r.service(),
        status.as_deref(),
        channel.as_deref(),
    )
    .await
    {
        Ok(i) => {
            let rows: Vec<Value> = i
                .rows
                .iter()
                .map(|c| {
                    context! {
                        id => c.id, channel => c.channel, language => c.language,
                        status => c.status, outcome => c.outcome, unread => c.unread,
                        guest => c.guest_name, person => c.person, at => local(c.updated_at, i.tz),
                    }
                })
                .collect();
            render(
                &state,
                StatusCode::OK,
                "inbox.html",
                &PageCtx::in_restaurant(&r),
                context! {
                    conversations => rows, waiting => i.waiting,
                    statuses => hs_service::model::inbox::STATUSES,
                    channels => hs_service::model::inbox::CHANNELS,
                    status => status, channel => channel,
                },
            )
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /inbox/{id}`.
pub async fn show(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, PageError> {
    let v = inbox::open(&state.services, &r.service(), id).await?;
    let c = &v.conversation;
    let lines: Vec<Value> = c
        .lines
        .iter()
        .map(|(pos, (role, text, at))| context! { pos => pos, role => role, text => text, at => local(*at, v.tz) })
        .collect();
    let reservation = c.reservation.as_ref().map(|x| {
        context! { id => x.id, code => x.code, date => x.date.to_string(), time => x.time, party => x.party_size }
    });
    Ok(render(
        &state,
        StatusCode::OK,
        "conversation.html",
        &PageCtx::in_restaurant(&r),
        context! {
            id => c.row.id, channel => c.row.channel, language => c.row.language,
            status => c.row.status, outcome => c.row.outcome, person => c.row.person,
            guest => c.row.guest_name, guest_id => c.guest_id, reservation,
            notes => v.notes.iter().map(|(k, v)| context! { key => k, value => v }).collect::<Vec<_>>(),
            lines,
            files => v.files.iter().map(|(f, link)| context! {
                name => f.name, link => link, kind => f.content_type, size_kb => (f.size + 1023) / 1024,
                at => local(f.created_at, v.tz),
            }).collect::<Vec<_>>(),
        },
    ))
}

/// `POST /inbox/{id}/{action}`: `take`, `back` (to the agent), `close`, or `reply` with `text`.
pub async fn act(
    State(state): State<AppState>,
    r: InRestaurant,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
    form: FormFields,
) -> Result<Response, PageError> {
    let svc = &state.services;
    let caller = r.service();
    let done: Result<(), StoreError> = match action.as_str() {
        "take" => inbox::take(svc, &caller, id).await,
        "back" => inbox::hand_back(svc, &caller, id).await,
        "close" => inbox::close(svc, &caller, id).await,
        "reply" => inbox::reply(svc, &caller, id, form.get("text"))
            .await
            .map(|_| ()),
        _ => Err(StoreError::NotFound),
    };
    done?;
    Ok(Redirect::to(&format!("/inbox/{id}")).into_response())
}
