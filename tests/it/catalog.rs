//! The public catalog on the demo data set.

use sea_query::{Expr, Func, Query};
use streamvault::db::schema::{Computed, Episodes, Genres, Series, SeriesGenres};

use crate::both_backends;
use crate::helpers::{spawn_with, Backend, Options};

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

pub(crate) async fn demo_app(backend: Backend) -> crate::helpers::TestApp {
    spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await
}

async fn catalog_lists_series_with_paging(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    let first = client.get("/").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("catalog-results"));
    assert_eq!(
        first.body.matches("class=\"card\"").count(),
        24,
        "a full first page"
    );
    assert!(first.body.contains("rel=\"next\""));
    let second = client.get("/?page=2").await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("rel=\"prev\""));
    let total = first.body.matches("class=\"card\"").count()
        + second.body.matches("class=\"card\"").count();
    let series: Count = app
        .db()
        .fetch_optional(
            &Query::select()
                .expr_as(Func::count(Expr::col(Series::Id)), Computed::Count)
                .from(Series::Table)
                .to_owned(),
        )
        .await
        .expect("count")
        .expect("row");
    assert_eq!(total as i64, series.n, "two pages hold every demo series");

    // htmx asks for the fragment only.
    let fragment = client.get_htmx("/?page=2").await;
    assert_eq!(fragment.status, 200);
    let tidy = client
        .get_htmx("/?q=&genre=&country=&language=&sort=title&page=2")
        .await;
    assert_eq!(
        tidy.header("hx-push-url"),
        Some("/?page=2"),
        "empty and default filters leave the URL"
    );
    assert!(
        fragment.body.starts_with("<section id=\"catalog-results\""),
        "{}",
        &fragment.body[..80.min(fragment.body.len())]
    );
    assert!(fragment
        .header("vary")
        .is_some_and(|v| v.contains("HX-Request")));
}
both_backends!(catalog_lists_series_with_paging);

async fn bad_paging_and_filters_are_client_errors(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    for query in [
        "page=0",
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
        "page=1e3",
        "genre=x",
        "country=-4",
        "sort=title;DROP",
        "page=1&page=2",
    ] {
        let page = client.get(&format!("/?{query}")).await;
        assert_eq!(page.status, 400, "{query}");
    }
    let long_search = "a".repeat(101);
    assert_eq!(client.get(&format!("/?q={long_search}")).await.status, 400);
    // Past the last page: an empty page, not an error.
    assert_eq!(client.get("/?page=10000").await.status, 200);
}
both_backends!(bad_paging_and_filters_are_client_errors);

async fn filters_and_search_narrow_the_list(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    let all = client.get("/?sort=viewers").await;
    assert_eq!(all.status, 200);
    // A LIKE wildcard typed by a visitor matches itself only.
    let percent = client.get("/?q=%25%25%25").await;
    assert_eq!(percent.status, 200);
    assert!(percent.body.contains("Nothing matches"));
    for sort in ["title", "newest", "rating", "viewers"] {
        assert_eq!(
            client
                .get(&format!("/?sort={sort}&genre=1&country=1&language=1"))
                .await
                .status,
            200,
            "{sort}"
        );
    }
}
both_backends!(filters_and_search_narrow_the_list);

#[derive(sqlx::FromRow)]
struct Total {
    total: i64,
}

/// Total viewers is the sum over episodes, whatever the number of genres or reviews.
async fn series_page_shows_true_totals(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    let sum: Total = app
        .db()
        .fetch_optional(
            &Query::select()
                .expr_as(
                    Func::cast_as(
                        Func::sum(Expr::col(Episodes::TotalViewers)),
                        Computed::Signed,
                    ),
                    sea_query::Alias::new("total"),
                )
                .from(Episodes::Table)
                .and_where(Expr::col(Episodes::SeriesId).eq(1))
                .to_owned(),
        )
        .await
        .expect("sum")
        .expect("row");
    let page = client.get("/series/1").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&views::format::thousands(sum.total)),
        "page shows {}",
        sum.total
    );
    assert!(page.body.contains("Episodes"));

    assert_eq!(client.get("/series/999999").await.status, 404);
    assert_eq!(client.get("/series/abc").await.status, 404);
    assert_eq!(client.get("/series/-1").await.status, 404);
    assert_eq!(client.get("/no/such/page").await.status, 404);
}
both_backends!(series_page_shows_true_totals);

async fn health_and_assets(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    for (asset, kind) in [
        ("htmx.min.js", "javascript"),
        ("app.css", "css"),
        ("app.js", "javascript"),
        ("chart.umd.min.js", "javascript"),
    ] {
        let page = client.get(&format!("/assets/{asset}")).await;
        assert_eq!(page.status, 200, "{asset}");
        assert!(page
            .header("content-type")
            .is_some_and(|v| v.contains(kind)));
        assert!(page
            .header("cache-control")
            .is_some_and(|v| v.contains("immutable")));
    }
    let htmx = client.get("/assets/htmx.min.js").await;
    assert!(htmx.body.contains("2.0.11"), "htmx is the pinned 2.0 line");
    assert_eq!(client.get("/assets/../Cargo.toml").await.status, 404);
}
both_backends!(health_and_assets);

#[derive(sqlx::FromRow)]
struct GenreId {
    genre_id: i64,
}

/// A genre whose name holds a comma (or a backslash) is still one genre on the catalog's cards
/// and on the series page (the names travel as one comma-separated list).
async fn genre_names_keep_their_commas(backend: Backend) {
    let app = demo_app(backend).await;
    let tagged: GenreId = app
        .db()
        .fetch_optional(
            &Query::select()
                .column(SeriesGenres::GenreId)
                .from(SeriesGenres::Table)
                .and_where(Expr::col(SeriesGenres::SeriesId).eq(1))
                .limit(1)
                .to_owned(),
        )
        .await
        .expect("genre")
        .expect("series 1 has a genre");
    let name = "Action, Adventure \\ Co";
    // Written around the staff path, so the test declares the page it changed itself.
    let genre_id = tagged.genre_id;
    app.db()
        .transaction("test setup", |tx| {
            Box::pin(async move {
                tx.execute(
                    &Query::update()
                        .table(Genres::Table)
                        .value(Genres::Name, name)
                        .and_where(Expr::col(Genres::Id).eq(genre_id))
                        .to_owned(),
                )
                .await?;
                tx.series_page_stale(1);
                Ok(())
            })
        })
        .await
        .expect("rename");
    let client = app.client();
    let expected = "<li>Action, Adventure \\ Co</li>";
    let cards = client.get(&format!("/?genre={}", tagged.genre_id)).await;
    assert_eq!(cards.status, 200);
    assert!(
        cards.body.contains(expected),
        "the card lists {name:?} whole"
    );
    let page = client.get("/series/1").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(expected),
        "the series page lists {name:?} whole"
    );
    assert!(!page.body.contains("<li>Action</li>"));
}
both_backends!(genre_names_keep_their_commas);
