//! Periodic clean-up of expired sessions and reset tokens (driven by apalis-cron).

use apalis::prelude::Data;

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Default)]
pub struct Housekeeping;

#[tracing::instrument(skip_all)]
pub async fn handle(_tick: Housekeeping, ctx: Data<JobContext>) -> Result<(), BoxError> {
    let removed = ctx.store.delete_expired().await?;
    tracing::info!(removed, "housekeeping done");
    Ok(())
}
