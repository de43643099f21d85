//! The dashboard's chart datasets, computed by the refresh and stored with the snapshot. Every
//! per-series figure comes from its own grouped subquery (viewers over episodes, ratings over
//! feedback), so joining them to genres, countries or houses never multiplies a figure.

use sea_query::{Alias, Expr, Func, JoinType, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

use super::{as_integer, join_ratings, join_viewers, StatAlias};
use crate::analytics::table::Cell;
use crate::db::schema::{
    Countries, Feedback, Genres, ProductionHouses, Series, SeriesGenres, SeriesReleases,
};
use crate::db::Db;
use crate::error::Result;

/// How many series the "top" charts show.
const TOP: u64 = 10;
/// How many production houses their chart shows (those with the most viewers): hundreds of
/// bars say nothing, and every one would be sent with each page.
const TOP_HOUSES: u64 = 15;
/// How many months of reviews the monthly chart covers (the latest ones).
const MONTHS: u64 = 24;

/// How a chart is drawn (Chart.js's chart types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartKind {
    /// Horizontal bars: long labels such as series titles.
    HorizontalBar,
    Bar,
    Line,
    Doughnut,
}

/// One measure over the chart's labels; `values[i]` belongs to `labels[i]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    pub label: String,
    pub values: Vec<Cell>,
}

/// A chart's data: what the canvas draws and the table fallback lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub slug: String,
    pub title: String,
    pub kind: ChartKind,
    /// The label column's heading in the table fallback.
    pub label_heading: String,
    pub labels: Vec<String>,
    /// One or two measures (a second one is drawn on its own axis).
    pub datasets: Vec<Dataset>,
}

