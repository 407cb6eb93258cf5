//! The privacy toolkit as use cases (DPA § 8.1, § 11.4; Art. 15, 17 and 20 GDPR): owners and
//! managers find a person everywhere, export everything about them as one ZIP (made by a job,
//! downloaded once through a link that expires), and anonymise or delete them after typing
//! their name. Staff may do none of it. The categories and what each does are the store's
//! shredders (`hs_store::privacy`).

mod zip;

use crate::jobs::{Job, JobContext};
use crate::reservations::Caller;
use crate::Services;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use hs_domain::reservation::Status;
use hs_domain::role::Role;
use hs_store::privacy::{Deleted, Person, Request, Scope, Subject, Take};
use hs_store::{StoreError, TenantTx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use hs_store::privacy::{
    data_name, Erase, ExportInfo, Found, Lookup, MakeExport, EXPORT_LINK_HOURS, SHREDDERS,
};
pub use hs_store::voice::ProtocolRow;
pub use zip::Zip;

/// Only owners and managers use the toolkit.
fn allowed(caller: &Caller) -> Result<(), StoreError> {
    caller.at_least(Role::Manager)
}

/// People matching a name, number or address, with what each category holds about them.
pub async fn find(svc: &Services, caller: &Caller, q: &str) -> Result<Vec<Found>, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.find_people(q).await
}

/// One person, with what each category holds.
pub async fn person(svc: &Services, caller: &Caller, lookup: &Lookup) -> Result<Found, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let person = tx.person(lookup).await?;
    let counts = tx.counts(&person).await?;
    Ok(Found { person, counts })
}

/// A requested export: its id and the link's secret, shown once.
#[derive(Clone, Debug)]
pub struct ExportLink {
    pub id: Uuid,
    pub token: String,
}

/// Asks for a person's export, made by the `privacy_export` job.
pub async fn request_export(
    svc: &Services,
    caller: &Caller,
    lookup: &Lookup,
) -> Result<ExportLink, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let person = tx.person(lookup).await?;
    let token = hs_store::secret::random_token();
    let id = tx.request_export(&person, &token).await?;
    tx.commit().await?;
    Ok(ExportLink { id, token })
}

/// The restaurant's exports and its deletion protocol, newest first, and its time zone.
pub struct Overview {
    pub exports: Vec<ExportInfo>,
    pub protocol: Vec<ProtocolRow>,
    pub tz: chrono_tz::Tz,
}

/// The privacy page's lists.
pub async fn overview(svc: &Services, caller: &Caller) -> Result<Overview, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    Ok(Overview {
        exports: tx.privacy_exports().await?,
        protocol: tx.deletion_protocol(200).await?,
        tz: tx.rules().await?.tz,
    })
}

/// What an export's link gives.
pub enum Fetched {
    /// The ZIP, once.
    File(Vec<u8>),
    /// Not made yet.
    Pending,
    /// Downloaded before or expired (410).
    Gone,
}

/// Uses up an export's link.
pub async fn download(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    token: &str,
) -> Result<Fetched, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let owner = caller.role.at_least(Role::Owner);
    let key = match tx.take_export(id, token, owner).await? {
        Take::File(key) => key,
        Take::Pending => return Ok(Fetched::Pending),
        Take::Gone => return Ok(Fetched::Gone),
        Take::Unknown => return Err(StoreError::NotFound),
    };
    let Some(bytes) = svc.store.files().get(&key).await? else {
        return Ok(Fetched::Gone);
    };
    // The link is used up only once the bytes are in hand.
    tx.commit().await?;
    Ok(Fetched::File(bytes))
}

/// A request to anonymise or delete a person.
pub struct EraseRequest {
    pub lookup: Lookup,
    pub erase: Erase,
    /// What the person typed to confirm: one of the person's names.
    pub confirm: String,
    /// Make an export first (its link comes back).
    pub export_first: bool,
}

