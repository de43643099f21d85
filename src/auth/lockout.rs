//! Failed sign-ins per account, kept in the database (`login_lockouts`) so every app process
//! counts the same failures and a restart forgets none. A row is keyed by an HMAC of the
//! account name as the database compares names, so unknown names are locked out exactly like
//! real accounts and the table never holds a name in clear.
//!
//! After [`FREE_FAILURES`] failures the name is locked for 30 s, doubling with each further
//! failure up to 15 minutes; failures are forgotten after [`FAILURE_WINDOW`] of quiet, and a
//! success clears them. Not a child of `accounts`: its rows are written alone, by one
//! statement each, so they take no place in the lock order.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Expr, OnConflict, Query};

use crate::db::schema::LoginLockouts;
use crate::db::Db;
use crate::error::Result;

/// Failures allowed per account before the lockout starts.
pub const FREE_FAILURES: i64 = 5;
/// Failures are forgotten after this quiet period.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
const MAX_LOCKOUT: Duration = Duration::minutes(15);

#[derive(sqlx::FromRow)]
struct LockoutRow {
    failures: i64,
    last_failure_at: DateTime<Utc>,
}

/// How long `key_hash` must still wait, if it is locked out at `now`.
pub async fn wait(db: &Db, key_hash: &str, now: DateTime<Utc>) -> Result<Option<Duration>> {
    let select = Query::select()
        .columns([LoginLockouts::Failures, LoginLockouts::LastFailureAt])
        .from(LoginLockouts::Table)
        .and_where(Expr::col(LoginLockouts::KeyHash).eq(key_hash))
        .to_owned();
    let Some(row) = db.fetch_optional::<LockoutRow>(&select).await? else {
        return Ok(None);
    };
    Ok(remaining(row.failures, row.last_failure_at, now))
}

/// The wait left after `failures` failures, the last at `last`.
fn remaining(failures: i64, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<Duration> {
    if failures < FREE_FAILURES || now - last > FAILURE_WINDOW {
        return None;
    }
    let wait = last + lockout(failures) - now;
    (wait > Duration::zero()).then_some(wait)
}

/// 30 s after the fifth failure, doubling with each further one, capped at 15 minutes.
pub fn lockout(failures: i64) -> Duration {
    let doublings = u32::try_from((failures - FREE_FAILURES).clamp(0, 10)).unwrap_or(10);
    (Duration::seconds(30) * 2i32.pow(doublings)).min(MAX_LOCKOUT)
}

/// Counts one failure, in one statement (an upsert), so concurrent failures from any number
/// of processes are all counted. A count older than the window starts again at one.
pub async fn record_failure(db: &Db, key_hash: &str, now: DateTime<Utc>) -> Result<()> {
    let stale = Expr::col(LoginLockouts::LastFailureAt).lt(now - FAILURE_WINDOW);
    let insert = Query::insert()
        .into_table(LoginLockouts::Table)
        .columns([
            LoginLockouts::KeyHash,
            LoginLockouts::Failures,
            LoginLockouts::LastFailureAt,
        ])
        .values_panic([key_hash.into(), 1i64.into(), now.into()])
        .on_conflict(
            // MySQL applies these in order, each seeing the ones before: `failures` is
            // computed before `last_failure_at` moves.
            OnConflict::column(LoginLockouts::KeyHash)
                .value(
                    LoginLockouts::Failures,
                    Expr::case(stale, 1i64).finally(Expr::col(LoginLockouts::Failures).add(1i64)),
                )
                .value(LoginLockouts::LastFailureAt, now)
                .to_owned(),
        )
        .to_owned();
    db.write("count a failed sign-in", insert).await?;
    Ok(())
}

/// A correct password (or code): the failures are forgotten.
pub async fn clear(db: &Db, key_hash: &str) -> Result<()> {
    let delete = Query::delete()
        .from_table(LoginLockouts::Table)
        .and_where(Expr::col(LoginLockouts::KeyHash).eq(key_hash))
        .to_owned();
    db.write("clear failed sign-ins", delete).await?;
    Ok(())
}

/// Drops rows that no longer limit anything.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let delete = Query::delete()
        .from_table(LoginLockouts::Table)
        .and_where(Expr::col(LoginLockouts::LastFailureAt).lt(now - FAILURE_WINDOW))
        .to_owned();
    db.write("forget old failed sign-ins", delete).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_grows_then_caps() {
        assert_eq!(lockout(5), Duration::seconds(30));
        assert_eq!(lockout(6), Duration::seconds(60));
        assert_eq!(lockout(30), MAX_LOCKOUT);
    }

    #[test]
    fn locked_only_after_the_free_failures_and_within_the_window() {
        let now = Utc::now();
        assert_eq!(remaining(4, now, now), None);
        assert_eq!(remaining(5, now, now), Some(Duration::seconds(30)));
        assert_eq!(remaining(5, now - Duration::seconds(31), now), None);
        assert_eq!(
            remaining(20, now - FAILURE_WINDOW - Duration::seconds(1), now),
            None
        );
    }
}
