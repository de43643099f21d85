//! The series page's read model (`series_pages`): after any write, and while writes race,
//! every figure and list the page shows equals what the base tables say.

use chrono::NaiveDate;
use sea_query::{Expr, Func, IntoTableRef, Order, Query};
use streamvault::catalog::{self, SeriesPage};
use streamvault::db::schema::{
    Accounts, Computed, Countries, Episodes, Feedback, Genres, Languages, Schedules, SeriesGenres,
    SeriesPages, SeriesReleases, SeriesSubtitles,
};
use streamvault::db::Db;

use crate::admin_support::{created_id, demo_app, htmx, staff, version};
use crate::both_backends;
use crate::helpers::{Backend, Client, TestApp};
use crate::series_page_reviews::kept_reviews;

/// What the page lists, computed here from the base tables with queries of the test's own.
#[derive(Debug, PartialEq)]
struct Expected {
    episodes: Vec<(i64, String, i64, bool)>,
    total_viewers: i64,
    genres: Vec<String>,
    subtitles: Vec<String>,
    releases: Vec<(String, NaiveDate)>,
    upcoming: Vec<(i64, NaiveDate, NaiveDate)>,
    ratings: i64,
    distribution: [i64; 5],
    /// The first page of reviews: (account id, username, stars, text), newest first.
    first_reviews: Vec<(i64, String, i64, String)>,
    has_more_reviews: bool,
}

fn signed(col: impl Into<sea_query::SimpleExpr>) -> sea_query::SimpleExpr {
    Func::cast_as(col.into(), Computed::Signed).into()
}

async fn expected(db: &Db, series: i64, today: NaiveDate) -> Expected {
    let episodes: Vec<(i64, String, i64, bool)> = db
        .fetch_all(
            &Query::select()
                .expr(signed(Expr::col(Episodes::Number)))
                .columns([
                    Episodes::Title,
                    Episodes::TotalViewers,
                    Episodes::TechInterrupt,
                ])
                .from(Episodes::Table)
                .and_where(Expr::col(Episodes::SeriesId).eq(series))
                .order_by(Episodes::Number, Order::Asc)
                .to_owned(),
        )
        .await
        .expect("episodes");
    let names = |table: sea_query::TableRef,
                 series_col: (sea_query::DynIden, sea_query::DynIden),
                 join: sea_query::SimpleExpr,
                 name_table: sea_query::TableRef,
                 name: sea_query::SimpleExpr| {
        Query::select()
            .expr(name)
            .from(table)
            .inner_join(name_table, join)
            .and_where(Expr::col(series_col).eq(series))
            .to_owned()
    };
    let mut genres: Vec<(String,)> = db
        .fetch_all(&names(
            SeriesGenres::Table.into_table_ref(),
            (
                sea_query::SeaRc::new(SeriesGenres::Table),
                sea_query::SeaRc::new(SeriesGenres::SeriesId),
            ),
            Expr::col((Genres::Table, Genres::Id))
                .equals((SeriesGenres::Table, SeriesGenres::GenreId)),
            Genres::Table.into_table_ref(),
            Expr::col((Genres::Table, Genres::Name)).into(),
        ))
        .await
        .expect("genres");
    genres.sort();
    let mut subtitles: Vec<(String,)> = db
        .fetch_all(&names(
            SeriesSubtitles::Table.into_table_ref(),
            (
                sea_query::SeaRc::new(SeriesSubtitles::Table),
                sea_query::SeaRc::new(SeriesSubtitles::SeriesId),
            ),
            Expr::col((Languages::Table, Languages::Id))
                .equals((SeriesSubtitles::Table, SeriesSubtitles::LanguageId)),
            Languages::Table.into_table_ref(),
            Expr::col((Languages::Table, Languages::Name)).into(),
        ))
        .await
        .expect("subtitles");
    subtitles.sort();
    let mut releases: Vec<(String, NaiveDate)> = db
        .fetch_all(
            &Query::select()
                .column((Countries::Table, Countries::Name))
                .column((SeriesReleases::Table, SeriesReleases::ReleasedOn))
                .from(SeriesReleases::Table)
                .inner_join(
                    Countries::Table,
                    Expr::col((Countries::Table, Countries::Id))
                        .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
                )
                .and_where(Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId)).eq(series))
                .to_owned(),
        )
        .await
        .expect("releases");
    releases.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let mut upcoming: Vec<(i64, NaiveDate, NaiveDate)> = db
        .fetch_all(
            &Query::select()
                .expr(signed(Expr::col((Episodes::Table, Episodes::Number))))
                .column((Schedules::Table, Schedules::StartsOn))
                .column((Schedules::Table, Schedules::EndsOn))
                .from(Schedules::Table)
                .inner_join(
                    Episodes::Table,
                    Expr::col((Episodes::Table, Episodes::Id))
                        .equals((Schedules::Table, Schedules::EpisodeId)),
                )
                .and_where(Expr::col((Episodes::Table, Episodes::SeriesId)).eq(series))
                .and_where(Expr::col((Schedules::Table, Schedules::EndsOn)).gte(today))
                .to_owned(),
        )
        .await
        .expect("schedules");
    upcoming.sort_by_key(|(number, starts, ends)| (*starts, *number, *ends));
    upcoming.truncate(12);
    let ratings: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .expr(signed(Expr::col(Feedback::Rating)))
                .from(Feedback::Table)
                .and_where(Expr::col(Feedback::SeriesId).eq(series))
                .to_owned(),
        )
        .await
        .expect("ratings");
    let mut distribution = [0; 5];
    for (stars,) in &ratings {
        distribution[(*stars - 1) as usize] += 1;
    }
    let mut first_reviews: Vec<(i64, String, i64, String)> = db
        .fetch_all(
            &Query::select()
                .column((Feedback::Table, Feedback::AccountId))
                .column((Accounts::Table, Accounts::Username))
                .expr(signed(Expr::col((Feedback::Table, Feedback::Rating))))
                .column((Feedback::Table, Feedback::Body))
                .from(Feedback::Table)
                .inner_join(
                    Accounts::Table,
                    Expr::col((Accounts::Table, Accounts::Id))
                        .equals((Feedback::Table, Feedback::AccountId)),
                )
                .and_where(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series))
                .order_by((Feedback::Table, Feedback::RecordedAt), Order::Desc)
                .order_by((Feedback::Table, Feedback::AccountId), Order::Desc)
                .limit(11)
                .to_owned(),
        )
        .await
        .expect("reviews");
    let has_more_reviews = first_reviews.len() > 10;
    first_reviews.truncate(10);
    Expected {
        total_viewers: episodes.iter().map(|e| e.2).sum(),
        episodes,
        genres: genres.into_iter().map(|(g,)| g).collect(),
        subtitles: subtitles.into_iter().map(|(s,)| s).collect(),
        releases,
        upcoming,
        ratings: ratings.len() as i64,
        distribution,
        first_reviews,
        has_more_reviews,
    }
}