/// What an erasure did.
pub struct Erased {
    /// The protocol's rows, when done at once.
    pub done: Vec<Deleted>,
    /// Planned reservations cancelled first; the erasure then waits for the guest's
    /// cancellation messages (the `privacy_erase` job).
    pub cancelled: usize,
    pub export: Option<ExportLink>,
}

/// Anonymises or deletes a person after the typed confirmation matches one of their names
/// (else nothing happens: field `confirm`). Their planned reservations are cancelled first,
/// with the messages that implies; then the erasure runs once those are sent (at most an hour
/// later), as the `privacy_erase` job. Without planned reservations it runs at once, every
/// category in this one transaction.
pub async fn erase(
    svc: &Services,
    caller: &Caller,
    req: &EraseRequest,
) -> Result<Erased, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let person = tx.person(&req.lookup).await?;
    if !person.confirmed_by(&req.confirm) {
        return Err(StoreError::invalid(
            "confirm",
            hs_domain::validate::Invalid::Mismatch,
        ));
    }
    let export = if req.export_first {
        Some(export_now(svc, &mut tx, &person).await?)
    } else {
        None
    };
    let planned = tx.planned_reservations(&person).await?;
    let actor = caller.actor.to_string();
    let mut done = Vec::new();
    if planned.is_empty() {
        done = tx
            .shred_by(&Scope::Erasure(&Subject::Person(person), req.erase), &actor)
            .await?;
    } else {
        for id in &planned {
            tx.transition(*id, Status::Cancelled).await?;
        }
        let now = tx.now();
        let job = EraseAfterNotices {
            guests: person.guests.clone(),
            delete: req.erase == Erase::Delete,
            actor,
            until: now + Duration::hours(1),
        };
        // A second later than the messages' jobs, which the queue runs first (by due time).
        crate::jobs::enqueue_at(&mut tx, &job, now + Duration::seconds(1)).await?;
    }
    tx.commit().await?;
    Ok(Erased {
        done,
        cancelled: planned.len(),
        export,
    })
}

/// Makes a person's export in this transaction (for "export first"): the file, a ready
/// request and its link.
async fn export_now(
    svc: &Services,
    tx: &mut TenantTx,
    person: &Person,
) -> Result<ExportLink, StoreError> {
    let token = hs_store::secret::random_token();
    let id = tx.request_export(person, &token).await?;
    let (bytes, rows) = archive(tx, person).await?;
    let key = export_key(tx.restaurant_id(), id);
    let size = bytes.len();
    svc.store.files().put(&key, bytes).await?;
    tx.export_made(id, &key, rows, size).await?;
    Ok(ExportLink { id, token })
}

/// Where an export's file lives in the file store.
fn export_key(rid: Uuid, id: Uuid) -> String {
    format!("exports/{rid}/{id}.zip")
}

/// Everything about the person as a ZIP: `data.json` (every category), a CSV per category
/// that holds something, and a README in the person's language. Returns the bytes and the
/// rows it holds.
pub async fn archive(tx: &mut TenantTx, person: &Person) -> Result<(Vec<u8>, u64), StoreError> {
    let subject = Subject::Person(person.clone());
    let data = tx.export_subject(&subject).await?;
    let mut zip = Zip::new();
    let mut rows = 0u64;
    let mut files = Vec::new();
    for s in SHREDDERS {
        let name = data_name(*s);
        let Some(items) = data[name].as_array().filter(|a| !a.is_empty()) else {
            continue;
        };
        rows += items.len() as u64;
        files.push((name, items.len()));
        zip.add(&format!("{name}.csv"), csv(items).as_bytes())
            .map_err(|e| StoreError::Other(e.into()))?;
    }
    let json = serde_json::to_vec_pretty(&data).map_err(|e| StoreError::Other(e.into()))?;
    zip.add("data.json", &json)
        .map_err(|e| StoreError::Other(e.into()))?;
    let readme = readme(&person.language, tx.now(), &files);
    zip.add("README.txt", readme.as_bytes())
        .map_err(|e| StoreError::Other(e.into()))?;
    Ok((zip.finish(), rows))
}

