//! Undo of a staff delete. The delete copies what it is about to remove — the row and every
//! row its description cascades to (and theirs: a series' episodes and their schedules), whole,
//! as the database holds them — into `undo_snapshots`, in its own transaction. For a short
//! while the one who deleted can put all of it back as it was, in one transaction, audited as
//! a `restore`; after that the snapshot is refused and swept. A bulk delete keeps all its rows
//! in one snapshot (`delete_many`), so one Undo restores every one of them, or none.
//!
//! Which tables come back, and in which order, is derived from the description each time
//! (`plan`), never read from the snapshot: only column names travel in it, and those were the
//! database's own. Account rows are never offered an Undo: their deletion ends sessions and
//! redacts their words from the audit log, which nothing can honestly take back.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_query::{Alias, Asterisk, Expr, ExprTrait, LockType, Order, Query};
use serde::{Deserialize, Serialize};

use super::write::{audit_versioned, check_delete, delete_checked, find_in, touch, Actor, Deleted};
use super::{col, scope};
use crate::admin::entities;
use crate::admin::entity::{EntityDef, OnDelete, Record, TableIden};
use crate::audit::{Action, FieldChange};
use crate::db::dynrow::{NamedRow, Raw};
use crate::db::schema::{SeriesStats, UndoSnapshots};
use crate::db::DbErrorKind;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// How long after a delete its Undo is accepted (the page offers it for a few seconds; this
/// leaves room for a slow click or a slow network).
pub const UNDO_WINDOW_SECONDS: i64 = 120;

/// One table of the plan: its rows are those whose `fk` is among the ids of the rows of
/// step `parent` (the deleted row itself for the first step).
#[derive(Clone, Copy)]
struct Step {
    table: TableIden,
    fk: TableIden,
    parent: Option<usize>,
}

fn same_table(a: TableIden, b: TableIden) -> bool {
    use sea_query::Iden;
    a.to_string() == b.to_string()
}

/// The deleted row, then what its delete cascades to, depth first in lock order.
fn plan(def: &'static EntityDef) -> Vec<Step> {
    let mut steps = vec![Step {
        table: def.table,
        fk: def.id,
        parent: None,
    }];
    add_children(def, 0, &mut steps, 0);
    steps
}

fn add_children(def: &'static EntityDef, at: usize, steps: &mut Vec<Step>, depth: usize) {
    if depth > 3 {
        return;
    }
    for dependent in def.dependents {
        if !matches!(dependent.on_delete, OnDelete::Cascade) {
            continue;
        }
        steps.push(Step {
            table: dependent.table,
            fk: dependent.fk,
            parent: Some(at),
        });
        let here = steps.len() - 1;
        // A child that is itself a described entity takes its own cascades along (the
        // database's ON DELETE CASCADE removes them with it).
        if let Some(child) = entities::ALL
            .iter()
            .copied()
            .find(|e| same_table(e.table, dependent.table) && e.slug != def.slug)
        {
            add_children(child, here, steps, depth + 1);
        }
    }
}

/// A value as the snapshot keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Float(f64),
}

impl From<Raw> for Cell {
    fn from(raw: Raw) -> Cell {
        match raw {
            Raw::Null => Cell::Null,
            Raw::Int(n) => Cell::Int(n),
            Raw::Text(t) => Cell::Text(t),
            Raw::Date(d) => Cell::Date(d),
            Raw::Timestamp(t) => Cell::Timestamp(t),
            Raw::Float(x) => Cell::Float(x),
        }
    }
}

impl Cell {
    fn to_value(&self) -> sea_query::Value {
        match self {
            Cell::Null => sea_query::Value::BigInt(None),
            Cell::Int(n) => (*n).into(),
            Cell::Text(t) => t.clone().into(),
            Cell::Date(d) => (*d).into(),
            Cell::Timestamp(t) => (*t).into(),
            Cell::Float(x) => (*x).into(),
        }
    }
}

type Rows = Vec<Vec<(String, Cell)>>;

/// What a snapshot holds: per step of the plan, its rows.
#[derive(Serialize, Deserialize)]
struct Payload {
    tables: Vec<Rows>,
}

fn id_of(row: &[(String, Cell)]) -> Option<i64> {
    row.iter()
        .find_map(|(name, cell)| match (name.as_str(), cell) {
            ("id", Cell::Int(id)) => Some(*id),
            _ => None,
        })
}

