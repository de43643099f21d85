//! The first page of reviews kept with the series page's read model (`series_pages.reviews`):
//! it follows every review write, and a page whose kept reviews are not built reads
//! `feedback` itself.

use sea_query::{Expr, Query};
use streamvault::db::schema::{Accounts, Series, SeriesPages};
use streamvault::db::Db;

use crate::admin_support::{demo_app, htmx, staff, version};
use crate::both_backends;
use crate::helpers::Backend;
use crate::series_pages::assert_exact;

async fn account(db: &Db, username: &str) -> i64 {
    let row: (i64,) = db
        .fetch_optional(
            &Query::select()
                .column(Accounts::Id)
                .from(Accounts::Table)
                .and_where(Expr::col(Accounts::Username).eq(username))
                .to_owned(),
        )
        .await
        .expect("account")
        .expect("demo account");
    row.0
}

/// The first page of reviews kept with the page follows every way a review changes: a new
/// one, new words under the same stars, the author's removal, staff moderation, an account
/// closing itself and staff deleting a customer; the page rendered shows what is kept.
async fn the_kept_reviews_follow_every_review_write(backend: Backend) {
    let app = demo_app(backend).await;
    let db = app.db().clone();
    let today = chrono::Utc::now().date_naive();
    let s = 2_i64;
    let admin = staff(&app, "erin").await;
    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        let client = app.client();
        client.sign_in(name, "streamvault-demo").await;
        let posted = htmx(
            &client,
            "POST",
            &format!("/series/{s}/feedback"),
            &[("rating", "4"), ("body", &format!("first words of {name}"))],
        )
        .await;
        assert_eq!(posted.status, 200, "{}", posted.body);
        assert_exact(&db, s, today).await;
        clients.push((name, client));
    }
    // Same stars, new words: the figures stay, the kept text changes.
    let (_, bob) = &clients[1];
    let edited = htmx(
        bob,
        "POST",
        &format!("/series/{s}/feedback"),
        &[("rating", "4"), ("body", "second thoughts of bob")],
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_exact(&db, s, today).await;
    let shown = app.client().get(&format!("/series/{s}")).await;
    assert!(shown.body.contains("second thoughts of bob"));
    assert!(!shown.body.contains("first words of bob"));

    // The author removes it.
    let removed = htmx(bob, "DELETE", &format!("/series/{s}/feedback"), &[]).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_exact(&db, s, today).await;

    // Staff moderate one.
    let carol = account(&db, "carol").await;
    let moderated = htmx(
        &admin,
        "POST",
        &format!("/admin/feedback/{s}/{carol}/delete"),
        &[],
    )
    .await;
    assert_eq!(moderated.status, 200, "{}", moderated.body);
    assert_exact(&db, s, today).await;

    // An account closes itself: its reviews go from every page that kept them.
    let (_, alice) = &clients[0];
    let closed = alice
        .post_form(
            "/account/delete",
            &[("current_password", "streamvault-demo")],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    assert_exact(&db, s, today).await;

    // Staff delete a customer.
    let dave = account(&db, "dave").await;
    let v = version(&app, "customers", dave).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/customers/{dave}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_exact(&db, s, today).await;
    let shown = app.client().get(&format!("/series/{s}")).await;
    for words in [
        "first words of alice",
        "first words of dave",
        "first words of carol",
    ] {
        assert!(!shown.body.contains(words), "{words} still shown");
    }
}
both_backends!(the_kept_reviews_follow_every_review_write);

pub(crate) async fn kept_reviews(db: &Db, series: i64) -> Option<String> {
    let row: Option<(Option<String>,)> = db
        .fetch_optional(
            &Query::select()
                .column(SeriesPages::Reviews)
                .from(SeriesPages::Table)
                .and_where(Expr::col(SeriesPages::SeriesId).eq(series))
                .to_owned(),
        )
        .await
        .expect("kept reviews");
    row.and_then(|(kept,)| kept)
}

/// On MariaDB a transaction's plain reads see its snapshot, taken at its first read: a
/// reviewer whose account is newer than that cannot be named, so the rebuild leaves the kept
/// reviews "not built" (NULL) rather than without that review, and the page reads `feedback`
/// itself, exact all the same. (SQLite's writer holds the database: nothing is newer.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_newer_than_the_snapshot_leaves_the_kept_reviews_unbuilt() {
    let app = demo_app(Backend::MySql).await;
    let db = app.db().clone();
    let today = chrono::Utc::now().date_naive();
    let s = 3_i64;
    let outside = db.clone();
    let reran = std::sync::atomic::AtomicBool::new(false);
    db.transaction("test: rebuild with an older snapshot", |tx| {
        let outside = outside.clone();
        let first_attempt = !reran.swap(true, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            // The snapshot: a plain read before anything else.
            let _: Option<(i64,)> = tx
                .fetch_optional(
                    &Query::select()
                        .column(Series::Id)
                        .from(Series::Table)
                        .and_where(Expr::col(Series::Id).eq(s))
                        .to_owned(),
                )
                .await?;
            if first_attempt {
                // Committed meanwhile by someone else: a new account and its review of `s`.
                let newcomer = crate::helpers::create_account_in(
                    &outside,
                    "newcomer",
                    streamvault::auth::Role::Customer,
                )
                .await;
                let review = streamvault::feedback::ReviewInput {
                    rating: 3,
                    body: "newer than the snapshot".into(),
                };
                streamvault::feedback::save(&outside, s, newcomer, &review, chrono::Utc::now())
                    .await?;
            }
            tx.series_reviews_stale(s);
            Ok(())
        })
    })
    .await
    .expect("rebuild");
    assert_eq!(kept_reviews(&db, s).await, None, "left unbuilt");
    assert_exact(&db, s, today).await;
    let shown = app.client().get(&format!("/series/{s}")).await;
    assert!(shown.body.contains("newer than the snapshot"));
    // The next review write builds them again.
    let carol = app.client();
    carol.sign_in("carol", "streamvault-demo").await;
    let posted = htmx(
        &carol,
        "POST",
        &format!("/series/{s}/feedback"),
        &[("rating", "4"), ("body", "built again")],
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert!(kept_reviews(&db, s)
        .await
        .is_some_and(|kept| kept.contains("newer than the snapshot")));
    assert_exact(&db, s, today).await;
}
