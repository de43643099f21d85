//! The dashboard reads as a page for people: an index of its sections, months in words, the
//! month still under way marked as partial.

use streamvault::analytics::dataset::Dataset;
use streamvault::analytics::queries::AnalyticsQuery;

use crate::analytics::{admin, demo_app, refreshed};
use crate::both_backends;
use crate::helpers::Backend;

async fn the_dashboard_has_an_index_and_marks_the_partial_month(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let page = staff.get("/admin/analytics").await;
    assert_eq!(page.status, 200);
    // An index of the page's sections leads to each result.
    assert!(page
        .body
        .contains(r#"<nav class="page-index" aria-label="On this page">"#));
    for &query in AnalyticsQuery::ALL {
        assert!(page
            .body
            .contains(&format!("href=\"#result-{}\"", query.slug())));
    }
    // Months read as words; the month still under way is marked as partial.
    let now = app.clock.now();
    let month = now.format("%b %Y").to_string();
    assert!(!page.body.contains(&format!(">{}<", now.format("%Y-%m"))));
    if page.body.contains(&format!(">{month}")) {
        assert!(
            page.body.contains(&format!("{month} (partial month)")),
            "{month}"
        );
    }
}
both_backends!(the_dashboard_has_an_index_and_marks_the_partial_month);
