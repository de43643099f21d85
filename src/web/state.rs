//! The state every handler shares, built once by `app` and cheap to clone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::rate_limit::Limits;
use crate::analytics::snapshot::SnapshotCache;
use crate::catalog::cache::CatalogCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::queue::Queue;

pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub clock: Clock,
    pub base_url: url::Url,
    /// Key for deriving CSRF tokens from session ids; shared by every process via the database.
    pub csrf_key: Vec<u8>,
    pub limits: Limits,
    pub queue: Queue,
    pub catalog: CatalogCache,
    /// The parsed analytics snapshot, reloaded when a newer one lands.
    pub analytics: SnapshotCache,
    /// Set by every catalog or review write; the debounce task turns it into one refresh.
    pub analytics_stale: AtomicBool,
    /// The dashboard's view of the current snapshot (see `web::analytics`), by its "as of".
    pub analytics_view: Mutex<Option<Arc<AnalyticsView>>>,
}

/// A snapshot's "as of" and the dashboard's view of it.
pub type AnalyticsView = (
    chrono::DateTime<chrono::Utc>,
    views::analytics::SnapshotView,
);

pub type State = Arc<AppState>;

impl AppState {
    /// Call after every committed write to the catalog, its reviews or its reference data: the
    /// public pages of this process show it at once (other processes within a second).
    pub fn catalog_changed(&self) {
        self.catalog.catalog_changed();
        self.analytics_stale.store(true, Ordering::Relaxed);
    }

    /// Asks for a fresh analytics snapshot: the dashboard shows "refreshing" until it lands.
    pub async fn request_analytics_refresh(&self) -> crate::error::Result<()> {
        let now = self.clock.now();
        crate::analytics::snapshot::mark_requested(&self.db, now).await?;
        self.queue
            .push(jobs::analytics_refresh::RefreshAnalytics { requested_at: now })
            .await
    }

    pub fn analytics_view(&self) -> Option<Arc<AnalyticsView>> {
        self.analytics_view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn set_analytics_view(&self, view: Arc<AnalyticsView>) {
        *self
            .analytics_view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(view);
    }

    /// Queues one refresh if anything changed since the last call (the debounce task's tick).
    pub async fn refresh_analytics_if_stale(&self) -> crate::error::Result<()> {
        if self.analytics_stale.swap(false, Ordering::Relaxed) {
            if let Err(e) = self.request_analytics_refresh().await {
                // Try again on the next tick.
                self.analytics_stale.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    }
}
