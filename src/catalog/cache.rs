//! A small in-process cache with a time-to-live, for read-mostly pages.
//!
//! Every app process keeps its own, so an entry is at most `ttl` old compared with the
//! database (plus the time one reload takes): the catalog uses one second, which keeps
//! processes in step while serving repeated page views from memory. A process that writes
//! clears its own cache at once.
//!
//! Loads are single-flight: while one request reloads an expired entry, the others are served
//! the previous value; when there is no previous value they wait for that one load instead of
//! starting their own. An expiry under load therefore costs one query, not one per request.
//! Memory is bounded by an entry count; the oldest entries are dropped first.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::search::TitleIndex;
use super::{CatalogFilter, CatalogPage, FilterChoices, SeriesPage};
use crate::db::page::Page;
use crate::db::Db;
use crate::error::{Error, Result};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    state: Mutex<State<K, V>>,
}

struct State<K, V> {
    entries: HashMap<K, Entry<V>>,
    /// Keys in the order their entries were created, for dropping the oldest.
    order: VecDeque<(K, u64)>,
    /// Bumped by `clear`, so a load that started before it does not store its value.
    generation: u64,
    next_stamp: u64,
}

struct Entry<V> {
    value: Option<(Instant, Arc<V>)>,
    /// The load in progress, if any; waiters subscribe to it.
    loading: Option<Arc<watch::Sender<Outcome<V>>>>,
    stamp: u64,
}

enum Outcome<V> {
    Pending,
    Ready(Arc<V>),
    Failed,
}

enum Next<V> {
    Wait(watch::Receiver<Outcome<V>>),
    Load(Arc<watch::Sender<Outcome<V>>>, u64),
}

impl<K: Hash + Eq + Clone, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries: max_entries.max(1),
            state: Mutex::new(State {
                entries: HashMap::new(),
                order: VecDeque::new(),
                generation: 0,
                next_stamp: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<K, V>> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached value; or, when it has expired, the previous value while another caller
    /// reloads it; or the loader's value (stored for next time). When there is no value yet
    /// and another caller is loading it, this waits for that load. Errors are not cached; a
    /// caller that waited for a load that failed gets [`Error::Unavailable`].
    pub async fn get_or_load<F>(&self, key: &K, load: F) -> Result<Arc<V>>
    where
        F: Future<Output = Result<V>>,
    {
        let mut load = Some(load);
        loop {
            let next = {
                let mut state = self.lock();
                let generation = state.generation;
                match state.entries.get_mut(key) {
                    Some(entry) => {
                        match (&entry.value, &entry.loading) {
                            (Some((at, value)), _) if at.elapsed() < self.ttl => {
                                return Ok(value.clone())
                            }
                            // Someone is reloading: the previous value will do meanwhile.
                            (Some((_, stale)), Some(_)) => return Ok(stale.clone()),
                            (None, Some(flight)) => Next::Wait(flight.subscribe()),
                            (_, None) => {
                                let flight = Arc::new(watch::channel(Outcome::Pending).0);
                                entry.loading = Some(flight.clone());
                                Next::Load(flight, generation)
                            }
                        }
                    }
                    None => {
                        let flight = Arc::new(watch::channel(Outcome::Pending).0);
                        self.make_room(&mut state);
                        let stamp = state.next_stamp;
                        state.next_stamp += 1;
                        state.order.push_back((key.clone(), stamp));
                        state.entries.insert(
                            key.clone(),
                            Entry {
                                value: None,
                                loading: Some(flight.clone()),
                                stamp,
                            },
                        );
                        Next::Load(flight, generation)
                    }
                }
            };
            match next {
                Next::Wait(mut receiver) => {
                    let outcome = receiver.wait_for(|o| !matches!(o, Outcome::Pending)).await;
                    match outcome.as_deref() {
                        Ok(Outcome::Ready(value)) => return Ok(value.clone()),
                        Ok(Outcome::Failed) => return Err(Error::Unavailable),
                        // The loader went away (its request was cancelled): try again.
                        Ok(Outcome::Pending) | Err(_) => continue,
                    }
                }
                Next::Load(flight, generation) => {
                    let Some(load) = load.take() else {
                        // Unreachable: a caller loads at most once, then returns.
                        return Err(Error::Unavailable);
                    };
                    let mut guard = LoadGuard {
                        cache: self,
                        key,
                        flight: flight.clone(),
                        generation,
                        value: None,
                    };
                    return match load.await {
                        Ok(value) => {
                            let value = Arc::new(value);
                            guard.value = Some(value.clone());
                            flight.send_replace(Outcome::Ready(value.clone()));
                            Ok(value)
                        }
                        Err(e) => {
                            flight.send_replace(Outcome::Failed);
                            Err(e)
                        }
                    };
                }
            }
        }
    }

    /// Drops the oldest entries until one more fits.
    fn make_room(&self, state: &mut State<K, V>) {
        while state.entries.len() >= self.max_entries {
            let Some((key, stamp)) = state.order.pop_front() else {
                state.entries.clear();
                return;
            };
            if state.entries.get(&key).is_some_and(|e| e.stamp == stamp) {
                state.entries.remove(&key);
            }
        }
    }

    /// Forgets every value. Loads already running still answer their waiters but store
    /// nothing, so the next request sees the database as it is now.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.entries.clear();
        state.order.clear();
        state.generation += 1;
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Ends a load: stores its value (unless the cache was cleared meanwhile) and releases the
/// entry's loading mark, also when the loading request is cancelled half-way.
struct LoadGuard<'c, K: Hash + Eq + Clone, V> {
    cache: &'c TtlCache<K, V>,
    key: &'c K,
    flight: Arc<watch::Sender<Outcome<V>>>,
    generation: u64,
    value: Option<Arc<V>>,
}

impl<K: Hash + Eq + Clone, V> Drop for LoadGuard<'_, K, V> {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        let current = state.generation == self.generation;
        if let Some(entry) = state.entries.get_mut(self.key) {
            let ours = entry
                .loading
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, &self.flight));
            if ours {
                entry.loading = None;
                if let (Some(value), true) = (self.value.take(), current) {
                    entry.value = Some((Instant::now(), value));
                }
            }
        }
    }
}

