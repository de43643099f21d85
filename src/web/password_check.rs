//! Checking a signed-in account's password again (its own account pages, the second
//! factor's settings, re-authentication for dangerous staff actions): after the throttles,
//! and counting a wrong password as a failed sign-in of that account. Shared by several
//! handler files; holds no handler.

use super::middleware::RequestContext;
use super::state::State;
use crate::auth::accounts::Account;
use crate::auth::{password, sessions};
use crate::web::errors::Result;

/// Checks the current password of a signed-in account, after the throttles (429 when they
/// refuse). A wrong password counts as a failed sign-in of that account.
pub async fn current_password_ok(
    state: &State,
    ctx: &RequestContext,
    account: &Account,
    typed: &str,
) -> Result<bool> {
    password_throttle(state, ctx, account).await?;
    let ok = verify_current_password(state, account, typed).await?;
    if ok {
        // A password typed again counts for recent authentication, like signing in.
        if let Some(user) = &ctx.user {
            sessions::mark_password_entered(&state.db, user.session_id, state.clock.now()).await?;
        }
    }
    Ok(ok)
}

/// The throttles a current-password check passes first (its account's lockout included).
pub async fn password_throttle(
    state: &State,
    ctx: &RequestContext,
    account: &Account,
) -> Result<()> {
    let key = state
        .limits
        .account_key(&state.db, &account.username)
        .await?;
    state
        .limits
        .password_check(&state.db, ctx.client_ip, account.id, key, state.clock.now())
        .await
}

/// The bcrypt check itself, for a caller that already passed the throttles.
pub async fn verify_current_password(
    state: &State,
    account: &Account,
    typed: &str,
) -> Result<bool> {
    let ok = password::verify(typed, Some(&account.password_hash)).await?;
    let key = state
        .limits
        .account_key(&state.db, &account.username)
        .await?;
    if ok {
        state.limits.record_success(&state.db, key).await?;
    } else {
        state
            .limits
            .record_failure(&state.db, key, state.clock.now())
            .await?;
        tracing::info!("wrong current password");
    }
    Ok(ok)
}