/// Objects as CSV (RFC 4180): the union of their keys as columns, in first-seen order;
/// nested values as JSON text. Cells that a spreadsheet would run as a formula are prefixed
/// with an apostrophe (OWASP's CSV injection advice).
fn csv(items: &[serde_json::Value]) -> String {
    let mut cols: Vec<&str> = Vec::new();
    for it in items {
        if let Some(o) = it.as_object() {
            for k in o.keys() {
                if !cols.contains(&k.as_str()) {
                    cols.push(k);
                }
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let mut l = cells
            .into_iter()
            .map(|c| {
                let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{c}")
                } else {
                    c
                };
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        l.push_str("\r\n");
        l
    };
    out.push_str(&line(cols.iter().map(|c| c.to_string()).collect()));
    for it in items {
        out.push_str(&line(
            cols.iter()
                .map(|c| match &it[*c] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
                .collect(),
        ));
    }
    out
}

/// The README of an export, in the person's language.
fn readme(language: &str, at: DateTime<Utc>, files: &[(&str, usize)]) -> String {
    let list: String = files
        .iter()
        .map(|(name, n)| format!("- {name}.csv: {n}\n"))
        .collect();
    let at = at.format("%Y-%m-%d %H:%M UTC");
    if language == "en" {
        format!(
            "Your data\n=========\n\nThis archive holds everything the restaurant stores about you, as of {at} \
             (Art. 15 and 20 GDPR).\n\ndata.json holds all of it in one file; each CSV file holds one category \
             (rows per file):\n\n{list}\nSpecial notes (allergies, diets, accessibility) are included in plain text. \
             Categories without data are left out.\n"
        )
    } else {
        format!(
            "Ihre Daten\n==========\n\nDieses Archiv enthält alles, was das Restaurant über Sie gespeichert hat, \
             Stand {at} (Art. 15 und 20 DSGVO).\n\ndata.json enthält alles in einer Datei; jede CSV-Datei enthält \
             eine Kategorie (Zeilen je Datei):\n\n{list}\nBesondere Hinweise (Allergien, Ernährung, Barrierefreiheit) \
             sind im Klartext enthalten. Kategorien ohne Daten fehlen.\n"
        )
    }
}

/// Makes a requested export (the payload lives in the store, which enqueues it).
impl Job for MakeExport {
    const KIND: &'static str = MakeExport::KIND;
    const MAX_ATTEMPTS: i32 = 3;

    fn dedup_key(&self) -> Option<String> {
        Some(self.export_id.to_string())
    }

    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow::anyhow!("an export belongs to a restaurant"))?;
        // Made already (export first), expired or dropped by an erasure: nothing to do.
        let (bytes, rows) = match tx.export_request(self.export_id).await? {
            None => return Ok(()),
            Some(Request::Person(person)) => archive(tx, &person).await?,
            Some(Request::Restaurant) => {
                let (store, id) = (ctx.store.clone(), self.export_id);
                let rid = tx.restaurant_id();
                restaurant_archive(tx, &mut |percent| {
                    let store = store.clone();
                    // Progress is shown, not needed: a failed update only leaves the bar behind.
                    tokio::spawn(async move {
                        let _ = store.set_export_progress(rid, id, percent).await;
                    });
                })
                .await?
            }
        };
        let key = export_key(tx.restaurant_id(), self.export_id);
        let size = bytes.len();
        ctx.store.files().put(&key, bytes).await?;
        tx.export_made(self.export_id, &key, rows, size).await?;
        Ok(())
    }
}

/// All of the restaurant's data as a ZIP: `tables/<table>.json` and `.csv` for every tenant
/// table (keys and secrets withheld), `schema.json` and `SCHEMA.md` describing their columns,
/// and `decrypted/<category>.json` with the sealed texts opened (special notes, transcripts,
/// chats). `progress` hears the percentage after each table.
pub async fn restaurant_archive(
    tx: &mut TenantTx,
    progress: &mut (dyn FnMut(i32) + Send),
) -> Result<(Vec<u8>, u64), StoreError> {
    let other = |e: std::io::Error| StoreError::Other(e.into());
    let tables = tx.tenant_tables().await?;
    let mut zip = Zip::new();
    let mut rows = 0u64;
    let mut schema = serde_json::Map::new();
    let mut md = String::from(
        "# Schema of this export\n\nOne JSON and one CSV file per table under `tables/`; columns that only \
         hold keys or secrets (sealed `*_enc`, `*_hash`, byte strings) are left out, and the sealed texts \
         are in `decrypted/`.\n",
    );
    let steps = tables.len() + 1;
    for (i, table) in tables.iter().enumerate() {
        let columns = tx.export_columns(table).await?;
        md.push_str(&format!(
            "\n## {table}\n\n| column | type | may be empty |\n|---|---|---|\n"
        ));
        for c in &columns {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                c.name,
                c.data_type,
                if c.nullable { "yes" } else { "no" }
            ));
        }
        schema.insert(
            table.clone(),
            serde_json::to_value(&columns).map_err(|e| StoreError::Other(e.into()))?,
        );
        let mut items = Vec::new();
        if !columns.is_empty() {
            rows += tx
                .dump_table(table, &columns, &mut |v| items.push(v))
                .await?;
        }
        zip.add(
            &format!("tables/{table}.json"),
            &serde_json::to_vec(&items).map_err(|e| StoreError::Other(e.into()))?,
        )
        .map_err(other)?;
        zip.add(&format!("tables/{table}.csv"), csv(&items).as_bytes())
            .map_err(other)?;
        progress(((i + 1) * 100 / steps) as i32);
    }
    let decrypted = tx.export_subject(&Subject::Restaurant).await?;
    if let Some(categories) = decrypted.as_object() {
        for (name, items) in categories {
            if items.as_array().is_some_and(|a| !a.is_empty()) {
                zip.add(
                    &format!("decrypted/{name}.json"),
                    &serde_json::to_vec(items).map_err(|e| StoreError::Other(e.into()))?,
                )
                .map_err(other)?;
            }
        }
    }
    zip.add(
        "schema.json",
        &serde_json::to_vec_pretty(&schema).map_err(|e| StoreError::Other(e.into()))?,
    )
    .map_err(other)?;
    zip.add("SCHEMA.md", md.as_bytes()).map_err(other)?;
    progress(100);
    Ok((zip.finish(), rows))
}