#[derive(sqlx::FromRow)]
struct Counted {
    label: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct Rated {
    label: String,
    rating_sum: i64,
    ratings: i64,
}

#[derive(sqlx::FromRow)]
struct HouseFigures {
    label: String,
    viewers: i64,
    rating_sum: i64,
    ratings: i64,
}

/// Every chart of the dashboard, in the order it shows them.
pub async fn compute(db: &Db) -> Result<Vec<Chart>> {
    Ok(vec![
        top_by_viewers(db).await?,
        top_by_rating(db).await?,
        series_per(db, Breakdown::Country).await?,
        series_per(db, Breakdown::Genre).await?,
        rating_distribution(db).await?,
        house_performance(db).await?,
        reviews_per_month(db).await?,
        viewers_per_region(db).await?,
    ])
}

fn single(slug: &str, title: &str, kind: ChartKind, heading: &str, measure: &str) -> Chart {
    Chart {
        slug: slug.to_owned(),
        title: title.to_owned(),
        kind,
        label_heading: heading.to_owned(),
        labels: Vec::new(),
        datasets: vec![Dataset {
            label: measure.to_owned(),
            values: Vec::new(),
        }],
    }
}

fn push(chart: &mut Chart, label: String, values: impl IntoIterator<Item = Cell>) {
    chart.labels.push(label);
    for (dataset, value) in chart.datasets.iter_mut().zip(values) {
        dataset.values.push(value);
    }
}

async fn counted(db: &Db, select: &SelectStatement, mut chart: Chart) -> Result<Chart> {
    for row in db.fetch_all::<Counted>(select).await? {
        push(&mut chart, row.label, [Cell::Int(row.n)]);
    }
    Ok(chart)
}

async fn top_by_viewers(db: &Db) -> Result<Chart> {
    let select = join_viewers(&mut Query::select(), JoinType::InnerJoin)
        .expr_as(Expr::col((Series::Table, Series::Title)), StatAlias::Label)
        .expr_as(
            as_integer(Expr::col((StatAlias::V, StatAlias::Viewers))),
            StatAlias::N,
        )
        .from(Series::Table)
        .order_by((StatAlias::V, StatAlias::Viewers), Order::Desc)
        .order_by((Series::Table, Series::Id), Order::Asc)
        .limit(TOP)
        .to_owned();
    let chart = single(
        "top-viewers",
        "Top series by viewers",
        ChartKind::HorizontalBar,
        "Series",
        "Total viewers",
    );
    counted(db, &select, chart).await
}

async fn top_by_rating(db: &Db) -> Result<Chart> {
    let sum = Expr::col((StatAlias::R, StatAlias::RatingSum));
    let count = Expr::col((StatAlias::R, StatAlias::Ratings));
    let select = join_ratings(&mut Query::select(), JoinType::InnerJoin)
        .expr_as(Expr::col((Series::Table, Series::Title)), StatAlias::Label)
        .expr_as(sum.clone(), StatAlias::RatingSum)
        .expr_as(count.clone(), StatAlias::Ratings)
        .from(Series::Table)
        // The exact average as a double on both databases (AVG is DECIMAL on MariaDB).
        .order_by_expr(super::average_expr(sum, count.clone()), Order::Desc)
        .order_by_expr(count.into(), Order::Desc)
        .order_by((Series::Table, Series::Id), Order::Asc)
        .limit(TOP)
        .to_owned();
    let mut chart = single(
        "top-rating",
        "Top series by average rating",
        ChartKind::HorizontalBar,
        "Series",
        "Average rating",
    );
    for row in db.fetch_all::<Rated>(&select).await? {
        push(
            &mut chart,
            row.label,
            [Cell::average(row.rating_sum, row.ratings)],
        );
    }
    Ok(chart)
}

#[derive(Clone, Copy)]
enum Breakdown {
    Country,
    Genre,
}

/// How many series are available in each country, or belong to each genre.
async fn series_per(db: &Db, by: Breakdown) -> Result<Chart> {
    let mut select = Query::select();
    let chart = match by {
        Breakdown::Country => {
            select
                .expr_as(
                    Expr::col((Countries::Table, Countries::Name)),
                    StatAlias::Label,
                )
                .expr_as(
                    Func::count(Expr::col(SeriesReleases::SeriesId)),
                    StatAlias::N,
                )
                .from(SeriesReleases::Table)
                .inner_join(
                    Countries::Table,
                    Expr::col((Countries::Table, Countries::Id))
                        .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
                )
                .group_by_col((Countries::Table, Countries::Id))
                .group_by_col((Countries::Table, Countries::Name))
                .order_by_expr(
                    Func::count(Expr::col(SeriesReleases::SeriesId)).into(),
                    Order::Desc,
                )
                .order_by((Countries::Table, Countries::Name), Order::Asc);
            single(
                "series-per-country",
                "Series available per country",
                ChartKind::Bar,
                "Country",
                "Series",
            )
        }
        Breakdown::Genre => {
            select
                .expr_as(Expr::col((Genres::Table, Genres::Name)), StatAlias::Label)
                .expr_as(Func::count(Expr::col(SeriesGenres::SeriesId)), StatAlias::N)
                .from(SeriesGenres::Table)
                .inner_join(
                    Genres::Table,
                    Expr::col((Genres::Table, Genres::Id))
                        .equals((SeriesGenres::Table, SeriesGenres::GenreId)),
                )
                .group_by_col((Genres::Table, Genres::Id))
                .group_by_col((Genres::Table, Genres::Name))
                .order_by_expr(
                    Func::count(Expr::col(SeriesGenres::SeriesId)).into(),
                    Order::Desc,
                )
                .order_by((Genres::Table, Genres::Name), Order::Asc);
            single(
                "series-per-genre",
                "Series per genre",
                ChartKind::Bar,
                "Genre",
                "Series",
            )
        }
    };
    counted(db, &select, chart).await
}

#[derive(sqlx::FromRow)]
struct Bucket {
    rating: i64,
    n: i64,
}

async fn rating_distribution(db: &Db) -> Result<Chart> {
    let select = Query::select()
        .expr_as(as_integer(Expr::col(Feedback::Rating)), StatAlias::Rating)
        .expr_as(Func::count(Expr::col(Feedback::Rating)), StatAlias::N)
        .from(Feedback::Table)
        .group_by_col(Feedback::Rating)
        .to_owned();
    let counts = db.fetch_all::<Bucket>(&select).await?;
    let mut chart = single(
        "rating-distribution",
        "Ratings given, by stars",
        ChartKind::Doughnut,
        "Stars",
        "Reviews",
    );
    for stars in 1..=5 {
        let n = counts.iter().find(|b| b.rating == stars).map_or(0, |b| b.n);
        let label = if stars == 1 {
            "1 star".to_owned()
        } else {
            [stars.to_string().as_str(), " stars"].concat()
        };
        push(&mut chart, label, [Cell::Int(n)]);
    }
    Ok(chart)
}

/// The production houses with the most viewers: the viewers of all their series and the
/// average of all their ratings.
async fn house_performance(db: &Db) -> Result<Chart> {
    let total = |alias: StatAlias, col: StatAlias| {
        as_integer(Func::coalesce([
            Func::sum(Expr::col((alias, col))).into(),
            Expr::val(0).into(),
        ]))
    };
    let mut select = Query::select();
    // `series` is joined first: the figures' join conditions name it.
    select.from(ProductionHouses::Table).inner_join(
        Series::Table,
        Expr::col((Series::Table, Series::ProductionHouseId))
            .equals((ProductionHouses::Table, ProductionHouses::Id)),
    );
    join_viewers(&mut select, JoinType::LeftJoin);
    join_ratings(&mut select, JoinType::LeftJoin);
    let select = select
        .expr_as(
            Expr::col((ProductionHouses::Table, ProductionHouses::Name)),
            StatAlias::Label,
        )
        .expr_as(total(StatAlias::V, StatAlias::Viewers), StatAlias::Viewers)
        .expr_as(
            total(StatAlias::R, StatAlias::RatingSum),
            StatAlias::RatingSum,
        )
        .expr_as(total(StatAlias::R, StatAlias::Ratings), StatAlias::Ratings)
        .group_by_col((ProductionHouses::Table, ProductionHouses::Id))
        .group_by_col((ProductionHouses::Table, ProductionHouses::Name))
        .order_by_expr(total(StatAlias::V, StatAlias::Viewers), Order::Desc)
        .order_by(
            (ProductionHouses::Table, ProductionHouses::Name),
            Order::Asc,
        )
        .limit(TOP_HOUSES)
        .to_owned();
    let mut chart = single(
        "house-performance",
        "Top production houses: viewers and average rating",
        ChartKind::Bar,
        "Production house",
        "Total viewers",
    );
    chart.datasets.push(Dataset {
        label: "Average rating".to_owned(),
        values: Vec::new(),
    });
    for row in db.fetch_all::<HouseFigures>(&select).await? {
        push(
            &mut chart,
            row.label,
            [
                Cell::Int(row.viewers),
                Cell::average(row.rating_sum, row.ratings),
            ],
        );
    }
    Ok(chart)
}

/// Reviews per calendar month (the latest [`MONTHS`] months that have any).
async fn reviews_per_month(db: &Db) -> Result<Chart> {
    // `YYYY-MM` is the first seven characters of a timestamp on both databases (a SQLite TEXT
    // timestamp, a MariaDB DATETIME converted to text).
    let months = Query::select()
        .expr_as(
            Func::cust(StatAlias::Substr)
                .arg(Expr::col(Feedback::RecordedAt))
                .arg(1)
                .arg(7),
            StatAlias::Label,
        )
        .from(Feedback::Table)
        .to_owned();
    let m = Alias::new("m");
    let select = Query::select()
        .column((m.clone(), StatAlias::Label))
        .expr_as(
            Func::count(Expr::col((m.clone(), StatAlias::Label))),
            StatAlias::N,
        )
        .from_subquery(months, m.clone())
        .group_by_col((m.clone(), StatAlias::Label))
        .order_by((m, StatAlias::Label), Order::Desc)
        .limit(MONTHS)
        .to_owned();
    let mut rows = db.fetch_all::<Counted>(&select).await?;
    rows.reverse();
    let mut chart = single(
        "reviews-per-month",
        "Reviews per month",
        ChartKind::Line,
        "Month",
        "Reviews",
    );
    for row in rows {
        push(&mut chart, row.label, [Cell::Int(row.n)]);
    }
    Ok(chart)
}

/// Viewers of the series made in each region (by the series' origin country).
async fn viewers_per_region(db: &Db) -> Result<Chart> {
    let total = as_integer(Func::sum(Expr::col((StatAlias::V, StatAlias::Viewers))));
    let select = join_viewers(&mut Query::select(), JoinType::InnerJoin)
        .expr_as(
            Expr::col((Countries::Table, Countries::Region)),
            StatAlias::Label,
        )
        .expr_as(total.clone(), StatAlias::N)
        .from(Series::Table)
        .inner_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((Series::Table, Series::OriginCountryId)),
        )
        .group_by_col((Countries::Table, Countries::Region))
        .order_by_expr(total, Order::Desc)
        .order_by((Countries::Table, Countries::Region), Order::Asc)
        .to_owned();
    let chart = single(
        "viewers-per-region",
        "Viewers by region of origin",
        ChartKind::Bar,
        "Region",
        "Total viewers",
    );
    counted(db, &select, chart).await
}
