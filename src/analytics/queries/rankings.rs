//! The `rankings` query: the top five by viewers and the bottom five by rating, with RANK().

use sea_query::{
    CommonTableExpression, Expr, Func, Order, Query as Sql, UnionType, WindowStatement, WithQuery,
};

use super::{series_ratings, series_viewers, with};
use crate::analytics::table::{Cell, Rows};
use crate::analytics::{as_integer, average_expr};
use crate::db::schema::{AnalyticsAlias as A, SqlFunction};
use crate::db::Db;
use crate::error::Result;

/// Places kept in each ranking (ties at the last place are all kept).
const RANKED_PLACES: i64 = 5;
/// The two rankings, in output order (`kind` 1 and 2).
const CATEGORIES: [&str; 2] = ["top_viewers", "bottom_rating"];

#[derive(sqlx::FromRow)]
struct RankingsRow {
    kind: i64,
    rank_no: i64,
    series_id: i64,
    title: String,
    /// Total viewers (`top_viewers`) or the sum of ratings (`bottom_rating`).
    value: i64,
    /// The number of ratings (`bottom_rating`; 0 for `top_viewers`).
    ratings: i64,
}

/// RANK() over every series by total viewers (descending) and over rated series by average
/// (ascending), each filtered to rank ≤ 5 and combined with UNION ALL.
pub(super) fn rankings_statement() -> WithQuery {
    let viewer_ranks = Sql::select()
        .columns([A::SeriesId, A::Title, A::TotalViewers])
        .expr_window_as(
            Func::cust(SqlFunction::Rank),
            WindowStatement::new()
                .order_by(A::TotalViewers, Order::Desc)
                .to_owned(),
            A::RankNo,
        )
        .from(A::SeriesViewers)
        .to_owned();
    let rating_ranks = Sql::select()
        .column((A::SeriesViewers, A::SeriesId))
        .column((A::SeriesViewers, A::Title))
        .column((A::SeriesRatings, A::Ratings))
        .column((A::SeriesRatings, A::RatingSum))
        .expr_window_as(
            Func::cust(SqlFunction::Rank),
            WindowStatement::new()
                .order_by_expr(
                    average_expr(
                        Expr::col((A::SeriesRatings, A::RatingSum)),
                        Expr::col((A::SeriesRatings, A::Ratings)),
                    ),
                    Order::Asc,
                )
                .to_owned(),
            A::RankNo,
        )
        .from(A::SeriesViewers)
        .inner_join(
            A::SeriesRatings,
            Expr::col((A::SeriesRatings, A::SeriesId)).equals((A::SeriesViewers, A::SeriesId)),
        )
        .to_owned();
    let top = Sql::select()
        .expr_as(as_integer(Expr::val(1)), A::Kind)
        .expr_as(as_integer(Expr::col(A::RankNo)), A::RankNo)
        .column(A::SeriesId)
        .column(A::Title)
        .expr_as(Expr::col(A::TotalViewers), A::Value)
        .expr_as(as_integer(Expr::val(0)), A::Ratings)
        .from(A::ViewerRanks)
        .and_where(Expr::col(A::RankNo).lte(RANKED_PLACES))
        .to_owned();
    let bottom = Sql::select()
        .expr_as(as_integer(Expr::val(2)), A::Kind)
        .expr_as(as_integer(Expr::col(A::RankNo)), A::RankNo)
        .column(A::SeriesId)
        .column(A::Title)
        .expr_as(Expr::col(A::RatingSum), A::Value)
        .column(A::Ratings)
        .from(A::RatingRanks)
        .and_where(Expr::col(A::RankNo).lte(RANKED_PLACES))
        .to_owned();
    let mut select = top;
    select
        .union(UnionType::All, bottom)
        .order_by(A::Kind, Order::Asc)
        .order_by(A::RankNo, Order::Asc)
        .order_by(A::SeriesId, Order::Asc);
    with(
        [
            series_viewers(),
            series_ratings(),
            CommonTableExpression::new()
                .query(viewer_ranks)
                .table_name(A::ViewerRanks)
                .to_owned(),
            CommonTableExpression::new()
                .query(rating_ranks)
                .table_name(A::RatingRanks)
                .to_owned(),
        ],
        select,
    )
}

pub(super) async fn rankings(db: &Db) -> Result<Rows> {
    let rows: Vec<RankingsRow> = db.fetch_all(&rankings_statement()).await?;
    rows.into_iter()
        .map(|row| {
            let (category, value) = match row.kind {
                1 => (CATEGORIES[0], Cell::Int(row.value)),
                2 => (CATEGORIES[1], Cell::average(row.value, row.ratings)),
                _ => return Err(crate::error::Error::internal("rankings: unknown part")),
            };
            Ok(vec![
                Cell::text(category),
                Cell::Int(row.rank_no),
                Cell::Int(row.series_id),
                Cell::Text(row.title),
                value,
            ])
        })
        .collect()
}