/// Reads (and locks) everything the delete of the rows `ids` will remove.
async fn capture(tx: &mut Tx, def: &'static EntityDef, ids: &[i64]) -> Result<Payload> {
    let steps = plan(def);
    let mut tables: Vec<Rows> = Vec::with_capacity(steps.len());
    for step in &steps {
        let parents: Vec<i64> = match step.parent {
            None => ids.to_vec(),
            Some(parent) => tables[parent].iter().filter_map(|r| id_of(r)).collect(),
        };
        if parents.is_empty() {
            tables.push(Vec::new());
            continue;
        }
        let select = Query::select()
            .column(Asterisk)
            .from(step.table)
            .and_where(Expr::col(step.fk).is_in(parents))
            .order_by(step.fk, Order::Asc)
            .lock(LockType::Update)
            .to_owned();
        let rows: Vec<NamedRow> = tx.fetch_all(&select).await?;
        tables.push(
            rows.into_iter()
                .map(|NamedRow(cells)| cells.into_iter().map(|(n, v)| (n, v.into())).collect())
                .collect(),
        );
    }
    Ok(Payload { tables })
}

/// Keeps `payload` as the Undo of this staff member's delete, last in the lock order (after
/// the audit log); their snapshots too old to be used go. Returns its token.
async fn keep(
    tx: &mut Tx,
    def: &'static EntityDef,
    actor: Actor,
    (first_id, label): (i64, &str),
    payload: &Payload,
) -> Result<i64> {
    let cutoff = actor.now - Duration::seconds(UNDO_WINDOW_SECONDS * 10);
    let sweep = Query::delete()
        .from_table(UndoSnapshots::Table)
        .and_where(Expr::col(UndoSnapshots::AccountId).eq(actor.account_id))
        .and_where(Expr::col(UndoSnapshots::CreatedAt).lt(cutoff))
        .to_owned();
    tx.execute(&sweep).await?;
    let json = serde_json::to_string(payload)
        .map_err(|e| Error::internal(format_args!("undo snapshot: {e}")))?;
    // The column holds 400 characters.
    let label: String = label.chars().take(400).collect();
    let insert = Query::insert()
        .into_table(UndoSnapshots::Table)
        .columns([
            UndoSnapshots::AccountId,
            UndoSnapshots::Entity,
            UndoSnapshots::EntityId,
            UndoSnapshots::Label,
            UndoSnapshots::Payload,
            UndoSnapshots::CreatedAt,
        ])
        .values_panic([
            actor.account_id.into(),
            def.slug.into(),
            first_id.into(),
            label.into(),
            json.into(),
            actor.now.into(),
        ])
        .to_owned();
    tx.insert(&insert).await
}

/// Deletes one row like [`super::delete`], keeping what it removed for an Undo; returns the
/// snapshot's id with `Deleted::Done` (none for account rows).
pub async fn delete_undoable(
    db: &Db,
    def: &'static EntityDef,
    id: i64,
    version: i64,
    actor: Actor,
) -> Result<(Deleted, Option<i64>)> {
    db.transaction("staff table: delete", |tx| {
        Box::pin(async move {
            let old = match check_delete(tx, def, id, version, actor).await? {
                Ok(old) => old,
                Err(outcome) => return Ok((outcome, None)),
            };
            let payload = if def.role().is_none() {
                Some(capture(tx, def, &[id]).await?)
            } else {
                None
            };
            delete_checked(tx, def, &old, actor).await?;
            let Some(payload) = payload else {
                return Ok((Deleted::Done, None));
            };
            let token = keep(tx, def, actor, (id, &old.label), &payload).await?;
            Ok((Deleted::Done, Some(token)))
        })
    })
    .await
}

/// What a bulk delete did: how many rows went, and the Undo that puts all of them back
/// (none for account rows).
pub type DeletedMany = std::result::Result<(usize, Option<i64>), (i64, Deleted)>;

