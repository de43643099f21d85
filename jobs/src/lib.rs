//! Background jobs: their payloads and handlers. Handlers get what they need (a [`JobStore`]
//! for the database work, a [`Mailer`], the public base URL) as worker data; this crate never
//! imports the application.

pub mod email_changed;
pub mod housekeeping;
pub mod mailer;
pub mod password_changed;
pub mod password_reset;

use std::sync::Arc;
use std::time::Duration;

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
}

/// Shared by every job handler.
#[derive(Clone)]
pub struct JobContext {
    pub store: Arc<dyn JobStore>,
    pub mailer: Mailer,
    pub base_url: url::Url,
}

/// Waits before a failed attempt is handed back to the queue, so retries back off:
/// 2 s, 4 s, 8 s … capped at one minute.
pub async fn back_off(attempt: usize) {
    let seconds = 1u64 << attempt.clamp(1, 6);
    tokio::time::sleep(Duration::from_secs(seconds.min(60))).await;
}
