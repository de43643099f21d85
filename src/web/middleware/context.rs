//! What handlers know about a request beyond its own fields, and the one-shot flash messages.

use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

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
    /// After a delete made without JavaScript: its message and Undo, for that table's page.
    pub deleted: Option<DeletedNotice>,
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

/// What a delete made without JavaScript tells the table it returns to ("Deleted series
/// “X”." and its Undo), carried by the one-shot flash cookie across the redirect: the htmx
/// answer's message, for pages. The cookie is this site's own (HttpOnly, `__Host-` when
/// secure), so only the browser's owner could change it, and an Undo still has to be theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedNotice {
    /// The table whose message area shows it.
    pub slug: String,
    pub message: String,
    /// The delete's Undo token (none for accounts).
    pub undo: Option<i64>,
}

impl DeletedNotice {
    const PREFIX: &'static str = "deleted~";
    /// The message is cut to this many characters, so the cookie stays small.
    const MAX_MESSAGE: usize = 300;

    /// The cookie's value: `deleted~<slug>~<token or 0>~<message, base64url>` (characters no
    /// cookie layer escapes).
    pub fn code(&self) -> String {
        let message: String = self.message.chars().take(Self::MAX_MESSAGE).collect();
        let encoded = URL_SAFE_NO_PAD.encode(message.as_bytes());
        [
            Self::PREFIX,
            &self.slug,
            "~",
            &self.undo.unwrap_or(0).to_string(),
            "~",
            &encoded,
        ]
        .concat()
    }

    pub(super) fn parse(code: &str) -> Option<DeletedNotice> {
        let mut parts = code.strip_prefix(Self::PREFIX)?.splitn(3, '~');
        let slug = parts.next()?;
        if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
            return None;
        }
        let undo = parts.next()?.parse::<i64>().ok()?;
        let message = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        Some(DeletedNotice {
            slug: slug.to_owned(),
            message: message.chars().take(Self::MAX_MESSAGE).collect(),
            undo: (undo > 0).then_some(undo),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_notice_survives_its_cookie() {
        let notice = DeletedNotice {
            slug: "production-houses".into(),
            message: "Deleted production house “Lumière & Co; 100%~”.".into(),
            undo: Some(42),
        };
        let code = notice.code();
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"~-_".contains(&b)),
            "{code}"
        );
        assert_eq!(DeletedNotice::parse(&code), Some(notice.clone()));
        let none = DeletedNotice {
            undo: None,
            ..notice
        };
        assert_eq!(DeletedNotice::parse(&none.code()), Some(none));
        for bad in [
            "deleted~",
            "deleted~Series~1~x",
            "deleted~series~x~m",
            "signed-in",
        ] {
            assert_eq!(DeletedNotice::parse(bad), None, "{bad}");
        }
    }
}