/// Deletes every (id, version) in one transaction, or none of them: the first row that
/// cannot go (gone, changed, or refused) is returned with the reason. What went, with all it
/// cascaded to, is kept as one snapshot, so one Undo restores the lot.
pub async fn delete_many(
    db: &Db,
    def: &'static EntityDef,
    items: &[(i64, i64)],
    actor: Actor,
) -> Result<DeletedMany> {
    let mut items = items.to_vec();
    // One lock order for every bulk delete: ascending ids.
    items.sort_unstable();
    items.dedup_by_key(|(id, _)| *id);
    db.transaction("staff table: delete many", |tx| {
        let items = items.clone();
        Box::pin(async move {
            let mut checked = Vec::with_capacity(items.len());
            for (id, version) in &items {
                match check_delete(tx, def, *id, *version, actor).await? {
                    Ok(old) => checked.push(old),
                    Err(outcome) => return Ok(Err((*id, outcome))),
                }
            }
            let ids: Vec<i64> = checked.iter().map(|r| r.id).collect();
            let payload = match (def.role(), ids.is_empty()) {
                (None, false) => Some(capture(tx, def, &ids).await?),
                _ => None,
            };
            for old in &checked {
                delete_checked(tx, def, old, actor).await?;
            }
            let Some(payload) = payload else {
                return Ok(Ok((checked.len(), None)));
            };
            let label = match checked.as_slice() {
                [one] => one.label.clone(),
                all => [&all.len().to_string(), " ", &def.plural.to_lowercase()].concat(),
            };
            let token = keep(tx, def, actor, (ids[0], &label), &payload).await?;
            Ok(Ok((checked.len(), Some(token))))
        })
    })
    .await
}

/// What an Undo did.
#[derive(Debug)]
pub enum Undone {
    /// The rows deleted together (one, or a bulk delete's), as they are again.
    Restored(Vec<Record>),
    /// No such snapshot for this staff member and table, or its time is up.
    Expired,
    /// Putting it back would break a rule now (a row took its place, something it refers
    /// to is gone): nothing was restored.
    Blocked(String),
}

#[derive(sqlx::FromRow)]
struct SnapshotRow {
    payload: String,
    created_at: DateTime<Utc>,
}

/// Puts back what the delete kept as `token`, all of it or nothing.
pub async fn undo(db: &Db, def: &'static EntityDef, token: i64, actor: Actor) -> Result<Undone> {
    let outcome = db
        .transaction("staff table: undo delete", |tx| {
            Box::pin(async move { restore(tx, def, token, actor).await })
        })
        .await;
    match outcome {
        Err(e) if matches!(
            e.db_kind(),
            Some(DbErrorKind::UniqueViolation | DbErrorKind::ForeignKeyViolation)
        ) =>
        {
            Ok(Undone::Blocked(
                "It cannot come back as it was: a row it refers to is gone, or another row took its place."
                    .into(),
            ))
        }
        other => other,
    }
}

