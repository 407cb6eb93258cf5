//! Sign-in, lockouts, second factor, sessions, CSRF and password reset.

use crate::app::{TestApp, PASSWORD};
use chrono::Duration;
use hs_domain::{totp, Role};
use reqwest::StatusCode;

/// The TOTP secret shown on the account page during setup.
fn secret_on_page(html: &str) -> Vec<u8> {
    let i = html.find("<code class=\"secret\">").expect("secret shown")
        + "<code class=\"secret\">".len();
    let s = &html[i..i + html[i..].find('<').expect("end")];
    totp::base32_decode(s).expect("base32")
}

fn code(secret: &[u8], app: &TestApp, steps_ahead: i64) -> String {
    format!(
        "{:06}",
        totp::code_at_step(
            secret,
            totp::step_of(app.clock.now().timestamp()) + steps_ahead
        )
    )
}

#[tokio::test]
async fn login_sets_httponly_samesite_session_cookie_and_logout_revokes_it() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Osteria").await;
    app.user_in(r, "anna@osteria.example", Role::Staff).await;
    let mut b = app.browser();
    let p = b
        .post(
            "/login",
            &[("email", "Anna@Osteria.example "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), Some("/"));
    let cookie = p
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "no Secure over plain http: {cookie}"
    );
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Osteria"));
    assert_eq!(
        home.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let old = b.session.clone();
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    // The old token no longer works, even if a client kept it.
    b.session = old;
    assert_eq!(b.get("/").await.location(), Some("/login"));
}

