//! Resend's delivery webhook (`POST /hooks/resend`), signed the Svix way: `svix-id`,
//! `svix-timestamp` and `svix-signature` headers over the raw body with the `whsec_` secret,
//! within 5 minutes (<https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests>).
//! Checked before anything is parsed or stored; a bad or missing signature is 401 and counts
//! as a failed authentication of the client address. The event is applied once per `svix-id`
//! (a replay is acknowledged and changes nothing): `email.delivered`, `email.opened`,
//! `email.bounced` (a `Permanent` bounce marks the guest's address as not deliverable),
//! `email.complained` (treated as a permanent bounce: no more mail to that address) and
//! `email.failed`. Other events are acknowledged and ignored.

use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::extract::read_body;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use hs_domain::message::Delivery;
use hs_service::guest_messages;
use hs_service::model::messages::Report;
use hs_service::signature::{verify_svix, SvixHeaders};
use serde_json::{json, Value};

/// Largest Resend event (they are small; the limit keeps a stranger's body small too).
pub const RESEND_BODY_LIMIT: usize = 64 * 1024;

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// What an event reports, or `None` for events that change no message.
pub fn report_of(event: &Value, received: DateTime<Utc>) -> Option<Report> {
    let data = &event["data"];
    let at = event["created_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(received, |t| t.with_timezone(&Utc));
    let text = |v: &Value| v.as_str().map(|s| s.chars().take(500).collect::<String>());
    let (to, reason, hard_bounce) = match event["type"].as_str()? {
        "email.delivered" => (Delivery::Delivered, None, false),
        "email.opened" => (Delivery::Read, None, false),
        "email.bounced" => {
            let bounce = &data["bounce"];
            let permanent = bounce["type"]
                .as_str()
                .is_none_or(|t| t.eq_ignore_ascii_case("permanent"));
            let reason = text(&bounce["message"]).or_else(|| Some("bounced".into()));
            (Delivery::Bounced, reason, permanent)
        }
        "email.complained" => (
            Delivery::Bounced,
            Some("the guest marked the message as spam".into()),
            true,
        ),
        "email.failed" => (
            Delivery::Failed,
            text(&data["failed"]["reason"]).or_else(|| Some("failed".into())),
            false,
        ),
        _ => return None,
    };
    Some(Report {
        to,
        reason,
        hard_bounce,
        at,
    })
}

/// `POST /hooks/resend`.
pub async fn resend(State(state): State<AppState>, headers: HeaderMap, req: Request) -> Response {
    let Some(secret) = state.config.resend_webhook_secret.clone() else {
        return ApiError::not_found().into_response();
    };
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    if let Err(wait) = state.auth_failures.peek(&ip) {
        return ApiError::too_many(wait).into_response();
    }
    let bytes = match read_body(req, RESEND_BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let signed = SvixHeaders {
        id: header(&headers, "svix-id"),
        timestamp: header(&headers, "svix-timestamp"),
        signature: header(&headers, "svix-signature"),
    };
    // Freshness is about real network time: the wall clock, not the store's clock.
    if let Err(e) = verify_svix(&secret, signed, &bytes, Utc::now().timestamp()) {
        let _ = state.auth_failures.take(&ip);
        tracing::warn!(error = %e, "Resend webhook refused");
        return ApiError::unauthorized().into_response();
    }
    let event_id = signed.id.unwrap_or_default();
    let event: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the body is not JSON: {e}"),
            )
            .into_response()
        }
    };
    let (Some(report), Some(email_id)) = (
        report_of(&event, state.services.clock().now()),
        event["data"]["email_id"].as_str(),
    ) else {
        return Json(json!({"ok": true, "applied": false})).into_response();
    };
    match guest_messages::report(&state.services, "resend", event_id, email_id, &report).await {
        Ok(applied) => Json(json!({"ok": true, "applied": applied})).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .expect("t")
            .with_timezone(&Utc)
    }

    #[test]
    fn resend_events_map_to_delivery_reports() {
        let bounced = json!({
            "type": "email.bounced", "created_at": "2026-11-24T12:01:00.000Z",
            "data": {"email_id": "e1", "bounce": {"type": "Permanent", "subType": "Suppressed", "message": "mailbox does not exist"}}
        });
        let r = report_of(&bounced, now()).expect("report");
        assert_eq!(r.to, Delivery::Bounced);
        assert!(r.hard_bounce);
        assert_eq!(r.reason.as_deref(), Some("mailbox does not exist"));
        assert_eq!(r.at.to_rfc3339(), "2026-11-24T12:01:00+00:00");
        let soft = json!({"type": "email.bounced", "data": {"email_id": "e1", "bounce": {"type": "Transient"}}});
        assert!(!report_of(&soft, now()).expect("r").hard_bounce);
        let delivered = json!({"type": "email.delivered", "data": {"email_id": "e1"}});
        assert_eq!(
            report_of(&delivered, now()).expect("r").to,
            Delivery::Delivered
        );
        assert_eq!(
            report_of(&delivered, now()).expect("r").at,
            now(),
            "no created_at: received"
        );
        assert!(report_of(&json!({"type": "email.clicked"}), now()).is_none());
        assert!(report_of(&json!({"nothing": 1}), now()).is_none());
    }
}
