//! `seed --scale` at a tiny scale: the command line's refusal and `--force`, determinism (the
//! same seed gives the same rows), exact per-series figures, and synthetic customers who can
//! sign in with the documented password.

use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};
use indicatif::ProgressBar;
use sea_query::{Alias, Expr, Func, Order, Query, SelectStatement};
use streamvault::db::schema::{
    Accounts, Computed, Episodes, Feedback, Series, SeriesReleases, SeriesStats,
};
use streamvault::db::Db;
use streamvault::seed::{self, ScaleOptions};

use crate::both_backends;
use crate::helpers::{spawn_on, Backend, Options, TestDb};

/// 10 series, about 200 episodes, 100 customers, 1,000 reviews.
const TINY: ScaleOptions = ScaleOptions {
    scale: 0.01,
    rng_seed: 11,
};

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct SeriesRow {
    id: i64,
    title: String,
    planned_episodes: i64,
    language_id: i64,
    release_date: NaiveDate,
    origin_country_id: i64,
    production_house_id: i64,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct EpisodeRow {
    id: i64,
    series_id: i64,
    number: i64,
    title: String,
    total_viewers: i64,
    tech_interrupt: bool,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct FeedbackRow {
    series_id: i64,
    account_id: i64,
    rating: i64,
    body: String,
    recorded_at: DateTime<Utc>,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    email: String,
    country_id: Option<i64>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct ReleaseRow {
    series_id: i64,
    country_id: i64,
    released_on: NaiveDate,
}

/// `column AS column`, cast so MariaDB's INT decodes as i64 like SQLite's INTEGER.
fn signed(query: &mut SelectStatement, column: impl sea_query::IntoIden + Copy + 'static) {
    query.expr_as(Func::cast_as(Expr::col(column), Computed::Signed), column);
}

/// Everything the determinism check compares, in primary-key order.
#[derive(Debug, PartialEq)]
struct Snapshot {
    series: Vec<SeriesRow>,
    episodes: Vec<EpisodeRow>,
    feedback: Vec<FeedbackRow>,
    accounts: Vec<AccountRow>,
    releases: Vec<ReleaseRow>,
}

async fn snapshot(db: &Db) -> Snapshot {
    let mut series = Query::select();
    series.columns([Series::Id, Series::Title]);
    signed(&mut series, Series::PlannedEpisodes);
    series
        .columns([
            Series::LanguageId,
            Series::ReleaseDate,
            Series::OriginCountryId,
            Series::ProductionHouseId,
        ])
        .from(Series::Table)
        .order_by(Series::Id, Order::Asc);
    let mut episodes = Query::select();
    episodes.columns([Episodes::Id, Episodes::SeriesId]);
    signed(&mut episodes, Episodes::Number);
    episodes
        .columns([
            Episodes::Title,
            Episodes::TotalViewers,
            Episodes::TechInterrupt,
        ])
        .from(Episodes::Table)
        .order_by(Episodes::Id, Order::Asc);
    let mut feedback = Query::select();
    feedback.columns([Feedback::SeriesId, Feedback::AccountId]);
    signed(&mut feedback, Feedback::Rating);
    feedback
        .columns([Feedback::Body, Feedback::RecordedAt])
        .from(Feedback::Table)
        .order_by(Feedback::SeriesId, Order::Asc)
        .order_by(Feedback::AccountId, Order::Asc);
    let accounts = Query::select()
        .columns([
            Accounts::Id,
            Accounts::Username,
            Accounts::Email,
            Accounts::CountryId,
            Accounts::CreatedAt,
        ])
        .from(Accounts::Table)
        .order_by(Accounts::Id, Order::Asc)
        .to_owned();
    let releases = Query::select()
        .columns([
            SeriesReleases::SeriesId,
            SeriesReleases::CountryId,
            SeriesReleases::ReleasedOn,
        ])
        .from(SeriesReleases::Table)
        .order_by(SeriesReleases::SeriesId, Order::Asc)
        .order_by(SeriesReleases::CountryId, Order::Asc)
        .to_owned();
    Snapshot {
        series: db.fetch_all(&series).await.expect("series"),
        episodes: db.fetch_all(&episodes).await.expect("episodes"),
        feedback: db.fetch_all(&feedback).await.expect("feedback"),
        accounts: db.fetch_all(&accounts).await.expect("accounts"),
        releases: db.fetch_all(&releases).await.expect("releases"),
    }
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Figures {
    series_id: i64,
    ratings: i64,
    rating_sum: i64,
    rating_1: i64,
    rating_2: i64,
    rating_3: i64,
    rating_4: i64,
    rating_5: i64,
    avg_rating: Option<f64>,
    total_viewers: i64,
    episodes: i64,
}

/// `series_stats` must equal what the base tables say, computed here in Rust.
async fn assert_stats_exact(db: &Db, snapshot: &Snapshot) {
    let mut stored = Query::select();
    stored.column(SeriesStats::SeriesId);
    for column in [
        SeriesStats::Ratings,
        SeriesStats::RatingSum,
        SeriesStats::Rating1,
        SeriesStats::Rating2,
        SeriesStats::Rating3,
        SeriesStats::Rating4,
        SeriesStats::Rating5,
    ] {
        signed(&mut stored, column);
    }
    stored
        .column(SeriesStats::AvgRating)
        .expr_as(
            Func::cast_as(Expr::col(SeriesStats::TotalViewers), Computed::Signed),
            SeriesStats::TotalViewers,
        )
        .expr_as(
            Func::cast_as(Expr::col(SeriesStats::Episodes), Computed::Signed),
            Alias::new("episodes"),
        )
        .from(SeriesStats::Table)
        .order_by(SeriesStats::SeriesId, Order::Asc);
    let stored: Vec<Figures> = db.fetch_all(&stored).await.expect("series_stats");
    assert_eq!(stored.len(), snapshot.series.len(), "one row per series");
    for figures in &stored {
        let id = figures.series_id;
        let reviews: Vec<i64> = snapshot
            .feedback
            .iter()
            .filter(|f| f.series_id == id)
            .map(|f| f.rating)
            .collect();
        let episodes: Vec<&EpisodeRow> = snapshot
            .episodes
            .iter()
            .filter(|e| e.series_id == id)
            .collect();
        let sum: i64 = reviews.iter().sum();
        let count = reviews.len() as i64;
        let stars = |n: i64| reviews.iter().filter(|&&r| r == n).count() as i64;
        let expected = Figures {
            series_id: id,
            ratings: count,
            rating_sum: sum,
            rating_1: stars(1),
            rating_2: stars(2),
            rating_3: stars(3),
            rating_4: stars(4),
            rating_5: stars(5),
            avg_rating: (count > 0).then(|| sum as f64 / count as f64),
            total_viewers: episodes.iter().map(|e| e.total_viewers).sum(),
            episodes: episodes.len() as i64,
        };
        assert_eq!(figures, &expected, "series {id}");
    }
}

fn run_cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_streamvault"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run streamvault")
}

async fn scale_seed_is_deterministic_exact_and_usable(backend: Backend) {
    let first = TestDb::new(backend).await;
    let second = TestDb::new(backend).await;
    let summary = seed::load_scale(&first.db, TINY, &ProgressBar::hidden())
        .await
        .expect("seed");
    assert_eq!(
        (
            summary.sizes.series,
            summary.sizes.customers,
            summary.sizes.reviews
        ),
        (10, 100, 1_000)
    );
    seed::load_scale(&second.db, TINY, &ProgressBar::hidden())
        .await
        .expect("seed again");

    let rows = snapshot(&first.db).await;
    assert_eq!(rows.series.len(), 10);
    assert_eq!(rows.feedback.len(), 1_000);
    assert_eq!(
        summary.rows,
        summary.tables.iter().map(|(_, n)| n).sum::<u64>()
    );
    assert_eq!(
        rows,
        snapshot(&second.db).await,
        "the same rng seed gives the same rows"
    );
    assert_stats_exact(&first.db, &rows).await;

    // A synthetic customer signs in with the documented password.
    let app = spawn_on(
        std::sync::Arc::new(first),
        backend,
        Options {
            workers: false,
            ..Options::default()
        },
    )
    .await;
    app.client().sign_in("viewer1", seed::scale::PASSWORD).await;
}
both_backends!(scale_seed_is_deterministic_exact_and_usable);

async fn seed_command_refuses_data_unless_forced(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let seeded = run_cli(
        &test_db.url,
        &["seed", "--scale", "0.01", "--rng-seed", "3"],
    );
    assert!(seeded.status.success(), "{seeded:?}");
    let before = snapshot(&test_db.db).await;

    let refused = run_cli(
        &test_db.url,
        &["seed", "--scale", "0.01", "--rng-seed", "4"],
    );
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("--force"), "{message}");
    assert_eq!(before, snapshot(&test_db.db).await, "nothing changed");

    let forced = run_cli(
        &test_db.url,
        &["seed", "--scale", "0.01", "--rng-seed", "4", "--force"],
    );
    assert!(forced.status.success(), "{forced:?}");
    let after = snapshot(&test_db.db).await;
    assert_ne!(before, after, "another seed, other rows");
    assert_eq!(after.series.len(), 10);
    assert_stats_exact(&test_db.db, &after).await;

    for bad in [
        &["seed", "--scale", "0"][..],
        &["seed", "--scale", "ten"],
        &["seed", "--rng-seed", "5", "--demo"],
    ] {
        let output = run_cli(&test_db.url, bad);
        assert!(!output.status.success(), "{bad:?} should fail");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "",
            "errors go to stderr"
        );
    }
}
both_backends!(seed_command_refuses_data_unless_forced);
