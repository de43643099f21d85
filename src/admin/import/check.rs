//! The preview's checks for a whole file: what the table's own form path checks for one row
//! (`crud::parse_form`, `crud::check_with_db`, `crud::changes`), with every lookup made once
//! per file by chunks of ids rather than once per line, so 10,000 lines take a second or two
//! instead of tens of thousands of round trips. Two lines of one file that would collide on a
//! unique value are caught here too, with the line they collide with.

use std::collections::HashMap;

use super::{LineAction, Planned, PreviewLine};
use crate::admin::crud::{self, batch, FormData, Record};
use crate::admin::entity::{ColumnKind, EntityDef};
use crate::admin::values::Value;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// One line of the file, read but not checked.
pub(super) struct Input {
    /// The line's number as an editor shows it (the header is line 1).
    pub line: usize,
    /// The `id` column's text (empty: a new row).
    pub id_text: String,
    pub form: FormData,
}

/// A line that parsed as the table's form, with what its checks found so far.
struct Parsed {
    line: usize,
    current: Option<Record>,
    values: Vec<Value>,
    errors: FieldErrors,
}

/// Checks every line; for each, what the preview shows and what the confirmation would write.
pub(super) async fn check_file(
    db: &Db,
    def: &'static EntityDef,
    inputs: Vec<Input>,
) -> Result<Vec<(PreviewLine, Option<Planned>)>> {
    let targets: Vec<std::result::Result<Option<i64>, ()>> = inputs
        .iter()
        .map(|input| match input.id_text.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Some)
                .ok_or(()),
        })
        .collect();
    let mut ids: Vec<i64> = targets.iter().filter_map(|t| t.ok().flatten()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut current = batch::find_many(db, def, &ids).await?;

    // The forms, parsed as the table's edit and create forms parse them.
    let mut outcomes: Vec<Option<(PreviewLine, Option<Planned>)>> = Vec::new();
    let mut parsed: Vec<Parsed> = Vec::new();
    for (input, target) in inputs.into_iter().zip(targets) {
        let invalid = |id, field: &str, message: &str| PreviewLine {
            line: input.line,
            action: LineAction::Invalid,
            id,
            changes: Vec::new(),
            errors: vec![(field.to_owned(), message.to_owned())],
        };
        let record = match target {
            Err(()) => {
                outcomes.push(Some((invalid(None, "id", "Not a row id."), None)));
                continue;
            }
            Ok(None) => None,
            // A file naming one row twice updates it twice from the same version: the
            // confirmation would refuse the second, so the preview says so.
            Ok(Some(id)) => match current.get(&id) {
                Some(record) => Some(record.clone()),
                None => {
                    outcomes.push(Some((
                        invalid(Some(id), "id", "There is no row with this id."),
                        None,
                    )));
                    continue;
                }
            },
        };
        match crud::parse_form(def, &input.form, record.as_ref()) {
            Ok(form) => {
                outcomes.push(None);
                parsed.push(Parsed {
                    line: input.line,
                    current: record,
                    values: form.values,
                    errors: form.errors,
                });
            }
            Err(Error::BadRequest(message)) => {
                let id = record.map(|r| r.id);
                outcomes.push(Some((invalid(id, "", &message), None)));
            }
            Err(error) => return Err(error),
        }
    }
    current.clear();

    account_rules(def, &mut parsed);
    let labels = referenced_names(db, def, &parsed).await?;
    references_exist(def, &labels, &mut parsed);
    unique_values(db, def, &mut parsed).await?;
    rows_named_once(&mut parsed);

    // Each line's outcome, in file order.
    let mut checked = parsed.into_iter();
    let mut lines = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        if let Some(done) = outcome {
            lines.push(done);
            continue;
        }
        let Some(line) = checked.next() else {
            return Err(Error::internal("import check: lines out of step"));
        };
        lines.push(outcome_of(def, &labels, line));
    }
    Ok(lines)
}

/// An account table's file changes only what its rows' forms change without a password: a
/// new account needs one set (the create form), and a new e-mail address asks for the
/// employee's password and tells the old address (the row's form). Such lines are refused,
/// saying where to do it instead.
fn account_rules(def: &EntityDef, lines: &mut [Parsed]) {
    if def.role().is_none() {
        return;
    }
    let email = def.column("email").map(|(index, _)| index);
    for line in lines {
        match &line.current {
            None => line.errors.add(
                "id",
                "New accounts are not imported: add each one with the form, which sets its password.",
            ),
            Some(current) => {
                if email.is_some_and(|i| current.values.get(i) != line.values.get(i)) {
                    line.errors.add(
                        "email",
                        "E-mail addresses are not imported: change it on the account's row, which asks for your password and tells the old address.",
                    );
                }
            }
        }
    }
}

