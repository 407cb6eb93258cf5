//! Delivery reports from the providers' webhooks (Resend today): the wire format mapped to a
//! report, the signature checked, the report applied once.

use super::*;

/// Why a webhook delivery was refused.
#[derive(Debug)]
pub enum Refused {
    /// No secret to check it with: the hook is not set up (404).
    NotConfigured,
    /// A missing, wrong or stale signature (401), nothing stored.
    Unauthorized,
    NotJson(String),
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

/// What an event reports, or `None` for events that change no message.
pub fn resend_report(event: &Value, received: DateTime<Utc>) -> Option<Report> {
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

/// Resend's delivery webhook: the platform's (`restaurant` `None`, checked with
/// `platform_secret`) or a restaurant's own account (checked with that restaurant's secret and
/// moving only its messages). The signature is checked before anything is parsed; the event
/// is applied once per `svix-id`. Returns whether a message changed.
pub async fn receive_resend(
    svc: &Services,
    restaurant: Option<Uuid>,
    platform_secret: Option<&str>,
    signed: hs_channels::signature::SvixHeaders<'_>,
    body: &[u8],
) -> Result<bool, Refused> {
    let secret = match restaurant {
        None => platform_secret.map(str::to_string),
        Some(rid) => {
            let mut tx = svc.store.tenant(rid, &hs_store::Actor::System).await?;
            tx.mail_config().await?.and_then(|c| c.webhook_secret)
        }
    };
    let Some(secret) = secret else {
        return Err(Refused::NotConfigured);
    };
    // Freshness is about real network time: the wall clock, not the store's clock.
    if let Err(e) =
        hs_channels::signature::verify_svix(&secret, signed, body, Utc::now().timestamp())
    {
        tracing::warn!(error = %e, "Resend webhook refused");
        return Err(Refused::Unauthorized);
    }
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Refused::NotJson(e.to_string()))?;
    let (Some(report), Some(email_id)) = (
        resend_report(&event, svc.clock().now()),
        event["data"]["email_id"].as_str(),
    ) else {
        return Ok(false);
    };
    let event_id = signed.id.unwrap_or_default();
    Ok(apply_report(svc, restaurant, "resend", event_id, email_id, &report).await?)
}

/// Applies a provider's delivery report about its message `provider_message_id`, once per
/// `event_id`. `false` when the message is not ours or the event was seen before.
async fn apply_report(
    svc: &Services,
    only: Option<Uuid>,
    provider: &str,
    event_id: &str,
    provider_message_id: &str,
    report: &Report,
) -> Result<bool, StoreError> {
    let Some((rid, message)) = svc
        .store
        .message_by_provider_id(provider, provider_message_id)
        .await?
        .filter(|(rid, _)| only.is_none_or(|o| o == *rid))
    else {
        return Ok(false);
    };
    let mut tx = svc.store.tenant(rid, &hs_store::Actor::System).await?;
    if !tx.first_webhook_event(provider, event_id).await? {
        return Ok(false);
    }
    let changed = tx.message_report(message, report).await?;
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let r = resend_report(&bounced, now()).expect("report");
        assert_eq!(r.to, Delivery::Bounced);
        assert!(r.hard_bounce);
        assert_eq!(r.reason.as_deref(), Some("mailbox does not exist"));
        assert_eq!(r.at.to_rfc3339(), "2026-11-24T12:01:00+00:00");
        let soft = json!({"type": "email.bounced", "data": {"email_id": "e1", "bounce": {"type": "Transient"}}});
        assert!(!resend_report(&soft, now()).expect("r").hard_bounce);
        let delivered = json!({"type": "email.delivered", "data": {"email_id": "e1"}});
        assert_eq!(
            resend_report(&delivered, now()).expect("r").to,
            Delivery::Delivered
        );
        assert_eq!(
            resend_report(&delivered, now()).expect("r").at,
            now(),
            "no created_at: received"
        );
        assert!(resend_report(&json!({"type": "email.clicked"}), now()).is_none());
        assert!(resend_report(&json!({"nothing": 1}), now()).is_none());
    }
}
