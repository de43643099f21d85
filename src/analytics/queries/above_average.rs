//! The `above-average` query: series rated strictly above the platform-wide average.

use sea_query::{Asterisk, Expr, ExprTrait, Func, JoinType, Order, Query as Sql, WithQuery};

use super::{series_ratings, with};
use crate::analytics::table::{Cell, Rows};
use crate::analytics::{as_integer, average_expr};
use crate::db::schema::{AnalyticsAlias as A, Feedback, Series};
use crate::db::Db;
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct AboveAverageRow {
    series_id: i64,
    title: String,
    ratings: i64,
    rating_sum: i64,
    platform_ratings: i64,
    platform_sum: i64,
}

/// Rated series joined with the platform's figures (a subquery over all feedback rows); kept
/// when `sum / count > platform_sum / platform_count`, compared as
/// `sum * platform_count > platform_sum * count` in integers.
pub(super) fn above_average_statement() -> WithQuery {
    let platform = Sql::select()
        .expr_as(
            as_integer(Func::count(Expr::col(Asterisk))),
            A::PlatformRatings,
        )
        .expr_as(
            as_integer(Func::sum(Expr::col(Feedback::Rating))),
            A::PlatformSum,
        )
        .from(Feedback::Table)
        .to_owned();
    let sum = || Expr::col((A::SeriesRatings, A::RatingSum));
    let count = || Expr::col((A::SeriesRatings, A::Ratings));
    let select = Sql::select()
        .expr_as(Expr::col((Series::Table, Series::Id)), A::SeriesId)
        .expr_as(Expr::col((Series::Table, Series::Title)), A::Title)
        .expr_as(count(), A::Ratings)
        .expr_as(sum(), A::RatingSum)
        .expr_as(
            Expr::col((A::Platform, A::PlatformRatings)),
            A::PlatformRatings,
        )
        .expr_as(Expr::col((A::Platform, A::PlatformSum)), A::PlatformSum)
        .from(Series::Table)
        .inner_join(
            A::SeriesRatings,
            Expr::col((A::SeriesRatings, A::SeriesId)).equals((Series::Table, Series::Id)),
        )
        .join_subquery(
            JoinType::InnerJoin,
            platform,
            A::Platform,
            Expr::col((A::Platform, A::PlatformRatings)).gt(0),
        )
        .and_where(
            sum()
                .mul(Expr::col((A::Platform, A::PlatformRatings)))
                .gt(Expr::col((A::Platform, A::PlatformSum)).mul(count())),
        )
        .order_by_expr(average_expr(sum(), count()), Order::Desc)
        .order_by((Series::Table, Series::Id), Order::Asc)
        .to_owned();
    with([series_ratings()], select)
}

pub(super) async fn above_average(db: &Db) -> Result<Rows> {
    let rows: Vec<AboveAverageRow> = db.fetch_all(&above_average_statement()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            vec![
                Cell::Int(row.series_id),
                Cell::Text(row.title),
                Cell::average(row.rating_sum, row.ratings),
                Cell::Int(row.ratings),
                Cell::average(row.platform_sum, row.platform_ratings),
            ]
        })
        .collect())
}
