//! Writing through a description: create, update and delete (one, or many at once) with
//! optimistic concurrency, in the house lock order, each with its audit entry and the
//! per-series figures kept current in the same transaction.

use chrono::{DateTime, Utc};
use sea_query::{Asterisk, Expr, Func, LockType, Order, Query, SimpleExpr};

use super::form::explain_refusal;
use super::{col, decode, find_for_update, scope, select_record, where_id, CountRow, OptionRow};
use crate::admin::entity::{Column, ColumnKind, Edit, EntityDef, OnDelete, Record, TableIden};
use crate::admin::values::Value;
use crate::audit::{self, Action, Entry, FieldChange};
use crate::auth::credentials::{self, StaffChange};
use crate::auth::Role;
use crate::db::dynrow::DynRow;
use crate::db::schema::{Accounts, AdminAlias, Computed, Feedback};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::series_stats;
use crate::validation::FieldErrors;

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

pub(super) fn audit_text(value: &Value, label: Option<&str>) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let text = value.input_text();
    Some(match label {
        Some(label) => [label, " (#", &text, ")"].concat(),
        None => text,
    })
}

pub(super) async fn tx_label(tx: &mut Tx, target: &EntityDef, id: i64) -> Result<Option<String>> {
    let mut select = Query::select()
        .expr_as(col(target, target.id), AdminAlias::Id)
        .expr_as((target.label)(), AdminAlias::Label)
        .from(target.table)
        .and_where(col(target, target.id).eq(id))
        .to_owned();
    if let Some(scope) = scope(target) {
        select.and_where(scope);
    }
    Ok(tx
        .fetch_optional::<OptionRow>(&select)
        .await?
        .map(|r| r.label))
}

pub async fn changes(
    tx: &mut Tx,
    def: &EntityDef,
    before: Option<&[Value]>,
    after: Option<&[Value]>,
) -> Result<Vec<FieldChange>> {
    // The names of the rows referenced on either side, then the pure comparison.
    let mut labels = std::collections::HashMap::new();
    for (index, column) in def.columns.iter().enumerate() {
        let ColumnKind::Ref(target) = column.kind else {
            continue;
        };
        for value in [before, after]
            .into_iter()
            .flatten()
            .filter_map(|v| v.get(index))
        {
            if let Value::Int(id) = value {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    labels.entry((target.slug, *id))
                {
                    slot.insert(tx_label(tx, target, *id).await?);
                }
            }
        }
    }
    Ok(changes_with(def, before, after, |target, id| {
        labels.get(&(target.slug, id)).cloned().flatten()
    }))
}

/// The fields that differ between `before` and `after`, as the audit log writes them, with
/// `label` naming referenced rows.
pub fn changes_with(
    def: &EntityDef,
    before: Option<&[Value]>,
    after: Option<&[Value]>,
    label: impl Fn(&EntityDef, i64) -> Option<String>,
) -> Vec<FieldChange> {
    let describe = |column: &Column, value: &Value| {
        let name = match (column.kind, value) {
            (ColumnKind::Ref(target), Value::Int(id)) => label(target, *id),
            _ => None,
        };
        audit_text(value, name.as_deref())
    };
    let mut changes = Vec::new();
    for (index, column) in def.columns.iter().enumerate() {
        let old = before.and_then(|v| v.get(index));
        let new = after.and_then(|v| v.get(index));
        if old == new {
            continue;
        }
        let before = old.and_then(|value| describe(column, value));
        let after = new.and_then(|value| describe(column, value));
        if before != after {
            changes.push(FieldChange {
                field: column.name.to_owned(),
                before,
                after,
            });
        }
    }
    changes
}

/// Writes the audit entry of a change, in the transaction that makes it, reading the version
/// the change left (none for a delete): the live tables' event names it, whatever later
/// changes do to the row before the event is sent.
pub async fn audit_change(
    tx: &mut Tx,
    def: &'static EntityDef,
    actor: Actor,
    action: Action,
    id: i64,
    changes: Vec<FieldChange>,
) -> Result<()> {
    let row_version = match action {
        Action::Delete => None,
        _ => {
            let select = Query::select()
                .expr(Func::cast_as(col(def, def.version), Computed::Signed))
                .from(def.table)
                .cond_where(where_id(def, id))
                .to_owned();
            tx.fetch_optional::<(i64,)>(&select)
                .await?
                .map(|(version,)| version)
        }
    };
    audit_versioned(tx, def, actor, action, id, changes, row_version).await
}

