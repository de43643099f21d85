//! The workers that consume the queue, all run by one apalis monitor.

use std::future::Future;
use std::str::FromStr;

use apalis::prelude::{Monitor, WorkerBuilder, WorkerFactoryFn};
use apalis_cron::{CronStream, Schedule};
use apalis_sql::mysql::MysqlStorage;
use apalis_sql::sqlite::SqliteStorage;
use jobs::email_changed::{self, NotifyEmailChanged};
use jobs::housekeeping;
use jobs::password_changed::{self, NotifyPasswordChanged};
use jobs::password_reset::{self, SendPasswordReset};
use jobs::JobContext;

use crate::db::Db;
use crate::error::{Error, Result};

/// Housekeeping runs every ten minutes.
const HOUSEKEEPING_SCHEDULE: &str = "0 */10 * * * *";

/// Worker ids must differ between processes sharing a queue (they lock jobs by id); a short
/// random instance tag keeps them apart and within the 36 characters the queue tables allow.
fn worker_name(kind: &str, instance: &str) -> String {
    [kind, "-", instance].concat()
}

/// Runs every worker until `shutdown` resolves; running jobs are allowed to finish.
pub async fn run_workers(
    db: &Db,
    context: JobContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let instance: String = crate::auth::tokens::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let schedule = Schedule::from_str(HOUSEKEEPING_SCHEDULE)
        .map_err(|e| Error::internal(format_args!("cron schedule: {e}")))?;
    let cleaner = WorkerBuilder::new(worker_name("housekeeping", &instance))
        .data(context.clone())
        .backend(CronStream::new(schedule))
        .build_fn(housekeeping::handle);
    let monitor = Monitor::new()
        .register(cleaner)
        .shutdown_timeout(std::time::Duration::from_secs(30));
    let monitor = match db {
        Db::Sqlite(pool) => monitor
            .register(
                WorkerBuilder::new(worker_name("password-reset", &instance))
                    .data(context.clone())
                    .backend(SqliteStorage::<SendPasswordReset>::new(pool.clone()))
                    .build_fn(password_reset::handle),
            )
            .register(
                WorkerBuilder::new(worker_name("password-changed", &instance))
                    .data(context.clone())
                    .backend(SqliteStorage::<NotifyPasswordChanged>::new(pool.clone()))
                    .build_fn(password_changed::handle),
            )
            .register(
                WorkerBuilder::new(worker_name("email-changed", &instance))
                    .data(context)
                    .backend(SqliteStorage::<NotifyEmailChanged>::new(pool.clone()))
                    .build_fn(email_changed::handle),
            ),
        Db::MySql(pool) => monitor
            .register(
                WorkerBuilder::new(worker_name("password-reset", &instance))
                    .data(context.clone())
                    .backend(MysqlStorage::<SendPasswordReset>::new(pool.clone()))
                    .build_fn(password_reset::handle),
            )
            .register(
                WorkerBuilder::new(worker_name("password-changed", &instance))
                    .data(context.clone())
                    .backend(MysqlStorage::<NotifyPasswordChanged>::new(pool.clone()))
                    .build_fn(password_changed::handle),
            )
            .register(
                WorkerBuilder::new(worker_name("email-changed", &instance))
                    .data(context)
                    .backend(MysqlStorage::<NotifyEmailChanged>::new(pool.clone()))
                    .build_fn(email_changed::handle),
            ),
    };
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await
        .map_err(|e| Error::internal(format_args!("workers stopped: {e}")))
}
