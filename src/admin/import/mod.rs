//! CSV import into a staff table, in two steps. The preview parses and checks every line as
//! the table's own forms would (same validation, same uniqueness and reference checks),
//! changes nothing, and stores the plan it shows under an `import_id`. The confirmation
//! applies exactly that plan in one transaction — every row at the version the preview saw —
//! or nothing at all, and can be used once.
//!
//! The file is the format of `GET /admin/E.csv`: a header of column names, then one row per
//! line; a row with an `id` updates that row, a row without one creates a new row. Columns a
//! file leaves out keep their values.

mod check;
mod csv;
pub mod runs;

pub use csv::parse_csv;
pub use runs::{LiveRuns, RunState};

use chrono::{DateTime, Duration, Utc};
use jobs::apply_import::ApplyImport;
use runs::Progress;
use sea_query::{Expr, Query};
use serde::{Deserialize, Serialize};

use super::crud::{self, Actor, FormData};
use super::entity::EntityDef;
use super::values::Value;
use crate::audit::FieldChange;
use crate::db::schema::{ImportChunks, ImportRuns, Imports};
use crate::db::{Db, DbErrorKind, Tx};
use crate::error::{Error, Result};

/// Rows one file may hold (a larger import is several files).
pub const MAX_ROWS: usize = 100_000;
/// The largest file accepted (a larger upload is refused with 413 before it is read).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Plans up to this many rows are applied within the confirming request.
pub const INLINE_ROWS: usize = 1000;
/// Rows per stored chunk of a plan (well under a MariaDB packet).
const CHUNK_ROWS: usize = 1000;
/// A queued import reports its progress (and looks for a cancel request) this often.
const PROGRESS_EVERY: usize = 250;
/// How long a preview can be confirmed.
const PREVIEW_LIFETIME_MINUTES: i64 = 60;

/// What the preview found for one line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineAction {
    Create,
    Update,
    Unchanged,
    Invalid,
}

#[derive(Clone, Debug)]
pub struct PreviewLine {
    /// The line's number in the file (the header is line 1).
    pub line: usize,
    pub action: LineAction,
    pub id: Option<i64>,
    /// For updates and creates: each field that changes, before and after.
    pub changes: Vec<FieldChange>,
    /// For invalid lines: field and message.
    pub errors: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Preview {
    /// Present only when every line is valid and something would change.
    pub import_id: Option<String>,
    pub lines: Vec<PreviewLine>,
}

impl Preview {
    pub fn count(&self, action: &LineAction) -> usize {
        self.lines.iter().filter(|l| l.action == *action).count()
    }
}

pub enum Previewed {
    Ready(Preview),
    /// The file cannot be read as this table's CSV; the message says why.
    Refused(String),
}

pub enum Confirmed {
    Applied {
        created: usize,
        updated: usize,
    },
    /// Too large to apply within the request: a job applies it, with progress on the table's
    /// event stream (`runs`).
    Queued {
        total: i64,
    },
    /// A row changed (or went) since the preview: nothing was applied.
    Stale(String),
    /// The database refused a row (e.g. two lines of the file with the same name).
    Refused(String),
    NotFound,
}

/// One write of the plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Planned {
    id: Option<i64>,
    version: Option<i64>,
    values: Vec<Value>,
}

