//! The processor's registers as use cases for the platform admin (a role above restaurants):
//! incidents, whose notice goes to every affected restaurant's owners by the
//! `incident_notice` job. Every admin action is logged (`hs_store::registers`).

use crate::jobs::{Job, JobContext};
use crate::reservations::Caller;
use crate::Services;
use anyhow::Result;
use hs_channels::mail::SendError;
use hs_domain::Role;
use hs_store::accounts::User;
pub use hs_store::registers::REQUEST_KINDS;
use hs_store::registers::{
    Change, Incident, Instruction, NewIncident, NewRequest, Notice, Objection, PrivacyRequest,
    SubProcessor,
};
use hs_store::{Actor, StoreError, TenantTx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A platform admin, as only [`Admin::of`] makes one.
#[derive(Clone, Debug)]
pub struct Admin {
    actor: Actor,
}

impl Admin {
    /// The user as platform admin; others are refused.
    pub fn of(user: &User) -> Result<Admin, StoreError> {
        if user.is_platform_admin {
            Ok(Admin {
                actor: Actor::User(user.id),
            })
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// The operator's command line.
    pub fn cli() -> Admin {
        Admin { actor: Actor::Cli }
    }
}

/// Records an incident and sends its notice to every affected restaurant's owners at once.
pub async fn open_incident(
    svc: &Services,
    admin: &Admin,
    n: &NewIncident,
) -> Result<Uuid, StoreError> {
    let id = svc.store.open_incident(&admin.actor, n).await?;
    crate::jobs::enqueue_platform(&svc.store, &IncidentNotice { incident_id: id }).await?;
    Ok(id)
}

/// The incidents, open first.
pub async fn incidents(svc: &Services, _admin: &Admin) -> Result<Vec<Incident>, StoreError> {
    svc.store.incidents().await
}

/// One incident with who was told when.
pub async fn incident(
    svc: &Services,
    _admin: &Admin,
    id: Uuid,
) -> Result<
    (
        Incident,
        Vec<(Uuid, String, Option<chrono::DateTime<chrono::Utc>>)>,
    ),
    StoreError,
> {
    svc.store.incident(id).await
}

/// Closes an incident.
pub async fn close_incident(svc: &Services, admin: &Admin, id: Uuid) -> Result<(), StoreError> {
    svc.store.close_incident(&admin.actor, id).await
}

/// Open incidents not yet notified everywhere: (id, seconds to the 24-hour deadline).
pub async fn deadlines(svc: &Services) -> Result<Vec<(Uuid, i64)>, StoreError> {
    svc.store.incident_deadlines().await
}

/// The incidents that concern the caller's restaurant (owners and managers).
pub async fn notices(svc: &Services, caller: &Caller) -> Result<Vec<Notice>, StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.incident_notices().await
}

/// The admin log, newest first.
pub async fn log(
    svc: &Services,
    _admin: &Admin,
) -> Result<Vec<(chrono::DateTime<chrono::Utc>, String, String, String)>, StoreError> {
    svc.store.admin_log_entries(200).await
}

/// Sends an incident's notice to the owners of each affected restaurant not yet told.
#[derive(Serialize, Deserialize)]
pub struct IncidentNotice {
    pub incident_id: Uuid,
}

impl Job for IncidentNotice {
    const KIND: &'static str = "incident_notice";
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let (incident, told) = ctx.store.incident(self.incident_id).await?;
        for (restaurant, name, at) in told {
            if at.is_some() {
                continue;
            }
            for (email, person, lang) in ctx.store.owners(restaurant).await? {
                let mut mail =
                    crate::messages::incident_notice(&lang, &email, &person, &name, &incident);
                mail.id = crate::digest::stable_id(&format!(
                    "incident:{}:{restaurant}:{email}",
                    incident.id
                ));
                match ctx.mailer.send(&mail).await {
                    Ok(_) => {}
                    Err(SendError::Permanent { reason }) => {
                        tracing::warn!(%restaurant, %reason, "incident notice refused by the mail provider");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            ctx.store.incident_notified(incident.id, restaurant).await?;
        }
        Ok(())
    }
}

/// Every restaurant (to choose the ones an incident affects).
pub async fn restaurants(
    svc: &Services,
    _admin: &Admin,
) -> Result<Vec<hs_store::team::Restaurant>, StoreError> {
    svc.store.all_restaurants().await
}

/// Announces a change of sub-processors; an addition is mailed to every restaurant's owners
/// (the `sub_processor_announcement` job) and takes effect after 14 days.
pub async fn announce(svc: &Services, admin: &Admin, c: &Change) -> Result<Change, StoreError> {
    let change = svc.store.announce_sub_processor(&admin.actor, c).await?;
    if change.kind == "add" {
        crate::jobs::enqueue_platform(
            &svc.store,
            &SubProcessorAnnouncement {
                change_id: change.id,
            },
        )
        .await?;
    } else {
        svc.store.apply_sub_processor_changes().await?;
    }
    Ok(change)
}

/// The register, and the announced changes with every restaurant's objections.
pub async fn sub_processor_register(
    svc: &Services,
    _admin: &Admin,
) -> Result<(Vec<SubProcessor>, Vec<(Change, Vec<Objection>)>), StoreError> {
    let mut changes = Vec::new();
    for c in svc.store.sub_processor_changes().await? {
        let objections = svc.store.objections_to(c.id).await?;
        changes.push((c, objections));
    }
    Ok((svc.store.sub_processors().await?, changes))
}

/// Per restaurant, the sub-processors its settings switch on and the register's others in
/// effect for it (as its DPA's Anlage 3 lists them): (restaurant name, names).
pub async fn enabled_sub_processors(
    svc: &Services,
    _admin: &Admin,
    platform: &hs_domain::dpa::Platform,
) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let mut out = Vec::new();
    for r in svc.store.all_restaurants().await? {
        let mut tx = svc.store.tenant(r.id, &Actor::System).await?;
        let facts = crate::privacy::facts(&mut tx, platform, "").await?;
        let names = hs_domain::dpa::sub_processors(&facts)
            .into_iter()
            .map(|p| p.name)
            .chain(facts.registered.into_iter().map(|p| p.name))
            .collect();
        out.push((r.name, names));
    }
    Ok(out)
}

/// For a restaurant: the sub-processors in effect for it, and the announced additions it may
/// still object to (with its own objection, if any). Owners and managers.
pub async fn sub_processors_for(
    svc: &Services,
    caller: &Caller,
) -> Result<(Vec<SubProcessor>, Vec<(Change, Option<String>)>), StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    Ok((
        tx.sub_processors_in_effect().await?,
        tx.pending_sub_processors().await?,
    ))
}

/// An owner's objection to an announced addition, with a reason.
pub async fn object(
    svc: &Services,
    caller: &Caller,
    change: Uuid,
    reason: &str,
) -> Result<(), StoreError> {
    caller.at_least(Role::Owner)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.object_to(change, reason).await?;
    tx.commit().await
}

/// Mails an announced addition to the owners of every restaurant.
#[derive(Serialize, Deserialize)]
pub struct SubProcessorAnnouncement {
    pub change_id: Uuid,
}

impl Job for SubProcessorAnnouncement {
    const KIND: &'static str = "sub_processor_announcement";
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let changes = ctx.store.sub_processor_changes().await?;
        let Some(change) = changes.into_iter().find(|c| c.id == self.change_id) else {
            return Ok(());
        };
        let link = format!("{}/privacy/sub-processors", ctx.public_url);
        for r in ctx.store.all_restaurants().await? {
            for (email, person, lang) in ctx.store.owners(r.id).await? {
                let mut mail = crate::messages::sub_processor_announcement(
                    &lang, &email, &person, &r.name, &change, &link,
                );
                mail.id = crate::digest::stable_id(&format!(
                    "sub_processor:{}:{}:{email}",
                    change.id, r.id
                ));
                match ctx.mailer.send(&mail).await {
                    Ok(_) => {}
                    Err(SendError::Permanent { reason }) => {
                        tracing::warn!(restaurant = %r.id, %reason, "announcement refused by the mail provider");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }
}

/// The nightly run that applies the changes whose 14 days are over.
#[derive(Serialize, Deserialize)]
pub struct ApplySubProcessorChanges {
    pub night: chrono::NaiveDate,
}

impl Job for ApplySubProcessorChanges {
    const KIND: &'static str = "sub_processor_changes";

    fn dedup_key(&self) -> Option<String> {
        Some(self.night.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Option<&mut TenantTx>) -> Result<()> {
        let n = ctx.store.apply_sub_processor_changes().await?;
        tracing::info!(changes = n, "sub-processor changes applied");
        Ok(())
    }
}

/// When the nightly sub-processor run happens (UTC).
pub const CHANGES_AT: chrono::NaiveTime = match chrono::NaiveTime::from_hms_opt(3, 45, 0) {
    Some(t) => t,
    None => chrono::NaiveTime::MIN,
};

/// The nightly run as a recurring job.
pub fn nightly() -> crate::jobs::Daily {
    crate::jobs::Daily {
        at: CHANGES_AT,
        make: |night| {
            ApplySubProcessorChanges { night }.to_new_job(night.and_time(CHANGES_AT).and_utc())
        },
        catch_up: false,
    }
}

/// Records a data-subject or authority request for a restaurant and forwards it to its owners
/// at once (the `forward_request` job).
pub async fn record_request(
    svc: &Services,
    admin: &Admin,
    n: &NewRequest,
) -> Result<Uuid, StoreError> {
    let mut tx = svc.store.tenant(n.restaurant, &admin.actor).await?;
    tx.restaurant().await?;
    let id = tx.record_request(n).await?;
    crate::jobs::enqueue(&mut tx, &ForwardRequest { request_id: id }).await?;
    tx.commit().await?;
    svc.store
        .admin_log(
            &admin.actor,
            "request.record",
            &format!("{}/{id}", n.restaurant),
        )
        .await?;
    Ok(id)
}

/// What a guest may ask through the request form behind the widget's and the booking page's
/// privacy link: every kind but an authority's.
pub const GUEST_REQUEST_KINDS: [&str; 7] = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "other",
];

/// A guest's own data-protection request, as the public form sends it.
#[derive(Clone, Debug, Default)]
pub struct GuestRequest {
    pub kind: String,
    pub name: String,
    /// An email address or a phone number (any format; kept as E.164).
    pub contact: String,
    /// What the guest wants, in their words; may be empty.
    pub details: String,
    /// `de` or `en`: the language the guest wrote in, for the restaurant's answer.
    pub language: String,
}

/// A guest's request as received: the restaurant's name, the day it came in and the day the
/// answer is due (both in the restaurant's zone), and a short reference.
#[derive(Clone, Debug)]
pub struct Received {
    pub restaurant: String,
    pub received: chrono::NaiveDate,
    pub due: chrono::NaiveDate,
    pub reference: String,
}

/// What the public request form shows of a restaurant.
pub struct RequestForm {
    pub restaurant: hs_store::widget::PublicRestaurant,
    pub privacy_url: Option<String>,
    /// Website origins that may show the form in a frame (the widget's list).
    pub origins: Vec<String>,
}

/// The request form of the restaurant of `slug`; `NotFound` for none.
pub async fn guest_request_form(svc: &Services, slug: &str) -> Result<RequestForm, StoreError> {
    let restaurant = crate::online::restaurant(svc, slug).await?;
    let mut tx = svc.store.tenant(restaurant.id, &Actor::Guest).await?;
    let widget = tx.widget_settings().await?;
    Ok(RequestForm {
        restaurant,
        privacy_url: widget.privacy_url,
        origins: widget.origins,
    })
}

/// Records a guest's own request (channel `widget`) for the restaurant of `slug` and forwards
/// it to its owners at once, like a request the operator records. Fields the store does not
/// know are checked here: `kind` (a [`GUEST_REQUEST_KINDS`]), `name`, `contact` (an email, or a
/// phone number in the restaurant's country or international form).
pub async fn guest_request(
    svc: &Services,
    slug: &str,
    r: &GuestRequest,
) -> Result<Received, StoreError> {
    use hs_domain::validate;
    if !GUEST_REQUEST_KINDS.contains(&r.kind.as_str()) {
        return Err(StoreError::invalid("kind", validate::Invalid::Empty));
    }
    let name = validate::name(&r.name, 200).map_err(|e| StoreError::invalid("name", e))?;
    let restaurant = crate::online::restaurant(svc, slug).await?;
    let mut tx = svc.store.tenant(restaurant.id, &Actor::Guest).await?;
    let country = tx.reservation_settings().await?.country;
    let contact = if r.contact.contains('@') {
        validate::email(&r.contact)
    } else {
        validate::phone_e164(&r.contact, &country)
    }
    .map_err(|e| StoreError::invalid("contact", e))?;
    let details =
        validate::multi_line(&r.details, 5000).map_err(|e| StoreError::invalid("details", e))?;
    let language = if r.language == "en" { "en" } else { "de" };
    let details = format!(
        "{}\n\n[{language}]",
        if details.is_empty() { "-" } else { details }
    );
    let id = tx
        .record_request(&NewRequest {
            restaurant: restaurant.id,
            kind: r.kind.clone(),
            channel: "widget".into(),
            requester: format!("{name} <{contact}>"),
            details,
            received_at: None,
        })
        .await?;
    crate::jobs::enqueue(&mut tx, &ForwardRequest { request_id: id }).await?;
    let received = tx.now_local_date().await?;
    tx.commit().await?;
    Ok(Received {
        restaurant: restaurant.name,
        received,
        due: received
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(received),
        reference: id.simple().to_string()[..8].to_uppercase(),
    })
}

/// Every restaurant's requests, for the operator: (restaurant name, request).
pub async fn all_requests(
    svc: &Services,
    _admin: &Admin,
) -> Result<Vec<(String, PrivacyRequest)>, StoreError> {
    let mut out = Vec::new();
    for r in svc.store.all_restaurants().await? {
        let mut tx = svc.store.tenant(r.id, &Actor::System).await?;
        for q in tx.privacy_requests().await? {
            out.push((r.name.clone(), q));
        }
    }
    out.sort_by_key(|(_, q)| (q.status != "open", q.due_at));
    Ok(out)
}

/// The caller's restaurant's requests (owners and managers).
pub async fn requests(svc: &Services, caller: &Caller) -> Result<Vec<PrivacyRequest>, StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.privacy_requests().await
}

/// Closes a request with the actions taken (owners and managers).
pub async fn close_request(
    svc: &Services,
    caller: &Caller,
    id: Uuid,
    status: &str,
    actions: &str,
) -> Result<(), StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.close_request(id, status, actions).await?;
    tx.commit().await
}

/// A written instruction from an owner.
pub async fn give_instruction(
    svc: &Services,
    caller: &Caller,
    body: &str,
) -> Result<Uuid, StoreError> {
    caller.at_least(Role::Owner)?;
    let mut tx = caller.tenant(&svc.store).await?;
    let id = tx.record_instruction("written", None, "", body).await?;
    tx.commit().await?;
    Ok(id)
}

/// An oral instruction, recorded by the operator with date, time and persons (§ 3.3).
pub async fn record_oral_instruction(
    svc: &Services,
    admin: &Admin,
    restaurant: Uuid,
    given_at: Option<chrono::DateTime<chrono::Utc>>,
    persons: &str,
    body: &str,
) -> Result<Uuid, StoreError> {
    let mut tx = svc.store.tenant(restaurant, &admin.actor).await?;
    tx.restaurant().await?;
    let id = tx
        .record_instruction("oral", given_at, persons, body)
        .await?;
    tx.commit().await?;
    svc.store
        .admin_log(
            &admin.actor,
            "instruction.record",
            &format!("{restaurant}/{id}"),
        )
        .await?;
    Ok(id)
}

/// Links an instruction to the action that carried it out (the operator).
pub async fn instruction_carried_out(
    svc: &Services,
    admin: &Admin,
    restaurant: Uuid,
    id: Uuid,
    action: &str,
) -> Result<(), StoreError> {
    let mut tx = svc.store.tenant(restaurant, &admin.actor).await?;
    tx.instruction_carried_out(id, action).await?;
    tx.commit().await?;
    svc.store
        .admin_log(
            &admin.actor,
            "instruction.carried_out",
            &format!("{restaurant}/{id}"),
        )
        .await
}

/// The caller's restaurant's instructions (owners and managers).
pub async fn instructions(svc: &Services, caller: &Caller) -> Result<Vec<Instruction>, StoreError> {
    caller.at_least(Role::Manager)?;
    let mut tx = caller.tenant(&svc.store).await?;
    tx.instructions().await
}

/// Every restaurant's instructions, for the operator: (restaurant id, name, instruction).
pub async fn all_instructions(
    svc: &Services,
    _admin: &Admin,
) -> Result<Vec<(Uuid, String, Instruction)>, StoreError> {
    let mut out = Vec::new();
    for r in svc.store.all_restaurants().await? {
        let mut tx = svc.store.tenant(r.id, &Actor::System).await?;
        for i in tx.instructions().await? {
            out.push((r.id, r.name.clone(), i));
        }
    }
    out.sort_by_key(|(_, _, i)| std::cmp::Reverse(i.given_at));
    Ok(out)
}

/// Tells a restaurant's owners of a request at once: its kind and due date, no words of the
/// person (they read those signed in).
#[derive(Serialize, Deserialize)]
pub struct ForwardRequest {
    pub request_id: Uuid,
}

impl Job for ForwardRequest {
    const KIND: &'static str = "forward_request";
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(&self, ctx: &JobContext, tx: Option<&mut TenantTx>) -> Result<()> {
        let tx = tx.ok_or_else(|| anyhow::anyhow!("a request belongs to a restaurant"))?;
        let Some(q) = tx
            .privacy_requests()
            .await?
            .into_iter()
            .find(|q| q.id == self.request_id)
        else {
            return Ok(());
        };
        if q.forwarded_at.is_some() {
            return Ok(());
        }
        let restaurant = tx.restaurant().await?;
        let link = format!("{}/privacy", ctx.public_url);
        let due = q.due_at.format("%Y-%m-%d").to_string();
        for (email, person, lang) in ctx.store.owners(restaurant.id).await? {
            let mut mail = crate::messages::request_forwarded(
                &lang,
                &email,
                &person,
                &restaurant.name,
                &q.kind,
                &due,
                &link,
            );
            mail.id = crate::digest::stable_id(&format!("request:{}:{email}", q.id));
            match ctx.mailer.send(&mail).await {
                Ok(_) => {}
                Err(SendError::Permanent { reason }) => {
                    tracing::warn!(restaurant = %restaurant.id, %reason, "forwarded request refused by the mail provider");
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.request_forwarded(q.id).await?;
        Ok(())
    }
}

/// The operator's record of processing (Art. 30(2) GDPR), generated from the restaurants and
/// the sub-processor register.
pub async fn record_of_processing(
    svc: &Services,
    admin: &Admin,
    lang: &str,
    public_url: &str,
) -> Result<String, StoreError> {
    let mut controllers = Vec::new();
    for r in svc.store.all_restaurants().await? {
        let ended = svc.store.contract_ended(r.id).await?;
        controllers.push((
            r.name,
            r.created_at.format("%Y-%m-%d").to_string(),
            ended.map(|t| t.format("%Y-%m-%d").to_string()),
        ));
    }
    let sub_processors = svc
        .store
        .sub_processors()
        .await?
        .into_iter()
        .map(|p| (p.name, p.service, p.location, p.basis))
        .collect();
    svc.store
        .admin_log(&admin.actor, "record.generate", lang)
        .await?;
    Ok(hs_domain::dpa::record_of_processing(
        lang,
        &hs_domain::dpa::OperatorRecord {
            public_url: public_url.to_string(),
            generated_on: svc.clock().now().format("%Y-%m-%d").to_string(),
            controllers,
            sub_processors,
        },
    ))
}
