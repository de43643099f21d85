//! The six analytics queries of CONTRACT.md §6, each described once: its slug, title, CSV
//! header and sea-query statement. [`run`] executes one against the base tables and returns
//! [`Rows`] in the header's column order; the snapshot job, the dashboard, the CSV export and
//! the tests all go through it.
//!
//! Figures that must match on SQLite and MariaDB:
//! - A series' total viewers is summed from `episodes` grouped by series on its own (the
//!   `series_viewers` CTE), and its ratings are counted and summed from `feedback` grouped by
//!   series on its own (`series_ratings`). Neither is ever aggregated after a join with genres,
//!   releases or reviews, which multiplied the figures in the original app.
//! - SQL returns whole numbers (cast to signed 64-bit: MariaDB's SUM is DECIMAL and its RANK
//!   unsigned); averages are built in Rust with [`Cell::average`], so both print the same
//!   two decimals.
//! - Averages are compared in integers (`sum_a * count_b > sum_b * count_a`). Where SQL must
//!   order by an average (ORDER BY, window functions) it uses `CAST(sum AS DOUBLE) / count`:
//!   IEEE division is correctly rounded on both databases, so equal fractions give equal
//!   doubles and different ones (counts far below 2^26) different doubles — unlike `AVG()`,
//!   which is DECIMAL(…,4) on MariaDB.
//! - Text keys (titles, country names) are put in order in Rust ([`text_order`]): the two
//!   databases' collations order case and accents differently.
//! - Request values (region names) are bound, never part of the SQL text.

use sea_query::{
    Asterisk, CommonTableExpression, Expr, ExprTrait, Func, JoinType, Order, Query as Sql,
    SelectStatement, SimpleExpr, UnionType, WindowStatement, WithClause, WithQuery,
};

use super::table::{Cell, Rows};
use super::{as_integer, average_expr, ratings_per_series, viewers_per_series, Col};
use crate::db::schema::{
    AnalyticsAlias as A, Countries, Feedback, ProductionHouses, Series, SeriesReleases, SqlFunction,
};
use crate::db::Db;
use crate::error::Result;

/// One of the six analytics queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Query {
    Overview,
    AboveAverage,
    TopByCountry,
    Regions,
    Tiers,
    Rankings,
}

impl Query {
    /// Every query, in the contract's order (the dashboard's order too).
    pub const ALL: [Query; 6] = [
        Query::Overview,
        Query::AboveAverage,
        Query::TopByCountry,
        Query::Regions,
        Query::Tiers,
        Query::Rankings,
    ];

    /// The query's name in URLs (`/admin/analytics/{slug}.csv`).
    pub fn slug(self) -> &'static str {
        match self {
            Query::Overview => "overview",
            Query::AboveAverage => "above-average",
            Query::TopByCountry => "top-by-country",
            Query::Regions => "regions",
            Query::Tiers => "tiers",
            Query::Rankings => "rankings",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Query> {
        Query::ALL.into_iter().find(|query| query.slug() == slug)
    }

    /// A short title for the dashboard.
    pub fn title(self) -> &'static str {
        match self {
            Query::Overview => "Series overview",
            Query::AboveAverage => "Rated above the platform average",
            Query::TopByCountry => "Most watched in each country",
            Query::Regions => "Availability by region",
            Query::Tiers => "Performance tiers",
            Query::Rankings => "Top and bottom five",
        }
    }