/// Checks `file` against the table and stores the plan the preview shows.
pub async fn preview(
    db: &Db,
    def: &'static EntityDef,
    file: &[u8],
    actor: Actor,
) -> Result<Previewed> {
    let text = match std::str::from_utf8(file) {
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text),
        Err(e) => {
            // The line an editor would show the first bad byte on.
            let line = file[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Ok(Previewed::Refused(format!(
                "Line {line} is not UTF-8 text: save the file as UTF-8 and try again."
            )));
        }
    };
    let records = match parse_csv(text) {
        Ok(records) => records,
        Err(message) => return Ok(Previewed::Refused(message)),
    };
    let mut records = records.into_iter();
    let Some(header) = records.next() else {
        return Ok(Previewed::Refused("The file is empty.".into()));
    };
    let header: Vec<String> = header.into_iter().map(|h| h.trim().to_owned()).collect();
    for name in &header {
        if name != "id" && def.column(name).is_none() && !is_alias(def, name) {
            return Ok(Previewed::Refused(format!(
                "The column \"{}\" is not a column of {}.",
                name.chars().take(60).collect::<String>(),
                def.plural
            )));
        }
    }
    let id_column = header.iter().position(|h| h == "id");
    let mut inputs = Vec::new();
    for (index, record) in records.enumerate() {
        let line = index + 2;
        if inputs.len() >= MAX_ROWS {
            return Ok(Previewed::Refused(
                "A file may hold at most 100,000 rows.".into(),
            ));
        }
        if record.len() != header.len() {
            return Ok(Previewed::Refused(format!(
                "Line {line} has {} fields; the header has {}.",
                record.len(),
                header.len()
            )));
        }
        let id_text = id_column.map(|i| record[i].clone()).unwrap_or_default();
        let form = FormData(
            header
                .iter()
                .zip(record)
                .filter(|(name, _)| *name != "id")
                .map(|(name, value)| (name.clone(), crate::analytics::csv::restore(value)))
                .collect(),
        );
        inputs.push(check::Input {
            line,
            id_text,
            form,
        });
    }
    let mut lines = Vec::with_capacity(inputs.len());
    let mut plan = Vec::new();
    for (line, planned) in check::check_file(db, def, inputs).await? {
        lines.push(line);
        plan.extend(planned);
    }
    let all_valid = lines.iter().all(|l| l.action != LineAction::Invalid);
    let import_id = if all_valid && !plan.is_empty() {
        Some(store_plan(db, def, &plan, actor).await?)
    } else {
        None
    };
    Ok(Previewed::Ready(Preview { import_id, lines }))
}

/// Applies the plan stored under `import_id` by `actor` for `def`, all of it or nothing: at
/// once when it is small, else through a job ([`Confirmed::Queued`]).
pub async fn confirm(
    db: &Db,
    def: &'static EntityDef,
    import_id: &str,
    actor: Actor,
) -> Result<Confirmed> {
    let Some(total) = planned_rows(db, def, import_id, actor).await? else {
        return Ok(Confirmed::NotFound);
    };
    if total <= INLINE_ROWS {
        return apply(db, def, import_id, actor, None).await;
    }
    let total = total as i64;
    let id = import_id.to_owned();
    db.transaction("queue a CSV import", |tx| {
        let id = id.clone();
        Box::pin(async move {
            // A second click finds the run already queued.
            if let Some(run) = runs::find_in(tx, &id).await? {
                return Ok(Confirmed::Queued { total: run.total });
            }
            if stored_plan(tx, def, &id, actor).await?.is_none() {
                return Ok(Confirmed::NotFound);
            }
            runs::queue(tx, &id, def.slug, actor.account_id, total, actor.now).await?;
            crate::queue::enqueue(
                tx,
                &ApplyImport {
                    import_id: id.clone(),
                },
            )
            .await?;
            Ok(Confirmed::Queued { total })
        })
    })
    .await
}

/// The job's half of a large import: applies the run's plan with progress, unless it was
/// cancelled first, and records how it ended. Never fails the job: the outcome is the run's
/// state, shown on the page.
pub async fn apply_queued(
    db: &Db,
    live: &LiveRuns,
    import_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(run) = runs::find(db, import_id).await? else {
        return Ok(());
    };
    if run.state().is_over() {
        return Ok(());
    }
    let Some(def) = super::entities::find(&run.entity) else {
        return runs::set_state(
            db,
            import_id,
            RunState::Failed,
            Some((0, 0, "Unknown table.")),
            now,
        )
        .await;
    };
    if run.cancel_requested {
        return runs::set_state(
            db,
            import_id,
            RunState::Cancelled,
            Some((0, 0, CANCELLED)),
            now,
        )
        .await;
    }
    runs::set_state(db, import_id, RunState::Running, None, now).await?;
    let actor = Actor {
        account_id: run.account_id,
        now,
    };
    let progress = std::sync::Arc::new(Progress {
        db: db.clone(),
        import_id: import_id.to_owned(),
        live: live.start(import_id),
        now,
    });
    let outcome = apply(db, def, import_id, actor, Some(progress)).await;
    live.finish(import_id);
    let (state, created, updated, message) = match outcome {
        Ok(Confirmed::Applied { created, updated }) => (
            RunState::Applied,
            created as i64,
            updated as i64,
            applied_message(created, updated),
        ),
        Ok(Confirmed::Stale(message)) => (RunState::Stale, 0, 0, message),
        Ok(Confirmed::Refused(message)) => (RunState::Refused, 0, 0, message),
        Ok(Confirmed::Queued { .. } | Confirmed::NotFound) => (
            RunState::Failed,
            0,
            0,
            "The preview expired before the import ran: nothing was imported.".to_owned(),
        ),
        Err(Error::Cancelled) => (RunState::Cancelled, 0, 0, CANCELLED.to_owned()),
        Err(error) => {
            tracing::error!(error = %error, import_id, "a queued import failed");
            (
                RunState::Failed,
                0,
                0,
                "The import failed: nothing was imported.".to_owned(),
            )
        }
    };
    runs::set_state(
        db,
        import_id,
        state,
        Some((created, updated, &message)),
        now,
    )
    .await
}

