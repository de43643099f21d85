//! When the analytics snapshot is refreshed, decided in one place. A refresh is asked for by:
//! "Refresh now" and a dashboard that finds no snapshot ([`Analytics::request_refresh`],
//! [`Analytics::current`]); the start of a process on a database without one; and, at most
//! every `ANALYTICS_DEBOUNCE_SECONDS`, committed writes that changed what analytics read
//! ([`Analytics::note_change`], called by the commit listener). Each request is a queued
//! `RefreshAnalytics` job, committed with the "requested at" mark. The five-minute schedule
//! (`ScheduledRefresh`, apalis-cron in the workers) is the one refresh not asked for here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jobs::analytics_refresh::RefreshAnalytics;
use tokio::sync::watch;

use super::snapshot::{self, Snapshot, SnapshotCache, Status};
use crate::clock::Clock;
use crate::db::Db;
use crate::error::Result;
use crate::queue;

pub struct Analytics {
    db: Db,
    clock: Clock,
    snapshots: SnapshotCache,
    /// Set by committed writes; the debounce loop turns it into one refresh.
    stale: AtomicBool,
    /// How often changes may ask for a refresh; `None`: never automatically.
    debounce: Option<Duration>,
}

impl Analytics {
    pub fn new(db: Db, clock: Clock, debounce: Option<Duration>) -> Self {
        Self {
            db,
            clock,
            snapshots: SnapshotCache::default(),
            stale: AtomicBool::new(false),
            debounce,
        }
    }

    /// A committed write changed what the analytics read.
    pub fn note_change(&self) {
        self.stale.store(true, Ordering::Relaxed);
    }

    /// Asks for a fresh snapshot: the mark the dashboard shows as "refreshing" and the job
    /// that computes it, in one commit.
    pub async fn request_refresh(&self) -> Result<()> {
        let now = self.clock.now();
        self.db
            .transaction("ask for an analytics refresh", |tx| {
                Box::pin(async move {
                    snapshot::mark_requested(tx, now).await?;
                    queue::enqueue(tx, &RefreshAnalytics { requested_at: now }).await
                })
            })
            .await
    }

    pub async fn status(&self) -> Result<Status> {
        snapshot::status(&self.db).await
    }

    /// The stored snapshot and its status; when there is none and none is on its way, one is
    /// asked for.
    pub async fn current(&self) -> Result<(Status, Option<Arc<Snapshot>>)> {
        let (mut status, snapshot) = self.snapshots.get(&self.db).await?;
        if snapshot.is_none() && !status.refreshing() {
            self.request_refresh().await?;
            status = self.status().await?;
        }
        Ok((status, snapshot))
    }

    /// Runs the automatic refreshes until `stop` turns true: one at once when the database
    /// has no snapshot yet (a fresh install, a new demo), then one per debounce interval in
    /// which writes changed anything. Does nothing when automatic refreshes are off.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Some(every) = self.debounce else {
            return;
        };
        match self.status().await {
            Ok(status) if status.computed_at.is_none() && !status.refreshing() => {
                if let Err(e) = self.request_refresh().await {
                    tracing::warn!(error = %e, "first analytics refresh not queued");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "analytics status unavailable"),
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            if self.stale.swap(false, Ordering::Relaxed) {
                if let Err(e) = self.request_refresh().await {
                    // Try again on the next tick.
                    self.stale.store(true, Ordering::Relaxed);
                    tracing::warn!(error = %e, "analytics refresh not queued");
                }
            }
        }
    }
}
