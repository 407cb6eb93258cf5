//! A tool call as a voice platform delivers it, run for one call: the call log, the
//! idempotency key (given, or made from the platform's ids), the replay of a retry, and the
//! refusal logged apart from what the tool tried. The phone webhooks use it today; the chat
//! and WhatsApp agents share it.

use hs_domain::reservation::Channel;
use hs_store::secret::hex;
use hs_store::voice::{Outcome, Provider};
use hs_store::{Actor, Store, StoreError, TenantTx};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Tools that change a booking; without a platform tool-call id, a retry of one of these in
/// the same call is recognised by its arguments.
pub const MUTATING: [&str; 3] = [
    "create_reservation",
    "change_reservation",
    "cancel_reservation",
];

/// Keeps what explains a tool call without personal data: dates, times, sizes and codes stay,
/// anything else is only noted as given.
pub fn minimise(args: &Value) -> Value {
    const KEEP: [&str; 6] = [
        "date",
        "time",
        "party_size",
        "language",
        "code",
        "booking_code",
    ];
    let Value::Object(m) = args else {
        return json!({});
    };
    let out: Map<String, Value> = m
        .iter()
        .filter(|(k, _)| k.len() <= 40)
        .take(20)
        .map(|(k, v)| {
            let v = if KEEP.contains(&k.as_str()) {
                match v {
                    Value::String(s) => Value::String(s.chars().take(40).collect()),
                    Value::Number(_) => v.clone(),
                    _ => Value::String("<given>".into()),
                }
            } else {
                Value::String("<given>".into())
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(out)
}

/// One tool call as the platforms deliver it.
pub struct ToolCall<'a> {
    pub provider: Provider,
    /// The platform's call id; without one, each request is its own call.
    pub call: Option<String>,
    pub caller: Option<String>,
    pub language: Option<String>,
    pub tool: &'a str,
    pub args: &'a Value,
    pub tool_call_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Runs a tool for a call in the restaurant's transaction `tx`, records it in the call log, and
/// returns the answer as JSON (`ok`, `say`, `data`, `error`, `call_id`). A retry (same key)
/// replays the stored answer. A refusal rolls back what the tool tried and is logged in a
/// fresh transaction, so no half-matched guest is left behind.
pub async fn run_for_call(
    store: &Store,
    mut tx: TenantTx,
    default_language: &str,
    c: ToolCall<'_>,
) -> Result<Value, StoreError> {
    let rid = tx.restaurant_id();
    let language = c
        .language
        .clone()
        .or_else(|| {
            c.args
                .get("language")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .filter(|l| l == "de" || l == "en")
        .unwrap_or_else(|| default_language.to_string());
    let external = c
        .call
        .clone()
        .filter(|x| !x.trim().is_empty())
        .unwrap_or_else(|| format!("request-{}", Uuid::new_v4()));
    let call = tx
        .voice_call(c.provider, &external, c.caller.as_deref(), &language)
        .await?;
    let fingerprint = serde_json::to_vec(&json!([c.tool, c.args])).unwrap_or_default();
    let key = c
        .idempotency_key
        .clone()
        .or_else(|| {
            c.tool_call_id
                .as_ref()
                .map(|t| format!("{}:{external}:{t}", c.provider.as_str()))
        })
        .or_else(|| {
            (c.call.is_some() && MUTATING.contains(&c.tool)).then(|| {
                let h = hex(&Sha256::digest(&fingerprint)[..16]);
                format!("{}:{external}:{h}", c.provider.as_str())
            })
        });
    // Keys are at most 255 characters; longer ones (long platform ids) are hashed.
    let key = key.map(|k| {
        if k.len() <= 255 {
            k
        } else {
            format!("sha256:{}", hex(&Sha256::digest(k.as_bytes())))
        }
    });
    if let Some(k) = &key {
        match tx.idempotent_replay("voice", k, &fingerprint).await {
            Ok(Some((_, mut answer))) => {
                tx.voice_event(
                    call,
                    "tool_call",
                    c.tool,
                    c.tool_call_id.as_deref(),
                    answer["ok"].as_bool(),
                    &json!({"replayed": true, "args": minimise(c.args)}),
                )
                .await?;
                tx.commit().await?;
                answer["call_id"] = json!(external);
                return Ok(answer);
            }
            Ok(None) => {}
            Err(StoreError::Conflict { .. }) => {
                let say = if language == "en" {
                    "Something went wrong on my side. Could you repeat that?"
                } else {
                    "Da ist bei mir etwas durcheinandergeraten. Können Sie das bitte wiederholen?"
                };
                return Ok(
                    json!({"ok": false, "say": say, "data": {}, "error": "idempotency_key_reused"}),
                );
            }
            Err(e) => return Err(e),
        }
    }
    let ctx = crate::Context {
        caller: c.caller.clone(),
        language: language.clone(),
        channel: Channel::PhoneAi,
    };
    let answer = crate::run(&mut tx, c.tool, c.args, &ctx).await?;
    let body = serde_json::to_value(&answer).map_err(|e| StoreError::Other(e.into()))?;
    let payload = json!({
        "args": minimise(c.args),
        "error": answer.error,
        "outcome": answer.outcome.map(Outcome::as_str),
        "reservation": answer.data.get("code").cloned(),
    });
    if answer.ok {
        if let Some(o) = answer.outcome {
            tx.voice_outcome(call, o, answer.reservation_id).await?;
        }
        tx.voice_event(
            call,
            "tool_call",
            c.tool,
            c.tool_call_id.as_deref(),
            Some(true),
            &payload,
        )
        .await?;
        if let Some(k) = &key {
            tx.idempotent_store("voice", k, &fingerprint, 200, &body)
                .await?;
        }
        tx.commit().await?;
    } else {
        // Nothing the tool tried is kept; the refusal itself is logged in a fresh transaction.
        drop(tx);
        let mut tx = store.tenant(rid, &Actor::Guest).await?;
        let call = tx
            .voice_call(c.provider, &external, c.caller.as_deref(), &language)
            .await?;
        tx.voice_event(
            call,
            "tool_call",
            c.tool,
            c.tool_call_id.as_deref(),
            Some(false),
            &payload,
        )
        .await?;
        tx.commit().await?;
    }
    let mut body = body;
    body["call_id"] = json!(external);
    Ok(body)
}

/// The agents' handle on the database, which the web layer holds for its webhooks: it opens
/// nothing but a [`Webhook`].
#[derive(Clone)]
pub struct Agents {
    pub(crate) store: Store,
    pub(crate) model: std::sync::Arc<ModelRuntime>,
    /// The clamd socket guests' files are scanned with, when one is configured.
    pub(crate) clamd: Option<std::sync::Arc<std::path::PathBuf>>,
}

/// How the chat agent reaches a model: the HTTP client, the platform's model (used by
/// restaurants without their own) and the waits.
pub struct ModelRuntime {
    pub client: reqwest::Client,
    pub platform: Option<hs_channels::openai::Model>,
    pub limits: hs_channels::openai::Limits,
}

/// Default waits for a model: the first token within 8 s, the whole answer within 30 s.
pub const MODEL_LIMITS: hs_channels::openai::Limits = hs_channels::openai::Limits {
    first_token: std::time::Duration::from_secs(8),
    whole: std::time::Duration::from_secs(30),
};

impl Agents {
    /// Wraps the store; no platform model.
    pub fn new(store: Store) -> Self {
        Agents::with_model(store, None, MODEL_LIMITS)
    }

    /// Wraps the store, with the platform's model (if any) and the waits for a model.
    pub fn with_model(
        store: Store,
        platform: Option<hs_channels::openai::Model>,
        limits: hs_channels::openai::Limits,
    ) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.first_token)
            .build()
            .unwrap_or_default();
        Agents {
            store,
            model: std::sync::Arc::new(ModelRuntime {
                client,
                platform,
                limits,
            }),
            clamd: None,
        }
    }

    /// The same agents, scanning guests' files with the clamd on `socket`.
    pub fn with_clamd(mut self, socket: Option<std::path::PathBuf>) -> Self {
        self.clamd = socket.map(std::sync::Arc::new);
        self
    }
}

/// One webhook request of a voice platform, in its restaurant's transaction: the credentials
/// are checked in it, then one tool call or one call event is run and committed in it.
pub struct Webhook {
    rid: Uuid,
    tx: TenantTx,
    /// The restaurant's voice settings (header name, language, retention).
    pub settings: hs_store::voice::VoiceSettings,
}

impl Webhook {
    /// Opens the restaurant's transaction for a webhook request.
    pub async fn open(agents: &Agents, rid: Uuid) -> Result<Webhook, StoreError> {
        let mut tx = agents.store.tenant(rid, &Actor::Guest).await?;
        let settings = tx.voice_settings().await?;
        Ok(Webhook { rid, tx, settings })
    }

    /// The restaurant this request is for.
    pub fn restaurant_id(&self) -> Uuid {
        self.rid
    }

    /// Whether `given` is the restaurant's voice secret (or the previous one, in its grace).
    pub async fn secret_matches(&mut self, given: &str) -> Result<bool, StoreError> {
        self.tx.voice_secret_matches(given).await
    }

    /// The restaurant's Retell API key, which signs Retell's requests.
    pub async fn retell_key(&mut self) -> Result<Option<String>, StoreError> {
        self.tx.retell_key().await
    }

    /// Runs one tool call in this request's transaction (see [`run_for_call`]).
    pub async fn run(
        self,
        agents: &Agents,
        default_language: &str,
        c: ToolCall<'_>,
    ) -> Result<Value, StoreError> {
        run_for_call(&agents.store, self.tx, default_language, c).await
    }

    /// Records a status event of a call (`in-progress`, `ended`, …) and commits.
    pub async fn status(
        mut self,
        provider: Provider,
        external: &str,
        caller: Option<&str>,
        language: &str,
        name: &str,
        payload: &Value,
    ) -> Result<(), StoreError> {
        let id = self
            .tx
            .voice_call(provider, external, caller, language)
            .await?;
        self.tx
            .voice_event(id, "status", name, None, None, payload)
            .await?;
        self.tx.commit().await
    }

    /// Records the end of a call (transcript and summary sealed) and its event, and commits.
    pub async fn ended(
        mut self,
        provider: Provider,
        external: &str,
        caller: Option<&str>,
        language: &str,
        end: &hs_store::voice::CallEnd,
    ) -> Result<(), StoreError> {
        let tx = &mut self.tx;
        let id = tx.voice_call(provider, external, caller, language).await?;
        tx.voice_call_ended(id, end).await?;
        tx.voice_event(
            id,
            "end_of_call",
            "end-of-call-report",
            None,
            None,
            &json!({"ended_reason": end.ended_reason, "duration_seconds": end.duration_seconds, "has_transcript": end.transcript.is_some()}),
        )
        .await?;
        self.tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimised_payloads_keep_dates_and_codes_but_not_names_or_numbers() {
        let m = minimise(
            &json!({"date": "morgen", "party_size": 4, "name": "Erika", "phone": "+4917612345678", "code": "ABC234"}),
        );
        assert_eq!(m["date"], "morgen");
        assert_eq!(m["party_size"], 4);
        assert_eq!(m["code"], "ABC234");
        assert_eq!(m["name"], "<given>");
        assert_eq!(m["phone"], "<given>");
        assert_eq!(minimise(&json!("x")), json!({}));
    }
}
