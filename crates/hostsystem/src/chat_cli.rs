//! `hostsystem chat`: talk to a restaurant's built-in chat agent in the terminal, or replay
//! scripted dialogues (`hostsystem chat simulate --script F [--json]`) and print each
//! transcript, its outcome and the reservation it made. Runs against the configured database
//! (the embedded one by default) and the demo restaurant unless `--restaurant` names another.

use crate::config::Config;
use crate::runtime::Runtime;
use anyhow::{bail, Context as _, Result};
use clap::Args;
use hs_agent::call::Agents;
use hs_agent::chat::Reply;
use hs_store::Store;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::PathBuf;
use uuid::Uuid;

/// `hostsystem chat [simulate]`.
#[derive(Args, Debug)]
pub struct Chat {
    /// The restaurant (default: the demo restaurant, created when missing).
    #[arg(long, global = true)]
    pub restaurant: Option<Uuid>,
    #[command(subcommand)]
    pub simulate: Option<ChatCommand>,
}

/// Chat subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ChatCommand {
    /// Replay scripted dialogues: a JSON file with one dialogue (a list of guest messages,
    /// or `{"name", "messages"}`) or a list of them.
    Simulate {
        /// The script.
        #[arg(long)]
        script: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

async fn restaurant(store: &Store, cfg: &Config, given: Option<Uuid>) -> Result<Uuid> {
    if let Some(r) = given {
        return Ok(r);
    }
    Ok(crate::demo::ensure(store, &cfg.public_url())
        .await?
        .restaurant_id)
}

/// One guest message through the agent, in a stored conversation (started by the first).
async fn say(
    agents: &Agents,
    rid: Uuid,
    conversation: &mut Option<Uuid>,
    text: &str,
) -> Result<Reply> {
    let (id, r) = agents.chat(rid, *conversation, "cli", text, None).await?;
    *conversation = Some(id);
    Ok(r)
}

/// The dialogues of a script.
fn dialogues(v: &Value) -> Result<Vec<(String, Vec<String>)>> {
    let one = |v: &Value, i: usize| -> Option<(String, Vec<String>)> {
        let (name, msgs) = match v {
            Value::Array(a) => (format!("dialogue {}", i + 1), a),
            Value::Object(o) => (
                o.get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("dialogue {}", i + 1), str::to_string),
                o.get("messages")?.as_array()?,
            ),
            _ => return None,
        };
        let msgs: Option<Vec<String>> = msgs
            .iter()
            .map(|m| m.as_str().map(str::to_string))
            .collect();
        Some((name, msgs?))
    };
    let list: Vec<Value> = match v {
        Value::Array(a) if a.iter().all(Value::is_string) => vec![v.clone()],
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![v.clone()],
        _ => bail!("a script is a list of messages, a dialogue object or a list of dialogues"),
    };
    list.iter()
        .enumerate()
        .map(|(i, d)| {
            one(d, i).with_context(|| format!("dialogue {} is not a list of messages", i + 1))
        })
        .collect()
}

/// Runs `hostsystem chat …`.
pub async fn run(cfg: &Config, chat: Chat) -> Result<()> {
    let rt = Runtime::open(cfg).await?;
    let result = async {
        let rid = restaurant(&rt.store, cfg, chat.restaurant).await?;
        match chat.simulate {
            Some(ChatCommand::Simulate { script, json }) => {
                let text = std::fs::read_to_string(&script).with_context(|| format!("reading {}", script.display()))?;
                let v: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", script.display()))?;
                let mut out = Vec::new();
                let agents = crate::agents(cfg, &rt.store);
                for (name, messages) in dialogues(&v)? {
                    let mut conversation = None;
                    let mut transcript = Vec::new();
                    let mut cards = Vec::new();
                    for m in &messages {
                        let r = say(&agents, rid, &mut conversation, m).await?;
                        if let Some(card) = &r.card {
                            cards.push(card.clone());
                        }
                        transcript.push(json!({"guest": m, "agent": r.text, "choices": r.choices, "card": r.card}));
                    }
                    let id = conversation.unwrap_or_default();
                    let mut tx = rt.store.tenant(rid, &hs_store::Actor::Cli).await?;
                    let state = tx.conversation_state(id).await.unwrap_or_default();
                    // Each reservation as it stands at the end (a later message may have
                    // changed or cancelled it).
                    for card in &mut cards {
                        if let Ok(r) = tx.reservation_by_code(&card.code, false).await {
                            card.date = r.date.to_string();
                            card.time = r.time.clone();
                            card.party_size = i64::from(r.party_size);
                            card.status = r.status.as_str().to_string();
                        }
                    }
                    drop(tx);
                    out.push(json!({"name": name, "conversation": id, "transcript": transcript,
                        "outcome": state["outcome"], "reservations": cards, "intents": state["intents"],
                        "language": state["language"]}));
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&out)?);
                } else {
                    for d in &out {
                        println!("== {}", d["name"].as_str().unwrap_or(""));
                        for t in d["transcript"].as_array().into_iter().flatten() {
                            println!("Gast:  {}", t["guest"].as_str().unwrap_or(""));
                            println!("Agent: {}", t["agent"].as_str().unwrap_or(""));
                        }
                        println!("-> outcome: {}", d["outcome"].as_str().unwrap_or("none"));
                        for r in d["reservations"].as_array().into_iter().flatten() {
                            println!("-> reservation {} on {} at {} for {} ({})", r["code"].as_str().unwrap_or(""), r["date"].as_str().unwrap_or(""), r["time"].as_str().unwrap_or(""), r["party_size"], r["status"].as_str().unwrap_or(""));
                        }
                    }
                }
                Ok(())
            }
            None => {
                println!("Chat with the restaurant's agent (German or English); an empty line or Ctrl-D ends.");
                let agents = crate::agents(cfg, &rt.store);
                let mut conversation = None;
                for line in std::io::stdin().lock().lines() {
                    let line = line?;
                    if line.trim().is_empty() {
                        break;
                    }
                    let r = say(&agents, rid, &mut conversation, &line).await?;
                    println!("{}", r.text);
                    if !r.choices.is_empty() {
                        println!("   [{}]", r.choices.join("] ["));
                    }
                }
                Ok(())
            }
        }
    }
    .await;
    rt.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_one_dialogue_or_many() {
        let one = dialogues(&json!(["Hallo", "Tisch für 2"])).expect("one");
        assert_eq!(
            one,
            vec![(
                "dialogue 1".to_string(),
                vec!["Hallo".to_string(), "Tisch für 2".to_string()]
            )]
        );
        let many = dialogues(&json!([{"name": "a", "messages": ["x"]}, ["y"]])).expect("many");
        assert_eq!(many[0].0, "a");
        assert_eq!(many[1].1, vec!["y".to_string()]);
        assert!(dialogues(&json!(42)).is_err());
        assert!(dialogues(&json!([{"messages": [1]}])).is_err());
    }
}
