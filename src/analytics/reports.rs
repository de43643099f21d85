//! The two reports of the original app, done right: series performance (every series) and
//! viewer engagement (customers who reviewed). The refresh computes them from the base tables
//! into `report_*` tables; staff pages sort and page those with plain indexed queries.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Func, InsertStatement, JoinType, Order, Query, SimpleExpr};

use super::dataset::Dataset;
use super::table::{Cell, Rows};
use super::{as_integer, join_ratings, join_viewers, StatAlias};
use crate::catalog::with_series_names;
use crate::db::page::Page;
use crate::db::schema::{
    Accounts, Countries, Feedback, ReportSeriesPerformance as Rsp, ReportViewerEngagement as Rve,
    Series,
};
use crate::db::{batch, Db, Tx};
use crate::error::{Error, Result};

/// The stored series performance report's columns, in its CSV order.
const SERIES_COLUMNS: [Rsp; 10] = [
    Rsp::SeriesId,
    Rsp::Title,
    Rsp::ProductionHouse,
    Rsp::Language,
    Rsp::OriginCountry,
    Rsp::PlannedEpisodes,
    Rsp::ActualEpisodes,
    Rsp::TotalViewers,
    Rsp::AvgRating,
    Rsp::Ratings,
];

/// The stored viewer engagement report's columns, in its CSV order.
const VIEWER_COLUMNS: [Rve; 7] = [
    Rve::AccountId,
    Rve::Username,
    Rve::Country,
    Rve::JoinedAt,
    Rve::Reviews,
    Rve::AvgRatingGiven,
    Rve::LastReviewAt,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    SeriesPerformance,
    ViewerEngagement,
}

/// A column staff can sort a report by: its name in the URL and its column in the table.
#[derive(Clone, Copy)]
pub struct SortKey {
    pub name: &'static str,
    column: SortColumn,
}

#[derive(Clone, Copy)]
enum SortColumn {
    Series(Rsp),
    Viewer(Rve),
}

impl Dataset for Report {
    const ALL: &'static [Report] = &[Report::SeriesPerformance, Report::ViewerEngagement];

    fn slug(self) -> &'static str {
        match self {
            Report::SeriesPerformance => "series-performance",
            Report::ViewerEngagement => "viewer-engagement",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Report::SeriesPerformance => "Series performance",
            Report::ViewerEngagement => "Viewer engagement",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Report::SeriesPerformance => {
                "Every series: its house, language and origin, episodes planned and made, \
                 total viewers (summed over its episodes) and its rating over all reviews."
            }
            Report::ViewerEngagement => {
                "Every customer who has reviewed: where they are, when they joined, how many \
                 reviews they wrote, the average rating they give and their latest review."
            }
        }
    }

    /// The CSV header and the table's column headings (same names).
    fn header(self) -> &'static [&'static str] {
        match self {
            Report::SeriesPerformance => &[
                "series_id",
                "title",
                "production_house",
                "language",
                "origin_country",
                "planned_episodes",
                "actual_episodes",
                "total_viewers",
                "avg_rating",
                "ratings",
            ],
            Report::ViewerEngagement => &[
                "account_id",
                "username",
                "country",
                "joined",
                "reviews",
                "avg_rating_given",
                "last_review",
            ],
        }
    }
}

impl Report {
    /// The sortable columns (the first is the default); each has an index on its table.
    pub fn sort_keys(self) -> &'static [SortKey] {
        use SortColumn::{Series as S, Viewer as V};
        const SERIES: [SortKey; 4] = [
            SortKey {
                name: "total_viewers",
                column: S(Rsp::TotalViewers),
            },
            SortKey {
                name: "title",
                column: S(Rsp::Title),
            },
            SortKey {
                name: "avg_rating",
                column: S(Rsp::AvgRating),
            },
            SortKey {
                name: "ratings",
                column: S(Rsp::Ratings),
            },
        ];
        const VIEWERS: [SortKey; 4] = [
            SortKey {
                name: "reviews",
                column: V(Rve::Reviews),
            },
            SortKey {
                name: "username",
                column: V(Rve::Username),
            },
            SortKey {
                name: "avg_rating_given",
                column: V(Rve::AvgRatingGiven),
            },
            SortKey {
                name: "last_review",
                column: V(Rve::LastReviewAt),
            },
        ];
        match self {
            Report::SeriesPerformance => &SERIES,
            Report::ViewerEngagement => &VIEWERS,
        }
    }

    /// The sort named in a request; unknown names are refused, never passed on.
    pub fn sort_key(self, name: Option<&str>) -> Result<SortKey> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(self.sort_keys()[0]),
            Some(name) => self
                .sort_keys()
                .iter()
                .copied()
                .find(|k| k.name == name)
                .ok_or_else(|| Error::BadRequest("unknown sort column".into())),
        }
    }
}

