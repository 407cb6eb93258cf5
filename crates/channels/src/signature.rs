//! Verification of signed webhooks from the message providers. Pure functions over the raw
//! request body, so a handler checks a signature before it parses or stores anything.
//!
//! - Resend signs its delivery webhooks with Svix
//!   (<https://docs.svix.com/receiving/verifying-payloads/how-manual>): the headers `svix-id`,
//!   `svix-timestamp` and `svix-signature`; the signed content is `{id}.{timestamp}.{body}`,
//!   HMAC-SHA256 under the base64 secret after its `whsec_` prefix; the signature header is a
//!   space-separated list of `v1,<base64>` entries, any of which may match (secret rotation).
//! - The Meta Cloud API (WhatsApp) signs every event POST with `X-Hub-Signature-256:
//!   sha256=<hex>`, HMAC-SHA256 of the raw body under the app secret.
//! - Retell signs its webhooks and custom functions with `X-Retell-Signature: v=<unix ms>,
//!   d=<hex>`, HMAC-SHA256 of the body followed by the timestamp under the Retell API key
//!   (<https://docs.retellai.com/features/secure-webhook>).
//!
//! - GoHighLevel signs its webhooks with RSA: `x-wh-signature` is the base64 RSASSA-PKCS1-v1_5
//!   SHA-256 signature of the raw body under HighLevel's key pair; the public key is published
//!   in its webhook documentation (<https://marketplace.gohighlevel.com/docs/webhook/WebhookIntegrationGuide>)
//!   and is [`GHL_PUBLIC_KEY`] here unless configured otherwise.
//!
//! Every comparison is constant-time (`Mac::verify_slice`; ring for RSA).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a Svix timestamp may lie from now, either way, before the event counts as a replay.
pub const SVIX_TOLERANCE_SECONDS: i64 = 5 * 60;

/// Why a signature was refused. The handler answers 401 for every one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the {0} header is malformed")]
    Malformed(&'static str),
    #[error("the timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
    #[error("the signing secret is not usable")]
    Secret,
}

/// The three Svix headers as received (empty when absent).
#[derive(Clone, Copy, Debug)]
pub struct SvixHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Checks a Svix-signed body (Resend's webhooks) at `now_unix` seconds.
pub fn verify_svix(
    secret: &str,
    headers: SvixHeaders<'_>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let id = non_empty(headers.id, "svix-id")?;
    let timestamp = non_empty(headers.timestamp, "svix-timestamp")?;
    let signatures = non_empty(headers.signature, "svix-signature")?;
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| SignatureError::Malformed("svix-timestamp"))?;
    if (now_unix - sent).abs() > SVIX_TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| SignatureError::Secret)?;
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| SignatureError::Secret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let mut well_formed = false;
    for entry in signatures.split(' ') {
        let Some(encoded) = entry.strip_prefix("v1,") else {
            continue; // other versions (v1a, asymmetric) are not ours to check
        };
        let Ok(candidate) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
            continue;
        };
        well_formed = true;
        if mac.clone().verify_slice(&candidate).is_ok() {
            return Ok(());
        }
    }
    if well_formed {
        Err(SignatureError::Mismatch)
    } else {
        Err(SignatureError::Malformed("svix-signature"))
    }
}

/// Checks Meta's `X-Hub-Signature-256` header over the raw body.
pub fn verify_meta(
    app_secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    const NAME: &str = "X-Hub-Signature-256";
    let header = non_empty(header, NAME)?;
    let hex = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed(NAME))?;
    let expected = decode_hex(hex).ok_or(SignatureError::Malformed(NAME))?;
    if app_secret.is_empty() {
        return Err(SignatureError::Secret);
    }
    let mut mac = HmacSha256::new_from_slice(app_secret).map_err(|_| SignatureError::Secret)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// How old (or how far ahead) a Retell signature may be.
pub const RETELL_MAX_AGE_MS: i64 = 5 * 60 * 1000;

