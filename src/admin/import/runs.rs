//! Large imports applied by a background job (`ApplyImport`): each run's state and progress
//! in `import_runs`, read by every process's change feed so the page that confirmed it shows
//! a progress bar, and a cancel request the job honours before it commits.
//!
//! The apply is one transaction. On MariaDB the job writes its progress to `import_runs` as it
//! goes (another table than the plan it holds locked, so the note never waits). SQLite has one
//! writer at a time, so there the progress and a cancel request also travel through this
//! process's [`LiveRuns`] (the job usually runs in the process that queued it: its commit wakes
//! the local workers first).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, Query};

use crate::db::schema::ImportRuns;
use crate::db::{Backend, Db, Tx};
use crate::error::Result;

/// Runs are shown for this long after their last change.
const SHOWN_FOR: Duration = Duration::minutes(10);
/// Runs are kept this long, then dropped with the next preview's cleanup.
pub const KEPT_FOR: Duration = Duration::days(7);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Queued,
    Running,
    Applied,
    Cancelled,
    /// A row changed since the preview: nothing applied.
    Stale,
    /// The database refused a row: nothing applied.
    Refused,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Applied => "applied",
            RunState::Cancelled => "cancelled",
            RunState::Stale => "stale",
            RunState::Refused => "refused",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<RunState> {
        [
            RunState::Queued,
            RunState::Running,
            RunState::Applied,
            RunState::Cancelled,
            RunState::Stale,
            RunState::Refused,
            RunState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_over(self) -> bool {
        !matches!(self, RunState::Queued | RunState::Running)
    }
}

/// One run as pages see it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Run {
    pub import_id: String,
    pub entity: String,
    pub account_id: i64,
    pub total: i64,
    pub done: i64,
    pub state: String,
    pub message: Option<String>,
    pub cancel_requested: bool,
    pub created: i64,
    pub updated: i64,
}

impl Run {
    pub fn state(&self) -> RunState {
        RunState::parse(&self.state).unwrap_or(RunState::Failed)
    }
}

/// Inside the unit that queues the job: the run, queued.
pub async fn queue(
    tx: &mut Tx,
    import_id: &str,
    entity: &str,
    account_id: i64,
    total: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        &Query::insert()
            .into_table(ImportRuns::Table)
            .columns([
                ImportRuns::ImportId,
                ImportRuns::Entity,
                ImportRuns::AccountId,
                ImportRuns::Total,
                ImportRuns::State,
                ImportRuns::UpdatedAt,
            ])
            .values_panic([
                import_id.into(),
                entity.into(),
                account_id.into(),
                total.into(),
                RunState::Queued.as_str().into(),
                now.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

fn select_runs() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ImportRuns::ImportId,
            ImportRuns::Entity,
            ImportRuns::AccountId,
            ImportRuns::Total,
            ImportRuns::Done,
            ImportRuns::State,
            ImportRuns::Message,
            ImportRuns::CancelRequested,
            ImportRuns::Created,
            ImportRuns::Updated,
        ])
        .from(ImportRuns::Table)
        .to_owned()
}

pub async fn find(db: &Db, import_id: &str) -> Result<Option<Run>> {
    let select = select_runs()
        .and_where(Expr::col(ImportRuns::ImportId).eq(import_id))
        .to_owned();
    db.fetch_optional(&select).await
}

pub async fn find_in(tx: &mut Tx, import_id: &str) -> Result<Option<Run>> {
    let select = select_runs()
        .and_where(Expr::col(ImportRuns::ImportId).eq(import_id))
        .to_owned();
    tx.fetch_optional(&select).await
}

/// Runs changed in the last few minutes, with this process's live progress laid over them.
pub async fn recent(db: &Db, live: &LiveRuns, now: DateTime<Utc>) -> Result<Vec<Run>> {
    let select = select_runs()
        .and_where(Expr::col(ImportRuns::UpdatedAt).gt(now - SHOWN_FOR))
        .to_owned();
    let mut runs: Vec<Run> = db.fetch_all(&select).await?;
    for run in &mut runs {
        if let Some(done) = live.done(&run.import_id) {
            run.done = run.done.max(done);
        }
    }
    runs.sort_by(|a, b| a.import_id.cmp(&b.import_id));
    Ok(runs)
}

