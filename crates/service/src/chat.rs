//! The chat agent's settings and analysis for managers and owners: the restaurant's own
//! model (URL, name, sealed key), its FAQ, and what the conversations show (outcomes per
//! week, the most frequent intents, the questions the agent could not answer), each also as
//! CSV.

use crate::reservations::Caller;
use crate::setup::configure;
use crate::Services;
use chrono::{DateTime, Duration, Utc};
use hs_store::agent::{AgentSettings, FaqEntry};
use hs_store::conversations::WeekOutcomes;
use hs_store::widget::WidgetSettings;
use hs_store::StoreError;

/// Unanswered questions listed at most.
pub const UNANSWERED_MAX: i64 = 200;

/// The agent's settings as the settings page shows them.
pub struct Settings {
    /// The model (never its key) and the retention.
    pub agent: AgentSettings,
    pub faq: Vec<FaqEntry>,
    pub widget: WidgetSettings,
    /// The id the widget's script tag names.
    pub public_id: String,
    /// The hosted booking page's address part (`/book/<slug>`).
    pub slug: String,
}

/// The agent's settings: model (no key), retention, FAQ and widget.
pub async fn settings(svc: &Services, caller: &Caller) -> Result<Settings, StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    let (public_id, slug) = tx.public_ids().await?;
    Ok(Settings {
        agent: tx.agent_settings().await?,
        faq: tx.faq().await?,
        widget: tx.widget_settings().await?,
        public_id,
        slug,
    })
}

/// Saves the website widget's settings (origins, colour, position, greetings, privacy link).
pub async fn set_widget(
    svc: &Services,
    caller: &Caller,
    widget: WidgetSettings,
) -> Result<(), StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    tx.set_widget_settings(widget).await?;
    tx.commit().await
}

/// Sets the restaurant's model (both empty: none). `key`: `None` keeps the stored one,
/// `Some("")` removes it.
pub async fn set_model(
    svc: &Services,
    caller: &Caller,
    base_url: Option<&str>,
    model: Option<&str>,
    key: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    tx.set_agent_model(base_url, model, key).await?;
    tx.commit().await
}

/// Sets how many days conversations are kept before they are anonymised.
pub async fn set_retention(svc: &Services, caller: &Caller, days: i32) -> Result<(), StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    tx.set_conversation_retention(days).await?;
    tx.commit().await
}

/// Sets after how many minutes owners and managers are emailed about a guest waiting for a
/// person (`None`: never).
pub async fn set_handover_mail(
    svc: &Services,
    caller: &Caller,
    minutes: Option<i32>,
) -> Result<(), StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    tx.set_handover_mail(minutes).await?;
    tx.commit().await
}

/// Replaces the FAQ.
pub async fn set_faq(
    svc: &Services,
    caller: &Caller,
    entries: &[FaqEntry],
) -> Result<(), StoreError> {
    let mut tx = configure(&svc.store, caller).await?;
    tx.set_faq(entries).await?;
    tx.commit().await
}

/// What the analysis shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Analysis {
    #[serde(skip)]
    pub tz: chrono_tz::Tz,
    pub since: DateTime<Utc>,
    pub weeks: Vec<WeekOutcomes>,
    pub intents: Vec<(String, i64)>,
    /// Newest first: when, and what the guest wrote.
    pub unanswered: Vec<(DateTime<Utc>, String)>,
}

/// The analysis of the last `weeks` weeks (1–104).
pub async fn analysis(svc: &Services, caller: &Caller, weeks: i64) -> Result<Analysis, StoreError> {
    if !(1..=104).contains(&weeks) {
        return Err(StoreError::Invalid {
            field: "weeks".into(),
            code: "out_of_range",
            message: "between 1 and 104".into(),
        });
    }
    let mut tx = configure(&svc.store, caller).await?;
    let since = tx.now() - Duration::weeks(weeks);
    Ok(Analysis {
        tz: tx.rules().await?.tz,
        since,
        weeks: tx.conversation_weeks(since).await?,
        intents: tx.conversation_intents(since).await?,
        unanswered: tx.unanswered_questions(UNANSWERED_MAX).await?,
    })
}

use hs_domain::csv::table as csv;

/// The whole range at once: conversations, the shares (in per cent, none without
/// conversations) that ended booked, handed over or abandoned, and the model's tokens.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Totals {
    pub conversations: i64,
    pub booked: Option<f64>,
    pub handed_over: Option<f64>,
    pub abandoned: Option<f64>,
    pub tokens: i64,
}

impl Analysis {
    /// The totals over every week of the analysis.
    pub fn totals(&self) -> Totals {
        let sum = |f: fn(&WeekOutcomes) -> i64| self.weeks.iter().map(f).sum::<i64>();
        let conversations = sum(|w| w.conversations);
        let share = |n: i64| (conversations > 0).then(|| n as f64 * 100.0 / conversations as f64);
        Totals {
            conversations,
            booked: share(sum(|w| w.booked)),
            handed_over: share(sum(|w| w.handed_over)),
            abandoned: share(sum(|w| w.abandoned)),
            tokens: sum(|w| w.tokens),
        }
    }

    /// One of the analysis' tables as CSV: `outcomes`, `intents` or `unanswered`.
    pub fn csv(&self, table: &str) -> Option<String> {
        Some(match table {
            "outcomes" => csv(
                &[
                    "week",
                    "conversations",
                    "booked",
                    "changed",
                    "cancelled",
                    "informed",
                    "handed_over",
                    "abandoned",
                    "tokens",
                ],
                self.weeks.iter().map(|w| {
                    vec![
                        w.week.to_string(),
                        w.conversations.to_string(),
                        w.booked.to_string(),
                        w.changed.to_string(),
                        w.cancelled.to_string(),
                        w.informed.to_string(),
                        w.handed_over.to_string(),
                        w.abandoned.to_string(),
                        w.tokens.to_string(),
                    ]
                }),
            ),
            "intents" => csv(
                &["intent", "conversations"],
                self.intents
                    .iter()
                    .map(|(i, n)| vec![i.clone(), n.to_string()]),
            ),
            "unanswered" => csv(
                &["at", "message"],
                self.unanswered
                    .iter()
                    .map(|(at, m)| vec![at.to_rfc3339(), m.clone()]),
            ),
            _ => return None,
        })
    }
}
