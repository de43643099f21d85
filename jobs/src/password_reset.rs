//! E-mails a password-reset link. The job carries only the address someone typed: the worker
//! mints the token, so the raw token never touches the queue, the token table or the logs.

use apalis::prelude::{Attempt, Data};
use serde::{Deserialize, Serialize};

use crate::{BoxError, JobContext};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendPasswordReset {
    /// Normalized (trimmed, lower-case) e-mail address.
    pub email: String,
}

#[tracing::instrument(skip_all, fields(attempt = attempt.current()))]
pub async fn handle(
    job: SendPasswordReset,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxError> {
    let Some(grant) = ctx.store.mint_reset_token(&job.email).await? else {
        // Unknown address: nothing to send, and the requester was told the same either way.
        return Ok(());
    };
    let link = ctx
        .base_url
        .join("reset-password/")?
        .join(&grant.raw_token)?;
    let email =
        views::email::password_reset(&grant.contact.username, link.as_str(), grant.valid_minutes);
    if let Err(e) = ctx.mailer.send(&grant.contact.email, email).await {
        tracing::warn!(error = %e, "reset e-mail not sent");
        return Err(e);
    }
    tracing::info!("reset e-mail sent");
    Ok(())
}
