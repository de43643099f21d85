//! Reviews on the series page: written, edited and deleted inline by their author,
//! removed by staff with an audit entry, limits enforced, figures exact, user text inert.

use sea_query::{Expr, Func, Query};
use streamvault::auth::Role;
use streamvault::db::schema::{AuditLog, Computed, Feedback, Series, SeriesStats};
use streamvault::db::Db;
use streamvault::feedback::ReviewInput;

use crate::both_backends;
use crate::fixtures::{self, EpisodeRow, SeriesRow};
use crate::helpers::{create_account, customer, employee, spawn_app, Backend, Client, TestApp};

/// A minimal catalog: one country, language and production house, and a series per title
/// (ids 1, 2, …), each with its `series_stats` row and two episodes (the second interrupted).
pub async fn catalog(app: &TestApp, titles: &[&str]) {
    let titles: Vec<String> = titles.iter().map(|t| (*t).to_owned()).collect();
    app.db()
        .transaction("test setup", move |tx| {
            let titles = titles.clone();
            Box::pin(async move {
                fixtures::catalog_basics(tx).await?;
                for (i, title) in titles.iter().enumerate() {
                    let id = i as i64 + 1;
                    SeriesRow::new(id, title.as_str())
                        .planned_episodes(2)
                        .insert(tx)
                        .await?;
                    for number in 1..=2i64 {
                        EpisodeRow::new(id, number)
                            .viewers(1000 * number)
                            .interrupted(number == 2)
                            .insert(tx)
                            .await?;
                    }
                    streamvault::series_stats::episodes_changed(tx, id, 3000, 2).await?;
                }
                Ok(())
            })
        })
        .await
        .expect("test catalog");
}

/// Writes a review straight through the domain (no HTTP), `minutes_ago` in the past.
pub async fn seed_review(
    app: &TestApp,
    series_id: i64,
    account_id: i64,
    rating: i64,
    body: &str,
    minutes_ago: i64,
) {
    let review = ReviewInput {
        rating,
        body: body.to_owned(),
    };
    let at = app.clock.now() - chrono::Duration::minutes(minutes_ago);
    streamvault::feedback::save(app.db(), series_id, account_id, &review, at)
        .await
        .expect("seed review");
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Figures {
    pub ratings: i64,
    pub rating_sum: i64,
    pub rating_1: i64,
    pub rating_2: i64,
    pub rating_3: i64,
    pub rating_4: i64,
    pub rating_5: i64,
}

#[derive(sqlx::FromRow)]
struct Average {
    avg_rating: Option<f64>,
}

fn signed(expr: impl Into<sea_query::SimpleExpr>) -> sea_query::SimpleExpr {
    Func::cast_as(expr.into(), Computed::Signed).into()
}

/// What `series_stats` holds for a series.
pub async fn stored_figures(db: &Db, series_id: i64) -> (Figures, Option<f64>) {
    let figures: Figures = db
        .fetch_optional(
            &Query::select()
                .expr_as(
                    signed(Expr::col(SeriesStats::Ratings)),
                    SeriesStats::Ratings,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::RatingSum)),
                    SeriesStats::RatingSum,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::Rating1)),
                    SeriesStats::Rating1,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::Rating2)),
                    SeriesStats::Rating2,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::Rating3)),
                    SeriesStats::Rating3,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::Rating4)),
                    SeriesStats::Rating4,
                )
                .expr_as(
                    signed(Expr::col(SeriesStats::Rating5)),
                    SeriesStats::Rating5,
                )
                .from(SeriesStats::Table)
                .and_where(Expr::col(SeriesStats::SeriesId).eq(series_id))
                .to_owned(),
        )
        .await
        .expect("stats")
        .expect("stats row");
    let average: Average = db
        .fetch_optional(
            &Query::select()
                .column(SeriesStats::AvgRating)
                .from(SeriesStats::Table)
                .and_where(Expr::col(SeriesStats::SeriesId).eq(series_id))
                .to_owned(),
        )
        .await
        .expect("avg")
        .expect("stats row");
    (figures, average.avg_rating)
}

