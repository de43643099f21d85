//! Tells an account holder, at their OLD address, that the account's e-mail address was
//! changed: whoever changed it (with the password) cannot silence the warning by doing so.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{back_off, BoxError, JobContext};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotifyEmailChanged {
    pub account_id: i64,
    /// The address the account used before the change: where the notice goes.
    pub old_email: String,
}

#[tracing::instrument(skip_all, fields(account_id = job.account_id, attempt = attempt.current()))]
pub async fn handle(
    job: NotifyEmailChanged,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let Some(contact) = ctx.store.contact(job.account_id).await? else {
        // The account was deleted meanwhile; nobody to tell.
        return Ok(());
    };
    let email = views::email::email_changed(&contact.username, &contact.email);
    if let Err(e) = ctx.mailer.send(&job.old_email, email).await {
        tracing::warn!(error = %e, "e-mail-changed notice not sent; will retry");
        back_off(attempt.current()).await;
        return Err(e);
    }
    tracing::info!("e-mail-changed notice sent");
    Ok(())
}
