//! Every statement on the queue tables (apalis-sql's `jobs` and `workers`), for both backends.
//!
//! Times come from the database's clock ([`db_now_plus`]): processes on several hosts then
//! agree on what "due" and "no heartbeat for a minute" mean, whatever their own clocks say.
//!
//! A job's life: `Pending` (pushed) → `Running` (one worker claimed it: `lock_by` names the
//! worker) → `Done`, or `Failed` with `lock_by` NULL and `run_at` in the future (any live
//! worker may claim it once `run_at` passed, never while another attempt runs), or `Killed`
//! (gave up: a permanent error or no attempts left). A `Running` job whose worker stopped
//! sending heartbeats goes back to `Pending` ([`recover_abandoned`]).

use sea_query::{CaseStatement, Cond, Expr, Func, OnConflict, Order, Query, SimpleExpr};

use crate::db::schema::{Computed, Jobs, SqlFunction, Workers};
use crate::db::{Backend, Db};
use crate::error::Result;

pub const PENDING: &str = "Pending";
pub const RUNNING: &str = "Running";
pub const DONE: &str = "Done";
pub const FAILED: &str = "Failed";
pub const KILLED: &str = "Killed";

/// What `workers.storage_name` says for workers run by this module.
const STORAGE_NAME: &str = "streamvault::queue";
/// `jobs.last_error` is at most 1000 characters on MySQL.
const MAX_ERROR_CHARS: usize = 900;

/// The database's clock `seconds` from now, in the queue tables' time format: Unix seconds
/// on SQLite, a DATETIME on MySQL (sqlx connections run in UTC, like apalis-sql's `NOW()`).
pub fn db_now_plus(backend: Backend, seconds: i64) -> SimpleExpr {
    match backend {
        Backend::Sqlite => Expr::expr(Func::cust(SqlFunction::UnixEpoch)).add(seconds),
        Backend::MySql => Func::cust(SqlFunction::FromUnixtime)
            .arg(Expr::expr(Func::cust(SqlFunction::UnixTimestamp)).add(seconds))
            .into(),
    }
}

