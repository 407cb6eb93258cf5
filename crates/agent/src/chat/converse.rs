//! A turn of a stored conversation: the state is loaded or started, the restaurant's (or the
//! platform's) model answers when one is configured, the built-in agent otherwise or when the
//! model fails, and both messages and the new state are recorded in the same transaction.

use super::*;

impl crate::call::Agents {
    /// One guest message in a stored conversation (a new one when `conversation` is `None`,
    /// started on `channel`): the state is read, the turn runs, both messages and the new
    /// state are stored (sealed) in the same transaction as anything the turn booked.
    pub async fn chat(
        &self,
        rid: uuid::Uuid,
        conversation: Option<uuid::Uuid>,
        channel: &str,
        text: &str,
        caller: Option<String>,
    ) -> Result<(uuid::Uuid, Reply), StoreError> {
        self.chat_streamed(rid, conversation, channel, text, caller, &mut |_| {})
            .await
    }

    /// [`Agents::chat`], with the reply handed to `sink` piece by piece as it is written.
    pub async fn chat_streamed(
        &self,
        rid: uuid::Uuid,
        conversation: Option<uuid::Uuid>,
        channel: &str,
        text: &str,
        caller: Option<String>,
        sink: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(uuid::Uuid, Reply), StoreError> {
        let mut tx = self.store.tenant(rid, &hs_store::Actor::Guest).await?;
        let (id, r) = self
            .converse(&mut tx, conversation, channel, text, caller, sink)
            .await?;
        tx.commit().await?;
        Ok((id, r))
    }

    /// One turn in `tx` (not committed): the conversation is loaded or started, answered by
    /// the model when one is configured (the restaurant's, else the platform's) and by the
    /// built-in agent otherwise or when the model fails, and recorded.
    pub(crate) async fn converse(
        &self,
        tx: &mut TenantTx,
        conversation: Option<uuid::Uuid>,
        channel: &str,
        text: &str,
        caller: Option<String>,
        sink: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(uuid::Uuid, Reply), StoreError> {
        let (id, mut c) = match conversation {
            Some(id) => {
                let since = tx.now() - chrono::Duration::minutes(1);
                let opening = tx.conversation_opening(id, since).await?;
                let state = opening.state;
                if let Err(wait) = chat::pace(opening.guest_messages_since, opening.turns) {
                    return Err(StoreError::Conflict {
                        code: hs_store::error::RATE_LIMITED,
                        message: if wait == u64::MAX {
                            "this conversation has reached its length; start a new one".into()
                        } else {
                            format!("too many messages in this conversation; wait {wait} seconds")
                        },
                    });
                }
                // A team member took the conversation over: the agent is paused; the guest's
                // message is kept for the team, who answer themselves.
                if opening.status == "person" {
                    let c: Conversation = serde_json::from_value(state).unwrap_or_default();
                    tx.add_conversation_message(id, "guest", &clean(text))
                        .await?;
                    return Ok((
                        id,
                        Reply {
                            text: String::new(),
                            choices: Vec::new(),
                            card: None,
                            unanswered: false,
                            language: lang_of(&c).to_string(),
                        },
                    ));
                }
                (id, serde_json::from_value(state).unwrap_or_default())
            }
            // A new conversation is stored with its first turn, after the answer: nothing
            // is written before the model is asked.
            None => (uuid::Uuid::new_v4(), Conversation::default()),
        };
        // On WhatsApp the guest's number is known: it is the sender's.
        if channel == "whatsapp" && c.phone.is_none() {
            c.phone = caller.clone();
        }
        let ctx = Context {
            caller,
            language: c.language.clone().unwrap_or_else(|| "de".into()),
            channel: if channel == "whatsapp" {
                hs_domain::reservation::Channel::Whatsapp
            } else {
                hs_domain::reservation::Channel::Chat
            },
        };
        let profile = tx.agent_profile().await?;
        let model = match profile.model.clone() {
            Some(m) => Some(hs_channels::openai::Model {
                base_url: m.base_url,
                model: m.model,
                key: m.key,
            }),
            None => self.model.platform.clone(),
        };
        let mut engine = "builtin";
        let mut tokens = 0u32;
        let mut answered = None;
        let cleaned = clean(text);
        if let (Some(model), false) = (model, cleaned.is_empty()) {
            remember_private_facts(tx, &mut c, &cleaned).await?;
            let history = if conversation.is_some() {
                tx.conversation_lines(id).await?
            } else {
                Vec::new()
            };
            let before = c.clone();
            match crate::model::turn(
                tx,
                &mut c,
                &cleaned,
                &ctx,
                &model,
                &self.model,
                &profile,
                &history,
                sink,
            )
            .await
            {
                Ok(t) => {
                    engine = "model";
                    tokens = t.tokens;
                    let said = t.reply.text.clone();
                    let r = guarded(tx, &c, t.reply).await?;
                    if r.text != said {
                        // What streamed so far passed the guard; the refusal follows it.
                        sink(&format!(" {}", r.text));
                    }
                    answered = Some(r);
                }
                Err(crate::model::Failure::Store(e)) => return Err(e),
                Err(crate::model::Failure::Model(e)) => {
                    // What its tool calls wrote is undone already.
                    tracing::warn!(error = %e, "the chat model failed; the built-in agent answers");
                    c = before;
                }
            }
        }
        let mut r = match answered {
            Some(r) => r,
            None => {
                let r = turn(tx, &mut c, text, &ctx).await?;
                for piece in r.text.split_inclusive(' ') {
                    sink(piece);
                }
                r
            }
        };
        r.language = lang_of(&c).to_string();
        let state = serde_json::to_value(&c).map_err(|e| StoreError::Other(e.into()))?;
        if conversation.is_none() {
            tx.start_conversation(id, channel).await?;
        }
        tx.record_turn(
            id,
            &hs_store::conversations::Turn {
                guest: &cleaned,
                agent: &r.text,
                state: &state,
                language: c.language.as_deref(),
                outcome: c.outcome.as_deref(),
                intents: &c.intents,
                engine,
                tokens: i32::try_from(tokens).unwrap_or(i32::MAX),
                unanswered: r.unanswered,
                booking: booking_of(&c),
                phone: (channel == "whatsapp")
                    .then_some(c.phone.as_deref())
                    .flatten(),
            },
        )
        .await?;
        Ok((id, r))
    }
}

/// The reservation a conversation is about: the one it made last, or the one it changed or
/// cancelled (its code then matched the guest's name or phone). A code the guest merely typed
/// links nothing.
fn booking_of(c: &Conversation) -> Option<&str> {
    match c.outcome.as_deref() {
        Some("changed" | "cancelled") => c.code.as_deref(),
        _ => None,
    }
    .or(c.booked.last().map(String::as_str))
}

/// The facts a model must not see, read locally from the guest's words: language, phone,
/// email, booking code and special-category sentences.
async fn remember_private_facts(
    tx: &mut TenantTx,
    c: &mut Conversation,
    text: &str,
) -> Result<(), StoreError> {
    if let Some(l) = chat::language(text) {
        c.language = Some(l.to_string());
    }
    let today = tx.now_local_date().await?;
    let heard = chat::hear(text, today, &|_| true);
    if let Some(p) = heard.phone {
        c.phone = Some(p);
    }
    if let Some(e) = heard.email {
        c.email = Some(e);
    }
    if let Some(code) = heard.code {
        c.code = Some(code);
    }
    if let Some(s) = heard.special {
        add_special(c, &s);
    }
    for i in chat::intents(text) {
        note_intent(c, i);
    }
    Ok(())
}
