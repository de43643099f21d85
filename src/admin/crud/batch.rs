//! Lookups for many rows at once, for checks that run over thousands of lines (a CSV
//! import): the same answers as [`super::find`], [`super::label`] and the uniqueness check
//! of [`super::check_with_db`], one query per chunk instead of one per line.

use std::collections::HashMap;

use sea_query::{Cond, Expr, ExprTrait, Func};

use super::{col, decode, named, scope, select_record};
use crate::admin::entity::{EntityDef, Record, Unique};
use crate::admin::values::Value;
use crate::db::dynrow::DynRow;
use crate::db::Db;
use crate::error::Result;

/// Ids per `IN (…)` list, well under every backend's limit on bound values.
const CHUNK: usize = 500;

/// The rows of `def` with these ids (those that exist).
pub async fn find_many(
    db: &Db,
    def: &'static EntityDef,
    ids: &[i64],
) -> Result<HashMap<i64, Record>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut cond = Cond::all().add(col(def, def.id).is_in(chunk.iter().copied()));
        if let Some(scope) = scope(def) {
            cond = cond.add(scope);
        }
        let mut select = select_record(def);
        select.cond_where(cond);
        for row in db.fetch_all::<DynRow>(&select).await? {
            let record = decode(def, row)?;
            found.insert(record.id, record);
        }
    }
    Ok(found)
}

/// The names of these rows of `target` (those that exist).
pub async fn labels(db: &Db, target: &EntityDef, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        for row in named(db, target, chunk.to_vec()).await? {
            found.insert(row.id, row.label);
        }
    }
    Ok(found)
}

/// What makes `values` unique under `rule`, compared as the database compares it (text
/// without regard to case); `None` when a part is empty (nothing to collide with).
pub fn unique_key(def: &EntityDef, rule: &Unique, values: &[Value]) -> Option<Vec<String>> {
    let mut key = Vec::with_capacity(rule.columns.len());
    for name in rule.columns {
        let (index, _) = def.column(name)?;
        match values.get(index)? {
            Value::Text(text) => key.push(text.to_lowercase()),
            value if !value.is_null() => key.push(value.input_text()),
            _ => return None,
        }
    }
    Some(key)
}

/// The rows of `def` that hold any of these values' keys under `rule`.
pub async fn holders(
    db: &Db,
    def: &'static EntityDef,
    rule: &Unique,
    lines: &[&[Value]],
) -> Result<Vec<Record>> {
    let mut found = Vec::new();
    for chunk in lines.chunks(CHUNK / rule.columns.len().max(1)) {
        let mut any = Cond::any();
        let mut conditions = 0;
        for values in chunk {
            if unique_key(def, rule, values).is_none() {
                continue;
            }
            let mut all = Cond::all();
            for name in rule.columns {
                let Some((index, column)) = def.column(name) else {
                    continue;
                };
                all = match values.get(index) {
                    Some(Value::Text(text)) => all
                        .add(Expr::expr(Func::lower(col(def, column.col))).eq(text.to_lowercase())),
                    Some(value) => all.add(col(def, column.col).eq(value.to_sql(column.kind))),
                    None => all,
                };
            }
            any = any.add(all);
            conditions += 1;
        }
        if conditions == 0 {
            continue;
        }
        let mut select = select_record(def);
        select.cond_where(any);
        for row in db.fetch_all::<DynRow>(&select).await? {
            found.push(decode(def, row)?);
        }
    }
    Ok(found)
}
