//! A small in-process cache with a time-to-live, for read-mostly pages.
//!
//! Every app process keeps its own, so an entry is at most `ttl` old compared with the
//! database: the catalog uses one second, which keeps processes in step while serving
//! repeated page views from memory. A process that writes clears its own cache at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{CatalogFilter, CatalogPage, FilterChoices, SeriesPage};
use crate::db::page::Page;
use crate::db::Db;
use crate::error::Result;

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Hash + Eq + Clone, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    pub fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.max_entries {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= self.max_entries {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), value.clone()));
        }
        value
    }

    /// The cached value, or the loader's (cached for next time). Errors are not cached.
    pub async fn get_or_load<F>(&self, key: &K, load: F) -> Result<Arc<V>>
    where
        F: Future<Output = Result<V>>,
    {
        if let Some(value) = self.get(key) {
            return Ok(value);
        }
        Ok(self.insert(key.clone(), load.await?))
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// How stale a cached catalog page may be (see the module comment).
const PAGE_TTL: Duration = Duration::from_secs(1);
/// Genres, countries and languages change rarely, but staff edit them in their tables and
/// every process must show a change within a second, like the pages.
const CHOICES_TTL: Duration = PAGE_TTL;

/// Read caches for the public catalog pages, one per process.
pub struct CatalogCache {
    choices: TtlCache<(), FilterChoices>,
    lists: TtlCache<(CatalogFilter, Page), CatalogPage>,
    series: TtlCache<i64, Option<SeriesPage>>,
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self {
            choices: TtlCache::new(CHOICES_TTL, 1),
            lists: TtlCache::new(PAGE_TTL, 4096),
            series: TtlCache::new(PAGE_TTL, 4096),
        }
    }
}

impl CatalogCache {
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
        self.lists
            .get_or_load(&(filter.clone(), page), super::list(db, filter, page))
            .await
    }

    /// The series page's data; `None` inside for an unknown id. `today` decides which airing
    /// windows are still to come (an entry lives a second, so it never straddles a day long).
    pub async fn series(
        &self,
        db: &Db,
        id: i64,
        today: chrono::NaiveDate,
    ) -> Result<Arc<Option<SeriesPage>>> {
        self.series
            .get_or_load(&id, super::series_page(db, id, today))
            .await
    }

    /// Forgets cached pages after this process changed the catalog, its reviews or its
    /// reference data. Other processes catch up within [`PAGE_TTL`].
    pub fn catalog_changed(&self) {
        self.lists.clear();
        self.series.clear();
        self.choices.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_size_stays_bounded() {
        let cache: TtlCache<u32, &str> = TtlCache::new(Duration::from_millis(30), 2);
        cache.insert(1, "one");
        assert_eq!(cache.get(&1).as_deref(), Some(&"one"));
        cache.insert(2, "two");
        cache.insert(3, "three");
        assert!(cache.entries.lock().map(|e| e.len()).unwrap_or(0) <= 2);
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get(&3).is_none());
    }
}
