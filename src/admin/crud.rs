//! The one read and write path behind every staff table: list (search, filters, allow-listed
//! sort keys, paging), read a row, create, update and delete with optimistic concurrency, an
//! audit entry in the same transaction, and the per-series figures kept current.
//!
//! Writes lock in the order of ARCHITECTURE.md: the row itself first (a locking read that
//! checks its version), then the tables below it, `series_stats`, and the audit log last.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{
    Asterisk, Cond, Expr, ExprTrait, Func, LikeExpr, LockType, Order, Query, SelectStatement,
    SimpleExpr, SubQueryStatement,
};

use super::entity::{Behaviour, Col, Column, Edit, EntityDef, Kind, OnDelete};
use super::values::{self, Value};
use crate::audit::{self, Action, Entry, FieldChange};
use crate::auth::Role;
use crate::db::dynrow::{DynRow, Raw};
use crate::db::page::Page;
use crate::db::schema::{Accounts, AdminAlias, Computed, Feedback};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::series_stats;
use crate::validation::FieldErrors;

/// One row of a described table: its key, its version and a value per column (in the
/// description's order).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: i64,
    pub version: i64,
    pub values: Vec<Value>,
    /// How the row is named (the description's label expression).
    pub label: String,
}

impl Record {
    pub fn value(&self, def: &EntityDef, name: &str) -> Option<&Value> {
        def.column(name).and_then(|(i, _)| self.values.get(i))
    }

    fn int(&self, def: &EntityDef, name: &str) -> i64 {
        self.value(def, name).and_then(Value::as_int).unwrap_or(0)
    }
}

/// How a table is ordered: a sortable column (or the id), ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// Index into the description's columns; `None` is the id.
    pub column: Option<usize>,
    pub descending: bool,
}

impl Sort {
    /// `name` or `-name` for a sortable column (or `id`); anything else is refused.
    pub fn parse(def: &EntityDef, text: Option<&str>) -> Result<Sort> {
        let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => text,
            None => def.default_sort,
        };
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        if name == "id" {
            return Ok(Sort {
                column: None,
                descending,
            });
        }
        match def.column(name) {
            Some((index, column)) if column.sortable => Ok(Sort {
                column: Some(index),
                descending,
            }),
            _ => Err(Error::BadRequest("unknown sort order".into())),
        }
    }

    /// The `sort` parameter that asks for this order.
    pub fn key(&self, def: &EntityDef) -> String {
        let name = self
            .column
            .and_then(|i| def.columns.get(i))
            .map_or("id", |c| c.name);
        if self.descending {
            ["-", name].concat()
        } else {
            name.to_owned()
        }
    }
}

/// What a table page asks for.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub q: String,
    pub sort: Sort,
    /// (column index, value) pairs every row must match.
    pub filters: Vec<(usize, Value)>,
    pub page: Page,
}

/// Names of the rows that reference columns point at, by (column index, id).
#[derive(Clone, Debug, Default)]
pub struct Labels(HashMap<(usize, i64), String>);

impl Labels {
    pub fn get(&self, column: usize, id: i64) -> Option<&str> {
        self.0.get(&(column, id)).map(String::as_str)
    }
}