    /// One sentence for staff: what the query shows and how it is computed.
    pub fn description(self) -> &'static str {
        match self {
            Query::Overview => {
                "Every series with its production house, the countries where it is available \
                 and its average rating: series joined with production houses and releases, \
                 with the reviews aggregated per series before the join."
            }
            Query::AboveAverage => {
                "Series whose average rating is strictly above the average of all reviews on \
                 the platform (a subquery), compared exactly as fractions."
            }
            Query::TopByCountry => {
                "For each country, the available series with the most total viewers, ties all \
                 shown, found with a correlated subquery per country."
            }
            Query::Regions => {
                "Series available only in region A, only in region B, or in both, as three \
                 selections combined with UNION; series in neither are left out."
            }
            Query::Tiers => {
                "Rated series placed by the percentile rank (PERCENT_RANK over CTEs) of their \
                 total viewers and of their average rating: TOP PERFORMER when both are at \
                 least 0.5, else HIGH VIEWERSHIP or HIGH RATING by whichever is, else \
                 DEVELOPING."
            }
            Query::Rankings => {
                "The five most watched series and the five lowest-rated rated series, ranked \
                 with RANK() so ties share a place (and may list more than five)."
            }
        }
    }

    /// The CSV header: exactly the contract's columns, in order.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Query::Overview => &[
                "series_id",
                "title",
                "production_house",
                "countries",
                "avg_rating",
                "ratings",
            ],
            Query::AboveAverage => &[
                "series_id",
                "title",
                "avg_rating",
                "ratings",
                "platform_avg",
            ],
            Query::TopByCountry => &[
                "country_id",
                "country",
                "series_id",
                "title",
                "total_viewers",
            ],
            Query::Regions => &["availability", "series_id", "title"],
            Query::Tiers => &[
                "series_id",
                "title",
                "total_viewers",
                "avg_rating",
                "viewer_percentile",
                "rating_percentile",
                "tier",
            ],
            Query::Rankings => &["category", "rank", "series_id", "title", "value"],
        }
    }
}

/// The two regions the `regions` query compares (bound values, never SQL text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionPair {
    pub a: String,
    pub b: String,
}

impl Default for RegionPair {
    fn default() -> Self {
        RegionPair {
            a: "North America".to_owned(),
            b: "Europe".to_owned(),
        }
    }
}