/// A job any live worker may claim now: waiting and unlocked, or failed with attempts left
/// and its retry time passed — never one that another worker is running.
fn claimable(db: &Db) -> Cond {
    Cond::all()
        .add(Expr::col(Jobs::LockBy).is_null())
        .add(Expr::col(Jobs::RunAt).lte(db_now_plus(db.backend(), 0)))
        .add(
            Cond::any().add(Expr::col(Jobs::Status).eq(PENDING)).add(
                Cond::all()
                    .add(Expr::col(Jobs::Status).eq(FAILED))
                    .add(Expr::col(Jobs::Attempts).lt(Expr::col(Jobs::MaxAttempts))),
            ),
        )
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

#[derive(sqlx::FromRow)]
struct JobTypeRow {
    job_type: String,
}

/// Ids of up to `limit` claimable jobs of one type, most urgent first.
pub async fn claimable_ids(db: &Db, job_type: &str, limit: u64) -> Result<Vec<String>> {
    let query = Query::select()
        .column(Jobs::Id)
        .from(Jobs::Table)
        .cond_where(claimable(db).add(Expr::col(Jobs::JobType).eq(job_type)))
        .order_by(Jobs::Priority, Order::Desc)
        .order_by(Jobs::RunAt, Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<IdRow> = db.fetch_all(&query).await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Which of `job_types` have a claimable job: the one query an idle process runs per poll,
/// whatever the number of job types.
pub async fn job_types_with_work(db: &Db, job_types: &[String]) -> Result<Vec<String>> {
    if job_types.is_empty() {
        return Ok(Vec::new());
    }
    let query = Query::select()
        .distinct()
        .column(Jobs::JobType)
        .from(Jobs::Table)
        .cond_where(claimable(db).add(Expr::col(Jobs::JobType).is_in(job_types.iter().cloned())))
        .to_owned();
    let rows: Vec<JobTypeRow> = db.fetch_all(&query).await?;
    Ok(rows.into_iter().map(|row| row.job_type).collect())
}

/// Claims one job for `worker` with a single conditional UPDATE: of several workers trying
/// the same job, exactly one sees an affected row.
pub async fn claim(db: &Db, id: &str, job_type: &str, worker: &str) -> Result<bool> {
    let update = Query::update()
        .table(Jobs::Table)
        .value(Jobs::Status, RUNNING)
        .value(Jobs::LockBy, worker)
        .value(Jobs::LockAt, db_now_plus(db.backend(), 0))
        .cond_where(
            claimable(db)
                .add(Expr::col(Jobs::Id).eq(id))
                .add(Expr::col(Jobs::JobType).eq(job_type)),
        )
        .to_owned();
    Ok(db.execute(&update).await? == 1)
}

/// What a worker needs of a job it claimed.
#[derive(Debug, sqlx::FromRow)]
pub struct ClaimedJob {
    /// The serialized payload (JSON).
    pub job: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

pub async fn load(db: &Db, id: &str) -> Result<Option<ClaimedJob>> {
    let signed = |column| Func::cast_as(Expr::col(column), Computed::Signed);
    let query = Query::select()
        .expr_as(
            Func::cast_as(Expr::col(Jobs::Job), Computed::Char),
            Jobs::Job,
        )
        .expr_as(signed(Jobs::Attempts), Jobs::Attempts)
        .expr_as(signed(Jobs::MaxAttempts), Jobs::MaxAttempts)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::Id).eq(id))
        .to_owned();
    db.fetch_optional(&query).await
}

/// How an attempt ended, as the queue records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    Done,
    /// Failed; any live worker may try again after `retry_in_secs`.
    Retry {
        error: String,
        retry_in_secs: i64,
    },
    /// Gave up for good (listed for staff).
    Killed {
        error: String,
    },
}

fn shorten(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// Records how the attempt by `worker` ended. Conditional on the worker still holding the
/// job: `false` when it was taken away meanwhile (its heartbeat stopped for too long).
pub async fn settle(
    db: &Db,
    id: &str,
    worker: &str,
    attempts: i64,
    settlement: &Settlement,
) -> Result<bool> {
    let mut update = Query::update();
    update.table(Jobs::Table).value(Jobs::Attempts, attempts);
    match settlement {
        Settlement::Done => {
            update
                .value(Jobs::Status, DONE)
                .value(Jobs::DoneAt, db_now_plus(db.backend(), 0))
                .value(Jobs::LastError, Option::<String>::None);
        }
        Settlement::Retry {
            error,
            retry_in_secs,
        } => {
            update
                .value(Jobs::Status, FAILED)
                .value(Jobs::LastError, shorten(error))
                .value(Jobs::RunAt, db_now_plus(db.backend(), *retry_in_secs))
                .value(Jobs::LockBy, Option::<String>::None)
                .value(Jobs::LockAt, Option::<String>::None);
        }
        Settlement::Killed { error } => {
            update
                .value(Jobs::Status, KILLED)
                .value(Jobs::LastError, shorten(error))
                .value(Jobs::DoneAt, db_now_plus(db.backend(), 0));
        }
    }
    update
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::LockBy).eq(worker))
        .and_where(Expr::col(Jobs::Status).eq(RUNNING));
    Ok(db.execute(&update).await? == 1)
}

/// Registers the workers (first call) or renews their heartbeat, in one statement.
pub async fn heartbeat(db: &Db, workers: &[(String, String)]) -> Result<()> {
    if workers.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert.into_table(Workers::Table).columns([
        Workers::Id,
        Workers::WorkerType,
        Workers::StorageName,
        Workers::Layers,
        Workers::LastSeen,
    ]);
    for (id, job_type) in workers {
        insert.values_panic([
            id.as_str().into(),
            job_type.as_str().into(),
            STORAGE_NAME.into(),
            "".into(),
            db_now_plus(db.backend(), 0),
        ]);
    }
    insert.on_conflict(
        OnConflict::column(Workers::Id)
            .update_column(Workers::LastSeen)
            .to_owned(),
    );
    db.execute(&insert).await?;
    Ok(())
}

