//! Loading data into an empty (or, with `--force`, emptied) database: the demo data set
//! (`demo_data.rs`, loaded by `demo.rs`) and the synthetic catalog of
//! `seed --scale N` (`scale/`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_query::{InsertStatement, Query};

use crate::auth::password;
use crate::db::schema::{
    Accounts, AuditLog, Contracts, Countries, Episodes, Feedback, Genres, Languages,
    PasswordResetTokens, ProducerAlliances, Producers, ProductionHouses, Schedules, Series,
    SeriesDubbings, SeriesGenres, SeriesReleases, SeriesStats, SeriesSubtitles, Sessions,
};
use crate::db::{Db, Tx};
use crate::error::Result;

mod demo;
mod demo_data;
pub mod posters;
pub mod scale;

pub use scale::{ScaleOptions, ScaleSummary};

/// True when there is neither a series nor an account: the only state into which
/// `serve --demo` loads the demo data without being forced.
pub async fn catalog_is_empty(db: &Db) -> Result<bool> {
    let series = db.count_rows(Series::Table).await?;
    let accounts = db.count_rows(Accounts::Table).await?;
    Ok(series == 0 && accounts == 0)
}

/// How many rows of the headline entities [`load_demo`] inserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub series: usize,
    pub episodes: usize,
    pub accounts: usize,
    pub feedback: usize,
}

/// Loads the whole demo data set in one transaction: either all of it is there or none.
///
/// The passwords are hashed and every row is built first: bcrypt is slow, and a transaction
/// (which may be re-run after a deadlock or a busy database) should hold its locks only for
/// the inserts. A mistake in the data (an unknown name) fails here, before anything is written.
pub async fn load_demo(db: &Db, now: DateTime<Utc>) -> Result<DemoSummary> {
    let plan = demo_plan(now).await?;
    db.transaction("load the demo data", move |tx| {
        let plan = plan.clone();
        Box::pin(async move { demo::insert(tx, &plan).await })
    })
    .await
}

/// `seed --demo --force`: empties the catalog, the accounts (with their sessions and tokens)
/// and everything that refers to them, then loads the demo data, all in one transaction.
pub async fn replace_with_demo(db: &Db, now: DateTime<Utc>) -> Result<DemoSummary> {
    let plan = demo_plan(now).await?;
    db.transaction("replace with the demo data", move |tx| {
        let plan = plan.clone();
        Box::pin(async move {
            clear_all(tx).await?;
            demo::insert(tx, &plan).await
        })
    })
    .await
}

/// `seed --scale N`: generates the synthetic catalog into a database that holds no catalog
/// and no accounts. Written in batches of transactions: if it fails half-way, run it again
/// with `--force` ([`replace_with_scale`]).
pub async fn load_scale(
    db: &Db,
    options: ScaleOptions,
    progress: &indicatif::ProgressBar,
) -> Result<ScaleSummary> {
    scale::load(db, options, progress).await
}

/// `seed --scale N --force`: empties the catalog and the accounts (one transaction), then
/// generates the synthetic catalog.
pub async fn replace_with_scale(
    db: &Db,
    options: ScaleOptions,
    progress: &indicatif::ProgressBar,
) -> Result<ScaleSummary> {
    db.transaction("clear the catalog", |tx| Box::pin(clear_all(tx)))
        .await?;
    scale::load(db, options, progress).await
}

async fn demo_plan(now: DateTime<Utc>) -> Result<Arc<demo::DemoPlan>> {
    let hashes = futures::future::try_join_all(
        demo_data::ACCOUNTS
            .iter()
            .map(|account| password::hash(account.password)),
    )
    .await?;
    Ok(Arc::new(demo::plan(&hashes, now)?))
}

