//! Tells an account holder that someone tried to register a new account with their address.
//! Registration answers the same whether or not an address is in use, so this message, sent
//! only to the address itself, is the one place the difference shows.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotifyRegistrationAttempt {
    /// The account that already uses the address.
    pub account_id: i64,
}

#[tracing::instrument(skip_all, fields(account_id = job.account_id, attempt = attempt.current()))]
pub async fn handle(
    job: NotifyRegistrationAttempt,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let Some(contact) = ctx.store.contact(job.account_id).await? else {
        // The account was deleted meanwhile; nobody to tell.
        return Ok(());
    };
    let forgot = ctx
        .base_url
        .join("forgot-password")
        .map_err(|e| crate::Permanent::failure(format_args!("forgot-password link: {e}")))?;
    let email = views::email::registration_attempt(&contact.username, forgot.as_str());
    if let Err(e) = ctx.mailer.send(&contact.email, email).await {
        tracing::warn!(error = %e, "registration-attempt notice not sent");
        return Err(e);
    }
    tracing::info!("registration-attempt notice sent");
    Ok(())
}
