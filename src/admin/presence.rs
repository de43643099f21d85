//! Who has which staff-table row open for editing, shared by every process through the
//! database: an editor's page says so when the edit form opens and every few seconds while it
//! stays open (`enter`), and when it closes (`leave`: save, cancel, leaving the page). An
//! editor silent for [`SILENCE`] counts as gone (a closed laptop sends no goodbye). The change
//! feed (`admin::feed`) reads who is editing once per interval, with the changes, and each
//! table stream tells its page about the others.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, OnConflict, Order, Query};

use crate::db::schema::{Accounts, EditPresence};
use crate::db::Db;
use crate::error::Result;

/// An editor not heard from for this long has left.
pub const SILENCE: Duration = Duration::seconds(30);
/// Rows older than this are removed (a silent editor's row is no longer shown after
/// [`SILENCE`], but stays until then in case the page speaks again).
const KEEP: Duration = Duration::minutes(10);

/// One editor of one row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct Editing {
    pub entity: String,
    pub row_id: i64,
    pub session_id: i64,
    pub username: String,
}

/// Who edits which row: `(entity, row id)` → its editors (session, username), in a stable
/// order so two readings of the same state compare equal.
pub type Board = BTreeMap<(String, i64), Vec<(i64, String)>>;

/// `session_id` (of `account_id`) has `entity`'s row `row_id` open for editing, as of `now`.
pub async fn enter(
    db: &Db,
    session_id: i64,
    account_id: i64,
    entity: &str,
    row_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let upsert = Query::insert()
        .into_table(EditPresence::Table)
        .columns([
            EditPresence::SessionId,
            EditPresence::Entity,
            EditPresence::RowId,
            EditPresence::AccountId,
            EditPresence::SeenAt,
        ])
        .values_panic([
            session_id.into(),
            entity.into(),
            row_id.into(),
            account_id.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                EditPresence::SessionId,
                EditPresence::Entity,
                EditPresence::RowId,
            ])
            .value(EditPresence::SeenAt, now)
            .to_owned(),
        )
        .to_owned();
    db.write("note who is editing a row", upsert).await?;
    // Cheap (an index range that is nearly always empty) and keeps the table small.
    let stale = Query::delete()
        .from_table(EditPresence::Table)
        .and_where(Expr::col(EditPresence::SeenAt).lt(now - KEEP))
        .to_owned();
    db.write("forget long-gone editors", stale).await?;
    Ok(())
}

/// `session_id` no longer edits the row (saved, cancelled, left the page).
pub async fn leave(db: &Db, session_id: i64, entity: &str, row_id: i64) -> Result<()> {
    let delete = Query::delete()
        .from_table(EditPresence::Table)
        .and_where(Expr::col(EditPresence::SessionId).eq(session_id))
        .and_where(Expr::col(EditPresence::Entity).eq(entity))
        .and_where(Expr::col(EditPresence::RowId).eq(row_id))
        .to_owned();
    db.write("note an editor left a row", delete).await?;
    Ok(())
}

/// Everyone editing a row now (heard from within [`SILENCE`]), as one board.
pub async fn board(db: &Db, now: DateTime<Utc>) -> Result<Board> {
    let select = Query::select()
        .column((EditPresence::Table, EditPresence::Entity))
        .column((EditPresence::Table, EditPresence::RowId))
        .column((EditPresence::Table, EditPresence::SessionId))
        .column((Accounts::Table, Accounts::Username))
        .from(EditPresence::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((EditPresence::Table, EditPresence::AccountId)),
        )
        .and_where(Expr::col((EditPresence::Table, EditPresence::SeenAt)).gt(now - SILENCE))
        .and_where(Expr::col((Accounts::Table, Accounts::Disabled)).eq(false))
        .order_by((EditPresence::Table, EditPresence::SessionId), Order::Asc)
        .to_owned();
    let rows: Vec<Editing> = db.fetch_all(&select).await?;
    Ok(collect(rows))
}

fn collect(rows: Vec<Editing>) -> Board {
    let mut board = Board::new();
    for row in rows {
        board
            .entry((row.entity, row.row_id))
            .or_default()
            .push((row.session_id, row.username));
    }
    for editors in board.values_mut() {
        editors.sort();
    }
    board
}

/// What one subscriber of `entity` sees: each row's editors other than `own_session`
/// (usernames, in order, without repeats: one person may have it open twice).
pub fn seen_by(board: &Board, entity: &str, own_session: i64) -> BTreeMap<i64, Vec<String>> {
    let mut view = BTreeMap::new();
    for ((row_entity, row_id), editors) in board {
        if row_entity != entity {
            continue;
        }
        let mut names: Vec<String> = editors
            .iter()
            .filter(|(session, _)| *session != own_session)
            .map(|(_, name)| name.clone())
            .collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            view.insert(*row_id, names);
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editing(entity: &str, row_id: i64, session_id: i64, username: &str) -> Editing {
        Editing {
            entity: entity.into(),
            row_id,
            session_id,
            username: username.into(),
        }
    }

    #[test]
    fn a_subscriber_sees_the_others_of_its_table_only() {
        let board = collect(vec![
            editing("series", 1, 10, "alice"),
            editing("series", 1, 11, "bob"),
            editing("series", 1, 12, "alice"),
            editing("series", 2, 11, "bob"),
            editing("genres", 1, 13, "carol"),
        ]);
        let view = seen_by(&board, "series", 11);
        assert_eq!(view.get(&1), Some(&vec!["alice".to_owned()]));
        assert_eq!(view.get(&2), None, "one's own editing is not shown");
        assert_eq!(view.len(), 1);
        assert_eq!(
            seen_by(&board, "genres", 11).get(&1),
            Some(&vec!["carol".to_owned()])
        );
    }
}
