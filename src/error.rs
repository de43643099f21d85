//! One error type for the application; the web layer turns each variant into a status code.

use crate::db::{DbError, DbErrorKind};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input: {0}")]
    BadRequest(String),
    #[error("someone else changed this record first")]
    Conflict,
    /// A unit of work stopped on request (a cancelled import): nothing was written.
    #[error("cancelled")]
    Cancelled,
    /// A transaction still failed after its retries, or the database is unreachable.
    #[error("the service is busy")]
    Unavailable,
    /// A database failure, with the operation (the unit of work) it happened in.
    #[error("{op}: {source}")]
    Db {
        op: &'static str,
        #[source]
        source: DbError,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(anyhow::anyhow!("{message}"))
    }

    /// Names the operation a database error without one happened in (the innermost name
    /// wins: a unit of work names its errors before its caller could).
    pub fn during(self, op: &'static str) -> Self {
        match self {
            Error::Db {
                op: UNNAMED,
                source,
            } => Error::Db { op, source },
            other => other,
        }
    }

    /// What kind of database failure this is, if it is one.
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Db { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    /// True when the database refused the write because of a UNIQUE constraint.
    pub fn is_unique_violation(&self) -> bool {
        self.db_kind() == Some(DbErrorKind::UniqueViolation)
    }
}

/// The operation of a database error raised outside any named unit of work.
const UNNAMED: &str = "database";

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Db {
            op: UNNAMED,
            source: DbError::from(error),
        }
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
