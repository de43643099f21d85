//! Changes to the staff tables as they happen, in every process, without a broker: the audit
//! log the writes already produce (in the same transaction as each change) is the feed. One
//! follower per process reads it with one indexed query per interval for all of its
//! subscribers, and reads nothing while nobody subscribes.
//!
//! The same follower reads who is editing which row (`admin::presence`) and publishes it as a
//! board every stream watches.
//!
//! An entry's id orders the feed and is the event id a browser resumes from
//! (`Last-Event-ID`). On MariaDB ids are handed out at insert and committed in any order, so
//! the follower also looks a little behind its cursor and remembers what it has sent.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_query::{Expr, Order, Query};
use tokio::sync::broadcast;

use super::crud;
use super::entities;
use super::import::runs::{self, Run};
use super::import::LiveRuns;
use super::presence::{self, Board};
use crate::clock::Clock;
use crate::db::schema::AuditLog;
use crate::db::Db;
use crate::error::Result;

/// How often the follower reads the log while someone listens.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Ids below the cursor read again, for entries that committed after a later one.
const LOOKBACK: i64 = 200;
/// Entries read per poll; more wait for the next one.
const BATCH: u64 = 500;
/// Events a slow subscriber may fall behind by before it is told to reload.
const CHANNEL: usize = 1024;
/// Entries a reconnecting subscriber may have missed and still be caught up one by one.
pub const MAX_BACKLOG: u64 = 200;

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    /// The event's name on the wire.
    pub fn event_name(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
        }
    }

    fn from_action(action: &str) -> ChangeKind {
        match action {
            // A restored row is new to every table showing it.
            "create" | "restore" => ChangeKind::Created,
            "delete" => ChangeKind::Deleted,
            // update, disable, enable, link changes: the row is still there, changed.
            _ => ChangeKind::Updated,
        }
    }
}

/// One change to one row of a staff table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The audit entry's id: the event id.
    pub seq: i64,
    /// The entity's slug (`series`, `production-houses`, …).
    pub entity: String,
    pub row_id: i64,
    pub kind: ChangeKind,
    /// The row's version right after this change, as its audit entry recorded it (`None`
    /// for a delete, and for entries written without one).
    pub version: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    action: String,
    entity: String,
    entity_id: String,
    row_version: Option<i64>,
}

impl EntryRow {
    /// Entries of staff tables only (reviews' entries name two keys and no table page).
    fn change(self) -> Option<Change> {
        entities::find(&self.entity)?;
        Some(Change {
            seq: self.id,
            row_id: self.entity_id.parse().ok()?,
            kind: ChangeKind::from_action(&self.action),
            entity: self.entity,
            version: self.row_version,
        })
    }
}

/// The log's entries as the feed reads them (`EntryRow`).
fn entries() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            AuditLog::Id,
            AuditLog::Action,
            AuditLog::Entity,
            AuditLog::EntityId,
            AuditLog::RowVersion,
        ])
        .from(AuditLog::Table)
        .to_owned()
}

