//! One date format across the staff area: report tables and the audit log (and a row's
//! history) write days as "7 Mar 2024" and moments as "7 Mar 2024, 14:05 UTC", like the
//! tables do; CSV files keep ISO dates.

use crate::admin_support::{created_id, htmx, staff};
use crate::analytics::{admin, demo_app, refreshed};
use crate::both_backends;
use crate::helpers::Backend;

async fn report_tables_write_dates_the_house_way_and_files_keep_iso(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let csv = staff.get("/admin/reports/viewer-engagement.csv").await;
    assert_eq!(csv.status, 200);
    let rows: Vec<Vec<&str>> = csv
        .body
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let at = |name: &str| rows[0].iter().position(|h| *h == name).expect(name);
    let (joined, last) = (at("joined"), at("last_review"));
    assert!(rows.len() > 1, "the demo has reviewers");
    let page = staff
        .get("/admin/reports/viewer-engagement?per_page=100")
        .await;
    assert_eq!(page.status, 200);
    for row in &rows[1..] {
        // The file: ISO, as before.
        let day = chrono::NaiveDate::parse_from_str(row[joined], "%Y-%m-%d")
            .unwrap_or_else(|_| panic!("an ISO day: {}", row[joined]));
        let moment = chrono::NaiveDateTime::parse_from_str(row[last], "%Y-%m-%d %H:%M")
            .unwrap_or_else(|_| panic!("an ISO moment: {}", row[last]))
            .and_utc();
        // The page: the house format, never the ISO text.
        let shown_day = format!(">{}<", views::format::short_date(day));
        let shown_moment = format!(">{}<", views::format::timestamp(moment));
        assert!(page.body.contains(&shown_day), "{shown_day}");
        assert!(page.body.contains(&shown_moment), "{shown_moment}");
        assert!(!page.body.contains(row[last]), "{}", row[last]);
        assert!(!page.body.contains(&format!(">{}<", row[joined])));
    }
    // Sorting by a date column still orders by the date.
    let sorted = staff
        .get("/admin/reports/viewer-engagement?sort=last_review&dir=asc")
        .await;
    assert_eq!(sorted.status, 200, "{}", sorted.body);
}
both_backends!(report_tables_write_dates_the_house_way_and_files_keep_iso);

async fn the_audit_log_and_history_write_dates_the_house_way(backend: Backend) {
    let app = crate::admin_support::demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let made = htmx(
        &admin,
        "POST",
        "/admin/contracts",
        &[
            ("series_id", "1"),
            ("per_episode_charge", "100"),
            ("starts_on", "2190-03-07"),
            ("ends_on", "2191-11-30"),
        ],
    )
    .await;
    let id = created_id(&made, "contracts");
    for path in [
        "/admin/audit?entity=contracts".to_owned(),
        format!("/admin/contracts/{id}/history"),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("7 Mar 2190"), "{path}: {}", page.body);
        assert!(page.body.contains("30 Nov 2191"), "{path}");
        // (The contract's name keeps its own words: only the changes are checked.)
        assert!(!page.body.contains(">2190-03-07<"), "{path}: no ISO day");
    }
    // A release's date in a series' audited links, too.
    let added = htmx(
        &admin,
        "POST",
        "/admin/series/1/links/releases",
        &[("target_id", "2"), ("released_on", "2190-03-07")],
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let page = admin.get("/admin/audit?entity=series").await;
    assert!(page.body.contains(") 7 Mar 2190<"), "{}", page.body);
    assert!(!page.body.contains(") 2190-03-07<"), "no ISO day");
}
both_backends!(the_audit_log_and_history_write_dates_the_house_way);
