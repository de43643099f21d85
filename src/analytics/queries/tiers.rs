//! The `tiers` query: PERCENT_RANK of viewers and of rating over CTEs, and the tier they give.

use sea_query::{
    CommonTableExpression, Expr, Func, Order, Query as Sql, WindowStatement, WithQuery,
};

use super::{series_ratings, series_viewers, with};
use crate::analytics::average_expr;
use crate::analytics::table::{Cell, Rows};
use crate::db::schema::{AnalyticsAlias as A, SqlFunction};
use crate::db::Db;
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct TiersRow {
    series_id: i64,
    title: String,
    total_viewers: i64,
    ratings: i64,
    rating_sum: i64,
    viewer_percentile: f64,
    rating_percentile: f64,
}

/// CTEs: per-series viewers, per-series rating figures, the rated series with both, then
/// PERCENT_RANK over each (ascending: 0 for the lowest, and for a lone rated series).
pub(super) fn tiers_statement() -> WithQuery {
    let rated = Sql::select()
        .column((A::SeriesViewers, A::SeriesId))
        .column((A::SeriesViewers, A::Title))
        .column((A::SeriesViewers, A::TotalViewers))
        .column((A::SeriesRatings, A::Ratings))
        .column((A::SeriesRatings, A::RatingSum))
        .expr_as(
            average_expr(
                Expr::col((A::SeriesRatings, A::RatingSum)),
                Expr::col((A::SeriesRatings, A::Ratings)),
            ),
            A::Average,
        )
        .from(A::SeriesViewers)
        .inner_join(
            A::SeriesRatings,
            Expr::col((A::SeriesRatings, A::SeriesId)).equals((A::SeriesViewers, A::SeriesId)),
        )
        .to_owned();
    let ranked = Sql::select()
        .columns([
            A::SeriesId,
            A::Title,
            A::TotalViewers,
            A::Ratings,
            A::RatingSum,
        ])
        .expr_window_as(
            Func::cust(SqlFunction::PercentRank),
            WindowStatement::new()
                .order_by(A::TotalViewers, Order::Asc)
                .to_owned(),
            A::ViewerPercentile,
        )
        .expr_window_as(
            Func::cust(SqlFunction::PercentRank),
            WindowStatement::new()
                .order_by(A::Average, Order::Asc)
                .to_owned(),
            A::RatingPercentile,
        )
        .from(A::Rated)
        .to_owned();
    let select = Sql::select()
        .columns([
            A::SeriesId,
            A::Title,
            A::TotalViewers,
            A::Ratings,
            A::RatingSum,
            A::ViewerPercentile,
            A::RatingPercentile,
        ])
        .from(A::Ranked)
        .order_by(A::SeriesId, Order::Asc)
        .to_owned();
    with(
        [
            series_viewers(),
            series_ratings(),
            CommonTableExpression::new()
                .query(rated)
                .table_name(A::Rated)
                .to_owned(),
            CommonTableExpression::new()
                .query(ranked)
                .table_name(A::Ranked)
                .to_owned(),
        ],
        select,
    )
}

/// The tier from the unrounded percentiles (a percentile printed as 0.50 may be just below).
pub(super) fn tier(viewer_percentile: f64, rating_percentile: f64) -> &'static str {
    match (viewer_percentile >= 0.5, rating_percentile >= 0.5) {
        (true, true) => "TOP PERFORMER",
        (true, false) => "HIGH VIEWERSHIP",
        (false, true) => "HIGH RATING",
        (false, false) => "DEVELOPING",
    }
}

pub(super) async fn tiers(db: &Db) -> Result<Rows> {
    let rows: Vec<TiersRow> = db.fetch_all(&tiers_statement()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            vec![
                Cell::Int(row.series_id),
                Cell::Text(row.title),
                Cell::Int(row.total_viewers),
                Cell::average(row.rating_sum, row.ratings),
                Cell::fraction(row.viewer_percentile),
                Cell::fraction(row.rating_percentile),
                Cell::text(tier(row.viewer_percentile, row.rating_percentile)),
            ]
        })
        .collect())
}
