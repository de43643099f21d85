//! Time-based one-time passwords (RFC 6238 over RFC 4226: HMAC-SHA1, 6 digits, 30-second
//! steps), base32 for the secret as authenticator apps expect it, and the encryption of
//! stored secrets (AES-256-GCM under a key derived from the app secret).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps of clock drift accepted either side of now.
const DRIFT_STEPS: i64 = 1;
pub const SECRET_BYTES: usize = 20;

/// A fresh 160-bit secret from the OS generator.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {e}");
    }
    bytes
}

/// The time step `now` falls in.
pub fn step_at(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(STEP_SECONDS)
}

/// The code of `step` (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let mut mac = match <Hmac<Sha1> as Mac>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// Whether `text` has the shape of a code (six digits, spaces ignored).
pub fn parse_code(text: &str) -> Option<u32> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The step within the drift window whose code is `code` and that is newer than `after`
/// (the last step already used), if any: a code works once.
pub fn matching_step(
    secret: &[u8],
    code: u32,
    now: DateTime<Utc>,
    after: Option<i64>,
) -> Option<i64> {
    let current = step_at(now);
    (current - DRIFT_STEPS..=current + DRIFT_STEPS)
        .filter(|step| after.is_none_or(|last| *step > last))
        .find(|step| {
            use subtle::ConstantTimeEq;
            bool::from(code_at(secret, *step).ct_eq(&code))
        })
}

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI authenticator apps read (from a link or a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label: String = form_urlencoded::byte_serialize([issuer, ":", account].concat().as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("secret", &base32(secret))
        .append_pair("issuer", issuer)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", "6")
        .append_pair("period", "30")
        .finish();
    ["otpauth://totp/", &label, "?", &query].concat()
}

/// The encryption key for stored secrets, derived from the app secret.
fn cipher(app_secret: &[u8]) -> Aes256Gcm {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(app_secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(b"totp secret encryption v1");
    let key = mac.finalize().into_bytes();
    Aes256Gcm::new(&key)
}

/// `nonce ‖ ciphertext`, base64. `account_id` is bound as associated data, so a stored
/// secret copied onto another account does not decrypt.
pub fn encrypt(app_secret: &[u8], account_id: i64, secret: &[u8]) -> String {
    let mut nonce = [0u8; 12];
    if let Err(e) = getrandom::fill(&mut nonce) {
        panic!("the operating system's random generator failed: {e}");
    }
    let payload = aes_gcm::aead::Payload {
        msg: secret,
        aad: &account_id.to_be_bytes(),
    };
    let sealed = match cipher(app_secret).encrypt(Nonce::from_slice(&nonce), payload) {
        Ok(sealed) => sealed,
        Err(_) => unreachable!("AES-GCM encrypts any short message"),
    };
    let mut bytes = nonce.to_vec();
    bytes.extend(sealed);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The secret [`encrypt`] stored, or `None` when it does not decrypt (another key, another
/// account, or tampering).
pub fn decrypt(app_secret: &[u8], account_id: i64, stored: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(stored).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(12);
    let payload = aes_gcm::aead::Payload {
        msg: sealed,
        aad: &account_id.to_be_bytes(),
    };
    cipher(app_secret)
        .decrypt(Nonce::from_slice(nonce), payload)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        // The RFC's 8-digit values, last six digits.
        for (time, expected) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(code_at(secret, time / STEP_SECONDS), expected, "{time}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"12345678901234567890").len(), 32);
    }

    #[test]
    fn a_code_is_accepted_once_within_the_drift() {
        let secret = b"12345678901234567890";
        let now = DateTime::from_timestamp(1_234_567_890, 0).expect("time");
        let step = step_at(now);
        let code = code_at(secret, step);
        assert_eq!(matching_step(secret, code, now, None), Some(step));
        assert_eq!(matching_step(secret, code, now, Some(step)), None);
        let previous = code_at(secret, step - 1);
        assert_eq!(matching_step(secret, previous, now, None), Some(step - 1));
        assert_eq!(
            matching_step(secret, code_at(secret, step - 2), now, None),
            None
        );
        assert_eq!(parse_code(" 012 345 "), Some(12_345));
        assert_eq!(parse_code("12345"), None);
    }

    #[test]
    fn secrets_round_trip_only_under_their_key_and_account() {
        let stored = encrypt(b"key", 7, b"secret bytes");
        assert_eq!(
            decrypt(b"key", 7, &stored).as_deref(),
            Some(&b"secret bytes"[..])
        );
        assert_eq!(decrypt(b"other", 7, &stored), None);
        assert_eq!(decrypt(b"key", 8, &stored), None);
        assert_eq!(decrypt(b"key", 7, "garbage"), None);
    }
}
