//! One `Db` type for both backends. Every statement is a sea-query statement, built with the
//! backend's query builder and bound through sea-query-binder; no SQL text is assembled here.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};
use sea_query_binder::SqlxBinder;
use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::FromRow;

use crate::error::{Error, Result};
use connect::Purpose;

pub mod batch;
pub mod cluster;
mod connect;
pub mod dynrow;
mod effects;
mod error;
mod migrate;
mod migration_lease;
pub mod page;
mod retry;
pub mod schema;
mod stream;

pub use effects::{CommitListener, Effects, Touched};
pub use error::{DbError, DbErrorKind};

/// How many times a unit of work is re-run after a deadlock, lock-wait timeout or busy database.
pub const MAX_RETRIES: u32 = 3;

/// A write transaction's reads on MariaDB make no causal wait of their own (see `Db::begin`);
/// the connection's own setting comes back at COMMIT or ROLLBACK. Every MariaDB has the
/// variable (Galera support is built in), with or without a cluster.
const SYNC_WAIT_OFF: &str =
    "SET @streamvault_sync_wait = @@SESSION.wsrep_sync_wait, SESSION wsrep_sync_wait = 0";
const SYNC_WAIT_BACK: &str = "SET SESSION wsrep_sync_wait = @streamvault_sync_wait";

/// The application's database: a pool of either backend, and what to tell after a commit.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Told about each committed transaction's effects (set once, by the app's wiring).
    listener: Arc<OnceLock<Arc<dyn CommitListener>>>,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

/// Which database a [`Db`] talks to, for the few statements that differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

/// A row type that decodes the same way on both backends.
pub trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, MySqlRow> + Send + Unpin
{
}
impl<T> Row for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, MySqlRow> + Send + Unpin
{
}

/// An open transaction on either backend, and the effects its unit of work declared
/// ([`Tx::touch`], jobs queued through it): they take effect only if it commits.
pub struct Tx {
    conn: TxConn,
    effects: Effects,
    listener: Option<Arc<dyn CommitListener>>,
}

enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// One pooled connection held for a few reads in a row (a page that runs several queries).
/// Every statement run on the pool itself pays the pool's acquire and, on release, a liveness
/// ping: on SQLite each is a hand-off to the connection's thread and back, on MariaDB a
/// network round trip. A reader pays them once for all its statements.
pub enum Reader {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

/// A borrowed connection (from the pool or inside a transaction) that runs statements.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    MySql(&'c mut MySqlConnection),
}

