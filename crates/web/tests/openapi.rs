//! The OpenAPI document changes only on purpose: it must equal the committed snapshot
//! (`UPDATE_SNAPSHOTS=1 cargo test -p hs-web --test openapi` rewrites it after a deliberate
//! change), be OpenAPI 3.1, and list the error responses on every operation.

use serde_json::Value;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi.json");

#[test]
fn openapi_document_matches_the_committed_snapshot() {
    let doc = hs_web::api::openapi::json();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, format!("{doc}\n")).expect("write snapshot");
    }
    let committed = std::fs::read_to_string(SNAPSHOT)
        .expect("snapshot exists (run with UPDATE_SNAPSHOTS=1 once)");
    assert_eq!(
        doc.trim_end(),
        committed.trim_end(),
        "the API changed: review, then UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn openapi_is_3_1_and_every_operation_documents_its_errors() {
    let doc: Value = serde_json::from_str(&hs_web::api::openapi::json()).expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for required in [
        "/api/v1/availability",
        "/api/v1/reservations",
        "/api/v1/reservations/{id}",
        "/api/v1/guests",
        "/api/v1/tables",
    ] {
        assert!(paths.contains_key(required), "{required} missing");
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            operations += 1;
            let responses = op["responses"].as_object().expect("responses");
            if path == "/api/health" {
                assert!(responses.contains_key("503"));
                continue;
            }
            // Voice webhooks and the agent's endpoint answer refusals inside a 200 (what the
            // caller is told) and only fail on transport: bad JSON, secret or signature, size,
            // rate.
            let required: &[&str] =
                if path.starts_with("/api/v1/voice/") || path.starts_with("/api/v1/agent/") {
                    &["400", "401", "413", "429", "500"]
                } else {
                    &["400", "401", "403", "404", "422", "500"]
                };
            for status in required.iter().copied() {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
                // The error shape, by reference or inlined: `{"error": ErrorDetail}`.
                let schema = &responses[status]["content"]["application/json"]["schema"];
                let shaped = schema["$ref"] == "#/components/schemas/ErrorBody"
                    || schema["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail";
                assert!(shaped, "{method} {path} {status}: {schema}");
            }
        }
    }
    assert!(operations >= 29, "{operations} operations");
    let rejection = &doc["paths"]["/api/v1/reservations"]["post"]["responses"]["409"]["content"]
        ["application/json"]["schema"]["$ref"];
    assert_eq!(rejection, "#/components/schemas/RejectionBody");
}
