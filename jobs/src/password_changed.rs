//! Tells an account holder that their password changed (never including the password).

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotifyPasswordChanged {
    pub account_id: i64,
}

#[tracing::instrument(skip_all, fields(account_id = job.account_id, attempt = attempt.current()))]
pub async fn handle(
    job: NotifyPasswordChanged,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let Some(contact) = ctx.store.contact(job.account_id).await? else {
        // The account was deleted meanwhile; nobody to tell.
        return Ok(());
    };
    let email = views::email::password_changed(&contact.username);
    if let Err(e) = ctx.mailer.send(&contact.email, email).await {
        tracing::warn!(error = %e, "password-changed notice not sent");
        return Err(e);
    }
    Ok(())
}
