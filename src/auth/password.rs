//! Password policy and bcrypt hashing. Hashing and verifying run on the blocking pool so the
//! async workers keep serving other requests.

use crate::error::{Error, Result};

pub const BCRYPT_COST: u32 = 12;
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 64;
/// bcrypt reads at most 72 bytes; anything past 71 (plus its NUL) would be silently ignored.
pub const MAX_BYTES: usize = 71;

/// Checks the password policy (SECURITY.md D.28); the message is safe to show beside the field.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err("Use at least 12 characters.");
    }
    if chars > MAX_CHARS {
        return Err("Use at most 64 characters.");
    }
    if password.len() > MAX_BYTES {
        return Err("That password is too long once encoded (at most 71 bytes); use fewer accented or special characters.");
    }
    if password.chars().any(char::is_control) {
        return Err("Control characters are not allowed in passwords.");
    }
    Ok(())
}

pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || bcrypt::hash(password, BCRYPT_COST))
        .await
        .map_err(|e| Error::internal(format_args!("hashing task failed: {e}")))?
        .map_err(|e| Error::internal(format_args!("bcrypt: {e}")))
}

/// Verifies `password` against `stored`. With no stored hash (unknown user) it verifies against
/// a dummy hash of the same cost, so both branches take the same time, and answers false.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    let known = stored.is_some();
    let matches = tokio::task::spawn_blocking(move || {
        let hash = stored.as_deref().unwrap_or_else(|| DUMMY_HASH.as_str());
        bcrypt::verify(password, hash).unwrap_or(false)
    })
    .await
    .map_err(|e| Error::internal(format_args!("verify task failed: {e}")))?;
    Ok(known && matches)
}

/// Computes the dummy hash now (on the blocking pool), so the first sign-in attempt for an
/// unknown user is not slower than the rest: that difference would itself leak.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| DUMMY_HASH.len()).await;
}

/// A real cost-12 hash of a random string nobody knows, made once per process.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut secret = [0u8; 32];
    // Without OS randomness the dummy only needs to be a valid hash; zeros still cost the same.
    let _ = getrandom::fill(&mut secret);
    bcrypt::hash(secret, BCRYPT_COST).unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_counts_bytes_as_well_as_characters() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("twelve chars").is_ok());
        assert!(check_policy(&"a".repeat(64)).is_ok());
        assert!(check_policy(&"a".repeat(65)).is_err());
        // 24 three-byte characters: 24 characters (fine) but 72 bytes (too long for bcrypt).
        assert_eq!(check_policy(&"€".repeat(24)), Err("That password is too long once encoded (at most 71 bytes); use fewer accented or special characters."));
        assert!(check_policy("with a\u{0} nul inside").is_err());
        assert!(check_policy("tab\tinside password").is_err());
    }

    #[test]
    fn dummy_hash_has_the_real_cost() {
        assert!(DUMMY_HASH.starts_with("$2b$12$"), "{}", DUMMY_HASH.as_str());
    }
}
