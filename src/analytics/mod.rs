//! Staff analytics: the six queries, described once each (`queries`), the
//! chart datasets (`charts`) and the two reports (`reports`), all materialized by the
//! background refresh (`snapshot`) so the dashboard never aggregates per request; `csv`
//! writes any of them as a spreadsheet-safe file.

pub mod background;
pub mod charts;
pub mod csv;
pub mod dataset;
pub mod queries;
pub mod reports;
pub mod service;
pub mod snapshot;
pub mod table;

use sea_query::{Expr, Func, Iden, JoinType, Query, SelectStatement, SimpleExpr};

use crate::db::schema::{Computed, Countries, Episodes, Feedback, Series};
use crate::db::Db;
use crate::error::Result;

/// Column aliases and SQL functions of the analytics statements.
#[derive(Iden, Clone, Copy)]
pub enum StatAlias {
    Label,
    N,
    Rating,
    RatingSum,
    Ratings,
    Viewers,
    SeriesId,
    /// The derived table of [`viewers_per_series`] once joined (see [`join_viewers`]).
    #[iden = "v"]
    V,
    /// The derived table of [`ratings_per_series`] once joined (see [`join_ratings`]).
    #[iden = "r"]
    R,
    #[iden = "SUBSTR"]
    Substr,
}

/// An integer result both drivers decode as `i64` (MariaDB's SUM is DECIMAL).
pub fn as_integer(expr: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::cast_as(expr.into(), Computed::Signed).into()
}

/// `sum / count` as a double on both databases, for ordering by an average exactly the same
/// way on each (`AVG` is DECIMAL with four places on MariaDB, a double on SQLite).
pub fn average_expr(sum: impl Into<SimpleExpr>, count: impl Into<SimpleExpr>) -> SimpleExpr {
    SimpleExpr::from(Func::cast_as(sum.into(), Computed::Double)).div(count.into())
}

/// `(series_id, viewers, n)`: each series' total viewers and number of episodes, over its
/// episodes alone.
pub fn viewers_per_series() -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(Episodes::SeriesId), StatAlias::SeriesId)
        .expr_as(
            Func::sum(Expr::col(Episodes::TotalViewers)),
            StatAlias::Viewers,
        )
        .expr_as(Func::count(Expr::col(Episodes::Id)), StatAlias::N)
        .from(Episodes::Table)
        .group_by_col(Episodes::SeriesId)
        .to_owned()
}

/// `(series_id, rating_sum, ratings)`: each rated series' feedback, counted over its rows alone
/// (integers on both databases).
pub fn ratings_per_series() -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(Feedback::SeriesId), StatAlias::SeriesId)
        .expr_as(
            as_integer(Func::sum(Expr::col(Feedback::Rating))),
            StatAlias::RatingSum,
        )
        .expr_as(
            as_integer(Func::count(Expr::col(Feedback::Rating))),
            StatAlias::Ratings,
        )
        .from(Feedback::Table)
        .group_by_col(Feedback::SeriesId)
        .to_owned()
}

/// Joins [`viewers_per_series`] as `v` to a select from `series`.
pub fn join_viewers(select: &mut SelectStatement, join: JoinType) -> &mut SelectStatement {
    select.join_subquery(
        join,
        viewers_per_series(),
        StatAlias::V,
        Expr::col((StatAlias::V, StatAlias::SeriesId)).equals((Series::Table, Series::Id)),
    )
}

/// Joins [`ratings_per_series`] as `r` to a select from `series`.
pub fn join_ratings(select: &mut SelectStatement, join: JoinType) -> &mut SelectStatement {
    select.join_subquery(
        join,
        ratings_per_series(),
        StatAlias::R,
        Expr::col((StatAlias::R, StatAlias::SeriesId)).equals((Series::Table, Series::Id)),
    )
}

#[derive(sqlx::FromRow)]
struct RegionName {
    region: String,
}

/// Every region some country belongs to, by name (the `regions` comparison's choices).
pub async fn region_names(db: &Db) -> Result<Vec<String>> {
    let select = Query::select()
        .distinct()
        .column(Countries::Region)
        .from(Countries::Table)
        .order_by(Countries::Region, sea_query::Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<RegionName>(&select)
        .await?
        .into_iter()
        .map(|r| r.region)
        .collect())
}
