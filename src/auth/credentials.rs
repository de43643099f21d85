//! What must happen, inside the writing transaction, when what lets someone into an account
//! changes: its e-mail address, password, role or disabled state. Every writer of those
//! columns (the account's owner, staff tables, disable and enable, resets) calls one of these
//! after its UPDATE of the account row, which holds the row's lock (the house lock order:
//! accounts, then sessions and reset tokens).

use chrono::{DateTime, Utc};
use jobs::email_changed::NotifyEmailChanged;
use jobs::password_changed::NotifyPasswordChanged;

use super::{resets, sessions};
use crate::db::Tx;
use crate::error::Result;
use crate::queue;

/// The account's address, password, role or standing changed: every reset link sent before
/// stops working, so a link mailed to an old address (or minted before a disable) cannot set
/// a password afterwards.
pub async fn changed(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> Result<()> {
    resets::retire_for_account(tx, account_id, now).await?;
    Ok(())
}

/// What a staff member changed about someone's account.
#[derive(Clone, Debug, Default)]
pub struct StaffChange {
    /// The address the account had before, when staff changed it: the notice goes there, so
    /// whoever redirected the account cannot silence the warning.
    pub old_email: Option<String>,
    pub password: bool,
}

impl StaffChange {
    pub fn is_empty(&self) -> bool {
        self.old_email.is_none() && !self.password
    }
}

/// Staff changed someone's e-mail address or password: besides retiring the reset links, every
/// session of the account ends (whoever held one must sign in with the new credentials) and
/// the holder is told, at the old address for an address change.
pub async fn changed_by_staff(
    tx: &mut Tx,
    account_id: i64,
    change: &StaffChange,
    now: DateTime<Utc>,
) -> Result<()> {
    if change.is_empty() {
        return Ok(());
    }
    sessions::delete_for_account(tx, account_id, None).await?;
    changed(tx, account_id, now).await?;
    if let Some(old_email) = &change.old_email {
        let notice = NotifyEmailChanged {
            account_id,
            old_email: old_email.clone(),
        };
        queue::enqueue(tx, &notice).await?;
    }
    if change.password {
        queue::enqueue(tx, &NotifyPasswordChanged { account_id }).await?;
    }
    Ok(())
}
