//! What a database error means, decided once, here: the only place that reads driver error
//! codes. Everything above sees a [`DbError`] and asks for its [`DbErrorKind`].

/// A failure reported by the database or the driver.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(#[from] sqlx::Error);

/// What a caller can do about a [`DbError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A UNIQUE constraint refused the write.
    UniqueViolation,
    /// A FOREIGN KEY constraint refused the write.
    ForeignKeyViolation,
    /// A CHECK constraint refused the write.
    CheckViolation,
    /// Worth re-running the whole transaction (deadlock, lock-wait timeout, busy SQLite…);
    /// the text names the cause for the logs.
    Retryable(&'static str),
    /// The database could not be reached or dropped the connection: try again later.
    Unavailable,
    /// Anything else: a bug or a broken schema.
    Other,
}

impl DbError {
    pub fn kind(&self) -> DbErrorKind {
        let error = &self.0;
        if let Some(cause) = super::retry::retry_cause(error) {
            return DbErrorKind::Retryable(cause);
        }
        if super::retry::is_unavailable(error) {
            return DbErrorKind::Unavailable;
        }
        match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => DbErrorKind::UniqueViolation,
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                DbErrorKind::ForeignKeyViolation
            }
            sqlx::Error::Database(db) if db.is_check_violation() => DbErrorKind::CheckViolation,
            _ => DbErrorKind::Other,
        }
    }

    /// True for the refusals of UNIQUE, FOREIGN KEY and CHECK constraints.
    pub fn is_constraint(&self) -> bool {
        matches!(
            self.kind(),
            DbErrorKind::UniqueViolation
                | DbErrorKind::ForeignKeyViolation
                | DbErrorKind::CheckViolation
        )
    }
}
