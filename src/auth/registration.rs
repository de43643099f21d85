//! Signing up: one unit of work that either creates the account or, when its e-mail address is
//! already in use, tells that address's owner instead. The page answers the same either way
//! (the visitor is sent to sign in), so registration never reveals whether an address has an
//! account; usernames are public and may be reported as taken.

use chrono::{DateTime, Utc};
use jobs::registration_attempt::NotifyRegistrationAttempt;
use sea_query::{Expr, Query};

use super::accounts::{self, NewAccount};
use crate::db::schema::Accounts;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::queue;

pub enum Registered {
    /// The account exists; its holder signs in with the new credentials.
    Created { account_id: i64 },
    /// Another account uses the address: nothing was created and its owner was told (a
    /// queued notice). The visitor must see exactly what [`Registered::Created`] shows.
    EmailInUse,
    /// Someone took the username between the handler's check and the insert.
    UsernameTaken,
}

/// Creates the account (its password hashed by the caller, so both outcomes cost the visitor
/// the same bcrypt work), or queues the notice to the owner of the address it would share.
pub async fn register(db: &Db, account: &NewAccount, now: DateTime<Utc>) -> Result<Registered> {
    let attempt = db
        .transaction("register", |tx| {
            let account = account.clone();
            Box::pin(async move {
                if let Some(owner) = owner_of(tx, &account.profile.email).await? {
                    notify_owner(tx, owner).await?;
                    return Ok(Registered::EmailInUse);
                }
                let account_id = accounts::insert(tx, &account, now).await?;
                Ok(Registered::Created { account_id })
            })
        })
        .await;
    match attempt {
        Err(e) if e.is_unique_violation() => match after_race(db, account, now).await {
            // Lost twice in a row: a name that contested is as good as taken.
            Err(e) if e.is_unique_violation() => Ok(Registered::UsernameTaken),
            other => other,
        },
        other => other,
    }
}

/// The insert lost a race on the username or the address: which one decides the answer (and
/// when the winner is already gone again, the account is created after all).
async fn after_race(db: &Db, account: &NewAccount, now: DateTime<Utc>) -> Result<Registered> {
    db.transaction("register: after a lost race", |tx| {
        let account = account.clone();
        Box::pin(async move {
            if find(tx, Accounts::Username, &account.username)
                .await?
                .is_some()
            {
                return Ok(Registered::UsernameTaken);
            }
            if let Some(owner) = owner_of(tx, &account.profile.email).await? {
                notify_owner(tx, owner).await?;
                return Ok(Registered::EmailInUse);
            }
            let account_id = accounts::insert(tx, &account, now).await?;
            Ok(Registered::Created { account_id })
        })
    })
    .await
}

async fn owner_of(tx: &mut Tx, email: &str) -> Result<Option<i64>> {
    find(tx, Accounts::Email, email).await
}

async fn find(tx: &mut Tx, column: Accounts, value: &str) -> Result<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: i64,
    }
    let query = Query::select()
        .column(Accounts::Id)
        .from(Accounts::Table)
        .and_where(Expr::col(column).eq(value))
        .to_owned();
    Ok(tx.fetch_optional::<IdRow>(&query).await?.map(|row| row.id))
}

async fn notify_owner(tx: &mut Tx, account_id: i64) -> Result<()> {
    queue::enqueue(tx, &NotifyRegistrationAttempt { account_id }).await
}
