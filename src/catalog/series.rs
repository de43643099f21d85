//! One series as its public page shows it: its details and figures, where it is available,
//! its languages, episodes and upcoming airings, and the first page of its reviews.
//! The lists come from the series' read model (`series_pages`).

use chrono::NaiveDate;
use sea_query::{Expr, Func, Query, SelectStatement, SimpleExpr};

use crate::db::page::Page;
use crate::db::schema::{
    Computed, Countries, Languages, ProductionHouses, Series, SeriesPages, SeriesStats,
};
use crate::db::{Db, Reader};
use crate::error::Result;
use crate::feedback;
use crate::series_pages::{self, PageDoc};
pub use crate::series_pages::{EpisodeRow, ReleaseRow, ScheduleRow};

#[derive(Debug, sqlx::FromRow)]
pub struct SeriesRow {
    pub id: i64,
    pub title: String,
    pub poster_url: Option<String>,
    pub poster_key: Option<String>,
    pub planned_episodes: i64,
    pub release_date: NaiveDate,
    pub production_house: String,
    pub language: String,
    pub origin_country: String,
    pub avg_rating: Option<f64>,
    pub ratings: i64,
    pub rating_1: i64,
    pub rating_2: i64,
    pub rating_3: i64,
    pub rating_4: i64,
    pub rating_5: i64,
    pub total_viewers: i64,
}

impl SeriesRow {
    /// How many ratings gave 1, 2, 3, 4 and 5 stars (from `series_stats`).
    pub fn distribution(&self) -> [i64; 5] {
        [
            self.rating_1,
            self.rating_2,
            self.rating_3,
            self.rating_4,
            self.rating_5,
        ]
    }
}

/// A `series_stats` counter as a signed 64-bit number on both backends.
fn stat(column: SeriesStats) -> SimpleExpr {
    Func::cast_as(Expr::col((SeriesStats::Table, column)), Computed::Signed).into()
}

/// Adds a series' production house, language and origin country names (as
/// `production_house`, `language` and `origin_country`) to a select from `series`.
pub fn with_series_names(select: &mut SelectStatement) -> &mut SelectStatement {
    select
        .expr_as(
            Expr::col((ProductionHouses::Table, ProductionHouses::Name)),
            Computed::ProductionHouse,
        )
        .expr_as(
            Expr::col((Languages::Table, Languages::Name)),
            Computed::Language,
        )
        .expr_as(
            Expr::col((Countries::Table, Countries::Name)),
            Computed::OriginCountry,
        )
        .inner_join(
            ProductionHouses::Table,
            Expr::col((ProductionHouses::Table, ProductionHouses::Id))
                .equals((Series::Table, Series::ProductionHouseId)),
        )
        .inner_join(
            Languages::Table,
            Expr::col((Languages::Table, Languages::Id))
                .equals((Series::Table, Series::LanguageId)),
        )
        .inner_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((Series::Table, Series::OriginCountryId)),
        )
}

/// The series' row, names and figures as one select (no page document).
fn series_select(id: i64) -> SelectStatement {
    let mut query = Query::select();
    query
        .column((Series::Table, Series::Id))
        .column((Series::Table, Series::Title))
        .column((Series::Table, Series::PosterUrl))
        .column((Series::Table, Series::PosterKey))
        .expr_as(
            Func::cast_as(
                Expr::col((Series::Table, Series::PlannedEpisodes)),
                Computed::Signed,
            ),
            Series::PlannedEpisodes,
        )
        .column((Series::Table, Series::ReleaseDate))
        .expr_as(
            Expr::col((SeriesStats::Table, SeriesStats::AvgRating)),
            Computed::AvgRating,
        )
        .expr_as(stat(SeriesStats::Ratings), Computed::Ratings)
        .expr_as(stat(SeriesStats::Rating1), SeriesStats::Rating1)
        .expr_as(stat(SeriesStats::Rating2), SeriesStats::Rating2)
        .expr_as(stat(SeriesStats::Rating3), SeriesStats::Rating3)
        .expr_as(stat(SeriesStats::Rating4), SeriesStats::Rating4)
        .expr_as(stat(SeriesStats::Rating5), SeriesStats::Rating5)
        .expr_as(stat(SeriesStats::TotalViewers), Computed::TotalViewers)
        .from(Series::Table)
        .inner_join(
            SeriesStats::Table,
            Expr::col((SeriesStats::Table, SeriesStats::SeriesId))
                .equals((Series::Table, Series::Id)),
        )
        .and_where(Expr::col((Series::Table, Series::Id)).eq(id));
    with_series_names(&mut query);
    query
}

pub async fn find_series(db: &mut Reader, id: i64) -> Result<Option<SeriesRow>> {
    db.fetch_optional(&series_select(id)).await
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    #[sqlx(flatten)]
    series: SeriesRow,
    /// The page document (`series_pages`), NULL until the series has one.
    body: Option<String>,
    /// Its newest reviews (`series_pages.reviews`), NULL until built.
    reviews: Option<String>,
}

/// Everything the series page shows to every visitor; what differs per visitor (their own
/// review, staff-only columns) is chosen when rendering, so this can be cached and shared.
#[derive(Debug)]
pub struct SeriesPage {
    pub series: SeriesRow,
    pub genres: Vec<String>,
    pub releases: Vec<ReleaseRow>,
    pub subtitles: Vec<String>,
    pub dubbings: Vec<String>,
    pub episodes: Vec<EpisodeRow>,
    /// Airing windows not ended by the day asked for, soonest first.
    pub schedules: Vec<ScheduleRow>,
    /// The first page of reviews (later pages are read when asked for).
    pub reviews: feedback::ReviewsPage,
}

/// The series page's data, or `None` for an unknown id: one indexed read (the series row,
/// its names, its `series_stats` figures, its `series_pages` document and first page of
/// reviews). `today` decides which airing windows are still to come.
pub async fn series_page(db: &Db, id: i64, today: NaiveDate) -> Result<Option<SeriesPage>> {
    // One connection for the reads (see `Reader`).
    let db = &mut db.reader().await?;
    let mut query = series_select(id);
    query
        .column((SeriesPages::Table, SeriesPages::Body))
        .column((SeriesPages::Table, SeriesPages::Reviews))
        .left_join(
            SeriesPages::Table,
            Expr::col((SeriesPages::Table, SeriesPages::SeriesId))
                .equals((Series::Table, Series::Id)),
        );
    let Some(head): Option<HeadRow> = db.fetch_optional(&query).await? else {
        return Ok(None);
    };
    let doc = match head.body {
        Some(body) => PageDoc::parse(&body)?,
        // No document yet (rows written around the model, or before `fill_missing`): the
        // same reads a refresh makes, without storing them.
        None => series_pages::build(db, &[id])
            .await?
            .pop()
            .map(|(_, doc)| doc)
            .unwrap_or_default(),
    };
    let first_reviews = Page {
        number: 1,
        size: feedback::REVIEWS_PER_PAGE,
    };
    let reviews = match head.reviews {
        Some(kept) => {
            feedback::ReviewsPage::from_rows(series_pages::parse_reviews(&kept)?, first_reviews)
        }
        None => feedback::for_series(db, id, first_reviews).await?,
    };
    Ok(Some(SeriesPage {
        series: head.series,
        schedules: series_pages::upcoming(&doc.schedules, today),
        genres: doc.genres,
        releases: doc.releases,
        subtitles: doc.subtitles,
        dubbings: doc.dubbings,
        episodes: doc.episodes,
        reviews,
    }))
}