/// The same figures as the page's data holds them.
fn shown(page: &SeriesPage) -> Expected {
    let mut genres = page.genres.clone();
    genres.sort();
    let mut upcoming: Vec<_> = page
        .schedules
        .iter()
        .map(|s| (s.episode_number, s.starts_on, s.ends_on))
        .collect();
    upcoming.sort_by_key(|(number, starts, ends)| (*starts, *number, *ends));
    Expected {
        episodes: page
            .episodes
            .iter()
            .map(|e| (e.number, e.title.clone(), e.total_viewers, e.tech_interrupt))
            .collect(),
        total_viewers: page.series.total_viewers,
        genres,
        subtitles: page.subtitles.clone(),
        releases: page
            .releases
            .iter()
            .map(|r| (r.country.clone(), r.released_on))
            .collect(),
        upcoming,
        ratings: page.series.ratings,
        distribution: page.series.distribution(),
        first_reviews: page
            .reviews
            .rows
            .iter()
            .map(|r| (r.account_id, r.username.clone(), r.rating, r.body.clone()))
            .collect(),
        has_more_reviews: page.reviews.has_next,
    }
}

pub(crate) async fn page(db: &Db, series: i64, today: NaiveDate) -> Option<SeriesPage> {
    catalog::series_page(db, series, today)
        .await
        .expect("series page")
}

pub(crate) async fn assert_exact(db: &Db, series: i64, today: NaiveDate) {
    let page = page(db, series, today).await.expect("series exists");
    assert_eq!(
        shown(&page),
        expected(db, series, today).await,
        "series {series}"
    );
}

