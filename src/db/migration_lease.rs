//! One migrating process at a time on MariaDB, across every node of a cluster. sqlx's own
//! guard is `GET_LOCK`, which Galera does not replicate: processes started together on
//! different nodes all migrated at once and collided (duplicate keys, "table already
//! exists", deadlocks on `_sqlx_migrations`). The lease is a row: taking it is a conditional
//! UPDATE, which a cluster certifies like any write, so exactly one holder wins; the others
//! wait and then find nothing left to do. A holder that dies loses it when it expires.

use std::time::Duration;

use sea_query::{ColumnDef, Expr, Func, MysqlQueryBuilder, OnConflict, Query, SimpleExpr, Table};
use sea_query_binder::SqlxBinder;
use sqlx::MySqlPool;

use super::schema::{MigrationLease, SqlFunction};
use crate::error::{Error, Result};

/// Longer than any migration takes; a crashed holder blocks others at most this long.
const LEASE_SECONDS: i64 = 300;
/// How long a process waits for another's migrations before it gives up.
const WAIT: Duration = Duration::from_secs(LEASE_SECONDS as u64 + 60);

fn unix_now_plus(seconds: i64) -> SimpleExpr {
    Expr::expr(Func::cust(SqlFunction::UnixTimestamp)).add(seconds)
}

pub struct Lease {
    pool: MySqlPool,
    holder: String,
}

/// Waits for the lease and takes it.
pub async fn acquire(pool: &MySqlPool) -> Result<Lease> {
    let create = Table::create()
        .table(MigrationLease::Table)
        .if_not_exists()
        .col(
            ColumnDef::new(MigrationLease::Id)
                .integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(MigrationLease::Holder)
                .string_len(64)
                .not_null(),
        )
        .col(
            ColumnDef::new(MigrationLease::Until)
                .big_integer()
                .not_null(),
        )
        .to_string(MysqlQueryBuilder);
    sqlx::query(&create).execute(pool).await?;
    let (sql, values) = Query::insert()
        .into_table(MigrationLease::Table)
        .columns([
            MigrationLease::Id,
            MigrationLease::Holder,
            MigrationLease::Until,
        ])
        .values_panic([1.into(), "".into(), 0.into()])
        .on_conflict(
            OnConflict::column(MigrationLease::Id)
                .do_nothing_on([MigrationLease::Id])
                .to_owned(),
        )
        .build_sqlx(MysqlQueryBuilder);
    // Concurrent first inserts on several nodes: one wins, the others see a conflict or a
    // certification failure, and the row exists either way.
    if let Err(e) = sqlx::query_with(&sql, values).execute(pool).await {
        tracing::info!(error = %e, "migration lease row raced");
    }
    let holder = crate::auth::tokens::random_token();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (sql, values) = Query::update()
            .table(MigrationLease::Table)
            .value(MigrationLease::Holder, holder.as_str())
            .value(MigrationLease::Until, unix_now_plus(LEASE_SECONDS))
            .and_where(Expr::col(MigrationLease::Id).eq(1))
            .and_where(
                Expr::col(MigrationLease::Holder)
                    .eq("")
                    .or(Expr::col(MigrationLease::Until).lt(unix_now_plus(0))),
            )
            .build_sqlx(MysqlQueryBuilder);
        // A certification failure (another node took it at the same moment) is a loss.
        let taken = sqlx::query_with(&sql, values)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1)
            .unwrap_or(false);
        if taken {
            return Ok(Lease {
                pool: pool.clone(),
                holder,
            });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::internal(
                "another process has been migrating the database for too long",
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Lease {
    pub async fn release(self) {
        let (sql, values) = Query::update()
            .table(MigrationLease::Table)
            .value(MigrationLease::Holder, "")
            .value(MigrationLease::Until, 0)
            .and_where(Expr::col(MigrationLease::Id).eq(1))
            .and_where(Expr::col(MigrationLease::Holder).eq(self.holder.as_str()))
            .build_sqlx(MysqlQueryBuilder);
        if let Err(e) = sqlx::query_with(&sql, values).execute(&self.pool).await {
            // It expires on its own.
            tracing::warn!(error = %e, "could not release the migration lease");
        }
    }
}
