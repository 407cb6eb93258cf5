//! Extractors that turn bad input into a 4xx naming the field: JSON bodies (malformed, wrong
//! types, unknown enum values, missing fields), path parameters (invalid UUIDs) and query
//! strings. Bodies are read up to the configured limit; beyond it, 413.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// Reads the body up to the limit.
pub async fn read_body(req: Request, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("request body is larger than {limit} bytes"),
            )
        })
}

/// Turns a serde path (`guest.name`, `items[2]`) into the field name we report.
fn field_of(path: &serde_path_to_error::Path) -> Option<String> {
    let s = path.to_string();
    (s != ".").then_some(s)
}

/// Where serde reports "missing field `x`", the field is in the message, not the path.
fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// Parses JSON bytes, naming the field at fault. A number with a zero fraction (`40.0`) is
/// the whole number it equals: JSON and JSON Schema do not tell them apart, so clients
/// generated from the OpenAPI document may send either.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.to_string()))?;
    whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let msg = e.inner().to_string();
        let field = missing_field(&msg).or_else(|| field_of(e.path()));
        let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", msg);
        err.field = field;
        err
    })
}

/// Turns every float with a zero fraction that fits an `i64` into that integer.
fn whole_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

fn require_json(req: &Request) -> Result<(), ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ))
    }
}

/// A JSON body together with its exact bytes (for idempotency keys).
pub struct JsonWithBytes<T>(pub T, pub axum::body::Bytes);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonWithBytes<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        require_json(&req)?;
        let bytes = read_body(req, state.config.body_limit).await?;
        Ok(JsonWithBytes(parse_json(&bytes)?, bytes))
    }
}

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        require_json(&req)?;
        let bytes = read_body(req, state.config.body_limit).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Path parameters; a bad UUID names the parameter.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rej) => {
                use axum::extract::path::ErrorKind;
                let (field, msg) = match rej {
                    axum::extract::rejection::PathRejection::FailedToDeserializePathParams(e) => {
                        match e.into_kind() {
                            ErrorKind::ParseErrorAtKey {
                                key,
                                value,
                                expected_type,
                            } => (
                                Some(key),
                                format!("{value:?} is not {}", describe(expected_type)),
                            ),
                            ErrorKind::ParseError {
                                value,
                                expected_type,
                            } => (
                                None,
                                format!("{value:?} is not {}", describe(expected_type)),
                            ),
                            ErrorKind::DeserializeError { key, message, .. } => {
                                (Some(key), message)
                            }
                            other => (None, other.to_string()),
                        }
                    }
                    other => (None, other.body_text()),
                };
                let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", msg);
                e.field = field;
                Err(e)
            }
        }
    }
}

/// How a path parameter's expected type reads in an error message.
fn describe(expected_type: &str) -> String {
    if expected_type.contains("Uuid") {
        "a UUID".into()
    } else {
        expected_type.to_string()
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let msg = e.inner().to_string();
                let field = missing_field(&msg).or_else(|| field_of(e.path()));
                let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", msg);
                err.field = field;
                err
            })
    }
}

/// One query-string parameter, decoded.
pub fn query_param(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    })
}

/// The query's `date` as `YYYY-MM-DD`; `None` when absent or not a date (the page then shows
/// its default day).
pub fn query_date(uri: &axum::http::Uri) -> Option<chrono::NaiveDate> {
    query_param(uri, "date").and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A URL-encoded form body as name → value (the last value wins), read within the body limit.
pub struct FormFields(pub std::collections::HashMap<String, String>);

impl FromRequest<AppState> for FormFields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let bytes = read_body(req, state.config.body_limit).await?;
        Ok(FormFields(form_pairs(&bytes).into_iter().collect()))
    }
}

impl FormFields {
    /// A field's value, or "" when absent.
    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }

    /// The numbers `i` of the form's numbered rows whose `{prefix}{i}_{key}` is filled in,
    /// in order. Rows are numbered from 0 and end at the first missing one (at most 100).
    pub fn filled_rows(&self, prefix: &str, key: &str) -> Vec<usize> {
        (0..100)
            .map(|i| (i, self.0.get(&format!("{prefix}{i}_{key}"))))
            .take_while(|(_, v)| v.is_some())
            .filter(|(_, v)| v.is_some_and(|v| !v.trim().is_empty()))
            .map(|(i, _)| i)
            .collect()
    }

    /// The names of the fields sent (e.g. the ticked checkboxes).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::{form_pairs, parse_json, FormFields};

    #[test]
    fn whole_number_floats_are_integers_and_fractions_are_refused() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Body {
            party_size: u32,
            tables: Vec<i32>,
        }
        let b: Body = parse_json(br#"{"party_size": 4.0, "tables": [-2.0, 3]}"#).expect("whole");
        assert_eq!(
            b,
            Body {
                party_size: 4,
                tables: vec![-2, 3]
            }
        );
        let e = parse_json::<Body>(br#"{"party_size": 4.5, "tables": []}"#).expect_err("fraction");
        assert_eq!(e.field.as_deref(), Some("party_size"));
        let e = parse_json::<Body>(br#"{"party_size": 4"#).expect_err("syntax");
        assert_eq!(e.code, "malformed_json");
    }

    #[test]
    fn filled_rows_skip_blank_rows_and_end_at_the_first_missing_one() {
        let form = FormFields(
            [
                ("p0_name", "Mittag"),
                ("p1_name", "  "),
                ("p2_name", "Abend"),
                ("p4_name", "x"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        assert_eq!(form.filled_rows("p", "name"), [0, 2]);
        assert!(form.filled_rows("t", "minutes").is_empty());
    }

    #[test]
    fn form_pairs_decode_plus_percent_and_bad_escapes() {
        assert_eq!(
            form_pairs(b"email=anna%40example.de&name=Anna+M%C3%BCller&x=%zz&flag"),
            vec![
                ("email".to_string(), "anna@example.de".to_string()),
                ("name".to_string(), "Anna Müller".to_string()),
                ("x".to_string(), "%zz".to_string()),
                ("flag".to_string(), String::new()),
            ]
        );
    }
}
