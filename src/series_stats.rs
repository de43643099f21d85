//! Per-series figures (ratings count, sum and distribution, average rating, total viewers,
//! episode count) kept in `series_stats`, so the public pages never aggregate feedback or
//! episodes per request.
//!
//! Every write that changes a series' reviews or episodes calls one of these functions in the
//! same transaction. The updates are relative (`ratings = ratings + 1`), so concurrent writers
//! stay exact: each one's UPDATE waits for the other's row lock and sees its committed value.
//! Lock order: the base rows (feedback, episodes) first, then the `series_stats` row.

use sea_query::{
    Alias, Expr, ExprTrait, Func, JoinType, Keyword, Query, SelectStatement, SimpleExpr,
    UpdateStatement,
};

use crate::db::schema::{Computed, Episodes, Feedback, Series, SeriesStats};
use crate::db::Tx;
use crate::error::{Error, Result};

/// Starts the (empty) figures of a series created in this transaction.
pub async fn create(tx: &mut Tx, series_id: i64) -> Result<()> {
    let insert = Query::insert()
        .into_table(SeriesStats::Table)
        .columns([SeriesStats::SeriesId])
        .values_panic([series_id.into()])
        .to_owned();
    tx.execute(&insert).await?;
    Ok(())
}

/// A review of `series_id` went from `before` to `after` stars (`None`: no review), e.g.
/// `(None, Some(4))` for a new review, `(Some(4), Some(2))` for an edit, `(Some(2), None)` for
/// a removal. Every review write passes here (the figures depend on it), so this is also
/// where the series' kept first page of reviews (`series_pages.reviews`) is declared stale,
/// even when the rating stayed and only the text changed.
pub async fn review_changed(
    tx: &mut Tx,
    series_id: i64,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<()> {
    tx.series_reviews_stale(series_id);
    if before == after {
        return Ok(());
    }
    let count_delta = i64::from(after.is_some()) - i64::from(before.is_some());
    let sum_delta = after.unwrap_or(0) - before.unwrap_or(0);
    let mut update = Query::update();
    update.table(SeriesStats::Table);
    // First, so MySQL (which evaluates SET left to right with already-updated values) and
    // SQLite (which uses the old values) both compute it from the old figures plus the deltas.
    update.value(
        SeriesStats::AvgRating,
        average_after(count_delta, sum_delta),
    );
    update.value(
        SeriesStats::Ratings,
        Expr::col(SeriesStats::Ratings).add(count_delta),
    );
    update.value(
        SeriesStats::RatingSum,
        Expr::col(SeriesStats::RatingSum).add(sum_delta),
    );
    for stars in [before, after].into_iter().flatten() {
        let Some(bucket) = SeriesStats::bucket(stars) else {
            return Err(Error::internal("rating outside 1-5"));
        };
        let delta = i64::from(after == Some(stars)) - i64::from(before == Some(stars));
        update.value(bucket, Expr::col(bucket).add(delta));
    }
    apply(tx, update, series_id).await
}

/// A series' episodes changed: `viewers_delta` more viewers in all, `episodes_delta` more
/// episodes (negative for fewer).
pub async fn episodes_changed(
    tx: &mut Tx,
    series_id: i64,
    viewers_delta: i64,
    episodes_delta: i64,
) -> Result<()> {
    if viewers_delta == 0 && episodes_delta == 0 {
        return Ok(());
    }
    let mut update = Query::update();
    update
        .table(SeriesStats::Table)
        .value(
            SeriesStats::TotalViewers,
            Expr::col(SeriesStats::TotalViewers).add(viewers_delta),
        )
        .value(
            SeriesStats::Episodes,
            Expr::col(SeriesStats::Episodes).add(episodes_delta),
        );
    apply(tx, update, series_id).await
}

async fn apply(tx: &mut Tx, mut update: UpdateStatement, series_id: i64) -> Result<()> {
    update.and_where(Expr::col(SeriesStats::SeriesId).eq(series_id));
    match tx.execute(&update).await? {
        1 => Ok(()),
        // Every series gets its row when created; a missing one is a bug, not bad input.
        _ => Err(Error::internal(format_args!(
            "series {series_id} has no series_stats row"
        ))),
    }
}

/// `rating_sum / ratings` after the deltas, NULL when no rating is left.
fn average_after(count_delta: i64, sum_delta: i64) -> SimpleExpr {
    let count = Expr::col(SeriesStats::Ratings).add(count_delta);
    let sum = Expr::col(SeriesStats::RatingSum).add(sum_delta);
    Expr::case(
        count.clone().gt(0),
        Func::cast_as(sum, Computed::Double).div(count),
    )
    .finally(SimpleExpr::Keyword(Keyword::Null))
    .into()
}

/// Recomputes every series' figures from the base tables in one statement per table (after a
/// bulk load, or to repair). Runs in the caller's transaction.
pub async fn rebuild_all(tx: &mut Tx) -> Result<()> {
    tx.execute(&Query::delete().from_table(SeriesStats::Table).to_owned())
        .await?;
    let ratings = Alias::new("r");
    let viewers = Alias::new("v");
    let stars = |n: i64| -> SimpleExpr {
        Expr::case(Expr::col(Feedback::Rating).eq(n), 1)
            .finally(0)
            .into()
    };
    let per_series_feedback = Query::select()
        .column(Feedback::SeriesId)
        .expr_as(
            Func::count(Expr::col(Feedback::Rating)),
            SeriesStats::Ratings,
        )
        .expr_as(
            Func::sum(Expr::col(Feedback::Rating)),
            SeriesStats::RatingSum,
        )
        .expr_as(Func::sum(stars(1)), SeriesStats::Rating1)
        .expr_as(Func::sum(stars(2)), SeriesStats::Rating2)
        .expr_as(Func::sum(stars(3)), SeriesStats::Rating3)
        .expr_as(Func::sum(stars(4)), SeriesStats::Rating4)
        .expr_as(Func::sum(stars(5)), SeriesStats::Rating5)
        .from(Feedback::Table)
        .group_by_col(Feedback::SeriesId)
        .to_owned();
    let per_series_episodes = Query::select()
        .column(Episodes::SeriesId)
        .expr_as(
            Func::sum(Expr::col(Episodes::TotalViewers)),
            SeriesStats::TotalViewers,
        )
        .expr_as(Func::count(Expr::col(Episodes::Id)), SeriesStats::Episodes)
        .from(Episodes::Table)
        .group_by_col(Episodes::SeriesId)
        .to_owned();
    let zero_if_null = |alias: &Alias, col: SeriesStats| -> SimpleExpr {
        Func::coalesce([Expr::col((alias.clone(), col)).into(), Expr::val(0).into()]).into()
    };
    let rating_sum = Expr::col((ratings.clone(), SeriesStats::RatingSum));
    let rating_count = Expr::col((ratings.clone(), SeriesStats::Ratings));
    let select: SelectStatement = Query::select()
        .column((Series::Table, Series::Id))
        .expr(zero_if_null(&ratings, SeriesStats::Ratings))
        .expr(zero_if_null(&ratings, SeriesStats::RatingSum))
        .expr(zero_if_null(&ratings, SeriesStats::Rating1))
        .expr(zero_if_null(&ratings, SeriesStats::Rating2))
        .expr(zero_if_null(&ratings, SeriesStats::Rating3))
        .expr(zero_if_null(&ratings, SeriesStats::Rating4))
        .expr(zero_if_null(&ratings, SeriesStats::Rating5))
        // The same division as `average_after`, so both paths give identical doubles.
        .expr(Func::cast_as(rating_sum, Computed::Double).div(rating_count))
        .expr(zero_if_null(&viewers, SeriesStats::TotalViewers))
        .expr(zero_if_null(&viewers, SeriesStats::Episodes))
        .from(Series::Table)
        .join_subquery(
            JoinType::LeftJoin,
            per_series_feedback,
            ratings.clone(),
            Expr::col((ratings.clone(), Feedback::SeriesId)).equals((Series::Table, Series::Id)),
        )
        .join_subquery(
            JoinType::LeftJoin,
            per_series_episodes,
            viewers.clone(),
            Expr::col((viewers.clone(), Episodes::SeriesId)).equals((Series::Table, Series::Id)),
        )
        .to_owned();
    let insert = Query::insert()
        .into_table(SeriesStats::Table)
        .columns([
            SeriesStats::SeriesId,
            SeriesStats::Ratings,
            SeriesStats::RatingSum,
            SeriesStats::Rating1,
            SeriesStats::Rating2,
            SeriesStats::Rating3,
            SeriesStats::Rating4,
            SeriesStats::Rating5,
            SeriesStats::AvgRating,
            SeriesStats::TotalViewers,
            SeriesStats::Episodes,
        ])
        .select_from(select)
        .map_err(|e| Error::internal(format_args!("series_stats rebuild: {e}")))?
        .to_owned();
    tx.execute(&insert).await?;
    Ok(())
}
