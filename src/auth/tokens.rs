//! Random tokens and their hashes (sessions, password resets) and the CSRF token derivation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// 256 bits from the OS CSPRNG, URL-safe base64 without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing is not something to paper over with weaker randomness.
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {e}");
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Cheap shape check before touching the database with a client-supplied token.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    hex
}

/// The CSRF token of a session (or pre-login session): an HMAC of its id under the server key,
/// so it needs no storage and differs for every session.
pub fn csrf_token(key: &[u8], session_value: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(b"csrf:");
    mac.update(session_value.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares in constant time.
pub fn csrf_matches(key: &[u8], session_value: &str, presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = csrf_token(key, session_value);
    expected.len() == presented.len() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

#[cold]
fn unreachable_hmac() -> ! {
    // HMAC accepts keys of any length; this cannot happen.
    panic!("HMAC rejected its key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert!(!looks_like_token("short"));
        assert!(!looks_like_token(&"a/".repeat(22)[..43]));
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let key = [7u8; 32];
        let token = csrf_token(&key, "session-a");
        assert!(csrf_matches(&key, "session-a", &token));
        assert!(!csrf_matches(&key, "session-b", &token));
        assert!(!csrf_matches(&[8u8; 32], "session-a", &token));
        assert!(!csrf_matches(&key, "session-a", ""));
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
