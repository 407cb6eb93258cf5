//! Guests' files in the widget: checked by content (a lying extension, an 11 MB file, a zip, a
//! decompression bomb are refused by field), images stored without EXIF/GPS, at most five per
//! conversation, fetched only through short-lived signed links (the guest's, the team's), gone
//! with the conversation's retention; a clamd scan when one is configured (a local server
//! speaking clamd's INSTREAM protocol stands in for ClamAV); and the same through an
//! S3-compatible bucket (moto's server).

use crate::app::{TestApp, PASSWORD};
use crate::widget::{say, session, widget_restaurant};
use hs_agent::widget::Access;
use hs_domain::Role;
use hs_store::Actor;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SHOP: &str = "http://shop.example";

/// A small JPEG of `w`×`h` with EXIF (a GPS position) and a comment naming a person.
fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    let exif = b"Exif\0\0MM\0*GPSLatitude 47.99N GPSLongitude 7.85E";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(exif);
    let com = b"photo by Max Mustermann";
    b.extend_from_slice(&[0xFF, 0xFE]);
    b.extend_from_slice(&((com.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(com);
    b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&[1, 1, 0x11, 0]);
    b.extend_from_slice(&[
        0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
    ]);
    b
}

/// A PNG header claiming `w`×`h` pixels.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], {
            let mut d = w.to_be_bytes().to_vec();
            d.extend_from_slice(&h.to_be_bytes());
            d.extend_from_slice(&[8, 2, 0, 0, 0]);
            d
        }),
        (&b"IDAT"[..], b"pixels".to_vec()),
        (&b"IEND"[..], Vec::new()),
    ] {
        b.extend_from_slice(&(data.len() as u32).to_be_bytes());
        b.extend_from_slice(kind);
        b.extend_from_slice(&data);
        b.extend_from_slice(&[0, 0, 0, 0]);
    }
    b
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn upload(app: &TestApp, pid: &str, token: &str, name: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .client()
        .post(format!("{}/api/w/{pid}/files", app.base))
        .query(&[("name", name)])
        .header("origin", SHOP)
        .header("x-widget-token", token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn token(app: &TestApp, pid: &str) -> String {
    let s: Value = session(app, pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    s["token"].as_str().expect("token").to_string()
}

/// GETs a path of the server, as whoever holds the link.
async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("get")
}

/// The path and query of a file link in an upload's answer.
fn link(uploaded: &Value, base: &str) -> String {
    uploaded["url"]
        .as_str()
        .expect("url")
        .strip_prefix(base)
        .expect("on this server")
        .to_string()
}

#[tokio::test]
async fn a_guest_sends_a_photo_and_a_pdf_that_only_links_of_the_guest_and_the_team_open() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Dateien", &[SHOP]).await;
    app.user_in(rid, "manager@dateien.example", Role::Manager)
        .await;
    let token = token(&app, &pid).await;
    let (status, _, _) = say(&app, &pid, SHOP, &token, "Ist das auf der Karte?").await;
    assert_eq!(status, 200);

    let (status, photo) = upload(
        &app,
        &pid,
        &token,
        "../Foto vom Gericht.jpeg",
        jpeg(640, 480),
    )
    .await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["name"], "Foto vom Gericht.jpg");
    assert_eq!(photo["content_type"], "image/jpeg");
    let path = link(&photo, &app.base);
    let r = fetch(&app, &path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .contains("sandbox"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let bytes = r.bytes().await.expect("bytes");
    assert!(
        !contains(&bytes, b"GPS") && !contains(&bytes, b"Exif"),
        "no position, no EXIF"
    );
    assert!(!contains(&bytes, b"Mustermann"), "no comment");
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);

    // A forged, a borrowed or an old link opens nothing.
    let forged = format!("{}0", &path[..path.len() - 1]);
    let forged = if forged == path {
        format!("{}1", &path[..path.len() - 1])
    } else {
        forged
    };
    for bad in [
        forged,
        path.replace(
            photo["id"].as_str().expect("id"),
            &uuid::Uuid::new_v4().to_string(),
        ),
        path.replace(&rid.to_string(), &uuid::Uuid::new_v4().to_string()),
    ] {
        let r = fetch(&app, &bad).await;
        assert_eq!(r.status(), 403, "{bad}");
    }

    let (status, pdf) = upload(&app, &pid, &token, "Anfrage Feier.pdf", PDF.to_vec()).await;
    assert_eq!(status, 201, "{pdf}");
    let r = fetch(&app, &link(&pdf, &app.base)).await;
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .starts_with("attachment"));
    assert_eq!(
        r.bytes().await.expect("pdf").as_ref(),
        PDF,
        "a PDF is kept as sent"
    );

    // The conversation names both, for the guest's widget and for the team.
    let s: Value = session(&app, &pid, SHOP, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    let texts: Vec<&str> = s["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&"📎 Foto vom Gericht.jpg"), "{texts:?}");
    let mut m = app.browser();
    m.login("manager@dateien.example", PASSWORD).await;
    let id = photo["conversation_id"].as_str().expect("conversation");
    let page = m.get(&format!("/inbox/{id}")).await;
    assert!(page.body.contains("Anfrage Feier.pdf"), "{}", page.body);
    let body = page.body.replace("&#x2f;", "/").replace("&amp;", "&");
    let team_link = body
        .split("href=\"")
        .find(|p| {
            p.starts_with(&format!(
                "/files/{rid}/{}",
                photo["id"].as_str().expect("id")
            ))
        })
        .and_then(|p| p.split('"').next())
        .expect("the team's link")
        .to_string();
    let r = fetch(&app, &team_link).await;
    assert_eq!(r.status(), 200, "the team's own link works");

    // Ten minutes later the links are dead.
    app.advance(chrono::Duration::minutes(11));
    let r = fetch(&app, &path).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn lying_large_packed_and_bomb_files_are_refused_by_field_and_five_is_the_most() {
    let app = TestApp::new().await;
    let (_, pid) = widget_restaurant(&app, "Trattoria Prüfung", &[SHOP]).await;
    let (_, other) = widget_restaurant(&app, "Trattoria Anders", &[SHOP]).await;
    let token = token(&app, &pid).await;

    let exe =
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode".to_vec();
    let mut zip = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
    zip.extend(std::iter::repeat_n(0u8, 1000));
    let mut big = png(100, 100);
    big.resize(11 * 1024 * 1024, 0);
    for (name, body, status, code) in [
        ("menu.jpg", exe, 422, "unsupported_type"),
        ("fotos.jpg", zip, 422, "unsupported_type"),
        ("bombe.png", png(100_000, 100_000), 422, "too_many_pixels"),
        ("gross.png", big, 413, "too_large"),
        ("leer.pdf", Vec::new(), 422, "empty"),
        (
            "<svg>.png",
            b"<svg onload=alert(1)></svg>".to_vec(),
            422,
            "unsupported_type",
        ),
    ] {
        let (s, body) = upload(&app, &pid, &token, name, body).await;
        assert_eq!(
            (
                s,
                body["error"]["field"].as_str(),
                body["error"]["code"].as_str()
            ),
            (status, Some("file"), Some(code)),
            "{name}: {body}"
        );
    }

    // The first file starts the conversation; five is the most.
    for i in 0..5 {
        let (s, body) = upload(&app, &pid, &token, &format!("bild{i}.png"), png(10, 10)).await;
        assert_eq!(s, 201, "{body}");
    }
    let (s, body) = upload(&app, &pid, &token, "bild6.png", png(10, 10)).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (422, Some("too_many")),
        "{body}"
    );
    let s: Value = session(&app, &pid, SHOP, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(s["messages"].as_array().map(Vec::len), Some(5), "{s}");

    // Another restaurant's widget does not know the token; a strange site gets nothing.
    let (s, _) = upload(&app, &other, &token, "x.png", png(10, 10)).await;
    assert_eq!(s, 401);
    let r = app
        .client()
        .post(format!("{}/api/w/{pid}/files", app.base))
        .header("origin", "https://evil.example")
        .header("x-widget-token", &token)
        .body(png(10, 10))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn files_go_with_the_conversations_retention() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Vergessen", &[SHOP]).await;
    let token = token(&app, &pid).await;
    let (s, photo) = upload(&app, &pid, &token, "x.jpg", jpeg(20, 20)).await;
    assert_eq!(s, 201);
    let id = photo["id"].as_str().expect("id").parse().expect("uuid");
    let conversation = photo["conversation_id"]
        .as_str()
        .expect("c")
        .parse()
        .expect("uuid");
    let key = hs_store::files::key(rid, conversation, id);
    assert!(app.store.files().get(&key).await.expect("get").is_some());

    app.advance(chrono::Duration::days(91));
    app.store
        .run_retention(app.clock.now())
        .await
        .expect("retention");
    app.run_pending_jobs().await;
    assert!(
        app.store.files().get(&key).await.expect("get").is_none(),
        "the bytes are gone"
    );
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    assert!(
        tx.conversation_file(id).await.expect("row").is_none(),
        "the row is gone"
    );
    assert!(app
        .store
        .files()
        .keys("conversations/")
        .await
        .expect("keys")
        .is_empty());
}

/// A local server speaking clamd's INSTREAM protocol: FOUND when the data holds the EICAR
/// test string, OK otherwise.
async fn fake_clamd(path: std::path::PathBuf) {
    let listener = tokio::net::UnixListener::bind(&path).expect("bind");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut cmd = [0u8; 10];
                if s.read_exact(&mut cmd).await.is_err() || &cmd != b"zINSTREAM\0" {
                    return;
                }
                let mut data = Vec::new();
                loop {
                    let mut len = [0u8; 4];
                    if s.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let n = u32::from_be_bytes(len) as usize;
                    if n == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; n];
                    if s.read_exact(&mut chunk).await.is_err() {
                        return;
                    }
                    data.extend(chunk);
                }
                let answer: &[u8] = if contains(&data, b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE") {
                    b"stream: Win.Test.EICAR_HDB-1 FOUND\0"
                } else {
                    b"stream: OK\0"
                };
                let _ = s.write_all(answer).await;
            });
        }
    });
}

