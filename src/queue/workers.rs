//! The workers that consume the queue, all run by one apalis monitor. Adding a job type is one
//! `.register(…)` below: its worker gets the queue backend from `runner.backend::<Job>()`;
//! waking, retries with backoff, giving up and recovery after a crash come with it.

use std::future::Future;
use std::str::FromStr;

use apalis::prelude::{Monitor, WorkerBuilder, WorkerFactoryFn};
use apalis_cron::{CronStream, Schedule};
use jobs::email_changed::{self, NotifyEmailChanged};
use jobs::housekeeping;
use jobs::password_changed::{self, NotifyPasswordChanged};
use jobs::password_reset::{self, SendPasswordReset};
use jobs::JobContext;

use super::runner::{Runner, Settings};
use super::Queue;
use crate::error::{Error, Result};

/// Housekeeping runs every ten minutes.
const HOUSEKEEPING_SCHEDULE: &str = "0 */10 * * * *";

/// Worker ids must differ between processes sharing a queue (they lock jobs by id); a short
/// random instance tag keeps them apart and within the 36 characters the queue tables allow.
fn worker_name(kind: &str, instance: &str) -> String {
    [kind, "-", instance].concat()
}

/// Runs every worker until `shutdown` resolves; running jobs are allowed to finish. Jobs
/// pushed through `queue` in this process wake its workers at once.
pub async fn run_workers(
    queue: &Queue,
    context: JobContext,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let instance: String = crate::auth::tokens::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let name = |kind: &str| worker_name(kind, &instance);
    let runner = Runner::new(queue.db(), queue.wakeup(), settings);
    let schedule = Schedule::from_str(HOUSEKEEPING_SCHEDULE)
        .map_err(|e| Error::internal(format_args!("cron schedule: {e}")))?;

    let monitor = Monitor::new()
        .register(
            WorkerBuilder::new(name("housekeeping"))
                .data(context.clone())
                .backend(CronStream::new(schedule))
                .build_fn(housekeeping::handle),
        )
        .register(
            WorkerBuilder::new(name("password-reset"))
                .data(context.clone())
                .backend(runner.backend::<SendPasswordReset>())
                .build_fn(password_reset::handle),
        )
        .register(
            WorkerBuilder::new(name("password-changed"))
                .data(context.clone())
                .backend(runner.backend::<NotifyPasswordChanged>())
                .build_fn(password_changed::handle),
        )
        .register(
            WorkerBuilder::new(name("email-changed"))
                .data(context.clone())
                .backend(runner.backend::<NotifyEmailChanged>())
                .build_fn(email_changed::handle),
        )
        .shutdown_timeout(std::time::Duration::from_secs(30));
    runner.run(monitor, shutdown).await
}
