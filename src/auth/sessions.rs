//! Database-backed sessions. The cookie holds 256 random bits; the table holds only their
//! SHA-256, so a leaked table cannot be replayed as cookies.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, Query};

use super::{tokens, CurrentUser, Role};
use crate::db::schema::{Accounts, Sessions};
use crate::db::{Db, Tx};
use crate::error::Result;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, so reads stay reads.
const TOUCH_INTERVAL: Duration = Duration::seconds(60);

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    account_id: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    username: String,
    role: String,
    disabled: bool,
}

/// Starts a session for `account_id`, ending `replacing` (the browser's previous session, if
/// any) in the same retried transaction; returns the raw cookie value. The account row is
/// locked first (house lock order): the insert's foreign-key check would otherwise take it
/// after the new session row, the opposite of an account deletion.
pub async fn create(
    db: &Db,
    account_id: i64,
    replacing: Option<i64>,
    now: DateTime<Utc>,
) -> Result<String> {
    db.transaction("start a session", move |tx| {
        Box::pin(async move {
            super::accounts::lock(tx, account_id).await?;
            let raw = create_in(tx, account_id, now).await?;
            if let Some(previous) = replacing {
                delete_one_in(tx, previous).await?;
            }
            Ok(raw)
        })
    })
    .await
}

/// Starts a session inside a transaction (a password change replaces the current session
/// with a new id in the same commit); returns the raw cookie value.
pub async fn create_in(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> Result<String> {
    let (raw, insert) = new_session(account_id, now);
    tx.execute(&insert).await?;
    Ok(raw)
}

fn new_session(account_id: i64, now: DateTime<Utc>) -> (String, sea_query::InsertStatement) {
    let raw = tokens::random_token();
    let insert = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::TokenHash,
            Sessions::AccountId,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
        ])
        .values_panic([
            tokens::sha256_hex(&raw).into(),
            account_id.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    (raw, insert)
}

/// A session's row with what its account says about it (`SessionRow`).
fn session_with_account() -> sea_query::SelectStatement {
    Query::select()
        .column((Sessions::Table, Sessions::Id))
        .column((Sessions::Table, Sessions::AccountId))
        .column((Sessions::Table, Sessions::CreatedAt))
        .column((Sessions::Table, Sessions::LastSeenAt))
        .column((Accounts::Table, Accounts::Username))
        .column((Accounts::Table, Accounts::Role))
        .column((Accounts::Table, Accounts::Disabled))
        .from(Sessions::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((Sessions::Table, Sessions::AccountId)),
        )
        .to_owned()
}

/// The live session for a cookie value, if any. Expired sessions and sessions of disabled
/// accounts are deleted on sight.
pub async fn lookup(db: &Db, raw: &str, now: DateTime<Utc>) -> Result<Option<CurrentUser>> {
    if !tokens::looks_like_token(raw) {
        return Ok(None);
    }
    let query = session_with_account()
        .and_where(Expr::col((Sessions::Table, Sessions::TokenHash)).eq(tokens::sha256_hex(raw)))
        .to_owned();
    let Some(row) = db.fetch_optional::<SessionRow>(&query).await? else {
        return Ok(None);
    };
    let role = Role::parse(&row.role);
    let expired = now - row.last_seen_at > IDLE_TIMEOUT || now - row.created_at > ABSOLUTE_TIMEOUT;
    let Some(role) = role.filter(|_| !expired && !row.disabled) else {
        delete_by_id(db, row.id).await?;
        return Ok(None);
    };
    if now - row.last_seen_at > TOUCH_INTERVAL {
        let touch = Query::update()
            .table(Sessions::Table)
            .value(Sessions::LastSeenAt, now)
            .and_where(Expr::col(Sessions::Id).eq(row.id))
            .to_owned();
        db.write("touch a session", touch).await?;
    }
    Ok(Some(CurrentUser {
        session_id: row.id,
        account_id: row.account_id,
        username: row.username,
        role,
    }))
}

/// Whether a session is still live (not ended, expired, or of a disabled account), without
/// touching it: for long-lived requests that check now and then.
pub async fn is_live(db: &Db, session_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let query = session_with_account()
        .and_where(Expr::col((Sessions::Table, Sessions::Id)).eq(session_id))
        .to_owned();
    Ok(db
        .fetch_optional::<SessionRow>(&query)
        .await?
        .is_some_and(|row| {
            !row.disabled
                && now - row.last_seen_at <= IDLE_TIMEOUT
                && now - row.created_at <= ABSOLUTE_TIMEOUT
        }))
}

fn delete_one(session_id: i64) -> sea_query::DeleteStatement {
    Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::Id).eq(session_id))
        .to_owned()
}

/// Ends one session inside a unit of work (the one a new session replaces).
pub async fn delete_one_in(tx: &mut Tx, session_id: i64) -> Result<u64> {
    tx.execute(&delete_one(session_id)).await
}

pub async fn delete_by_id(db: &Db, session_id: i64) -> Result<()> {
    db.write("end a session", delete_one(session_id)).await?;
    Ok(())
}

/// Ends every session of an account, except `keep` when given, in the transaction that
/// changes its password.
pub async fn delete_for_account(tx: &mut Tx, account_id: i64, keep: Option<i64>) -> Result<u64> {
    let mut delete = Query::delete();
    delete
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::AccountId).eq(account_id));
    if let Some(keep) = keep {
        delete.and_where(Expr::col(Sessions::Id).ne(keep));
    }
    tx.execute(&delete).await
}

/// Removes sessions past either timeout.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let delete = Query::delete()
        .from_table(Sessions::Table)
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col(Sessions::LastSeenAt).lt(now - IDLE_TIMEOUT))
                .add(Expr::col(Sessions::CreatedAt).lt(now - ABSOLUTE_TIMEOUT)),
        )
        .to_owned();
    db.write("delete expired sessions", delete).await
}
