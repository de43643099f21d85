//! The application's side of the jobs crate: database work that background jobs ask for.

use futures::future::BoxFuture;
use futures::FutureExt;
use jobs::{BoxError, Contact, JobStore, ResetGrant};

use chrono::{DateTime, Utc};

use std::sync::Arc;

use crate::admin::import::{self, LiveRuns};
use crate::analytics::background::Background;
use crate::analytics::snapshot;
use crate::auth::{accounts, resets, sessions};
use crate::clock::Clock;
use crate::db::Db;
use crate::posters::{self, MediaDir};

/// Finished jobs stay in the queue table this long (for inspection), then housekeeping drops them.
const FINISHED_JOBS_KEPT_DAYS: i64 = 7;

pub struct AppJobStore {
    pub db: Db,
    pub clock: Clock,
    pub media: MediaDir,
    /// Imports applying in this process (progress, cancel flags), shared with the feed.
    pub imports: Arc<LiveRuns>,
    /// The analytics refresh runs there, below page serving (see `analytics::background`).
    pub background: Background,
}

impl JobStore for AppJobStore {
    fn mint_reset_token(
        &self,
        normalized_email: &str,
    ) -> BoxFuture<'_, Result<Option<ResetGrant>, BoxError>> {
        let email = normalized_email.to_owned();
        async move {
            let minted = resets::mint(&self.db, &email, self.clock.now()).await?;
            Ok(minted.map(|(account, raw_token)| ResetGrant {
                contact: Contact {
                    username: account.username,
                    email: account.email,
                },
                raw_token,
                valid_minutes: resets::VALID_FOR.num_minutes(),
            }))
        }
        .boxed()
    }

    fn contact(&self, account_id: i64) -> BoxFuture<'_, Result<Option<Contact>, BoxError>> {
        async move {
            let account = accounts::find_by_id(&self.db, account_id).await?;
            Ok(account.map(|a| Contact {
                username: a.username,
                email: a.email,
            }))
        }
        .boxed()
    }

    fn delete_expired(&self) -> BoxFuture<'_, Result<u64, BoxError>> {
        async move {
            let now = self.clock.now();
            Ok(sessions::delete_expired(&self.db, now).await?
                + resets::delete_dead(&self.db, now).await?
                + crate::queue::vacuum(&self.db, FINISHED_JOBS_KEPT_DAYS).await?)
        }
        .boxed()
    }

    fn refresh_analytics(
        &self,
        requested_at: Option<DateTime<Utc>>,
    ) -> BoxFuture<'_, Result<(), BoxError>> {
        async move {
            let clock = self.clock.clone();
            let outcome = self
                .background
                .run(move |db| {
                    Box::pin(async move { snapshot::refresh(&db, &clock, requested_at).await })
                })
                .await?;
            tracing::debug!(?outcome, "analytics refresh");
            Ok(())
        }
        .boxed()
    }

    fn sweep_posters(&self) -> BoxFuture<'_, Result<u64, BoxError>> {
        async move { Ok(posters::sweep(&self.db, &self.media).await?) }.boxed()
    }

    fn apply_import<'a>(&'a self, import_id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        async move {
            import::apply_queued(&self.db, &self.imports, import_id, self.clock.now()).await?;
            Ok(())
        }
        .boxed()
    }
}
