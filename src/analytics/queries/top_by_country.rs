//! The `top-by-country` query: per country, the available series with the most viewers.

use sea_query::{
    CommonTableExpression, Expr, Func, JoinType, Order, Query as Sql, SimpleExpr, WithQuery,
};

use super::{series_viewers, text_order, with};
use crate::analytics::table::{Cell, Rows};
use crate::db::schema::{AnalyticsAlias as A, Countries, SeriesReleases};
use crate::db::Db;
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct TopByCountryRow {
    country_id: i64,
    country: String,
    series_id: i64,
    title: String,
    total_viewers: i64,
}

/// Each country's available series whose total equals the most any series available there
/// has. That maximum is a scalar subquery correlated on the outer country, evaluated once per
/// country in the `country_best` CTE (in the WHERE clause of the release join SQLite ran it
/// once per release, quadratic in the catalog's size); the inner joins drop countries with
/// nothing available (their maximum is NULL).
pub(super) fn top_by_country_statement() -> WithQuery {
    let best_in_country = Sql::select()
        .expr(Func::max(Expr::col((A::Best, A::TotalViewers))))
        .from_as(SeriesReleases::Table, A::Available)
        .join_as(
            JoinType::InnerJoin,
            A::SeriesViewers,
            A::Best,
            Expr::col((A::Best, A::SeriesId)).equals((A::Available, SeriesReleases::SeriesId)),
        )
        .and_where(
            Expr::col((A::Available, SeriesReleases::CountryId))
                .equals((Countries::Table, Countries::Id)),
        )
        .to_owned();
    let country_best = Sql::select()
        .expr_as(Expr::col((Countries::Table, Countries::Id)), A::CountryId)
        .expr_as(Expr::col((Countries::Table, Countries::Name)), A::Country)
        .expr_as(
            SimpleExpr::SubQuery(None, Box::new(best_in_country.into_sub_query_statement())),
            A::TotalViewers,
        )
        .from(Countries::Table)
        .to_owned();
    let select = Sql::select()
        .column((A::CountryBest, A::CountryId))
        .column((A::CountryBest, A::Country))
        .column((A::SeriesViewers, A::SeriesId))
        .column((A::SeriesViewers, A::Title))
        .column((A::SeriesViewers, A::TotalViewers))
        .from(A::CountryBest)
        .inner_join(
            SeriesReleases::Table,
            Expr::col((SeriesReleases::Table, SeriesReleases::CountryId))
                .equals((A::CountryBest, A::CountryId)),
        )
        .inner_join(
            A::SeriesViewers,
            Expr::col((A::SeriesViewers, A::SeriesId))
                .equals((SeriesReleases::Table, SeriesReleases::SeriesId))
                .and(
                    Expr::col((A::SeriesViewers, A::TotalViewers))
                        .equals((A::CountryBest, A::TotalViewers)),
                ),
        )
        .order_by((A::CountryBest, A::Country), Order::Asc)
        .order_by((A::SeriesViewers, A::SeriesId), Order::Asc)
        .to_owned();
    with(
        [
            series_viewers(),
            CommonTableExpression::new()
                .query(country_best)
                .table_name(A::CountryBest)
                // SQLite would otherwise inline a CTE used once, and with it the subquery.
                .materialized(true)
                .to_owned(),
        ],
        select,
    )
}

pub(super) async fn top_by_country(db: &Db) -> Result<Rows> {
    let mut rows: Vec<TopByCountryRow> = db.fetch_all(&top_by_country_statement()).await?;
    rows.sort_by(|x, y| {
        text_order(&x.country, &y.country)
            .then(x.country_id.cmp(&y.country_id))
            .then(x.series_id.cmp(&y.series_id))
    });
    Ok(rows
        .into_iter()
        .map(|row| {
            vec![
                Cell::Int(row.country_id),
                Cell::Text(row.country),
                Cell::Int(row.series_id),
                Cell::Text(row.title),
                Cell::Int(row.total_viewers),
            ]
        })
        .collect())
}
