//! The OpenAPI schemas of the records the API sends and takes (reservations, guests, the
//! setup, tokens, the audit log), owned by the API: the store and the domain know nothing of
//! OpenAPI. Each mirrors the JSON its record serialises to; a test holds every mirror against
//! a sample record, so they cannot drift apart.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hs_domain::validate::hhmm;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A member's role in a restaurant; owners can do everything managers can, managers everything
/// staff can.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Manager,
    Owner,
}

/// Where a reservation stands.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the restaurant's approval (large parties).
    Pending,
    Confirmed,
    Seated,
    Completed,
    Cancelled,
    NoShow,
}

/// How a reservation came in.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    PhoneAi,
    Chat,
    Whatsapp,
    Email,
    Dashboard,
    WalkIn,
    Api,
    Online,
}

/// Who the reservation is for, as given by the caller.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^(de|en)$")]
    pub language: Option<String>,
    #[serde(default)]
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub salutation: Option<String>,
    /// The guest agreed to messages on WhatsApp (recorded with time and channel).
    #[serde(default)]
    pub whatsapp_opt_in: Option<bool>,
}

/// The guest as shown with a reservation.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GuestRef {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
}

/// A reservation as the API shows it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    pub id: Uuid,
    pub code: String,
    pub status: Status,
    pub channel: Channel,
    /// Local date and time in the restaurant's zone.
    pub date: NaiveDate,
    pub time: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub party_size: i32,
    pub tables: Vec<String>,
    pub notes: String,
    /// Only for roles allowed to read special-category data; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_notes: Option<String>,
    /// Whether special-category notes exist (shown as a flag to everyone).
    pub has_special_notes: bool,
    pub guest: Option<GuestRef>,
    pub created_at: DateTime<Utc>,
}

/// A guest as the API shows it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Guest {
    pub id: Uuid,
    pub name: String,
    pub salutation: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub tags: Vec<String>,
    pub notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_notes: Option<String>,
    pub has_special_notes: bool,
    pub visit_count: i32,
    pub no_show_count: i32,
    pub created_at: DateTime<Utc>,
}

/// Changes to a guest; absent fields stay as they are.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestChanges {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 30, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub salutation: Option<String>,
    /// Empty string clears it.
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub phone: Option<String>,
    /// Empty string clears it.
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub email: Option<String>,
    #[schema(pattern = "^(de|en)$")]
    pub language: Option<String>,
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    pub notes: Option<String>,
    /// Empty string clears them.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    pub special_notes: Option<String>,
}

/// Reservation settings of a restaurant.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReservationSettings {
    #[schema(min_length = 1, max_length = 64, example = "Europe/Berlin")]
    pub time_zone: String,
    pub languages: Vec<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub street: String,
    #[schema(max_length = 20, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub postcode: String,
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub city: String,
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    #[schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub phone: String,
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub email: String,
    #[schema(max_length = 300, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub website: String,
    #[schema(minimum = 5, maximum = 60, multiple_of = 5.0)]
    pub slot_minutes: i32,
    #[schema(minimum = 1, maximum = 730)]
    pub horizon_days: i32,
    #[schema(minimum = 0, maximum = 10080)]
    pub lead_minutes: i32,
    #[schema(minimum = 1, maximum = 10000)]
    pub pacing_covers: Option<i32>,
    #[schema(minimum = 1, maximum = 1000)]
    pub approval_above: i32,
    pub staff_read_special: bool,
}

/// A service period as stored and sent.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ServicePeriod {
    /// 0 = Monday … 6 = Sunday.
    #[schema(minimum = 0, maximum = 6)]
    pub weekday: i16,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub last_seating: NaiveTime,
}

/// A special day's period (replaces the weekday's periods that date).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SpecialDay {
    pub day: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub start: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub end: NaiveTime,
    #[serde(deserialize_with = "hhmm::deserialize")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$")]
    pub last_seating: NaiveTime,
}

/// A closure.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Closure {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub reason: String,
}

