//! Which database errors are worth re-running a whole transaction for, and which mean the
//! database is out of reach (read through `DbError::kind`).

/// Why a transaction is worth re-running, if it is: a deadlock, a lock-wait timeout or a
/// busy/locked SQLite database. Constraint violations and everything else are final.
pub(super) fn retry_cause(error: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return match mysql.number() {
            1213 => Some("deadlock (1213)"),
            1205 => Some("lock wait timeout (1205)"),
            // TiDB (README, "Towards TiDB or Vitess"): the transaction was rolled back and
            // may be re-run as a whole — a write conflict (optimistic mode: 9007, older 8005),
            // a commit conflict after SELECT … FOR UPDATE (8002), a failed commit (8022), or a
            // schema change during the transaction (8028). MariaDB and MySQL never send these.
            8002 => Some("tidb: select for update conflict (8002)"),
            8005 => Some("tidb: write conflict (8005)"),
            8022 => Some("tidb: commit failed (8022)"),
            8028 => Some("tidb: schema changed (8028)"),
            9007 => Some("tidb: write conflict (9007)"),
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

/// True when the database could not be reached or dropped the connection (server down,
/// restarting, shutting down, out of connections): the request may succeed later, so the
/// answer is 503 with `Retry-After`, never 500. Not retried inside a transaction: whether a
/// lost COMMIT took effect is unknown.
pub(super) fn is_unavailable(error: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match error {
        E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::Protocol(_) => true,
        E::WorkerCrashed => true,
        E::Database(db) => {
            if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return matches!(
                    mysql.number(),
                    // too many connections, server shutdown, aborted connection, network
                    // read/write errors, read-only, connection killed, client-side losses
                    1040 | 1053
                        | 1152
                        | 1153
                        | 1158
                        | 1159
                        | 1160
                        | 1161
                        | 1290
                        | 1836
                        | 1927
                        | 2002
                        | 2003
                        | 2006
                        | 2013
                        | 2055
                );
            }
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let primary = db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                // I/O error, disk full, cannot open, out of memory
                return matches!(primary, Some(7 | 10 | 13 | 14));
            }
            false
        }
        _ => false,
    }
}