#[tokio::test]
async fn with_clamd_configured_infected_files_are_refused_and_a_silent_scanner_refuses_all() {
    let app = TestApp::new().await;
    let (_, pid) = widget_restaurant(&app, "Trattoria Virus", &[SHOP]).await;
    let dir = tempfile::tempdir().expect("dir");
    let socket = dir.path().join("clamd.sock");
    fake_clamd(socket.clone()).await;
    let agents = hs_agent::call::Agents::new(app.store.clone()).with_clamd(Some(socket));
    let own = app.base.clone();
    let s: Value = session(&app, &pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let token = s["token"].as_str().expect("token");

    let mut eicar = PDF.to_vec();
    eicar.extend_from_slice(
        b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    );
    match agents
        .widget_upload(&pid, SHOP, &own, token, "brief.pdf", &eicar)
        .await
    {
        Err(hs_store::StoreError::Invalid { field, code, .. }) => {
            assert_eq!((field.as_str(), code), ("file", "malware"))
        }
        other => panic!("an infected file is refused: {:?}", other.map(|_| ())),
    }
    match agents
        .widget_upload(&pid, SHOP, &own, token, "brief.pdf", PDF)
        .await
    {
        Ok(Access::Granted(u)) => assert_eq!(u.name, "brief.pdf"),
        other => panic!("a clean file is kept: {:?}", other.map(|_| ())),
    }
    // The scanner is gone: nothing is kept unscanned.
    let silent = hs_agent::call::Agents::new(app.store.clone())
        .with_clamd(Some(dir.path().join("missing.sock")));
    let r = silent
        .widget_upload(&pid, SHOP, &own, token, "brief.pdf", PDF)
        .await;
    assert!(
        matches!(r, Err(hs_store::StoreError::Unavailable(_))),
        "{:?}",
        r.map(|_| ())
    );
}

/// moto's S3 server on a free port, with a bucket.
async fn moto(bucket: &str) -> (tokio::process::Child, String) {
    let python = std::env::var("HOSTSYSTEM_TEST_PYTHON").expect(
        "HOSTSYSTEM_TEST_PYTHON names a Python with moto[server]: run scripts/test.sh, which installs it",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = tokio::process::Command::new(python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto.server");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{url}/moto-api/")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = client
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(r.status().is_success(), "bucket: {}", r.status());
    (child, url)
}

#[tokio::test]
async fn an_s3_compatible_bucket_keeps_and_removes_guests_files() {
    let (_moto, url) = moto("hostsystem-files").await;
    let files = hs_store::files::Files::s3(&hs_store::files::S3 {
        bucket: "hostsystem-files".into(),
        region: "eu-central-1".into(),
        endpoint: Some(url),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    })
    .expect("s3");
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Eimer", &[SHOP]).await;
    let store = app.store.clone().with_files(files.clone());
    let agents = hs_agent::call::Agents::new(store.clone());
    let s: Value = session(&app, &pid, SHOP, None)
        .await
        .json()
        .await
        .expect("json");
    let token = s["token"].as_str().expect("token");
    let u = match agents
        .widget_upload(&pid, SHOP, &app.base, token, "foto.jpg", &jpeg(64, 48))
        .await
    {
        Ok(Access::Granted(u)) => u,
        other => panic!("kept: {:?}", other.map(|_| ())),
    };
    let key = hs_store::files::key(rid, u.conversation_id, u.id);
    let stored = files.get(&key).await.expect("get").expect("in the bucket");
    assert!(!contains(&stored, b"GPS"), "stripped before it left");
    assert_eq!(
        files.keys("conversations/").await.expect("keys"),
        vec![key.clone()]
    );
    files.delete(&key).await.expect("delete");
    files.delete(&key).await.expect("deleting twice is fine");
    assert!(files.get(&key).await.expect("get").is_none());
}

#[tokio::test]
async fn a_guests_erasure_takes_their_conversation_and_its_files() {
    let app = TestApp::new().await;
    let (rid, pid) = widget_restaurant(&app, "Trattoria Löschen", &[SHOP]).await;
    let token = token(&app, &pid).await;
    for line in [
        "Tisch für 2 am Freitag um 19 Uhr",
        "Erika Mustermann",
        "0761 1234567",
        "ja",
    ] {
        let (status, _, _) = say(&app, &pid, SHOP, &token, line).await;
        assert_eq!(status, 200);
    }
    let (s, photo) = upload(&app, &pid, &token, "x.jpg", jpeg(20, 20)).await;
    assert_eq!(s, 201);
    let conversation: uuid::Uuid = photo["conversation_id"]
        .as_str()
        .expect("c")
        .parse()
        .expect("uuid");
    let id: uuid::Uuid = photo["id"].as_str().expect("id").parse().expect("uuid");
    let key = hs_store::files::key(rid, conversation, id);

    // Someone else's erasure leaves it alone.
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let other = hs_store::privacy::Subject::phone("+4915199999999");
    tx.shred(&hs_store::privacy::Scope::Erasure(
        &other,
        hs_store::privacy::Erase::Anonymise,
    ))
    .await
    .expect("erase");
    tx.commit().await.expect("commit");
    assert_eq!(
        roles_left(&app, rid, conversation).await,
        9,
        "four turns and the file"
    );

    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    let erika = hs_store::privacy::Subject::phone("+497611234567");
    let done = tx
        .shred(&hs_store::privacy::Scope::Erasure(
            &erika,
            hs_store::privacy::Erase::Anonymise,
        ))
        .await
        .expect("erase");
    tx.commit().await.expect("commit");
    let row = done
        .iter()
        .find(|d| d.category == "conversations_anonymised")
        .expect("protocol row");
    assert_eq!(row.rows, 1);
    app.run_pending_jobs().await;
    assert!(
        app.store.files().get(&key).await.expect("get").is_none(),
        "the photo is gone"
    );
    assert_eq!(
        roles_left(&app, rid, conversation).await,
        0,
        "no words are left"
    );
}

/// Messages of a conversation that still have a text.
async fn roles_left(app: &TestApp, rid: uuid::Uuid, id: uuid::Uuid) -> usize {
    let mut tx = app.store.tenant(rid, &Actor::Cli).await.expect("tx");
    tx.conversation_lines(id)
        .await
        .map(|l| l.into_iter().filter(|(_, t, _)| !t.is_empty()).count())
        .unwrap_or(0)
}
