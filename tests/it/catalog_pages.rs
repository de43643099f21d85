//! Every page of the catalog, in every sort and with each filter, equals the naive
//! `ORDER BY … LIMIT … OFFSET …` over the joined tables (whatever the list does to make deep
//! pages cheap), on both databases.

use indicatif::ProgressBar;
use sea_query::{Expr, Order, Query};
use streamvault::catalog::search::TitleIndex;
use streamvault::catalog::{self, CatalogFilter, CatalogSort};
use streamvault::db::page::Page;
use streamvault::db::schema::{Series, SeriesGenres, SeriesPages, SeriesReleases, SeriesStats};
use streamvault::db::Db;
use streamvault::seed::{self, ScaleOptions};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

const SIZE: u32 = 7;

/// The page's ids the plain way: one statement, every row joined, OFFSET.
async fn naive(db: &Db, filter: &CatalogFilter, number: u32) -> Vec<i64> {
    let mut query = Query::select();
    query
        .column((Series::Table, Series::Id))
        .from(Series::Table)
        .inner_join(
            SeriesStats::Table,
            Expr::col((SeriesStats::Table, SeriesStats::SeriesId))
                .equals((Series::Table, Series::Id)),
        );
    if let Some(genre) = filter.genre {
        query.and_where(
            Expr::col((Series::Table, Series::Id)).in_subquery(
                Query::select()
                    .column(SeriesGenres::SeriesId)
                    .from(SeriesGenres::Table)
                    .and_where(Expr::col(SeriesGenres::GenreId).eq(genre))
                    .to_owned(),
            ),
        );
    }
    if let Some(country) = filter.country {
        query.and_where(
            Expr::col((Series::Table, Series::Id)).in_subquery(
                Query::select()
                    .column(SeriesReleases::SeriesId)
                    .from(SeriesReleases::Table)
                    .and_where(Expr::col(SeriesReleases::CountryId).eq(country))
                    .to_owned(),
            ),
        );
    }
    if let Some(language) = filter.language {
        query.and_where(Expr::col((Series::Table, Series::LanguageId)).eq(language));
    }
    let (s, st) = (Series::Table, SeriesStats::Table);
    match filter.sort {
        CatalogSort::Title => {
            query
                .order_by((s, Series::Title), Order::Asc)
                .order_by((s, Series::Id), Order::Asc);
        }
        CatalogSort::Newest => {
            query
                .order_by((s, Series::ReleaseDate), Order::Desc)
                .order_by((s, Series::Id), Order::Desc);
        }
        CatalogSort::Rating => {
            query
                .order_by((st, SeriesStats::AvgRating), Order::Desc)
                .order_by((st, SeriesStats::Ratings), Order::Desc)
                .order_by((s, Series::Id), Order::Desc);
        }
        CatalogSort::Viewers => {
            query
                .order_by((st, SeriesStats::TotalViewers), Order::Desc)
                .order_by((s, Series::Id), Order::Desc);
        }
    }
    query
        .limit(u64::from(SIZE))
        .offset(u64::from((number - 1) * SIZE));
    let rows: Vec<(i64,)> = db.fetch_all(&query).await.expect("naive page");
    rows.into_iter().map(|(id,)| id).collect()
}

async fn deep_pages_equal_the_naive_offset(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = &test_db.db;
    let options = ScaleOptions {
        scale: 0.1,
        rng_seed: 5,
    };
    seed::load_scale(db, options, &ProgressBar::hidden())
        .await
        .expect("seed");
    // The scale seed fills the series pages' read model too.
    assert_eq!(
        db.count_rows(SeriesPages::Table).await.expect("count"),
        db.count_rows(Series::Table).await.expect("count")
    );
    let titles = TitleIndex::load(db).await.expect("titles");
    let series = db.count_rows(Series::Table).await.expect("count") as u32;
    let last = series.div_ceil(SIZE);
    let filters = [
        CatalogFilter::default(),
        CatalogFilter {
            genre: Some(2),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            country: Some(3),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            language: Some(1),
            ..CatalogFilter::default()
        },
    ];
    let mut compared = 0;
    for (sort, _, _) in CatalogSort::ALL {
        for base in &filters {
            let filter = CatalogFilter {
                sort,
                ..base.clone()
            };
            // Every page, twice (a second visit may start from what the first learned).
            for _ in 0..2 {
                for number in (1..=last + 1).rev().chain(1..=last + 1) {
                    let page = Page { number, size: SIZE };
                    let listed = catalog::list(db, &filter, page, Some(&titles))
                        .await
                        .expect("list");
                    let ids: Vec<i64> = listed.rows.iter().map(|r| r.id).collect();
                    let expected = naive(db, &filter, number).await;
                    assert_eq!(ids, expected, "{filter:?} page {number}");
                    let more = naive(db, &filter, number + 1).await;
                    assert_eq!(
                        listed.has_next,
                        !more.is_empty(),
                        "{filter:?} page {number}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100);
}
both_backends!(deep_pages_equal_the_naive_offset);
