//! The workers that consume the queue, all run by one apalis monitor. Adding a job type is one
//! `.register(…)` below: its worker gets the queue backend from `runner.backend::<Job>()`;
//! waking, retries with backoff, giving up and recovery after a crash come with it.

use std::future::Future;
use std::str::FromStr;

use apalis::prelude::{Monitor, WorkerBuilder, WorkerFactoryFn};
use apalis_cron::{CronStream, Schedule};
use jobs::analytics_refresh::{self, RefreshAnalytics};
use jobs::apply_import::{self, ApplyImport};
use jobs::email_changed::{self, NotifyEmailChanged};
use jobs::housekeeping;
use jobs::password_changed::{self, NotifyPasswordChanged};
use jobs::password_reset::{self, SendPasswordReset};
use jobs::registration_attempt::{self, NotifyRegistrationAttempt};
use jobs::sweep_posters::{self, SweepPosters};
use jobs::two_factor_changed::{self, NotifyTwoFactorChanged};
use jobs::JobContext;

use super::runner::{Runner, Settings};
use super::Queue;
use crate::error::{Error, Result};

/// Housekeeping runs every ten minutes.
const HOUSEKEEPING_SCHEDULE: &str = "0 */10 * * * *";

/// The analytics snapshot is recomputed every five minutes (besides on demand and after
/// writes); with several processes the refresh's lease lets one of them do it.
const ANALYTICS_SCHEDULE: &str = "0 */5 * * * *";

/// Worker ids must differ between processes sharing a queue (they lock jobs by id); a short
/// random instance tag keeps them apart and within the 36 characters the queue tables allow.
fn worker_name(kind: &str, instance: &str) -> String {
    [kind, "-", instance].concat()
}

/// Runs every worker until `shutdown` resolves; running jobs are allowed to finish. Jobs
/// pushed through `queue` in this process wake its workers at once. `analytics_schedule`
/// decides whether the five-minute analytics refresh runs here (`ANALYTICS_SCHEDULE`).
pub async fn run_workers(
    queue: &Queue,
    context: JobContext,
    settings: Settings,
    analytics_schedule: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let instance: String = crate::auth::tokens::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let name = |kind: &str| worker_name(kind, &instance);
    let runner = Runner::new(queue.db(), queue.wakeup(), settings);
    let schedule = |text: &str| {
        Schedule::from_str(text).map_err(|e| Error::internal(format_args!("cron schedule: {e}")))
    };

    let mut monitor = Monitor::new().register(
        WorkerBuilder::new(name("housekeeping"))
            .data(context.clone())
            .backend(CronStream::new(schedule(HOUSEKEEPING_SCHEDULE)?))
            .build_fn(housekeeping::handle),
    );
    if analytics_schedule {
        monitor = monitor.register(
            WorkerBuilder::new(name("analytics-schedule"))
                .data(context.clone())
                .backend(CronStream::new(schedule(ANALYTICS_SCHEDULE)?))
                .build_fn(analytics_refresh::scheduled),
        );
    }
    let monitor = monitor
        .register(
            WorkerBuilder::new(name("analytics-refresh"))
                .data(context.clone())
                .backend(runner.backend::<RefreshAnalytics>())
                .build_fn(analytics_refresh::handle),
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
        .register(
            WorkerBuilder::new(name("registration-attempt"))
                .data(context.clone())
                .backend(runner.backend::<NotifyRegistrationAttempt>())
                .build_fn(registration_attempt::handle),
        )
        .register(
            WorkerBuilder::new(name("two-factor-changed"))
                .data(context.clone())
                .backend(runner.backend::<NotifyTwoFactorChanged>())
                .build_fn(two_factor_changed::handle),
        )
        .register(
            WorkerBuilder::new(name("apply-import"))
                .data(context.clone())
                .backend(runner.backend::<ApplyImport>())
                .build_fn(apply_import::handle),
        )
        .register(
            WorkerBuilder::new(name("sweep-posters"))
                .data(context.clone())
                .backend(runner.backend::<SweepPosters>())
                .build_fn(sweep_posters::handle),
        )
        .shutdown_timeout(std::time::Duration::from_secs(30));
    runner.run(monitor, shutdown).await
}