/// The same figures aggregated afresh over `feedback`.
pub async fn fresh_figures(db: &Db, series_id: i64) -> Figures {
    let stars = |n: i64| -> sea_query::SimpleExpr {
        signed(Func::coalesce([
            Func::sum(Expr::case(Expr::col(Feedback::Rating).eq(n), 1).finally(0)).into(),
            Expr::val(0).into(),
        ]))
    };
    db.fetch_optional(
        &Query::select()
            .expr_as(
                signed(Func::count(Expr::col(Feedback::Rating))),
                SeriesStats::Ratings,
            )
            .expr_as(
                signed(Func::coalesce([
                    Func::sum(Expr::col(Feedback::Rating)).into(),
                    Expr::val(0).into(),
                ])),
                SeriesStats::RatingSum,
            )
            .expr_as(stars(1), SeriesStats::Rating1)
            .expr_as(stars(2), SeriesStats::Rating2)
            .expr_as(stars(3), SeriesStats::Rating3)
            .expr_as(stars(4), SeriesStats::Rating4)
            .expr_as(stars(5), SeriesStats::Rating5)
            .from(Feedback::Table)
            .and_where(Expr::col(Feedback::SeriesId).eq(series_id))
            .to_owned(),
    )
    .await
    .expect("aggregate")
    .expect("row")
}

/// `series_stats` equals a fresh aggregate, and the stored average is sum / count.
pub async fn assert_figures_exact(db: &Db, series_id: i64) -> Figures {
    let (stored, average) = stored_figures(db, series_id).await;
    assert_eq!(
        stored,
        fresh_figures(db, series_id).await,
        "series {series_id}"
    );
    match stored.ratings {
        0 => assert_eq!(average, None),
        n => {
            let expected = stored.rating_sum as f64 / n as f64;
            let got = average.expect("an average");
            assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
        }
    }
    stored
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

async fn review_count(db: &Db, series_id: i64) -> i64 {
    db.fetch_optional::<Count>(
        &Query::select()
            .expr_as(Func::count(Expr::col(Feedback::AccountId)), Computed::Count)
            .from(Feedback::Table)
            .and_where(Expr::col(Feedback::SeriesId).eq(series_id))
            .to_owned(),
    )
    .await
    .expect("count")
    .map_or(0, |c| c.n)
}

/// A request as htmx sends it: `HX-Request`, the session's token in the header, and (for a
/// POST) the form fields.
pub async fn htmx(
    client: &Client,
    method: reqwest::Method,
    path: &str,
    fields: &[(&str, &str)],
) -> crate::helpers::Page {
    let token = client.csrf().await;
    let mut request = client
        .http
        .request(method.clone(), format!("{}{path}", client.base))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token);
    if method == reqwest::Method::POST {
        request = request.form(fields);
    }
    client.send(request).await
}

async fn post_review_htmx(
    client: &Client,
    series_id: i64,
    rating: &str,
    body: &str,
) -> crate::helpers::Page {
    let path = format!("/series/{series_id}/feedback");
    htmx(
        client,
        reqwest::Method::POST,
        &path,
        &[("rating", rating), ("body", body)],
    )
    .await
}

async fn delete_htmx(client: &Client, path: &str) -> crate::helpers::Page {
    htmx(client, reqwest::Method::DELETE, path, &[]).await
}

/// The count shown for `stars` in the page's distribution.
fn shown_count(body: &str, stars: u8) -> i64 {
    let marker = format!("data-stars=\"{stars}\" data-count=\"");
    let start = body.find(&marker).expect("distribution row") + marker.len();
    let end = body[start..].find('"').expect("closing quote") + start;
    body[start..end].parse().expect("a number")
}

fn shown_ratings(body: &str) -> i64 {
    let marker = "data-ratings=\"";
    let start = body.find(marker).expect("summary") + marker.len();
    let end = body[start..].find('"').expect("closing quote") + start;
    body[start..end].parse().expect("a number")
}

