//! The middleware every request passes through: it resolves the session, derives the CSRF
//! token, refuses forged state-changing requests, renders errors, and adds security headers.

mod client;
mod compress;
mod context;
mod csrf;
mod headers;

use poem::{Endpoint, Request, Response};

use super::cookies;
use super::errors::{self, WebError};
use super::state::State;
use crate::auth::{sessions, tokens};
pub use compress::{accepted_coding, Coding, Compress};
pub use context::{DeletedNotice, FlashCode, RequestContext};
use csrf::{is_cross_site, is_state_changing, presented_csrf};
use headers::finish;

/// Form bodies larger than this are refused before anything reads them.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The poster upload's limit: the 5 MB file plus the form around it. The handler refuses a
/// file over 5 MB itself (413), whatever the rest of the body holds.
pub const MAX_UPLOAD_BODY_BYTES: usize = crate::posters::image::MAX_UPLOAD_BYTES + MAX_FORM_BYTES;

/// A CSV import's limit: the 10 MB file plus the form around it (a larger body is 413).
pub const MAX_IMPORT_BODY_BYTES: usize = crate::admin::import::MAX_FILE_BYTES + MAX_FORM_BYTES;

/// Asset URLs carry this build's content hash, so they can be cached for a year.
pub const ASSET_VERSION: &str = env!("STREAMVAULT_ASSET_VERSION");

pub struct WithContext<E> {
    inner: E,
    state: State,
}

impl<E> WithContext<E> {
    pub fn new(inner: E, state: State) -> Self {
        Self { inner, state }
    }
}

