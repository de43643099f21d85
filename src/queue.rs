//! The job queue (apalis-sql) in the application's own database: pushing jobs from request
//! handlers, and running the workers that consume them.

use std::future::Future;
use std::str::FromStr;

use apalis::prelude::{Monitor, Storage, WorkerBuilder, WorkerFactoryFn};
use apalis_cron::{CronStream, Schedule};
use apalis_sql::mysql::MysqlStorage;
use apalis_sql::sqlite::SqliteStorage;
use jobs::housekeeping;
use jobs::password_changed::{self, NotifyPasswordChanged};
use jobs::password_reset::{self, SendPasswordReset};
use jobs::JobContext;

use crate::db::Db;
use crate::error::{Error, Result};

/// Handles for pushing jobs, one storage per job type.
#[derive(Clone)]
pub enum Queue {
    Sqlite {
        reset: SqliteStorage<SendPasswordReset>,
        changed: SqliteStorage<NotifyPasswordChanged>,
    },
    MySql {
        reset: MysqlStorage<SendPasswordReset>,
        changed: MysqlStorage<NotifyPasswordChanged>,
    },
}

impl Queue {
    pub fn new(db: &Db) -> Self {
        match db {
            Db::Sqlite(pool) => Queue::Sqlite {
                reset: SqliteStorage::new(pool.clone()),
                changed: SqliteStorage::new(pool.clone()),
            },
            Db::MySql(pool) => Queue::MySql {
                reset: MysqlStorage::new(pool.clone()),
                changed: MysqlStorage::new(pool.clone()),
            },
        }
    }
}

/// Queues a reset e-mail for whatever address was typed; the worker decides whether an
/// account uses it, so the request does the same work either way.
pub async fn request_password_reset(queue: &Queue, normalized_email: &str) -> Result<()> {
    let job = SendPasswordReset {
        email: normalized_email.to_owned(),
    };
    let pushed = match queue.clone() {
        Queue::Sqlite { mut reset, .. } => reset.push(job).await.map(|_| ()),
        Queue::MySql { mut reset, .. } => reset.push(job).await.map(|_| ()),
    };
    pushed.map_err(Error::from)
}

/// Queues the "your password was changed" notice. Called after the change committed; a failure
/// to queue is logged rather than undoing a password change that already happened.
pub async fn notify_password_changed(queue: &Queue, account_id: i64) {
    let job = NotifyPasswordChanged { account_id };
    let pushed = match queue.clone() {
        Queue::Sqlite { mut changed, .. } => changed.push(job).await.map(|_| ()),
        Queue::MySql { mut changed, .. } => changed.push(job).await.map(|_| ()),
    };
    if let Err(e) = pushed {
        tracing::error!(error = %e, account_id, "could not queue the password-changed notice");
    }
}

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
    let instance: String = crate::tokens::random_token()
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
                    .data(context)
                    .backend(SqliteStorage::<NotifyPasswordChanged>::new(pool.clone()))
                    .build_fn(password_changed::handle),
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
                    .data(context)
                    .backend(MysqlStorage::<NotifyPasswordChanged>::new(pool.clone()))
                    .build_fn(password_changed::handle),
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