/// How stale a cached catalog page may be (see the module comment).
const PAGE_TTL: Duration = Duration::from_secs(1);
/// Genres, countries and languages change rarely, but staff edit them in their tables and
/// every process must show a change within a second, like the pages.
const CHOICES_TTL: Duration = PAGE_TTL;
/// Catalog pages (about 5 KB each) and series pages (up to about 20 KB with 50 reviews) kept
/// per process: roughly 10 + 20 MB at most.
const MAX_LISTS: usize = 2048;
const MAX_SERIES: usize = 1024;

/// Read caches for the public catalog pages, one per process.
pub struct CatalogCache {
    /// Whether catalog and series pages are cached (`PAGE_CACHE`); the filter choices and the
    /// title index always are.
    pages: bool,
    choices: TtlCache<(), FilterChoices>,
    titles: TtlCache<(), TitleIndex>,
    lists: TtlCache<(CatalogFilter, Page), CatalogPage>,
    series: TtlCache<i64, Option<SeriesPage>>,
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self::new(true)
    }
}

impl CatalogCache {
    pub fn new(pages: bool) -> Self {
        Self {
            pages,
            choices: TtlCache::new(CHOICES_TTL, 1),
            titles: TtlCache::new(PAGE_TTL, 1),
            lists: TtlCache::new(PAGE_TTL, MAX_LISTS),
            series: TtlCache::new(PAGE_TTL, MAX_SERIES),
        }
    }

    /// The title index for searches, reloaded as often as pages expire.
    pub async fn titles(&self, db: &Db) -> Result<Arc<TitleIndex>> {
        self.titles.get_or_load(&(), TitleIndex::load(db)).await
    }

    /// The catalog filters' choices (also the country list of the profile forms).
    pub async fn choices(&self, db: &Db) -> Result<Arc<FilterChoices>> {
        self.choices
            .get_or_load(&(), super::filter_choices(db))
            .await
    }

    pub async fn list(
        &self,
        db: &Db,
        filter: &CatalogFilter,
        page: Page,
    ) -> Result<Arc<CatalogPage>> {
        let titles = if filter.q.trim().is_empty() {
            None
        } else {
            Some(self.titles(db).await?)
        };
        let load = super::list(db, filter, page, titles.as_deref());
        if !self.pages {
            return Ok(Arc::new(load.await?));
        }
        self.lists.get_or_load(&(filter.clone(), page), load).await
    }

    /// The series page's data; `None` inside for an unknown id. `today` decides which airing
    /// windows are still to come (an entry lives a second, so it never straddles a day long).
    pub async fn series(
        &self,
        db: &Db,
        id: i64,
        today: chrono::NaiveDate,
    ) -> Result<Arc<Option<SeriesPage>>> {
        let load = super::series_page(db, id, today);
        if !self.pages {
            return Ok(Arc::new(load.await?));
        }
        self.series.get_or_load(&id, load).await
    }

