//! Database-backed sessions. The cookie holds 256 random bits; the table holds only their
//! SHA-256, so a leaked table cannot be replayed as cookies.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, Query};

use super::{tokens, CurrentUser, Role};
use crate::db::schema::{AccountTotp, Accounts, Sessions};
use crate::db::{Db, Tx};
use crate::error::Result;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, so reads stay reads.
const TOUCH_INTERVAL: Duration = Duration::seconds(60);
/// How long a sign-in may wait for its second factor.
pub const SECOND_FACTOR_TIMEOUT: Duration = Duration::minutes(5);

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    account_id: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    username: String,
    role: String,
    disabled: bool,
    password_at: Option<DateTime<Utc>>,
    second_factor_pending: bool,
    totp_confirmed_at: Option<DateTime<Utc>>,
}

/// What a session cookie stands for.
#[derive(Clone, Debug)]
pub enum Session {
    /// A signed-in account.
    Full(CurrentUser),
    /// The password was right; the sign-in waits for a second-factor code and grants
    /// nothing else.
    AwaitingSecondFactor(PendingSignIn),
}

#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub session_id: i64,
    pub account_id: i64,
    pub username: String,
    pub password_at: Option<DateTime<Utc>>,
}

/// What a new session is: signed in (the password was typed at `password_at`), or waiting
/// for the second factor.
#[derive(Clone, Copy, Debug)]
pub enum NewSession {
    SignedIn { password_at: DateTime<Utc> },
    AwaitingSecondFactor,
}

/// Starts a session for `account_id`, ending `replacing` (the browser's previous session, if
/// any) in the same retried transaction; returns the raw cookie value. The account row is
/// locked first (house lock order): the insert's foreign-key check would otherwise take it
/// after the new session row, the opposite of an account deletion.
pub async fn create(
    db: &Db,
    account_id: i64,
    replacing: Option<i64>,
    kind: NewSession,
    now: DateTime<Utc>,
) -> Result<String> {
    db.transaction("start a session", move |tx| {
        Box::pin(async move {
            super::accounts::lock(tx, account_id).await?;
            let (raw, insert) = new_session(account_id, kind, now);
            tx.execute(&insert).await?;
            if let Some(previous) = replacing {
                delete_one_in(tx, previous).await?;
            }
            Ok(raw)
        })
    })
    .await
}

/// Starts a signed-in session inside a transaction, its password typed just now (a password
/// change replaces the current session with a new id in the same commit; registration signs
/// in); returns the raw cookie value.
pub async fn create_in(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> Result<String> {
    let (raw, insert) = new_session(account_id, NewSession::SignedIn { password_at: now }, now);
    tx.execute(&insert).await?;
    Ok(raw)
}

/// Starts a signed-in session inside a transaction whose password was typed at
/// `password_at` (a sign-in completed by its second factor).
pub async fn create_signed_in(
    tx: &mut Tx,
    account_id: i64,
    password_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<String> {
    let (raw, insert) = new_session(account_id, NewSession::SignedIn { password_at }, now);
    tx.execute(&insert).await?;
    Ok(raw)
}

fn new_session(
    account_id: i64,
    kind: NewSession,
    now: DateTime<Utc>,
) -> (String, sea_query::InsertStatement) {
    let raw = tokens::random_token();
    let (password_at, pending) = match kind {
        NewSession::SignedIn { password_at } => (Some(password_at), false),
        // The password time moves to the signed-in session when the second factor is done.
        NewSession::AwaitingSecondFactor => (Some(now), true),
    };
    let insert = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::TokenHash,
            Sessions::AccountId,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::PasswordAt,
            Sessions::SecondFactorPending,
        ])
        .values_panic([
            tokens::sha256_hex(&raw).into(),
            account_id.into(),
            now.into(),
            now.into(),
            password_at.into(),
            pending.into(),
        ])
        .to_owned();
    (raw, insert)
}

/// The session's owner typed their password again just now (re-authentication).
pub async fn mark_password_entered(db: &Db, session_id: i64, now: DateTime<Utc>) -> Result<()> {
    let update = Query::update()
        .table(Sessions::Table)
        .value(Sessions::PasswordAt, now)
        .and_where(Expr::col(Sessions::Id).eq(session_id))
        .and_where(Expr::col(Sessions::SecondFactorPending).eq(false))
        .to_owned();
    db.write("note a password entry", update).await?;
    Ok(())
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
        .column((Sessions::Table, Sessions::PasswordAt))
        .column((Sessions::Table, Sessions::SecondFactorPending))
        .expr_as(
            Expr::col((AccountTotp::Table, AccountTotp::ConfirmedAt)),
            sea_query::Alias::new("totp_confirmed_at"),
        )
        .from(Sessions::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((Sessions::Table, Sessions::AccountId)),
        )
        .left_join(
            AccountTotp::Table,
            Expr::col((AccountTotp::Table, AccountTotp::AccountId))
                .equals((Sessions::Table, Sessions::AccountId)),
        )
        .to_owned()
}

/// The live session for a cookie value, if any. Expired sessions and sessions of disabled
/// accounts are deleted on sight.
pub async fn lookup(db: &Db, raw: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
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
    let expired = now - row.last_seen_at > IDLE_TIMEOUT
        || now - row.created_at > ABSOLUTE_TIMEOUT
        || (row.second_factor_pending && now - row.created_at > SECOND_FACTOR_TIMEOUT);
    let Some(role) = role.filter(|_| !expired && !row.disabled) else {
        delete_by_id(db, row.id).await?;
        return Ok(None);
    };
    if row.second_factor_pending {
        return Ok(Some(Session::AwaitingSecondFactor(PendingSignIn {
            session_id: row.id,
            account_id: row.account_id,
            username: row.username,
            password_at: row.password_at,
        })));
    }
    if now - row.last_seen_at > TOUCH_INTERVAL {
        let touch = Query::update()
            .table(Sessions::Table)
            .value(Sessions::LastSeenAt, now)
            .and_where(Expr::col(Sessions::Id).eq(row.id))
            .to_owned();
        db.write("touch a session", touch).await?;
    }
    Ok(Some(Session::Full(CurrentUser {
        session_id: row.id,
        account_id: row.account_id,
        username: row.username,
        role,
        password_at: row.password_at,
        has_second_factor: row.totp_confirmed_at.is_some(),
    })))
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
                && !row.second_factor_pending
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