async fn reviews_are_written_edited_and_deleted_inline(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    let alice = customer(&app, "alice").await;

    // Create (htmx): the section comes back with the new figures, and the facts' badge out of band.
    let created = post_review_htmx(&alice, 1, "4", "Lovely\r\nshow").await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created
        .body
        .starts_with("<section class=\"feedback\" id=\"feedback\""));
    assert!(created.body.contains("Review saved."));
    assert!(created
        .body
        .contains("id=\"series-rating\" hx-swap-oob=\"true\""));
    assert_eq!(shown_ratings(&created.body), 1);
    assert_eq!(shown_count(&created.body, 4), 1);
    assert!(created.body.contains("Update review"), "the form now edits");
    assert!(
        created.body.contains("Lovely\nshow"),
        "line breaks stored as \\n"
    );

    // Edit: still one review, new figures.
    let edited = post_review_htmx(&alice, 1, "2", "On second thought").await;
    assert_eq!(edited.status, 200);
    assert_eq!(
        review_count(app.db(), 1).await,
        1,
        "one review per customer"
    );
    assert_eq!(shown_count(&edited.body, 4), 0);
    assert_eq!(shown_count(&edited.body, 2), 1);
    assert!(edited.body.contains("On second thought"));
    let figures = assert_figures_exact(app.db(), 1).await;
    assert_eq!((figures.ratings, figures.rating_sum), (1, 2));

    // A plain form post (no JavaScript) is redirected back to the series page.
    let plain = alice
        .post_form("/series/1/feedback", &[("rating", "5"), ("body", "")])
        .await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some("/series/1#feedback"));
    let page = alice.get("/series/1").await;
    assert!(
        page.body.contains("Review saved."),
        "flash after the redirect"
    );
    assert!(
        page.body.contains("value=\"5\" checked"),
        "the form shows the saved rating"
    );
    assert_eq!(shown_count(&page.body, 5), 1);

    // Delete (htmx DELETE with the header token; nothing in the URL).
    let deleted = delete_htmx(&alice, "/series/1/feedback").await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(deleted.body.contains("Review deleted."));
    assert_eq!(shown_ratings(&deleted.body), 0);
    assert_eq!(review_count(app.db(), 1).await, 0);
    assert_eq!(delete_htmx(&alice, "/series/1/feedback").await.status, 404);

    // The no-JavaScript fallback of delete.
    seed_review(&app, 1, 1, 3, "", 0).await;
    let fallback = alice.post_form("/series/1/feedback/delete", &[]).await;
    assert_eq!(fallback.status, 303);
    assert_eq!(review_count(app.db(), 1).await, 0);
    assert_figures_exact(app.db(), 1).await;

    // Unknown series: 404 for valid and invalid input alike.
    assert_eq!(post_review_htmx(&alice, 99, "4", "x").await.status, 404);
    assert_eq!(post_review_htmx(&alice, 99, "9", "x").await.status, 404);
    assert_eq!(
        alice
            .post_form("/series/abc/feedback", &[("rating", "4")])
            .await
            .status,
        404
    );
    assert_eq!(delete_htmx(&alice, "/series/99/feedback").await.status, 404);
}
both_backends!(reviews_are_written_edited_and_deleted_inline);

async fn review_limits_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    let alice = customer(&app, "alice").await;

    for bad in ["0", "6", "x", "", "-1", "4.5", "99999999999999999999"] {
        let page = post_review_htmx(&alice, 1, bad, "kept text").await;
        assert_eq!(page.status, 422, "rating {bad:?}");
        assert!(page.body.contains("Choose from 1 to 5 stars."), "{bad:?}");
        assert!(page.body.contains("kept text"), "what was typed stays");
        assert!(!page.body.contains("<html"), "a fragment for htmx");
    }
    assert_eq!(review_count(app.db(), 1).await, 0, "nothing written");

    // Without JavaScript: the whole page, 422, with the typed text and the message.
    let page = alice
        .post_form(
            "/series/1/feedback",
            &[("rating", "7"), ("body", "still here")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<html") && page.body.contains("still here"));

    // 400 characters, each two to four bytes, are accepted; 401 are not.
    let emoji = "😀".repeat(400);
    assert_eq!(post_review_htmx(&alice, 1, "5", &emoji).await.status, 200);
    let exactly = "é語".repeat(200);
    assert_eq!(exactly.chars().count(), 400);
    let accepted = post_review_htmx(&alice, 1, "5", &exactly).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let too_long = [exactly.as_str(), "x"].concat();
    let refused = post_review_htmx(&alice, 1, "5", &too_long).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("at most 400 characters"));
    assert!(
        refused.body.contains("401 / 400 characters"),
        "the counter shows the overflow"
    );
    #[derive(sqlx::FromRow)]
    struct Body {
        body: String,
    }
    let stored: Body = app
        .db()
        .fetch_optional(
            &Query::select()
                .column(Feedback::Body)
                .from(Feedback::Table)
                .to_owned(),
        )
        .await
        .expect("body")
        .expect("row");
    assert_eq!(
        stored.body, exactly,
        "the accepted text is intact, the refused one changed nothing"
    );

    // Missing or duplicated fields are client errors too.
    assert_eq!(alice.post_form("/series/1/feedback", &[]).await.status, 422);
    let token = alice.csrf().await;
    let dup = alice
        .send(
            alice
                .http
                .post(app.url("/series/1/feedback"))
                .header("X-CSRF-Token", token)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("rating=1&rating=5"),
        )
        .await;
    assert!((400..500).contains(&dup.status), "{}", dup.status);
    assert_figures_exact(app.db(), 1).await;
}
both_backends!(review_limits_are_enforced);