/// Hands `Running` jobs whose worker sent no heartbeat for `stale_after_secs` (a process
/// that crashed or was killed) back to the queue, counting the lost attempt; a job that has
/// used up its attempts this way gives up instead. Returns how many jobs were recovered.
pub async fn recover_abandoned(db: &Db, stale_after_secs: i64) -> Result<u64> {
    let live_workers = Query::select()
        .column(Workers::Id)
        .from(Workers::Table)
        .and_where(Expr::col(Workers::LastSeen).gte(db_now_plus(db.backend(), -stale_after_secs)))
        .to_owned();
    let out_of_attempts =
        || Expr::expr(Expr::col(Jobs::Attempts).add(1)).gte(Expr::col(Jobs::MaxAttempts));
    // Status and done_at first: MySQL evaluates SET assignments left to right, so they must
    // read `attempts` before it is incremented (SQLite reads the old value either way).
    let update = Query::update()
        .table(Jobs::Table)
        .value(
            Jobs::Status,
            CaseStatement::new()
                .case(out_of_attempts(), KILLED)
                .finally(PENDING),
        )
        .value(
            Jobs::DoneAt,
            CaseStatement::new()
                .case(out_of_attempts(), db_now_plus(db.backend(), 0))
                .finally(Expr::value(Option::<String>::None)),
        )
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
        .value(Jobs::LockBy, Option::<String>::None)
        .value(Jobs::LockAt, Option::<String>::None)
        .value(
            Jobs::LastError,
            "abandoned: its worker stopped sending heartbeats",
        )
        .cond_where(
            Cond::all().add(Expr::col(Jobs::Status).eq(RUNNING)).add(
                Cond::any()
                    .add(Expr::col(Jobs::LockBy).is_null())
                    .add(Expr::col(Jobs::LockBy).not_in_subquery(live_workers)),
            ),
        )
        .to_owned();
    db.execute(&update).await
}

/// At shutdown, after the workers stopped: jobs these workers claimed but never ran (or
/// whose attempt was cut short) go back to `Pending` at once, rather than after the
/// heartbeat timeout.
pub async fn release(db: &Db, workers: &[String]) -> Result<u64> {
    if workers.is_empty() {
        return Ok(0);
    }
    let update = Query::update()
        .table(Jobs::Table)
        .value(Jobs::Status, PENDING)
        .value(Jobs::LockBy, Option::<String>::None)
        .value(Jobs::LockAt, Option::<String>::None)
        .and_where(Expr::col(Jobs::Status).eq(RUNNING))
        .and_where(Expr::col(Jobs::LockBy).is_in(workers.iter().cloned()))
        .to_owned();
    db.execute(&update).await
}

/// Keeps the queue tables from growing forever: finished jobs older than `keep_days` go, and
/// so do worker rows silent for as long that no job refers to any more. Jobs that gave up
/// stay (staff see them).
pub async fn vacuum(db: &Db, keep_days: i64) -> Result<u64> {
    let cutoff = || db_now_plus(db.backend(), -keep_days * 24 * 60 * 60);
    let old_jobs = Query::delete()
        .from_table(Jobs::Table)
        .and_where(Expr::col(Jobs::Status).eq(DONE))
        .and_where(Expr::col(Jobs::DoneAt).lt(cutoff()))
        .to_owned();
    let referenced = Query::select()
        .column(Jobs::LockBy)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::LockBy).is_not_null())
        .to_owned();
    let old_workers = Query::delete()
        .from_table(Workers::Table)
        .and_where(Expr::col(Workers::LastSeen).lt(cutoff()))
        .and_where(Expr::col(Workers::Id).not_in_subquery(referenced))
        .to_owned();
    Ok(db.execute(&old_jobs).await? + db.execute(&old_workers).await?)
}
