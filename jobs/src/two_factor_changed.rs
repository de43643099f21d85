//! Tells an account holder that two-factor sign-in was turned on, turned off, or reset by
//! staff: whoever did it cannot do it unseen.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorChange {
    TurnedOn,
    TurnedOff,
    ResetByStaff,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotifyTwoFactorChanged {
    pub account_id: i64,
    pub change: TwoFactorChange,
}

#[tracing::instrument(skip_all, fields(account_id = job.account_id, attempt = attempt.current()))]
pub async fn handle(
    job: NotifyTwoFactorChanged,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let Some(contact) = ctx.store.contact(job.account_id).await? else {
        // The account was deleted meanwhile; nobody to tell.
        return Ok(());
    };
    let what = match job.change {
        TwoFactorChange::TurnedOn => "was turned on",
        TwoFactorChange::TurnedOff => "was turned off",
        TwoFactorChange::ResetByStaff => {
            "was reset by a member of staff (it is off until you set it up again)"
        }
    };
    let email = views::email::two_factor_changed(&contact.username, what);
    if let Err(e) = ctx.mailer.send(&contact.email, email).await {
        tracing::warn!(error = %e, "two-factor notice not sent");
        return Err(e);
    }
    Ok(())
}