async fn restore(tx: &mut Tx, def: &'static EntityDef, token: i64, actor: Actor) -> Result<Undone> {
    let select = Query::select()
        .columns([UndoSnapshots::Payload, UndoSnapshots::CreatedAt])
        .from(UndoSnapshots::Table)
        .and_where(Expr::col(UndoSnapshots::Id).eq(token))
        .and_where(Expr::col(UndoSnapshots::AccountId).eq(actor.account_id))
        .and_where(Expr::col(UndoSnapshots::Entity).eq(def.slug))
        .lock(LockType::Update)
        .to_owned();
    let Some(snapshot) = tx.fetch_optional::<SnapshotRow>(&select).await? else {
        return Ok(Undone::Expired);
    };
    if actor.now - snapshot.created_at > Duration::seconds(UNDO_WINDOW_SECONDS) {
        return Ok(Undone::Expired);
    }
    let payload: Payload = serde_json::from_str(&snapshot.payload)
        .map_err(|e| Error::internal(format_args!("undo snapshot {token}: {e}")))?;
    let steps = plan(def);
    let roots: Vec<i64> = payload
        .tables
        .first()
        .map(|rows| rows.iter().filter_map(|r| id_of(r)).collect())
        .unwrap_or_default();
    if payload.tables.len() != steps.len()
        || roots.is_empty()
        || roots.len() != payload.tables[0].len()
    {
        // The description changed since the delete: refuse rather than guess.
        return Ok(Undone::Expired);
    }
    let mut taken = Query::select()
        .column(def.id)
        .from(def.table)
        .and_where(col(def, def.id).is_in(roots.clone()))
        .limit(1)
        .to_owned();
    if let Some(scope) = scope(def) {
        taken.and_where(scope);
    }
    if tx
        .fetch_optional::<crate::db::dynrow::DynRow>(&taken)
        .await?
        .is_some()
    {
        return Ok(Undone::Blocked(
            "Another row has its place now, so it was not restored.".into(),
        ));
    }
    for (step, rows) in steps.iter().zip(&payload.tables) {
        for row in rows {
            let mut insert = Query::insert();
            insert
                .into_table(step.table)
                .columns(row.iter().map(|(name, _)| Alias::new(name.as_str())));
            insert
                .values(row.iter().map(|(_, cell)| cell.to_value().into()))
                .map_err(|e| Error::internal(format_args!("undo insert: {e}")))?;
            tx.execute(&insert).await?;
        }
    }
    // A series' figures came back with it; an episode adds its viewers to its series again.
    let figures_restored = steps
        .iter()
        .any(|s| same_table(s.table, TableIden::SeriesStats(SeriesStats::Table)));
    let owners = owners(&steps, &payload.tables);
    let mut whats = Vec::new();
    collect_whats(def, &mut whats, 0);
    let mut records = Vec::with_capacity(roots.len());
    for id in roots {
        let record = find_in(tx, def, id).await?;
        if !figures_restored {
            if let Some(created) = def.hooks.created {
                created(tx, def, &record).await?;
            }
        } else {
            // A series came back with its figures: its page document is rebuilt at COMMIT.
            tx.series_page_stale(id);
        }
        records.push(record);
    }
    // Then the audit log (after the figures, in the lock order): each row's entry names
    // what came back with it.
    for record in &records {
        let mut changes = super::changes(tx, def, None, Some(&record.values)).await?;
        for (what, owned) in whats.iter().zip(owners.iter().skip(1)) {
            let n = owned
                .iter()
                .filter(|root| **root == Some(record.id))
                .count();
            if n > 0 {
                changes.push(FieldChange {
                    field: (*what).to_owned(),
                    before: None,
                    after: Some(n.to_string()),
                });
            }
        }
        audit_versioned(
            tx,
            def,
            actor,
            Action::Restore,
            record.id,
            changes,
            Some(record.version),
        )
        .await?;
    }
    let used = Query::delete()
        .from_table(UndoSnapshots::Table)
        .and_where(Expr::col(UndoSnapshots::Id).eq(token))
        .to_owned();
    tx.execute(&used).await?;
    touch(tx, def);
    Ok(Undone::Restored(records))
}

/// For each row of each step, the deleted row it hangs off (its root), following the
/// foreign keys of the plan: a schedule → its episode → the series.
fn owners(steps: &[Step], tables: &[Rows]) -> Vec<Vec<Option<i64>>> {
    use sea_query::Iden;
    let mut owners: Vec<Vec<Option<i64>>> = Vec::with_capacity(tables.len());
    for (step, rows) in steps.iter().zip(tables) {
        let owned = match step.parent {
            None => rows.iter().map(|r| id_of(r)).collect(),
            Some(parent) => {
                let root_of: std::collections::HashMap<i64, Option<i64>> = tables[parent]
                    .iter()
                    .zip(&owners[parent])
                    .filter_map(|(row, root)| Some((id_of(row)?, *root)))
                    .collect();
                let fk = step.fk.to_string();
                rows.iter()
                    .map(|row| {
                        row.iter().find_map(|(name, cell)| match cell {
                            Cell::Int(id) if *name == fk => root_of.get(id).copied().flatten(),
                            _ => None,
                        })
                    })
                    .collect()
            }
        };
        owners.push(owned);
    }
    owners
}

/// The audit names of the plan's steps after the first, in the same order as [`plan`].
fn collect_whats(def: &'static EntityDef, out: &mut Vec<&'static str>, depth: usize) {
    if depth > 3 {
        return;
    }
    for dependent in def.dependents {
        if !matches!(dependent.on_delete, OnDelete::Cascade) {
            continue;
        }
        out.push(dependent.what);
        if let Some(child) = entities::ALL
            .iter()
            .copied()
            .find(|e| same_table(e.table, dependent.table) && e.slug != def.slug)
        {
            collect_whats(child, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_plan_takes_episodes_with_their_schedules() {
        let def = entities::find("series").expect("series");
        let steps = plan(def);
        let mut whats = Vec::new();
        collect_whats(def, &mut whats, 0);
        assert_eq!(steps.len(), whats.len() + 1);
        assert!(whats.contains(&"episodes"));
        assert!(whats.contains(&"schedules"), "{whats:?}");
        let episodes = whats
            .iter()
            .position(|w| *w == "episodes")
            .expect("episodes");
        assert_eq!(steps[episodes + 2].parent, Some(episodes + 1));
    }
}
