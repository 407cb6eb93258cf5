//! Team management, invites, roles on pages, the owner 2FA requirement, and isolation between
//! restaurants through the dashboard.

use crate::app::{TestApp, PASSWORD};
use hs_domain::Role;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn owner_invites_by_email_and_the_invitee_joins_with_a_new_account() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.login_as(Role::Owner).await;
    owner.get("/team").await;
    let p = owner
        .post(
            "/team/invite",
            &[("email", "Luca@Trattoria-Test.example"), ("role", "staff")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("luca@trattoria-test.example"));
    let mail = app.mails().await.pop().expect("invite mail");
    assert!(mail.contains("To: luca@trattoria-test.example"));
    let link = app.last_mail_link().await;
    let path = link.trim_start_matches(&app.base).to_string();

    let mut luca = app.browser();
    let form = luca.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Trattoria Test"));
    let weak = luca
        .post(&path, &[("name", "Luca"), ("password", "123456789012")])
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = luca
        .post(
            &path,
            &[
                ("name", "Luca Rossi"),
                ("password", "Wacholder-Brunnen-Abend-77"),
            ],
        )
        .await;
    assert_eq!(joined.location(), Some("/"), "{}", joined.body);
    assert_eq!(luca.get("/").await.status, StatusCode::OK);
    // Staff may not open the team page, by link or typed URL.
    assert_eq!(luca.get("/team").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        luca.post(
            "/team/invite",
            &[("email", "x@y.example"), ("role", "owner")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // The link works once.
    assert_eq!(app.browser().get(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_change_but_the_last_owner_stays() {
    let app = TestApp::new().await;
    let (mut owner, r) = app.login_as(Role::Owner).await;
    let staff = app
        .user_in(r, "sara@trattoria-test.example", Role::Staff)
        .await;
    let owner_id = app
        .store
        .user_by_email("owner@trattoria-test.example")
        .await
        .expect("q")
        .expect("owner")
        .id;
    owner.get("/team").await;
    let p = owner
        .post(
            &format!("/team/members/{staff}/role"),
            &[("role", "manager")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let p = owner
        .post(
            &format!("/team/members/{owner_id}/role"),
            &[("role", "staff")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert_eq!(
        owner
            .post(&format!("/team/members/{owner_id}/remove"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    let bad = owner
        .post(&format!("/team/members/{staff}/role"), &[("role", "chef")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("\"field\":\"role\""));
    assert_eq!(
        owner
            .post(&format!("/team/members/{staff}/remove"), &[])
            .await
            .status,
        StatusCode::OK
    );
    let mut sara = app.browser();
    let p = sara
        .post(
            "/login",
            &[
                ("email", "sara@trattoria-test.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let home = sara.get("/").await;
    assert!(
        home.body.contains("do not belong to a restaurant")
            || home.body.contains("gehören noch zu keinem")
    );
}

#[tokio::test]
async fn a_restaurant_can_require_two_factor_sign_in_of_its_owners() {
    let app = TestApp::new().await;
    let (mut owner, r) = app.login_as(Role::Owner).await;
    owner.get("/team").await;
    owner
        .post("/team/settings", &[("require_owner_2fa", "1")])
        .await;
    let home = owner.get("/").await;
    assert_eq!(home.location(), Some("/account?require_2fa=1"));
    let (status, body) = owner.json(Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "two_factor_required");
    // Staff are not affected.
    app.user_in(r, "sara@trattoria-test.example", Role::Staff)
        .await;
    let mut sara = app.browser();
    sara.login("sara@trattoria-test.example", PASSWORD).await;
}

#[tokio::test]
async fn a_user_sees_and_switches_only_between_their_own_restaurants() {
    let app = TestApp::new().await;
    let (mut owner, a) = app.login_as(Role::Owner).await;
    let b = app.with_restaurant("Pizzeria Nebenan").await;
    let c = app.with_restaurant("<img src=x onerror=alert(1)>").await;
    let me = app
        .store
        .user_by_email("owner@trattoria-test.example")
        .await
        .expect("q")
        .expect("u")
        .id;
    let mut tx = app
        .store
        .tenant(c, &hs_store::Actor::Cli)
        .await
        .expect("tx");
    tx.add_member(me, Role::Staff).await.expect("member");
    tx.commit().await.expect("commit");
    let list = owner.get("/restaurants").await;
    assert!(list.body.contains("Trattoria Test"));
    assert!(!list.body.contains("Pizzeria Nebenan"), "not a member of B");
    assert!(
        list.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "names are escaped"
    );
    assert!(!list.body.contains("<img src=x"));
    let denied = owner
        .post("/restaurants/switch", &[("restaurant_id", &b.to_string())])
        .await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    let ok = owner
        .post("/restaurants/switch", &[("restaurant_id", &c.to_string())])
        .await;
    assert_eq!(ok.location(), Some("/"));
    let home = owner.get("/").await;
    assert!(home.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert_eq!(
        owner.get("/team").await.status,
        StatusCode::FORBIDDEN,
        "staff in C"
    );
    owner
        .post("/restaurants/switch", &[("restaurant_id", &a.to_string())])
        .await;
    assert_eq!(
        owner.get("/team").await.status,
        StatusCode::OK,
        "owner in A"
    );
}

#[tokio::test]
async fn owners_cannot_touch_members_invites_or_tokens_of_another_restaurant() {
    let app = TestApp::new().await;
    let (mut owner_a, _) = app.login_as(Role::Owner).await;
    let b = app.with_restaurant("Pizzeria Nebenan").await;
    let b_owner = app.user_in(b, "boss@nebenan.example", Role::Owner).await;
    let b_staff = app.user_in(b, "kim@nebenan.example", Role::Staff).await;
    let b_token = app.api_token(b, Role::Manager).await;
    let b_token_id = {
        let mut tx = app
            .store
            .tenant(b, &hs_store::Actor::Cli)
            .await
            .expect("tx");
        let id = tx.api_tokens().await.expect("tokens")[0].id;
        let (inv, _) = tx
            .create_invite("new@nebenan.example", Role::Staff, Some(b_owner))
            .await
            .expect("invite");
        tx.commit().await.expect("commit");
        (id, inv.id)
    };
    owner_a.get("/team").await;
    for (path, form) in [
        (
            format!("/team/members/{b_staff}/role"),
            vec![("role", "owner")],
        ),
        (format!("/team/members/{b_staff}/remove"), vec![]),
        (format!("/team/members/{b_owner}/remove"), vec![]),
        (format!("/team/tokens/{}/revoke", b_token_id.0), vec![]),
        (format!("/team/invites/{}/revoke", b_token_id.1), vec![]),
    ] {
        let p = owner_a.post(&path, &form).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
    }
    let team = owner_a.get("/team").await;
    assert!(!team.body.contains("nebenan.example"));
    // B is untouched.
    let mut tx = app
        .store
        .tenant(b, &hs_store::Actor::Cli)
        .await
        .expect("tx");
    assert_eq!(tx.role_of(b_staff).await.expect("role"), Some(Role::Staff));
    assert_eq!(tx.open_invites().await.expect("invites").len(), 1);
    drop(tx);
    let me = app
        .client()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&b_token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);
}
