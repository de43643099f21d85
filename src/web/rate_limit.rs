//! Throttles for login, password reset, registration and current-password checks
//!. Per-client limits key on the client address (IPv6 by its
//! /64, the block one host can rotate through); per-account login failures use a growing
//! lockout, so guessing one account's password from many addresses slows down too. Unknown
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
//! The limits live in each process: with N app processes behind a load balancer, a client
//! gets up to N times the budget (README, "Several processes").

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::StateStore;
use governor::{Quota, RateLimiter};

use super::errors::{Result, WebError};
use crate::db::Db;

/// Failures allowed per account before the lockout starts.
const FREE_FAILURES: u32 = 5;
/// Failures are forgotten after this quiet period.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Entries one table may hold (a few MB at most).
pub const MAX_KEYS: usize = 50_000;
/// Stale entries are swept every this many checks of a table.
const SWEEP_EVERY: u64 = 1024;

/// An account, or a name nobody uses, as the database tells names apart. Built by
/// [`Limits::account_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey(u64);

pub struct Limits {
    login_by_ip: KeyedLimit<IpAddr>,
    reset_by_ip: KeyedLimit<IpAddr>,
    reset_by_email: KeyedLimit<AccountKey>,
    /// Reset-token pages (GET and POST) per IP, against token guessing.
    token_by_ip: KeyedLimit<IpAddr>,
    failures: FailureTable,
    // Registration and current-password checks, at the login rate.
    register_by_ip: KeyedLimit<IpAddr>,
    register_by_identity: KeyedLimit<u64>,
    password_check_by_ip: KeyedLimit<IpAddr>,
    password_check_by_account: KeyedLimit<i64>,
    /// Keys hashes of typed names (per process, so nobody can aim at a collision).
    hasher: RandomState,
}

impl Limits {
    pub fn new(login_per_min: u32, reset_per_min: u32) -> Self {
        Self {
            login_by_ip: KeyedLimit::per_minute(login_per_min),
            reset_by_ip: KeyedLimit::per_minute(reset_per_min),
            // Three reset e-mails per address, then one every five minutes.
            reset_by_email: KeyedLimit::new(Duration::from_secs(300), 3),
            token_by_ip: KeyedLimit::per_minute(30),
            failures: FailureTable::default(),
            register_by_ip: KeyedLimit::per_minute(login_per_min),
            register_by_identity: KeyedLimit::per_minute(login_per_min),
            password_check_by_ip: KeyedLimit::per_minute(login_per_min),
            password_check_by_account: KeyedLimit::per_minute(login_per_min),
            hasher: RandomState::new(),
        }
    }

