//! Platform-wide counters for `/metrics`: bookings per channel, the outcomes calls and
//! conversations reach, and messages sent and failed. A transaction notes what it did
//! ([`crate::TenantTx::count`]) and the counts are added when it commits, so a rolled-back
//! booking (or a model's turn undone to its mark) counts nothing. Kept per process, as
//! Prometheus counters are: they start at zero with the process.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Bookings made, by channel (`channel`).
pub const BOOKINGS: &str = "hostsystem_bookings_total";
/// Outcomes reached by phone calls and chat conversations (`agent`, `outcome`).
pub const AGENT_OUTCOMES: &str = "hostsystem_agent_outcomes_total";
/// Guest messages the provider took, and those that ended failed or bounced (`channel`,
/// `status`).
pub const MESSAGES: &str = "hostsystem_messages_total";

/// The families with their help texts, in the order `/metrics` shows them.
pub const FAMILIES: [(&str, &str); 3] = [
    (BOOKINGS, "Bookings made, by channel."),
    (
        AGENT_OUTCOMES,
        "Outcomes reached by phone calls (agent=phone) and chat conversations (agent=chat).",
    ),
    (
        MESSAGES,
        "Guest messages the provider took (status=sent), and those that ended failed or bounced.",
    ),
];

type Key = (&'static str, String);

static COUNTS: Mutex<BTreeMap<Key, u64>> = Mutex::new(BTreeMap::new());

/// Adds a committed transaction's counts.
pub(crate) fn add(counts: Vec<Key>) {
    if counts.is_empty() {
        return;
    }
    let mut all = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    for k in counts {
        *all.entry(k).or_default() += 1;
    }
}

/// Every counter so far: (family, labels as `k="v",…`, value).
pub fn snapshot() -> Vec<(&'static str, String, u64)> {
    COUNTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|((family, labels), n)| (*family, labels.clone(), *n))
        .collect()
}

/// Label values as `/metrics` writes them (only `[a-z0-9_]` are kept: they come from the code's
/// own names, never from people).
pub(crate) fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            format!("{k}=\"{v}\"")
        })
        .collect::<Vec<_>>()
        .join(",")
}
