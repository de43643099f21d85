//! The job queue (apalis-sql) in the application's own database: pushing jobs from request
//! handlers, the workers that consume them, and what staff see of jobs that gave up.

pub mod job_store;
mod workers;

use apalis::prelude::Storage;
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

pub use workers::run_workers;

/// Pushes jobs into the queue tables of the application's database. Any job type works: its
/// storage is a cheap handle made per push, and the workers (see `workers.rs`) consume it.
#[derive(Clone, Debug)]
pub struct Queue {
    db: Db,
}

impl Queue {
    pub fn new(db: &Db) -> Self {
        Self { db: db.clone() }
    }

    /// Queues `job`; it is stored (committed) when this returns.
    pub async fn push<J>(&self, job: J) -> Result<()>
    where
        J: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        let pushed = match &self.db {
            Db::Sqlite(pool) => SqliteStorage::<J>::new(pool.clone())
                .push(job)
                .await
                .map(|_| ()),
            Db::MySql(pool) => MysqlStorage::<J>::new(pool.clone())
                .push(job)
                .await
                .map(|_| ()),
        };
        pushed.map_err(Error::from)
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

/// Jobs apalis marked as killed or failed for good.
pub async fn failed_jobs(db: &Db) -> Result<Vec<FailedJob>> {
    let query = Query::select()
        .columns([Jobs::Id, Jobs::JobType, Jobs::LastError])
        .expr_as(
            sea_query::Func::cast_as(Expr::col(Jobs::Attempts), Computed::Signed),
            Jobs::Attempts,
        )
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::Status).is_in(["Killed", "Failed"]))
        .order_by(Jobs::DoneAt, Order::Desc)
        .limit(20)
        .to_owned();
    db.fetch_all(&query).await
}
