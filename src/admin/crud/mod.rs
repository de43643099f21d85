//! The one read and write path behind every staff table: list (search, filters, allow-listed
//! sort keys, paging), read a row, create, update and delete with optimistic concurrency, an
//! audit entry in the same transaction, and the per-series figures kept current.
//!
//! Writes lock in the order of ARCHITECTURE.md: the row itself first (a locking read that
//! checks its version), then the tables below it, `series_stats`, and the audit log last.

pub mod batch;
mod form;
mod undo;
mod write;

pub use form::{check_with_db, form_version, parse_form, FormData, Parsed};
pub use undo::{delete_many, delete_undoable, undo, DeletedMany, Undone, UNDO_WINDOW_SECONDS};
pub use write::{
    audit_change, bump_version, changes, changes_with, create, create_in, delete, lock_row, touch,
    update, update_in, Actor, Deleted, NewAccountSecret, Saved, Step,
};

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};

use sea_query::{
    Cond, Expr, ExprTrait, Func, LikeExpr, LockType, Order, Query, SelectStatement, SimpleExpr,
    SubQueryStatement,
};

pub use super::entity::Record;
use super::entity::{ColumnKind, Derived, EntityDef, TableIden};
use super::values::Value;
use crate::db::dynrow::{DynRow, Raw};
use crate::db::page::Page;
use crate::db::schema::{Accounts, AdminAlias, Computed};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

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
        // A money column sorts under its field name (`per_episode_charge`) or its own.
        let found = def
            .columns
            .iter()
            .position(|c| c.sortable && (c.field() == name || c.name == name));
        match found {
            Some(index) => Ok(Sort {
                column: Some(index),
                descending,
            }),
            None => Err(Error::BadRequest("unknown sort order".into())),
        }
    }

    /// The `sort` parameter that asks for this order.
    pub fn key(&self, def: &EntityDef) -> String {
        let name = self
            .column
            .and_then(|i| def.columns.get(i))
            .map_or("id", |c| c.field());
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
    /// Date (or moment) columns within whole days.
    pub ranges: Vec<DateRange>,
    pub page: Page,
}

/// `from ≤ column ≤ to`, in whole days, either end open: for a moment, from the first instant
/// of `from` to the last of `to` (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// Index into the description's columns (a `Date` or `Timestamp` column).
    pub column: usize,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Names of the rows that reference columns point at, by (column index, id), and of the
/// rows that `Derived::Through` page columns show, by (page column index, id of the row in
/// between): (their id, their name).
#[derive(Clone, Debug, Default)]
pub struct Labels {
    refs: HashMap<(usize, i64), String>,
    through: HashMap<(usize, i64), (i64, String)>,
}

impl Labels {
    pub fn get(&self, column: usize, id: i64) -> Option<&str> {
        self.refs.get(&(column, id)).map(String::as_str)
    }

    /// What page column `page_column` shows for a row whose `via` reference holds `via_id`.
    pub fn through(&self, page_column: usize, via_id: i64) -> Option<(i64, &str)> {
        self.through
            .get(&(page_column, via_id))
            .map(|(id, label)| (*id, label.as_str()))
    }
}