/// The run's new state (and its outcome once over).
pub async fn set_state(
    db: &Db,
    import_id: &str,
    state: RunState,
    outcome: Option<(i64, i64, &str)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut update = Query::update();
    update
        .table(ImportRuns::Table)
        .value(ImportRuns::State, state.as_str())
        .value(ImportRuns::UpdatedAt, now)
        .and_where(Expr::col(ImportRuns::ImportId).eq(import_id));
    if let Some((created, updated, message)) = outcome {
        update
            .value(ImportRuns::Created, created)
            .value(ImportRuns::Updated, updated)
            .value(ImportRuns::Done, created + updated)
            .value(ImportRuns::Message, message);
    }
    db.write("note an import's state", update).await?;
    Ok(())
}

/// Asks the run to stop before it commits; `false` when `account_id` has no such run still
/// queued or running.
pub async fn request_cancel(
    db: &Db,
    live: &LiveRuns,
    import_id: &str,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(run) = find(db, import_id).await? else {
        return Ok(false);
    };
    if run.account_id != account_id || run.state().is_over() {
        return Ok(false);
    }
    // Running here: the flag is enough (and on SQLite, the only way in while it writes).
    if live.cancel(import_id) && db.backend() == Backend::Sqlite {
        return Ok(true);
    }
    let update = Query::update()
        .table(ImportRuns::Table)
        .value(ImportRuns::CancelRequested, true)
        .value(ImportRuns::UpdatedAt, now)
        .and_where(Expr::col(ImportRuns::ImportId).eq(import_id))
        .to_owned();
    db.write("ask an import to stop", update).await?;
    Ok(true)
}

/// Runs applying in this process: their progress and cancel flags.
#[derive(Default)]
pub struct LiveRuns {
    runs: Mutex<HashMap<String, Arc<LiveRun>>>,
}

#[derive(Default)]
pub struct LiveRun {
    done: AtomicI64,
    cancelled: AtomicBool,
}

impl LiveRuns {
    pub fn new() -> Arc<LiveRuns> {
        Arc::new(LiveRuns::default())
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveRun>>> {
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A run starts applying here.
    pub fn start(&self, import_id: &str) -> Arc<LiveRun> {
        let run = Arc::new(LiveRun::default());
        self.map().insert(import_id.to_owned(), run.clone());
        run
    }

    pub fn finish(&self, import_id: &str) {
        self.map().remove(import_id);
    }

    fn done(&self, import_id: &str) -> Option<i64> {
        self.map()
            .get(import_id)
            .map(|run| run.done.load(Ordering::Relaxed))
    }

    /// Flags the run if it applies here; whether it does.
    fn cancel(&self, import_id: &str) -> bool {
        match self.map().get(import_id) {
            Some(run) => {
                run.cancelled.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// What the applying transaction reports to and asks of the outside, every few hundred rows.
pub struct Progress {
    pub db: Db,
    pub import_id: String,
    pub live: Arc<LiveRun>,
    pub now: DateTime<Utc>,
}

impl Progress {
    /// `done` rows applied so far; whether to stop (a cancel request).
    pub async fn report(&self, done: i64) -> Result<bool> {
        self.live.done.store(done, Ordering::Relaxed);
        if self.db.backend() == Backend::MySql {
            let update = Query::update()
                .table(ImportRuns::Table)
                .value(ImportRuns::Done, done)
                .value(ImportRuns::UpdatedAt, self.now)
                .and_where(Expr::col(ImportRuns::ImportId).eq(self.import_id.as_str()))
                .to_owned();
            // Progress is a courtesy: a failed note never fails the import.
            if let Err(e) = self.db.execute(&update).await {
                tracing::warn!(error = %e, "noting an import's progress failed");
            }
        }
        if self.live.cancelled.load(Ordering::Relaxed) {
            return Ok(true);
        }
        Ok(find(&self.db, &self.import_id)
            .await?
            .is_some_and(|run| run.cancel_requested))
    }
}