/// A turn-time band.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TurnBand {
    #[schema(minimum = 1, maximum = 1000)]
    pub min_party: i32,
    #[schema(minimum = 1, maximum = 1000)]
    pub max_party: Option<i32>,
    #[schema(minimum = 15, maximum = 720)]
    pub minutes: i32,
}

/// An area of the dining room.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Area {
    pub id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
}

/// A table.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Table {
    pub id: Uuid,
    pub area_id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(minimum = 1, maximum = 50)]
    pub min_seats: i32,
    #[schema(minimum = 1, maximum = 50)]
    pub max_seats: i32,
    pub bookable_online: bool,
}

/// A table combination.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Combination {
    pub id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(minimum = 1, maximum = 100)]
    pub min_seats: i32,
    #[schema(minimum = 1, maximum = 100)]
    pub max_seats: i32,
    pub table_ids: Vec<Uuid>,
}

/// Changes to a table; absent fields stay.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableChanges {
    pub area_id: Option<Uuid>,
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(minimum = 1, maximum = 50)]
    pub min_seats: Option<i32>,
    #[schema(minimum = 1, maximum = 50)]
    pub max_seats: Option<i32>,
    pub bookable_online: Option<bool>,
}

/// An API token as listed (never the token itself).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One audit entry: who changed which row's which columns, never the values.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// A random id: it reveals nothing about other restaurants' activity.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub table_name: String,
    pub row_id: String,
    pub action: String,
    pub changed_columns: Vec<String>,
    /// When the data this entry speaks of was anonymised or deleted (the entry stays).
    pub shredded_at: Option<DateTime<Utc>>,
}

/// The headline figures of a range (rates and occupancy as fractions; `null` where there is
/// nothing to divide by).
#[derive(Serialize, ToSchema)]
pub struct StatsHeadline {
    pub reservations: u32,
    pub covers: u32,
    pub cancelled: u32,
    pub no_shows: u32,
    /// Reservations that were due: started before now and not cancelled.
    pub due: u32,
    pub occupancy: Option<f64>,
    pub no_show_rate: Option<f64>,
    pub cancellation_rate: Option<f64>,
    pub calls: u32,
    pub chats: u32,
    pub new_guests: u32,
    pub returning_guests: u32,
}

/// A range of local days, both inclusive.
#[derive(Serialize, ToSchema)]
pub struct StatsRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Every figure of a range, compared with the range of the same length before. Breakdown
/// rows carry `key`, `reservations`, `covers`, `cancelled`, `no_shows`, `due`,
/// `no_show_rate` and `cancellation_rate`.
#[derive(Serialize, ToSchema)]
pub struct StatsFigures {
    pub range: StatsRange,
    pub headline: StatsHeadline,
    pub before: StatsHeadline,
    /// Per service period: `name`, `openings`, `covers`, `parties`, `capacity`,
    /// `occupancy`, `turns`.
    #[schema(value_type = Vec<Object>)]
    pub periods: Vec<serde_json::Value>,
    /// Covers of reservations outside every service period.
    pub outside_periods: u32,
    /// Occupancy per weekday (Monday first) and wall-clock hour 0–23.
    pub heatmap: Vec<Vec<f64>>,
    #[schema(value_type = Vec<Object>)]
    pub by_day: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub by_channel: Vec<serde_json::Value>,
    /// Party sizes 1 to 8 and `9+`.
    #[schema(value_type = Vec<Object>)]
    pub by_party: Vec<serde_json::Value>,
    /// Days between booking and visit: `same_day`, `1_day`, `2_3_days`, `4_7_days`,
    /// `8_14_days`, `15_30_days`, `31_plus`.
    #[schema(value_type = Vec<Object>)]
    pub by_lead: Vec<serde_json::Value>,
    /// Phone calls: `total`, `by_outcome` as `[outcome, count]` pairs, `handed_over_share`,
    /// `abandoned_share`.
    #[schema(value_type = Object)]
    pub calls: serde_json::Value,
    /// Chat conversations, the same shape as `calls`.
    #[schema(value_type = Object)]
    pub chats: serde_json::Value,
    /// `[channel, outcomes]` pairs (web, whatsapp, api).
    #[schema(value_type = Vec<Object>)]
    pub chats_by_channel: Vec<serde_json::Value>,
    /// `new`, `returning` and `unknown_visits` (visits without a guest card).
    #[schema(value_type = Object)]
    pub guests: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use utoipa::PartialSchema;

