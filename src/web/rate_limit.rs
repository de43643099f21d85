//! Throttles for login, password reset, registration and current-password checks. Per-client
//! limits key on the client address (IPv6 by its /64, the block one host can rotate through);
//! per-account login failures use a growing lockout kept in the database
//! ([`crate::auth::lockout`]), so guessing one account's password from many addresses, or
//! through many app processes, slows down too, and a restart forgets nothing. Unknown
//! accounts are throttled identically.
//!
//! Accounts are keyed the way the database compares names ([`AccountKey`]): on MariaDB,
//! `alicé`, `ALICE` and `alice\0` all reach the account `alice`, so they share its lockout.
//!
//! Per-key limits are governor rate limiters (GCRA) over a bounded state store.
//! Memory stays bounded whatever clients send: keys are small and fixed-size
//! (addresses, account ids, 64-bit keyed hashes); an entry whose budget is full again is
//! forgotten (it behaves exactly as an unseen key); and each table holds at most
//! [`MAX_KEYS`] entries. When that many keys are all mid-window (a flood of distinct
//! clients or names), keys already tracked keep their exact budgets and unseen ones are
//! refused (429) until room frees up: the flood turns into throttling, never into memory.
//!
//! The per-address burst limits live in each process: with N app processes behind a load
//! balancer, a client gets up to N times that budget (README, "Several processes"). The
//! per-account lockout does not: it is shared through the database.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::StateStore;
use governor::{Quota, RateLimiter};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::errors::{Result, WebError};
use crate::auth::lockout;
use crate::db::Db;
/// Entries one table may hold (a few MB at most).
pub const MAX_KEYS: usize = 50_000;
/// Stale entries are swept every this many checks of a table.
const SWEEP_EVERY: u64 = 1024;

/// An account, or a name nobody uses, as the database tells names apart: an HMAC of the
/// folded name under a key every process shares, so all of them find the same lockout row.
/// Built by [`Limits::account_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey([u8; 32]);

impl AccountKey {
    /// The key as stored in `login_lockouts.key_hash`.
    fn hex(&self) -> String {
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
        }
        hex
    }
}

pub struct Limits {
    login_by_ip: KeyedLimit<IpAddr>,
    reset_by_ip: KeyedLimit<IpAddr>,
    reset_by_email: KeyedLimit<AccountKey>,
    /// Reset-token pages (GET and POST) per IP, against token guessing.
    token_by_ip: KeyedLimit<IpAddr>,
    // Registration and current-password checks, at the login rate.
    register_by_ip: KeyedLimit<IpAddr>,
    register_by_identity: KeyedLimit<u64>,
    password_check_by_ip: KeyedLimit<IpAddr>,
    password_check_by_account: KeyedLimit<i64>,
    /// Keys hashes of typed names (per process, so nobody can aim at a collision).
    hasher: RandomState,
    /// Keys account names for the shared lockout (the same in every process).
    lockout_key: Vec<u8>,
}

impl Limits {
    /// `lockout_key`: the server-wide secret that keys account names in `login_lockouts`.
    pub fn new(login_per_min: u32, reset_per_min: u32, lockout_key: Vec<u8>) -> Self {
        Self {
            login_by_ip: KeyedLimit::per_minute(login_per_min),
            reset_by_ip: KeyedLimit::per_minute(reset_per_min),
            // Three reset e-mails per address, then one every five minutes.
            reset_by_email: KeyedLimit::new(Duration::from_secs(300), 3),
            token_by_ip: KeyedLimit::per_minute(30),
            register_by_ip: KeyedLimit::per_minute(login_per_min),
            register_by_identity: KeyedLimit::per_minute(login_per_min),
            password_check_by_ip: KeyedLimit::per_minute(login_per_min),
            password_check_by_account: KeyedLimit::per_minute(login_per_min),
            hasher: RandomState::new(),
            lockout_key,
        }
    }

    /// The key of the account `name` (a username or e-mail address, normalized) reaches,
    /// whether or not it exists: the name folded as the database compares it
    /// ([`crate::auth::accounts::fold_identity`]), keyed with HMAC-SHA256.
    pub async fn account_key(&self, db: &Db, name: &str) -> Result<AccountKey> {
        let folded = crate::auth::accounts::fold_identity(db, name).await?;
        Ok(self.key_of(&folded))
    }