    /// Forgets cached pages after this process changed the catalog, its reviews or its
    /// reference data. Other processes catch up within [`PAGE_TTL`].
    pub fn catalog_changed(&self) {
        self.lists.clear();
        self.series.clear();
        self.titles.clear();
        self.choices.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::Notify;

    use super::*;

    /// How many callers wait for the load of `key` now running.
    fn waiters<K: Hash + Eq + Clone, V>(cache: &TtlCache<K, V>, key: &K) -> usize {
        let state = cache.lock();
        state
            .entries
            .get(key)
            .and_then(|e| e.loading.as_ref())
            .map_or(0, |flight| flight.receiver_count())
    }

    /// Polls `condition` until it holds, failing the test after ten seconds.
    async fn eventually(what: &str, condition: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !condition() {
            assert!(Instant::now() < deadline, "{what}: not within 10 s");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// A loader that counts its calls and finishes only when `gate` is opened.
    async fn gated(calls: &AtomicUsize, gate: &Notify, value: u32) -> Result<u32> {
        calls.fetch_add(1, Ordering::SeqCst);
        gate.notified().await;
        Ok(value)
    }

    #[tokio::test]
    async fn fresh_values_are_served_from_memory() {
        let cache: TtlCache<u32, &str> = TtlCache::new(Duration::from_secs(60), 8);
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let value = cache
                .get_or_load(&1, async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok("one")
                })
                .await
                .expect("load");
            assert_eq!(*value, "one");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_misses_share_one_load() {
        let cache = Arc::new(TtlCache::<u32, u32>::new(Duration::from_secs(60), 8));
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Notify::new());
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (cache, calls, gate) = (cache.clone(), calls.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                *cache
                    .get_or_load(&7, gated(&calls, &gate, 42))
                    .await
                    .expect("value")
            }));
        }
        // One caller loads and the 31 others wait for it; only then may the load finish.
        eventually("one load and 31 waiters", || {
            calls.load(Ordering::SeqCst) == 1 && waiters(&cache, &7) == 31
        })
        .await;
        gate.notify_one();
        for task in tasks {
            assert_eq!(task.await.expect("task"), 42);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one load for 32 callers");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_expired_entry_is_reloaded_once_while_others_get_the_previous_value() {
        // A zero time-to-live: every entry is expired as soon as it is stored.
        let cache = Arc::new(TtlCache::<u32, u32>::new(Duration::ZERO, 8));
        cache.get_or_load(&1, async { Ok(1) }).await.expect("first");
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Notify::new());
        let reload = {
            let (cache, calls, gate) = (cache.clone(), calls.clone(), gate.clone());
            tokio::spawn(async move {
                *cache
                    .get_or_load(&1, gated(&calls, &gate, 2))
                    .await
                    .expect("reload")
            })
        };
        eventually("the reload started", || calls.load(Ordering::SeqCst) == 1).await;
        // The reload is held open: 31 more callers must neither wait for it nor start their own.
        let others = AtomicUsize::new(0);
        for _ in 0..31 {
            let value = tokio::time::timeout(
                Duration::from_secs(10),
                cache.get_or_load(&1, async {
                    others.fetch_add(1, Ordering::SeqCst);
                    Ok(99)
                }),
            )
            .await
            .expect("answered without waiting for the reload")
            .expect("stale");
            assert_eq!(*value, 1, "the previous value");
        }
        assert_eq!(others.load(Ordering::SeqCst), 0, "no second load");
        gate.notify_one();
        assert_eq!(reload.await.expect("task"), 2);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_load_hands_over_and_a_failed_one_is_not_cached() {
        let cache = Arc::new(TtlCache::<u32, u32>::new(Duration::from_secs(60), 8));
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Notify::new());
        let first = {
            let (cache, calls, gate) = (cache.clone(), calls.clone(), gate.clone());
            tokio::spawn(async move {
                cache
                    .get_or_load(&3, gated(&calls, &gate, 1))
                    .await
                    .map(|v| *v)
            })
        };
        eventually("the load started", || calls.load(Ordering::SeqCst) == 1).await;
        first.abort();
        assert!(first.await.is_err(), "cancelled");
        // The abandoned load left no mark: the next caller loads by itself.
        let value = cache
            .get_or_load(&3, async { Ok(5) })
            .await
            .expect("reload");
        assert_eq!(*value, 5);

        let failed = cache
            .get_or_load(&4, async { Err::<u32, _>(Error::Unavailable) })
            .await;
        assert!(failed.is_err());
        let value = cache.get_or_load(&4, async { Ok(6) }).await.expect("retry");
        assert_eq!(*value, 6, "errors are not cached");
    }

    #[tokio::test]
    async fn size_stays_bounded_and_clear_forgets() {
        let cache: TtlCache<u32, u32> = TtlCache::new(Duration::from_secs(60), 3);
        for key in 0..10 {
            cache
                .get_or_load(&key, async move { Ok(key) })
                .await
                .expect("load");
            assert!(cache.len() <= 3);
        }
        // The newest entries survive.
        let calls = AtomicUsize::new(0);
        let value = cache
            .get_or_load(&9, async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(0)
            })
            .await
            .expect("hit");
        assert_eq!((*value, calls.load(Ordering::SeqCst)), (9, 0));
        cache.clear();
        assert!(cache.is_empty());
        let value = cache
            .get_or_load(&9, async { Ok(10) })
            .await
            .expect("reload");
        assert_eq!(*value, 10);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_load_started_before_clear_is_not_stored() {
        let cache = Arc::new(TtlCache::<u32, u32>::new(Duration::from_secs(60), 8));
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Notify::new());
        let old = {
            let (cache, calls, gate) = (cache.clone(), calls.clone(), gate.clone());
            tokio::spawn(async move {
                *cache
                    .get_or_load(&1, gated(&calls, &gate, 1))
                    .await
                    .expect("old")
            })
        };
        eventually("the load started", || calls.load(Ordering::SeqCst) == 1).await;
        cache.clear();
        gate.notify_one();
        assert_eq!(
            old.await.expect("task"),
            1,
            "its caller still gets an answer"
        );
        let value = cache.get_or_load(&1, async { Ok(2) }).await.expect("fresh");
        assert_eq!(*value, 2, "the value loaded before the write was not kept");
    }
}
