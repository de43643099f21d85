//! Recent authentication for dangerous staff actions (changing another account's e-mail,
//! disabling or creating an employee): allowed for `REAUTH_SECONDS` after the employee last
//! typed their password (signing in counts). Otherwise the request must carry
//! `current_password`; without it, or with a wrong one, the answer is 403 with a password box
//! that re-submits the same fields, and nothing changes. Shared by handler files; holds no
//! handler.

use poem::http::StatusCode;
use poem::Response;

use super::middleware::RequestContext;
use super::password_check::current_password_ok;
use super::state::State;
use crate::admin::crud::FormData;
use crate::auth::{accounts, CurrentUser};
use crate::error::Error;
use crate::web::errors::Result;

/// The field that carries the password on a re-authenticated request.
pub const PASSWORD_FIELD: &str = "current_password";

/// `None` when `user` may go ahead (recently authenticated, or `form` carries their right
/// password, which then counts as a fresh entry); else the 403 answer to send.
pub async fn require_recent_password(
    state: &State,
    ctx: &RequestContext,
    user: &CurrentUser,
    form: &FormData,
    action: &str,
) -> Result<Option<Response>> {
    let now = state.clock.now();
    if user.authenticated_within(state.config.reauth_window, now) {
        return Ok(None);
    }
    let typed = form.one(PASSWORD_FIELD)?.unwrap_or_default();
    let error = if typed.is_empty() {
        None
    } else {
        let account = accounts::find_by_id(&state.db, user.account_id)
            .await?
            .ok_or(Error::Forbidden)?;
        // A right password is noted on the session as a fresh entry.
        if current_password_ok(state, ctx, &account, typed).await? {
            return Ok(None);
        }
        Some("That is not your password.")
    };
    tracing::info!(account_id = user.account_id, "re-authentication asked");
    // The form again, minus its token (the prompt carries its own) and the password.
    let fields: Vec<(String, String)> = form
        .0
        .iter()
        .filter(|(name, _)| name != "csrf_token" && name != PASSWORD_FIELD)
        .cloned()
        .collect();
    let page = ctx.page();
    let response = if ctx.is_htmx {
        let markup = views::account::reauth_prompt(&page, action, &fields, error);
        let mut response = super::common::with_status(markup, StatusCode::FORBIDDEN);
        // Shown over the page's main area, wherever the request came from.
        response
            .headers_mut()
            .insert("HX-Retarget", poem::http::HeaderValue::from_static("#main"));
        response.headers_mut().insert(
            "HX-Reswap",
            poem::http::HeaderValue::from_static("afterbegin"),
        );
        response.headers_mut().insert(
            "X-Reauth-Required",
            poem::http::HeaderValue::from_static("password"),
        );
        response
    } else {
        let markup = views::account::reauth_page(&page, action, &fields, error);
        let mut response = super::common::with_status(markup, StatusCode::FORBIDDEN);
        response.headers_mut().insert(
            "X-Reauth-Required",
            poem::http::HeaderValue::from_static("password"),
        );
        response
    };
    Ok(Some(response))
}