/// Asks for the export of all the restaurant's data: owners only.
pub async fn request_restaurant_export(
    svc: &Services,
    caller: &Caller,
) -> Result<ExportLink, StoreError> {
    caller.at_least(Role::Owner)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let token = hs_store::secret::random_token();
    let id = tx.request_restaurant_export(&token, None).await?;
    tx.commit().await?;
    Ok(ExportLink { id, token })
}

/// Erases a person once the messages about their cancelled reservations are sent (or an
/// hour has passed). The payload holds guest card ids, never their data.
#[derive(Serialize, Deserialize)]
pub struct EraseAfterNotices {
    pub guests: Vec<Uuid>,
    pub delete: bool,
    /// Who asked (`user:<id>`), for the protocol.
    pub actor: String,
    pub until: DateTime<Utc>,
}

impl Job for EraseAfterNotices {
    const KIND: &'static str = "privacy_erase";
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(&self, _ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow::anyhow!("an erasure belongs to a restaurant"))?;
        let seed = Person {
            guests: self.guests.clone(),
            ..Person::default()
        };
        let person = tx.expand(&seed).await?;
        let now = tx.now();
        if now < self.until && tx.messages_waiting(&person).await? > 0 {
            // Look again in a minute (a new job: this one ends done).
            crate::jobs::enqueue_at(
                tx,
                &EraseAfterNotices {
                    guests: self.guests.clone(),
                    delete: self.delete,
                    actor: self.actor.clone(),
                    until: self.until,
                },
                now + Duration::minutes(1),
            )
            .await?;
            return Ok(());
        }
        let erase = if self.delete {
            Erase::Delete
        } else {
            Erase::Anonymise
        };
        tx.shred_by(
            &Scope::Erasure(&Subject::Person(person), erase),
            &self.actor,
        )
        .await?;
        Ok(())
    }
}