impl From<Pool> for Db {
    fn from(pool: Pool) -> Self {
        Db {
            pool,
            listener: Arc::new(OnceLock::new()),
        }
    }
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `mysql://…`). A SQLite file and its folder are created
    /// when missing; SQLite runs in WAL mode with a busy timeout and foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_for(url, Purpose::Serve).await
    }

    /// A connection for one bulk writer (`seed --scale`), tuned for throughput over
    /// durability: SQLite does not wait for the disk (a crash half-way means seeding again with
    /// `--force`) and keeps a large page cache. Not for serving requests.
    pub async fn connect_for_bulk_load(url: &str) -> Result<Self> {
        Self::connect_for(url, Purpose::BulkLoad).await
    }

    /// One connection for background work (the analytics refresh) beside the serving pool:
    /// it never takes a page's connection, and on SQLite its temporary sorts go to a file
    /// rather than to this process's memory.
    pub async fn connect_background(url: &str) -> Result<Self> {
        Self::connect_for(url, Purpose::Background).await
    }

    async fn connect_for(url: &str, purpose: Purpose) -> Result<Self> {
        Ok(Db::from(if url.starts_with("sqlite:") {
            Pool::Sqlite(connect::sqlite_pool(url, purpose).await?)
        } else {
            Pool::MySql(connect::mysql_pool(url, purpose).await?)
        }))
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::MySql(_) => Backend::MySql,
        }
    }

    /// Installs what is told about every committed transaction's effects (this process's
    /// wake-ups and cache clearing). Once per pool; later calls are ignored.
    pub fn on_commit(&self, listener: Arc<dyn CommitListener>) {
        if self.listener.set(listener).is_err() {
            tracing::warn!("a commit listener was already installed");
        }
    }

    /// Applies pending migrations; already-applied ones are skipped.
    pub async fn migrate(&self) -> Result<()> {
        migrate::run(&self.pool).await?;
        // The data half of `…_series_pages.sql`: its JSON is built by the same Rust code as
        // every refresh (a no-op once every series has its row).
        crate::series_pages::fill_missing(self).await
    }

    /// Refreshes the query planner's statistics after a bulk load, so plans fit the new sizes:
    /// SQLite has none until `ANALYZE`, and InnoDB recomputes its own only some time later (it
    /// then briefly planned the catalog as a scan of production houses).
    pub async fn analyze(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Pool::MySql(pool) => {
                sqlx::query(
                    "ANALYZE TABLE countries, languages, genres, production_houses, producers, \
                     producer_alliances, series, series_genres, series_subtitles, \
                     series_dubbings, series_releases, episodes, schedules, contracts, accounts, \
                     feedback, series_stats",
                )
                .fetch_all(pool)
                .await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::MySql(pool) => pool.close().await,
        }
    }

    /// Takes one connection from the pool for several reads (see `Reader`).
    pub async fn reader(&self) -> Result<Reader> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Reader::Sqlite(pool.acquire().await?),
            Pool::MySql(pool) => Reader::MySql(pool.acquire().await?),
        })
    }

    pub async fn fetch_all<T: Row>(&self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                Conn::Sqlite(&mut *pool.acquire().await?)
                    .fetch_all(stmt)
                    .await
            }
            Pool::MySql(pool) => {
                Conn::MySql(&mut *pool.acquire().await?)
                    .fetch_all(stmt)
                    .await
            }
        }
    }

    pub async fn fetch_optional<T: Row>(&self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                Conn::Sqlite(&mut *pool.acquire().await?)
                    .fetch_optional(stmt)
                    .await
            }
            Pool::MySql(pool) => {
                Conn::MySql(&mut *pool.acquire().await?)
                    .fetch_optional(stmt)
                    .await
            }
        }
    }

    /// Whether the database answers a trivial query (`SELECT 1`), for the health check.
    pub async fn ping(&self) -> Result<()> {
        #[derive(FromRow)]
        struct One {
            #[allow(dead_code)]
            one: i64,
        }
        let probe = sea_query::Query::select()
            .expr_as(sea_query::Expr::val(1), schema::Computed::One)
            .to_owned();
        self.fetch_optional::<One>(&probe).await.map(|_| ())
    }

    /// `SELECT COUNT(*)` of a whole table.
    pub async fn count_rows(&self, table: impl sea_query::IntoTableRef) -> Result<i64> {
        #[derive(FromRow)]
        struct Count {
            n: i64,
        }
        let query = sea_query::Query::select()
            .expr_as(
                sea_query::Func::count(sea_query::Expr::col(sea_query::Asterisk)),
                schema::Computed::Count,
            )
            .from(table)
            .to_owned();
        Ok(self
            .fetch_optional::<Count>(&query)
            .await?
            .map_or(0, |row| row.n))
    }

    /// One write statement as a unit of work of its own (named `op`), through
    /// [`Db::transaction`] (so a deadlock, lock-wait timeout or busy SQLite re-runs it, and a
    /// lasting failure is a 503); returns the number of rows affected.
    pub async fn write<S>(&self, op: &'static str, stmt: S) -> Result<u64>
    where
        S: SqlxBinder + Send + Sync + 'static,
    {
        let stmt = std::sync::Arc::new(stmt);
        self.transaction(op, move |tx| {
            let stmt = stmt.clone();
            Box::pin(async move { tx.execute(&*stmt).await })
        })
        .await
    }

    /// Runs a statement outside any explicit transaction, without re-running it; returns the
    /// number of rows affected. For writes prefer [`Db::write`] or [`Db::transaction`]; this is
    /// for statements that carry their own retry (the job queue's, set-up at start).
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> Result<u64> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                Conn::Sqlite(&mut *pool.acquire().await?)
                    .execute(stmt)
                    .await
            }
            Pool::MySql(pool) => Conn::MySql(&mut *pool.acquire().await?).execute(stmt).await,
        }
    }

    /// Starts a transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so two
    /// writers queue on the busy timeout instead of failing when a read lock is upgraded.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pool {
            Pool::Sqlite(pool) => TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::MySql(pool) => {
                // On Galera, BEGIN waits for this node to catch up with the cluster
                // (`wsrep_sync_wait`, set when the connection opened); the reads after it do
                // not wait again. A causal wait after the unit's own writes could let the
                // applier's abort of this transaction go unseen (a conflicting save on another
                // node, both acknowledged: seen once in a few runs, `tests/it/cluster.rs`);
                // without it, such a conflict fails certification and the unit re-runs.
                let mut tx = pool.begin().await?;
                sqlx::query(SYNC_WAIT_OFF).execute(&mut *tx).await?;
                TxConn::MySql(tx)
            }
        };
        Ok(Tx {
            conn,
            effects: Effects::default(),
            listener: self.listener.get().cloned(),
        })
    }

    /// Runs the unit of work `op` inside a transaction and commits it. A deadlock (MySQL
    /// 1213), a lock-wait timeout (1205) or a busy/locked SQLite database rolls the
    /// transaction back explicitly and re-runs the whole unit from BEGIN, at most
    /// [`MAX_RETRIES`] times with jittered exponential backoff; after that the result is
    /// [`Error::Unavailable`] (a 503). Any other error is returned as it is, after the
    /// rollback, named after `op`.
    ///
    /// `unit` may run more than once, so it must only touch the database through `tx`. What
    /// it declares on `tx` (jobs queued through it, [`Tx::touch`]) takes effect after the
    /// commit that makes it true, through the commit listener; a re-run starts with none.
    pub async fn transaction<T, F>(&self, op: &'static str, mut unit: F) -> Result<T>
    where
        F: for<'t> FnMut(&'t mut Tx) -> BoxFuture<'t, Result<T>>,
    {
        let mut retries = 0;
        loop {
            let error = match self.begin().await {
                Err(e) => e,
                Ok(mut tx) => match unit(&mut tx).await {
                    Ok(value) => match tx.commit().await {
                        Ok(()) => return Ok(value),
                        Err(e) => e,
                    },
                    Err(e) => {
                        // Explicit: InnoDB rolls back only the failed statement after a lock-wait timeout.
                        if let Err(rollback) = tx.rollback().await {
                            tracing::warn!(error = %rollback, "rollback failed");
                        }
                        e
                    }
                },
            };
            let Some(DbErrorKind::Retryable(cause)) = error.db_kind() else {
                return Err(error.during(op));
            };
            if retries >= MAX_RETRIES {
                tracing::error!(
                    op,
                    cause,
                    retries,
                    "transaction still failing after its retries"
                );
                return Err(Error::Unavailable);
            }
            retries += 1;
            let delay = backoff(retries);
            tracing::warn!(
                op,
                cause,
                retry = retries,
                delay_ms = delay.as_millis() as u64,
                "re-running transaction"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

impl Reader {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Reader::Sqlite(c) => Conn::Sqlite(&mut *c),
            Reader::MySql(c) => Conn::MySql(&mut *c),
        }
    }

    pub async fn fetch_all<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        self.conn().fetch_all(stmt).await
    }

    pub async fn fetch_optional<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        self.conn().fetch_optional(stmt).await
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => Conn::Sqlite(&mut *tx),
            TxConn::MySql(tx) => Conn::MySql(&mut *tx),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::MySql(_) => Backend::MySql,
        }
    }

    /// Declares that this unit of work changed `what`: once it commits, this process's page
    /// caches are cleared and the analytics refresh is asked for (see `CommitListener`).
    pub fn touch(&mut self, what: Touched) {
        self.effects.touch(what);
    }

    /// Declares that this unit changed what the page of `series_id` lists (see
    /// `series_pages`): its read model is refreshed from the base tables just before COMMIT.
    pub fn series_page_stale(&mut self, series_id: i64) {
        self.effects.series_page_stale(series_id);
    }

    /// Declares that this unit changed the reviews of `series_id`: the first page of them
    /// kept with its page (`series_pages.reviews`) is rebuilt just before COMMIT.
    pub fn series_reviews_stale(&mut self, series_id: i64) {
        self.effects.series_reviews_stale(series_id);
    }

    /// Records that a job of `job_type` was inserted through this transaction, so the
    /// workers of this process are woken once it commits.
    pub fn queued(&mut self, job_type: &'static str) {
        self.effects.queued(job_type);
    }

    pub async fn fetch_all<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        self.conn().fetch_all(stmt).await
    }

    pub async fn fetch_optional<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        self.conn().fetch_optional(stmt).await
    }

    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64> {
        self.conn().execute(stmt).await
    }

    pub async fn insert(&mut self, stmt: &impl SqlxBinder) -> Result<i64> {
        self.conn().insert(stmt).await
    }

    /// Runs a fixed statement with no parameters, such as a session setting. Taking only
    /// `&'static str` keeps anything built at run time out of this door.
    pub async fn execute_static(&mut self, sql: &'static str) -> Result<u64> {
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await?.rows_affected(),
            TxConn::MySql(tx) => sqlx::query(sql).execute(&mut **tx).await?.rows_affected(),
        })
    }

    /// Commits, then hands the declared effects to the commit listener: the one place where
    /// a unit of work's effects follow its commit.
    pub async fn commit(mut self) -> Result<()> {
        // Last of the unit's writes, so the read model sees all of them (a failure here
        // drops, i.e. rolls back, the whole unit; a deadlock re-runs it like any other).
        let stale = self.effects.take_stale_pages();
        crate::series_pages::refresh(&mut self, &stale).await?;
        let stale_reviews = self.effects.take_stale_reviews();
        crate::series_pages::refresh_reviews(&mut self, &stale_reviews).await?;
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::MySql(mut tx) => {
                sqlx::query(SYNC_WAIT_BACK).execute(&mut *tx).await?;
                tx.commit().await?
            }
        }
        if let Some(listener) = &self.listener {
            if !self.effects.is_empty() {
                listener.committed(&self.effects);
            }
        }
        Ok(())
    }

    /// Rolls back; the declared effects are dropped with the changes.
    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await?,
            TxConn::MySql(mut tx) => {
                // Back as the connection had it, before it returns to the pool.
                let restored = sqlx::query(SYNC_WAIT_BACK).execute(&mut *tx).await;
                tx.rollback().await?;
                restored?;
            }
        }
        Ok(())
    }
}

