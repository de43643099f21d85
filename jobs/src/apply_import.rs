//! Applies a large CSV import (more rows than a request should write) in one transaction,
//! with progress the confirming page shows and a cancel request honoured before it commits.
//! Queued by the confirmation, in its transaction. Its outcome is the run's state, not the
//! job's: a refused or stale import is not retried.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ApplyImport {
    pub import_id: String,
}

#[tracing::instrument(skip_all, fields(attempt = attempt.current()))]
pub async fn handle(
    job: ApplyImport,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    ctx.store.apply_import(&job.import_id).await
}