/// A page of a report, in its CSV column order, and whether another page follows.
pub async fn page(
    db: &Db,
    report: Report,
    sort: SortKey,
    descending: bool,
    page: Page,
) -> Result<(Rows, bool)> {
    let mut rows = read(db, report, Some((sort, descending, page))).await?;
    let has_next = rows.len() > page.size as usize;
    rows.truncate(page.size as usize);
    Ok((rows, has_next))
}

/// The whole report in its default order (for the CSV file).
pub async fn all(db: &Db, report: Report) -> Result<Rows> {
    read(db, report, None).await
}

async fn read(db: &Db, report: Report, paging: Option<(SortKey, bool, Page)>) -> Result<Rows> {
    let sort = paging.map_or(report.sort_keys()[0], |(key, _, _)| key);
    let order = match paging {
        Some((_, false, _)) => Order::Asc,
        _ => Order::Desc,
    };
    let mut select = Query::select();
    match report {
        Report::SeriesPerformance => {
            select.columns(SERIES_COLUMNS);
            select.from(Rsp::Table);
        }
        Report::ViewerEngagement => {
            select.columns(VIEWER_COLUMNS);
            select.from(Rve::Table);
        }
    }
    match sort.column {
        SortColumn::Series(col) => select
            .order_by(col, order.clone())
            .order_by(Rsp::SeriesId, order),
        SortColumn::Viewer(col) => select
            .order_by(col, order.clone())
            .order_by(Rve::AccountId, order),
    };
    if let Some((_, _, page)) = paging {
        select.limit(u64::from(page.size) + 1).offset(page.offset());
    }
    let rows = match report {
        Report::SeriesPerformance => db
            .fetch_all::<SeriesPerformance>(&select)
            .await?
            .into_iter()
            .map(SeriesPerformance::cells)
            .collect(),
        Report::ViewerEngagement => db
            .fetch_all::<ViewerEngagement>(&select)
            .await?
            .into_iter()
            .map(ViewerEngagement::cells)
            .collect(),
    };
    Ok(rows)
}

/// One line of the series performance report (its stored form).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeriesPerformance {
    pub series_id: i64,
    pub title: String,
    pub production_house: String,
    pub language: String,
    pub origin_country: String,
    pub planned_episodes: i64,
    pub actual_episodes: i64,
    pub total_viewers: i64,
    /// Hundredths; `None` for a series nobody rated.
    pub avg_rating: Option<i64>,
    pub ratings: i64,
}

impl SeriesPerformance {
    fn cells(self) -> Vec<Cell> {
        vec![
            Cell::Int(self.series_id),
            Cell::Text(self.title),
            Cell::Text(self.production_house),
            Cell::Text(self.language),
            Cell::Text(self.origin_country),
            Cell::Int(self.planned_episodes),
            Cell::Int(self.actual_episodes),
            Cell::Int(self.total_viewers),
            self.avg_rating.map_or(Cell::Empty, Cell::Hundredths),
            Cell::Int(self.ratings),
        ]
    }
}

/// One line of the viewer engagement report (its stored form).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ViewerEngagement {
    pub account_id: i64,
    pub username: String,
    pub country: Option<String>,
    pub joined_at: DateTime<Utc>,
    pub reviews: i64,
    /// Hundredths.
    pub avg_rating_given: i64,
    pub last_review_at: DateTime<Utc>,
}

impl ViewerEngagement {
    fn cells(self) -> Vec<Cell> {
        vec![
            Cell::Int(self.account_id),
            Cell::Text(self.username),
            self.country.map_or(Cell::Empty, Cell::Text),
            Cell::Date(self.joined_at.date_naive()),
            Cell::Int(self.reviews),
            Cell::Hundredths(self.avg_rating_given),
            Cell::Moment(self.last_review_at),
        ]
    }
}