    fn key_of(&self, folded: &[u8]) -> AccountKey {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.lockout_key) {
            Ok(mac) => mac,
            // HMAC takes keys of any length.
            Err(_) => unreachable!("HMAC rejected its key"),
        };
        mac.update(b"lockout:");
        mac.update(folded);
        AccountKey(mac.finalize().into_bytes().into())
    }

    pub fn login_attempt(&self, ip: IpAddr) -> Result<()> {
        self.login_by_ip.check(client(ip))
    }

    /// A forgot-password request: per client and per address (`email` from
    /// [`Limits::account_key`]).
    pub fn reset_request(&self, ip: IpAddr, email: AccountKey) -> Result<()> {
        self.reset_by_ip.check(client(ip))?;
        self.reset_by_email.check(email)
    }

    pub fn reset_token_attempt(&self, ip: IpAddr) -> Result<()> {
        self.token_by_ip.check(client(ip))
    }

    /// A registration attempt: throttled per client address and per username and e-mail
    /// typed, so "that name is taken" answers cannot be harvested in bulk from one address
    /// or for one victim from many.
    pub fn register_attempt(
        &self,
        ip: IpAddr,
        normalized_username: &str,
        normalized_email: &str,
    ) -> Result<()> {
        self.register_by_ip.check(client(ip))?;
        for identity in [normalized_username, normalized_email] {
            self.register_by_identity
                .check(self.hasher.hash_one(identity))?;
        }
        Ok(())
    }

    /// Before checking a signed-in account's current password (e-mail change, password
    /// change, deletion): per client address, per account, and the login lockout of that
    /// account, so a hijacked session cannot guess faster than the login form allows.
    pub async fn password_check(
        &self,
        db: &Db,
        ip: IpAddr,
        account_id: i64,
        account: AccountKey,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.password_check_by_ip.check(client(ip))?;
        self.password_check_by_account.check(account_id)?;
        self.account_unlocked(db, account, now).await
    }

    /// Refuses while the account (known or not) is locked out after repeated failures, in
    /// any process.
    pub async fn account_unlocked(
        &self,
        db: &Db,
        account: AccountKey,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match lockout::wait(db, &account.hex(), now).await? {
            Some(wait) => Err(too_many(wait.to_std().unwrap_or(Duration::from_secs(1)))),
            None => Ok(()),
        }
    }

    /// A wrong password or second-factor code for `account`.
    pub async fn record_failure(
        &self,
        db: &Db,
        account: AccountKey,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(lockout::record_failure(db, &account.hex(), now).await?)
    }

    pub async fn record_success(&self, db: &Db, account: AccountKey) -> Result<()> {
        Ok(lockout::clear(db, &account.hex()).await?)
    }

    /// Drops every entry that no longer limits anything. The tables also sweep themselves as
    /// they are used; this keeps an idle process small too (the app calls it every minute).
    pub fn sweep(&self) {
        self.login_by_ip.sweep();
        self.reset_by_ip.sweep();
        self.reset_by_email.sweep();
        self.token_by_ip.sweep();
        self.register_by_ip.sweep();
        self.register_by_identity.sweep();
        self.password_check_by_ip.sweep();
        self.password_check_by_account.sweep();
    }

    /// How many entries every table holds (for tests and diagnostics).
    pub fn tracked_keys(&self) -> usize {
        self.login_by_ip.len()
            + self.reset_by_ip.len()
            + self.reset_by_email.len()
            + self.token_by_ip.len()
            + self.register_by_ip.len()
            + self.register_by_identity.len()
            + self.password_check_by_ip.len()
            + self.password_check_by_account.len()
    }
}

/// The address a per-client limit counts: IPv4 as it is, IPv6 by its /64 network (one host
/// usually owns a whole /64 and could otherwise rotate through 2^64 fresh budgets).
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The tables hold plain numbers; one a panicking thread left behind is still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn too_many(wait: Duration) -> WebError {
    WebError::TooManyRequests {
        retry_after: wait.max(Duration::from_secs(1)),
    }
}

/// A per-key limit, enforced by governor's GCRA: `burst` requests at once, then one per
/// `interval`. Its state lives in a [`BoundedStore`]: each key holds only its theoretical
/// arrival time, and a key whose budget is full again is the same as an unseen key, so it can
/// be dropped at any moment (governor's `retain_recent`).
struct KeyedLimit<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: RateLimiter<K, BoundedStore<K>, C, NoOpMiddleware<C::Instant>>,
    store: BoundedStore<K>,
    clock: C,
    checks: AtomicU64,
    /// When a full table was last swept: at most once a second, so a flood cannot make
    /// every request pay for a sweep of the whole table.
    swept_full_at: Mutex<Option<C::Instant>>,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    fn new(interval: Duration, burst: u32) -> Self {
        Self::with_clock(interval, burst, DefaultClock::default())
    }

    /// `n` requests a minute, all of them at once if need be.
    fn per_minute(n: u32) -> Self {
        let n = n.max(1);
        Self::new(Duration::from_secs(60) / n, n)
    }
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> KeyedLimit<K, C> {
    fn with_clock(interval: Duration, burst: u32, clock: C) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let store = BoundedStore::default();
        Self {
            limiter: RateLimiter::new(quota, store.clone(), clock.clone()),
            store,
            clock,
            checks: AtomicU64::new(0),
            swept_full_at: Mutex::new(None),
        }
    }

    fn check(&self, key: K) -> Result<()> {
        self.check_key(key).map_err(too_many)
    }

    /// `Err(wait)` when `key` must wait.
    fn check_key(&self, key: K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        // A full table admits no new key (tracked keys keep their exact budgets): a flood
        // of distinct keys turns into throttling, never into memory.
        if !self.store.contains(&key) && self.store.len() >= MAX_KEYS {
            if self.may_sweep_full() {
                self.sweep();
            }
            if self.store.len() >= MAX_KEYS {
                return Err(Duration::from_secs(1));
            }
        }
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    fn may_sweep_full(&self) -> bool {
        let now = self.clock.now();
        let mut last = locked(&self.swept_full_at);
        let due =
            last.is_none_or(|at| now.duration_since(at) >= Nanos::from(Duration::from_secs(1)));
        if due {
            *last = Some(now);
        }
        due
    }

    /// Drops keys whose budget is full again.
    fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.store.len()
    }
}

