//! The six analytics queries staff see, each described once: its slug, title, CSV
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
    CommonTableExpression, Expr, Func, JoinType, Query as Sql, SelectStatement, WithClause,
    WithQuery,
};

use super::dataset::Dataset;
use super::table::Rows;
use super::{as_integer, ratings_per_series, viewers_per_series, StatAlias};
use crate::db::schema::{AnalyticsAlias as A, Series};
use crate::db::Db;
use crate::error::Result;

mod above_average;
mod overview;
mod rankings;
mod regions;
mod tiers;
mod top_by_country;

use above_average::above_average;
use overview::overview;
use rankings::rankings;
use regions::regions_query;
use tiers::tiers;
use top_by_country::top_by_country;

/// One of the six analytics queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnalyticsQuery {
    Overview,
    AboveAverage,
    TopByCountry,
    Regions,
    Tiers,
    Rankings,
}

impl Dataset for AnalyticsQuery {
    /// Every query, in the contract's order (the dashboard's order too).
    const ALL: &'static [AnalyticsQuery] = &[
        AnalyticsQuery::Overview,
        AnalyticsQuery::AboveAverage,
        AnalyticsQuery::TopByCountry,
        AnalyticsQuery::Regions,
        AnalyticsQuery::Tiers,
        AnalyticsQuery::Rankings,
    ];

    /// The query's name in URLs (`/admin/analytics/{slug}.csv`).
    fn slug(self) -> &'static str {
        match self {
            AnalyticsQuery::Overview => "overview",
            AnalyticsQuery::AboveAverage => "above-average",
            AnalyticsQuery::TopByCountry => "top-by-country",
            AnalyticsQuery::Regions => "regions",
            AnalyticsQuery::Tiers => "tiers",
            AnalyticsQuery::Rankings => "rankings",
        }
    }

    /// A short title for the dashboard.
    fn title(self) -> &'static str {
        match self {
            AnalyticsQuery::Overview => "Series overview",
            AnalyticsQuery::AboveAverage => "Rated above the platform average",
            AnalyticsQuery::TopByCountry => "Most watched in each country",
            AnalyticsQuery::Regions => "Availability by region",
            AnalyticsQuery::Tiers => "Performance tiers",
            AnalyticsQuery::Rankings => "Top and bottom five",
        }
    }

    /// One sentence for staff: what the query shows and how it is computed.
    fn description(self) -> &'static str {
        match self {
            AnalyticsQuery::Overview => {
                "Every series with its production house, the countries where it is available \
                 and its average rating: series joined with production houses and releases, \
                 with the reviews aggregated per series before the join."
            }
            AnalyticsQuery::AboveAverage => {
                "Series whose average rating is strictly above the average of all reviews on \
                 the platform (a subquery), compared exactly as fractions."
            }
            AnalyticsQuery::TopByCountry => {
                "For each country, the available series with the most total viewers, ties all \
                 shown, found with a correlated subquery per country."
            }
            AnalyticsQuery::Regions => {
                "Series available only in region A, only in region B, or in both, as three \
                 selections combined with UNION; series in neither are left out."
            }
            AnalyticsQuery::Tiers => {
                "Rated series placed by the percentile rank (PERCENT_RANK over CTEs) of their \
                 total viewers and of their average rating: TOP PERFORMER when both are at \
                 least 0.5, else HIGH VIEWERSHIP or HIGH RATING by whichever is, else \
                 DEVELOPING."
            }
            AnalyticsQuery::Rankings => {
                "The five most watched series and the five lowest-rated rated series, ranked \
                 with RANK() so ties share a place (and may list more than five)."
            }
        }
    }

    /// The CSV header: exactly the contract's columns, in order.
    fn header(self) -> &'static [&'static str] {
        match self {
            AnalyticsQuery::Overview => &[
                "series_id",
                "title",
                "production_house",
                "countries",
                "avg_rating",
                "ratings",
            ],
            AnalyticsQuery::AboveAverage => &[
                "series_id",
                "title",
                "avg_rating",
                "ratings",
                "platform_avg",
            ],
            AnalyticsQuery::TopByCountry => &[
                "country_id",
                "country",
                "series_id",
                "title",
                "total_viewers",
            ],
            AnalyticsQuery::Regions => &["availability", "series_id", "title"],
            AnalyticsQuery::Tiers => &[
                "series_id",
                "title",
                "total_viewers",
                "avg_rating",
                "viewer_percentile",
                "rating_percentile",
                "tier",
            ],
            AnalyticsQuery::Rankings => &["category", "rank", "series_id", "title", "value"],
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
pub async fn run(db: &Db, query: AnalyticsQuery, regions: &RegionPair) -> Result<Rows> {
    match query {
        AnalyticsQuery::Overview => overview(db).await,
        AnalyticsQuery::AboveAverage => above_average(db).await,
        AnalyticsQuery::TopByCountry => top_by_country(db).await,
        AnalyticsQuery::Regions => regions_query(db, regions).await,
        AnalyticsQuery::Tiers => tiers(db).await,
        AnalyticsQuery::Rankings => rankings(db).await,
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
                Expr::col((A::EpisodeTotals, StatAlias::Viewers)).into(),
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

#[cfg(test)]
mod tests {
    use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};

    use super::overview::{fold_overview, OverviewRow};
    use super::rankings::rankings_statement;
    use super::regions::regions_statement;
    use super::tiers::{tier, tiers_statement};
    use super::top_by_country::top_by_country_statement;
    use super::*;
    use crate::analytics::table::Cell;

    #[test]
    fn slugs_round_trip_in_contract_order() {
        let slugs: Vec<&str> = AnalyticsQuery::ALL.iter().map(|q| q.slug()).collect();
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
        for &query in AnalyticsQuery::ALL {
            assert_eq!(AnalyticsQuery::from_slug(query.slug()), Some(query));
            assert!(!query.title().is_empty() && !query.description().is_empty());
        }
        assert_eq!(AnalyticsQuery::from_slug("Overview"), None);
        assert_eq!(AnalyticsQuery::from_slug("overview.csv"), None);
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