/// A person's export made at once (the operator's command line): the ZIP and the rows it
/// holds; logged in the protocol like every export.
pub async fn export_at_once(
    svc: &Services,
    caller: &Caller,
    lookup: &Lookup,
) -> Result<(Vec<u8>, u64), StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let person = tx.person(lookup).await?;
    let (bytes, rows) = archive(&mut tx, &person).await?;
    let hash = tx.subject_hash(&person);
    tx.log_export(rows, Some(&hash), &caller.actor.to_string())
        .await?;
    tx.commit().await?;
    Ok((bytes, rows))
}

/// The facts the DPA's annexes are generated from: this restaurant's configuration and the
/// deployment's (`platform`). Owners and managers.
pub async fn dpa_facts(
    svc: &Services,
    caller: &Caller,
    platform: &hs_domain::dpa::Platform,
    public_url: &str,
) -> Result<hs_domain::dpa::Facts, StoreError> {
    allowed(caller)?;
    let mut tx = caller.tenant(&svc.store).await?;
    facts(&mut tx, platform, public_url).await
}

/// The DPA's facts of the restaurant of `tx` (no role check: the callers make it).
pub(crate) async fn facts(
    tx: &mut TenantTx,
    platform: &hs_domain::dpa::Platform,
    public_url: &str,
) -> Result<hs_domain::dpa::Facts, StoreError> {
    let settings = tx.reservation_settings().await?;
    let voice = tx.voice_settings().await?;
    let mut providers = tx.voice_providers().await?;
    if voice.has_retell_key && !providers.iter().any(|p| p == "retell") {
        providers.push("retell".into());
    }
    let agent = tx.agent_settings().await?;
    let address = [
        settings.street.as_str(),
        &format!("{} {}", settings.postcode, settings.city),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    Ok(hs_domain::dpa::Facts {
        restaurant: tx.restaurant().await?.name,
        address,
        public_url: public_url.to_string(),
        generated_on: tx.now().format("%Y-%m-%d").to_string(),
        voice: providers,
        web_chat: !tx.widget_settings().await?.origins.is_empty(),
        whatsapp: tx.whatsapp_settings().await?.map(|w| w.route),
        mail: tx
            .mail_settings()
            .await?
            .map_or_else(|| "platform".to_string(), |m| m.transport),
        platform_mail: platform.mail.clone(),
        model_host: agent
            .model_base_url
            .as_deref()
            .and_then(hs_domain::dpa::host_of)
            .or_else(|| platform.model_host.clone()),
        file_store: platform.file_store.clone(),
        virus_scan: platform.virus_scan,
        owner_2fa_required: tx.settings().await?.require_owner_2fa,
        registered: tx
            .sub_processors_in_effect()
            .await?
            .into_iter()
            .filter(|p| !hs_domain::dpa::FROM_SETTINGS.contains(&p.key.as_str()))
            .map(|p| hs_domain::dpa::Registered {
                name: p.name,
                service: p.service,
                location: p.location,
                basis: p.basis,
            })
            .collect(),
        voice_retention_days: voice.retention_days,
        chat_retention_days: agent.retention_days,
        message_text_days: hs_store::privacy::BODY_RETENTION_DAYS,
        webhook_log_days: hs_store::privacy::EVENT_RETENTION_DAYS,
        export_link_hours: EXPORT_LINK_HOURS,
        deletion_after_days: hs_store::privacy::offboarding::DELETION_AFTER_DAYS,
        backup_rollover_days: crate::offboarding::BACKUP_ROLLOVER_DAYS,
    })
}