/// governor's state store for [`KeyedLimit`]: a plain map behind a mutex, shared (cheaply
/// cloned) between the limiter and the limit, so the limit can see its size and whether a
/// key is tracked.
struct BoundedStore<K>(Arc<Mutex<HashMap<K, Nanos>>>);

impl<K> Clone for BoundedStore<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<K> Default for BoundedStore<K> {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(HashMap::new())))
    }
}

impl<K: Hash + Eq> BoundedStore<K> {
    fn contains(&self, key: &K) -> bool {
        locked(&self.0).contains_key(key)
    }
}

impl<K: Hash + Eq + Clone> StateStore for BoundedStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        // The mutex makes read-decide-write one step; no compare-and-swap loop needed.
        let mut map = locked(&self.0);
        let (outcome, arrival) = f(map.get(key).copied())?;
        map.insert(key.clone(), arrival);
        Ok(outcome)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for BoundedStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        locked(&self.0).retain(|_, arrival| *arrival > drop_below);
    }

    fn shrink_to_fit(&self) {
        let mut map = locked(&self.0);
        if map.capacity() > 4 * map.len().max(1024) {
            map.shrink_to_fit();
        }
    }

    fn len(&self) -> usize {
        locked(&self.0).len()
    }

    fn is_empty(&self) -> bool {
        locked(&self.0).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limits(login: u32, reset: u32) -> Limits {
        Limits::new(login, reset, b"test key".to_vec())
    }

    #[test]
    fn registration_and_password_checks_are_throttled() {
        let limits = limits(2, 2);
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
    }

    #[test]
    fn ip_limit_answers_with_a_wait() {
        let limits = limits(2, 2);
        let ip = IpAddr::from([127, 0, 0, 1]);
        assert!(limits.login_attempt(ip).is_ok());
        assert!(limits.login_attempt(ip).is_ok());
        match limits.login_attempt(ip) {
            Err(WebError::TooManyRequests { retry_after }) => {
                assert!(retry_after >= Duration::from_secs(1))
            }
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let clock = FakeRelativeClock::default();
        let limit = KeyedLimit::with_clock(Duration::from_secs(300), 3, clock.clone());
        for _ in 0..3 {
            assert!(limit.check_key("a").is_ok());
        }
        assert_eq!(limit.check_key("a"), Err(Duration::from_secs(300)));
        assert!(limit.check_key("b").is_ok(), "keys are independent");
        clock.advance(Duration::from_secs(300));
        assert!(limit.check_key("a").is_ok());
        assert!(limit.check_key("a").is_err());
    }

    #[test]
    fn account_keys_are_the_same_in_every_process_and_differ_per_name() {
        let one = limits(1, 1);
        let other = limits(1, 1);
        assert_eq!(one.key_of(b"alice"), other.key_of(b"alice"));
        assert_ne!(one.key_of(b"alice"), one.key_of(b"bob"));
        assert_eq!(one.key_of(b"alice").hex().len(), 64);
    }

    #[test]
    fn ipv6_clients_count_by_their_64_block() {
        let limits = limits(1, 1);
        let first: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let same_block: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let next_block: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert!(limits.login_attempt(first).is_ok());
        assert!(limits.login_attempt(same_block).is_err());
        assert!(limits.login_attempt(next_block).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(client(mapped), IpAddr::from([192, 0, 2, 1]));
    }

    /// 100,000 distinct keys (a flood of fresh addresses, names or
    /// e-mail addresses) leave every table at most `MAX_KEYS` long; keys already tracked keep
    /// their exact budgets, unseen ones are refused while the table is full, and once the
    /// window has passed the tables empty out and admit again.
    #[test]
    fn a_hundred_thousand_distinct_keys_leave_memory_flat() {
        let clock = FakeRelativeClock::default();
        let limit = KeyedLimit::with_clock(Duration::from_secs(6), 10, clock.clone());
        assert!(limit.check_key(u64::MAX).is_ok(), "a regular client");
        let mut refused = 0;
        for n in 0..100_000u64 {
            if limit.check_key(n).is_err() {
                refused += 1;
            }
            assert!(limit.len() <= MAX_KEYS);
        }
        assert_eq!(limit.len(), MAX_KEYS);
        assert_eq!(refused, 100_000 - (MAX_KEYS - 1));
        assert!(
            limit.check_key(u64::MAX).is_ok(),
            "a tracked key keeps its budget"
        );
        clock.advance(Duration::from_secs(61));
        assert!(limit.check_key(200_000).is_ok(), "room again");
        assert_eq!(limit.len(), 1, "the flood was forgotten");
    }
}