async fn reviews_belong_to_their_author(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    let alice = customer(&app, "alice").await;
    let bob = customer(&app, "bob").await;
    let staff = employee(&app, "erin").await;
    let anonymous = app.client();

    assert_eq!(
        post_review_htmx(&alice, 1, "5", "alice's").await.status,
        200
    );
    assert_eq!(
        post_review_htmx(&alice, 1, "4", "alice's again")
            .await
            .status,
        200
    );
    assert_eq!(post_review_htmx(&bob, 1, "1", "bob's").await.status, 200);
    assert_eq!(
        review_count(app.db(), 1).await,
        2,
        "one review per customer and series"
    );

    // Bob deletes only his own; there is no way to name alice's review on the customer route.
    assert_eq!(delete_htmx(&bob, "/series/1/feedback").await.status, 200);
    let page = anonymous.get("/series/1").await;
    assert!(page.body.contains("alice&#39;s again") || page.body.contains("alice's again"));
    assert!(!page.body.contains("bob's"));
    assert_eq!(delete_htmx(&bob, "/series/1/feedback").await.status, 404);
    // The staff route refuses customers; the customer routes refuse staff and strangers.
    assert_eq!(delete_htmx(&bob, "/admin/feedback/1/1").await.status, 403);
    assert_eq!(post_review_htmx(&staff, 1, "5", "staff").await.status, 403);
    assert_eq!(delete_htmx(&staff, "/series/1/feedback").await.status, 403);
    assert_eq!(
        post_review_htmx(&anonymous, 1, "5", "anon").await.status,
        401
    );
    let plain = anonymous
        .post_form("/series/1/feedback", &[("rating", "5")])
        .await;
    assert_eq!(plain.status, 303);
    assert!(plain.location().is_some_and(|l| l.starts_with("/login")));
    assert_eq!(review_count(app.db(), 1).await, 1);

    // Anonymous visitors get a sign-in link that comes back to the series.
    assert!(
        page.body.contains("href=\"/login?next=%2Fseries%2F1\""),
        "sign in to review"
    );
    assert!(!page.body.contains("review-form"));
    assert_figures_exact(app.db(), 1).await;
}
both_backends!(reviews_belong_to_their_author);