impl<E: Endpoint<Output = Response>> Endpoint for WithContext<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let state = &self.state;
        let secure = state.config.secure_cookies();
        let path = req.uri().path().to_owned();
        // Assets and poster files carry nothing per visitor: no cookies, no `Vary`.
        let is_asset = path.starts_with("/assets/")
            || path.starts_with("/media/")
            || path == views::paths::HEALTHZ;
        let is_htmx = req
            .headers()
            .get("hx-request")
            .is_some_and(|v| v.as_bytes() == b"true")
            && req.headers().get("hx-history-restore-request").is_none();
        let client_ip = client::client_ip(&req, &state.config.trusted_proxies);

        let mut set_cookies: Vec<(&'static str, Option<String>)> = Vec::new();

        // The session, if the cookie names a live one.
        let session_cookie = cookies::read(req.headers(), cookies::SESSION, secure);
        let session = match &session_cookie {
            Some(raw) => match sessions::lookup(&state.db, raw, state.clock.now()).await {
                Ok(session) => session,
                Err(e) => {
                    return Ok(finish(
                        errors::render(errors::from_app_error(&e), None),
                        secure,
                        Vec::new(),
                        is_asset,
                    ))
                }
            },
            None => None,
        };
        if session_cookie.is_some() && session.is_none() {
            set_cookies.push((cookies::SESSION, None));
        }
        let (user, pending_sign_in) = match session {
            Some(sessions::Session::Full(user)) => (Some(user), None),
            Some(sessions::Session::AwaitingSecondFactor(pending)) => (None, Some(pending)),
            None => (None, None),
        };

        // An employee who must enrol in two-factor sign-in reaches nothing else first.
        if user.as_ref().is_some_and(|u| {
            state.config.staff_2fa_required
                && u.role == crate::auth::Role::Employee
                && !u.has_second_factor
        }) && !reachable_before_enrolment(&path)
        {
            return Ok(finish(
                enrolment_redirect(is_htmx),
                secure,
                set_cookies,
                is_asset,
            ));
        }

        // The CSRF token belongs to the session (signed in, or waiting for its second
        // factor), or to a pre-login session for anonymous visitors.
        let csrf_basis = match (&session_cookie, user.is_some() || pending_sign_in.is_some()) {
            (Some(raw), true) => raw.clone(),
            _ => match cookies::read(req.headers(), cookies::PRE_SESSION, secure)
                .filter(|v| tokens::looks_like_token(v))
            {
                Some(pre) => pre,
                None => {
                    let pre = tokens::random_token();
                    if !is_asset {
                        set_cookies.push((cookies::PRE_SESSION, Some(pre.clone())));
                    }
                    pre
                }
            },
        };
        // Masked afresh for every response (BREACH: compressed pages never repeat its bytes).
        let csrf_token = tokens::masked_csrf_token(&state.csrf_key, &csrf_basis);

        // A flash message is shown once: its cookie is cleared by the response that shows it.
        let flash_code = cookies::read(req.headers(), cookies::FLASH, secure);
        if flash_code.is_some() {
            set_cookies.push((cookies::FLASH, None));
        }
        let flash = flash_code.as_deref().and_then(FlashCode::flash);
        let deleted = flash_code.as_deref().and_then(DeletedNotice::parse);

        let mut ctx = RequestContext {
            csrf_ok: true,
            user,
            pending_sign_in,
            csrf_token,
            is_htmx,
            path,
            flash,
            deleted,
            client_ip,
        };

        if is_state_changing(req.method()) {
            if is_cross_site(&req, &state.base_url) {
                tracing::info!(
                    path = %loggable_path(&ctx.path),
                    "refused a cross-site request"
                );
                let response = errors::render(
                    errors::from_web_error(&WebError::Csrf),
                    ctx.full_page().as_ref(),
                );
                return Ok(finish(response, secure, set_cookies, is_asset));
            }
            let token_ok = match presented_csrf(&mut req).await {
                Ok(Some(token)) => tokens::csrf_matches(&state.csrf_key, &csrf_basis, &token),
                Ok(None) => false,
                Err(status) => {
                    let problem = errors::from_poem_error(&poem::Error::from_status(status));
                    return Ok(finish(
                        errors::render(problem, ctx.full_page().as_ref()),
                        secure,
                        set_cookies,
                        is_asset,
                    ));
                }
            };
            if !token_ok {
                if ctx.user.is_some() || ctx.pending_sign_in.is_some() {
                    let response = errors::render(
                        errors::from_web_error(&WebError::Csrf),
                        ctx.full_page().as_ref(),
                    );
                    return Ok(finish(response, secure, set_cookies, is_asset));
                }
                // Without a live session the token cannot match (it belonged to a session that
                // expired). The route's guard decides: a protected route answers the sign-in
                // redirect (htmx: 401 + HX-Redirect) instead of a 403 htmx would not swap; any
                // other route refuses with 403. Either way nothing runs.
                ctx.csrf_ok = false;
            }
        }

        req.extensions_mut().insert(ctx.clone());
        let response = match self.inner.call(req).await {
            Ok(response) => response,
            Err(error) => errors::render(errors::from_any(&error), ctx.full_page().as_ref()),
        };
        Ok(finish(response, secure, set_cookies, is_asset))
    }
}

/// What an employee who must still enrol in two-factor sign-in may reach.
fn reachable_before_enrolment(path: &str) -> bool {
    path == views::paths::ACCOUNT_2FA
        || path == views::paths::LOGOUT
        || path == views::paths::HEALTHZ
        || path.starts_with("/assets/")
}

/// Sends an employee who must enrol to the enrolment page (htmx: 401 with `HX-Redirect`,
/// like an expired session, so no page lands inside a fragment).
fn enrolment_redirect(is_htmx: bool) -> poem::Response {
    let target = views::paths::ACCOUNT_2FA;
    if is_htmx {
        poem::Response::builder()
            .status(poem::http::StatusCode::UNAUTHORIZED)
            .header("HX-Redirect", target)
            .finish()
    } else {
        poem::Response::builder()
            .status(poem::http::StatusCode::SEE_OTHER)
            .header(poem::http::header::LOCATION, target)
            .finish()
    }
}

/// The request path as it may appear in logs: secrets in paths (reset tokens) are masked.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    const RESET: &str = "/reset-password/";
    if path.len() > RESET.len() && path.starts_with(RESET) {
        std::borrow::Cow::Owned([RESET, "…"].concat())
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn reset_tokens_never_reach_the_logs() {
        assert_eq!(
            loggable_path("/reset-password/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
            "/reset-password/…"
        );
        assert_eq!(loggable_path("/account"), "/account");
    }
}
