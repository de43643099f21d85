//! Background jobs: their payloads and handlers. Handlers get what they need (a [`JobStore`]
//! for the database work, a [`Mailer`], the public base URL) as worker data; this crate never
//! imports the application.

pub mod analytics_refresh;
pub mod apply_import;
pub mod email_changed;
pub mod housekeeping;
pub mod mailer;
pub mod password_changed;
pub mod password_reset;
pub mod registration_attempt;
pub mod sweep_posters;
pub mod two_factor_changed;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use mailer::Mailer;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Who an e-mail goes to.
#[derive(Clone, Debug)]
pub struct Contact {
    pub username: String,
    pub email: String,
}

/// A freshly minted reset token for an account. The raw token lives only in memory until it
/// is written into the e-mail.
pub struct ResetGrant {
    pub contact: Contact,
    pub raw_token: String,
    pub valid_minutes: i64,
}

/// The database work jobs need, implemented by the application.
pub trait JobStore: Send + Sync + 'static {
    /// If an account uses this (normalized) address: supersede its unused tokens, store the
    /// hash of a new one and return it. `None` for unknown addresses.
    fn mint_reset_token(
        &self,
        normalized_email: &str,
    ) -> BoxFuture<'_, Result<Option<ResetGrant>, BoxError>>;

    fn contact(&self, account_id: i64) -> BoxFuture<'_, Result<Option<Contact>, BoxError>>;

    /// Deletes expired sessions and reset tokens; returns how many rows went.
    fn delete_expired(&self) -> BoxFuture<'_, Result<u64, BoxError>>;

    /// Computes and stores a new analytics snapshot, unless one computed after
    /// `requested_at` exists. `None` (the schedule): skip if another refresh is running.
    fn refresh_analytics(
        &self,
        requested_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> BoxFuture<'_, Result<(), BoxError>>;

    /// Deletes poster files that no series refers to any more; returns how many posters went.
    fn sweep_posters(&self) -> BoxFuture<'_, Result<u64, BoxError>>;

    /// Applies a queued CSV import (all or nothing) and records how it ended.
    fn apply_import<'a>(&'a self, import_id: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
}

/// Shared by every job handler.
#[derive(Clone)]
pub struct JobContext {
    pub store: Arc<dyn JobStore>,
    pub mailer: Mailer,
    pub base_url: url::Url,
}

/// An error no retry can fix (an address the mailer rejects, a recipient the SMTP server
/// refuses for good): the queue gives the job up at once (`Killed`, listed for staff) instead
/// of retrying it for hours. Any other error is retried later with a growing delay.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Permanent {
    message: String,
    #[source]
    cause: Option<BoxError>,
}

impl Permanent {
    /// A permanent failure described by `message`.
    pub fn failure(message: impl std::fmt::Display) -> BoxError {
        Box::new(Permanent {
            message: message.to_string(),
            cause: None,
        })
    }

    /// `cause`, marked as permanent.
    pub fn wrap(cause: impl Into<BoxError>) -> BoxError {
        let cause = cause.into();
        Box::new(Permanent {
            message: cause.to_string(),
            cause: Some(cause),
        })
    }
}

/// Whether `error` (or anything in its chain of causes) is a [`Permanent`] failure.
pub fn is_permanent(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<Permanent>() {
            return true;
        }
        current = error.source();
    }
    false
}
