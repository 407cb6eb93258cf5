//! The restaurant's agent behind an OpenAI-compatible chat-completions endpoint, so a voice
//! platform's "custom LLM" mode or any OpenAI client can talk to it; the tools run here.
//!
//! Such a client sends the whole history with every request and keeps no conversation id. The
//! conversation a request continues is found by a hash of that history: after each turn the
//! conversation is marked with the hash of the history the client will send next (the old
//! messages, the guest's new one and our answer). A client that names its conversation
//! (`metadata.conversation_id`, `user`, or Vapi's `call.id`) is found by that name instead.
//! A history we do not know starts a new conversation with the guest's last message.

use crate::call::Agents;
use crate::chat::Reply;
use hs_store::conversations::thread_key;
use hs_store::{Actor, StoreError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One request: the client's own name for the conversation (if any), the earlier messages
/// as (role, text) with role `user` or `assistant`, and the guest's new message.
pub struct CompletionRequest {
    pub thread: Option<String>,
    pub history: Vec<(String, String)>,
    pub message: String,
    /// The caller's number, when a voice platform passes it.
    pub caller: Option<String>,
}

/// The hash a history is found by: roles and texts with whitespace collapsed.
fn history_key(rid: Uuid, messages: &[(String, String)]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"history\0");
    h.update(rid.as_bytes());
    for (role, text) in messages {
        h.update(role.as_bytes());
        h.update(b"\0");
        h.update(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_bytes(),
        );
        h.update(b"\0");
    }
    h.finalize().to_vec()
}

/// How a request of the endpoint ended.
pub enum Completion {
    /// The key is not the restaurant's agent key.
    Refused,
    /// The restaurant's request budget is spent: seconds to wait.
    Limited(u64),
    /// The conversation's id and the agent's answer.
    Answered(Uuid, Reply),
}

impl Agents {
    /// Whether `key` is the restaurant's agent key (its voice secret, or the previous one
    /// within its rotation grace).
    pub async fn agent_key_matches(&self, rid: Uuid, key: &str) -> Result<bool, StoreError> {
        if key.is_empty() || key.len() > 200 {
            return Ok(false);
        }
        let mut tx = self.store.tenant(rid, &Actor::Guest).await?;
        tx.voice_secret_matches(key).await
    }

    /// One request of the endpoint, in one transaction: the key is checked (the restaurant's
    /// voice secret, or the previous one within its rotation grace) in the same round trip
    /// as the conversation is looked up, `admit` takes the request from the restaurant's
    /// budget, then the conversation is continued or started, the turn runs
    /// (its reply handed to `sink` as it is written) and what continues it is marked.
    pub async fn complete(
        &self,
        rid: Uuid,
        key: &str,
        admit: impl FnOnce() -> Result<(), u64> + Send,
        req: CompletionRequest,
        sink: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, StoreError> {
        if key.is_empty() || key.len() > 200 {
            return Ok(Completion::Refused);
        }
        let thread = match (&req.thread, req.history.is_empty()) {
            (Some(t), _) => Some(thread_key(rid, t)),
            (None, true) => None,
            (None, false) => Some(history_key(rid, &req.history)),
        };
        let mut tx = self.store.tenant(rid, &Actor::Guest).await?;
        let (ok, known) = tx.voice_secret_and_thread(key, thread.as_deref()).await?;
        if !ok {
            return Ok(Completion::Refused);
        }
        if let Err(wait) = admit() {
            return Ok(Completion::Limited(wait));
        }
        let (id, reply) = self
            .converse(&mut tx, known, "api", &req.message, req.caller, sink)
            .await?;
        let next = match &req.thread {
            Some(t) => thread_key(rid, t),
            None => {
                let mut h = req.history;
                h.push(("user".into(), req.message));
                h.push(("assistant".into(), reply.text.clone()));
                history_key(rid, &h)
            }
        };
        tx.set_thread_key(id, &next).await?;
        tx.commit().await?;
        Ok(Completion::Answered(id, reply))
    }
}

impl Agents {
    /// One message of a guest on a messaging channel (`whatsapp`), in `tx` (the caller
    /// commits): the conversation of this `sender` on `channel` goes on while its last message
    /// is at most `fresh` old; after that a new one starts.
    pub async fn reply_in(
        &self,
        tx: &mut hs_store::TenantTx,
        channel: &str,
        sender: &str,
        text: &str,
        fresh: chrono::Duration,
    ) -> Result<(Uuid, Reply), StoreError> {
        let rid = tx.restaurant_id();
        let key = thread_key(rid, &format!("{channel}:{sender}"));
        let since = tx.now() - fresh;
        let known = tx.conversation_by_thread(&key, Some(since)).await?;
        let caller = sender.starts_with('+').then(|| sender.to_string());
        let (id, reply) = self
            .converse(tx, known, channel, text, caller, &mut |_| {})
            .await?;
        tx.set_thread_key(id, &key).await?;
        Ok((id, reply))
    }
}
