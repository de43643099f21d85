//! The viewer's side (issue 23): the catalog's result count and filter chips, one's own review
//! first and marked, the confirmation after a review write, the account's list of one's
//! reviews and the e-mail address in a form of its own.

use sea_query::{Expr, Func, Query};
use streamvault::auth::accounts;
use streamvault::auth::Role;
use streamvault::db::schema::{Computed, Feedback, Series, SeriesGenres, SeriesReleases};
use streamvault::db::Db;

use crate::both_backends;
use crate::catalog::demo_app;
use crate::feedback::{catalog, htmx, seed_review};
use crate::helpers::{create_account, customer, employee, spawn_app, Backend, PASSWORD};

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

async fn count(db: &Db, query: &mut sea_query::SelectStatement) -> i64 {
    db.fetch_optional::<Count>(query)
        .await
        .expect("count")
        .map_or(0, |c| c.n)
}

/// The text of the element with id `id` (its first text up to the next tag).
fn text_of<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = body.find(&marker).unwrap_or_else(|| panic!("no #{id}"));
    let start = body[at..].find('>').expect("tag end") + at + 1;
    let end = body[start..].find('<').expect("next tag") + start;
    &body[start..end]
}

/// The `href`s of the chips (links inside `ul.chips`), in order.
fn chip_links(body: &str) -> Vec<String> {
    let Some(start) = body.find("<ul class=\"chips\"") else {
        return Vec::new();
    };
    let end = body[start..].find("</ul>").expect("chips end") + start;
    body[start..end]
        .split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("quote")].replace("&amp;", "&"))
        .collect()
}

async fn catalog_counts_results_and_chips_remove_filters(backend: Backend) {
    let app = demo_app(backend).await;
    let client = app.client();
    let db = app.db();
    let all = count(
        db,
        Query::select()
            .expr_as(Func::count(Expr::col(Series::Id)), Computed::Count)
            .from(Series::Table),
    )
    .await;
    let drama = count(
        db,
        Query::select()
            .expr_as(
                Func::count(Expr::col(SeriesGenres::SeriesId)),
                Computed::Count,
            )
            .from(SeriesGenres::Table)
            .and_where(Expr::col(SeriesGenres::GenreId).eq(1)),
    )
    .await;
    let in_country_1 = count(
        db,
        Query::select()
            .expr_as(
                Func::count(Expr::col(SeriesReleases::SeriesId)),
                Computed::Count,
            )
            .from(SeriesReleases::Table)
            .and_where(Expr::col(SeriesReleases::CountryId).eq(1)),
    )
    .await;
    assert!(all > 24 && drama > 0 && drama < all, "{all} {drama}");

    // The count covers every page, not the one shown; it is the page's only live region.
    let first = client.get("/").await;
    assert_eq!(
        text_of(&first.body, "catalog-count"),
        format!("{all} series")
    );
    assert_eq!(
        first.body.matches("aria-live").count(),
        1,
        "one live region"
    );
    let live = first.body.find("aria-live").expect("live region");
    let count_at = first.body.find("id=\"catalog-count\"").expect("count");
    assert!(
        first.body[..live].rfind('<') < Some(count_at) && count_at < live,
        "aria-live sits on the count"
    );
    assert!(!first
        .body
        .contains("<section id=\"catalog-results\" aria-live"));
    let second = client.get("/?page=2").await;
    assert_eq!(
        text_of(&second.body, "catalog-count"),
        format!("{all} series")
    );
    assert!(chip_links(&first.body).is_empty(), "no filter, no chip");

    // Headings in order: h1, then h2 (the results), then h3 (each card).
    let h1 = first.body.find("<h1").expect("h1");
    let h2 = first.body.find("<h2").expect("h2");
    let h3 = first.body.find("<h3").expect("h3");
    assert!(h1 < h2 && h2 < h3, "h1 → h2 → h3");

    let filtered = client.get("/?genre=1").await;
    assert_eq!(
        text_of(&filtered.body, "catalog-count"),
        format!("{drama} series")
    );
    let nothing = client.get("/?q=zzzzqqq").await;
    assert_eq!(text_of(&nothing.body, "catalog-count"), "No series match");

    // A chip per active filter, each a link to the list without that filter (first page).
    let path = "/?q=a&genre=1&country=1&sort=rating&page=1";
    let chips = chip_links(&client.get(path).await.body);
    assert_eq!(
        chips,
        [
            "/?genre=1&country=1&sort=rating",
            "/?q=a&country=1&sort=rating",
            "/?q=a&genre=1&sort=rating",
            "/?sort=rating",
        ],
        "search, genre, country, then clear all (the sort stays)"
    );
    // Following a chip (no JavaScript needed) drops that filter and its chip.
    let without_search = client.get("/?genre=1&country=1&sort=rating").await;
    assert_eq!(without_search.status, 200);
    assert_eq!(
        chip_links(&without_search.body),
        [
            "/?country=1&sort=rating",
            "/?genre=1&sort=rating",
            "/?sort=rating"
        ]
    );
    let country_only = client.get("/?country=1").await;
    assert_eq!(
        text_of(&country_only.body, "catalog-count"),
        format!("{in_country_1} series")
    );
    assert_eq!(chip_links(&country_only.body), ["/"]);
    assert!(country_only.body.contains("class=\"chip\" href=\"/\""));

    // htmx gets the results first (swapped by hx-select) and the count out of band, which
    // keeps the live region itself in place.
    let fragment = client.get_htmx("/?genre=1").await;
    assert!(fragment.body.starts_with("<section id=\"catalog-results\""));
    assert!(fragment.body.contains(&format!(
        "<p id=\"catalog-count\" hx-swap-oob=\"innerHTML\">{drama} series</p>"
    )));
    assert!(!fragment.body.contains("aria-live"));
}
both_backends!(catalog_counts_results_and_chips_remove_filters);

