//! The job queue in the application's own database (apalis-sql's `jobs` and `workers`
//! tables): pushing jobs from request handlers, the workers that consume them (apalis, with
//! our own backend: `backend`, `runner`, `table`), and what staff see of jobs that gave up.

mod backend;
pub mod job_store;
mod runner;
mod table;
mod wakeup;
mod workers;

use apalis::prelude::{Request, Storage};
use apalis_sql::context::SqlContext;
use apalis_sql::mysql::MysqlStorage;
use apalis_sql::sqlite::SqliteStorage;
use jobs::email_changed::NotifyEmailChanged;
use jobs::password_changed::NotifyPasswordChanged;
use jobs::password_reset::SendPasswordReset;
use sea_query::{Expr, Order, Query};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::schema::{Computed, Jobs};
use crate::db::Db;
use crate::error::{Error, Result};

pub use backend::retry_delay_secs;
pub use runner::Settings as WorkerSettings;
pub use table::vacuum;
pub use wakeup::Wakeup;
pub use workers::run_workers;

/// Attempts a job gets before it gives up (with [`retry_delay_secs`] between them: hours).
pub const MAX_ATTEMPTS: i32 = 25;

/// Pushes jobs into the queue tables of the application's database and wakes this process's
/// workers. Any job type works: its storage is a cheap handle made per push, and the workers
/// (see `workers.rs`) consume it.
#[derive(Clone, Debug)]
pub struct Queue {
    db: Db,
    wakeup: Wakeup,
}

impl Queue {
    pub fn new(db: &Db) -> Self {
        Self {
            db: db.clone(),
            wakeup: Wakeup::default(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// What this process's workers sleep on.
    pub fn wakeup(&self) -> &Wakeup {
        &self.wakeup
    }

    /// Queues `job`; it is stored (committed) when this returns, and a worker of this process
    /// (if it runs any) takes it up at once.
    pub async fn push<J>(&self, job: J) -> Result<()>
    where
        J: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        let mut context = SqlContext::new();
        context.set_max_attempts(MAX_ATTEMPTS);
        let request = Request::new_with_ctx(job, context);
        let pushed = match &self.db {
            Db::Sqlite(pool) => SqliteStorage::<J>::new(pool.clone())
                .push_request(request)
                .await
                .map(|_| ()),
            Db::MySql(pool) => MysqlStorage::<J>::new(pool.clone())
                .push_request(request)
                .await
                .map(|_| ()),
        };
        pushed.map_err(Error::from)?;
        self.wakeup.wake(wakeup::job_type_of::<J>());
        Ok(())
    }
}

/// Queues a reset e-mail for whatever address was typed; the worker decides whether an
/// account uses it, so the request does the same work either way.
pub async fn request_password_reset(queue: &Queue, normalized_email: &str) -> Result<()> {
    queue
        .push(SendPasswordReset {
            email: normalized_email.to_owned(),
        })
        .await
}

/// Queues the "your password was changed" notice. Called after the change committed; a failure
/// to queue is logged rather than undoing a password change that already happened.
pub async fn notify_password_changed(queue: &Queue, account_id: i64) {
    if let Err(e) = queue.push(NotifyPasswordChanged { account_id }).await {
        tracing::error!(error = %e, account_id, "could not queue the password-changed notice");
    }
}

/// Queues the notice to an account's previous address after its e-mail address changed
/// (called after the commit; a failure to queue is logged, the change stands).
pub async fn notify_email_changed(queue: &Queue, account_id: i64, old_email: String) {
    if let Err(e) = queue
        .push(NotifyEmailChanged {
            account_id,
            old_email,
        })
        .await
    {
        tracing::error!(error = %e, account_id, "could not queue the e-mail-changed notice");
    }
}

/// A background job that gave up, for the staff overview.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FailedJob {
    pub id: String,
    pub job_type: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Jobs that gave up: killed (a permanent error, or recovered after too many lost attempts),
/// or failed with no attempt left. A `Failed` job with attempts left is still retrying.
pub async fn failed_jobs(db: &Db) -> Result<Vec<FailedJob>> {
    let query = Query::select()
        .columns([Jobs::Id, Jobs::JobType, Jobs::LastError])
        .expr_as(
            sea_query::Func::cast_as(Expr::col(Jobs::Attempts), Computed::Signed),
            Jobs::Attempts,
        )
        .from(Jobs::Table)
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col(Jobs::Status).eq(table::KILLED))
                .add(
                    sea_query::Cond::all()
                        .add(Expr::col(Jobs::Status).eq(table::FAILED))
                        .add(Expr::col(Jobs::Attempts).gte(Expr::col(Jobs::MaxAttempts))),
                ),
        )
        .order_by(Jobs::DoneAt, Order::Desc)
        .limit(20)
        .to_owned();
    db.fetch_all(&query).await
}
