//! Date columns narrow every staff table to a range of days (`<column>_from`, `<column>_to`,
//! inclusive): the page, its links, its filter bar and its CSV file agree; a bad date is a 400
//! naming the parameter.

use streamvault::admin::entities;
use streamvault::admin::values::Value;

use crate::admin_support::{created_id, demo_app, htmx, record, staff};
use crate::both_backends;
use crate::helpers::Backend;

/// The ids in a table's CSV file, in order (the first field of each line after the header).
fn csv_ids(body: &str) -> Vec<i64> {
    body.trim_start_matches('\u{feff}')
        .split("\r\n")
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').next().unwrap_or("").parse().expect("an id"))
        .collect()
}

async fn date_columns_filter_by_range_on_page_links_and_file(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    // Contracts far from the demo's dates, so only these fall in the ranges asked for.
    let mut ids = Vec::new();
    for starts in ["2190-01-01", "2190-06-15", "2190-12-31", "2191-01-01"] {
        let made = htmx(
            &admin,
            "POST",
            "/admin/contracts",
            &[
                ("series_id", "1"),
                ("per_episode_charge", "100"),
                ("starts_on", starts),
                ("ends_on", "2199-01-01"),
            ],
        )
        .await;
        ids.push(created_id(&made, "contracts"));
    }
    let range = "starts_on_from=2190-01-01&starts_on_to=2190-12-31";
    let page = admin
        .get(&format!("/admin/contracts?{range}&sort=starts_on"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for (id, shown) in ids.iter().zip([true, true, true, false]) {
        assert_eq!(
            page.body.contains(&format!("id=\"contracts-row-{id}\"")),
            shown,
            "contract {id}"
        );
    }
    assert!(page.body.contains(">3 rows<"), "the count follows");
    // The filter bar holds the range; sorting, paging and the file keep it.
    assert!(
        page.body
            .contains(r#"type="date" name="starts_on_from" value="2190-01-01""#),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"type="date" name="starts_on_to" value="2190-12-31""#));
    assert!(page
        .body
        .contains(r#"type="date" name="ends_on_from" value="""#));
    let kept = "starts_on_from=2190-01-01&amp;starts_on_to=2190-12-31";
    assert!(
        page.body
            .contains(&format!("/admin/contracts?{kept}&amp;sort=-starts_on")),
        "the sort link keeps the range"
    );
    assert!(
        page.body.contains(&format!(
            "/admin/contracts.csv?{kept}&amp;sort=starts_on&amp;bom=1"
        )),
        "the download link keeps the range"
    );
    let paged = admin
        .get(&format!(
            "/admin/contracts?{range}&sort=starts_on&per_page=10&page=1"
        ))
        .await;
    assert_eq!(paged.status, 200);
    let small = htmx(
        &admin,
        "GET",
        "/admin/contracts",
        &[
            ("starts_on_from", "2190-01-01"),
            ("starts_on_to", "2190-12-31"),
            ("per_page", "10"),
        ],
    )
    .await;
    assert!(small.body.contains(">3 rows<"), "{}", small.body);

    // The file has exactly those rows, in the page's order.
    let file = admin
        .get(&format!("/admin/contracts.csv?{range}&sort=-starts_on"))
        .await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(csv_ids(&file.body), vec![ids[2], ids[1], ids[0]]);
    // Open ends, and the ends are inclusive.
    let from = admin
        .get("/admin/contracts.csv?starts_on_from=2190-12-31&sort=starts_on")
        .await;
    assert_eq!(csv_ids(&from.body), vec![ids[2], ids[3]]);
    let one_day = admin
        .get("/admin/contracts.csv?starts_on_from=2190-06-15&starts_on_to=2190-06-15")
        .await;
    assert_eq!(csv_ids(&one_day.body), vec![ids[1]]);
    let nothing = admin
        .get("/admin/contracts?starts_on_from=2192-01-01&ends_on_to=2192-01-01")
        .await;
    assert_eq!(nothing.status, 200);
    assert!(
        nothing.body.contains("No contracts match"),
        "{}",
        nothing.body
    );
    // Empty inputs (a form with nothing typed) are no range at all.
    let empty = admin
        .get("/admin/contracts?starts_on_from=&starts_on_to=")
        .await;
    assert_eq!(empty.status, 200);

    // Bad dates: a 400 that names the parameter, on the page and on the file.
    for (query, says) in [
        (
            "starts_on_from=2190-13-01",
            "starts_on_from must be a date (YYYY-MM-DD)",
        ),
        (
            "starts_on_to=yesterday",
            "starts_on_to must be a date (YYYY-MM-DD)",
        ),
        (
            "ends_on_from=99999-01-01",
            "ends_on_from must be a date (YYYY-MM-DD)",
        ),
        (
            "starts_on_from=2190-02-01&starts_on_to=2190-01-31",
            "starts_on_to must not be before starts_on_from",
        ),
    ] {
        for path in ["/admin/contracts", "/admin/contracts.csv"] {
            let bad = admin.get(&format!("{path}?{query}")).await;
            assert_eq!(bad.status, 400, "{path}?{query}: {}", bad.body);
            assert!(bad.body.contains(says), "{path}?{query}: {}", bad.body);
        }
    }
}
both_backends!(date_columns_filter_by_range_on_page_links_and_file);

/// A moment column (an account's creation) is filtered by whole days.
async fn moments_filter_by_whole_days(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let def = entities::find("customers").expect("customers");
    let zed = crate::helpers::create_account(&app, "zed", streamvault::auth::Role::Customer).await;
    let created = match record(&app, "customers", zed)
        .await
        .expect("customer")
        .value(def, "created_at")
    {
        Some(Value::Timestamp(at)) => at.date_naive(),
        other => panic!("a moment: {other:?}"),
    };
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let (before, after) = (
        day(created - chrono::Duration::days(1)),
        day(created + chrono::Duration::days(1)),
    );
    let row = format!("id=\"customers-row-{zed}\"");
    for (from, to, shown) in [
        (day(created), day(created), true),
        (before.clone(), before.clone(), false),
        (after.clone(), String::new(), false),
        (String::new(), day(created), true),
    ] {
        let page = admin
            .get(&format!(
                "/admin/customers?q=zed&created_at_from={from}&created_at_to={to}"
            ))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.contains(&row), shown, "{from}–{to}");
    }
    let bad = admin
        .get("/admin/customers.csv?created_at_to=2026-02-30")
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("created_at_to must be a date"),
        "{}",
        bad.body
    );
}
both_backends!(moments_filter_by_whole_days);