/// The tables both loaders fill, each with the columns both set (ids included: every row's id
/// is decided by the loader, so foreign keys can be written directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Countries,
    Languages,
    Genres,
    ProductionHouses,
    Producers,
    ProducerAlliances,
    Series,
    SeriesGenres,
    SeriesSubtitles,
    SeriesDubbings,
    SeriesReleases,
    Episodes,
    Schedules,
    Contracts,
    Accounts,
    Feedback,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Countries => "countries",
            Target::Languages => "languages",
            Target::Genres => "genres",
            Target::ProductionHouses => "production_houses",
            Target::Producers => "producers",
            Target::ProducerAlliances => "producer_alliances",
            Target::Series => "series",
            Target::SeriesGenres => "series_genres",
            Target::SeriesSubtitles => "series_subtitles",
            Target::SeriesDubbings => "series_dubbings",
            Target::SeriesReleases => "series_releases",
            Target::Episodes => "episodes",
            Target::Schedules => "schedules",
            Target::Contracts => "contracts",
            Target::Accounts => "accounts",
            Target::Feedback => "feedback",
        }
    }

    /// The INSERT statement without values, for `db::batch::insert_rows`.
    fn insert(self) -> InsertStatement {
        match self {
            Target::Countries => Query::insert()
                .into_table(Countries::Table)
                .columns([Countries::Id, Countries::Name, Countries::Region])
                .to_owned(),
            Target::Languages => Query::insert()
                .into_table(Languages::Table)
                .columns([Languages::Id, Languages::Name])
                .to_owned(),
            Target::Genres => Query::insert()
                .into_table(Genres::Table)
                .columns([Genres::Id, Genres::Name])
                .to_owned(),
            Target::ProductionHouses => Query::insert()
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
                .to_owned(),
            Target::Producers => Query::insert()
                .into_table(Producers::Table)
                .columns([
                    Producers::Id,
                    Producers::FirstName,
                    Producers::MiddleName,
                    Producers::LastName,
                    Producers::Street,
                    Producers::City,
                    Producers::State,
                    Producers::PostalCode,
                    Producers::Country,
                    Producers::Phone,
                    Producers::Email,
                ])
                .to_owned(),
            Target::ProducerAlliances => Query::insert()
                .into_table(ProducerAlliances::Table)
                .columns([
                    ProducerAlliances::Id,
                    ProducerAlliances::ProducerId,
                    ProducerAlliances::ProductionHouseId,
                    ProducerAlliances::StartedOn,
                    ProducerAlliances::EndedOn,
                ])
                .to_owned(),
            Target::Series => Query::insert()
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
                .to_owned(),
            Target::SeriesGenres => Query::insert()
                .into_table(SeriesGenres::Table)
                .columns([SeriesGenres::SeriesId, SeriesGenres::GenreId])
                .to_owned(),
            Target::SeriesSubtitles => Query::insert()
                .into_table(SeriesSubtitles::Table)
                .columns([SeriesSubtitles::SeriesId, SeriesSubtitles::LanguageId])
                .to_owned(),
            Target::SeriesDubbings => Query::insert()
                .into_table(SeriesDubbings::Table)
                .columns([SeriesDubbings::SeriesId, SeriesDubbings::LanguageId])
                .to_owned(),
            Target::SeriesReleases => Query::insert()
                .into_table(SeriesReleases::Table)
                .columns([
                    SeriesReleases::SeriesId,
                    SeriesReleases::CountryId,
                    SeriesReleases::ReleasedOn,
                ])
                .to_owned(),
            Target::Episodes => Query::insert()
                .into_table(Episodes::Table)
                .columns([
                    Episodes::Id,
                    Episodes::SeriesId,
                    Episodes::Number,
                    Episodes::Title,
                    Episodes::TotalViewers,
                    Episodes::TechInterrupt,
                ])
                .to_owned(),
            Target::Schedules => Query::insert()
                .into_table(Schedules::Table)
                .columns([
                    Schedules::Id,
                    Schedules::EpisodeId,
                    Schedules::StartsOn,
                    Schedules::EndsOn,
                ])
                .to_owned(),
            Target::Contracts => Query::insert()
                .into_table(Contracts::Table)
                .columns([
                    Contracts::Id,
                    Contracts::SeriesId,
                    Contracts::PerEpisodeChargeCents,
                    Contracts::StartsOn,
                    Contracts::EndsOn,
                ])
                .to_owned(),
            Target::Accounts => Query::insert()
                .into_table(Accounts::Table)
                .columns([
                    Accounts::Id,
                    Accounts::Username,
                    Accounts::Email,
                    Accounts::PasswordHash,
                    Accounts::Role,
                    Accounts::FirstName,
                    Accounts::LastName,
                    Accounts::CountryId,
                    Accounts::MonthlySubscriptionCents,
                    Accounts::CreatedAt,
                ])
                .to_owned(),
            Target::Feedback => Query::insert()
                .into_table(Feedback::Table)
                .columns([
                    Feedback::SeriesId,
                    Feedback::AccountId,
                    Feedback::Rating,
                    Feedback::Body,
                    Feedback::RecordedAt,
                ])
                .to_owned(),
        }
    }
}

