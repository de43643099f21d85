//! Rows for test fixtures, one builder per table: each knows its table's required columns and
//! sensible defaults, so a test names only what it is about and a new column is added here
//! once. Every insert goes through the caller's unit of work (`tx`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Query, SimpleExpr};
use streamvault::db::schema::{
    Countries, Episodes, Feedback, Genres, Languages, ProductionHouses, Series, SeriesGenres,
    SeriesReleases,
};
use streamvault::db::Tx;
use streamvault::error::Result;

/// The release date of fixture series and releases unless a test says otherwise.
pub fn default_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default()
}

pub async fn country(tx: &mut Tx, id: i64, name: &str, region: &str) -> Result<()> {
    let insert = Query::insert()
        .into_table(Countries::Table)
        .columns([Countries::Id, Countries::Name, Countries::Region])
        .values_panic([id.into(), name.into(), region.into()])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}

pub async fn language(tx: &mut Tx, id: i64, name: &str) -> Result<()> {
    let insert = Query::insert()
        .into_table(Languages::Table)
        .columns([Languages::Id, Languages::Name])
        .values_panic([id.into(), name.into()])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}

pub async fn genre(tx: &mut Tx, id: i64, name: &str) -> Result<()> {
    let insert = Query::insert()
        .into_table(Genres::Table)
        .columns([Genres::Id, Genres::Name])
        .values_panic([id.into(), name.into()])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}

/// A production house in Toronto, founded in 1990.
pub async fn production_house(tx: &mut Tx, id: i64, name: &str) -> Result<()> {
    let insert = Query::insert()
        .into_table(ProductionHouses::Table)
        .columns([
            ProductionHouses::Id,
            ProductionHouses::Name,
            ProductionHouses::Street,
            ProductionHouses::City,
            ProductionHouses::State,
            ProductionHouses::PostalCode,
            ProductionHouses::Country,
            ProductionHouses::YearEstablished,
        ])
        .values_panic([
            id.into(),
            name.into(),
            "1 Main St".into(),
            "Toronto".into(),
            "ON".into(),
            "M5V".into(),
            "Canada".into(),
            1990.into(),
        ])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}

/// The smallest catalog a series can belong to: country 1 (Canada), language 1 (English),
/// production house 1.
pub async fn catalog_basics(tx: &mut Tx) -> Result<()> {
    country(tx, 1, "Canada", "North America").await?;
    language(tx, 1, "English").await?;
    production_house(tx, 1, "Test House").await
}

/// A series row (and its `series_stats` row, as the app's own create makes). Defaults:
/// language 1, origin country 1, production house 1, released on [`default_date`], 10
/// planned episodes.
#[derive(Clone, Debug)]
pub struct SeriesRow {
    id: i64,
    title: String,
    planned_episodes: i64,
    production_house_id: i64,
    release_date: NaiveDate,
}

impl SeriesRow {
    pub fn new(id: i64, title: impl Into<String>) -> Self {
        SeriesRow {
            id,
            title: title.into(),
            planned_episodes: 10,
            production_house_id: 1,
            release_date: default_date(),
        }
    }

    pub fn planned_episodes(mut self, n: i64) -> Self {
        self.planned_episodes = n;
        self
    }

    pub fn production_house(mut self, id: i64) -> Self {
        self.production_house_id = id;
        self
    }

    pub async fn insert(&self, tx: &mut Tx) -> Result<()> {
        let insert = Query::insert()
            .into_table(Series::Table)
            .columns([
                Series::Id,
                Series::Title,
                Series::PlannedEpisodes,
                Series::LanguageId,
                Series::ReleaseDate,
                Series::OriginCountryId,
                Series::ProductionHouseId,
            ])
            .values_panic([
                self.id.into(),
                self.title.clone().into(),
                self.planned_episodes.into(),
                1.into(),
                self.release_date.into(),
                1.into(),
                self.production_house_id.into(),
            ])
            .to_owned();
        tx.execute(&insert).await?;
        streamvault::series_stats::create(tx, self.id).await
    }
}

/// An episode row. It does not move its series' figures: a test that reads them calls
/// `series_stats::episodes_changed` itself, as the app's writes do.
#[derive(Clone, Debug)]
pub struct EpisodeRow {
    series_id: i64,
    number: i64,
    title: String,
    total_viewers: i64,
    tech_interrupt: bool,
}

impl EpisodeRow {
    pub fn new(series_id: i64, number: i64) -> Self {
        EpisodeRow {
            series_id,
            number,
            title: ["Episode ", &number.to_string()].concat(),
            total_viewers: 0,
            tech_interrupt: false,
        }
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    pub fn viewers(mut self, viewers: i64) -> Self {
        self.total_viewers = viewers;
        self
    }

    pub fn interrupted(mut self, interrupted: bool) -> Self {
        self.tech_interrupt = interrupted;
        self
    }

    pub async fn insert(&self, tx: &mut Tx) -> Result<()> {
        let insert = Query::insert()
            .into_table(Episodes::Table)
            .columns([
                Episodes::SeriesId,
                Episodes::Number,
                Episodes::Title,
                Episodes::TotalViewers,
                Episodes::TechInterrupt,
            ])
            .values_panic([
                self.series_id.into(),
                self.number.into(),
                self.title.clone().into(),
                self.total_viewers.into(),
                self.tech_interrupt.into(),
            ])
            .to_owned();
        tx.execute(&insert).await.map(drop)
    }
}

/// A review row, written as it is stored (no figures moved: see [`EpisodeRow`]).
#[derive(Clone, Debug)]
pub struct FeedbackRow {
    series_id: i64,
    account_id: i64,
    rating: i64,
    body: String,
    recorded_at: DateTime<Utc>,
}

impl FeedbackRow {
    pub fn new(series_id: i64, account_id: i64, rating: i64) -> Self {
        FeedbackRow {
            series_id,
            account_id,
            rating,
            body: String::new(),
            recorded_at: Utc::now(),
        }
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    pub fn at(mut self, recorded_at: DateTime<Utc>) -> Self {
        self.recorded_at = recorded_at;
        self
    }

    pub async fn insert(&self, tx: &mut Tx) -> Result<()> {
        let insert = Query::insert()
            .into_table(Feedback::Table)
            .columns([
                Feedback::SeriesId,
                Feedback::AccountId,
                Feedback::Rating,
                Feedback::Body,
                Feedback::RecordedAt,
            ])
            .values_panic([
                self.series_id.into(),
                self.account_id.into(),
                self.rating.into(),
                self.body.clone().into(),
                SimpleExpr::from(self.recorded_at),
            ])
            .to_owned();
        tx.execute(&insert).await.map(drop)
    }
}

pub async fn series_genre(tx: &mut Tx, series_id: i64, genre_id: i64) -> Result<()> {
    let insert = Query::insert()
        .into_table(SeriesGenres::Table)
        .columns([SeriesGenres::SeriesId, SeriesGenres::GenreId])
        .values_panic([series_id.into(), genre_id.into()])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}

pub async fn series_release(
    tx: &mut Tx,
    series_id: i64,
    country_id: i64,
    released_on: NaiveDate,
) -> Result<()> {
    let insert = Query::insert()
        .into_table(SeriesReleases::Table)
        .columns([
            SeriesReleases::SeriesId,
            SeriesReleases::CountryId,
            SeriesReleases::ReleasedOn,
        ])
        .values_panic([series_id.into(), country_id.into(), released_on.into()])
        .to_owned();
    tx.execute(&insert).await.map(drop)
}
