//! JSON API: health, metrics, bearer tokens and their rate, the audit log, bad input, headers.

use crate::app::TestApp;
use hs_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = app.client().get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = app
        .client()
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn health_is_200_with_database_and_503_without() {
    let app = TestApp::new().await;
    let (s, body) = get_json(&app, "/api/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok", "database": "ok"}));
    let mut su = hs_store::db::connect_superuser(app.db.socket_dir(), "postgres")
        .await
        .expect("su");
    let db = &app.db.name;
    sqlx::raw_sql(&format!(
        "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
    ))
    .execute(&mut su)
    .await
    .expect("cut the database off");
    let (s, body) = get_json(&app, "/api/health", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["database"], "unreachable");
    sqlx::raw_sql(&format!("ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS true"))
        .execute(&mut su)
        .await
        .expect("restore");
    let (s, _) = get_json(&app, "/api/health", None).await;
    assert_eq!(s, StatusCode::OK, "recovers when the database is back");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_with_latency_and_pool() {
    let app = TestApp::new().await;
    get_json(&app, "/api/health", None).await;
    get_json(&app, "/api/v1/me", None).await;
    let text = app
        .client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::app::METRICS_TOKEN)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(
            "hostsystem_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "hostsystem_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"401\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("hostsystem_http_request_duration_seconds_count{route=\"/api/health\"} 1")
    );
    assert!(text.contains("hostsystem_db_pool_connections{state=\"idle\"}"));
}

#[tokio::test]
async fn api_tokens_authenticate_with_their_role_until_revoked() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Osteria").await;
    let owner = app.api_token(r, Role::Owner).await;
    let staff = app.api_token(r, Role::Staff).await;
    let (s, me) = get_json(&app, "/api/v1/me", Some(&staff)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["role"], "staff");
    assert_eq!(me["restaurant"]["name"], "Osteria");
    let (s, body) = get_json(&app, "/api/v1/me", Some("hs_not.a.token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let tampered = format!("{}x", &staff[..staff.len() - 1]);
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&tampered)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get_json(&app, "/api/v1/api-tokens", Some(&staff)).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, list) = get_json(&app, "/api/v1/api-tokens", Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["tokens"].as_array().map(Vec::len), Some(2));
    assert!(!list.to_string().contains("hs_"), "tokens are never listed");
    let created = post_raw(
        &app,
        "/api/v1/api-tokens",
        &owner,
        "application/json",
        br#"{"name":"POS","role":"manager"}"#.to_vec(),
    )
    .await;
    assert_eq!(created.0, StatusCode::CREATED);
    let new_token = created.1["token"].as_str().expect("token").to_string();
    let id = created.1["api_token"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&new_token)).await.1["role"],
        "manager"
    );
    let (s, _) = post_raw(
        &app,
        &format!("/api/v1/api-tokens/{id}/revoke"),
        &owner,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&new_token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = get_json(&app, "/api/v1/api-tokens", Some(&owner)).await;
    let used = list["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == "test" && t["role"] == "staff")
        .cloned()
        .expect("staff token");
    assert!(
        used["last_used_at"].is_string(),
        "last use is recorded: {used}"
    );
}

#[tokio::test]
async fn api_tokens_are_rate_limited_per_token() {
    let app = TestApp::builder().api_rate_per_minute(5).start().await;
    let r = app.with_restaurant("Osteria").await;
    let a = app.api_token(r, Role::Staff).await;
    let b = app.api_token(r, Role::Staff).await;
    for _ in 0..5 {
        assert_eq!(
            get_json(&app, "/api/v1/me", Some(&a)).await.0,
            StatusCode::OK
        );
    }
    let resp = app
        .client()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&a)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&b)).await.0,
        StatusCode::OK,
        "other tokens unaffected"
    );
    app.advance(chrono::Duration::seconds(13));
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&a)).await.0,
        StatusCode::OK,
        "refills over time"
    );
}