async fn staff_remove_reviews_with_an_audit_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    let alice_id = create_account(&app, "alice", Role::Customer).await;
    let bob_id = create_account(&app, "bob", Role::Customer).await;
    seed_review(&app, 1, alice_id, 2, "meh", 5).await;
    seed_review(&app, 1, bob_id, 5, "great", 1).await;
    let staff = employee(&app, "erin").await;
    let anonymous = app.client();

    // The shared page cache is filled by an anonymous visitor first: staff still get their
    // columns and buttons, and visitors never see them.
    let before = anonymous.get("/series/1").await;
    assert!(
        !before.body.contains("Technical interruption") && !before.body.contains("interrupted")
    );
    assert!(!before.body.contains("Remove review"));
    let staff_page = staff.get("/series/1").await;
    assert!(staff_page.body.contains("Technical interruption"));
    assert!(staff_page.body.contains("interrupted"));
    assert!(staff_page
        .body
        .contains(&format!("hx-delete=\"/admin/feedback/1/{alice_id}\"")));
    assert!(
        !staff_page.body.contains("review-form"),
        "staff do not write reviews"
    );
    let after = anonymous.get("/series/1").await;
    assert!(!after.body.contains("Remove review") && !after.body.contains("interrupted"));

    let removed = delete_htmx(&staff, &format!("/admin/feedback/1/{alice_id}")).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body.contains("The review was removed."));
    assert!(!removed.body.contains("meh"));
    assert_eq!(shown_ratings(&removed.body), 1);
    assert_eq!(review_count(app.db(), 1).await, 1);
    let figures = assert_figures_exact(app.db(), 1).await;
    assert_eq!((figures.ratings, figures.rating_5), (1, 1));

    #[derive(sqlx::FromRow)]
    struct Entry {
        action: String,
        entity: String,
        entity_id: String,
        detail: String,
    }
    let entries: Vec<Entry> = app
        .db()
        .fetch_all(
            &Query::select()
                .columns([
                    AuditLog::Action,
                    AuditLog::Entity,
                    AuditLog::EntityId,
                    AuditLog::Detail,
                ])
                .from(AuditLog::Table)
                .to_owned(),
        )
        .await
        .expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].action.as_str(), entries[0].entity.as_str()),
        ("delete", "feedback")
    );
    assert_eq!(entries[0].entity_id, format!("1/{alice_id}"));
    assert!(entries[0].detail.contains("meh"), "{}", entries[0].detail);

    // Again: nothing there. Unknown ids: 404. The form fallback redirects.
    assert_eq!(
        delete_htmx(&staff, &format!("/admin/feedback/1/{alice_id}"))
            .await
            .status,
        404
    );
    assert_eq!(delete_htmx(&staff, "/admin/feedback/x/1").await.status, 404);
    let fallback = staff
        .post_form(&format!("/admin/feedback/1/{bob_id}/delete"), &[])
        .await;
    assert_eq!(fallback.status, 303);
    assert_eq!(fallback.location(), Some("/series/1#feedback"));
    assert_eq!(review_count(app.db(), 1).await, 0);
    assert_figures_exact(app.db(), 1).await;
}
both_backends!(staff_remove_reviews_with_an_audit_entry);

async fn summary_and_distribution_are_exact(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights", "Second Series"]).await;
    let ratings = [5, 4, 4, 3, 1, 5, 2];
    let mut ids = Vec::new();
    for (i, rating) in ratings.iter().enumerate() {
        let id = create_account(&app, &format!("viewer{i}"), Role::Customer).await;
        seed_review(&app, 1, id, *rating, "", i as i64).await;
        ids.push(id);
    }
    let client = app.client();
    // Fill the catalog cache first: the card must follow the writes below.
    let catalog_before = client.get("/").await;
    assert!(
        catalog_before.body.contains("3.4"),
        "7 ratings summing to 24: 3.43"
    );

    // By hand: 7 ratings, sum 24, average 3.43 (shown 3.4); 1★ 1, 2★ 1, 3★ 1, 4★ 2, 5★ 2.
    let page = client.get("/series/1").await;
    assert_eq!(shown_ratings(&page.body), 7);
    for (stars, expected) in [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)] {
        assert_eq!(shown_count(&page.body, stars), expected, "{stars} stars");
    }
    assert!(page.body.contains("data-average=\"3.4\""));
    let figures = assert_figures_exact(app.db(), 1).await;
    assert_eq!(
        figures,
        Figures {
            ratings: 7,
            rating_sum: 24,
            rating_1: 1,
            rating_2: 1,
            rating_3: 1,
            rating_4: 2,
            rating_5: 2
        }
    );

    // Edits and a removal through the web; then many writers at once.
    let viewer = app.client();
    viewer.sign_in("viewer4", crate::helpers::PASSWORD).await;
    assert_eq!(
        post_review_htmx(&viewer, 1, "5", "changed my mind")
            .await
            .status,
        200
    );
    let page = client.get("/series/1").await;
    assert_eq!(shown_count(&page.body, 1), 0);
    assert_eq!(shown_count(&page.body, 5), 3);
    assert!(page.body.contains("data-average=\"4.0\""), "28 / 7");
    let catalog_after = client.get("/").await;
    assert!(
        catalog_after.body.contains("4.0"),
        "the catalog card follows"
    );
    assert_eq!(delete_htmx(&viewer, "/series/1/feedback").await.status, 200);
    assert_figures_exact(app.db(), 1).await;

    let mut writers = Vec::new();
    for round in 0..4 {
        for (i, id) in ids.iter().enumerate() {
            let db = app.db().clone();
            let (id, now) = (*id, app.clock.now());
            writers.push(tokio::spawn(async move {
                let rating = ((i + round) % 5 + 1) as i64;
                let series = (i % 2 + 1) as i64;
                if round == 3 && i % 3 == 0 {
                    match streamvault::feedback::remove_own(&db, series, id).await {
                        Ok(_) | Err(streamvault::error::Error::NotFound) => Ok(None),
                        Err(e) => Err(e),
                    }
                } else {
                    let review = ReviewInput {
                        rating,
                        body: String::new(),
                    };
                    streamvault::feedback::save(&db, series, id, &review, now).await
                }
            }));
        }
    }
    for writer in writers {
        writer.await.expect("task").expect("write");
    }
    assert_figures_exact(app.db(), 1).await;
    assert_figures_exact(app.db(), 2).await;
}
both_backends!(summary_and_distribution_are_exact);