pub struct Listing {
    pub records: Vec<Record>,
    pub total: i64,
    pub labels: Labels,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OptionRow {
    pub id: i64,
    pub label: String,
}

fn col(def: &EntityDef, column: Col) -> SimpleExpr {
    Expr::col((def.table, column)).into()
}

fn sub_query(select: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

/// Rows of `accounts` belong to the entity of their role only.
fn scope(def: &EntityDef) -> Option<SimpleExpr> {
    def.role()
        .map(|role| Expr::col((def.table, Col::Accounts(Accounts::Role))).eq(role.as_str()))
}

fn where_id(def: &EntityDef, id: i64) -> Cond {
    let mut cond = Cond::all().add(col(def, def.id).eq(id));
    if let Some(scope) = scope(def) {
        cond = cond.add(scope);
    }
    cond
}

/// `(SELECT <label> FROM target WHERE target.id = fk)`.
fn label_of(target: &EntityDef, fk: SimpleExpr) -> SimpleExpr {
    sub_query(
        Query::select()
            .expr((target.label)())
            .from(target.table)
            .and_where(col(target, target.id).eq(fk))
            .to_owned(),
    )
}

fn select_record(def: &EntityDef) -> SelectStatement {
    let mut select = Query::select();
    select.expr(col(def, def.id)).expr(col(def, def.version));
    for column in def.columns {
        select.expr(col(def, column.col));
    }
    select.expr((def.label)()).from(def.table);
    select
}

fn decode(def: &EntityDef, row: DynRow) -> Result<Record> {
    let mut raws = row.0.into_iter();
    let (Some(Raw::Int(id)), Some(Raw::Int(version))) = (raws.next(), raws.next()) else {
        return Err(Error::internal(format_args!(
            "{}: a row without id or version",
            def.slug
        )));
    };
    let values: Vec<Value> = def
        .columns
        .iter()
        .zip(raws.by_ref())
        .map(|(column, raw)| Value::from_raw(raw, column.kind))
        .collect();
    let label = match raws.next() {
        Some(Raw::Text(label)) => label,
        _ => ["#", &id.to_string()].concat(),
    };
    Ok(Record {
        id,
        version,
        values,
        label,
    })
}

/// `%text%` with LIKE's wildcards escaped.
fn like(text: &str) -> LikeExpr {
    LikeExpr::new(crate::catalog::contains_pattern(text)).escape('\\')
}

fn list_condition(def: &EntityDef, query: &ListQuery) -> Cond {
    let mut cond = Cond::all();
    if let Some(scope) = scope(def) {
        cond = cond.add(scope);
    }
    for (index, value) in &query.filters {
        if let Some(column) = def.columns.get(*index) {
            cond = cond.add(col(def, column.col).eq(value.to_sql(column.kind)));
        }
    }
    let q = query.q.trim();
    if !q.is_empty() {
        let mut any = Cond::any();
        if let Ok(id) = q.parse::<i64>() {
            any = any.add(col(def, def.id).eq(id));
        }
        for column in def.columns.iter().filter(|c| c.searchable) {
            any = match column.kind {
                Kind::Ref(target) => any.add(
                    col(def, column.col).in_subquery(
                        Query::select()
                            .expr(col(target, target.id))
                            .from(target.table)
                            .and_where(Expr::expr((target.label)()).like(like(q)))
                            .to_owned(),
                    ),
                ),
                _ => any.add(Expr::expr(col(def, column.col)).like(like(q))),
            };
        }
        cond = cond.add(any);
    }
    cond
}

/// One page of a table, its total and the names behind its references.
pub async fn list(db: &Db, def: &'static EntityDef, query: &ListQuery) -> Result<Listing> {
    let condition = list_condition(def, query);
    let order = if query.sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut select = select_record(def);
    select.cond_where(condition.clone());
    match query.sort.column.and_then(|i| def.columns.get(i)) {
        Some(column) => match column.kind {
            Kind::Ref(target) => {
                select.order_by_expr(label_of(target, col(def, column.col)), order.clone())
            }
            _ => select.order_by_expr(col(def, column.col), order.clone()),
        },
        None => select.order_by_expr(col(def, def.id), order.clone()),
    };
    select
        .order_by_expr(col(def, def.id), order)
        .limit(u64::from(query.page.size))
        .offset(query.page.offset());
    let rows: Vec<DynRow> = db.fetch_all(&select).await?;
    let records = rows
        .into_iter()
        .map(|row| decode(def, row))
        .collect::<Result<Vec<_>>>()?;

    let count = Query::select()
        .expr_as(Func::count(col(def, def.id)), Computed::Count)
        .from(def.table)
        .cond_where(condition)
        .to_owned();
    let total = db
        .fetch_optional::<CountRow>(&count)
        .await?
        .map_or(0, |c| c.n);
    let labels = labels(db, def, &records).await?;
    Ok(Listing {
        records,
        total,
        labels,
    })
}

/// How many rows the entity has.
pub async fn count(db: &Db, def: &'static EntityDef) -> Result<i64> {
    let mut count = Query::select();
    count
        .expr_as(Func::count(col(def, def.id)), Computed::Count)
        .from(def.table);
    if let Some(scope) = scope(def) {
        count.and_where(scope);
    }
    Ok(db
        .fetch_optional::<CountRow>(&count)
        .await?
        .map_or(0, |c| c.n))
}

pub async fn find(db: &Db, def: &'static EntityDef, id: i64) -> Result<Option<Record>> {
    let mut select = select_record(def);
    select.cond_where(where_id(def, id));
    match db.fetch_optional::<DynRow>(&select).await? {
        Some(row) => decode(def, row).map(Some),
        None => Ok(None),
    }
}

/// Reads a row inside a write and locks it (MariaDB `FOR UPDATE`; SQLite's write
/// transaction already excludes other writers).
async fn find_for_update(tx: &mut Tx, def: &'static EntityDef, id: i64) -> Result<Option<Record>> {
    let mut select = select_record(def);
    select.cond_where(where_id(def, id)).lock(LockType::Update);
    match tx.fetch_optional::<DynRow>(&select).await? {
        Some(row) => decode(def, row).map(Some),
        None => Ok(None),
    }
}

/// The names of the rows that `records` refer to, one query per reference column.
pub async fn labels(db: &Db, def: &'static EntityDef, records: &[Record]) -> Result<Labels> {
    let mut labels = Labels::default();
    for (index, column) in def.columns.iter().enumerate() {
        let Kind::Ref(target) = column.kind else {
            continue;
        };
        let mut ids: Vec<i64> = records
            .iter()
            .filter_map(|r| r.values.get(index).and_then(Value::as_int))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        for row in named(db, target, ids).await? {
            labels.0.insert((index, row.id), row.label);
        }
    }
    Ok(labels)
}

async fn named(db: &Db, target: &EntityDef, ids: Vec<i64>) -> Result<Vec<OptionRow>> {
    let select = Query::select()
        .expr_as(col(target, target.id), AdminAlias::Id)
        .expr_as((target.label)(), AdminAlias::Label)
        .from(target.table)
        .and_where(col(target, target.id).is_in(ids))
        .to_owned();
    db.fetch_all(&select).await
}

/// Choices for a reference to `target`: ordered by name, those matching `q` when given.
pub async fn options(
    db: &Db,
    target: &'static EntityDef,
    q: &str,
    limit: u64,
) -> Result<Vec<OptionRow>> {
    let mut select = Query::select();
    select
        .expr_as(col(target, target.id), AdminAlias::Id)
        .expr_as((target.label)(), AdminAlias::Label)
        .from(target.table);
    if let Some(scope) = scope(target) {
        select.and_where(scope);
    }
    let q = q.trim();
    if !q.is_empty() {
        select.and_where(Expr::expr((target.label)()).like(like(q)));
    }
    select
        .order_by_expr((target.label)(), Order::Asc)
        .order_by_expr(col(target, target.id), Order::Asc)
        .limit(limit);
    db.fetch_all(&select).await
}

/// The name of one row of `target`, if it exists.
pub async fn label(db: &Db, target: &'static EntityDef, id: i64) -> Result<Option<String>> {
    Ok(named(db, target, vec![id]).await?.pop().map(|r| r.label))
}

// ---------------------------------------------------------------------------------------------
// Reading forms
// ---------------------------------------------------------------------------------------------

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
        let sent = match column.kind {
            Kind::Bool => form.flag(column.name),
            _ => form.one(column.name)?,
        };
        let kept = base.and_then(|b| b.values.get(index).cloned());
        let value = if editable && (sent.is_some() || kept.is_none()) {
            typed.push(sent.map(str::to_owned));
            match values::parse(column, sent) {
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
fn default_for(column: &Column) -> Value {
    match column.kind {
        Kind::Bool => Value::Bool(false),
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
        let (Kind::Ref(target), Some(Value::Int(id))) = (column.kind, values.get(index)) else {
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
async fn explain_refusal(
    db: &Db,
    def: &'static EntityDef,
    values: &[Value],
    except: Option<i64>,
    error: Error,
) -> Result<FieldErrors> {
    let Error::Db(sqlx::Error::Database(db_error)) = &error else {
        return Err(error);
    };
    if !(db_error.is_unique_violation()
        || db_error.is_foreign_key_violation()
        || db_error.is_check_violation())
    {
        return Err(error);
    }
    tracing::info!(entity = def.slug, error = %db_error, "constraint refused a staff write");
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

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Who writes, and when.
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub account_id: i64,
    pub now: DateTime<Utc>,
}

/// What an account row needs besides its columns when created.
#[derive(Clone, Debug)]
pub struct NewAccountSecret {
    /// bcrypt hash, computed before the transaction.
    pub password_hash: String,
}

pub enum Saved {
    Done(Record),
    Invalid(FieldErrors),
    /// The row changed since the form was shown: its current values.
    Conflict(Record),
    NotFound,
}

fn audit_text(value: &Value, label: Option<&str>) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let text = value.input_text();
    Some(match label {
        Some(label) => [label, " (#", &text, ")"].concat(),
        None => text,
    })
}

async fn tx_label(tx: &mut Tx, target: &EntityDef, id: i64) -> Result<Option<String>> {
    let select = Query::select()
        .expr_as(col(target, target.id), AdminAlias::Id)
        .expr_as((target.label)(), AdminAlias::Label)
        .from(target.table)
        .and_where(col(target, target.id).eq(id))
        .to_owned();
    Ok(tx
        .fetch_optional::<OptionRow>(&select)
        .await?
        .map(|r| r.label))
}

/// The audit text of one column's value, with the referenced row's name.
async fn describe(tx: &mut Tx, column: &Column, value: &Value) -> Result<Option<String>> {
    let label = match (column.kind, value) {
        (Kind::Ref(target), Value::Int(id)) => tx_label(tx, target, *id).await?,
        _ => None,
    };
    Ok(audit_text(value, label.as_deref()))
}

async fn changes(
    tx: &mut Tx,
    def: &EntityDef,
    before: Option<&[Value]>,
    after: Option<&[Value]>,
) -> Result<Vec<FieldChange>> {
    let mut changes = Vec::new();
    for (index, column) in def.columns.iter().enumerate() {
        let old = before.and_then(|v| v.get(index));
        let new = after.and_then(|v| v.get(index));
        if old == new {
            continue;
        }
        let before = match old {
            Some(value) => describe(tx, column, value).await?,
            None => None,
        };
        let after = match new {
            Some(value) => describe(tx, column, value).await?,
            None => None,
        };
        if before != after {
            changes.push(FieldChange {
                field: column.name.to_owned(),
                before,
                after,
            });
        }
    }
    Ok(changes)
}

/// Writes the audit entry of a change, in the transaction that makes it.
pub async fn audit_change(
    tx: &mut Tx,
    def: &'static EntityDef,
    actor: Actor,
    action: Action,
    id: i64,
    changes: Vec<FieldChange>,
) -> Result<()> {
    let entry = Entry {
        actor_id: actor.account_id,
        action,
        entity: def.slug,
        entity_id: id.to_string(),
        changes,
    };
    audit::record(tx, &entry, actor.now).await
}

/// Inserts a row (validated by the caller with [`parse_form`] and [`check_with_db`]).
pub async fn create(
    db: &Db,
    def: &'static EntityDef,
    values: Vec<Value>,
    secret: Option<NewAccountSecret>,
    actor: Actor,
) -> Result<Saved> {
    let attempt = db
        .transaction(|tx| {
            let values = values.clone();
            let secret = secret.clone();
            Box::pin(async move {
                let mut insert = Query::insert();
                insert.into_table(def.table);
                let mut columns: Vec<Col> = Vec::new();
                let mut row: Vec<SimpleExpr> = Vec::new();
                for (column, value) in def.columns.iter().zip(&values) {
                    if column.edit == Edit::Never && value.is_null() {
                        continue;
                    }
                    columns.push(column.col);
                    row.push(value.to_sql(column.kind).into());
                }
                if let Some(role) = def.role() {
                    let secret =
                        secret.ok_or_else(|| Error::internal("account without password"))?;
                    columns.extend([
                        Col::Accounts(Accounts::PasswordHash),
                        Col::Accounts(Accounts::Role),
                        Col::Accounts(Accounts::CreatedAt),
                    ]);
                    row.extend([
                        secret.password_hash.into(),
                        role.as_str().into(),
                        actor.now.into(),
                    ]);
                }
                insert.columns(columns);
                insert
                    .values(row)
                    .map_err(|e| Error::internal(format_args!("insert {}: {e}", def.slug)))?;
                let id = tx.insert(&insert).await?;
                let record = find_in(tx, def, id).await?;
                match def.behaviour {
                    Behaviour::Series => series_stats::create(tx, id).await?,
                    Behaviour::Episodes => {
                        let series = record.int(def, "series_id");
                        let viewers = record.int(def, "total_viewers");
                        series_stats::episodes_changed(tx, series, viewers, 1).await?;
                    }
                    Behaviour::Plain | Behaviour::Account(_) => {}
                }
                let changes = changes(tx, def, None, Some(&record.values)).await?;
                audit_change(tx, def, actor, Action::Create, id, changes).await?;
                Ok(record)
            })
        })
        .await;
    match attempt {
        Ok(record) => Ok(Saved::Done(record)),
        Err(error) => Ok(Saved::Invalid(
            explain_refusal(db, def, &values, None, error).await?,
        )),
    }
}

async fn find_in(tx: &mut Tx, def: &'static EntityDef, id: i64) -> Result<Record> {
    let mut select = select_record(def);
    select.cond_where(where_id(def, id));
    let row = tx
        .fetch_optional::<DynRow>(&select)
        .await?
        .ok_or_else(|| Error::internal(format_args!("{} {id} vanished", def.slug)))?;
    decode(def, row)
}

enum Step<T> {
    Done(T),
    Conflict(Record),
    NotFound,
}

/// Updates the row if it is still at `version`: `UPDATE … SET …, version = version + 1
/// WHERE id = ? AND version = ?`, after a locking read that also gives the audit its
/// "before" values.
pub async fn update(
    db: &Db,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    values: Vec<Value>,
    actor: Actor,
) -> Result<Saved> {
    let attempt = db
        .transaction(|tx| {
            let values = values.clone();
            Box::pin(async move {
                let Some(old) = find_for_update(tx, def, id).await? else {
                    return Ok(Step::NotFound);
                };
                if old.version != version {
                    return Ok(Step::Conflict(old));
                }
                let mut update = Query::update();
                update.table(def.table);
                for ((column, new), before) in def.columns.iter().zip(&values).zip(&old.values) {
                    if column.edit != Edit::Never && new != before {
                        update.value(column.col, new.to_sql(column.kind));
                    }
                }
                update
                    .value(def.version, Expr::col(def.version).add(1))
                    .cond_where(where_id(def, id))
                    .and_where(col(def, def.version).eq(version));
                if tx.execute(&update).await? != 1 {
                    return Ok(Step::Conflict(old));
                }
                let new = find_in(tx, def, id).await?;
                if def.behaviour == Behaviour::Episodes {
                    episode_moved(tx, def, &old, &new).await?;
                }
                let changes = changes(tx, def, Some(&old.values), Some(&new.values)).await?;
                audit_change(tx, def, actor, Action::Update, id, changes).await?;
                Ok(Step::Done(new))
            })
        })
        .await;
    match attempt {
        Ok(Step::Done(record)) => Ok(Saved::Done(record)),
        Ok(Step::Conflict(current)) => Ok(Saved::Conflict(current)),
        Ok(Step::NotFound) => Ok(Saved::NotFound),
        Err(error) => Ok(Saved::Invalid(
            explain_refusal(db, def, &values, Some(id), error).await?,
        )),
    }
}

/// An episode's viewers or series changed: move the figures of the series involved, lower
/// series id first so two such writes never wait on each other in opposite orders.
async fn episode_moved(tx: &mut Tx, def: &EntityDef, old: &Record, new: &Record) -> Result<()> {
    let (old_series, new_series) = (old.int(def, "series_id"), new.int(def, "series_id"));
    let (old_viewers, new_viewers) = (old.int(def, "total_viewers"), new.int(def, "total_viewers"));
    if old_series == new_series {
        return series_stats::episodes_changed(tx, new_series, new_viewers - old_viewers, 0).await;
    }
    let mut moves = [(old_series, -old_viewers, -1), (new_series, new_viewers, 1)];
    moves.sort_by_key(|(series, _, _)| *series);
    for (series, viewers, episodes) in moves {
        series_stats::episodes_changed(tx, series, viewers, episodes).await?;
    }
    Ok(())
}

pub enum Deleted {
    Done,
    NotFound,
    Conflict(Record),
    /// The delete would destroy records that must stay, or break a rule; the message says why.
    Refused(String),
}

/// Checks (and locks) one row for deletion: it exists, is still at `version`, and nothing
/// that must stay depends on it.
async fn check_delete(
    tx: &mut Tx,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    actor: Actor,
) -> Result<std::result::Result<Record, Deleted>> {
    // Every active employee's row first (ascending ids), then this one: one lock order.
    let is_employee = def.role() == Some(Role::Employee);
    let active = if is_employee {
        crate::auth::accounts::lock_active_employees(tx).await?
    } else {
        0
    };
    let Some(old) = find_for_update(tx, def, id).await? else {
        return Ok(Err(Deleted::NotFound));
    };
    if old.version != version {
        return Ok(Err(Deleted::Conflict(old)));
    }
    if is_employee {
        if id == actor.account_id {
            return Ok(Err(Deleted::Refused(
                "You cannot delete your own account.".into(),
            )));
        }
        if !old
            .value(def, "disabled")
            .is_some_and(|v| *v == Value::Bool(true))
            && active <= 1
        {
            return Ok(Err(Deleted::Refused(
                "This is the last active employee.".into(),
            )));
        }
    }
    for dependent in def.dependents {
        let OnDelete::Refuse(message) = dependent.on_delete else {
            continue;
        };
        let count = Query::select()
            .expr_as(Func::count(Expr::col(Asterisk)), Computed::Count)
            .from(dependent.table)
            .and_where(Expr::col((dependent.table, dependent.fk)).eq(id))
            .to_owned();
        let n = tx
            .fetch_optional::<CountRow>(&count)
            .await?
            .map_or(0, |c| c.n);
        if n > 0 {
            return Ok(Err(Deleted::Refused(message.to_owned())));
        }
    }
    Ok(Ok(old))
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    series_id: i64,
    rating: i64,
}

/// Deletes a checked row: its dependents in the description's order (lock order), the row,
/// the figures it leaves behind, and the audit entry.
async fn delete_checked(
    tx: &mut Tx,
    def: &'static EntityDef,
    old: &Record,
    actor: Actor,
) -> Result<()> {
    let id = old.id;
    let mut cascaded = Vec::new();
    let mut reviews_gone: Vec<ReviewRow> = Vec::new();
    for dependent in def.dependents {
        if !matches!(dependent.on_delete, OnDelete::Cascade) {
            continue;
        }
        // A customer's reviews carry rating figures of other series: take them back.
        if matches!(dependent.fk, Col::Feedback(Feedback::AccountId)) {
            let select = Query::select()
                .columns([Feedback::SeriesId, Feedback::Rating])
                .from(Feedback::Table)
                .and_where(Expr::col(Feedback::AccountId).eq(id))
                .order_by(Feedback::SeriesId, Order::Asc)
                .lock(LockType::Update)
                .to_owned();
            reviews_gone = tx.fetch_all(&select).await?;
        }
        let delete = Query::delete()
            .from_table(dependent.table)
            .and_where(Expr::col((dependent.table, dependent.fk)).eq(id))
            .to_owned();
        let n = tx.execute(&delete).await?;
        if n > 0 {
            cascaded.push(FieldChange {
                field: dependent.what.to_owned(),
                before: Some(n.to_string()),
                after: None,
            });
        }
    }
    let delete = Query::delete()
        .from_table(def.table)
        .cond_where(where_id(def, id))
        .and_where(col(def, def.version).eq(old.version))
        .to_owned();
    if tx.execute(&delete).await? != 1 {
        return Err(Error::internal(format_args!("{} {id} vanished", def.slug)));
    }
    if def.behaviour == Behaviour::Episodes {
        let series = old.int(def, "series_id");
        series_stats::episodes_changed(tx, series, -old.int(def, "total_viewers"), -1).await?;
    }
    for review in &reviews_gone {
        series_stats::review_changed(tx, review.series_id, Some(review.rating), None).await?;
    }
    let mut changes = changes(tx, def, Some(&old.values), None).await?;
    changes.extend(cascaded);
    audit_change(tx, def, actor, Action::Delete, id, changes).await
}

pub async fn delete(
    db: &Db,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    actor: Actor,
) -> Result<Deleted> {
    db.transaction(|tx| {
        Box::pin(async move {
            match check_delete(tx, def, id, version, actor).await? {
                Ok(old) => {
                    delete_checked(tx, def, &old, actor).await?;
                    Ok(Deleted::Done)
                }
                Err(outcome) => Ok(outcome),
            }
        })
    })
    .await
}

/// Deletes every (id, version) in one transaction, or none of them: the first row that
/// cannot go (gone, changed, or refused) is returned with the reason.
pub async fn delete_many(
    db: &Db,
    def: &'static EntityDef,
    items: &[(i64, i64)],
    actor: Actor,
) -> Result<std::result::Result<usize, (i64, Deleted)>> {
    let mut items = items.to_vec();
    // One lock order for every bulk delete: ascending ids.
    items.sort_unstable();
    items.dedup_by_key(|(id, _)| *id);
    db.transaction(|tx| {
        let items = items.clone();
        Box::pin(async move {
            let mut checked = Vec::with_capacity(items.len());
            for (id, version) in &items {
                match check_delete(tx, def, *id, *version, actor).await? {
                    Ok(old) => checked.push(old),
                    Err(outcome) => return Ok(Err((*id, outcome))),
                }
            }
            for old in &checked {
                delete_checked(tx, def, old, actor).await?;
            }
            Ok(Ok(checked.len()))
        })
    })
    .await
}

/// Locks a row and checks it exists (for changes to what hangs off it, such as links).
pub async fn lock_row(tx: &mut Tx, def: &'static EntityDef, id: i64) -> Result<Option<Record>> {
    find_for_update(tx, def, id).await
}

/// Bumps a row's version after a change made through its own actions (disable, links), so
/// forms showing the old state answer 409.
pub async fn bump_version(tx: &mut Tx, def: &'static EntityDef, id: i64) -> Result<()> {
    let update = Query::update()
        .table(def.table)
        .value(def.version, Expr::col(def.version).add(1))
        .cond_where(where_id(def, id))
        .to_owned();
    tx.execute(&update).await?;
    Ok(())
}
