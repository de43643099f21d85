//! One error type for the application; the web layer turns each variant into a status code.

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the form's security token is missing or wrong")]
    Csrf,
    #[error("invalid input: {0}")]
    BadRequest(String),
    #[error("someone else changed this record first")]
    Conflict,
    #[error("too many attempts")]
    TooManyRequests { retry_after: Duration },
    /// A transaction still failed after its retries, or the database is unreachable.
    #[error("the service is busy")]
    Unavailable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(anyhow::anyhow!("{message}"))
    }

    /// True when the database refused the write because of a UNIQUE constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// True when the database refused the write because of a FOREIGN KEY constraint.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }

    /// True when the database refused the write because of a CHECK constraint.
    pub fn is_check_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(e)) if e.is_check_violation())
    }
}

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: &'static str,
}

impl ConfigError {
    pub fn invalid(name: &'static str, reason: &'static str) -> Self {
        Self { name, reason }
    }
}
