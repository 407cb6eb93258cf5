//! Encryption of secrets at rest (TOTP secrets now; provider tokens and special-category data
//! later) with AES-256-GCM. Each ciphertext carries the id of the key that sealed it:
//! `v1.<key id>.<base64url(nonce || ciphertext)>`.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The installation's master key: 32 bytes, never logged.
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id={}, ••••)", self.id)
    }
}

impl MasterKey {
    /// From 32 raw bytes.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        // The id names the key without revealing it: first 8 hex digits of its SHA-256.
        let d = Sha256::digest(key);
        let id = crate::secret::hex(&d[..4]);
        MasterKey { key, id }
    }

    /// From standard base64 of 32 bytes (the `HOSTSYSTEM_MASTER_KEY` and key-file format).
    pub fn from_base64(s: &str) -> Result<Self> {
        let raw = STANDARD
            .decode(s.trim())
            .context("master key is not valid base64")?;
        let key: [u8; 32] = raw
            .try_into()
            .map_err(|v: Vec<u8>| anyhow!("master key must be 32 bytes, got {}", v.len()))?;
        Ok(Self::from_bytes(key))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self::from_bytes(Aes256Gcm::generate_key(OsRng).into())
    }

    /// Standard base64 for storing in the key file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.key)
    }

    /// The key id written beside each ciphertext.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// 32 bytes derived from the key for one purpose (`context`): HMAC-SHA256 of the context.
    /// The same key and context always give the same bytes; nobody without the key can.
    pub fn derive(&self, context: &str) -> [u8; 32] {
        // HMAC (RFC 2104) over SHA-256, written out: the key is 32 bytes, less than the block.
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, b) in self.key.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        let inner = Sha256::new()
            .chain_update(ipad)
            .chain_update(context.as_bytes())
            .finalize();
        Sha256::new()
            .chain_update(opad)
            .chain_update(inner)
            .finalize()
            .into()
    }

    /// Seals `plain`; `context` binds the ciphertext to where it belongs (e.g. a user id), so
    /// it cannot be moved to another row.
    pub fn seal(&self, plain: &[u8], context: &str) -> String {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = aes_gcm::aead::Payload {
            msg: plain,
            aad: context.as_bytes(),
        };
        // Encryption with a valid key and nonce only fails for absurd message sizes.
        let ct = cipher.encrypt(&nonce, payload).expect("AES-GCM encryption");
        let mut out = nonce.to_vec();
        out.extend(ct);
        format!("v1.{}.{}", self.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`MasterKey::seal`] produced with the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("unknown ciphertext format");
        };
        if id != self.id {
            bail!(
                "ciphertext was sealed with key {id}, not the current key {}",
                self.id
            );
        }
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .context("ciphertext is not base64")?;
        if raw.len() < 12 {
            bail!("ciphertext too short");
        }
        let (nonce, ct) = raw.split_at(12);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("ciphertext failed authentication"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_hmac_sha256_of_the_context() {
        // RFC 4231 has no 32-byte-key case; this is HMAC-SHA256 with key 0x0b * 32 over "Hi There",
        // as computed by Python's hmac module.
        let k = MasterKey::from_bytes([0x0b; 32]);
        assert_eq!(
            crate::secret::hex(&k.derive("Hi There")),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
        );
        assert_ne!(k.derive("a"), k.derive("b"));
    }

    #[test]
    fn seal_open_round_trip_bound_to_context_and_key() {
        let k = MasterKey::generate();
        let sealed = k.seal(b"JBSWY3DPEHPK3PXP", "user:1");
        assert!(sealed.starts_with(&format!("v1.{}.", k.id())));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            k.open(&sealed, "user:1").expect("opens"),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(k.open(&sealed, "user:2").is_err(), "context is bound");
        let other = MasterKey::generate();
        assert!(other.open(&sealed, "user:1").is_err(), "other key refused");
        assert!(!format!("{k:?}").contains(&k.to_base64()));
    }

    #[test]
    fn base64_key_round_trip_and_length_check() {
        let k = MasterKey::generate();
        let again = MasterKey::from_base64(&k.to_base64()).expect("valid");
        assert_eq!(again.id(), k.id());
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
    }
}
