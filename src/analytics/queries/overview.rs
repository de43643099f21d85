//! The `overview` query: every series × its production house × where it is available ×
//! its feedback (aggregated per series before the join).

use sea_query::{Expr, Func, Order, Query as Sql, WithQuery};

use super::{series_ratings, text_order, with};
use crate::analytics::as_integer;
use crate::analytics::table::{Cell, Rows};
use crate::db::schema::{AnalyticsAlias as A, Countries, ProductionHouses, Series, SeriesReleases};
use crate::db::Db;
use crate::error::Result;

#[derive(sqlx::FromRow)]
pub(super) struct OverviewRow {
    pub(super) series_id: i64,
    pub(super) title: String,
    pub(super) production_house: String,
    pub(super) country: Option<String>,
    pub(super) ratings: i64,
    pub(super) rating_sum: i64,
}

/// Series × production house × availability (one row per country, none for an unreleased
/// series) × the per-series feedback figures (one row per series, so the release rows repeat
/// them rather than multiply them).
pub(super) fn overview_statement() -> WithQuery {
    let ratings = |col: A| {
        as_integer(Func::coalesce([
            Expr::col((A::SeriesRatings, col)).into(),
            Expr::val(0).into(),
        ]))
    };
    let select = Sql::select()
        .expr_as(Expr::col((Series::Table, Series::Id)), A::SeriesId)
        .expr_as(Expr::col((Series::Table, Series::Title)), A::Title)
        .expr_as(
            Expr::col((ProductionHouses::Table, ProductionHouses::Name)),
            A::ProductionHouse,
        )
        .expr_as(Expr::col((Countries::Table, Countries::Name)), A::Country)
        .expr_as(ratings(A::Ratings), A::Ratings)
        .expr_as(ratings(A::RatingSum), A::RatingSum)
        .from(Series::Table)
        .inner_join(
            ProductionHouses::Table,
            Expr::col((ProductionHouses::Table, ProductionHouses::Id))
                .equals((Series::Table, Series::ProductionHouseId)),
        )
        .left_join(
            SeriesReleases::Table,
            Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId))
                .equals((Series::Table, Series::Id)),
        )
        .left_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
        )
        .left_join(
            A::SeriesRatings,
            Expr::col((A::SeriesRatings, A::SeriesId)).equals((Series::Table, Series::Id)),
        )
        .order_by((Series::Table, Series::Id), Order::Asc)
        .order_by((Countries::Table, Countries::Name), Order::Asc)
        .to_owned();
    with([series_ratings()], select)
}

pub(super) async fn overview(db: &Db) -> Result<Rows> {
    let rows: Vec<OverviewRow> = db.fetch_all(&overview_statement()).await?;
    Ok(fold_overview(rows))
}

/// One row per series with its countries joined by "; ", sorted by [`text_order`].
pub(super) fn fold_overview(rows: Vec<OverviewRow>) -> Rows {
    struct Series {
        row: OverviewRow,
        countries: Vec<String>,
    }
    let mut series: Vec<Series> = Vec::new();
    for mut row in rows {
        let country = row.country.take();
        match series.last_mut() {
            Some(last) if last.row.series_id == row.series_id => {
                last.countries.extend(country);
            }
            _ => series.push(Series {
                row,
                countries: country.into_iter().collect(),
            }),
        }
    }
    series
        .into_iter()
        .map(|Series { row, mut countries }| {
            countries.sort_by(|a, b| text_order(a, b));
            vec![
                Cell::Int(row.series_id),
                Cell::Text(row.title),
                Cell::Text(row.production_house),
                Cell::Text(countries.join("; ")),
                Cell::average(row.rating_sum, row.ratings),
                Cell::Int(row.ratings),
            ]
        })
        .collect()
}