/// Deletes the catalog, the accounts and everything that refers to them, children before
/// parents so foreign keys hold at every step.
async fn clear_all(tx: &mut Tx) -> Result<()> {
    let tables: [sea_query::DynIden; 20] = [
        sea_query::SeaRc::new(Feedback::Table),
        sea_query::SeaRc::new(SeriesStats::Table),
        sea_query::SeaRc::new(Schedules::Table),
        sea_query::SeaRc::new(Contracts::Table),
        sea_query::SeaRc::new(Episodes::Table),
        sea_query::SeaRc::new(SeriesGenres::Table),
        sea_query::SeaRc::new(SeriesSubtitles::Table),
        sea_query::SeaRc::new(SeriesDubbings::Table),
        sea_query::SeaRc::new(SeriesReleases::Table),
        sea_query::SeaRc::new(Series::Table),
        sea_query::SeaRc::new(ProducerAlliances::Table),
        sea_query::SeaRc::new(Producers::Table),
        sea_query::SeaRc::new(ProductionHouses::Table),
        sea_query::SeaRc::new(Sessions::Table),
        sea_query::SeaRc::new(PasswordResetTokens::Table),
        sea_query::SeaRc::new(AuditLog::Table),
        sea_query::SeaRc::new(Accounts::Table),
        sea_query::SeaRc::new(Genres::Table),
        sea_query::SeaRc::new(Languages::Table),
        sea_query::SeaRc::new(Countries::Table),
    ];
    for table in tables {
        tx.execute(&Query::delete().from_table(table).to_owned())
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_into_a_fresh_sqlite_database() {
        let path =
            std::env::temp_dir().join(format!("streamvault-seed-test-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        assert!(catalog_is_empty(&db).await.expect("count"));

        let summary = load_demo(&db, Utc::now()).await.expect("load");
        assert_eq!(summary.series, demo_data::SHOWS.len());
        assert_eq!(summary.accounts, 5);
        assert!(summary.episodes >= 3 * demo_data::SHOWS.len() && summary.feedback > 40);
        assert!(!catalog_is_empty(&db).await.expect("count"));
        assert_eq!(
            db.count_rows(Episodes::Table).await.expect("count"),
            summary.episodes as i64
        );
        assert_eq!(
            db.count_rows(Feedback::Table).await.expect("count"),
            summary.feedback as i64
        );
        assert_eq!(
            db.count_rows(SeriesStats::Table).await.expect("count"),
            summary.series as i64
        );

        // A second load collides with the first and leaves nothing half-written.
        assert!(load_demo(&db, Utc::now()).await.is_err());
        assert_eq!(
            db.count_rows(Series::Table).await.expect("count"),
            demo_data::SHOWS.len() as i64
        );

        // Replacing empties everything first, so the same data fits again.
        let replaced = replace_with_demo(&db, Utc::now()).await.expect("replace");
        assert_eq!(replaced, summary);
        assert_eq!(
            db.count_rows(Accounts::Table).await.expect("count"),
            summary.accounts as i64
        );

        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}
