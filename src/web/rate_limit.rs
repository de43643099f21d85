//! Throttles for login and password reset (SECURITY.md B.17, A.7, A.10). Per-IP limits use
//! governor; per-account login failures use a growing lockout so guessing one account's
//! password from many addresses slows down too. Unknown accounts are throttled identically.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::Error;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Failures allowed per account before the lockout starts.
const FREE_FAILURES: u32 = 5;
/// Failures are forgotten after this quiet period.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

pub struct Limits {
    login_by_ip: Keyed<IpAddr>,
    reset_by_ip: Keyed<IpAddr>,
    reset_by_email: Keyed<String>,
    /// Reset-token pages (GET and POST) per IP, against token guessing.
    token_by_ip: Keyed<IpAddr>,
    failures: Mutex<HashMap<String, Failures>>,
    clock: DefaultClock,
    // Registration and current-password checks (issue 9), at the login rate. Keys stay
    // small: an address, an account id, or a 64-bit hash of a typed username or e-mail.
    register_by_ip: Keyed<IpAddr>,
    register_by_identity: Keyed<u64>,
    password_check_by_ip: Keyed<IpAddr>,
    password_check_by_account: Keyed<i64>,
    identity_hasher: std::collections::hash_map::RandomState,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Limits {
    pub fn new(login_per_min: u32, reset_per_min: u32) -> Self {
        // Three reset e-mails per address, then one every five minutes.
        let per_email = Quota::with_period(Duration::from_secs(300))
            .map(|q| q.allow_burst(NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN)))
            .unwrap_or_else(|| per_minute(1));
        Self {
            login_by_ip: RateLimiter::keyed(per_minute(login_per_min)),
            reset_by_ip: RateLimiter::keyed(per_minute(reset_per_min)),
            reset_by_email: RateLimiter::keyed(per_email),
            token_by_ip: RateLimiter::keyed(per_minute(30)),
            failures: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
            register_by_ip: RateLimiter::keyed(per_minute(login_per_min)),
            register_by_identity: RateLimiter::keyed(per_minute(login_per_min)),
            password_check_by_ip: RateLimiter::keyed(per_minute(login_per_min)),
            password_check_by_account: RateLimiter::keyed(per_minute(login_per_min)),
            identity_hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// A registration attempt: throttled per client address and per username and e-mail
    /// typed, so "that name is taken" answers cannot be harvested in bulk from one address
    /// or for one victim from many.
    pub fn register_attempt(
        &self,
        ip: IpAddr,
        normalized_username: &str,
        normalized_email: &str,
    ) -> Result<(), Error> {
        use std::hash::BuildHasher;
        self.check(&self.register_by_ip, &ip)?;
        for identity in [normalized_username, normalized_email] {
            let key = self.identity_hasher.hash_one(identity);
            self.check(&self.register_by_identity, &key)?;
        }
        Ok(())
    }

    /// Before checking a signed-in account's current password (e-mail change, password
    /// change, deletion): per client address, per account, and the login lockout of that
    /// username, so a hijacked session cannot guess faster than the login form allows.
    pub fn password_check(&self, ip: IpAddr, account_id: i64, username: &str) -> Result<(), Error> {
        self.check(&self.password_check_by_ip, &ip)?;
        self.check(&self.password_check_by_account, &account_id)?;
        self.account_unlocked(username)
    }

    fn check<K: Hash + Eq + Clone>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), Error> {
        limiter
            .check_key(key)
            .map_err(|not_until| Error::TooManyRequests {
                retry_after: not_until
                    .wait_time_from(self.clock.now())
                    .max(Duration::from_secs(1)),
            })
    }

    pub fn login_attempt(&self, ip: IpAddr) -> Result<(), Error> {
        self.check(&self.login_by_ip, &ip)
    }

    pub fn reset_request(&self, ip: IpAddr, normalized_email: &str) -> Result<(), Error> {
        self.check(&self.reset_by_ip, &ip)?;
        self.check(&self.reset_by_email, &normalized_email.to_owned())
    }

    pub fn reset_token_attempt(&self, ip: IpAddr) -> Result<(), Error> {
        self.check(&self.token_by_ip, &ip)
    }

    /// Refuses while the account (known or not) is locked out after repeated failures.
    pub fn account_unlocked(&self, username: &str) -> Result<(), Error> {
        let now = Instant::now();
        let failures = self
            .failures
            .lock()
            .map_err(|_| Error::internal("failure table poisoned"))?;
        let Some(entry) = failures.get(username) else {
            return Ok(());
        };
        if now.duration_since(entry.last) > FAILURE_WINDOW || entry.count < FREE_FAILURES {
            return Ok(());
        }
        let until = entry.last + lockout(entry.count);
        match until.checked_duration_since(now) {
            Some(wait) if !wait.is_zero() => Err(Error::TooManyRequests {
                retry_after: wait.max(Duration::from_secs(1)),
            }),
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str) {
        let now = Instant::now();
        if let Ok(mut failures) = self.failures.lock() {
            // Keep the table bounded: forget quiet entries when it grows.
            if failures.len() > 100_000 {
                failures.retain(|_, f| now.duration_since(f.last) <= FAILURE_WINDOW);
            }
            let entry = failures.entry(username.to_owned()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(entry.last) > FAILURE_WINDOW {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(username);
        }
    }
}

/// 30 s after the fifth failure, doubling with each further one, capped at 15 minutes.
fn lockout(count: u32) -> Duration {
    let doublings = count.saturating_sub(FREE_FAILURES).min(10);
    (Duration::from_secs(30) * 2u32.pow(doublings)).min(MAX_LOCKOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_grows_then_caps() {
        assert_eq!(lockout(5), Duration::from_secs(30));
        assert_eq!(lockout(6), Duration::from_secs(60));
        assert_eq!(lockout(30), MAX_LOCKOUT);
    }

    #[test]
    fn account_locks_after_free_failures_known_or_not() {
        let limits = Limits::new(100, 100);
        for _ in 0..FREE_FAILURES - 1 {
            limits.record_failure("nobody");
        }
        assert!(limits.account_unlocked("nobody").is_ok());
        limits.record_failure("nobody");
        assert!(matches!(
            limits.account_unlocked("nobody"),
            Err(Error::TooManyRequests { .. })
        ));
        limits.record_success("nobody");
        assert!(limits.account_unlocked("nobody").is_ok());
    }

    #[test]
    fn registration_and_password_checks_are_throttled() {
        let limits = Limits::new(2, 2);
        let ip = IpAddr::from([127, 0, 0, 1]);
        let other = IpAddr::from([127, 0, 0, 2]);
        assert!(limits.register_attempt(ip, "a", "a@x.io").is_ok());
        assert!(limits.register_attempt(ip, "b", "b@x.io").is_ok());
        assert!(
            limits.register_attempt(ip, "c", "c@x.io").is_err(),
            "per address"
        );
        assert!(limits.register_attempt(other, "a", "d@x.io").is_ok());
        assert!(
            limits.register_attempt(other, "a", "e@x.io").is_err(),
            "per name"
        );

        assert!(limits.password_check(ip, 7, "alice").is_ok());
        assert!(limits.password_check(other, 7, "alice").is_ok());
        assert!(
            limits.password_check(other, 7, "alice").is_err(),
            "per account"
        );
        for _ in 0..FREE_FAILURES {
            limits.record_failure("bob");
        }
        let fresh = IpAddr::from([127, 0, 0, 3]);
        assert!(limits.password_check(fresh, 8, "bob").is_err(), "lockout");
    }

    #[test]
    fn ip_limit_answers_with_a_wait() {
        let limits = Limits::new(2, 2);
        let ip = IpAddr::from([127, 0, 0, 1]);
        assert!(limits.login_attempt(ip).is_ok());
        assert!(limits.login_attempt(ip).is_ok());
        match limits.login_attempt(ip) {
            Err(Error::TooManyRequests { retry_after }) => {
                assert!(retry_after >= Duration::from_secs(1))
            }
            other => panic!("expected 429, got {other:?}"),
        }
    }
}