/// [`audit_change`] for a caller that holds the row as the change left it.
pub async fn audit_versioned(
    tx: &mut Tx,
    def: &'static EntityDef,
    actor: Actor,
    action: Action,
    id: i64,
    changes: Vec<FieldChange>,
    row_version: Option<i64>,
) -> Result<()> {
    let entry = Entry {
        actor_id: actor.account_id,
        action,
        entity: def.slug,
        entity_id: id.to_string(),
        changes,
        row_version,
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
        .transaction("staff table: create", |tx| {
            let values = values.clone();
            let secret = secret.clone();
            Box::pin(async move { create_in(tx, def, &values, secret, actor).await })
        })
        .await;
    match attempt {
        Ok(record) => Ok(Saved::Done(record)),
        Err(error) => Ok(Saved::Invalid(
            explain_refusal(db, def, &values, None, error).await?,
        )),
    }
}

/// Inserts one row inside a unit of work (its hooks, audit entry and effects too).
pub async fn create_in(
    tx: &mut Tx,
    def: &'static EntityDef,
    values: &[Value],
    secret: Option<NewAccountSecret>,
    actor: Actor,
) -> Result<Record> {
    let mut insert = Query::insert();
    insert.into_table(def.table);
    let mut columns: Vec<TableIden> = Vec::new();
    let mut row: Vec<SimpleExpr> = Vec::new();
    for (column, value) in def.columns.iter().zip(values) {
        if column.edit == Edit::Never && value.is_null() {
            continue;
        }
        columns.push(column.col);
        row.push(value.to_sql(column.kind).into());
    }
    if let Some(role) = def.role() {
        let secret = secret.ok_or_else(|| Error::internal("account without password"))?;
        columns.extend([
            TableIden::Accounts(Accounts::PasswordHash),
            TableIden::Accounts(Accounts::Role),
            TableIden::Accounts(Accounts::CreatedAt),
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
    if let Some(created) = def.hooks.created {
        created(tx, def, &record).await?;
    }
    let changes = changes(tx, def, None, Some(&record.values)).await?;
    audit_versioned(
        tx,
        def,
        actor,
        Action::Create,
        id,
        changes,
        Some(record.version),
    )
    .await?;
    touch(tx, def);
    Ok(record)
}

pub(super) async fn find_in(tx: &mut Tx, def: &'static EntityDef, id: i64) -> Result<Record> {
    let mut select = select_record(def);
    select.cond_where(where_id(def, id));
    let row = tx
        .fetch_optional::<DynRow>(&select)
        .await?
        .ok_or_else(|| Error::internal(format_args!("{} {id} vanished", def.slug)))?;
    decode(def, row)
}

pub enum Step<T> {
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
        .transaction("staff table: update", |tx| {
            let values = values.clone();
            Box::pin(async move { update_in(tx, def, id, version, &values, actor).await })
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

/// Updates one row inside a unit of work if it is still at `version`.
pub async fn update_in(
    tx: &mut Tx,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    values: &[Value],
    actor: Actor,
) -> Result<Step<Record>> {
    let Some(old) = find_for_update(tx, def, id).await? else {
        return Ok(Step::NotFound);
    };
    if old.version != version {
        return Ok(Step::Conflict(old));
    }
    let mut update = Query::update();
    update.table(def.table);
    for ((column, new), before) in def.columns.iter().zip(values).zip(&old.values) {
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
    if let Some(updated) = def.hooks.updated {
        updated(tx, def, &old, &new).await?;
    }
    if def.role().is_some() {
        let change = staff_change(def, &old, &new);
        credentials::changed_by_staff(tx, id, &change, actor.now).await?;
    }
    let changes = changes(tx, def, Some(&old.values), Some(&new.values)).await?;
    audit_versioned(
        tx,
        def,
        actor,
        Action::Update,
        id,
        changes,
        Some(new.version),
    )
    .await?;
    touch(tx, def);
    Ok(Step::Done(new))
}

/// What an edit of an account row changed that lets someone in (its address; staff tables
/// never set passwords or roles of existing accounts).
fn staff_change(def: &EntityDef, old: &Record, new: &Record) -> StaffChange {
    let email = |record: &Record| record.value(def, "email").map(Value::input_text);
    let (before, after) = (email(old), email(new));
    StaffChange {
        old_email: before.filter(|b| Some(b) != after.as_ref() && !b.is_empty()),
        password: false,
    }
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
pub(super) async fn check_delete(
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
        if !old.flag(def, "disabled")? && active <= 1 {
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
pub(super) struct ReviewRow {
    series_id: i64,
    rating: i64,
}

/// Deletes a checked row: its dependents in the description's order (lock order), the row,
/// the figures it leaves behind, and the audit entry.
pub(super) async fn delete_checked(
    tx: &mut Tx,
    def: &'static EntityDef,
    old: &Record,
    actor: Actor,
) -> Result<()> {
    let id = old.id;
    if let Some(deleting) = def.hooks.deleting {
        deleting(tx, def, old).await?;
    }
    let mut cascaded = Vec::new();
    let mut reviews_gone: Vec<ReviewRow> = Vec::new();
    for dependent in def.dependents {
        if !matches!(dependent.on_delete, OnDelete::Cascade) {
            continue;
        }
        // A customer's reviews carry rating figures of other series: take them back.
        if matches!(dependent.fk, TableIden::Feedback(Feedback::AccountId)) {
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
    if let Some(deleted) = def.hooks.deleted {
        deleted(tx, def, old).await?;
    }
    for review in &reviews_gone {
        series_stats::review_changed(tx, review.series_id, Some(review.rating), None).await?;
    }
    let mut changes = changes(tx, def, Some(&old.values), None).await?;
    changes.extend(cascaded);
    audit_change(tx, def, actor, Action::Delete, id, changes).await?;
    if def.role().is_some() {
        // This entry included: the account's words go with it.
        audit::redact_account(tx, id).await?;
    }
    touch(tx, def);
    Ok(())
}

/// Declares what a write to `def` changed, for the caches that show it.
pub fn touch(tx: &mut Tx, def: &EntityDef) {
    if let Some(what) = def.touches {
        tx.touch(what);
    }
}

pub async fn delete(
    db: &Db,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    actor: Actor,
) -> Result<Deleted> {
    db.transaction("staff table: delete", |tx| {
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
