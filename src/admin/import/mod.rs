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

pub use csv::parse_csv;

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, Query};
use serde::{Deserialize, Serialize};

use super::crud::{self, Actor, FormData};
use super::entity::EntityDef;
use super::values::Value;
use crate::audit::FieldChange;
use crate::db::schema::Imports;
use crate::db::{Db, DbErrorKind};
use crate::error::{Error, Result};

/// Rows one file may hold (a larger import is several files).
pub const MAX_ROWS: usize = 100_000;
/// The largest file accepted (a larger upload is refused with 413 before it is read).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
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
    if def.role().is_some() {
        return Ok(Previewed::Refused(
            "Accounts cannot be imported: create them one by one, each with its own password."
                .into(),
        ));
    }
    let text = match std::str::from_utf8(file) {
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text),
        Err(_) => return Ok(Previewed::Refused("The file is not UTF-8 text.".into())),
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
                .map(|(name, value)| (name.clone(), value))
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

/// Applies the plan stored under `import_id` by `actor` for `def`, all of it or nothing.
pub async fn confirm(
    db: &Db,
    def: &'static EntityDef,
    import_id: &str,
    actor: Actor,
) -> Result<Confirmed> {
    let import_id = import_id.to_owned();
    let outcome = db
        .transaction("apply a CSV import", |tx| {
            let import_id = import_id.clone();
            Box::pin(async move {
                #[derive(sqlx::FromRow)]
                struct Stored {
                    plan: String,
                }
                let select = Query::select()
                    .column(Imports::Plan)
                    .from(Imports::Table)
                    .and_where(Expr::col(Imports::Id).eq(import_id.as_str()))
                    .and_where(Expr::col(Imports::Entity).eq(def.slug))
                    .and_where(Expr::col(Imports::AccountId).eq(actor.account_id))
                    .and_where(
                        Expr::col(Imports::CreatedAt)
                            .gt(actor.now - Duration::minutes(PREVIEW_LIFETIME_MINUTES)),
                    )
                    .lock(sea_query::LockType::Update)
                    .to_owned();
                let Some(stored) = tx.fetch_optional::<Stored>(&select).await? else {
                    return Ok(Confirmed::NotFound);
                };
                let plan: Vec<Planned> = serde_json::from_str(&stored.plan)
                    .map_err(|e| Error::internal(format_args!("stored import plan: {e}")))?;
                // Used once, whatever happens next in this transaction.
                tx.execute(
                    &Query::delete()
                        .from_table(Imports::Table)
                        .and_where(Expr::col(Imports::Id).eq(import_id.as_str()))
                        .to_owned(),
                )
                .await?;
                let (mut created, mut updated) = (0, 0);
                for row in &plan {
                    match (row.id, row.version) {
                        (Some(id), Some(version)) => {
                            match crud::update_in(tx, def, id, version, &row.values, actor).await? {
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
    let plan = serde_json::to_string(plan)
        .map_err(|e| Error::internal(format_args!("import plan: {e}")))?;
    let expired: DateTime<Utc> = actor.now - Duration::minutes(PREVIEW_LIFETIME_MINUTES);
    let id = import_id.clone();
    db.transaction("store an import preview", |tx| {
        let (id, plan) = (id.clone(), plan.clone());
        Box::pin(async move {
            tx.execute(
                &Query::delete()
                    .from_table(Imports::Table)
                    .and_where(Expr::col(Imports::CreatedAt).lt(expired))
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
                    ])
                    .values_panic([
                        id.into(),
                        def.slug.into(),
                        actor.account_id.into(),
                        actor.now.into(),
                        plan.into(),
                    ])
                    .to_owned(),
            )
            .await?;
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
