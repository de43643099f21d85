//! Reading a large result row by row: each row is handed over as it arrives, so a caller
//! that keeps only what it needs never holds the whole result set (the analytics refresh).

use futures::TryStreamExt;
use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};
use sea_query_binder::SqlxBinder;

use super::{Db, Pool, Row};
use crate::error::Result;

impl Db {
    /// Runs `stmt` and calls `each` with every row, in order, as it is decoded.
    pub async fn fetch_each<T: Row>(
        &self,
        stmt: &impl SqlxBinder,
        mut each: impl FnMut(T) + Send,
    ) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let mut rows = sqlx::query_as_with::<_, T, _>(&sql, values).fetch(&mut *conn);
                while let Some(row) = rows.try_next().await? {
                    each(row);
                }
            }
            Pool::MySql(pool) => {
                let mut conn = pool.acquire().await?;
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                let mut rows = sqlx::query_as_with::<_, T, _>(&sql, values).fetch(&mut *conn);
                while let Some(row) = rows.try_next().await? {
                    each(row);
                }
            }
        }
        Ok(())
    }
}