    /// (properties, required) of a mirror's schema.
    fn fields<T: PartialSchema>() -> (Vec<String>, Vec<String>) {
        let s = serde_json::to_value(T::schema()).expect("schema");
        let mut props: Vec<String> = s["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        props.sort();
        let mut req: Vec<String> = s["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        req.sort();
        (props, req)
    }

    /// A record serialises to exactly the properties its mirror lists, with every required one.
    fn sends<T: PartialSchema>(record: &impl serde::Serialize, what: &str) {
        let v = serde_json::to_value(record).expect("json");
        let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        let (props, req) = fields::<T>();
        assert!(
            keys.iter().all(|k| props.contains(k)),
            "{what}: {keys:?} not all in {props:?}"
        );
        assert!(
            req.iter().all(|k| keys.contains(k)),
            "{what}: required {req:?} missing in {keys:?}"
        );
    }

    /// Every property a mirror lists is a field the record takes (it refuses unknown ones).
    fn takes<T: PartialSchema, R: serde::de::DeserializeOwned>(
        what: &str,
        value_for: impl Fn(&str) -> Value,
    ) {
        let (props, _) = fields::<T>();
        let body: serde_json::Map<String, Value> =
            props.iter().map(|p| (p.clone(), value_for(p))).collect();
        if let Err(e) = serde_json::from_value::<R>(Value::Object(body)) {
            panic!("{what}: the mirror's properties {props:?} are not what the record takes: {e}");
        }
    }

    #[test]
    fn the_statistics_mirrors_match_the_figures() {
        use hs_domain::stats::{figures, Facts, Floor, Range};
        let rules = hs_domain::availability::Rules {
            tz: chrono_tz::Europe::Berlin,
            slot_minutes: 15,
            horizon_days: 30,
            lead_minutes: 0,
            pacing_covers: None,
            weekly: Default::default(),
            closures: vec![],
            special_days: Default::default(),
            turn_times: vec![],
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 29).expect("date");
        let f = figures(
            Range::new(day, day).expect("range"),
            &Facts {
                floor: Floor {
                    rules: &rules,
                    seats: 10,
                    tables: 2,
                },
                bookings: &[],
                calls: &[],
                chats: &[],
                earlier_guests: &Default::default(),
                now: chrono::Utc::now(),
            },
        );
        sends::<super::StatsFigures>(&f, "StatsFigures");
        sends::<super::StatsHeadline>(&f.headline, "StatsHeadline");
        sends::<super::StatsRange>(&f.range, "StatsRange");
    }

    #[test]
    fn every_mirror_matches_the_json_of_its_record() {
        use hs_service::model::booking::{GuestInput, GuestRef, Reservation};
        use hs_service::model::guests::{Guest, GuestChanges};
        use hs_service::model::setup::*;
        use hs_service::model::team::{ApiToken, AuditEntry};
        let now = chrono::Utc::now();
        let id = uuid::Uuid::new_v4();
        let guest = GuestRef {
            id,
            name: "Anna".into(),
            phone: Some("+4917612345678".into()),
            email: None,
            language: "de".into(),
        };
        sends::<super::GuestRef>(&guest, "GuestRef");
        let r = Reservation {
            id,
            code: "ABC234".into(),
            status: hs_domain::reservation::Status::Confirmed,
            channel: hs_domain::reservation::Channel::Api,
            date: now.date_naive(),
            time: "19:00".into(),
            starts_at: now,
            ends_at: now,
            party_size: 2,
            tables: vec!["T1".into()],
            notes: String::new(),
            special_notes: Some("Nüsse".into()),
            has_special_notes: true,
            guest: Some(guest),
            created_at: now,
        };
        sends::<super::Reservation>(&r, "Reservation");
        let g = Guest {
            id,
            name: "Anna".into(),
            salutation: String::new(),
            phone: None,
            email: None,
            language: "de".into(),
            tags: vec![],
            notes: String::new(),
            special_notes: Some("x".into()),
            has_special_notes: true,
            visit_count: 1,
            no_show_count: 0,
            created_at: now,
        };
        sends::<super::Guest>(&g, "Guest");
        let t = chrono::NaiveTime::from_hms_opt(18, 0, 0).expect("time");
        sends::<super::ServicePeriod>(
            &ServicePeriod {
                weekday: 0,
                name: "Abend".into(),
                start: t,
                end: t,
                last_seating: t,
            },
            "ServicePeriod",
        );
        sends::<super::SpecialDay>(
            &SpecialDay {
                day: now.date_naive(),
                name: "Fest".into(),
                start: t,
                end: t,
                last_seating: t,
            },
            "SpecialDay",
        );
        sends::<super::Closure>(
            &Closure {
                id: Some(id),
                first_day: now.date_naive(),
                last_day: now.date_naive(),
                reason: String::new(),
            },
            "Closure",
        );
        sends::<super::TurnBand>(
            &TurnBand {
                min_party: 1,
                max_party: None,
                minutes: 90,
            },
            "TurnBand",
        );
        sends::<super::Area>(
            &Area {
                id,
                name: "Innen".into(),
            },
            "Area",
        );
        sends::<super::Table>(
            &Table {
                id,
                area_id: id,
                name: "T1".into(),
                min_seats: 1,
                max_seats: 2,
                bookable_online: true,
            },
            "Table",
        );
        sends::<super::Combination>(
            &Combination {
                id,
                name: "T1+T2".into(),
                min_seats: 3,
                max_seats: 4,
                table_ids: vec![id],
            },
            "Combination",
        );
        let settings: ReservationSettings = serde_json::from_value(json!({
            "time_zone": "Europe/Berlin", "languages": ["de"], "street": "", "postcode": "", "city": "",
            "country": "DE", "phone": "", "email": "", "website": "", "slot_minutes": 15,
            "horizon_days": 60, "lead_minutes": 60, "pacing_covers": null, "approval_above": 8,
            "staff_read_special": false
        }))
        .expect("settings");
        sends::<super::ReservationSettings>(&settings, "ReservationSettings");
        let token = ApiToken {
            id,
            name: "Kasse".into(),
            role: hs_domain::Role::Manager,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        sends::<super::ApiToken>(&token, "ApiToken");
        let entry = AuditEntry {
            id,
            at: now,
            actor: "cli".into(),
            table_name: "guests".into(),
            row_id: id.to_string(),
            action: "insert".into(),
            changed_columns: vec![],
            shredded_at: None,
        };
        sends::<super::AuditEntry>(&entry, "AuditEntry");
        let text = |p: &str| {
            if p == "name" {
                json!("Anna")
            } else {
                Value::Null
            }
        };
        takes::<super::GuestInput, GuestInput>("GuestInput", text);
        takes::<super::GuestChanges, GuestChanges>("GuestChanges", |_| Value::Null);
        takes::<super::TableChanges, TableChanges>("TableChanges", |_| Value::Null);
    }
}

#[cfg(test)]
mod channel_tests {
    /// The documented channels are exactly the domain's (a new channel shows up in the API).
    #[test]
    fn the_documented_channels_are_the_domains() {
        for c in hs_domain::reservation::Channel::ALL {
            let v = serde_json::Value::String(c.as_str().into());
            let shape: super::Channel =
                serde_json::from_value(v).unwrap_or_else(|e| panic!("{}: {e}", c.as_str()));
            let back = serde_json::to_value(shape).expect("json");
            assert_eq!(back, c.as_str());
        }
        let doc: serde_json::Value =
            serde_json::from_str(&crate::api::openapi::json()).expect("json");
        let listed = doc["components"]["schemas"]["Channel"]["enum"]
            .as_array()
            .expect("enum")
            .len();
        assert_eq!(listed, hs_domain::reservation::Channel::ALL.len());
    }
}
