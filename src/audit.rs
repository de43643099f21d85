//! The audit log: who changed what, written in the same transaction as the change, so a change
//! that rolls back leaves no entry and a committed change always has one.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Order, Query};
use serde::{Deserialize, Serialize};

use crate::db::page::Page;
use crate::db::schema::{Accounts, AuditLog};
use crate::db::{Db, Tx};
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Disable,
    Enable,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Disable => "disable",
            Action::Enable => "enable",
        }
    }
}

/// One field's value before and after a change (`None`: absent, e.g. before a create).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One audit entry. `entity` is the entity's slug as in its admin path (`series`,
/// `production-houses`, …, or `feedback` for reviews); `entity_id` its key as text (composite
/// keys joined with `/`).
#[derive(Clone, Debug)]
pub struct Entry {
    pub actor_id: i64,
    pub action: Action,
    pub entity: &'static str,
    pub entity_id: String,
    pub changes: Vec<FieldChange>,
}

/// Writes `entry` inside the transaction that makes the change.
pub async fn record(tx: &mut Tx, entry: &Entry, now: DateTime<Utc>) -> Result<()> {
    let detail = serde_json::to_string(&entry.changes)
        .map_err(|e| crate::error::Error::internal(format_args!("audit detail: {e}")))?;
    let insert = Query::insert()
        .into_table(AuditLog::Table)
        .columns([
            AuditLog::AccountId,
            AuditLog::Action,
            AuditLog::Entity,
            AuditLog::EntityId,
            AuditLog::Detail,
            AuditLog::RecordedAt,
        ])
        .values_panic([
            entry.actor_id.into(),
            entry.action.as_str().into(),
            entry.entity.into(),
            entry.entity_id.clone().into(),
            detail.into(),
            now.into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    Ok(())
}

/// Which entries the audit page shows.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// An entity slug (`series`, `production-houses`, …).
    pub entity: Option<String>,
    /// The staff member who made the change.
    pub account_id: Option<i64>,
    pub entity_id: Option<String>,
}

/// One entry as the audit page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub recorded_at: DateTime<Utc>,
}

impl AuditRow {
    /// The changed fields, before → after (an unreadable detail shows as none).
    pub fn changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.detail).unwrap_or_default()
    }
}

/// One page of the log, newest first, and whether another page follows.
pub async fn list(db: &Db, filter: &AuditFilter, page: Page) -> Result<(Vec<AuditRow>, bool)> {
    let mut select = Query::select();
    select
        .columns([
            (AuditLog::Table, AuditLog::Id),
            (AuditLog::Table, AuditLog::AccountId),
            (AuditLog::Table, AuditLog::Action),
            (AuditLog::Table, AuditLog::Entity),
            (AuditLog::Table, AuditLog::EntityId),
            (AuditLog::Table, AuditLog::Detail),
            (AuditLog::Table, AuditLog::RecordedAt),
        ])
        .column((Accounts::Table, Accounts::Username))
        .from(AuditLog::Table)
        .left_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((AuditLog::Table, AuditLog::AccountId)),
        );
    if let Some(entity) = &filter.entity {
        select.and_where(Expr::col((AuditLog::Table, AuditLog::Entity)).eq(entity.as_str()));
    }
    if let Some(account_id) = filter.account_id {
        select.and_where(Expr::col((AuditLog::Table, AuditLog::AccountId)).eq(account_id));
    }
    if let Some(entity_id) = &filter.entity_id {
        select.and_where(Expr::col((AuditLog::Table, AuditLog::EntityId)).eq(entity_id.as_str()));
    }
    select
        .order_by((AuditLog::Table, AuditLog::Id), Order::Desc)
        .limit(u64::from(page.size) + 1)
        .offset(page.offset());
    let mut rows: Vec<AuditRow> = db.fetch_all(&select).await?;
    let has_next = rows.len() > page.size as usize;
    rows.truncate(page.size as usize);
    Ok((rows, has_next))
}
