//! The job queue in the application's own database (apalis-sql's `jobs` and `workers`
//! tables): pushing jobs from request handlers, the workers that consume them (apalis, with
//! our own backend: `backend`, `runner`, `table`), and what staff see of jobs that gave up.

mod backend;
mod runner;
mod table;
mod wakeup;
mod workers;

use apalis_core::task::task_id::TaskId;
use sea_query::{Expr, Order, Query};
use serde::Serialize;

use crate::db::schema::{Computed, Jobs};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

pub use backend::retry_delay_secs;
pub use runner::Settings as WorkerSettings;
pub use table::vacuum;
pub use wakeup::Wakeup;
pub use workers::run_workers;

/// Attempts a job gets before it gives up (with [`retry_delay_secs`] between them: hours).
pub const MAX_ATTEMPTS: i32 = 25;

/// This process's handle on the queue tables: the database its workers poll and what they
/// sleep on between polls. Jobs are queued by units of work with [`enqueue`], never from here.
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
}

/// Queues `job` through the unit of work's own transaction (a transactional outbox): the job
/// row commits with the change that causes it, or not at all. The workers of this process are
/// woken once the transaction commits (`Tx::queued`); other processes, and this one after a
/// crash between the commit and the wake-up, find it with their regular poll.
pub async fn enqueue<J: Serialize>(tx: &mut Tx, job: &J) -> Result<()> {
    let job_type = wakeup::job_type_of::<J>();
    // The row apalis-sql's own push writes: the payload as JSON, a ULID task id, now.
    let payload = serde_json::to_string(job)
        .map_err(|e| Error::internal(format_args!("cannot serialize a {job_type}: {e}")))?;
    let insert = Query::insert()
        .into_table(Jobs::Table)
        .columns([
            Jobs::Job,
            Jobs::Id,
            Jobs::JobType,
            Jobs::Status,
            Jobs::Attempts,
            Jobs::MaxAttempts,
            Jobs::RunAt,
            Jobs::Priority,
        ])
        .values([
            payload.into(),
            TaskId::new().to_string().into(),
            job_type.into(),
            table::PENDING.into(),
            0.into(),
            MAX_ATTEMPTS.into(),
            table::db_now_plus(tx.backend(), 0),
            0.into(),
        ])
        .map_err(|e| Error::internal(format_args!("queue insert: {e}")))?
        .to_owned();
    tx.execute(&insert).await?;
    tx.queued(job_type);
    Ok(())
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
