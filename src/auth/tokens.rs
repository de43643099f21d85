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

/// The CSRF secret of a session (or pre-login session): an HMAC of its id under the server
/// key, so it needs no storage and differs for every session. It never appears as is.
fn csrf_secret(key: &[u8], session_value: &str) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(b"csrf:");
    mac.update(session_value.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The session's CSRF token as a page carries it: a fresh random mask and the secret XOR that
/// mask, in lower-case hex (128 characters). Every response gets new bytes, so a compressed
/// page's length says nothing about the secret (BREACH); any mask of it validates.
pub fn masked_csrf_token(key: &[u8], session_value: &str) -> String {
    let secret = csrf_secret(key, session_value);
    let mut mask = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut mask) {
        panic!("the operating system's random generator failed: {e}");
    }
    let mut hex = String::with_capacity(128);
    for byte in mask
        .iter()
        .copied()
        .chain(mask.iter().zip(secret).map(|(m, s)| m ^ s))
    {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Whether `presented` is some mask of the session's CSRF secret. Anything not 128 hex
/// characters is simply no match; the secret itself is compared in constant time.
pub fn csrf_matches(key: &[u8], session_value: &str, presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    let bytes = presented.as_bytes();
    if bytes.len() != 128 {
        return false;
    }
    let mut decoded = [0u8; 64];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        match (hex_digit(pair[0]), hex_digit(pair[1])) {
            (Some(high), Some(low)) => decoded[i] = (high << 4) | low,
            _ => return false,
        }
    }
    let (mask, masked) = decoded.split_at(32);
    let mut unmasked = [0u8; 32];
    for (i, out) in unmasked.iter_mut().enumerate() {
        *out = mask[i] ^ masked[i];
    }
    bool::from(unmasked.ct_eq(&csrf_secret(key, session_value)))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
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
        let token = masked_csrf_token(&key, "session-a");
        assert!(csrf_matches(&key, "session-a", &token));
        assert!(!csrf_matches(&key, "session-b", &token));
        assert!(!csrf_matches(&[8u8; 32], "session-a", &token));
        assert!(!csrf_matches(&key, "session-a", ""));
    }

    #[test]
    fn every_mask_of_the_secret_validates_and_nothing_else_does() {
        let key = [7u8; 32];
        let (a, b) = (
            masked_csrf_token(&key, "session-a"),
            masked_csrf_token(&key, "session-a"),
        );
        assert_ne!(a, b, "a fresh mask each time");
        assert_eq!(a.len(), 128);
        assert!(csrf_matches(&key, "session-a", &b));
        assert!(csrf_matches(&key, "session-a", &a.to_uppercase()));
        // One flipped bit in the masked half, or in the mask, and it no longer matches.
        for at in [0, 64, 127] {
            let mut tampered = a.clone().into_bytes();
            tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
            let tampered = String::from_utf8(tampered).expect("ascii");
            assert!(!csrf_matches(&key, "session-a", &tampered), "{at}");
        }
        assert!(!csrf_matches(&key, "session-a", &a[..127]));
        assert!(!csrf_matches(
            &key,
            "session-a",
            &[&a[..126], "zz"].concat()
        ));
        assert!(!csrf_matches(&key, "session-a", &["é", &a[2..]].concat()));
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
