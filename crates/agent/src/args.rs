//! Tool arguments as voice models send them: strings, numbers, ISO values or spoken forms.

use chrono::{NaiveDate, NaiveTime};
use hs_domain::spoken::{self, Spoken};
use serde_json::{Map, Value};

/// Longest text argument taken (a name, a note).
const TEXT_MAX: usize = 2000;

/// One argument after parsing.
#[derive(Debug, PartialEq)]
pub enum Parsed<T> {
    Value(T),
    Missing,
    Unclear,
    Ambiguous(Vec<T>),
}

impl<T> From<Result<T, Spoken<T>>> for Parsed<T> {
    fn from(r: Result<T, Spoken<T>>) -> Self {
        match r {
            Ok(v) => Parsed::Value(v),
            Err(Spoken::Unrecognised) => Parsed::Unclear,
            Err(Spoken::Ambiguous(o)) => Parsed::Ambiguous(o),
        }
    }
}

/// The arguments object. Some platforms send the arguments as a JSON string; that is
/// accepted too.
pub struct Args(Map<String, Value>);

impl Args {
    pub fn new(v: &Value) -> Result<Args, ()> {
        match v {
            Value::Object(m) => Ok(Args(m.clone())),
            Value::Null => Ok(Args(Map::new())),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Ok(Args(m)),
                _ => Err(()),
            },
            _ => Err(()),
        }
    }

    /// A text argument, trimmed; numbers are taken as their digits. Empty is absent.
    pub fn text(&self, k: &str) -> Option<String> {
        let s = match self.0.get(k)? {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then(|| s.chars().take(TEXT_MAX).collect())
    }

    /// A yes/no argument: true, "yes", "ja", "true" or 1 is yes; anything else (or absent) no.
    pub fn yes(&self, k: &str) -> bool {
        match self.0.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            Some(Value::String(s)) => matches!(
                s.trim().to_lowercase().as_str(),
                "yes" | "ja" | "true" | "1" | "y" | "j"
            ),
            _ => false,
        }
    }

    pub fn date(&self, k: &str, today: NaiveDate) -> Parsed<NaiveDate> {
        match self.text(k) {
            None => Parsed::Missing,
            Some(s) => spoken::date(&s, today).into(),
        }
    }

    pub fn time(&self, k: &str, open: impl Fn(NaiveTime) -> bool) -> Parsed<NaiveTime> {
        match self.text(k) {
            None => Parsed::Missing,
            Some(s) => spoken::time(&s, open).into(),
        }
    }

    pub fn party(&self, k: &str) -> Parsed<u32> {
        match self.0.get(k) {
            None | Some(Value::Null) => Parsed::Missing,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= 1000 => Parsed::Value(v as u32),
                Some(_) => Parsed::Value(1000),
                None => Parsed::Value(0),
            },
            Some(Value::String(s)) if s.trim().is_empty() => Parsed::Missing,
            Some(Value::String(s)) => spoken::party(s).into(),
            Some(_) => Parsed::Unclear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_come_as_objects_or_json_strings_and_spoken_values() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("d");
        let a = Args::new(&json!({"date": "morgen", "party_size": "zu viert", "time": "19:00", "name": "  Anna "}))
            .expect("object");
        assert_eq!(
            a.date("date", today),
            Parsed::Value(NaiveDate::from_ymd_opt(2026, 11, 25).expect("d"))
        );
        assert_eq!(a.party("party_size"), Parsed::Value(4));
        assert_eq!(a.text("name").as_deref(), Some("Anna"));
        assert_eq!(a.date("missing", today), Parsed::Missing);
        let s = Args::new(&json!("{\"party_size\": 2}")).expect("string of JSON");
        assert_eq!(s.party("party_size"), Parsed::Value(2));
        assert!(Args::new(&json!([1, 2])).is_err());
        assert!(Args::new(&json!("not json")).is_err());
        let n = Args::new(&json!({"party_size": -3, "code": 123456})).expect("o");
        assert_eq!(
            n.party("party_size"),
            Parsed::Value(0),
            "negative is no party"
        );
        assert_eq!(n.text("code").as_deref(), Some("123456"));
        let blah = Args::new(&json!({"date": "irgendwann"})).expect("o");
        assert_eq!(blah.date("date", today), Parsed::Unclear);
    }
}