/// A write's answer in a race: done, or refused for a lost race (stale version, retries
/// exhausted, a row another writer just removed); never a server error.
fn settled(status: u16, what: &str, body: &str) {
    assert!(
        matches!(status, 200 | 404 | 409 | 422 | 503),
        "{what}: {status} {body}"
    );
}

async fn put(app: &TestApp, admin: &Client, slug: &str, id: i64, fields: &[(&str, &str)]) -> u16 {
    let v = version(app, slug, id).await;
    let mut fields = fields.to_vec();
    fields.push(("version", &v));
    let answer = htmx(admin, "PUT", &format!("/admin/{slug}/{id}"), &fields).await;
    settled(answer.status, slug, &answer.body);
    answer.status
}

async fn episode_ids(db: &Db, series: i64) -> Vec<i64> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(Episodes::Id)
                .from(Episodes::Table)
                .and_where(Expr::col(Episodes::SeriesId).eq(series))
                .order_by(Episodes::Id, Order::Asc)
                .to_owned(),
        )
        .await
        .expect("episode ids");
    rows.into_iter().map(|(id,)| id).collect()
}

const ROUNDS: usize = 6;

/// Staff edits (episodes, schedules, links, renames of reference rows, episodes moving
/// between series), reviews and reads all at once; every read sees its figures and lists
/// from one moment, and afterwards the page equals the base tables.
async fn figures_stay_exact_under_racing_writes(backend: Backend) {
    let app = demo_app(backend).await;
    let db = app.db().clone();
    let today = chrono::Utc::now().date_naive();
    let (s, t) = (1_i64, 2_i64);
    let admins = [
        staff(&app, "erin").await,
        staff(&app, "frank").await,
        staff(&app, "gina").await,
    ];
    let alice = app.client();
    alice.sign_in("alice", "streamvault-demo").await;
    let bob = app.client();
    bob.sign_in("bob", "streamvault-demo").await;
    let s_episodes = episode_ids(&db, s).await;
    let first = *s_episodes.first().expect("series 1 has episodes");
    let genre: (i64,) = db
        .fetch_optional(
            &Query::select()
                .column(SeriesGenres::GenreId)
                .from(SeriesGenres::Table)
                .and_where(Expr::col(SeriesGenres::SeriesId).eq(s))
                .limit(1)
                .to_owned(),
        )
        .await
        .expect("genre")
        .expect("series 1 has a genre");
    let reads_done = std::sync::atomic::AtomicBool::new(false);

    let viewers = async {
        for round in 0..ROUNDS {
            let n = (1000 + round * 37).to_string();
            put(
                &app,
                &admins[0],
                "episodes",
                first,
                &[("total_viewers", &n)],
            )
            .await;
            let title = format!("Renamed take {round}");
            put(&app, &admins[0], "episodes", first, &[("title", &title)]).await;
        }
    };
    let episodes_coming_and_going = async {
        for round in 0..ROUNDS {
            let created = htmx(
                &admins[1],
                "POST",
                "/admin/episodes",
                &[
                    ("series_id", &s.to_string()),
                    ("number", &(700 + round).to_string()),
                    ("title", "Racing extra"),
                    ("total_viewers", "321"),
                ],
            )
            .await;
            if created.status != 200 {
                settled(created.status, "episode create", &created.body);
                continue;
            }
            let id = created_id(&created, "episodes");
            let schedule = htmx(
                &admins[1],
                "POST",
                "/admin/schedules",
                &[
                    ("episode_id", &id.to_string()),
                    ("starts_on", &(today + chrono::Days::new(3)).to_string()),
                    ("ends_on", &(today + chrono::Days::new(9)).to_string()),
                ],
            )
            .await;
            settled(schedule.status, "schedule create", &schedule.body);
            // Moved to the other series (with its schedule), then, every other round, gone.
            put(
                &app,
                &admins[1],
                "episodes",
                id,
                &[("series_id", &t.to_string())],
            )
            .await;
            if round % 2 == 0 {
                let v = version(&app, "episodes", id).await;
                let gone = htmx(
                    &admins[1],
                    "DELETE",
                    &format!("/admin/episodes/{id}"),
                    &[("version", &v)],
                )
                .await;
                settled(gone.status, "episode delete", &gone.body);
            }
        }
    };
    let reference_and_links = async {
        for round in 0..ROUNDS {
            let name = format!("Racing genre {round}");
            put(&app, &admins[2], "genres", genre.0, &[("name", &name)]).await;
            let path = format!("/admin/series/{s}/links/genres");
            let linked = htmx(&admins[2], "POST", &path, &[("target_id", "1")]).await;
            settled(linked.status, "link", &linked.body);
            let unlinked = htmx(
                &admins[2],
                "DELETE",
                &format!("/admin/series/{s}/links/genres/1"),
                &[],
            )
            .await;
            settled(unlinked.status, "unlink", &unlinked.body);
            let country = format!("Racing country {round}");
            put(&app, &admins[2], "countries", 1, &[("name", &country)]).await;
            let language = format!("Racing language {round}");
            put(&app, &admins[2], "languages", 1, &[("name", &language)]).await;
        }
    };
    let reviews = async {
        for round in 0..ROUNDS {
            // Bob keeps his stars and changes only his words every other round.
            for (client, stars) in [(&alice, 1 + round % 5), (&bob, 5 - round / 2 % 5)] {
                let posted = htmx(
                    client,
                    "POST",
                    &format!("/series/{s}/feedback"),
                    &[
                        ("rating", &stars.to_string()),
                        ("body", &format!("racing {round}")),
                    ],
                )
                .await;
                settled(posted.status, "review", &posted.body);
            }
            if round % 3 == 2 {
                let gone = htmx(&alice, "DELETE", &format!("/series/{s}/feedback"), &[]).await;
                settled(gone.status, "review delete", &gone.body);
            }
        }
    };
    let writers = async {
        tokio::join!(
            viewers,
            episodes_coming_and_going,
            reference_and_links,
            reviews
        );
        reads_done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    // Every read sees the figures and the lists of one moment: the series' total viewers
    // (series_stats) is the sum over the episodes its document lists.
    let readers = async {
        let mut reads = 0;
        while !reads_done.load(std::sync::atomic::Ordering::SeqCst) || reads < 10 {
            for series in [s, t] {
                let data = page(&db, series, today).await.expect("exists");
                let listed: i64 = data.episodes.iter().map(|e| e.total_viewers).sum();
                assert_eq!(
                    data.series.total_viewers, listed,
                    "series {series} mid-race"
                );
                // The kept reviews and the rating count come from the same row read.
                assert_eq!(
                    (data.reviews.rows.len() as i64, data.reviews.has_next),
                    (data.series.ratings.min(10), data.series.ratings > 10),
                    "series {series} reviews mid-race"
                );
                reads += 1;
            }
            tokio::task::yield_now().await;
        }
        reads
    };
    let ((), reads) = tokio::join!(writers, readers);
    assert!(reads >= 10);

    for series in [s, t] {
        assert_exact(&db, series, today).await;
    }
    // What the page renders follows too.
    let shown = app.client().get(&format!("/series/{s}")).await;
    let base = expected(&db, s, today).await;
    assert!(base
        .episodes
        .iter()
        .any(|e| e.1 == format!("Renamed take {}", ROUNDS - 1)));
    for (_, title, _, _) in &base.episodes {
        assert!(shown.body.contains(title.as_str()), "{title} shown");
    }
    for genre in &base.genres {
        assert!(
            shown.body.contains(&format!("<li>{genre}</li>")),
            "{genre} shown"
        );
    }
}
both_backends!(figures_stay_exact_under_racing_writes);

/// A new series gets its document with its first write; deleting the series removes it.
async fn created_and_deleted_series_keep_their_document(backend: Backend) {
    let app = demo_app(backend).await;
    let db = app.db().clone();
    let today = chrono::Utc::now().date_naive();
    let admin = staff(&app, "erin").await;
    let created = htmx(
        &admin,
        "POST",
        "/admin/series",
        &[
            ("title", "Fresh From The Oven"),
            ("planned_episodes", "3"),
            ("language_id", "1"),
            ("release_date", "2026-01-02"),
            ("origin_country_id", "1"),
            ("production_house_id", "1"),
        ],
    )
    .await;
    let id = created_id(&created, "series");
    assert_eq!(documents(&db, id).await, 1, "created with its document");
    assert_exact(&db, id, today).await;
    // Its first review builds the kept reviews (a new row starts without them).
    let alice = app.client();
    alice.sign_in("alice", "streamvault-demo").await;
    let reviewed = htmx(
        &alice,
        "POST",
        &format!("/series/{id}/feedback"),
        &[("rating", "5"), ("body", "fresh indeed")],
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.body);
    assert!(kept_reviews(&db, id)
        .await
        .is_some_and(|kept| kept.contains("fresh indeed")));
    assert_exact(&db, id, today).await;
    let episode = htmx(
        &admin,
        "POST",
        "/admin/episodes",
        &[
            ("series_id", &id.to_string()),
            ("number", "1"),
            ("title", "Pilot"),
            ("total_viewers", "77"),
        ],
    )
    .await;
    let episode = created_id(&episode, "episodes");
    let schedule = htmx(
        &admin,
        "POST",
        "/admin/schedules",
        &[
            ("episode_id", &episode.to_string()),
            ("starts_on", &today.to_string()),
            ("ends_on", &(today + chrono::Days::new(1)).to_string()),
        ],
    )
    .await;
    let schedule = created_id(&schedule, "schedules");
    let released = htmx(
        &admin,
        "POST",
        &format!("/admin/series/{id}/links/releases"),
        &[("target_id", "2"), ("released_on", "2026-02-03")],
    )
    .await;
    assert_eq!(released.status, 200);
    assert_exact(&db, id, today).await;
    assert_eq!(page(&db, id, today).await.expect("page").schedules.len(), 1);
    // The schedule ends in the past: the page no longer lists it.
    put(
        &app,
        &admin,
        "schedules",
        schedule,
        &[("starts_on", "2020-01-01"), ("ends_on", "2020-01-02")],
    )
    .await;
    assert_exact(&db, id, today).await;
    assert!(page(&db, id, today)
        .await
        .expect("page")
        .schedules
        .is_empty());

    let v = version(&app, "series", id).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/series/{id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert!(page(&db, id, today).await.is_none());
    assert_eq!(
        documents(&db, id).await,
        0,
        "the document goes with the series"
    );
    assert_eq!(app.client().get(&format!("/series/{id}")).await.status, 404);
}
both_backends!(created_and_deleted_series_keep_their_document);

async fn documents(db: &Db, series: i64) -> i64 {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(SeriesPages::SeriesId)
                .from(SeriesPages::Table)
                .and_where(Expr::col(SeriesPages::SeriesId).eq(series))
                .to_owned(),
        )
        .await
        .expect("documents");
    rows.len() as i64
}

/// Rows that existed before the read model (or lost their document) read the base tables,
/// and `migrate` fills their documents back, identical to the ones the writes built.
async fn migrate_fills_missing_documents(backend: Backend) {
    let app = demo_app(backend).await;
    let db = app.db().clone();
    let today = chrono::Utc::now().date_naive();
    let all_documents = || async {
        let rows: Vec<(i64, String, Option<String>)> = db
            .fetch_all(
                &Query::select()
                    .columns([
                        SeriesPages::SeriesId,
                        SeriesPages::Body,
                        SeriesPages::Reviews,
                    ])
                    .from(SeriesPages::Table)
                    .order_by(SeriesPages::SeriesId, Order::Asc)
                    .to_owned(),
            )
            .await
            .expect("documents");
        rows
    };
    let before = all_documents().await;
    assert!(before.len() >= 30, "the demo seed fills every series");
    assert!(
        before.iter().all(|(_, _, reviews)| reviews.is_some()),
        "the demo seed keeps every series' first reviews"
    );
    // Kept reviews not built yet (rows from before `…_series_page_reviews.sql`) are read
    // from `feedback`, and `migrate` builds them.
    db.write(
        "test: forget the kept reviews",
        Query::update()
            .table(SeriesPages::Table)
            .value(SeriesPages::Reviews, Option::<String>::None)
            .to_owned(),
    )
    .await
    .expect("update");
    assert_exact(&db, 3, today).await;
    db.migrate().await.expect("migrate");
    assert_eq!(all_documents().await, before);
    db.write(
        "test: drop the documents",
        Query::delete().from_table(SeriesPages::Table).to_owned(),
    )
    .await
    .expect("delete");
    // Without documents the page is still exact (read from the base tables).
    assert_exact(&db, 3, today).await;
    db.migrate().await.expect("migrate");
    assert_eq!(all_documents().await, before);
    assert_exact(&db, 3, today).await;
}
both_backends!(migrate_fills_missing_documents);
