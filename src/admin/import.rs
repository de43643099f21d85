//! CSV import into a staff table, in two steps. The preview parses and checks every line as
//! the table's own forms would (same validation, same uniqueness and reference checks),
//! changes nothing, and stores the plan it shows under an `import_id`. The confirmation
//! applies exactly that plan in one transaction — every row at the version the preview saw —
//! or nothing at all, and can be used once.
//!
//! The file is the format of `GET /admin/E.csv`: a header of column names, then one row per
//! line; a row with an `id` updates that row, a row without one creates a new row. Columns a
//! file leaves out keep their values.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, Query};
use serde::{Deserialize, Serialize};

use super::crud::{self, Actor, FormData, Record};
use super::entity::EntityDef;
use super::values::Value;
use crate::audit::FieldChange;
use crate::db::schema::Imports;
use crate::db::{Db, DbErrorKind};
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// Rows one file may hold (a larger import is several files).
pub const MAX_ROWS: usize = 1000;
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
    let mut lines = Vec::new();
    let mut plan = Vec::new();
    for (index, record) in records.enumerate() {
        let line = index + 2;
        if lines.len() >= MAX_ROWS {
            return Ok(Previewed::Refused(format!(
                "A file may hold at most {MAX_ROWS} rows."
            )));
        }
        if record.len() != header.len() {
            return Ok(Previewed::Refused(format!(
                "Line {line} has {} fields; the header has {}.",
                record.len(),
                header.len()
            )));
        }
        let form = FormData(
            header
                .iter()
                .zip(&record)
                .filter(|(name, _)| *name != "id")
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        );
        let id_text = id_column.map(|i| record[i].trim()).unwrap_or_default();
        let checked = check_line(db, def, &form, id_text).await?;
        match checked {
            Checked::Invalid { id, errors } => lines.push(PreviewLine {
                line,
                action: LineAction::Invalid,
                id,
                changes: Vec::new(),
                errors,
            }),
            Checked::Valid { current, values } => {
                let changes = describe_changes(db, def, current.as_ref(), &values).await?;
                let action = match &current {
                    None => LineAction::Create,
                    Some(_) if changes.is_empty() => LineAction::Unchanged,
                    Some(_) => LineAction::Update,
                };
                if action != LineAction::Unchanged {
                    plan.push(Planned {
                        id: current.as_ref().map(|r| r.id),
                        version: current.as_ref().map(|r| r.version),
                        values,
                    });
                }
                lines.push(PreviewLine {
                    line,
                    action,
                    id: current.map(|r| r.id),
                    changes,
                    errors: Vec::new(),
                });
            }
        }
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

enum Checked {
    Valid {
        current: Option<Record>,
        values: Vec<Value>,
    },
    Invalid {
        id: Option<i64>,
        errors: Vec<(String, String)>,
    },
}

async fn check_line(
    db: &Db,
    def: &'static EntityDef,
    form: &FormData,
    id_text: &str,
) -> Result<Checked> {
    let invalid = |id, field: &str, message: &str| {
        Ok(Checked::Invalid {
            id,
            errors: vec![(field.to_owned(), message.to_owned())],
        })
    };
    let current = if id_text.is_empty() {
        None
    } else {
        let Some(id) = id_text.parse::<i64>().ok().filter(|id| *id > 0) else {
            return invalid(None, "id", "Not a row id.");
        };
        match crud::find(db, def, id).await? {
            Some(record) => Some(record),
            None => return invalid(Some(id), "id", "There is no row with this id."),
        }
    };
    // A line that does not even parse as a form (a field named twice) is invalid.
    let parsed = match crud::parse_form(def, form, current.as_ref()) {
        Ok(parsed) => parsed,
        Err(Error::BadRequest(message)) => {
            return invalid(current.map(|r| r.id), "", &message);
        }
        Err(error) => return Err(error),
    };
    let mut errors: FieldErrors = parsed.errors;
    crud::check_with_db(
        db,
        def,
        &parsed.values,
        current.as_ref().map(|r| r.id),
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Ok(Checked::Invalid {
            id: current.map(|r| r.id),
            errors: errors
                .iter()
                .map(|(field, message)| (field.to_owned(), message.to_owned()))
                .collect(),
        });
    }
    Ok(Checked::Valid {
        current,
        values: parsed.values,
    })
}

/// The fields a line changes, described as the audit log would (labels for references).
async fn describe_changes(
    db: &Db,
    def: &'static EntityDef,
    current: Option<&Record>,
    values: &[Value],
) -> Result<Vec<FieldChange>> {
    let before = current.map(|r| r.values.clone());
    let after = values.to_vec();
    db.transaction("describe an import line", |tx| {
        let (before, after) = (before.clone(), after.clone());
        Box::pin(async move { crud::changes(tx, def, before.as_deref(), Some(&after)).await })
    })
    .await
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

/// RFC 4180 records: fields separated by commas, quoted with `"` (a quote inside doubled),
/// records ending in CRLF or LF; blank lines are skipped.
pub fn parse_csv(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                quoted = true;
                field_started = true;
            }
            '"' => return Err(format!("Line {line}: a quote inside an unquoted field.")),
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if field_started || !field.is_empty() || !record.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                field_started = false;
                line += 1;
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if quoted {
        return Err(format!("Line {line}: a quoted field is not closed."));
    }
    if field_started || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_fields_quotes_and_line_ends() {
        let parsed = parse_csv("id,name\r\n1,\"Lumière, \"\"Paris\"\"\"\n\n2,\n,x").expect("csv");
        assert_eq!(
            parsed,
            vec![
                vec!["id".to_string(), "name".into()],
                vec!["1".into(), "Lumière, \"Paris\"".into()],
                vec!["2".into(), "".into()],
                vec!["".into(), "x".into()],
            ]
        );
        assert_eq!(
            parse_csv("a\n\"multi\nline\"").expect("csv")[1],
            vec!["multi\nline".to_string()]
        );
    }

    #[test]
    fn malformed_csv_is_refused_with_its_line() {
        assert!(parse_csv("a\n\"open").is_err_and(|m| m.contains("not closed")));
        assert!(parse_csv("a\nb\"c").is_err_and(|m| m.contains("Line 2")));
    }
}