#[tokio::test]
async fn audit_log_is_for_owners_and_filters_by_table_action_and_actor() {
    let app = TestApp::new().await;
    let (mut owner, r) = app.login_as(Role::Owner).await;
    let manager = app.api_token(r, Role::Manager).await;
    let owner_token = app.api_token(r, Role::Owner).await;
    owner.get("/team").await;
    owner
        .post("/team/settings", &[("require_owner_2fa", "")])
        .await;
    owner
        .post(
            "/team/invite",
            &[("email", "gina@trattoria-test.example"), ("role", "staff")],
        )
        .await;
    assert_eq!(
        get_json(&app, "/api/v1/audit", Some(&manager)).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, body) = owner
        .json(
            Method::GET,
            "/api/v1/audit?table=invites&action=insert",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let entries = body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{body}");
    assert!(entries[0]["actor"]
        .as_str()
        .is_some_and(|a| a.starts_with("user:")));
    assert!(entries[0]["changed_columns"]
        .as_array()
        .is_some_and(|c| c.contains(&json!("email"))));
    assert!(
        !body.to_string().contains("gina@"),
        "no values in the audit log"
    );
    let (_, all) = get_json(&app, "/api/v1/audit?limit=2", Some(&owner_token)).await;
    assert_eq!(all["entries"].as_array().map(Vec::len), Some(2));
    // Ids are random UUIDs (a shared counter would show other restaurants' activity).
    let first_page: Vec<&str> = all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(first_page
        .iter()
        .all(|id| uuid::Uuid::parse_str(id).is_ok()));
    let before = all["next_before"].as_str().expect("paging cursor");
    assert_eq!(Some(&before), first_page.last());
    let (_, older) = get_json(
        &app,
        &format!("/api/v1/audit?before={before}&limit=500"),
        Some(&owner_token),
    )
    .await;
    let older: Vec<&str> = older["entries"]
        .as_array()
        .expect("older")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(!older.is_empty());
    assert!(
        older.iter().all(|id| !first_page.contains(id)),
        "the next page holds only older entries"
    );
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("action=drop", "action"),
        ("since=yesterday", "since"),
        ("colour=red", ""),
    ] {
        let (s, e) = get_json(&app, &format!("/api/v1/audit?{q}"), Some(&owner_token)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {e}");
        if !field.is_empty() {
            assert_eq!(e["error"]["field"], field, "{q}: {e}");
        }
    }
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_field_never_a_500() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Osteria").await;
    let t = app.api_token(r, Role::Owner).await;
    // (content type, body, status, error code, field)
    type Case = (
        &'static str,
        Vec<u8>,
        StatusCode,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "application/json",
            b"{\"name\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
            None,
        ),
        (
            "application/json",
            br#"{"name": 5, "role": "staff"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("name"),
        ),
        (
            "application/json",
            br#"{"name": "x", "role": "chef"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("role"),
        ),
        (
            "application/json",
            br#"{"role": "staff"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("name"),
        ),
        (
            "application/json",
            br#"{"name": "x", "role": "staff", "admin": true}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("admin"),
        ),
        (
            "application/json",
            format!(r#"{{"name": "{}", "role": "staff"}}"#, "x".repeat(101)).into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            Some("name"),
        ),
        (
            "application/json",
            b"{\"name\": \"a\\u0000b\", \"role\": \"staff\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "control_characters",
            Some("name"),
        ),
        (
            "text/plain",
            b"hello".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            "application/json",
            vec![b' '; 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            None,
        ),
    ];
    for (ct, body, status, code, field) in cases {
        let (s, e) = post_raw(&app, "/api/v1/api-tokens", &t, ct, body).await;
        assert_eq!(s, status, "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
        if let Some(f) = field {
            assert_eq!(e["error"]["field"], f, "{e}");
        }
    }
    let (s, e) = post_raw(
        &app,
        "/api/v1/api-tokens/not-a-uuid/revoke",
        &t,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["field"], "id");
    let (s, e) = post_raw(
        &app,
        &format!("/api/v1/api-tokens/{}/revoke", uuid::Uuid::new_v4()),
        &t,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = get_json(&app, "/api/v1/nothing-here", Some(&t)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "not_found");
    let resp = app
        .client()
        .delete(format!("{}/api/health", app.base))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Nothing was stored by any of that.
    let (_, list) = get_json(&app, "/api/v1/api-tokens", Some(&t)).await;
    assert_eq!(list["tokens"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_token_of_one_restaurant_reaches_nothing_of_another() {
    let app = TestApp::new().await;
    let a = app.with_restaurant("Alpha").await;
    let b = app.with_restaurant("Beta").await;
    let ta = app.api_token(a, Role::Owner).await;
    let tb = app.api_token(b, Role::Owner).await;
    let (_, list_b) = get_json(&app, "/api/v1/api-tokens", Some(&tb)).await;
    let b_id = list_b["tokens"][0]["id"].as_str().expect("id").to_string();
    let (s, _) = post_raw(
        &app,
        &format!("/api/v1/api-tokens/{b_id}/revoke"),
        &ta,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another restaurant's id is not found, not forbidden"
    );
    assert_eq!(
        get_json(&app, "/api/v1/me", Some(&tb)).await.0,
        StatusCode::OK,
        "B's token still works"
    );
    let (_, audit_a) = get_json(&app, "/api/v1/audit?limit=500", Some(&ta)).await;
    assert!(
        !audit_a.to_string().contains(&b.to_string()),
        "A's audit log shows nothing of B"
    );
    let (_, list_a) = get_json(&app, "/api/v1/api-tokens", Some(&ta)).await;
    assert!(!list_a.to_string().contains(&b_id));
}

#[tokio::test]
async fn every_response_has_security_headers_and_a_request_id() {
    let app = TestApp::new().await;
    let resp = app
        .client()
        .get(format!("{}/login", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("send");
    let h = resp.headers();
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .expect("csp");
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(
        h.get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        h.get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    let resp = app
        .client()
        .get(format!("{}/login", app.base))
        .header("x-request-id", "bad id <script>")
        .send()
        .await
        .expect("send");
    let id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("id");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "unsafe ids are replaced: {id}"
    );
    let html = resp.text().await.expect("body");
    let css = html
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("css link")
        .replace("&#x2f;", "/");
    let resp = app
        .client()
        .get(format!("{}{css}", app.base))
        .send()
        .await
        .expect("css");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("immutable")));
}

#[tokio::test]
async fn the_openapi_document_is_served_without_credentials() {
    let app = TestApp::new().await;
    let resp = app
        .client()
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::OK);
    let doc: Value = resp.json().await.expect("json");
    assert!(doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    assert!(doc["paths"]["/api/v1/reservations"]["post"].is_object());
}

#[tokio::test]
async fn pages_are_gzipped_for_clients_that_ask() {
    let app = TestApp::new().await;
    let resp = app
        .client()
        .get(format!("{}/login", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("get");
    assert_eq!(
        resp.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let plain = app
        .client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .expect("get");
    assert!(
        plain.headers().get("content-encoding").is_none(),
        "no gzip unless asked"
    );
}
