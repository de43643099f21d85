//! Closing an account: the one unit of work that reaches into every table an account owns,
//! so it lives above `accounts`, `sessions` and `resets` instead of making them import each
//! other.

use sea_query::{Expr, Query};

use super::{resets, sessions};
use crate::audit;
use crate::db::schema::Accounts;
use crate::db::{Db, Touched, Tx};
use crate::error::{Error, Result};

/// Deletes an account and everything that is only its own, in the lock order of
/// ARCHITECTURE.md: the account row first (locked by a version bump), then its sessions and
/// reset tokens, then its reviews, each taken out of its series' figures (`series_stats`), so
/// ratings and analytics stay exact. Reviews are removed, not anonymized: nothing the person
/// wrote outlives the account. Audit entries keep their rows (`account_id` becomes NULL), but
/// the account's words in them (a removed review's text, its names and address) are redacted
/// in the same transaction (`audit::redact_account`). Returns how many reviews went; an account already gone is [`Error::NotFound`].
/// One unit of work of its own.
pub async fn delete_account(db: &Db, id: i64) -> Result<usize> {
    db.transaction("delete an account", |tx| Box::pin(delete_in(tx, id)))
        .await
}

async fn delete_in(tx: &mut Tx, id: i64) -> Result<usize> {
    let lock = Query::update()
        .table(Accounts::Table)
        .value(Accounts::Version, Expr::col(Accounts::Version).add(1))
        .and_where(Expr::col(Accounts::Id).eq(id))
        .to_owned();
    if tx.execute(&lock).await? == 0 {
        return Err(Error::NotFound);
    }
    sessions::delete_for_account(tx, id, None).await?;
    resets::delete_for_account(tx, id).await?;
    let reviews = crate::feedback::remove_all_by_account(tx, id).await?;
    if reviews > 0 {
        tx.touch(Touched::Reviews);
    }
    tx.execute(
        &Query::delete()
            .from_table(Accounts::Table)
            .and_where(Expr::col(Accounts::Id).eq(id))
            .to_owned(),
    )
    .await?;
    // Last, as the lock order has it: the audit log keeps who did what, not their words.
    audit::redact_account(tx, id).await?;
    Ok(reviews)
}
