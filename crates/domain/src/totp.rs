//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and the
//! base32 secrets authenticator apps read (RFC 4648, no padding).

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per TOTP step.
pub const STEP: i64 = 30;
/// Steps either side of now that still count (clock drift of phones).
pub const SKEW: i64 = 1;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes bytes as unpadded RFC 4648 base32.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buf: u64 = 0;
    let mut bits = 0;
    for &b in data {
        buf = (buf << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes unpadded or padded base32, ignoring spaces and case; `None` on a bad character.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf: u64 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase() as u8;
        let v = B32.iter().position(|&x| x == c)? as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The 6-digit code for a step number (RFC 4226 dynamic truncation).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("hmac takes any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[off]) & 0x7f) << 24
        | u32::from(h[off + 1]) << 16
        | u32::from(h[off + 2]) << 8
        | u32::from(h[off + 3]);
    bin % 1_000_000
}

/// The step a Unix time falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// Checks a typed code against now ±1 step. Returns the matching step, which the caller stores
/// so that the same code cannot be used twice (`last_step`).
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_step: Option<i64>) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = code.parse().ok()?;
    let now = step_of(unix_seconds);
    (now - SKEW..=now + SKEW)
        .find(|&s| last_step.is_none_or(|l| s > l) && constant_eq(code_at_step(secret, s), typed))
}

fn constant_eq(a: u32, b: u32) -> bool {
    (a ^ b) == 0
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32_encode(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1 secret "12345678901234567890"; codes are the last 6 digits.
    const SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_test_vectors() {
        for (t, code) in [
            (59, 287082),
            (1111111109, 81804),
            (1111111111, 50471),
            (1234567890, 5924),
            (2000000000, 279037),
            (20000000000, 353130),
        ] {
            assert_eq!(code_at_step(SECRET, step_of(t)), code, "t={t}");
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_and_refuses_reuse() {
        let t = 1_234_567_890;
        let prev = format!("{:06}", code_at_step(SECRET, step_of(t) - 1));
        let next = format!("{:06}", code_at_step(SECRET, step_of(t) + 1));
        let far = format!("{:06}", code_at_step(SECRET, step_of(t) + 2));
        assert_eq!(verify(SECRET, &prev, t, None), Some(step_of(t) - 1));
        assert_eq!(verify(SECRET, &next, t, None), Some(step_of(t) + 1));
        assert_eq!(verify(SECRET, &far, t, None), None);
        // Already used that step: refused.
        assert_eq!(verify(SECRET, &prev, t, Some(step_of(t) - 1)), None);
        assert_eq!(verify(SECRET, "12345", t, None), None);
        assert_eq!(verify(SECRET, "abcdef", t, None), None);
    }

    #[test]
    fn base32_round_trip_and_rfc4648_vectors() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_decode("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            base32_decode("mzxw 6ytb oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1"), None);
        let raw: Vec<u8> = (0..20).collect();
        assert_eq!(base32_decode(&base32_encode(&raw)), Some(raw));
    }

    #[test]
    fn otpauth_uri_carries_secret_and_issuer() {
        let uri = otpauth_uri("HostSystem", "anna@example.de", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/HostSystem:anna@example.de?secret=MZXW6YTBOI&issuer=HostSystem&algorithm=SHA1&digits=6&period=30"
        );
    }
}
