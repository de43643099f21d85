//! Signing up: the account and its first session, one unit of work.

use chrono::{DateTime, Utc};

use super::accounts::{self, NewAccount};
use super::sessions;
use crate::db::Db;
use crate::error::Result;

pub enum Registered {
    /// The account exists and this browser is signed in with `raw_session`.
    Created {
        account_id: i64,
        raw_session: String,
    },
    /// Someone took the username or address between the checks and the insert.
    Taken,
}

/// Creates the account (its password hashed by the caller) and starts its first session,
/// ending `replacing` (the browser's previous session), all in one commit.
pub async fn register(
    db: &Db,
    account: &NewAccount,
    replacing: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Registered> {
    let created = db
        .transaction("register", |tx| {
            let account = account.clone();
            Box::pin(async move {
                let account_id = accounts::insert(tx, &account, now).await?;
                let raw_session = sessions::create_in(tx, account_id, now).await?;
                if let Some(previous) = replacing {
                    sessions::delete_one_in(tx, previous).await?;
                }
                Ok((account_id, raw_session))
            })
        })
        .await;
    match created {
        Ok((account_id, raw_session)) => Ok(Registered::Created {
            account_id,
            raw_session,
        }),
        Err(e) if e.is_unique_violation() => Ok(Registered::Taken),
        Err(e) => Err(e),
    }
}
