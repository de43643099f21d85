//! The audit log: who changed what, written in the same transaction as the change, so a change
//! that rolls back leaves no entry and a committed change always has one.

use chrono::{DateTime, Utc};
use sea_query::Query;
use serde::Serialize;

use crate::db::schema::AuditLog;
use crate::db::Tx;
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