/// Checks `X-Retell-Signature` against the restaurant's Retell API key at `now_ms` (unix ms).
pub fn verify_retell(
    key: &str,
    header: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<(), SignatureError> {
    const NAME: &str = "X-Retell-Signature";
    let header = non_empty(header, NAME)?;
    let mut sent = None;
    let mut digest = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("v", v)) => sent = v.parse::<i64>().ok(),
            Some(("d", d)) => digest = decode_hex(d),
            _ => {}
        }
    }
    let (Some(sent), Some(digest)) = (sent, digest) else {
        return Err(SignatureError::Malformed(NAME));
    };
    if (now_ms - sent).abs() > RETELL_MAX_AGE_MS {
        return Err(SignatureError::Stale);
    }
    retell_mac(key, body, sent)
        .verify_slice(&digest)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Retell-Signature` value Retell sends for `body` at `sent_ms`; the simulator uses it
/// to play Retell's side.
pub fn retell_signature(key: &str, body: &[u8], sent_ms: i64) -> String {
    let digest = retell_mac(key, body, sent_ms).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("v={sent_ms},d={hex}")
}

fn retell_mac(key: &str, body: &[u8], sent_ms: i64) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key");
    mac.update(body);
    mac.update(sent_ms.to_string().as_bytes());
    mac
}

/// HighLevel's published webhook public key (SubjectPublicKeyInfo, PEM).
pub const GHL_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----";

/// The RSAPublicKey inside a SubjectPublicKeyInfo PEM (what ring verifies with).
fn rsa_public_key(pem: &str) -> Option<Vec<u8>> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    // SEQUENCE { SEQUENCE { algorithm }, BIT STRING { 0x00, RSAPublicKey } }
    fn tlv(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = d.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, &rest[..len], &rest[len..]))
    }
    let (0x30, spki, _) = tlv(&der)? else {
        return None;
    };
    let (0x30, _algorithm, rest) = tlv(spki)? else {
        return None;
    };
    let (0x03, bits, _) = tlv(rest)? else {
        return None;
    };
    let (0, key) = bits.split_first().map(|(u, k)| (*u, k))? else {
        return None;
    };
    Some(key.to_vec())
}

/// Checks GoHighLevel's `x-wh-signature` over the raw body with `public_key_pem`.
pub fn verify_ghl(
    public_key_pem: &str,
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    const NAME: &str = "x-wh-signature";
    let header = non_empty(header, NAME)?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(header)
        .map_err(|_| SignatureError::Malformed(NAME))?;
    let key = rsa_public_key(public_key_pem).ok_or(SignatureError::Secret)?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(body, &signature)
        .map_err(|_| SignatureError::Mismatch)
}

fn non_empty<'a>(value: Option<&'a str>, name: &'static str) -> Result<&'a str, SignatureError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(SignatureError::Missing(name)),
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(hex_digit(*high)? << 4 | hex_digit(*low)?),
            _ => None,
        })
        .collect()
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key pair made with `openssl genpkey -algorithm RSA` for this test; the signature is
    /// `openssl dgst -sha256 -sign` of the body, as Node's `crypto.createSign('SHA256')` makes it.
    const TEST_KEY: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwlq/ztfslNM8TCryGbLr\n8hBMfYsdxKd5IJDybcKadOdxi3d689aZ5Tg8mMK8Ok8JEFtIdA7k3/1FxMP1wnwI\nguiTCs3tyxcS6tYofE5voqgXygw18ru6OfNW8QXVT6wBHTPfpQZvAsQR2tRwYcw0\nZ7tb0H753he0Yr2i0O4n3leiuZUHfPWm+gcvrD6pFI/MXVeRXgyC0rD8CjsRP8sW\nIp2BB0GgqSyNQVVo7LNeM2LEVjGGGZnTfNQ+hMj1TvwsiPmA6XxJP06eN8KGAgPx\ntSRk85tcdYO+60irbGP/Rc7mRw/j7mR5UTW1jeCTAOKmd0Rwwdehw8T2sFhaRb7v\nYQIDAQAB\n-----END PUBLIC KEY-----";

    #[test]
    fn ghl_rsa_signatures_are_checked_over_the_raw_body() {
        let body = br#"{"type":"InboundMessage","body":"STOP"}"#;
        let sig = "jnkPFlFvfLphCtquVWTFiTH4+ID4eXC5OgWgauO43PefOngGEEXCsLzsS0y/SZZQ/GB+Gbw9mYgYZsaIn8+6Ln0pkrPsrW2zBedbBFhbwBar60PK8MGTgZsgL9bHj6eg757cG+DTe3oOinu30idPaBvB/lUWeDw672qeyT7881dZw0s080NtFqMMGkHwbTHEmncp4gz9lboWJ3yS6zMaH7PbUUuFdXw286HpXmd/IMRdRthojoqSZye+9fLlrvCPcrXSu0J7cSlTjtPynDmmXQZdUIo3Ln38l58U8v+LADteI1BrCgGz+2EyBSID6mW1fYFL9pvOsxJR8Oil+4jOaA==";
        assert_eq!(verify_ghl(TEST_KEY, Some(sig), body), Ok(()));
        assert_eq!(
            verify_ghl(
                TEST_KEY,
                Some(sig),
                br#"{"type":"InboundMessage","body":"START"}"#
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_ghl(GHL_PUBLIC_KEY, Some(sig), body),
            Err(SignatureError::Mismatch),
            "another key"
        );
        assert_eq!(
            verify_ghl(TEST_KEY, None, body),
            Err(SignatureError::Missing("x-wh-signature"))
        );
        assert_eq!(
            verify_ghl(TEST_KEY, Some("***"), body),
            Err(SignatureError::Malformed("x-wh-signature"))
        );
        assert_eq!(
            verify_ghl("not a key", Some(sig), body),
            Err(SignatureError::Secret)
        );
        assert!(
            rsa_public_key(GHL_PUBLIC_KEY).is_some(),
            "HighLevel's published key parses"
        );
    }

    // The example Svix's own libraries test against (svix-webhooks, `valid signature is valid`).
    const SVIX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SVIX_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SVIX_TS: &str = "1614265330";
    const SVIX_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const SVIX_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SVIX_NOW: i64 = 1_614_265_330;

    fn svix(sig: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
        let headers = SvixHeaders {
            id: Some(SVIX_ID),
            timestamp: Some(SVIX_TS),
            signature: sig,
        };
        verify_svix(SVIX_SECRET, headers, body, now)
    }

    #[test]
    fn svix_accepts_the_documented_example() {
        assert_eq!(svix(Some(SVIX_SIG), SVIX_BODY, SVIX_NOW), Ok(()));
        // The secret also works without its prefix, as Svix's libraries accept it.
        let headers = SvixHeaders {
            id: Some(SVIX_ID),
            timestamp: Some(SVIX_TS),
            signature: Some(SVIX_SIG),
        };
        let bare = SVIX_SECRET.trim_start_matches("whsec_");
        assert_eq!(verify_svix(bare, headers, SVIX_BODY, SVIX_NOW), Ok(()));
    }

    #[test]
    fn svix_accepts_any_matching_entry_of_a_rotated_list() {
        let list = format!("v1,Zm9vYmFy v1a,whatever {SVIX_SIG}");
        assert_eq!(svix(Some(&list), SVIX_BODY, SVIX_NOW), Ok(()));
    }

    #[test]
    fn svix_refuses_a_changed_body_or_signature() {
        assert_eq!(
            svix(Some(SVIX_SIG), br#"{"test": 2432232315}"#, SVIX_NOW),
            Err(SignatureError::Mismatch)
        );
        let forged = "v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(
            svix(Some(forged), SVIX_BODY, SVIX_NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn svix_refuses_stale_or_future_timestamps() {
        let limit = SVIX_TOLERANCE_SECONDS;
        assert_eq!(svix(Some(SVIX_SIG), SVIX_BODY, SVIX_NOW + limit), Ok(()));
        assert_eq!(
            svix(Some(SVIX_SIG), SVIX_BODY, SVIX_NOW + limit + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            svix(Some(SVIX_SIG), SVIX_BODY, SVIX_NOW - limit - 1),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn svix_names_the_missing_or_malformed_header() {
        assert_eq!(
            svix(None, SVIX_BODY, SVIX_NOW),
            Err(SignatureError::Missing("svix-signature"))
        );
        assert_eq!(
            svix(Some("v2,abc"), SVIX_BODY, SVIX_NOW),
            Err(SignatureError::Malformed("svix-signature"))
        );
        let headers = SvixHeaders {
            id: Some(SVIX_ID),
            timestamp: Some("yesterday"),
            signature: Some(SVIX_SIG),
        };
        assert_eq!(
            verify_svix(SVIX_SECRET, headers, SVIX_BODY, SVIX_NOW),
            Err(SignatureError::Malformed("svix-timestamp"))
        );
        let headers = SvixHeaders {
            id: None,
            timestamp: Some(SVIX_TS),
            signature: Some(SVIX_SIG),
        };
        assert_eq!(
            verify_svix(SVIX_SECRET, headers, SVIX_BODY, SVIX_NOW),
            Err(SignatureError::Missing("svix-id"))
        );
    }

    // RFC 4231 test case 2: HMAC-SHA256, key "Jefe", data "what do ya want for nothing?".
    const RFC4231_BODY: &[u8] = b"what do ya want for nothing?";
    const RFC4231_HEX: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn meta_accepts_a_correct_hub_signature() {
        let header = format!("sha256={RFC4231_HEX}");
        assert_eq!(verify_meta(b"Jefe", Some(&header), RFC4231_BODY), Ok(()));
        let upper = format!("sha256={}", RFC4231_HEX.to_uppercase());
        assert_eq!(verify_meta(b"Jefe", Some(&upper), RFC4231_BODY), Ok(()));
    }

    #[test]
    fn meta_refuses_wrong_secret_body_or_format() {
        let header = format!("sha256={RFC4231_HEX}");
        assert_eq!(
            verify_meta(b"Jeff", Some(&header), RFC4231_BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_meta(b"Jefe", Some(&header), b"what do ya want for nothing!"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_meta(b"Jefe", None, RFC4231_BODY),
            Err(SignatureError::Missing("X-Hub-Signature-256"))
        );
        let sha1 = format!("sha1={RFC4231_HEX}");
        assert_eq!(
            verify_meta(b"Jefe", Some(&sha1), RFC4231_BODY),
            Err(SignatureError::Malformed("X-Hub-Signature-256"))
        );
        assert_eq!(
            verify_meta(b"Jefe", Some("sha256=zz"), RFC4231_BODY),
            Err(SignatureError::Malformed("X-Hub-Signature-256"))
        );
        // A truncated digest is a mismatch, never a prefix match.
        let short = format!("sha256={}", &RFC4231_HEX[..32]);
        assert_eq!(
            verify_meta(b"Jefe", Some(&short), RFC4231_BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_meta(b"", Some(&header), RFC4231_BODY),
            Err(SignatureError::Secret)
        );
    }

    fn sign(key: &str, body: &str, ts: i64) -> String {
        let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("key");
        mac.update(body.as_bytes());
        mac.update(ts.to_string().as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("v={ts},d={hex}")
    }

    fn retell_ok(key: &str, body: &[u8], header: Option<&str>, now: i64) -> bool {
        verify_retell(key, header, body, now).is_ok()
    }

    #[test]
    fn retell_signatures_are_checked_over_body_and_timestamp_and_expire() {
        let now = 1_800_000_000_000;
        let body = r#"{"event":"call_started","call":{"call_id":"c1"}}"#;
        let ts = now - 1000;
        let good = sign("key_123", body, ts);
        assert!(retell_ok("key_123", body.as_bytes(), Some(&good), now));
        assert_eq!(retell_signature("key_123", body.as_bytes(), ts), good);
        assert!(
            !retell_ok("key_124", body.as_bytes(), Some(&good), now),
            "other key"
        );
        assert!(!retell_ok("key_123", b"{}", Some(&good), now), "other body");
        let stale = sign("key_123", body, now - RETELL_MAX_AGE_MS - 1);
        assert!(
            !retell_ok("key_123", body.as_bytes(), Some(&stale), now),
            "stale"
        );
        assert!(!retell_ok(
            "key_123",
            body.as_bytes(),
            Some("v=1,d=zz"),
            now
        ));
        assert!(!retell_ok("key_123", body.as_bytes(), Some("garbage"), now));
        assert!(!retell_ok("key_123", body.as_bytes(), None, now));
    }
}
