//! What staff read beside the tables: each table as CSV (same search, filters and sort as the
//! page, every page, spreadsheet-safe), each row's history, and the review list with its
//! removal.

use streamvault::admin::{crud, entities};

use crate::admin_support::{created_id, demo_app, htmx, send, staff, version};
use crate::both_backends;
use crate::helpers::{customer, Backend};

/// The lines of a CSV body whose fields hold no commas, quotes or line breaks (the fields
/// these tests look at), without the byte-order mark.
fn lines(body: &str) -> Vec<Vec<String>> {
    body.trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

async fn rename_series(
    admin: &crate::helpers::Client,
    app: &crate::helpers::TestApp,
    id: i64,
    title: &str,
) {
    let v = version(app, "series", id).await;
    let page = htmx(
        admin,
        "PUT",
        &format!("/admin/series/{id}"),
        &[("title", title), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
}

async fn tables_export_what_they_show_as_spreadsheet_safe_csv(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    rename_series(&admin, &app, 1, "Lumière Qzx").await;
    rename_series(&admin, &app, 2, "=HYPERLINK(\"http://evil.example\")").await;

    let file = admin.get("/admin/series.csv").await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let today = app.clock.now().format("%Y-%m-%d");
    assert_eq!(
        file.header("content-disposition"),
        Some(format!("attachment; filename=\"series-{today}.csv\"").as_str())
    );
    // A plain URL (scripts) gets the bare file; the page's link asks for a byte-order mark.
    let marked = admin.get("/admin/series.csv?bom=1").await;
    assert!(marked.body.starts_with("\u{feff}id,title,"));
    assert_eq!(marked.body.trim_start_matches('\u{feff}'), file.body);
    assert_eq!(admin.get("/admin/series.csv?bom=yes").await.status, 400);
    let page = admin.get("/admin/series?sort=-title").await;
    assert!(
        page.body
            .contains("/admin/series.csv?sort=-title&amp;bom=1"),
        "the link follows the sort"
    );
    assert!(
        file.body.starts_with(
            "id,title,planned_episodes,language_id,release_date,origin_country_id,\
             production_house_id,poster_url,trailer_url\r\n"
        ),
        "{}",
        &file.body[..200.min(file.body.len())]
    );
    assert!(
        file.body.contains("\r\n1,Lumière Qzx,"),
        "UTF-8 text as typed"
    );
    assert!(
        file.body
            .contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "formulas neutralized"
    );
    // Every page, not just the first 25 rows.
    let all = crud::count(app.db(), &entities::SERIES)
        .await
        .expect("count");
    assert!(all > 25);
    assert_eq!(lines(&file.body).len() as i64, all + 1);

    // The page's search, filters and sort.
    let found = admin
        .get("/admin/series.csv?q=qzx&page=1&per_page=10")
        .await;
    let found = lines(&found.body);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[1][1], "Lumière Qzx");
    let episodes = admin
        .get("/admin/episodes.csv?series_id=3&sort=-number")
        .await;
    assert_eq!(episodes.status, 200);
    let episodes = lines(&episodes.body);
    assert_eq!(
        episodes[0][..3],
        ["id", "series_id", "number"].map(String::from)
    );
    assert!(episodes.len() > 2, "series 3 has episodes");
    assert!(episodes[1..].iter().all(|row| row[1] == "3"), "filtered");
    let numbers: Vec<i64> = episodes[1..]
        .iter()
        .map(|row| row[2].parse().expect("number"))
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");

    // Money in dollars under the name without `_cents`.
    let contracts = admin.get("/admin/contracts.csv").await;
    let contracts = lines(&contracts.body);
    assert_eq!(
        contracts[0],
        [
            "id",
            "series_id",
            "per_episode_charge",
            "starts_on",
            "ends_on"
        ]
        .map(String::from)
    );
    assert!(contracts.len() > 1);
    for row in &contracts[1..] {
        let (dollars, cents) = row[2].split_once('.').expect("dollars.cents");
        assert!(!dollars.is_empty() && cents.len() == 2, "{row:?}");
        assert!(
            row[3].len() == 10 && row[3].as_bytes()[4] == b'-',
            "{row:?}"
        );
    }
    let customers = admin.get("/admin/customers.csv").await;
    let header = &lines(&customers.body)[0];
    assert!(
        header.contains(&"monthly_subscription".to_owned()),
        "{header:?}"
    );
    assert!(!header
        .iter()
        .any(|h| h.contains("password") || h.ends_with("_cents")));

    // The page links to its file with what it shows.
    let page = admin.get("/admin/episodes?series_id=3&sort=-number").await;
    assert!(page
        .body
        .contains("/admin/episodes.csv?series_id=3&amp;sort=-number"));

    assert_eq!(
        admin
            .get("/admin/series.csv?sort=password_hash")
            .await
            .status,
        400
    );
    assert_eq!(
        admin.get("/admin/episodes.csv?series_id=x").await.status,
        400
    );
    let viewer = customer(&app, "vic").await;
    assert_eq!(viewer.get("/admin/customers.csv").await.status, 403);
    assert_eq!(app.client().get("/admin/customers.csv").await.status, 303);
}
both_backends!(tables_export_what_they_show_as_spreadsheet_safe_csv);

async fn each_row_has_its_history(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let created = htmx(&admin, "POST", "/admin/genres", &[("name", "Noir")]).await;
    let id = created_id(&created, "genres");
    let v = version(&app, "genres", id).await;
    let updated = htmx(
        &admin,
        "PUT",
        &format!("/admin/genres/{id}"),
        &[("name", "Neo-noir"), ("version", &v)],
    )
    .await;
    assert_eq!(updated.status, 200);

    let record = admin.get(&format!("/admin/genres/{id}")).await;
    assert!(record
        .body
        .contains(&format!("href=\"/admin/genres/{id}/history\"")));
    let history = admin.get(&format!("/admin/genres/{id}/history")).await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert!(history.body.contains("Neo-noir") && history.body.contains("erin"));
    assert!(
        history.body.contains("<code>Name</code>"),
        "labels, not column names"
    );
    let update = history.body.find(">update<").expect("the update");
    let create = history.body.find(">create<").expect("the create");
    assert!(update < create, "newest first");
    // Another row's changes are not in it.
    let other = admin.get("/admin/genres/1/history").await;
    assert_eq!(other.status, 200);
    assert!(!other.body.contains("Neo-noir"));

    // A deleted row keeps its history.
    let v = version(&app, "genres", id).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/genres/{id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200);
    let history = admin.get(&format!("/admin/genres/{id}/history")).await;
    assert_eq!(history.status, 200);
    assert!(history.body.contains(">delete<"));

    assert_eq!(admin.get("/admin/genres/999999/history").await.status, 404);
    assert_eq!(admin.get("/admin/genres/abc/history").await.status, 404);
    assert_eq!(
        admin.get("/admin/genres/1/history?page=0").await.status,
        400
    );
    let viewer = customer(&app, "vic").await;
    assert_eq!(viewer.get("/admin/genres/1/history").await.status, 403);
}
both_backends!(each_row_has_its_history);

/// `(series_id, account_id)` of the first review row on a review list page.
fn first_review(body: &str) -> (i64, i64) {
    let start = body.find("id=\"review-").expect("a review row") + "id=\"review-".len();
    let end = body[start..].find('"').expect("id closes") + start;
    let (series, account) = body[start..end].split_once('-').expect("two ids");
    (
        series.parse().expect("series"),
        account.parse().expect("account"),
    )
}

async fn staff_moderate_every_review(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let page = admin.get("/admin/reviews").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("href=\"/admin/reviews\""),
        "in the staff menu"
    );
    assert!(page
        .body
        .contains("href=\"/admin/reports/series-performance\""));
    assert!(page
        .body
        .contains("href=\"/admin/reports/viewer-engagement\""));
    let overview = admin.get("/admin").await;
    assert!(overview.body.contains("href=\"/admin/reviews\""));

    let five = admin.get("/admin/reviews?rating=5").await;
    assert_eq!(five.status, 200);
    assert!(five.body.contains(">5 ★<"));
    for other in 1..=4 {
        assert!(!five.body.contains(&format!(">{other} ★</td>")), "{other}");
    }
    let alice = admin.get("/admin/reviews?q=alice").await;
    assert!(alice.body.contains(">alice<"));
    assert!(!alice.body.contains(">bob<"));
    let (series, _) = first_review(&page.body);
    let one = admin.get(&format!("/admin/reviews?series={series}")).await;
    assert_eq!(one.status, 200);
    let mut rest = one.body.as_str();
    while let Some(at) = rest.find("id=\"review-") {
        assert!(rest[at..].starts_with(&format!("id=\"review-{series}-")));
        rest = &rest[at + 1..];
    }
    let nothing = admin.get("/admin/reviews?q=no+such+review+anywhere").await;
    assert_eq!(nothing.status, 200);
    assert!(nothing.body.contains("No reviews match"));
    for bad in [
        "rating=6",
        "rating=0",
        "rating=x",
        "series=-1",
        "series=abc",
        "page=0",
        "page=-3",
        "page=99999999999",
    ] {
        let status = admin.get(&format!("/admin/reviews?{bad}")).await.status;
        assert!(status == 400 || status == 422, "{bad}: {status}");
    }
    let long = "x".repeat(101);
    assert_eq!(
        admin.get(&format!("/admin/reviews?q={long}")).await.status,
        400
    );

    // Removal through the staff route, back to the list.
    let (series, account) = first_review(&page.body);
    let removed = htmx(
        &admin,
        "POST",
        &format!("/admin/feedback/{series}/{account}/delete?_return=%2Fadmin%2Freviews"),
        &[],
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body.contains("The review was removed."));
    assert!(!removed.body.contains("<html"));
    let after = admin.get("/admin/reviews").await;
    assert!(!after
        .body
        .contains(&format!("id=\"review-{series}-{account}\"")));
    let history = admin
        .get(&format!("/admin/audit?entity_id={series}/{account}"))
        .await;
    assert!(history.body.contains("delete</span> feedback"), "audited");

    let (series, account) = first_review(&after.body);
    let plain = send(
        &admin,
        "POST",
        &format!("/admin/feedback/{series}/{account}/delete?_return=%2Fadmin%2Freviews%3Fpage%3D1"),
        &[],
        false,
    )
    .await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some("/admin/reviews?page=1"));
    // Anywhere else, the series page as before.
    let (series, account) = first_review(&admin.get("/admin/reviews").await.body);
    let elsewhere = send(
        &admin,
        "POST",
        &format!("/admin/feedback/{series}/{account}/delete?_return=https%3A%2F%2Fevil.example"),
        &[],
        false,
    )
    .await;
    assert_eq!(elsewhere.status, 303);
    assert!(elsewhere
        .location()
        .is_some_and(|l| l.starts_with(&format!("/series/{series}"))));

    let viewer = customer(&app, "vic").await;
    assert_eq!(viewer.get("/admin/reviews").await.status, 403);
}
both_backends!(staff_moderate_every_review);