/// The changes of `entity` after `after`, oldest first, at most `limit`.
pub async fn changes_since(db: &Db, entity: &str, after: i64, limit: u64) -> Result<Vec<Change>> {
    let select = entries()
        .and_where(Expr::col(AuditLog::Entity).eq(entity))
        .and_where(Expr::col(AuditLog::Id).gt(after))
        .order_by(AuditLog::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<EntryRow> = db.fetch_all(&select).await?;
    Ok(rows.into_iter().filter_map(EntryRow::change).collect())
}

/// The newest entry's id (0 for an empty log): where a new subscriber starts.
pub async fn latest_seq(db: &Db) -> Result<i64> {
    #[derive(sqlx::FromRow)]
    struct Latest {
        id: i64,
    }
    let select = Query::select()
        .column(AuditLog::Id)
        .from(AuditLog::Table)
        .order_by(AuditLog::Id, Order::Desc)
        .limit(1)
        .to_owned();
    Ok(db
        .fetch_optional::<Latest>(&select)
        .await?
        .map_or(0, |l| l.id))
}

/// The row's version now (`None` once it is gone).
pub async fn version_of(db: &Db, entity: &str, row_id: i64) -> Result<Option<i64>> {
    let Some(def) = entities::find(entity) else {
        return Ok(None);
    };
    Ok(crud::find(db, def, row_id)
        .await?
        .map(|record| record.version))
}

/// This process's follower of the log, shared by every subscriber.
pub struct ChangeFeed {
    db: Db,
    clock: Clock,
    sender: broadcast::Sender<Change>,
    /// Who edits which row, as of the last poll.
    board: tokio::sync::watch::Sender<Arc<Board>>,
    /// Large imports that ran or run lately (state and progress), as of the last poll.
    imports: tokio::sync::watch::Sender<Arc<Vec<Run>>>,
    live_imports: Arc<LiveRuns>,
    running: Mutex<bool>,
    /// Set when the process stops: open streams end at once, so clients reconnect elsewhere
    /// instead of holding the shutdown up.
    closed: tokio::sync::watch::Sender<bool>,
}

impl ChangeFeed {
    pub fn new(db: Db, clock: Clock, live_imports: Arc<LiveRuns>) -> Arc<ChangeFeed> {
        let (sender, _) = broadcast::channel(CHANNEL);
        Arc::new(ChangeFeed {
            db,
            clock,
            sender,
            board: tokio::sync::watch::Sender::new(Arc::new(Board::new())),
            imports: tokio::sync::watch::Sender::new(Arc::new(Vec::new())),
            live_imports,
            running: Mutex::new(false),
            closed: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Ends every open stream (the process is stopping).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Resolves once [`ChangeFeed::close`] was called.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closed = self.closed.subscribe();
        async move {
            let _ = closed.wait_for(|closed| *closed).await;
        }
    }

    /// Live changes from now on; the follower starts with the first subscriber and stops
    /// when the last one leaves.
    pub async fn subscribe(self: &Arc<Self>) -> Result<broadcast::Receiver<Change>> {
        let receiver = self.sender.subscribe();
        let start = {
            let mut running = self
                .running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            !std::mem::replace(&mut *running, true)
        };
        if start {
            // The board is as old as the last time anyone listened.
            if let Err(e) = self.read_board().await {
                self.stopped();
                return Err(e);
            }
            match self.starting_point().await {
                Ok((cursor, sent)) => {
                    tokio::spawn(self.clone().follow(cursor, sent));
                }
                Err(e) => {
                    self.stopped();
                    return Err(e);
                }
            }
        }
        Ok(receiver)
    }

    /// Who edits which row; changes whenever the follower sees someone start or stop. Take
    /// it after [`ChangeFeed::subscribe`], which brings it up to date.
    pub fn presence(&self) -> tokio::sync::watch::Receiver<Arc<Board>> {
        self.board.subscribe()
    }

    /// Large imports of late, their state and progress; changes whenever a poll sees one move.
    pub fn imports(&self) -> tokio::sync::watch::Receiver<Arc<Vec<Run>>> {
        self.imports.subscribe()
    }

    /// Reads who is editing and how imports go now, and publishes what changed.
    async fn read_board(&self) -> Result<()> {
        let now = self.clock.now();
        let board = presence::board(&self.db, now).await?;
        publish(&self.board, board);
        let imports = runs::recent(&self.db, &self.live_imports, now).await?;
        publish(&self.imports, imports);
        Ok(())
    }

    fn stopped(&self) {
        *self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
    }

    /// The newest entry, and what the lookback sees up to it: old news, not changes to
    /// send. Read before the first subscriber gets its receiver, so a change it makes right
    /// after subscribing is never taken for old news.
    async fn starting_point(&self) -> Result<(i64, BTreeSet<i64>)> {
        let cursor = latest_seq(&self.db).await?;
        let seen = self
            .read_from(cursor - LOOKBACK)
            .await?
            .iter()
            .map(|row| row.id)
            .filter(|id| *id <= cursor)
            .collect();
        Ok((cursor, seen))
    }

    async fn follow(self: Arc<Self>, mut cursor: i64, mut sent: BTreeSet<i64>) {
        loop {
            tokio::time::sleep(POLL_EVERY).await;
            if self.sender.receiver_count() == 0 {
                let mut running = self
                    .running
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Checked again under the lock: a subscriber arriving now finds it running.
                if self.sender.receiver_count() == 0 {
                    *running = false;
                    return;
                }
            }
            match self.poll(cursor, &mut sent).await {
                Ok(next) => cursor = next,
                Err(e) => tracing::warn!(error = %e, "reading the change feed failed"),
            }
            if let Err(e) = self.read_board().await {
                tracing::warn!(error = %e, "reading who is editing failed");
            }
        }
    }

    async fn read_from(&self, after: i64) -> Result<Vec<EntryRow>> {
        let select = entries()
            .and_where(Expr::col(AuditLog::Id).gt(after))
            .order_by(AuditLog::Id, Order::Asc)
            .limit(BATCH)
            .to_owned();
        self.db.fetch_all(&select).await
    }

    async fn poll(&self, cursor: i64, sent: &mut BTreeSet<i64>) -> Result<i64> {
        let rows = self.read_from(cursor - LOOKBACK).await?;
        let mut next = cursor;
        for row in rows {
            next = next.max(row.id);
            if !sent.insert(row.id) {
                continue;
            }
            if let Some(change) = row.change() {
                // Nobody listening any more is not an error.
                let _ = self.sender.send(change);
            }
        }
        // Only what the lookback can still see needs remembering.
        let floor = next - LOOKBACK;
        *sent = sent.split_off(&floor);
        Ok(next)
    }
}

/// Sends `value` to the watchers if it differs from what they have.
fn publish<T: PartialEq>(sender: &tokio::sync::watch::Sender<Arc<T>>, value: T) {
    sender.send_if_modified(|current| {
        if **current == value {
            return false;
        }
        *current = Arc::new(value);
        true
    });
}

/// Open subscriptions, bounded per session and per process so a client cannot hold an
/// unbounded number of long-lived connections.
pub struct Subscriptions {
    open: Mutex<(usize, std::collections::HashMap<i64, usize>)>,
    per_session: usize,
    per_process: usize,
}

/// One open subscription; closing it (dropping this) frees its place.
pub struct Subscription {
    registry: Arc<Subscriptions>,
    session_id: i64,
}

impl Subscriptions {
    pub fn new(per_session: usize, per_process: usize) -> Arc<Subscriptions> {
        Arc::new(Subscriptions {
            open: Mutex::new((0, std::collections::HashMap::new())),
            per_session,
            per_process,
        })
    }

    /// A place for one more subscription of `session_id`, if the bounds allow it.
    pub fn open(self: &Arc<Self>, session_id: i64) -> Option<Subscription> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (total, by_session) = &mut *open;
        let mine = by_session.entry(session_id).or_insert(0);
        if *total >= self.per_process || *mine >= self.per_session {
            return None;
        }
        *mine += 1;
        *total += 1;
        Some(Subscription {
            registry: self.clone(),
            session_id,
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut open = self
            .registry
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (total, by_session) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(mine) = by_session.get_mut(&self.session_id) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                by_session.remove(&self.session_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_name_events() {
        assert_eq!(ChangeKind::from_action("create"), ChangeKind::Created);
        assert_eq!(ChangeKind::from_action("delete"), ChangeKind::Deleted);
        for action in ["update", "disable", "enable"] {
            assert_eq!(ChangeKind::from_action(action), ChangeKind::Updated);
        }
        assert_eq!(ChangeKind::Created.event_name(), "created");
    }

    #[test]
    fn only_staff_table_rows_become_changes() {
        let entry = |entity: &str, id: &str| EntryRow {
            id: 7,
            action: "update".into(),
            entity: entity.into(),
            entity_id: id.into(),
            row_version: Some(3),
        };
        assert_eq!(
            entry("series", "12").change(),
            Some(Change {
                seq: 7,
                entity: "series".into(),
                row_id: 12,
                kind: ChangeKind::Updated,
                version: Some(3),
            })
        );
        assert_eq!(entry("feedback", "3/4").change(), None);
        assert_eq!(entry("nonsense", "1").change(), None);
    }

    #[test]
    fn subscriptions_are_bounded_per_session_and_process() {
        let registry = Subscriptions::new(2, 3);
        let a1 = registry.open(1).expect("first");
        let _a2 = registry.open(1).expect("second");
        assert!(registry.open(1).is_none(), "a session's third waits");
        let _b1 = registry.open(2).expect("another session");
        assert!(registry.open(3).is_none(), "the process is full");
        drop(a1);
        assert!(registry.open(3).is_some(), "a closed one frees its place");
    }
}
