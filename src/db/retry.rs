//! Which database errors are worth re-running a whole transaction for.

use crate::error::Error;

/// Why a transaction is worth re-running, if it is: a deadlock, a lock-wait timeout or a
/// busy/locked SQLite database. Constraint violations and everything else are final.
pub fn retry_cause_of(error: &Error) -> Option<&'static str> {
    match error {
        Error::Db(e) => retry_cause(e),
        _ => None,
    }
}

/// Classifies a database error as worth re-running the whole transaction.
pub fn retry_cause(error: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return match mysql.number() {
            1213 => Some("deadlock (1213)"),
            1205 => Some("lock wait timeout (1205)"),
            _ => None,
        };
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // The code is SQLite's extended result code; its low byte is the primary code.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        return match primary {
            Some(5) => Some("sqlite busy"),
            Some(6) => Some("sqlite locked"),
            _ => None,
        };
    }
    None
}