async fn reviews_page_newest_first_and_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    for i in 0..12 {
        let id = create_account(&app, &format!("viewer{i:02}"), Role::Customer).await;
        // viewer00 is the newest.
        seed_review(&app, 1, id, 3, &format!("review number {i:02}"), i).await;
    }
    let client = app.client();
    let first = client.get("/series/1").await;
    assert!(first.body.contains("review number 00") && first.body.contains("review number 09"));
    assert!(!first.body.contains("review number 10"));
    let newest = first.body.find("review number 00").expect("00");
    let older = first.body.find("review number 01").expect("01");
    assert!(newest < older, "newest first");
    assert!(first
        .body
        .contains("href=\"/series/1?reviews_page=2#reviews\""));

    let second = client.get("/series/1?reviews_page=2").await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("review number 10") && second.body.contains("review number 11"));
    assert!(!second.body.contains("review number 09"));
    let fragment = client.get_htmx("/series/1?reviews_page=2").await;
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html") && fragment.body.contains("id=\"reviews\""));
    assert_eq!(
        client.get("/series/1?reviews_page=9").await.status,
        200,
        "past the end: empty"
    );

    for bad in [
        "0",
        "-1",
        "abc",
        "1e3",
        "10001",
        "99999999999999999999",
        "2.5",
    ] {
        let page = client.get(&format!("/series/1?reviews_page={bad}")).await;
        assert_eq!(page.status, 400, "reviews_page={bad}");
    }
    let dup = client.get("/series/1?reviews_page=1&reviews_page=2").await;
    assert!((400..500).contains(&dup.status));
}
both_backends!(reviews_page_newest_first_and_validated);

async fn what_people_type_renders_inert(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["<script>alert('title')</script>"]).await;
    let alice = customer(&app, "alice").await;
    let payload = concat!(
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<div hx-get=\"/account\" hx-trigger=\"load\">x</div>",
        "<a href=\"javascript:alert(3)\">click</a>",
        " \u{202E}txt.exe"
    );
    assert_eq!(post_review_htmx(&alice, 1, "3", payload).await.status, 200);
    // A poster address staff might mistype into something dangerous is not used.
    app.db()
        .execute(
            &Query::update()
                .table(Series::Table)
                .value(Series::PosterUrl, "javascript:alert(4)")
                .to_owned(),
        )
        .await
        .expect("poster");
    let client = app.client();
    for path in ["/series/1", "/"] {
        let page = client.get(path).await;
        assert_eq!(page.status, 200);
        for live in [
            "<script>alert",
            "<img src=x",
            "onerror=alert(2)>",
            "<div hx-get=\"/account\"",
            "hx-trigger=\"load\"",
            "href=\"javascript:",
            "src=\"javascript:",
        ] {
            assert!(!page.body.contains(live), "{live} live on {path}");
        }
        assert!(
            page.body.contains("&lt;script&gt;alert("),
            "shown as text on {path}"
        );
    }
    let page = client.get("/series/1").await;
    assert!(page.body.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // The right-to-left override stays inside an element that isolates its direction.
    let body_start = page
        .body
        .find("<p class=\"review-body\" dir=\"auto\">")
        .expect("review body");
    let override_at = page.body.find('\u{202E}').expect("text kept");
    let body_end = page.body[body_start..].find("</p>").expect("closes") + body_start;
    assert!(body_start < override_at && override_at < body_end);
}
both_backends!(what_people_type_renders_inert);
