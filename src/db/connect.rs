//! Opening the pool for either backend: SQLite's file options and pool size, MariaDB's
//! database creation, cluster relay and causal reads. `Db::connect*` chooses the purpose.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::cluster;
use crate::error::{Error, Result};

/// Prepared statements kept per connection. The catalog alone has a few hundred statement
/// shapes (sort × filters × search strategy); with sqlx's default of 100 they were re-prepared
/// over and over under varied searches.
const STATEMENT_CACHE: usize = 400;
/// How much of a SQLite database file serving connections map (SQLite's own cap is 2 GiB
/// unless compiled otherwise); beyond it, pages are read with `pread`.
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// MariaDB connections per process: enough to overlap the network round trips of the requests
/// in flight; more only adds server threads contending for the same cores.
const MYSQL_CONNECTIONS: u32 = 8;

/// SQLite connections per process: each has its own worker thread, and every query hands its
/// rows from that thread to the async runtime. Reads are CPU-bound, so a few per core; more
/// connections measured as more context switches (and 2 MB of page cache each), not more
/// throughput. At least 4, so a write transaction and the workers never starve the pages.
fn sqlite_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, usize::from) as u32;
    (2 * cores).clamp(4, 16)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Purpose {
    Serve,
    BulkLoad,
    Background,
}

/// On a Galera node, every read of this connection first waits until the node has applied
/// all that the cluster committed before it (`wsrep_sync_wait` = 1): a session created
/// through one node is found by the next request served through another, and a review just
/// posted is on the page that follows. A single server has nothing to wait for.
async fn causal_reads_on_galera(
    conn: &mut MySqlConnection,
) -> std::result::Result<(), sqlx::Error> {
    use sqlx::Row;
    let galera = sqlx::query("SHOW VARIABLES LIKE 'wsrep_on'")
        .fetch_optional(&mut *conn)
        .await?
        .and_then(|row| row.try_get::<String, _>(1).ok())
        .is_some_and(|on| on.eq_ignore_ascii_case("ON"));
    if galera {
        sqlx::query("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The SQLite pool for `purpose`: WAL, a busy timeout, foreign keys; the file and its folder
/// are created when missing.
pub(super) async fn sqlite_pool(url: &str, purpose: Purpose) -> Result<SqlitePool> {
    let mut options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .statement_cache_capacity(STATEMENT_CACHE)
        // Sorting a page's rows never needs the disk.
        .pragma("temp_store", "MEMORY");
    if purpose == Purpose::Serve {
        // Pages read in place from the mapped file instead of a `pread` copy each: a
        // random series page went from 2,300 to 4,000 req/s at scale 10. The mapped
        // pages are the kernel's page cache (shared, reclaimable), not this process's
        // memory; writes still go through the journal as before.
        options = options.pragma("mmap_size", SQLITE_MMAP_BYTES.to_string());
    }
    if purpose == Purpose::BulkLoad {
        options = options
            .synchronous(SqliteSynchronous::Off)
            // Negative: KiB, so 256 MiB for the one connection.
            .pragma("cache_size", "-262144")
            .pragma("temp_store", "MEMORY");
    }
    if purpose == Purpose::Background {
        options = options.pragma("temp_store", "FILE");
    }
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Error::internal(format_args!("cannot create {}: {e}", parent.display()))
            })?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(match purpose {
            Purpose::Serve => sqlite_connections(),
            Purpose::BulkLoad | Purpose::Background => 1,
        })
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection before lending it (and again when it comes back),
        // each a hand-off to the connection's thread and back. A SQLite connection is
        // a file handle in this process; it cannot hang up, so the ping on return is
        // check enough. (MariaDB's pool keeps both: a server
        // restart must not hand a dead connection to a request.)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// The MariaDB pool for `purpose` (through the failover relay when `url` names several
/// nodes); a missing database is created.
pub(super) async fn mysql_pool(url: &str, purpose: Purpose) -> Result<MySqlPool> {
    let mut url = url
        .strip_prefix("mariadb:")
        .map(|rest| ["mysql:", rest].concat())
        .unwrap_or_else(|| url.to_owned());
    // Several nodes: connect through this process's failover relay.
    if let Some(nodes) = cluster::NodeList::parse(&url) {
        let relay = cluster::Relay::start(nodes.clone()).await?;
        tracing::info!(nodes = ?nodes.nodes, relay = %relay.address, "database cluster");
        url = nodes.url_for(&relay.address.to_string());
    }
    // Like the SQLite file, a missing database is created (the server must be reachable).
    if !sqlx::MySql::database_exists(&url).await? {
        if let Err(e) = sqlx::MySql::create_database(&url).await {
            // Another process (on another node, say) created it at the same moment.
            if !sqlx::MySql::database_exists(&url).await? {
                return Err(e.into());
            }
        }
    }
    // The tables' collation for the connection too, so values the server compares
    // outside a column (WEIGHT_STRING in `auth::accounts::fold_identity`) fold alike.
    let options = MySqlConnectOptions::from_str(&url)?
        .charset("utf8mb4")
        .collation("utf8mb4_unicode_ci")
        .statement_cache_capacity(STATEMENT_CACHE);
    let pool = MySqlPoolOptions::new()
        .max_connections(match purpose {
            Purpose::Serve => MYSQL_CONNECTIONS,
            Purpose::BulkLoad | Purpose::Background => 1,
        })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _| Box::pin(causal_reads_on_galera(conn)))
        .connect_with(options)
        .await?;
    Ok(pool)
}