impl Conn<'_> {
    pub async fn fetch_all<T: Row>(self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        Ok(match self {
            Conn::Sqlite(c) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<_, T, _>(&sql, values)
                    .fetch_all(c)
                    .await?
            }
            Conn::MySql(c) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                sqlx::query_as_with::<_, T, _>(&sql, values)
                    .fetch_all(c)
                    .await?
            }
        })
    }

    pub async fn fetch_optional<T: Row>(self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        Ok(match self {
            Conn::Sqlite(c) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<_, T, _>(&sql, values)
                    .fetch_optional(c)
                    .await?
            }
            Conn::MySql(c) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                sqlx::query_as_with::<_, T, _>(&sql, values)
                    .fetch_optional(c)
                    .await?
            }
        })
    }

    pub async fn execute(self, stmt: &impl SqlxBinder) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(&sql, values)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
            Conn::MySql(c) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                sqlx::query_with(&sql, values)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
        })
    }

    /// Runs an INSERT and returns the new row's id.
    pub async fn insert(self, stmt: &impl SqlxBinder) -> Result<i64> {
        Ok(match self {
            Conn::Sqlite(c) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(&sql, values)
                    .execute(c)
                    .await?
                    .last_insert_rowid()
            }
            Conn::MySql(c) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                let id = sqlx::query_with(&sql, values)
                    .execute(c)
                    .await?
                    .last_insert_id();
                i64::try_from(id).map_err(|_| Error::internal("insert id out of range"))?
            }
        })
    }
}

/// 25 ms, 50 ms, 100 ms … with each delay drawn between half and all of that.
fn backoff(retry: u32) -> Duration {
    let ceiling_ms = 25u64 << retry.min(8);
    let mut byte = [0u8; 1];
    let fraction = match getrandom::fill(&mut byte) {
        Ok(()) => 0.5 + f64::from(byte[0]) / 510.0,
        Err(_) => 0.75,
    };
    Duration::from_millis((ceiling_ms as f64 * fraction) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_jittered() {
        for retry in 1..=MAX_RETRIES {
            let ceiling = Duration::from_millis(25 << retry);
            let delay = backoff(retry);
            assert!(
                delay <= ceiling && delay >= ceiling / 2,
                "{retry}: {delay:?}"
            );
        }
    }
}