const CANCELLED: &str = "Cancelled: nothing was imported.";

/// "Imported: 3 new rows, 2 changed."
pub fn applied_message(created: usize, updated: usize) -> String {
    format!("Imported: {created} new, {updated} changed.")
}

/// How many rows the preview planned, if `actor` may still confirm it.
async fn planned_rows(
    db: &Db,
    def: &'static EntityDef,
    import_id: &str,
    actor: Actor,
) -> Result<Option<usize>> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        total: i64,
    }
    let select = previewed(def, import_id, actor)
        .column(Imports::Total)
        .to_owned();
    Ok(db
        .fetch_optional::<Stored>(&select)
        .await?
        .map(|s| usize::try_from(s.total).unwrap_or(0)))
}

/// The import row `actor` previewed for `def`, if still within its lifetime.
fn previewed(def: &'static EntityDef, import_id: &str, actor: Actor) -> sea_query::SelectStatement {
    Query::select()
        .from(Imports::Table)
        .and_where(Expr::col(Imports::Id).eq(import_id))
        .and_where(Expr::col(Imports::Entity).eq(def.slug))
        .and_where(Expr::col(Imports::AccountId).eq(actor.account_id))
        .and_where(
            Expr::col(Imports::CreatedAt)
                .gt(actor.now - Duration::minutes(PREVIEW_LIFETIME_MINUTES)),
        )
        .to_owned()
}

/// Locks the previewed import row; `None` if it is gone, expired or not `actor`'s.
async fn stored_plan(
    tx: &mut Tx,
    def: &'static EntityDef,
    import_id: &str,
    actor: Actor,
) -> Result<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        total: i64,
    }
    let select = previewed(def, import_id, actor)
        .column(Imports::Total)
        .lock(sea_query::LockType::Update)
        .to_owned();
    Ok(tx.fetch_optional::<Stored>(&select).await?.map(|s| s.total))
}

