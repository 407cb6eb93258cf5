//! The demo restaurant: created idempotently by `hostsystem demo` and `serve --demo`, with one
//! user per role and a manager API token, printed as JSON for people and tools.

use anyhow::{Context, Result};
use hs_domain::Role;
use hs_store::accounts::NewUser;
use hs_store::{Actor, Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// Name of the demo restaurant (other tools rely on it).
pub const RESTAURANT: &str = "Trattoria Demo";

/// A demo login.
#[derive(Serialize, Clone, Debug)]
pub struct DemoUser {
    pub email: String,
    pub password: String,
    pub role: Role,
}

/// What `hostsystem demo --json` prints.
#[derive(Serialize, Clone, Debug)]
pub struct DemoInfo {
    pub base_url: String,
    pub restaurant_id: Uuid,
    pub restaurant_name: String,
    pub users: Vec<DemoUser>,
    pub api_token: String,
    pub voice: DemoVoice,
    pub agent: DemoAgent,
    pub widget: DemoWidget,
}

/// The demo restaurant's website widget: its public id, the script tag to paste, and the
/// hosted booking page.
#[derive(Serialize, Clone, Debug)]
pub struct DemoWidget {
    pub public_id: String,
    pub snippet: String,
    pub booking_page: String,
}

/// The demo restaurant's chat agent as an OpenAI-compatible model: point any OpenAI client
/// (or a voice platform's custom-LLM mode) at `base_url` with `key`.
#[derive(Serialize, Clone, Debug)]
pub struct DemoAgent {
    /// The agent key (the restaurant's voice secret), sent as a bearer token.
    pub key: String,
    /// The OpenAI client's base URL (`…/v1`).
    pub base_url: String,
    pub chat_completions_url: String,
}

/// The demo restaurant's voice-AI webhook secret, Retell key and URLs (issued afresh on every
/// run, like the API token).
#[derive(Serialize, Clone, Debug)]
pub struct DemoVoice {
    pub secret: String,
    pub retell_key: String,
    /// Generic JSON tools (GoHighLevel custom actions); replace `{tool}`.
    pub tools_url: String,
    pub vapi_url: String,
    /// Retell custom functions; Retell call events go to `retell_webhook_url`.
    pub retell_url: String,
    pub retell_webhook_url: String,
}

const USERS: [(&str, &str, &str, Role); 3] = [
    (
        "owner@trattoria-demo.example",
        "Olivia Owner",
        "Basilikum-Inhaberin-Demo-2026",
        Role::Owner,
    ),
    (
        "manager@trattoria-demo.example",
        "Marco Manager",
        "Basilikum-Manager-Demo-2026",
        Role::Manager,
    ),
    (
        "staff@trattoria-demo.example",
        "Sofia Staff",
        "Basilikum-Service-Demo-2026",
        Role::Staff,
    ),
];

/// Creates what is missing of the demo restaurant, resets the demo users' passwords to the
/// printed ones when they were changed, and issues a fresh manager API token (revoking the
/// previous demo token).
pub async fn ensure(store: &Store, base_url: &str) -> Result<DemoInfo> {
    let existing = store
        .all_restaurants()
        .await?
        .into_iter()
        .find(|r| r.name == RESTAURANT);
    let restaurant = match existing {
        Some(r) => r,
        None => store.create_restaurant(RESTAURANT, &Actor::Cli).await?,
    };
    let mut users = Vec::new();
    for (email, name, password, role) in USERS {
        let user = match store.user_by_email(email).await? {
            Some(u) => {
                if store.check_password(email, password).await?.is_none() {
                    store.admin_set_password(u.id, password).await?;
                }
                u
            }
            None => {
                store
                    .create_user(
                        NewUser {
                            email,
                            name,
                            password,
                            language: "de",
                            platform_admin: false,
                        },
                        &Actor::Cli,
                    )
                    .await?
            }
        };
        let mut tx = store.tenant(restaurant.id, &Actor::Cli).await?;
        match tx.role_of(user.id).await? {
            None => tx.add_member(user.id, role).await?,
            Some(r) if r != role => tx.change_role(user.id, role).await?,
            Some(_) => {}
        }
        tx.commit().await?;
        users.push(DemoUser {
            email: email.into(),
            password: password.into(),
            role,
        });
    }
    let mut tx = store.tenant(restaurant.id, &Actor::Cli).await?;
    for t in tx.api_tokens().await? {
        if t.name == "demo" && t.revoked_at.is_none() {
            match tx.revoke_api_token(t.id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let (_, api_token) = tx.create_api_token("demo", Role::Manager, None).await?;
    let secret = tx.rotate_voice_secret().await?;
    tx.end_voice_rotation().await?;
    let retell_key = format!("key_demo_{}", hs_store::secret::random_token());
    tx.set_retell_key(Some(&retell_key)).await?;
    tx.commit().await.context("committing demo token")?;
    let base = format!(
        "{}/api/v1/voice/{}",
        base_url.trim_end_matches('/'),
        restaurant.id
    );
    let agent_base = format!(
        "{}/api/v1/agent/{}/v1",
        base_url.trim_end_matches('/'),
        restaurant.id
    );
    let agent = DemoAgent {
        key: secret.clone(),
        chat_completions_url: format!("{agent_base}/chat/completions"),
        base_url: agent_base,
    };
    let voice = DemoVoice {
        secret,
        retell_key,
        tools_url: format!("{base}/tools/{{tool}}"),
        vapi_url: format!("{base}/vapi"),
        retell_url: format!("{base}/retell/function"),
        retell_webhook_url: format!("{base}/retell/webhook"),
    };
    let mut tx = store.tenant(restaurant.id, &Actor::Cli).await?;
    let fresh = tx.tables().await?.is_empty();
    if fresh {
        // The demo's history happened before the demo: nobody is told about it.
        tx.without_guest_messages();
        configure(&mut tx).await?;
        reservations(&mut tx, store.clock().now()).await?;
    }
    let (public_id, slug) = tx.public_ids().await?;
    tx.commit().await.context("committing demo setup")?;
    let widget = DemoWidget {
        snippet: hs_domain::widget::snippet(base_url, &public_id),
        booking_page: hs_domain::online::page_url(base_url, &slug),
        public_id,
    };
    if fresh {
        // One booking made now, as a guest would: its confirmation (with the self-service
        // link) is the demo's first mail under <data dir>/mail once the server runs.
        let mut tx = store.tenant(restaurant.id, &Actor::Guest).await?;
        guest_booking(&mut tx, store.clock().now()).await?;
        tx.commit()
            .await
            .context("committing the demo guest's booking")?;
    }
    Ok(DemoInfo {
        base_url: base_url.to_string(),
        restaurant_id: restaurant.id,
        restaurant_name: restaurant.name,
        users,
        api_token,
        voice,
        agent,
        widget,
    })
}

use chrono::TimeZone;

fn hm(s: &str) -> chrono::NaiveTime {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").expect("demo times are valid")
}

/// Trattoria Demo exactly as other tools expect it: hours, closures, turn times, pacing,
/// approval limit, areas, tables and combinations.
pub async fn configure(tx: &mut hs_store::TenantTx) -> Result<()> {
    use hs_store::setup::{
        Closure, Combination, ReservationSettings, ServicePeriod, Table, TurnBand,
    };
    tx.set_reservation_settings(&ReservationSettings {
        time_zone: "Europe/Berlin".into(),
        languages: vec!["de".into(), "en".into()],
        street: "Hauptstraße 12".into(),
        postcode: "79098".into(),
        city: "Freiburg".into(),
        country: "DE".into(),
        phone: "+49 761 1234567".into(),
        email: "info@trattoria-demo.example".into(),
        website: String::new(),
        slot_minutes: 15,
        horizon_days: 90,
        lead_minutes: 60,
        pacing_covers: Some(16),
        approval_above: 8,
        staff_read_special: false,
    })
    .await?;
    let mut periods = Vec::new();
    for weekday in 1..=4 {
        periods.push(ServicePeriod {
            weekday,
            name: "Abendessen".into(),
            start: hm("17:30"),
            end: hm("22:30"),
            last_seating: hm("21:30"),
        });
    }
    for weekday in 5..=6 {
        periods.push(ServicePeriod {
            weekday,
            name: "Mittagessen".into(),
            start: hm("12:00"),
            end: hm("15:00"),
            last_seating: hm("14:00"),
        });
        periods.push(ServicePeriod {
            weekday,
            name: "Abendessen".into(),
            start: hm("17:00"),
            end: hm("23:00"),
            last_seating: hm("21:30"),
        });
    }
    tx.set_service_periods(&periods).await?;
    let year = chrono::Datelike::year(&tx.now_local_date().await?);
    for y in [year, year + 1] {
        let day = |d| chrono::NaiveDate::from_ymd_opt(y, 12, d).expect("December date");
        tx.add_closure(&Closure {
            id: None,
            first_day: day(24),
            last_day: day(26),
            reason: "Weihnachten".into(),
        })
        .await?;
    }
    tx.set_turn_times(&[
        TurnBand {
            min_party: 1,
            max_party: Some(2),
            minutes: 90,
        },
        TurnBand {
            min_party: 3,
            max_party: Some(4),
            minutes: 120,
        },
        TurnBand {
            min_party: 5,
            max_party: Some(6),
            minutes: 150,
        },
        TurnBand {
            min_party: 7,
            max_party: None,
            minutes: 180,
        },
    ])
    .await?;
    let innen = tx.add_area("Innen").await?;
    let terrasse = tx.add_area("Terrasse").await?;
    let mut ids = std::collections::HashMap::new();
    let mut specs: Vec<(String, Uuid, i32, i32)> = Vec::new();
    specs.extend((1..=6).map(|i| (format!("T{i}"), innen.id, 1, 2)));
    specs.extend((7..=10).map(|i| (format!("T{i}"), innen.id, 2, 4)));
    specs.extend((11..=12).map(|i| (format!("T{i}"), innen.id, 4, 6)));
    specs.extend((20..=23).map(|i| (format!("T{i}"), terrasse.id, 2, 4)));
    for (name, area_id, min_seats, max_seats) in specs {
        let t = tx
            .add_table(&Table {
                id: Uuid::nil(),
                area_id,
                name: name.clone(),
                min_seats,
                max_seats,
                bookable_online: true,
            })
            .await?;
        ids.insert(name, t.id);
    }
    for (a, b, min, max) in [
        ("T7", "T8", 5, 8),
        ("T9", "T10", 5, 8),
        ("T11", "T12", 7, 12),
    ] {
        tx.add_combination(&Combination {
            id: Uuid::nil(),
            name: format!("{a}+{b}"),
            min_seats: min,
            max_seats: max,
            table_ids: vec![ids[a], ids[b]],
        })
        .await?;
    }
    Ok(())
}

/// Realistic reservations for the past 14 and the next 7 days, across channels and states.
/// The demo guest's booking: two people, 19:00, on the first open day from three days on.
async fn guest_booking(
    tx: &mut hs_store::TenantTx,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use hs_domain::reservation::Channel;
    use hs_store::booking::{GuestInput, NewReservation};
    let tz = tx.rules().await?.tz;
    let today = now.with_timezone(&tz).date_naive();
    for days in 3..10 {
        let req = NewReservation {
            date: today + chrono::Duration::days(days),
            time: chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap_or_default(),
            party_size: 2,
            guest: GuestInput {
                name: "Greta Gast".into(),
                phone: Some("+49 151 23456789".into()),
                email: Some("greta.gast@example.com".into()),
                language: Some("de".into()),
                salutation: None,
                whatsapp_opt_in: None,
            },
            notes: String::new(),
            special_notes: None,
            channel: Channel::Api,
            tables: None,
        };
        if tx.create_reservation(&req).await?.is_ok() {
            return Ok(());
        }
    }
    Ok(())
}

async fn reservations(
    tx: &mut hs_store::TenantTx,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use hs_domain::availability::{self, Audience};
    use hs_domain::reservation::{Channel, Status};
    use hs_store::booking::{GuestInput, NewReservation};
    const NAMES: [&str; 16] = [
        "Anna Weber",
        "Lukas Schmidt",
        "Sophie Müller",
        "Jonas Fischer",
        "Marie Wagner",
        "Paul Becker",
        "Emma Hoffmann",
        "Felix Schäfer",
        "Laura Koch",
        "Ben Richter",
        "Mia Klein",
        "Noah Wolf",
        "Hannah Neumann",
        "Elias Schwarz",
        "Lea Zimmermann",
        "David Braun",
    ];
    let channels = [
        Channel::PhoneAi,
        Channel::Chat,
        Channel::Whatsapp,
        Channel::Dashboard,
        Channel::Api,
        Channel::Email,
    ];
    let tz: chrono_tz::Tz = chrono_tz::Europe::Berlin;
    let today = now.with_timezone(&tz).date_naive();
    let mut n: u64 = 0;
    let mut by_phone = Vec::new();
    for offset in -14i64..=7 {
        let date = today + chrono::Duration::days(offset);
        // Past days are booked as if it were then, so the engine's lead time and horizon allow them.
        let then = if offset <= 0 {
            tz.from_local_datetime(&(date - chrono::Duration::days(1)).and_time(hm("10:00")))
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now)
        } else {
            now
        };
        let snap = tx.snapshot(date).await?;
        let Ok(free) = availability::slots(&snap, date, 2, then, Audience::Staff) else {
            continue;
        };
        let times: Vec<_> = free.iter().map(|s| s.local.time()).collect();
        for k in 0..(6 + (offset.unsigned_abs() % 4) as usize) {
            n += 1;
            let Some(time) = times
                .get((k * 5 + n as usize) % times.len().max(1))
                .copied()
            else {
                break;
            };
            let party = [2u32, 2, 4, 3, 2, 6, 5, 2, 4, 9][(n % 10) as usize];
            let name = NAMES[(n % 16) as usize];
            let req = NewReservation {
                date,
                time,
                party_size: party,
                guest: GuestInput {
                    name: name.into(),
                    phone: Some(format!("+49 151 {:08}", 20_000_000 + n * 7919 % 9_000_000)),
                    email: Some(format!(
                        "{}@example.com",
                        name.to_lowercase()
                            .replace(' ', ".")
                            .replace('ü', "ue")
                            .replace('ä', "ae")
                    )),
                    language: Some(if n.is_multiple_of(5) {
                        "en".into()
                    } else {
                        "de".into()
                    }),
                    salutation: None,
                    whatsapp_opt_in: None,
                },
                notes: if n.is_multiple_of(7) {
                    "Fensterplatz, wenn möglich".into()
                } else {
                    String::new()
                },
                special_notes: if n.is_multiple_of(9) {
                    Some("Nussallergie".into())
                } else {
                    None
                },
                channel: channels[(n % 6) as usize],
                tables: None,
            };
            let created = tx.create_reservation_at(&req, then).await?;
            let Ok(mut r) = created else { continue };
            if r.channel == Channel::PhoneAi {
                by_phone.push((r.clone(), then));
            }
            if offset < 0 && r.status == Status::Pending {
                r = tx.transition(r.id, Status::Confirmed).await?;
            }
            if offset < 0 {
                let end = match n % 10 {
                    0 => Some(Status::NoShow),
                    1 => Some(Status::Cancelled),
                    _ => None,
                };
                match end {
                    Some(Status::NoShow) if r.status == Status::Confirmed => {
                        tx.transition(r.id, Status::NoShow).await?;
                    }
                    Some(Status::Cancelled) => {
                        tx.transition(r.id, Status::Cancelled).await?;
                    }
                    _ if r.status == Status::Confirmed => {
                        tx.transition(r.id, Status::Seated).await?;
                        tx.transition(r.id, Status::Completed).await?;
                    }
                    _ => {}
                }
            } else if offset > 0 && n.is_multiple_of(11) && r.status == Status::Confirmed {
                tx.transition(r.id, Status::Cancelled).await?;
            }
        }
    }
    calls(tx, &by_phone, now).await
}

/// The phone agent's calls that made the demo's phone bookings, plus one caller who only
/// asked for the opening hours and one large group handed over to the team.
async fn calls(
    tx: &mut hs_store::TenantTx,
    booked: &[(
        hs_store::booking::Reservation,
        chrono::DateTime<chrono::Utc>,
    )],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use hs_store::voice::{CallEnd, Outcome, Provider};
    use serde_json::json;
    let minutes = chrono::Duration::minutes;
    let mut n = 0;
    for (r, then) in booked.iter().rev().take(8) {
        n += 1;
        let guest = r.guest.as_ref().map(|g| g.name.as_str()).unwrap_or("Gast");
        let phone = r.guest.as_ref().and_then(|g| g.phone.as_deref());
        let day = hs_domain::say::day(r.date, "de");
        let id = tx
            .voice_call(Provider::Vapi, &format!("demo-call-{n}"), phone, "de")
            .await?;
        for tool in ["check_availability", "create_reservation"] {
            tx.voice_event(
                id,
                "tool_call",
                tool,
                Some(&format!("demo-tc-{n}-{tool}")),
                Some(true),
                &json!({"args": {"date": r.date, "time": r.time, "party_size": r.party_size}}),
            )
            .await?;
        }
        tx.voice_outcome(id, Outcome::Booked, Some(r.id)).await?;
        let transcript = format!(
            "Agent: Trattoria Demo, guten Tag! Wie kann ich Ihnen helfen?\nGast: Ich hätte gern einen Tisch für {p} Personen am {day} um {t} Uhr.\n\
             Agent: Einen Moment, ich schaue nach … Um {t} Uhr ist ein Tisch frei. Auf welchen Namen darf ich reservieren?\nGast: {guest}.\n\
             Agent: Ich habe für Sie reserviert. Ihre Buchungsnummer ist {code}.\nGast: Vielen Dank, bis dann!",
            p = r.party_size, t = r.time, code = hs_domain::say::spell(&r.code)
        );
        // Bookings for the coming days were all made "now"; spread their calls over the last hours.
        let at = (*then).min(now - minutes(97 * n));
        tx.voice_call_ended(
            id,
            &CallEnd {
                started_at: Some(at - minutes(2)),
                ended_at: Some(at),
                transcript: Some(transcript),
                summary: Some(format!(
                    "{guest} hat einen Tisch für {} Personen am {day} um {} Uhr reserviert.",
                    r.party_size, r.time
                )),
                ended_reason: Some("customer-ended-call".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    for (ext, outcome, ago, transcript, summary) in [
        ("demo-call-hours", Outcome::Informed, 26, "Agent: Trattoria Demo, guten Tag!\nGast: Haben Sie am Montag geöffnet?\nAgent: Montags haben wir Ruhetag; von Dienstag bis Freitag sind wir ab 17:30 Uhr für Sie da.\nGast: Danke!", "Frage nach den Öffnungszeiten am Montag."),
        ("demo-call-group", Outcome::HandedOver, 50, "Agent: Trattoria Demo, guten Tag!\nGast: Wir sind 20 Personen für eine Weihnachtsfeier.\nAgent: Für so eine große Gruppe gebe ich Ihr Anliegen an das Team weiter; man ruft Sie zurück.", "Weihnachtsfeier mit 20 Personen, Rückruf erbeten."),
    ] {
        let id = tx.voice_call(Provider::Vapi, ext, Some("+49 761 555 0199"), "de").await?;
        let tool = if outcome == Outcome::Informed { "restaurant_info" } else { "hand_over_to_staff" };
        tx.voice_event(id, "tool_call", tool, None, Some(true), &json!({})).await?;
        tx.voice_outcome(id, outcome, None).await?;
        let at = now - chrono::Duration::hours(ago);
        tx.voice_call_ended(id, &CallEnd {
            started_at: Some(at),
            ended_at: Some(at + minutes(1)),
            transcript: Some(transcript.into()),
            summary: Some(summary.into()),
            ended_reason: Some("customer-ended-call".into()),
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}
