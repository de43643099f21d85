//! What handlers know about a request beyond its own fields, and the one-shot flash messages.

use std::net::IpAddr;

use views::{Flash, FlashKind, Nav, PageContext};

use super::ASSET_VERSION;
use crate::auth::sessions::PendingSignIn;
use crate::auth::{CurrentUser, Role};

/// What handlers know about the request beyond its own fields.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// False when a state-changing request's CSRF token failed without a live session; the
    /// route guard then refuses it (sign-in redirect or 403) before any handler runs.
    pub csrf_ok: bool,
    pub user: Option<CurrentUser>,
    /// A sign-in whose password was right and that waits for its second factor.
    pub pending_sign_in: Option<PendingSignIn>,
    pub csrf_token: String,
    pub is_htmx: bool,
    pub path: String,
    pub flash: Option<Flash>,
    pub client_ip: IpAddr,
}

impl RequestContext {
    /// The page context for a full page, or `None` for htmx requests (they get fragments).
    pub fn full_page(&self) -> Option<PageContext> {
        (!self.is_htmx).then(|| self.page())
    }

    pub fn page(&self) -> PageContext {
        PageContext {
            csrf_token: self.csrf_token.clone(),
            nav: self.user.as_ref().map(|u| Nav {
                username: u.username.clone(),
                is_employee: u.role == Role::Employee,
            }),
            flash: self.flash.clone(),
            asset_version: ASSET_VERSION,
            current_path: self.path.clone(),
        }
    }
}

/// Short codes travel in the flash cookie; the text shown is fixed here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashCode {
    SignedIn,
    SignedOut,
    Registered,
    PasswordReset,
    AccountDeleted,
    // Reviews and account changes.
    ReviewSaved,
    ReviewDeleted,
    ReviewRemoved,
    PasswordChanged,
    // Staff: a series' poster.
    PosterSaved,
    PosterRemoved,
}

impl FlashCode {
    const ALL: [(FlashCode, &'static str, FlashKind, &'static str); 11] = [
        (
            FlashCode::SignedIn,
            "signed-in",
            FlashKind::Success,
            "Welcome back! You are signed in.",
        ),
        (
            FlashCode::SignedOut,
            "signed-out",
            FlashKind::Info,
            "You are signed out. See you soon.",
        ),
        (
            FlashCode::Registered,
            "registered",
            FlashKind::Success,
            "Thanks for registering! Sign in with your new username and password. (If that e-mail address already had an account, we wrote to it instead.)",
        ),
        (
            FlashCode::PasswordReset,
            "password-reset",
            FlashKind::Success,
            "Your password was changed. Sign in with the new one.",
        ),
        (
            FlashCode::AccountDeleted,
            "account-deleted",
            FlashKind::Info,
            "Your account and everything in it was deleted.",
        ),
        (
            FlashCode::ReviewSaved,
            "review-saved",
            FlashKind::Success,
            "Review saved.",
        ),
        (
            FlashCode::ReviewDeleted,
            "review-deleted",
            FlashKind::Info,
            "Review deleted.",
        ),
        (
            FlashCode::ReviewRemoved,
            "review-removed",
            FlashKind::Info,
            "The review was removed.",
        ),
        (
            FlashCode::PasswordChanged,
            "password-changed",
            FlashKind::Success,
            "Password changed. This browser stays signed in; every other session was signed out.",
        ),
        (
            FlashCode::PosterSaved,
            "poster-saved",
            FlashKind::Success,
            "The poster was saved.",
        ),
        (
            FlashCode::PosterRemoved,
            "poster-removed",
            FlashKind::Info,
            "The poster was removed.",
        ),
    ];

    pub fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, ..)| *c == self)
            .map(|(_, code, ..)| *code)
            .unwrap_or_default()
    }

    pub(super) fn flash(code: &str) -> Option<Flash> {
        Self::ALL
            .iter()
            .find(|(_, c, ..)| *c == code)
            .map(|(_, _, kind, message)| Flash {
                kind: *kind,
                message: (*message).to_owned(),
            })
    }
}