/// The names of every row the lines reference (in their new values and in the rows they
/// change), by target table.
async fn referenced_names(
    db: &Db,
    def: &'static EntityDef,
    lines: &[Parsed],
) -> Result<HashMap<&'static str, HashMap<i64, String>>> {
    let mut wanted: HashMap<&'static str, (&'static EntityDef, Vec<i64>)> = HashMap::new();
    for (index, column) in def.columns.iter().enumerate() {
        let ColumnKind::Ref(target) = column.kind else {
            continue;
        };
        let ids = &mut wanted.entry(target.slug).or_insert((target, Vec::new())).1;
        for line in lines {
            let old = line.current.as_ref().and_then(|r| r.values.get(index));
            for value in [line.values.get(index), old].into_iter().flatten() {
                if let Value::Int(id) = value {
                    ids.push(*id);
                }
            }
        }
    }
    let mut names = HashMap::new();
    for (slug, (target, mut ids)) in wanted {
        ids.sort_unstable();
        ids.dedup();
        names.insert(slug, batch::labels(db, target, &ids).await?);
    }
    Ok(names)
}

fn references_exist(
    def: &EntityDef,
    names: &HashMap<&'static str, HashMap<i64, String>>,
    lines: &mut [Parsed],
) {
    for line in lines {
        for (index, column) in def.columns.iter().enumerate() {
            let (ColumnKind::Ref(target), Some(Value::Int(id))) =
                (column.kind, line.values.get(index))
            else {
                continue;
            };
            if line.errors.has(column.name) {
                continue;
            }
            if !names
                .get(target.slug)
                .is_some_and(|known| known.contains_key(id))
            {
                line.errors.add(
                    column.name,
                    ["That ", target.singular, " does not exist (any more)."].concat(),
                );
            }
        }
    }
}

/// Unique values: taken by another row already, or given to two lines of the file.
async fn unique_values(db: &Db, def: &'static EntityDef, lines: &mut [Parsed]) -> Result<()> {
    for rule in def.unique {
        let candidates: Vec<&[Value]> = lines
            .iter()
            .filter(|l| !l.errors.has(rule.field))
            .map(|l| l.values.as_slice())
            .collect();
        let mut holders: HashMap<Vec<String>, Vec<i64>> = HashMap::new();
        for record in batch::holders(db, def, rule, &candidates).await? {
            if let Some(key) = batch::unique_key(def, rule, &record.values) {
                holders.entry(key).or_default().push(record.id);
            }
        }
        let mut first_line: HashMap<Vec<String>, usize> = HashMap::new();
        for line in lines.iter_mut() {
            if line.errors.has(rule.field) {
                continue;
            }
            let Some(key) = batch::unique_key(def, rule, &line.values) else {
                continue;
            };
            let own = line.current.as_ref().map(|r| r.id);
            let taken = holders
                .get(&key)
                .is_some_and(|ids| ids.iter().any(|id| Some(*id) != own));
            if taken {
                line.errors.add(rule.field, rule.message);
            } else if let Some(first) = first_line.get(&key) {
                line.errors.add(
                    rule.field,
                    [
                        "Line ",
                        &first.to_string(),
                        " of this file has the same value.",
                    ]
                    .concat(),
                );
            } else {
                first_line.insert(key, line.line);
            }
        }
    }
    Ok(())
}

/// A row may be changed by one line only: the plan writes each at the version it saw.
fn rows_named_once(lines: &mut [Parsed]) {
    let mut first_line: HashMap<i64, usize> = HashMap::new();
    for line in lines {
        let Some(id) = line.current.as_ref().map(|r| r.id) else {
            continue;
        };
        match first_line.get(&id) {
            Some(first) => line.errors.add(
                "id",
                [
                    "Line ",
                    &first.to_string(),
                    " of this file already changes this row.",
                ]
                .concat(),
            ),
            None => {
                first_line.insert(id, line.line);
            }
        }
    }
}

fn outcome_of(
    def: &'static EntityDef,
    names: &HashMap<&'static str, HashMap<i64, String>>,
    line: Parsed,
) -> (PreviewLine, Option<Planned>) {
    let id = line.current.as_ref().map(|r| r.id);
    if !line.errors.is_empty() {
        let errors = line
            .errors
            .iter()
            .map(|(field, message)| (field.to_owned(), message.to_owned()))
            .collect();
        return (
            PreviewLine {
                line: line.line,
                action: LineAction::Invalid,
                id,
                changes: Vec::new(),
                errors,
            },
            None,
        );
    }
    let before = line.current.as_ref().map(|r| r.values.as_slice());
    let changes = crud::changes_with(def, before, Some(&line.values), |target, id| {
        names
            .get(target.slug)
            .and_then(|known| known.get(&id))
            .cloned()
    });
    let action = match &line.current {
        None => LineAction::Create,
        Some(_) if changes.is_empty() => LineAction::Unchanged,
        Some(_) => LineAction::Update,
    };
    let planned = (action != LineAction::Unchanged).then(|| Planned {
        id,
        version: line.current.as_ref().map(|r| r.version),
        values: line.values,
    });
    (
        PreviewLine {
            line: line.line,
            action,
            id,
            changes,
            errors: Vec::new(),
        },
        planned,
    )
}