/// The whole catalog's count (read from the total the database keeps, on any page but a
/// lone first one) follows every series added, removed and restored by Undo.
async fn the_whole_catalogs_count_follows_added_and_removed_series(backend: Backend) {
    use crate::admin_support::{created_id, htmx, staff};
    use crate::admin_undo::token_in;
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let client = app.client();
    let all = || async {
        count(
            app.db(),
            Query::select()
                .expr_as(Func::count(Expr::col(Series::Id)), Computed::Count)
                .from(Series::Table),
        )
        .await
    };
    let shown = |path: &'static str| {
        let client = &client;
        async move { text_of(&client.get(path).await.body, "catalog-count").to_owned() }
    };
    let before = all().await;
    assert_eq!(shown("/?page=2").await, format!("{before} series"));

    let made = htmx(
        &admin,
        "POST",
        "/admin/series",
        &[
            ("title", "Counted Once"),
            ("planned_episodes", "8"),
            ("language_id", "1"),
            ("release_date", "2024-01-01"),
            ("origin_country_id", "1"),
            ("production_house_id", "1"),
        ],
    )
    .await;
    let id = created_id(&made, "series");
    assert_eq!(all().await, before + 1);
    for path in ["/?page=2", "/?sort=rating&page=2", "/?sort=viewers&page=3"] {
        assert_eq!(
            shown(path).await,
            format!("{} series", before + 1),
            "{path}"
        );
    }

    let version = crate::admin_support::version(&app, "series", id).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/series/{id}"),
        &[("version", &version)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(shown("/?page=2").await, format!("{before} series"));

    let undone = htmx(
        &admin,
        "POST",
        "/admin/series/undo",
        &[("token", &token_in(&gone.body))],
    )
    .await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert_eq!(all().await, before + 1);
    assert_eq!(shown("/?page=2").await, format!("{} series", before + 1));
}
both_backends!(the_whole_catalogs_count_follows_added_and_removed_series);

/// The account ids of the reviews listed on a series page, in order.
fn listed_reviews(body: &str) -> Vec<i64> {
    body.split("<li class=\"review")
        .skip(1)
        .filter_map(|rest| {
            let id = rest.split("id=\"review-").nth(1)?;
            id[..id.find('"')?].parse().ok()
        })
        .collect()
}

async fn own_review_is_first_marked_and_confirmed(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights"]).await;
    let alice = customer(&app, "alice").await;
    let alice_id = accounts::find_by_username(app.db(), "alice")
        .await
        .expect("find")
        .expect("alice")
        .id;
    // Twelve newer reviews by others: alice's own falls to the second page by date.
    let mut others = Vec::new();
    for i in 0..12 {
        let id = create_account(&app, &format!("viewer{i}"), Role::Customer).await;
        others.push(id);
    }
    seed_review(&app, 1, alice_id, 4, "Mine, older.", 600).await;
    for (i, id) in others.iter().enumerate() {
        seed_review(&app, 1, *id, 3, "Someone else's.", 500 - i as i64).await;
    }

    let page = alice.get("/series/1").await;
    let listed = listed_reviews(&page.body);
    assert_eq!(
        listed.first(),
        Some(&alice_id),
        "own review first: {listed:?}"
    );
    assert_eq!(
        listed.iter().filter(|id| **id == alice_id).count(),
        1,
        "listed once"
    );
    assert_eq!(page.body.matches("Your review</span>").count(), 1);
    let later = alice.get("/series/1?reviews_page=2").await;
    assert!(
        !listed_reviews(&later.body).contains(&alice_id),
        "not again on a later page"
    );
    // Others see the plain newest-first list, nothing marked.
    let anonymous = app.client().get("/series/1").await;
    assert_ne!(listed_reviews(&anonymous.body).first(), Some(&alice_id));
    assert!(!anonymous.body.contains("Your review</span>"));

    // Saving answers with a focusable status message, the own review still first.
    let saved = htmx(
        &alice,
        reqwest::Method::POST,
        "/series/1/feedback",
        &[("rating", "5"), ("body", "Changed my mind.")],
    )
    .await;
    assert_eq!(saved.status, 200);
    assert!(
        saved.body.contains(
            "<div class=\"flash flash-success\" id=\"review-notice\" role=\"status\" tabindex=\"-1\">Review saved.</div>"
        ),
        "{}",
        saved.body
    );
    assert_eq!(listed_reviews(&saved.body).first(), Some(&alice_id));
    let deleted = htmx(&alice, reqwest::Method::DELETE, "/series/1/feedback", &[]).await;
    assert_eq!(deleted.status, 200);
    assert!(deleted
        .body
        .contains("role=\"status\" tabindex=\"-1\">Review deleted.</div>"));
    assert!(!listed_reviews(&deleted.body).contains(&alice_id));
}
both_backends!(own_review_is_first_marked_and_confirmed);

