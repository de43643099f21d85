//! What this process does after a unit of work commits, from the effects it declared on its
//! transaction: wake the workers for the jobs it queued, clear the page caches it made stale,
//! and note the change for the analytics refresh. No handler has to remember any of it.

use std::sync::Arc;

use crate::analytics::service::Analytics;
use crate::catalog::cache::CatalogCache;
use crate::db::{CommitListener, Effects};
use crate::queue::Wakeup;

pub struct AfterCommit {
    pub wakeup: Wakeup,
    pub catalog: Arc<CatalogCache>,
    pub analytics: Arc<Analytics>,
}

impl CommitListener for AfterCommit {
    fn committed(&self, effects: &Effects) {
        for job_type in effects.job_types() {
            self.wakeup.wake(job_type);
        }
        if !effects.touched().is_empty() {
            self.catalog.catalog_changed();
            self.analytics.note_change();
        }
    }
}