/// Applies the plan in one transaction, all of it or nothing, reporting progress (and
/// stopping on a cancel request) every [`PROGRESS_EVERY`] rows when `progress` is given.
async fn apply(
    db: &Db,
    def: &'static EntityDef,
    import_id: &str,
    actor: Actor,
    progress: Option<std::sync::Arc<Progress>>,
) -> Result<Confirmed> {
    let import_id = import_id.to_owned();
    let outcome = db
        .transaction("apply a CSV import", |tx| {
            let (import_id, progress) = (import_id.clone(), progress.clone());
            Box::pin(async move {
                if stored_plan(tx, def, &import_id, actor).await?.is_none() {
                    return Ok(Confirmed::NotFound);
                }
                #[derive(sqlx::FromRow)]
                struct Chunk {
                    plan: String,
                }
                let chunks: Vec<Chunk> = tx
                    .fetch_all(
                        &Query::select()
                            .column(ImportChunks::Plan)
                            .from(ImportChunks::Table)
                            .and_where(Expr::col(ImportChunks::ImportId).eq(import_id.as_str()))
                            .order_by(ImportChunks::Seq, sea_query::Order::Asc)
                            .to_owned(),
                    )
                    .await?;
                // Used once, whatever happens next in this transaction.
                tx.execute(
                    &Query::delete()
                        .from_table(ImportChunks::Table)
                        .and_where(Expr::col(ImportChunks::ImportId).eq(import_id.as_str()))
                        .to_owned(),
                )
                .await?;
                tx.execute(
                    &Query::delete()
                        .from_table(Imports::Table)
                        .and_where(Expr::col(Imports::Id).eq(import_id.as_str()))
                        .to_owned(),
                )
                .await?;
                let (mut created, mut updated) = (0, 0);
                for chunk in chunks {
                    let plan: Vec<Planned> = serde_json::from_str(&chunk.plan)
                        .map_err(|e| Error::internal(format_args!("stored import plan: {e}")))?;
                    for row in &plan {
                        match (row.id, row.version) {
                            (Some(id), Some(version)) => {
                                match crud::update_in(tx, def, id, version, &row.values, actor)
                                    .await?
                                {
                                    crud::Step::Done(_) => updated += 1,
                                    crud::Step::Conflict(_) | crud::Step::NotFound => {
                                        return Err(Error::Conflict);
                                    }
                                }
                            }
                            _ => {
                                crud::create_in(tx, def, &row.values, None, actor).await?;
                                created += 1;
                            }
                        }
                        let done = created + updated;
                        if let Some(progress) = &progress {
                            if done % PROGRESS_EVERY == 0 && progress.report(done as i64).await? {
                                return Err(Error::Cancelled);
                            }
                        }
                    }
                }
                Ok(Confirmed::Applied { created, updated })
            })
        })
        .await;
    match outcome {
        Ok(confirmed) => Ok(confirmed),
        Err(Error::Conflict) => Ok(Confirmed::Stale(
            "A row changed since the preview, so nothing was imported. Preview the file again."
                .into(),
        )),
        Err(error) => match error.db_kind() {
            Some(
                DbErrorKind::UniqueViolation
                | DbErrorKind::ForeignKeyViolation
                | DbErrorKind::CheckViolation,
            ) => Ok(Confirmed::Refused(
                "The database refused a row (two lines with the same unique value, or a row \
                 another one needs), so nothing was imported."
                    .into(),
            )),
            _ => Err(error),
        },
    }
}

async fn store_plan(
    db: &Db,
    def: &'static EntityDef,
    plan: &[Planned],
    actor: Actor,
) -> Result<String> {
    let import_id = crate::auth::tokens::random_token();
    let mut chunks = Vec::new();
    for rows in plan.chunks(CHUNK_ROWS) {
        chunks.push(
            serde_json::to_string(rows)
                .map_err(|e| Error::internal(format_args!("import plan: {e}")))?,
        );
    }
    let chunks = std::sync::Arc::new(chunks);
    let total = plan.len() as i64;
    let expired: DateTime<Utc> = actor.now - Duration::minutes(PREVIEW_LIFETIME_MINUTES);
    let id = import_id.clone();
    db.transaction("store an import preview", |tx| {
        let (id, chunks) = (id.clone(), chunks.clone());
        Box::pin(async move {
            tx.execute(
                &Query::delete()
                    .from_table(Imports::Table)
                    .and_where(Expr::col(Imports::CreatedAt).lt(expired))
                    .to_owned(),
            )
            .await?;
            tx.execute(
                &Query::delete()
                    .from_table(ImportRuns::Table)
                    .and_where(Expr::col(ImportRuns::UpdatedAt).lt(actor.now - runs::KEPT_FOR))
                    .to_owned(),
            )
            .await?;
            tx.execute(
                &Query::insert()
                    .into_table(Imports::Table)
                    .columns([
                        Imports::Id,
                        Imports::Entity,
                        Imports::AccountId,
                        Imports::CreatedAt,
                        Imports::Plan,
                        Imports::Total,
                    ])
                    .values_panic([
                        id.clone().into(),
                        def.slug.into(),
                        actor.account_id.into(),
                        actor.now.into(),
                        "".into(),
                        total.into(),
                    ])
                    .to_owned(),
            )
            .await?;
            for (seq, chunk) in chunks.iter().enumerate() {
                tx.execute(
                    &Query::insert()
                        .into_table(ImportChunks::Table)
                        .columns([
                            ImportChunks::ImportId,
                            ImportChunks::Seq,
                            ImportChunks::Plan,
                        ])
                        .values_panic([
                            id.clone().into(),
                            (seq as i64).into(),
                            chunk.clone().into(),
                        ])
                        .to_owned(),
                )
                .await?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(import_id)
}

/// A money column's name without `_cents` (the CSV export writes dollars under it).
fn is_alias(def: &EntityDef, name: &str) -> bool {
    def.column(&[name, "_cents"].concat()).is_some()
}