#[derive(sqlx::FromRow)]
struct ThroughRow {
    id: i64,
    target_id: Option<i64>,
    label: Option<String>,
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

fn col(def: &EntityDef, column: TableIden) -> SimpleExpr {
    Expr::col((def.table, column)).into()
}

fn sub_query(select: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

/// Rows of `accounts` belong to the entity of their role only: every read of a described table
/// (lists, choices, names, existence checks) goes through this, so an employee is never offered
/// or accepted as a customer.
pub(super) fn scope(def: &EntityDef) -> Option<SimpleExpr> {
    def.role()
        .map(|role| Expr::col((def.table, TableIden::Accounts(Accounts::Role))).eq(role.as_str()))
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
    let mut select = Query::select()
        .expr((target.label)())
        .from(target.table)
        .and_where(col(target, target.id).eq(fk))
        .to_owned();
    if let Some(scope) = scope(target) {
        select.and_where(scope);
    }
    sub_query(select)
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
    for range in &query.ranges {
        let Some(column) = def.columns.get(range.column) else {
            continue;
        };
        let here = || Expr::expr(col(def, column.col));
        match column.kind {
            ColumnKind::Timestamp => {
                if let Some(from) = range.from {
                    cond = cond.add(here().gte(from.and_time(NaiveTime::MIN).and_utc()));
                }
                if let Some(last) = range
                    .to
                    .and_then(|to| to.and_hms_micro_opt(23, 59, 59, 999_999))
                {
                    cond = cond.add(here().lte(last.and_utc()));
                }
            }
            _ => {
                if let Some(from) = range.from {
                    cond = cond.add(here().gte(from));
                }
                if let Some(to) = range.to {
                    cond = cond.add(here().lte(to));
                }
            }
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
                ColumnKind::Ref(target) => {
                    let mut matching = Query::select()
                        .expr(col(target, target.id))
                        .from(target.table)
                        .and_where(Expr::expr((target.label)()).like(like(q)))
                        .to_owned();
                    if let Some(scope) = scope(target) {
                        matching.and_where(scope);
                    }
                    any.add(col(def, column.col).in_subquery(matching))
                }
                _ => any.add(Expr::expr(col(def, column.col)).like(like(q))),
            };
        }
        cond = cond.add(any);
    }
    cond
}

/// The rows a table shows, in its order (every page: no limit yet).
fn listed(def: &EntityDef, query: &ListQuery) -> SelectStatement {
    let order = if query.sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut select = select_record(def);
    select.cond_where(list_condition(def, query));
    match query.sort.column.and_then(|i| def.columns.get(i)) {
        Some(column) => match column.kind {
            ColumnKind::Ref(target) => {
                select.order_by_expr(label_of(target, col(def, column.col)), order.clone())
            }
            _ => select.order_by_expr(col(def, column.col), order.clone()),
        },
        None => select.order_by_expr(col(def, def.id), order.clone()),
    };
    select.order_by_expr(col(def, def.id), order);
    select
}

/// One page of a table, its total and the names behind its references.
pub async fn list(db: &Db, def: &'static EntityDef, query: &ListQuery) -> Result<Listing> {
    let mut select = listed(def, query);
    select
        .limit(u64::from(query.page.size))
        .offset(query.page.offset());
    let rows: Vec<DynRow> = db.fetch_all(&select).await?;
    let records = rows
        .into_iter()
        .map(|row| decode(def, row))
        .collect::<Result<Vec<_>>>()?;

    let total = total(db, def, query).await?;
    let labels = labels(db, def, &records).await?;
    Ok(Listing {
        records,
        total,
        labels,
    })
}

/// How many rows match `query`'s search and filters (on all pages).
pub async fn total(db: &Db, def: &'static EntityDef, query: &ListQuery) -> Result<i64> {
    let count = Query::select()
        .expr_as(Func::count(col(def, def.id)), Computed::Count)
        .from(def.table)
        .cond_where(list_condition(def, query))
        .to_owned();
    Ok(db
        .fetch_optional::<CountRow>(&count)
        .await?
        .map_or(0, |c| c.n))
}

/// Rows read per statement by [`list_all`].
const EXPORT_BATCH: u32 = 1000;

/// Every row the table shows with `query`'s search, filters and sort, on all its pages (the
/// page asked for is ignored). Read in batches, so no one statement holds a huge result.
pub async fn list_all(db: &Db, def: &'static EntityDef, query: &ListQuery) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut offset = 0u64;
    loop {
        let mut select = listed(def, query);
        select.limit(u64::from(EXPORT_BATCH)).offset(offset);
        let rows: Vec<DynRow> = db.fetch_all(&select).await?;
        let got = rows.len();
        for row in rows {
            records.push(decode(def, row)?);
        }
        if got < EXPORT_BATCH as usize {
            return Ok(records);
        }
        offset += u64::from(EXPORT_BATCH);
    }
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
        let ColumnKind::Ref(target) = column.kind else {
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
            labels.refs.insert((index, row.id), row.label);
        }
    }
    for (index, page_column) in def.page_columns.iter().enumerate() {
        let Derived::Through { via, column } = page_column.derived else {
            continue;
        };
        let Some((via_index, ColumnKind::Ref(middle))) = def.column(via).map(|(i, c)| (i, c.kind))
        else {
            return Err(Error::internal(format_args!(
                "{}.{via} is not a reference",
                def.slug
            )));
        };
        let Some((_, far)) = middle.column(column) else {
            return Err(Error::internal(format_args!(
                "{}.{column} is not a column",
                middle.slug
            )));
        };
        let ColumnKind::Ref(target) = far.kind else {
            return Err(Error::internal(format_args!(
                "{}.{column} is not a reference",
                middle.slug
            )));
        };
        let mut ids: Vec<i64> = records
            .iter()
            .filter_map(|r| r.values.get(via_index).and_then(Value::as_int))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        // (SELECT middle.id, middle.far, <name of far's row> FROM middle WHERE id IN …)
        let mut select = Query::select()
            .expr_as(col(middle, middle.id), AdminAlias::Id)
            .expr_as(col(middle, far.col), AdminAlias::TargetId)
            .expr_as(label_of(target, col(middle, far.col)), AdminAlias::Label)
            .from(middle.table)
            .and_where(col(middle, middle.id).is_in(ids))
            .to_owned();
        if let Some(scope) = scope(middle) {
            select.and_where(scope);
        }
        for row in db.fetch_all::<ThroughRow>(&select).await? {
            if let (Some(target_id), Some(label)) = (row.target_id, row.label) {
                labels.through.insert((index, row.id), (target_id, label));
            }
        }
    }
    Ok(labels)
}

async fn named(db: &Db, target: &EntityDef, ids: Vec<i64>) -> Result<Vec<OptionRow>> {
    let mut select = Query::select()
        .expr_as(col(target, target.id), AdminAlias::Id)
        .expr_as((target.label)(), AdminAlias::Label)
        .from(target.table)
        .and_where(col(target, target.id).is_in(ids))
        .to_owned();
    if let Some(scope) = scope(target) {
        select.and_where(scope);
    }
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