async fn account_lists_own_reviews_with_links(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Northern Lights", "Second Sun", "Third Tide"]).await;
    let alice = customer(&app, "alice").await;
    let alice_id = accounts::find_by_username(app.db(), "alice")
        .await
        .expect("find")
        .expect("alice")
        .id;
    let bob_id = create_account(&app, "bob", Role::Customer).await;
    let empty = alice.get("/account").await;
    assert!(empty.body.contains("id=\"my-reviews\""));
    assert!(empty.body.contains("You have not reviewed any series yet."));

    seed_review(&app, 1, alice_id, 4, "First one.", 30).await;
    seed_review(&app, 3, alice_id, 2, "Third one.", 10).await;
    seed_review(&app, 2, bob_id, 5, "Bob's, not alice's.", 5).await;
    let mine = count(
        app.db(),
        Query::select()
            .expr_as(Func::count(Expr::col(Feedback::SeriesId)), Computed::Count)
            .from(Feedback::Table)
            .and_where(Expr::col(Feedback::AccountId).eq(alice_id)),
    )
    .await;
    let page = alice.get("/account").await;
    assert_eq!(page.status, 200);
    let start = page.body.find("id=\"my-reviews\"").expect("list");
    let section = &page.body[start..start + page.body[start..].find("</section>").expect("end")];
    let third = section.find("href=\"/series/3#feedback\">Third Tide</a>");
    let first = section.find("href=\"/series/1#feedback\">Northern Lights</a>");
    assert!(
        third.is_some() && first.is_some() && third < first,
        "newest first: {section}"
    );
    assert_eq!(section.matches("href=\"/series/").count() as i64, mine);
    assert!(!section.contains("Second Sun"), "only one's own");

    // Staff write no reviews: no list on their account page.
    let staff = employee(&app, "erin").await;
    let theirs = staff.get("/account").await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("id=\"my-reviews\""));
}
both_backends!(account_lists_own_reviews_with_links);

/// The markup of the section with id `id` (up to its closing tag).
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let end = body[start..].find("</section>").expect("section end") + start;
    &body[start..end]
}

async fn email_changes_in_its_own_form_with_the_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let email = |db: Db| async move {
        accounts::find_by_username(&db, "alice")
            .await
            .expect("find")
            .expect("alice")
            .email
    };

    // The profile form holds no address and no password box; the e-mail form holds both.
    let page = alice.get("/account").await;
    let profile = section(&page.body, "profile-form");
    assert!(!profile.contains("name=\"email\""), "{profile}");
    assert!(!profile.contains("name=\"current_password\""), "{profile}");
    let form = section(&page.body, "email-form");
    assert!(form.contains("action=\"/account/email\""));
    assert!(form.contains("name=\"email\""));
    assert!(form.contains("name=\"current_password\""));

    // No password, or a wrong one: 422 with the message beside the field, nothing changed.
    let missing = htmx(
        &alice,
        reqwest::Method::POST,
        "/account/email",
        &[("email", "new@example.com")],
    )
    .await;
    assert_eq!(missing.status, 422);
    assert!(missing
        .body
        .starts_with("<section class=\"panel\" id=\"email-form\""));
    assert!(missing
        .body
        .contains("Enter your current password to change the e-mail address."));
    assert!(missing.body.contains("value=\"new@example.com\""));
    let wrong = alice
        .post_form(
            "/account/email",
            &[
                ("email", "new@example.com"),
                ("current_password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("That is not your current password."));
    assert_eq!(email(app.db().clone()).await, "alice@example.com");

    // The profile form saves names without touching the address (it sends none).
    let names = alice
        .post_form(
            "/account",
            &[
                ("first_name", "Alicia"),
                ("last_name", "Smith"),
                ("country_id", ""),
            ],
        )
        .await;
    assert_eq!(names.status, 200, "{}", names.body);
    assert!(names.body.contains("Profile saved."));
    assert_eq!(email(app.db().clone()).await, "alice@example.com");

    // With the password: changed, the names kept, and the form says so.
    let changed = htmx(
        &alice,
        reqwest::Method::POST,
        "/account/email",
        &[("email", "New@Example.com"), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert!(changed.body.contains("E-mail address changed."));
    let account = accounts::find_by_username(app.db(), "alice")
        .await
        .expect("find")
        .expect("alice");
    assert_eq!(account.email, "new@example.com");
    assert_eq!(
        (account.first_name.as_str(), account.last_name.as_str()),
        ("Alicia", "Smith")
    );
    app.drain_jobs().await;
}
both_backends!(email_changes_in_its_own_form_with_the_password);
