//! Units of work on one's own account: saving the profile and changing the password. Each
//! owns its transaction, takes the account row first (the house lock order) and queues its
//! notice in the same transaction, so a committed change always has its e-mail.

use chrono::{DateTime, Utc};
use jobs::email_changed::NotifyEmailChanged;
use jobs::password_changed::NotifyPasswordChanged;

use super::accounts::{self, Account, Profile};
use super::{credentials, sessions};
use crate::db::Db;
use crate::error::Result;
use crate::queue;

/// What saving a profile did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileSaved {
    /// Saved; `email_changed` when the address changed and a notice went to the old one.
    Saved { email_changed: bool },
    /// Another account took the address between the check and the write.
    EmailTaken,
}

/// Saves `profile` (validated by the caller) for `account`. A changed address retires the
/// account's reset links (one mailed to the old address must not outlive it) and queues the
/// notice to the previous address, in the same commit.
pub async fn update_profile(
    db: &Db,
    account: &Account,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Result<ProfileSaved> {
    let account_id = account.id;
    let old_email = (profile.email != account.email).then(|| account.email.clone());
    let saved = db
        .transaction("save a profile", |tx| {
            let (profile, old_email) = (profile.clone(), old_email.clone());
            Box::pin(async move {
                accounts::update_profile(tx, account_id, &profile).await?;
                if let Some(old_email) = old_email {
                    credentials::changed(tx, account_id, now).await?;
                    let notice = NotifyEmailChanged {
                        account_id,
                        old_email,
                    };
                    queue::enqueue(tx, &notice).await?;
                }
                Ok(())
            })
        })
        .await;
    match saved {
        Ok(()) => Ok(ProfileSaved::Saved {
            email_changed: old_email.is_some(),
        }),
        Err(e) if e.is_unique_violation() => Ok(ProfileSaved::EmailTaken),
        Err(e) => Err(e),
    }
}

/// Sets a new password (hashed by the caller, before the transaction) and, in the same
/// commit, ends every session of the account, retires its unused reset links, starts the
/// caller's browser on a new session id and queues the "password changed" notice. Returns the
/// new session's cookie value.
pub async fn change_password(
    db: &Db,
    account_id: i64,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    db.transaction("change a password", |tx| {
        let password_hash = password_hash.to_owned();
        Box::pin(async move {
            accounts::set_password(tx, account_id, &password_hash).await?;
            sessions::delete_for_account(tx, account_id, None).await?;
            credentials::changed(tx, account_id, now).await?;
            let raw_session = sessions::create_in(tx, account_id, now).await?;
            queue::enqueue(tx, &NotifyPasswordChanged { account_id }).await?;
            Ok(raw_session)
        })
    })
    .await
}
