//! Live updates: one `LISTEN hs_reservations` per server process feeds a broadcast channel;
//! each open dashboard subscribes through `GET /events` (server-sent events) and receives only
//! its own restaurant's events. With several server processes every one listens, so a change
//! made through any of them reaches every dashboard.

use crate::auth::InRestaurant;
use crate::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use hs_service::sessions::Change;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// A reservation changed.
#[derive(Clone, Copy, Debug)]
pub struct ReservationEvent {
    pub restaurant_id: Uuid,
    pub reservation_id: Uuid,
}

/// A conversation changed: a new message, or who answers it.
#[derive(Clone, Debug)]
pub struct ConversationEvent {
    pub restaurant_id: Uuid,
    pub conversation_id: Uuid,
    /// `agent`, `needs_person`, `person` or `closed`.
    pub status: String,
}

/// What the listener passes to the open dashboards (and guests' widgets).
#[derive(Clone, Debug)]
pub enum LiveEvent {
    Reservation(ReservationEvent),
    Conversation(ConversationEvent),
    /// The listener was away (the database restarted): changes may have been missed, so every
    /// dashboard reloads.
    Resync,
}

/// Forwards notifications from PostgreSQL to the broadcast channel until the task is aborted;
/// reconnects every 250 ms while the listener fails, and tells dashboards to reload once it
/// is back.
pub async fn forward(state: AppState) {
    tracing::info!("reservation events: starting listener");
    let mut lost = false;
    loop {
        match state.services.reservation_changes().await {
            Ok(mut feed) => loop {
                if std::mem::take(&mut lost) {
                    tracing::warn!("reservation events: listening again; dashboards reload");
                    let _ = state.events.send(LiveEvent::Resync);
                }
                tracing::debug!("listening for reservation changes");
                match feed.next().await {
                    Ok(None) => {
                        tracing::warn!("reservation listener lost its connection; reconnecting");
                        lost = true;
                        break;
                    }
                    // No subscribers is fine.
                    Ok(Some(Change::Reservation(restaurant_id, reservation_id))) => {
                        let _ = state.events.send(LiveEvent::Reservation(ReservationEvent {
                            restaurant_id,
                            reservation_id,
                        }));
                    }
                    Ok(Some(Change::Conversation(restaurant_id, conversation_id, status))) => {
                        let _ = state
                            .events
                            .send(LiveEvent::Conversation(ConversationEvent {
                                restaurant_id,
                                conversation_id,
                                status,
                            }));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reservation listener failed; reconnecting");
                        lost = true;
                        break;
                    }
                }
            },
            Err(e) => {
                if !std::mem::replace(&mut lost, true) {
                    tracing::warn!(error = %e, "cannot listen for reservation changes");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `GET /events`: the signed-in restaurant's reservation changes as server-sent events
/// (`event: reservation`, data: the reservation id) and conversation changes (`event:
/// conversation`, data: its id and status). A dashboard that fell behind gets
/// `event: reload`. Streams end when the server shuts down.
pub async fn stream(
    State(state): State<AppState>,
    r: InRestaurant,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let rid = r.restaurant.id;
    let start = (state.events.subscribe(), state.shutting_down.subscribe());
    let stream = futures_util::stream::unfold(start, move |(mut rx, mut stop)| async move {
        loop {
            if *stop.borrow() {
                return None;
            }
            let next = tokio::select! {
                ev = rx.recv() => ev,
                _ = stop.changed() => return None,
            };
            let event = match next {
                Ok(LiveEvent::Reservation(ev)) if ev.restaurant_id == rid => Event::default()
                    .event("reservation")
                    .data(ev.reservation_id.to_string()),
                Ok(LiveEvent::Reservation(_)) => continue,
                // The conversation's id and who answers it (the inbox and the waiting notice).
                Ok(LiveEvent::Conversation(ev)) if ev.restaurant_id == rid => Event::default()
                    .event("conversation")
                    .data(format!("{} {}", ev.conversation_id, ev.status)),
                Ok(LiveEvent::Conversation(_)) => continue,
                Ok(LiveEvent::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    Event::default().event("reload").data("")
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            return Some((Ok(event), (rx, stop)));
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