    /// The key of the account `name` (a username or e-mail address, normalized) reaches,
    /// whether or not it exists: the name folded as the database compares it
    /// ([`crate::auth::accounts::fold_identity`]), hashed to 64 bits.
    pub async fn account_key(&self, db: &Db, name: &str) -> Result<AccountKey> {
        let folded = crate::auth::accounts::fold_identity(db, name).await?;
        Ok(AccountKey(self.hasher.hash_one(folded)))
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
    pub fn password_check(&self, ip: IpAddr, account_id: i64, account: AccountKey) -> Result<()> {
        self.password_check_by_ip.check(client(ip))?;
        self.password_check_by_account.check(account_id)?;
        self.account_unlocked(account)
    }

    /// Refuses while the account (known or not) is locked out after repeated failures.
    pub fn account_unlocked(&self, account: AccountKey) -> Result<()> {
        self.failures.unlocked(account, Instant::now())
    }

    pub fn record_failure(&self, account: AccountKey) {
        self.failures.record_failure(account, Instant::now());
    }

    pub fn record_success(&self, account: AccountKey) {
        self.failures.forget(account);
    }

    /// Drops every entry that no longer limits anything. The tables also sweep themselves as
    /// they are used; this keeps an idle process small too (the app calls it every minute).
    pub fn sweep(&self) {
        let now = Instant::now();
        self.login_by_ip.sweep();
        self.reset_by_ip.sweep();
        self.reset_by_email.sweep();
        self.token_by_ip.sweep();
        self.failures.sweep(now);
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
            + self.failures.len()
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

/// Whether a full table may be swept again at `now` (at most once a second).
fn may_sweep_full(last: &mut Option<Instant>, now: Instant) -> bool {
    let due = last.is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
    if due {
        *last = Some(now);
    }
    due
}

/// Failed sign-ins per account.
#[derive(Default)]
struct FailureTable {
    table: Mutex<FailureState>,
}

#[derive(Default)]
struct FailureState {
    by_account: HashMap<AccountKey, Failures>,
    records: u64,
    swept_full_at: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl FailureState {
    /// Forgets quiet accounts; when that is not enough, accounts below the lockout too
    /// (forgetting them only hands back a few free attempts).
    fn make_room(&mut self, now: Instant, urgent: bool) {
        self.by_account
            .retain(|_, f| now.duration_since(f.last) <= FAILURE_WINDOW);
        if urgent && self.by_account.len() >= MAX_KEYS {
            self.by_account.retain(|_, f| f.count >= FREE_FAILURES);
        }
        if self.by_account.capacity() > 4 * self.by_account.len().max(1024) {
            self.by_account.shrink_to_fit();
        }
    }
}

impl FailureTable {
    fn unlocked(&self, account: AccountKey, now: Instant) -> Result<()> {
        let state = locked(&self.table);
        let Some(entry) = state.by_account.get(&account) else {
            // A full table of locked-out accounts could not count this one's failures: refuse
            // rather than let it guess uncounted.
            if state.by_account.len() >= MAX_KEYS {
                return Err(too_many(Duration::from_secs(1)));
            }
            return Ok(());
        };
        if now.duration_since(entry.last) > FAILURE_WINDOW || entry.count < FREE_FAILURES {
            return Ok(());
        }
        let until = entry.last + lockout(entry.count);
        match until.checked_duration_since(now) {
            Some(wait) if !wait.is_zero() => Err(too_many(wait)),
            _ => Ok(()),
        }
    }

    fn record_failure(&self, account: AccountKey, now: Instant) {
        let mut state = locked(&self.table);
        state.records += 1;
        if state.records.is_multiple_of(SWEEP_EVERY) {
            state.make_room(now, false);
        }
        if !state.by_account.contains_key(&account) && state.by_account.len() >= MAX_KEYS {
            if may_sweep_full(&mut state.swept_full_at, now) {
                state.make_room(now, true);
            }
            if state.by_account.len() >= MAX_KEYS {
                return;
            }
        }
        let entry = state.by_account.entry(account).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(entry.last) > FAILURE_WINDOW {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }

    fn sweep(&self, now: Instant) {
        locked(&self.table).make_room(now, false);
    }

    fn forget(&self, account: AccountKey) {
        locked(&self.table).by_account.remove(&account);
    }

    fn len(&self) -> usize {
        locked(&self.table).by_account.len()
    }
}

/// 30 s after the fifth failure, doubling with each further one, capped at 15 minutes.
fn lockout(count: u32) -> Duration {
    let doublings = count.saturating_sub(FREE_FAILURES).min(10);
    (Duration::from_secs(30) * 2u32.pow(doublings)).min(MAX_LOCKOUT)
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn key(n: u64) -> AccountKey {
        AccountKey(n)
    }

    #[test]
    fn lockout_grows_then_caps() {
        assert_eq!(lockout(5), Duration::from_secs(30));
        assert_eq!(lockout(6), Duration::from_secs(60));
        assert_eq!(lockout(30), MAX_LOCKOUT);
    }

    #[test]
    fn account_locks_after_free_failures_known_or_not() {
        let limits = Limits::new(100, 100);
        let nobody = key(7);
        for _ in 0..FREE_FAILURES - 1 {
            limits.record_failure(nobody);
        }
        assert!(limits.account_unlocked(nobody).is_ok());
        limits.record_failure(nobody);
        assert!(matches!(
            limits.account_unlocked(nobody),
            Err(WebError::TooManyRequests { .. })
        ));
        limits.record_success(nobody);
        assert!(limits.account_unlocked(nobody).is_ok());
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

        assert!(limits.password_check(ip, 7, key(1)).is_ok());
        assert!(limits.password_check(other, 7, key(1)).is_ok());
        assert!(
            limits.password_check(other, 7, key(1)).is_err(),
            "per account"
        );
        for _ in 0..FREE_FAILURES {
            limits.record_failure(key(2));
        }
        let fresh = IpAddr::from([127, 0, 0, 3]);
        assert!(limits.password_check(fresh, 8, key(2)).is_err(), "lockout");
    }

    #[test]
    fn ip_limit_answers_with_a_wait() {
        let limits = Limits::new(2, 2);
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
    fn ipv6_clients_count_by_their_64_block() {
        let limits = Limits::new(1, 1);
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
        let start = Instant::now();
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

        let failures = FailureTable::default();
        let locked_out = key(u64::MAX);
        for _ in 0..FREE_FAILURES {
            failures.record_failure(locked_out, start);
        }
        for n in 0..100_000u64 {
            failures.record_failure(key(n), start);
            assert!(failures.len() <= MAX_KEYS);
        }
        assert!(
            failures.unlocked(locked_out, start).is_err(),
            "a locked-out account stays locked through the flood"
        );
        assert!(failures.len() <= MAX_KEYS);
        let quiet = start + FAILURE_WINDOW + Duration::from_secs(1);
        failures.sweep(quiet);
        assert_eq!(failures.len(), 0, "quiet accounts were forgotten");
    }
}
