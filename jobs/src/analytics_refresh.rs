//! Refreshes the analytics snapshot: on demand and after catalog writes (a queued
//! [`RefreshAnalytics`]), and on a schedule (apalis-cron ticks of [`ScheduledRefresh`]).
//! The application makes sure two refreshes never run at once and that many requests made
//! while one runs lead to one more refresh, not many.

use apalis::prelude::Data;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

/// A refresh asked for at `requested_at`: done once a snapshot computed after it exists.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshAnalytics {
    pub requested_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all)]
pub async fn handle(job: RefreshAnalytics, ctx: Data<JobContext>) -> Result<(), BoxError> {
    ctx.store.refresh_analytics(Some(job.requested_at)).await
}

/// The schedule's tick: refresh unless another refresh is running right now.
#[derive(Clone, Debug, Default)]
pub struct ScheduledRefresh;

#[tracing::instrument(skip_all)]
pub async fn scheduled(_tick: ScheduledRefresh, ctx: Data<JobContext>) -> Result<(), BoxError> {
    ctx.store.refresh_analytics(None).await
}
