//! One series as its public page shows it: its details and figures, where it is available,
//! its languages, episodes and upcoming airings, and the first page of its reviews.

use chrono::NaiveDate;
use sea_query::{Expr, Func, Order, Query, SelectStatement, SimpleExpr, UnionType};

use super::genre_names;
use crate::db::page::Page;
use crate::db::schema::{
    Computed, Countries, Episodes, Languages, ProductionHouses, Schedules, Series, SeriesDubbings,
    SeriesPageAlias, SeriesReleases, SeriesStats, SeriesSubtitles,
};
use crate::db::{Db, Reader};
use crate::error::Result;
use crate::feedback;

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
    pub genre_names: Option<String>,
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

pub async fn find_series(db: &mut Reader, id: i64) -> Result<Option<SeriesRow>> {
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
        .expr_as(genre_names(), Computed::GenreNames)
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
    db.fetch_optional(&query).await
}

/// Everything the series page shows to every visitor; what differs per visitor (their own
/// review, staff-only columns) is chosen when rendering, so this can be cached and shared.
#[derive(Debug)]
pub struct SeriesPage {
    pub series: SeriesRow,
    pub releases: Vec<ReleaseRow>,
    pub subtitles: Vec<String>,
    pub dubbings: Vec<String>,
    pub episodes: Vec<EpisodeRow>,
    pub schedules: Vec<ScheduleRow>,
    /// The first page of reviews (later pages are read when asked for).
    pub reviews: feedback::ReviewsPage,
}

/// The series page's data, or `None` for an unknown id: six queries, none per row.
/// `today` decides which airing windows are still to come.
pub async fn series_page(db: &Db, id: i64, today: NaiveDate) -> Result<Option<SeriesPage>> {
    // One connection for the six reads (see `Reader`).
    let db = &mut db.reader().await?;
    let Some(series) = find_series(db, id).await? else {
        return Ok(None);
    };
    let (subtitles, dubbings) = language_links(db, id).await?;
    let first_reviews = Page {
        number: 1,
        size: feedback::REVIEWS_PER_PAGE,
    };
    Ok(Some(SeriesPage {
        series,
        releases: releases(db, id).await?,
        subtitles,
        dubbings,
        episodes: episodes(db, id).await?,
        schedules: upcoming_schedules(db, id, today).await?,
        reviews: feedback::for_series(db, id, first_reviews).await?,
    }))
}

#[derive(Debug, sqlx::FromRow)]
pub struct ReleaseRow {
    pub country: String,
    pub released_on: NaiveDate,
}

/// Where a series is available and since when, earliest first.
pub async fn releases(db: &mut Reader, series_id: i64) -> Result<Vec<ReleaseRow>> {
    let query = Query::select()
        .expr_as(
            Expr::col((Countries::Table, Countries::Name)),
            SeriesPageAlias::Country,
        )
        .column((SeriesReleases::Table, SeriesReleases::ReleasedOn))
        .from(SeriesReleases::Table)
        .inner_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
        )
        .and_where(Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId)).eq(series_id))
        .order_by(
            (SeriesReleases::Table, SeriesReleases::ReleasedOn),
            Order::Asc,
        )
        .order_by((Countries::Table, Countries::Name), Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

#[derive(Debug, sqlx::FromRow)]
struct LanguageLink {
    kind: String,
    name: String,
}

/// Subtitle and dubbing languages of a series, each list by name, in one query (UNION ALL).
pub async fn language_links(db: &mut Reader, series_id: i64) -> Result<(Vec<String>, Vec<String>)> {
    fn links(
        kind: &'static str,
        table: impl sea_query::IntoTableRef + Copy,
        series_col: impl sea_query::IntoColumnRef,
        language_col: impl sea_query::IntoColumnRef,
        series_id: i64,
    ) -> SelectStatement {
        Query::select()
            .expr_as(Expr::val(kind), SeriesPageAlias::Kind)
            .column((Languages::Table, Languages::Name))
            .from(table)
            .inner_join(
                Languages::Table,
                Expr::col((Languages::Table, Languages::Id)).equals(language_col),
            )
            .and_where(Expr::col(series_col).eq(series_id))
            .to_owned()
    }
    let query = links(
        "subtitle",
        SeriesSubtitles::Table,
        (SeriesSubtitles::Table, SeriesSubtitles::SeriesId),
        (SeriesSubtitles::Table, SeriesSubtitles::LanguageId),
        series_id,
    )
    .union(
        UnionType::All,
        links(
            "dubbing",
            SeriesDubbings::Table,
            (SeriesDubbings::Table, SeriesDubbings::SeriesId),
            (SeriesDubbings::Table, SeriesDubbings::LanguageId),
            series_id,
        ),
    )
    .to_owned();
    let rows: Vec<LanguageLink> = db.fetch_all(&query).await?;
    let (mut subtitles, mut dubbings) = (Vec::new(), Vec::new());
    for row in rows {
        match row.kind.as_str() {
            "subtitle" => subtitles.push(row.name),
            _ => dubbings.push(row.name),
        }
    }
    subtitles.sort();
    dubbings.sort();
    Ok((subtitles, dubbings))
}

#[derive(Debug, sqlx::FromRow)]
pub struct EpisodeRow {
    pub number: i64,
    pub title: String,
    pub total_viewers: i64,
    pub tech_interrupt: bool,
}

pub async fn episodes(db: &mut Reader, series_id: i64) -> Result<Vec<EpisodeRow>> {
    let query = Query::select()
        .expr_as(
            Func::cast_as(Expr::col(Episodes::Number), Computed::Signed),
            Episodes::Number,
        )
        .columns([
            Episodes::Title,
            Episodes::TotalViewers,
            Episodes::TechInterrupt,
        ])
        .from(Episodes::Table)
        .and_where(Expr::col(Episodes::SeriesId).eq(series_id))
        .order_by(Episodes::Number, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

#[derive(Debug, sqlx::FromRow)]
pub struct ScheduleRow {
    pub episode_number: i64,
    pub episode_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// How many airing windows the series page lists.
const UPCOMING_SCHEDULES: u64 = 12;

/// Airing windows of a series' episodes that have not ended by `today`, soonest first.
pub async fn upcoming_schedules(
    db: &mut Reader,
    series_id: i64,
    today: NaiveDate,
) -> Result<Vec<ScheduleRow>> {
    let query = Query::select()
        .expr_as(
            Func::cast_as(
                Expr::col((Episodes::Table, Episodes::Number)),
                Computed::Signed,
            ),
            SeriesPageAlias::EpisodeNumber,
        )
        .expr_as(
            Expr::col((Episodes::Table, Episodes::Title)),
            SeriesPageAlias::EpisodeTitle,
        )
        .column((Schedules::Table, Schedules::StartsOn))
        .column((Schedules::Table, Schedules::EndsOn))
        .from(Schedules::Table)
        .inner_join(
            Episodes::Table,
            Expr::col((Episodes::Table, Episodes::Id))
                .equals((Schedules::Table, Schedules::EpisodeId)),
        )
        .and_where(Expr::col((Episodes::Table, Episodes::SeriesId)).eq(series_id))
        .and_where(Expr::col((Schedules::Table, Schedules::EndsOn)).gte(today))
        .order_by((Schedules::Table, Schedules::StartsOn), Order::Asc)
        .order_by((Episodes::Table, Episodes::Number), Order::Asc)
        .limit(UPCOMING_SCHEDULES)
        .to_owned();
    db.fetch_all(&query).await
}
