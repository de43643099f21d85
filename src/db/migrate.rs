//! Applying the migrations of either tree: SQLite's on a connection of their own with
//! foreign keys off, MariaDB's under the replicated lease (`migration_lease`).

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::SqlitePoolOptions;

use super::{migration_lease, Pool};
use crate::error::{Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("migrations/mysql");

pub(super) async fn run(pool: &Pool) -> Result<()> {
    let outcome = match pool {
        Pool::Sqlite(pool) => migrate_sqlite(pool).await,
        Pool::MySql(pool) => {
            let lease = migration_lease::acquire(pool).await?;
            let outcome = MYSQL_MIGRATIONS.run(pool).await;
            lease.release().await;
            outcome
        }
    };
    outcome.map_err(|e| Error::internal(format_args!("migration failed: {e}")))
}

/// SQLite's migrations run with foreign-key enforcement off, as SQLite's procedure for
/// rebuilding a table asks: with it on, dropping the old table would run the ON DELETE actions
/// of every child row (sessions, reviews, audit entries). The pragma cannot change inside a
/// transaction, so the migrator gets a connection of its own opened with enforcement off; the
/// result is checked with `foreign_key_check`, and that connection is closed, never shared.
async fn migrate_sqlite(pool: &sqlx::SqlitePool) -> std::result::Result<(), MigrateError> {
    // A pool of one (rather than a bare connection) keeps this future `Send`.
    let options = (*pool.connect_options()).clone().foreign_keys(false);
    let single = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let migrated = SQLITE_MIGRATIONS.run(&single).await;
    let dangling = match migrated {
        Ok(()) => match sqlx::query("PRAGMA foreign_key_check")
            .fetch_optional(&single)
            .await
        {
            // A rebuilt table (`…_never_reused.sql`) loses its planner statistics with the
            // old one: `optimize` analyzes the tables that have none or outgrew theirs, with
            // SQLite's own bound on the rows it reads (a no-op on a fresh, empty database).
            Ok(row) => sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&single)
                .await
                .map(|_| row.is_some()),
            Err(e) => Err(e),
        },
        Err(e) => {
            single.close().await;
            return Err(e);
        }
    };
    single.close().await;
    if dangling? {
        return Err(MigrateError::Execute(sqlx::Error::Protocol(
            "the migrated database has rows whose foreign keys point nowhere".into(),
        )));
    }
    Ok(())
}
