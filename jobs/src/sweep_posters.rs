//! Deletes poster renditions no series uses any more: queued by the write that replaced or
//! dropped a poster (or deleted its series), so it runs only after that write committed.
//! Every run looks at the whole folder, so one that failed or was never queued (a crash
//! between writing files and committing) is made up by the next.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SweepPosters {}

#[tracing::instrument(skip_all, fields(attempt = attempt.current()))]
pub async fn handle(
    _job: SweepPosters,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let removed = ctx.store.sweep_posters().await?;
    tracing::info!(removed, "poster sweep");
    Ok(())
}
