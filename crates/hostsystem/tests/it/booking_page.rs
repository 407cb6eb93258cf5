//! The hosted booking page `/book/<slug>`: free times without JavaScript, a booking that is the
//! same reservation and confirmation as every channel, once per form even when sent twice,
//! framing only by the restaurant's listed websites, and bad input named by its field.

use crate::app::TestApp;
use hs_store::widget::WidgetSettings;
use hs_store::Actor;
use uuid::Uuid;

const DAY: &str = "2026-11-26";

async fn restaurant(app: &TestApp) -> (Uuid, String) {
    let rid = app.with_trattoria("Zum Löwen").await;
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.set_widget_settings(WidgetSettings {
        origins: vec!["https://www.zum-loewen.example".into()],
        privacy_url: Some("https://www.zum-loewen.example/datenschutz".into()),
        ..WidgetSettings::default()
    })
    .await
    .expect("settings");
    let (_, slug) = tx.public_ids().await.expect("ids");
    tx.commit().await.expect("commit");
    (rid, slug)
}

async fn get(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = app
        .client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("get");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.text().await.expect("body"))
}

async fn post(app: &TestApp, slug: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .client()
        .post(format!("{}/book/{slug}?lang=en", app.base))
        .header("origin", app.base.as_str())
        .form(fields)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// The value of the page's hidden form key.
fn key_of(page: &str) -> String {
    let at = page.find("name=\"key\" value=\"").expect("a form key") + 18;
    page[at..at + 32].to_string()
}

fn form<'a>(key: &'a str, time: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("key", key),
        ("date", DAY),
        ("party", "2"),
        ("time", time),
        ("name", "Anna Becker"),
        ("phone", "0171 2345678"),
        ("email", "anna@example.de"),
    ];
    for (k, v) in extra {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn a_guest_books_on_the_hosted_page_once_and_gets_the_confirmation() {
    let app = TestApp::new().await;
    let (rid, slug) = restaurant(&app).await;
    assert_eq!(slug, "zum-loewen", "the slug is made from the name");

    let (status, headers, page) =
        get(&app, &format!("/book/{slug}?date={DAY}&party=2&lang=en")).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"19:00\""), "free times are listed");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("frame-ancestors 'self' https://www.zum-loewen.example"),
        "{csp}"
    );
    assert!(headers.get("x-frame-options").is_none());
    assert!(
        page.contains("zum-loewen.example&#x2f;datenschutz"),
        "the privacy link"
    );

    let key = key_of(&page);
    let fields = form(
        &key,
        "19:00",
        &[("notes", "Kinderstuhl"), ("special_notes", "Nussallergie")],
    );
    let (status, done) = post(&app, &slug, &fields).await;
    assert_eq!(status, 200, "{done}");
    let code_at = done.find("data-code=\"").expect("booked") + 11;
    let code = &done[code_at..code_at + 6];
    // Sent twice (a reload of the answer, a double click): the same booking, not a second.
    let (status, again) = post(&app, &slug, &fields).await;
    assert_eq!(status, 200);
    assert!(again.contains(&format!("data-code=\"{code}\"")));

    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let day = tx
        .reservations_on(DAY.parse().expect("date"), true)
        .await
        .expect("day");
    assert_eq!(day.len(), 1, "booked once");
    let r = &day[0];
    assert_eq!(r.code, code);
    assert_eq!(r.time, "19:00");
    assert_eq!(r.channel.as_str(), "online");
    assert_eq!(r.notes, "Kinderstuhl");
    assert_eq!(r.special_notes.as_deref(), Some("Nussallergie"));
    let guest = r.guest.as_ref().expect("guest");
    assert_eq!(guest.phone.as_deref(), Some("+491712345678"));
    assert_eq!(guest.language, "en", "the page's language is the guest's");
    drop(tx);
    let mails = app.mails().await;
    let confirmation = mails
        .iter()
        .find(|m| m.contains("To: anna@example.de\r\n"))
        .expect("a confirmation mail");
    assert!(confirmation.contains(code));
    assert!(
        !confirmation.contains("Nussallergie"),
        "special notes stay out of mails"
    );

    // The same form key with other details is refused, not booked.
    let changed = form(&key, "20:00", &[]);
    let (status, page) = post(&app, &slug, &changed).await;
    assert_eq!(status, 409);
    assert!(page.contains("load the page again"), "{page}");
}

