//! Reading a staff form: its fields, its version, and the checks that need the database
//! (unique values, existing references), with messages beside the fields.

use sea_query::{Cond, Expr, Func, Query};

use super::{col, label, Record};
use crate::admin::entity::{Column, ColumnKind, Edit, EntityDef};
use crate::admin::values::{self, Value};
use crate::db::dynrow::DynRow;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// A submitted form: every (name, value) pair in order. Fields named twice are refused where
/// one value is expected.
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The one value of `name`; `Err` when it was sent more than once.
    pub fn one(&self, name: &str) -> Result<Option<&str>> {
        let mut found = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::BadRequest(
                ["the field ", name, " was sent more than once"].concat(),
            ));
        }
        Ok(first.map(String::as_str))
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// A checkbox: forms send a hidden `false` and, when ticked, `true` after it.
    fn flag<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        let mut values = self.all(name).peekable();
        values.peek()?;
        Some(
            if values.any(|v| matches!(v.trim(), "true" | "on" | "1" | "yes")) {
                "true"
            } else {
                self.all(name).next().unwrap_or_default()
            },
        )
    }
}

/// The `version` a form was based on: a positive whole number, else the form is refused.
pub fn form_version(form: &FormData) -> Result<std::result::Result<i64, String>> {
    Ok(match form.one("version")?.map(str::trim) {
        None | Some("") => Err("This form is missing its version; reload the page.".into()),
        Some(text) => match text.parse::<i64>() {
            Ok(v) if v > 0 => Ok(v),
            _ => Err("This form's version is not valid; reload the page.".into()),
        },
    })
}

/// What was typed, column by column (for showing the form again), and the parsed values.
pub struct Parsed {
    pub typed: Vec<Option<String>>,
    pub values: Vec<Value>,
    pub errors: FieldErrors,
}

/// Parses a form for a new row (`base: None`) or an edit of `base`: fields not sent keep the
/// row's values (so a checkbox-less API call changes only what it names); columns that cannot
/// be edited now keep theirs.
pub fn parse_form(def: &EntityDef, form: &FormData, base: Option<&Record>) -> Result<Parsed> {
    let mut typed = Vec::with_capacity(def.columns.len());
    let mut values = Vec::with_capacity(def.columns.len());
    let mut errors = FieldErrors::new();
    for (index, column) in def.columns.iter().enumerate() {
        let editable = match column.edit {
            Edit::Always => true,
            Edit::CreateOnly => base.is_none(),
            Edit::Never => false,
        };
        // Money comes in dollars under the field name; scripts may send whole cents under
        // the column's own name instead.
        let (sent, in_cents) = match column.kind {
            ColumnKind::Bool => (form.flag(column.name), false),
            ColumnKind::Cents { .. } => match form.one(column.field())? {
                Some(dollars) => (Some(dollars), false),
                None => (form.one(column.name)?, true),
            },
            _ => (form.one(column.name)?, false),
        };
        let kept = base.and_then(|b| b.values.get(index).cloned());
        let value = if editable && (sent.is_some() || kept.is_none()) {
            let parsed = if in_cents {
                values::parse_cents(column, sent)
            } else {
                values::parse(column, sent)
            };
            // The form shows dollars again, whichever field they came in.
            typed.push(match &parsed {
                Ok(value) if in_cents && !value.is_null() => {
                    Some(values::field_text(column, value))
                }
                _ => sent.map(str::to_owned),
            });
            match parsed {
                Ok(value) => value,
                Err(message) => {
                    errors.add(column.name, message);
                    Value::Null
                }
            }
        } else {
            typed.push(None);
            kept.unwrap_or_else(|| default_for(column))
        };
        values.push(value);
    }
    for rule in def.rules {
        let (Some((later, _)), Some((earlier, _))) =
            (def.column(rule.later), def.column(rule.earlier))
        else {
            continue;
        };
        if let (Some(end), Some(start)) = (
            values.get(later).and_then(Value::as_date),
            values.get(earlier).and_then(Value::as_date),
        ) {
            if end <= start && !errors.has(rule.later) {
                errors.add(rule.later, rule.message);
            }
        }
    }
    Ok(Parsed {
        typed,
        values,
        errors,
    })
}

/// What a column holds in a new row when the form cannot set it.
pub(super) fn default_for(column: &Column) -> Value {
    match column.kind {
        ColumnKind::Bool => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Checks what only the database knows: that referenced rows exist and that unique values
/// are free (`except`: the row being edited). Messages go beside the fields.
pub async fn check_with_db(
    db: &Db,
    def: &'static EntityDef,
    values: &[Value],
    except: Option<i64>,
    errors: &mut FieldErrors,
) -> Result<()> {
    for (index, column) in def.columns.iter().enumerate() {
        let (ColumnKind::Ref(target), Some(Value::Int(id))) = (column.kind, values.get(index))
        else {
            continue;
        };
        if errors.has(column.name) {
            continue;
        }
        if label(db, target, *id).await?.is_none() {
            errors.add(
                column.name,
                ["That ", target.singular, " does not exist (any more)."].concat(),
            );
        }
    }
    for unique in def.unique {
        if errors.has(unique.field) {
            continue;
        }
        let mut cond = Cond::all();
        let mut complete = true;
        for name in unique.columns {
            let Some((index, column)) = def.column(name) else {
                complete = false;
                continue;
            };
            match values.get(index) {
                Some(Value::Text(text)) => {
                    cond = cond
                        .add(Expr::expr(Func::lower(col(def, column.col))).eq(text.to_lowercase()));
                }
                Some(value) if !value.is_null() => {
                    cond = cond.add(col(def, column.col).eq(value.to_sql(column.kind)));
                }
                _ => complete = false,
            }
        }
        if !complete {
            continue;
        }
        if let Some(id) = except {
            cond = cond.add(col(def, def.id).ne(id));
        }
        let select = Query::select()
            .expr(col(def, def.id))
            .from(def.table)
            .cond_where(cond)
            .limit(1)
            .to_owned();
        if db.fetch_optional::<DynRow>(&select).await?.is_some() {
            errors.add(unique.field, unique.message);
        }
    }
    Ok(())
}

/// A refusal from the database (a race lost after the checks passed) as field messages.
pub(super) async fn explain_refusal(
    db: &Db,
    def: &'static EntityDef,
    values: &[Value],
    except: Option<i64>,
    error: Error,
) -> Result<FieldErrors> {
    let Error::Db { source, .. } = &error else {
        return Err(error);
    };
    if !source.is_constraint() {
        return Err(error);
    }
    tracing::info!(entity = def.slug, error = %source, "constraint refused a staff write");
    let mut errors = FieldErrors::new();
    check_with_db(db, def, values, except, &mut errors).await?;
    if errors.is_empty() {
        let field = def
            .columns
            .iter()
            .find(|c| c.edit != Edit::Never)
            .map_or("version", |c| c.name);
        errors.add(
            field,
            "These values conflict with other data that changed meanwhile. Check them and save again.",
        );
    }
    Ok(errors)
}
