//! The audit log: who changed what, written in the same transaction as the change, so a change
//! that rolls back leaves no entry and a committed change always has one.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, Order, Query};
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
    /// A deleted row (and what its delete cascaded to) put back by an Undo.
    Restore,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Disable => "disable",
            Action::Enable => "enable",
            Action::Restore => "restore",
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
    /// The staff table row's version right after the change (`None` for a delete, or when
    /// the entry is not about a versioned row).
    pub row_version: Option<i64>,
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
            AuditLog::RowVersion,
        ])
        .values_panic([
            entry.actor_id.into(),
            entry.action.as_str().into(),
            entry.entity.into(),
            entry.entity_id.clone().into(),
            detail.into(),
            now.into(),
            entry.row_version.into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    Ok(())
}

/// What replaces a deleted account's words in the audit log.
pub const REDACTED: &str = "(removed with the account)";

/// The fields of audit entries that hold an account's own words: per audit entity, whose
/// entries about the account (`entity_id` the account's id, or ending in `/id` for reviews)
/// they are.
const WORDS: [(&str, &[&str]); 3] = [
    ("feedback", &["body"]),
    ("customers", &["email", "first_name", "last_name"]),
    ("employees", &["email", "first_name", "last_name"]),
];

/// Redacts what a deleted account wrote (review bodies, its names and address) from every
/// audit entry about it, keeping who did what and when and which fields changed. Runs in the
/// deleting transaction, after every other write of it (the audit log is last in the lock
/// order); entries are read first and rewritten by primary key. Returns how many changed.
pub async fn redact_account(tx: &mut Tx, account_id: i64) -> Result<u64> {
    #[derive(sqlx::FromRow)]
    struct Written {
        id: i64,
        entity: String,
        detail: String,
    }
    let id_text = account_id.to_string();
    // A review's key is `series/account`: the pattern is a bound value, digits only.
    let review_key = ["%/", &id_text].concat();
    let mut about = Cond::any();
    for (entity, _) in WORDS {
        let key = if entity == "feedback" {
            Expr::col(AuditLog::EntityId).like(review_key.as_str())
        } else {
            Expr::col(AuditLog::EntityId).eq(id_text.as_str())
        };
        about = about.add(
            Cond::all()
                .add(Expr::col(AuditLog::Entity).eq(entity))
                .add(key),
        );
    }
    let select = Query::select()
        .columns([AuditLog::Id, AuditLog::Entity, AuditLog::Detail])
        .from(AuditLog::Table)
        .cond_where(about)
        .order_by(AuditLog::Id, Order::Asc)
        .to_owned();
    let entries: Vec<Written> = tx.fetch_all(&select).await?;
    let mut redacted = 0;
    for entry in entries {
        let Some((_, fields)) = WORDS.iter().find(|(e, _)| *e == entry.entity) else {
            continue;
        };
        let Some(detail) = redact_detail(&entry.detail, fields) else {
            continue;
        };
        let update = Query::update()
            .table(AuditLog::Table)
            .value(AuditLog::Detail, detail)
            .and_where(Expr::col(AuditLog::Id).eq(entry.id))
            .to_owned();
        redacted += tx.execute(&update).await?;
    }
    Ok(redacted)
}

/// `detail` with the values of `fields` replaced by [`REDACTED`], or `None` when nothing in it
/// needs to change. A detail that does not parse is replaced whole: it cannot be checked.
fn redact_detail(detail: &str, fields: &[&str]) -> Option<String> {
    let Ok(mut changes) = serde_json::from_str::<Vec<FieldChange>>(detail) else {
        return Some("[]".to_owned());
    };
    let mut changed = false;
    for change in changes
        .iter_mut()
        .filter(|c| fields.contains(&c.field.as_str()))
    {
        for value in [&mut change.before, &mut change.after] {
            if value.as_deref().is_some_and(|v| v != REDACTED) {
                *value = Some(REDACTED.to_owned());
                changed = true;
            }
        }
    }
    if !changed {
        return None;
    }
    serde_json::to_string(&changes).ok()
}

/// Which entries the audit page shows.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// An entity slug (`series`, `production-houses`, …).
    pub entity: Option<String>,
    /// The staff member who made the change.
    pub account_id: Option<i64>,
    pub entity_id: Option<String>,
    /// Recorded on or after this day (UTC).
    pub from: Option<chrono::NaiveDate>,
    /// Recorded on or before this day (UTC).
    pub to: Option<chrono::NaiveDate>,
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
    // Whole days: from its first instant, up to (not including) the day after `to`.
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        select.and_where(Expr::col((AuditLog::Table, AuditLog::RecordedAt)).gte(from.and_utc()));
    }
    if let Some(end) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        select.and_where(Expr::col((AuditLog::Table, AuditLog::RecordedAt)).lt(end.and_utc()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_the_fields_and_replaces_only_the_words() {
        let detail = serde_json::to_string(&vec![
            FieldChange {
                field: "rating".into(),
                before: Some("4".into()),
                after: None,
            },
            FieldChange {
                field: "body".into(),
                before: Some("my secret words".into()),
                after: None,
            },
        ])
        .expect("json");
        let redacted = redact_detail(&detail, &["body"]).expect("changed");
        let changes: Vec<FieldChange> = serde_json::from_str(&redacted).expect("json");
        assert_eq!(changes[0].before.as_deref(), Some("4"));
        assert_eq!(changes[1].field, "body");
        assert_eq!(changes[1].before.as_deref(), Some(REDACTED));
        assert_eq!(changes[1].after, None);
        assert_eq!(
            redact_detail(&redacted, &["body"]),
            None,
            "already redacted"
        );
    }
}