#[tokio::test]
async fn session_cookie_is_secure_and_hsts_is_sent_behind_tls() {
    let app = TestApp::builder().behind_tls().start().await;
    let r = app.with_restaurant("Osteria").await;
    app.user_in(r, "anna@osteria.example", Role::Staff).await;
    let mut b = app.browser();
    let p = b
        .post(
            "/login",
            &[("email", "anna@osteria.example"), ("password", PASSWORD)],
        )
        .await;
    let cookie = p
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(p.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_with_growing_delay() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Osteria").await;
    app.user_in(r, "anna@osteria.example", Role::Staff).await;
    let mut b = app.browser();
    for _ in 0..4 {
        let p = b
            .post(
                "/login",
                &[
                    ("email", "anna@osteria.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(
            p.body.contains("Email or password is wrong")
                || p.body.contains("E-Mail oder Passwort ist falsch")
        );
    }
    let p = b
        .post(
            "/login",
            &[
                ("email", "anna@osteria.example"),
                ("password", "wrong-password-123"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        p.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("30")
    );
    // Even the right password is refused while locked.
    let p = b
        .post(
            "/login",
            &[("email", "anna@osteria.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    app.advance(Duration::seconds(31));
    let p = b
        .post(
            "/login",
            &[
                ("email", "anna@osteria.example"),
                ("password", "wrong-password-123"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        p.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("60"),
        "delay doubles"
    );
    app.advance(Duration::seconds(61));
    let p = b
        .post(
            "/login",
            &[("email", "anna@osteria.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::SEE_OTHER,
        "after the lock the right password works"
    );
}

#[tokio::test]
async fn failures_across_accounts_lock_the_client_address() {
    let app = TestApp::new().await;
    let r = app.with_restaurant("Osteria").await;
    app.user_in(r, "anna@osteria.example", Role::Staff).await;
    let mut b = app.browser();
    for i in 0..5 {
        let email = format!("nobody{i}@osteria.example");
        b.post(
            "/login",
            &[("email", &email), ("password", "wrong-password-123")],
        )
        .await;
    }
    let p = b
        .post(
            "/login",
            &[("email", "anna@osteria.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is locked"
    );
}

#[tokio::test]
async fn totp_setup_then_login_needs_code_refuses_replay_and_accepts_recovery_code_once() {
    let app = TestApp::new().await;
    let (mut b, _) = app.login_as(Role::Owner).await;
    b.get("/account").await;
    assert_eq!(
        b.post("/account/2fa/start", &[]).await.location(),
        Some("/account")
    );
    let page = b.get("/account").await;
    assert!(page.body.contains("<svg"), "QR code shown");
    let secret = secret_on_page(&page.body);
    let wrong = b.post("/account/2fa/confirm", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = b
        .post("/account/2fa/confirm", &[("code", &code(&secret, &app, 0))])
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let codes: Vec<String> = ok
        .body
        .split("<li>")
        .skip(1)
        .map(|s| s[..s.find('<').expect("end")].to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{}", ok.body);

    // A new login now stops at the second factor; nothing else opens.
    let mut c = app.browser();
    let p = c
        .post(
            "/login",
            &[
                ("email", "owner@trattoria-test.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.location(), Some("/login/2fa"));
    assert_eq!(c.get("/").await.location(), Some("/login/2fa"));
    assert_eq!(c.get("/account").await.location(), Some("/login/2fa"));
    c.get("/login/2fa").await;
    // The code used to confirm setup is spent (same step): refused.
    let replay = c
        .post("/login/2fa", &[("code", &code(&secret, &app, 0))])
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    app.advance(Duration::seconds(30));
    let pending_token = c.session.clone();
    let p = c
        .post("/login/2fa", &[("code", &code(&secret, &app, 0))])
        .await;
    assert_eq!(p.location(), Some("/"));
    assert_ne!(
        c.session, pending_token,
        "the session token is replaced after the second factor"
    );
    assert_eq!(c.get("/").await.status, StatusCode::OK);

    // A recovery code works once.
    for (attempt, expect) in [(1, StatusCode::SEE_OTHER), (2, StatusCode::UNAUTHORIZED)] {
        let mut d = app.browser();
        d.post(
            "/login",
            &[
                ("email", "owner@trattoria-test.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
        d.get("/login/2fa").await;
        let p = d
            .post("/login/2fa", &[("code", &codes[0].to_uppercase())])
            .await;
        assert_eq!(p.status, expect, "recovery attempt {attempt}");
    }
}

#[tokio::test]
async fn bad_totp_codes_lock_for_growing_times_with_retry_after_and_warn_the_owner() {
    let app = TestApp::new().await;
    let (mut b, _) = app.login_as(Role::Manager).await;
    b.post("/account/2fa/start", &[]).await;
    let secret = secret_on_page(&b.get("/account").await.body);
    b.post("/account/2fa/confirm", &[("code", &code(&secret, &app, 0))])
        .await;
    app.advance(Duration::seconds(30));
    let mut c = app.browser();
    c.post(
        "/login",
        &[
            ("email", "manager@trattoria-test.example"),
            ("password", PASSWORD),
        ],
    )
    .await;
    c.get("/login/2fa").await;
    for _ in 0..4 {
        assert_eq!(
            c.post("/login/2fa", &[("code", "123456")]).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let retry_after = |p: &crate::app::Page| {
        p.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let first = c.post("/login/2fa", &[("code", "123456")]).await;
    assert_eq!(first.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&first).as_deref(), Some("30"));
    let locked = c
        .post("/login/2fa", &[("code", &code(&secret, &app, 0))])
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even a right code waits"
    );
    assert_eq!(retry_after(&locked).as_deref(), Some("30"));
    let mails_before = app.mails().await.len();
    // Each further bad code doubles the lock; the second lockout warns the owner.
    app.advance(Duration::seconds(31));
    let second = c.post("/login/2fa", &[("code", "123456")]).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&second).as_deref(), Some("60"));
    let mails = app.mails().await;
    assert_eq!(mails.len(), mails_before + 1, "one warning mail");
    let warning = mails.last().expect("mail");
    assert!(warning.contains("To: manager@trattoria-test.example"));
    assert!(warning.contains("/account"), "{warning}");
    app.advance(Duration::seconds(61));
    let third = c.post("/login/2fa", &[("code", "123456")]).await;
    assert_eq!(retry_after(&third).as_deref(), Some("120"));
    assert_eq!(app.mails().await.len(), mails_before + 1, "warned once");
    app.advance(Duration::seconds(121));
    assert_eq!(
        c.post("/login/2fa", &[("code", &code(&secret, &app, 0))])
            .await
            .location(),
        Some("/")
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let app = TestApp::new().await;
    let (mut b, _) = app.login_as(Role::Staff).await;
    app.advance(Duration::hours(11));
    assert_eq!(b.get("/").await.status, StatusCode::OK, "11 h idle is fine");
    app.advance(Duration::hours(12) + Duration::minutes(1));
    assert_eq!(
        b.get("/").await.location(),
        Some("/login"),
        "12 h idle ends the session"
    );

    b.login("staff@trattoria-test.example", PASSWORD).await;
    for i in 0..15 {
        app.advance(Duration::hours(11));
        assert_eq!(
            b.get("/").await.status,
            StatusCode::OK,
            "active at {} h",
            11 * (i + 1)
        );
    }
    app.advance(Duration::hours(4));
    assert_eq!(
        b.get("/").await.location(),
        Some("/login"),
        "7 days (168 h) is the absolute limit"
    );
}

#[tokio::test]
async fn log_out_everywhere_else_and_password_change_end_other_sessions() {
    let app = TestApp::new().await;
    let (mut a, _) = app.login_as(Role::Staff).await;
    let mut b = app.browser();
    b.login("staff@trattoria-test.example", PASSWORD).await;
    a.get("/account").await;
    a.post("/account/sessions/end-others", &[]).await;
    assert_eq!(b.get("/").await.location(), Some("/login"));
    assert_eq!(a.get("/").await.status, StatusCode::OK);

    b.login("staff@trattoria-test.example", PASSWORD).await;
    a.get("/account").await;
    let weak = a
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "password1234"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("field-error"));
    let wrong = a
        .post(
            "/account/password",
            &[
                ("current_password", "not-the-password"),
                ("new_password", "Wacholder-Brunnen-Abend-77"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.get("/").await.status,
        StatusCode::OK,
        "failed changes end nothing"
    );
    let ok = a
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Wacholder-Brunnen-Abend-77"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(b.get("/").await.location(), Some("/login"));
    assert_eq!(
        a.get("/").await.status,
        StatusCode::OK,
        "the changing session stays"
    );
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_and_same_origin() {
    let app = TestApp::new().await;
    let (mut b, _) = app.login_as(Role::Staff).await;
    let p = b
        .post_without_csrf("/account/sessions/end-others", &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("csrf_failed"));
    let cookie = format!("hs_session={}", b.session.clone().expect("session"));
    let evil = app
        .client()
        .post(format!("{}/logout", app.base))
        .header("cookie", cookie)
        .header("origin", "https://evil.example")
        .body("csrf=x")
        .send()
        .await
        .expect("send");
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert_eq!(b.get("/").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn password_reset_link_works_once_within_an_hour_and_ends_sessions() {
    let app = TestApp::new().await;
    let (mut signed_in, _) = app.login_as(Role::Staff).await;
    let mut b = app.browser();
    let p = b
        .post("/forgot", &[("email", "nobody@nowhere.example")])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        app.mails().await.is_empty(),
        "no mail for unknown addresses"
    );
    let p2 = b
        .post("/forgot", &[("email", "staff@trattoria-test.example")])
        .await;
    assert_eq!(
        p.body, p2.body,
        "the answer does not reveal who has an account"
    );
    assert!(p2.body.contains("class=\"notice\""));
    let link = app.last_mail_link().await;
    let path = link.trim_start_matches(&app.base).to_string();
    assert!(path.starts_with("/reset/"));
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    let weak = b.post(&path, &[("password", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = b
        .post(&path, &[("password", "Wacholder-Brunnen-Abend-77")])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        b.post(&path, &[("password", "Noch-Ein-Anderes-Passwort-9")])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "once"
    );
    assert_eq!(
        signed_in.get("/").await.location(),
        Some("/login"),
        "sessions ended"
    );
    b.login("staff@trattoria-test.example", "Wacholder-Brunnen-Abend-77")
        .await;

    b.post("/forgot", &[("email", "staff@trattoria-test.example")])
        .await;
    let late = app
        .last_mail_link()
        .await
        .trim_start_matches(&app.base)
        .to_string();
    app.advance(Duration::minutes(61));
    assert_eq!(
        b.get(&late).await.status,
        StatusCode::NOT_FOUND,
        "expired after an hour"
    );
}

#[tokio::test]
async fn pages_speak_english_or_german() {
    let app = TestApp::new().await;
    let en = app
        .client()
        .get(format!("{}/login", app.base))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("get");
    assert!(en.text().await.expect("body").contains("Sign in"));
    let de = app
        .client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .expect("get");
    assert!(de.text().await.expect("body").contains("Anmelden"));
    let switch = app
        .client()
        .get(format!("{}/login?lang=en", app.base))
        .send()
        .await
        .expect("get");
    assert!(switch
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("hs_lang=en")));
}