/// Both reports, computed from the base tables (the refresh stores them with [`store`]).
pub struct ComputedReports {
    series: Vec<SeriesPerformance>,
    viewers: Vec<ViewerEngagement>,
}

/// One report computed from the base tables now, in its default order (the CSV download:
/// exact as of the moment it is asked for).
pub async fn compute_rows(db: &Db, report: Report) -> Result<Rows> {
    let mut rows: Rows = match report {
        Report::SeriesPerformance => series_performance(db)
            .await?
            .into_iter()
            .map(SeriesPerformance::cells)
            .collect(),
        Report::ViewerEngagement => viewer_engagement(db)
            .await?
            .into_iter()
            .map(ViewerEngagement::cells)
            .collect(),
    };
    // The stored report's default order: its first sort key, descending, then id.
    let column = match report {
        Report::SeriesPerformance => 7,
        Report::ViewerEngagement => 4,
    };
    super::table::sort_rows(&mut rows, 0, true);
    super::table::sort_rows(&mut rows, column, true);
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct SeriesSource {
    series_id: i64,
    title: String,
    production_house: String,
    language: String,
    origin_country: String,
    planned_episodes: i64,
    actual_episodes: i64,
    total_viewers: i64,
    rating_sum: i64,
    ratings: i64,
}

#[derive(sqlx::FromRow)]
struct ViewerSource {
    account_id: i64,
    username: String,
    country: Option<String>,
    joined_at: DateTime<Utc>,
    reviews: i64,
    rating_sum: i64,
    last_review_at: DateTime<Utc>,
}

fn hundredths(sum: i64, count: i64) -> Option<i64> {
    match Cell::average(sum, count) {
        Cell::Hundredths(h) => Some(h),
        _ => None,
    }
}

/// Reads both reports' figures; each per-series or per-account figure comes from its own
/// grouped subquery, so no join multiplies it.
pub async fn compute(db: &Db) -> Result<ComputedReports> {
    Ok(ComputedReports {
        series: series_performance(db).await?,
        viewers: viewer_engagement(db).await?,
    })
}

async fn series_performance(db: &Db) -> Result<Vec<SeriesPerformance>> {
    let zero = |alias: StatAlias, col: StatAlias| -> SimpleExpr {
        as_integer(Func::coalesce([
            Expr::col((alias, col)).into(),
            Expr::val(0).into(),
        ]))
    };
    let mut series = Query::select();
    with_series_names(&mut series);
    join_viewers(&mut series, JoinType::LeftJoin);
    join_ratings(&mut series, JoinType::LeftJoin);
    series
        .expr_as(Expr::col((Series::Table, Series::Id)), Rsp::SeriesId)
        .expr_as(Expr::col((Series::Table, Series::Title)), Rsp::Title)
        .expr_as(
            as_integer(Expr::col((Series::Table, Series::PlannedEpisodes))),
            Rsp::PlannedEpisodes,
        )
        .expr_as(zero(StatAlias::V, StatAlias::N), Rsp::ActualEpisodes)
        .expr_as(zero(StatAlias::V, StatAlias::Viewers), Rsp::TotalViewers)
        .expr_as(
            zero(StatAlias::R, StatAlias::RatingSum),
            StatAlias::RatingSum,
        )
        .expr_as(zero(StatAlias::R, StatAlias::Ratings), StatAlias::Ratings)
        .from(Series::Table)
        .order_by((Series::Table, Series::Id), Order::Asc);
    // Streamed: each row becomes its report row as it arrives (no second copy of the set).
    let mut out = Vec::new();
    db.fetch_each(&series, |s: SeriesSource| {
        out.push(SeriesPerformance {
            avg_rating: hundredths(s.rating_sum, s.ratings),
            series_id: s.series_id,
            title: s.title,
            production_house: s.production_house,
            language: s.language,
            origin_country: s.origin_country,
            planned_episodes: s.planned_episodes,
            actual_episodes: s.actual_episodes,
            total_viewers: s.total_viewers,
            ratings: s.ratings,
        })
    })
    .await?;
    Ok(out)
}

async fn viewer_engagement(db: &Db) -> Result<Vec<ViewerEngagement>> {
    let given = Alias::new("g");
    let per_account = Query::select()
        .expr_as(Expr::col(Feedback::AccountId), Rve::AccountId)
        .expr_as(Func::count(Expr::col(Feedback::Rating)), Rve::Reviews)
        .expr_as(Func::sum(Expr::col(Feedback::Rating)), StatAlias::RatingSum)
        .expr_as(
            Func::max(Expr::col(Feedback::RecordedAt)),
            Rve::LastReviewAt,
        )
        .from(Feedback::Table)
        .group_by_col(Feedback::AccountId)
        .to_owned();
    let viewers = Query::select()
        .expr_as(Expr::col((Accounts::Table, Accounts::Id)), Rve::AccountId)
        .expr_as(
            Expr::col((Accounts::Table, Accounts::Username)),
            Rve::Username,
        )
        .expr_as(Expr::col((Countries::Table, Countries::Name)), Rve::Country)
        .expr_as(
            Expr::col((Accounts::Table, Accounts::CreatedAt)),
            Rve::JoinedAt,
        )
        .expr_as(
            as_integer(Expr::col((given.clone(), Rve::Reviews))),
            Rve::Reviews,
        )
        .expr_as(
            as_integer(Expr::col((given.clone(), StatAlias::RatingSum))),
            StatAlias::RatingSum,
        )
        .expr_as(
            Expr::col((given.clone(), Rve::LastReviewAt)),
            Rve::LastReviewAt,
        )
        .from(Accounts::Table)
        .join_subquery(
            JoinType::InnerJoin,
            per_account,
            given.clone(),
            Expr::col((given, Rve::AccountId)).equals((Accounts::Table, Accounts::Id)),
        )
        .left_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((Accounts::Table, Accounts::CountryId)),
        )
        .and_where(
            Expr::col((Accounts::Table, Accounts::Role)).eq(crate::auth::Role::Customer.as_str()),
        )
        .order_by((Accounts::Table, Accounts::Id), Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    db.fetch_each(&viewers, |a: ViewerSource| {
        out.push(ViewerEngagement {
            avg_rating_given: hundredths(a.rating_sum, a.reviews).unwrap_or(0),
            account_id: a.account_id,
            username: a.username,
            country: a.country,
            joined_at: a.joined_at,
            reviews: a.reviews,
            last_review_at: a.last_review_at,
        })
    })
    .await?;
    Ok(out)
}

/// Replaces both stored reports with `computed`, inside the refresh's transaction.
pub async fn store(tx: &mut Tx, computed: &Arc<ComputedReports>) -> Result<()> {
    tx.execute(&Query::delete().from_table(Rsp::Table).to_owned())
        .await?;
    tx.execute(&Query::delete().from_table(Rve::Table).to_owned())
        .await?;
    // Rows become bound values one statement at a time (100,000 viewers at scale 10).
    let series_rows = computed.series.iter().map(series_values);
    batch::insert_each(tx, &series_template(), SERIES_COLUMNS.len(), series_rows).await?;
    let viewer_rows = computed.viewers.iter().map(viewer_values);
    batch::insert_each(tx, &viewer_template(), VIEWER_COLUMNS.len(), viewer_rows).await?;
    Ok(())
}

fn series_values(s: &SeriesPerformance) -> Vec<SimpleExpr> {
    vec![
        s.series_id.into(),
        s.title.clone().into(),
        s.production_house.clone().into(),
        s.language.clone().into(),
        s.origin_country.clone().into(),
        s.planned_episodes.into(),
        s.actual_episodes.into(),
        s.total_viewers.into(),
        s.avg_rating.into(),
        s.ratings.into(),
    ]
}

fn viewer_values(a: &ViewerEngagement) -> Vec<SimpleExpr> {
    vec![
        a.account_id.into(),
        a.username.clone().into(),
        a.country.clone().into(),
        a.joined_at.into(),
        a.reviews.into(),
        a.avg_rating_given.into(),
        a.last_review_at.into(),
    ]
}

fn series_template() -> InsertStatement {
    Query::insert()
        .into_table(Rsp::Table)
        .columns(SERIES_COLUMNS)
        .to_owned()
}

fn viewer_template() -> InsertStatement {
    Query::insert()
        .into_table(Rve::Table)
        .columns(VIEWER_COLUMNS)
        .to_owned()
}