/// Runs one query against the base tables; each row has exactly `query.header().len()` cells,
/// in header order.
pub async fn run(db: &Db, query: Query, regions: &RegionPair) -> Result<Rows> {
    match query {
        Query::Overview => overview(db).await,
        Query::AboveAverage => above_average(db).await,
        Query::TopByCountry => top_by_country(db).await,
        Query::Regions => regions_query(db, regions).await,
        Query::Tiers => tiers(db).await,
        Query::Rankings => rankings(db).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// The order of text keys (titles, country names) in every result: case-insensitive by code
/// point, then exact. Applied in Rust after the SQL ORDER BY because the databases' collations
/// disagree (SQLite compares bytes, MariaDB's utf8mb4_unicode_ci puts "Cádiz" before "Cairo"),
/// and both backends must list the same rows in the same order.
fn text_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

/// `series_viewers(series_id, title, total_viewers)`: every series, with the sum of its
/// episodes' viewers computed in a derived table grouped by series before anything is joined
/// to it, and 0 for a series without episodes.
fn series_viewers() -> CommonTableExpression {
    let episode_totals = viewers_per_series();
    let select = Sql::select()
        .expr_as(Expr::col((Series::Table, Series::Id)), A::SeriesId)
        .expr_as(Expr::col((Series::Table, Series::Title)), A::Title)
        .expr_as(
            as_integer(Func::coalesce([
                Expr::col((A::EpisodeTotals, Col::Viewers)).into(),
                Expr::val(0).into(),
            ])),
            A::TotalViewers,
        )
        .from(Series::Table)
        .join_subquery(
            JoinType::LeftJoin,
            episode_totals,
            A::EpisodeTotals,
            Expr::col((A::EpisodeTotals, A::SeriesId)).equals((Series::Table, Series::Id)),
        )
        .to_owned();
    CommonTableExpression::new()
        .query(select)
        .table_name(A::SeriesViewers)
        .to_owned()
}

/// `series_ratings(series_id, ratings, rating_sum)`: per rated series, the number and sum of
/// its feedback rows, grouped on their own.
fn series_ratings() -> CommonTableExpression {
    let select = ratings_per_series();
    CommonTableExpression::new()
        .query(select)
        .table_name(A::SeriesRatings)
        .to_owned()
}

fn with(
    ctes: impl IntoIterator<Item = CommonTableExpression>,
    select: SelectStatement,
) -> WithQuery {
    let mut clause = WithClause::new();
    for cte in ctes {
        clause.cte(cte);
    }
    clause.query(select)
}

// ---------------------------------------------------------------------------------------------
// overview

#[derive(sqlx::FromRow)]
struct OverviewRow {
    series_id: i64,
    title: String,
    production_house: String,
    country: Option<String>,
    ratings: i64,
    rating_sum: i64,
}

/// Series × production house × availability (one row per country, none for an unreleased
/// series) × the per-series feedback figures (one row per series, so the release rows repeat
/// them rather than multiply them).
fn overview_statement() -> WithQuery {
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

async fn overview(db: &Db) -> Result<Rows> {
    let rows: Vec<OverviewRow> = db.fetch_all(&overview_statement()).await?;
    Ok(fold_overview(rows))
}

/// One row per series with its countries joined by "; ", sorted by [`text_order`].
fn fold_overview(rows: Vec<OverviewRow>) -> Rows {
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

// ---------------------------------------------------------------------------------------------
// above-average

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
fn above_average_statement() -> WithQuery {
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

async fn above_average(db: &Db) -> Result<Rows> {
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

// ---------------------------------------------------------------------------------------------
// top-by-country

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
fn top_by_country_statement() -> WithQuery {
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

async fn top_by_country(db: &Db) -> Result<Rows> {
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

// ---------------------------------------------------------------------------------------------
// regions

/// The three parts of the `regions` UNION, in output order.
const AVAILABILITY: [&str; 3] = ["a_only", "b_only", "both"];

#[derive(sqlx::FromRow)]
struct RegionsRow {
    kind: i64,
    series_id: i64,
    title: String,
}

/// Whether the outer `series` row is released in some country of `region` (a bound value,
/// compared as the database compares text).
fn available_in(region: &str) -> SimpleExpr {
    Expr::exists(
        Sql::select()
            .expr(Expr::val(1))
            .from(SeriesReleases::Table)
            .inner_join(
                Countries::Table,
                Expr::col((Countries::Table, Countries::Id))
                    .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
            )
            .and_where(
                Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId))
                    .equals((Series::Table, Series::Id)),
            )
            .and_where(Expr::col((Countries::Table, Countries::Region)).eq(region))
            .to_owned(),
    )
}

/// `a_only` ∪ `b_only` ∪ `both`: one SELECT per part with its EXISTS conditions; `kind`
/// (1, 2, 3) orders the parts and names them in Rust.
fn regions_statement(regions: &RegionPair) -> SelectStatement {
    let part = |kind: i64, in_a: bool, in_b: bool| -> SelectStatement {
        let a = available_in(&regions.a);
        let b = available_in(&regions.b);
        Sql::select()
            .expr_as(as_integer(Expr::val(kind)), A::Kind)
            .expr_as(Expr::col((Series::Table, Series::Id)), A::SeriesId)
            .expr_as(Expr::col((Series::Table, Series::Title)), A::Title)
            .from(Series::Table)
            .and_where(if in_a { a } else { a.not() })
            .and_where(if in_b { b } else { b.not() })
            .to_owned()
    };
    part(1, true, false)
        .union(UnionType::All, part(2, false, true))
        .union(UnionType::All, part(3, true, true))
        .order_by(A::Kind, Order::Asc)
        .order_by(A::Title, Order::Asc)
        .order_by(A::SeriesId, Order::Asc)
        .to_owned()
}

async fn regions_query(db: &Db, regions: &RegionPair) -> Result<Rows> {
    let mut rows: Vec<RegionsRow> = db.fetch_all(&regions_statement(regions)).await?;
    rows.sort_by(|x, y| {
        x.kind
            .cmp(&y.kind)
            .then_with(|| text_order(&x.title, &y.title))
            .then(x.series_id.cmp(&y.series_id))
    });
    rows.into_iter()
        .map(|row| {
            let label = usize::try_from(row.kind - 1)
                .ok()
                .and_then(|i| AVAILABILITY.get(i))
                .ok_or_else(|| crate::error::Error::internal("regions: unknown part"))?;
            Ok(vec![
                Cell::text(*label),
                Cell::Int(row.series_id),
                Cell::Text(row.title),
            ])
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// tiers

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
fn tiers_statement() -> WithQuery {
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
fn tier(viewer_percentile: f64, rating_percentile: f64) -> &'static str {
    match (viewer_percentile >= 0.5, rating_percentile >= 0.5) {
        (true, true) => "TOP PERFORMER",
        (true, false) => "HIGH VIEWERSHIP",
        (false, true) => "HIGH RATING",
        (false, false) => "DEVELOPING",
    }
}

async fn tiers(db: &Db) -> Result<Rows> {
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

// ---------------------------------------------------------------------------------------------
// rankings

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
fn rankings_statement() -> WithQuery {
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

async fn rankings(db: &Db) -> Result<Rows> {
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

#[cfg(test)]
mod tests {
    use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn slugs_round_trip_in_contract_order() {
        let slugs: Vec<&str> = Query::ALL.iter().map(|q| q.slug()).collect();
        assert_eq!(
            slugs,
            [
                "overview",
                "above-average",
                "top-by-country",
                "regions",
                "tiers",
                "rankings"
            ]
        );
        for query in Query::ALL {
            assert_eq!(Query::from_slug(query.slug()), Some(query));
            assert!(!query.title().is_empty() && !query.description().is_empty());
        }
        assert_eq!(Query::from_slug("Overview"), None);
        assert_eq!(Query::from_slug("overview.csv"), None);
    }

    #[test]
    fn tiers_decide_on_unrounded_percentiles() {
        assert_eq!(tier(0.5, 0.5), "TOP PERFORMER");
        assert_eq!(tier(1.0, 0.0), "HIGH VIEWERSHIP");
        assert_eq!(tier(0.0, 0.75), "HIGH RATING");
        assert_eq!(tier(0.0, 0.0), "DEVELOPING");
        // Prints as 0.50 but is below one half.
        assert_eq!(Cell::fraction(0.4999).display(), "0.50");
        assert_eq!(tier(0.4999, 0.4999), "DEVELOPING");
    }

    #[test]
    fn region_names_are_bound_never_in_the_sql_text() {
        let regions = RegionPair {
            a: "North America' OR '1'='1".to_owned(),
            b: "Europe".to_owned(),
        };
        let statement = regions_statement(&regions);
        let sqlite = statement.to_owned().build(SqliteQueryBuilder).0;
        let mysql = statement.build(MysqlQueryBuilder).0;
        for sql in [sqlite, mysql] {
            assert!(!sql.contains("North America"), "{sql}");
            assert!(!sql.contains("Europe"), "{sql}");
            assert_eq!(sql.matches("UNION ALL").count(), 2, "{sql}");
        }
    }

    #[test]
    fn statements_use_the_contract_constructs() {
        let sqlite = |q: WithQuery| q.build(SqliteQueryBuilder).0;
        let tiers = sqlite(tiers_statement());
        assert!(tiers.starts_with("WITH "), "{tiers}");
        assert_eq!(tiers.matches("PERCENT_RANK() OVER").count(), 2, "{tiers}");
        let rankings = sqlite(rankings_statement());
        assert_eq!(rankings.matches("RANK() OVER").count(), 2, "{rankings}");
        assert!(!rankings.contains("AVG("), "{rankings}");
        let top = sqlite(top_by_country_statement());
        assert!(
            top.contains(r#"(SELECT MAX("best"."total_viewers")"#),
            "{top}"
        );
        assert!(
            top.contains(r#"WHERE "available"."country_id" = "countries"."id")"#),
            "{top}"
        );
        // The viewers are summed from `episodes` alone, grouped by series.
        for sql in [&tiers, &rankings, &top] {
            assert!(
                sql.contains(
                    r#"(SELECT "series_id" AS "series_id", SUM("total_viewers") AS "viewers", COUNT("id") AS "n" FROM "episodes" GROUP BY "series_id")"#
                ),
                "{sql}"
            );
        }
    }

    #[test]
    fn overview_folds_countries_sorted_per_series() {
        let row = |id: i64, country: Option<&str>| OverviewRow {
            series_id: id,
            title: ["S", &id.to_string()].concat(),
            production_house: "House".into(),
            country: country.map(str::to_owned),
            ratings: 3,
            rating_sum: 13,
        };
        let rows = fold_overview(vec![
            row(1, Some("spain")),
            row(1, Some("Canada")),
            row(1, Some("France")),
            row(2, None),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][3], Cell::text("Canada; France; spain"));
        assert_eq!(rows[0][4].display(), "4.33");
        assert_eq!(rows[1][3], Cell::text(""));
    }
}