#[tokio::test]
async fn bad_input_on_the_booking_page_names_the_field_and_books_nothing() {
    let app = TestApp::new().await;
    let (rid, slug) = restaurant(&app).await;
    let (_, _, page) = get(&app, &format!("/book/{slug}?date={DAY}&party=2")).await;
    let key = key_of(&page);
    let long = "x".repeat(20_000);
    // (form, status, what the page must show)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            form(&key, "19:00", &[("phone", ""), ("email", "")]),
            422,
            "phone-error",
        ),
        (
            form(&key, "19:00", &[("email", "anna@")]),
            422,
            "email-error",
        ),
        (form(&key, "19:00", &[("phone", "12")]), 422, "phone-error"),
        (form(&key, "19:00", &[("name", "")]), 422, "name-error"),
        (form(&key, "19:00", &[("name", &long)]), 422, "name-error"),
        (form(&key, "19:00", &[("notes", &long)]), 422, "notes-error"),
        (form(&key, "25:00", &[]), 422, "time-error"),
        (form(&key, "03:00", &[]), 422, "time-error"),
        (
            form(&key, "19:00", &[("date", "2026-02-30")]),
            422,
            "date-error",
        ),
        (
            form(&key, "19:00", &[("date", "2026-11-01")]),
            422,
            "date-error",
        ),
        (form(&key, "19:00", &[("party", "0")]), 422, "party-error"),
        (form("short", "19:00", &[]), 422, "role=\"alert\""),
    ];
    for (i, (fields, status, marker)) in cases.into_iter().enumerate() {
        // (A minute apart: the address may send 5 bookings a minute.)
        app.advance(chrono::Duration::minutes(1));
        let (got, page) = post(&app, &slug, &fields).await;
        assert_eq!(got, status, "case {i}");
        assert!(page.contains(marker), "case {i}: {marker} in the page");
    }
    // Markup a guest typed comes back as text.
    let script = "<script>alert(1)</script>";
    app.advance(chrono::Duration::minutes(1));
    let (got, page) = post(
        &app,
        &slug,
        &form(&key, "19:00", &[("notes", script), ("email", "x")]),
    )
    .await;
    assert_eq!(got, 422);
    assert!(!page.contains(script));
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.contains("&lt;script&gt;")
    );
    // Nothing was booked by any of them.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let day = tx
        .reservations_on(DAY.parse().expect("date"), false)
        .await
        .expect("day");
    assert!(day.is_empty(), "{day:?}");
    drop(tx);

    // Unknown and malformed slugs are a plain 404 page.
    for path in [
        "/book/no-such-place",
        "/book/Zum-Loewen",
        "/book/a--b",
        "/book/..x",
    ] {
        assert_eq!(get(&app, path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn a_time_taken_meanwhile_is_refused_and_the_guests_details_are_kept() {
    let app = TestApp::new().await;
    let (_, slug) = restaurant(&app).await;
    // A guest opens the page for two; meanwhile others book 19:00 until it is gone for two;
    // then the first guest sends the form.
    let (_, _, page) = get(&app, &format!("/book/{slug}?date={DAY}&party=2")).await;
    assert!(page.contains("value=\"19:00\""), "two fit at 19:00");
    let late_key = key_of(&page);
    let mut others = 0;
    loop {
        app.advance(chrono::Duration::seconds(15));
        let (_, _, page) = get(&app, &format!("/book/{slug}?date={DAY}&party=2")).await;
        if !page.contains("value=\"19:00\"") {
            break;
        }
        let key = key_of(&page);
        let (status, _) = post(&app, &slug, &form(&key, "19:00", &[])).await;
        assert_eq!(status, 200);
        others += 1;
        assert!(others < 60, "19:00 never fills up");
    }
    app.advance(chrono::Duration::minutes(1));
    let late = form(&late_key, "19:00", &[("name", "Ben Ott")]);
    let (status, page) = post(&app, &slug, &late).await;
    assert_eq!(status, 409);
    let alert = page
        .split("role=\"alert\"")
        .nth(1)
        .map(|a| &a[..a.find("</p>").unwrap_or(a.len())])
        .unwrap_or("no alert");
    assert!(
        alert.contains("just been taken"),
        "the refusal says why: {alert}"
    );
    assert!(
        page.contains("value=\"Ben Ott\""),
        "what the guest typed is kept"
    );
    assert!(
        page.contains("value=\"21:30\""),
        "later times are offered instead"
    );
}

#[tokio::test]
async fn a_second_restaurant_of_the_same_name_gets_its_own_slug_and_bookings_are_rate_limited() {
    let app = TestApp::new().await;
    let (_, slug) = restaurant(&app).await;
    let other = app.with_trattoria("Zum Löwen").await;
    let mut tx = app.store.tenant(other, &Actor::Cli).await.expect("tx");
    let (_, other_slug) = tx.public_ids().await.expect("ids");
    drop(tx);
    assert_ne!(other_slug, slug);
    assert!(other_slug.starts_with("zum-loewen-"), "{other_slug}");

    app.advance(chrono::Duration::minutes(1));
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let (s, _) = post(
            &app,
            &slug,
            &form("0123456789abcdef0123", "19:00", &[("email", "x")]),
        )
        .await;
        statuses.push(s);
    }
    assert_eq!(&statuses[..5], &[422; 5], "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
}
