//! Analytics: snapshots refreshed by the worker, the dashboard that reads only
//! them, reports and CSV downloads; exact figures on both databases.

use std::collections::BTreeMap;

use sea_query::{Expr, Func, Query};
use streamvault::analytics::dataset::Dataset;
use streamvault::analytics::queries::AnalyticsQuery;
use streamvault::analytics::reports::Report;
use streamvault::analytics::snapshot::{self, Outcome};
use streamvault::analytics::table::Cell;
use streamvault::clock::Clock;
use streamvault::db::schema::{AnalyticsRefresh, Computed, Episodes, Feedback, ProductionHouses};
use streamvault::db::Db;

use crate::both_backends;
use crate::helpers::{
    customer, eventually, spawn_with, Backend, Client, Options, TestApp, DEADLINE,
};

const REFRESH_JOB: &str = "RefreshAnalytics";

pub(crate) async fn demo_app(backend: Backend, env: Vec<(&'static str, String)>) -> TestApp {
    spawn_with(
        backend,
        Options {
            demo: true,
            env,
            ..Options::default()
        },
    )
    .await
}

pub(crate) async fn admin(app: &TestApp) -> Client {
    let client = app.client();
    client.sign_in("admin", "streamvault-admin").await;
    client
}

async fn refresh_jobs(app: &TestApp) -> usize {
    app.jobs()
        .await
        .iter()
        .filter(|j| j.job_type.contains(REFRESH_JOB))
        .count()
}

/// Asks for a refresh as staff do and waits until its snapshot has landed.
pub(crate) async fn refreshed(app: &TestApp, staff: &Client) {
    let page = staff.post_form("/admin/analytics/refresh", &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.drain_jobs().await;
    let status = snapshot::status(app.db()).await.expect("status");
    assert!(
        status.computed_at.is_some() && !status.refreshing(),
        "{status:?}"
    );
}

/// The CSV body as rows of fields (the tests' files hold no quoted line breaks).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    body.split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

async fn dashboard_without_a_snapshot_queues_one_and_then_shows_it(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    assert_eq!(
        refresh_jobs(&app).await,
        0,
        "automatic refreshes are off in tests"
    );

    let page = staff.get("/admin/analytics").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No snapshot yet"), "{}", page.body);
    assert!(page.body.contains("Refreshing"));
    assert_eq!(
        refresh_jobs(&app).await,
        1,
        "the empty dashboard queued one"
    );
    // Asking again while it is on its way queues nothing more.
    staff.get("/admin/analytics").await;
    assert_eq!(refresh_jobs(&app).await, 1);

    app.drain_jobs().await;
    let page = staff.get("/admin/analytics").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("As of"), "{}", page.body);
    assert!(!page.body.contains("Refreshing"));
    assert_eq!(page.body.matches("data-chart=").count(), 8, "eight charts");
    for &query in AnalyticsQuery::ALL {
        assert!(
            page.body
                .contains(&format!("id=\"result-{}\"", query.slug())),
            "{} missing",
            query.slug()
        );
        assert!(page
            .body
            .contains(&format!("/admin/analytics/{}.csv", query.slug())));
    }
    // Chart.js and its driver come from /assets; the page has no inline script.
    assert!(page.body.contains("/assets/chart.umd.min.js"));
    assert!(page.body.contains("/assets/analytics.js"));
    assert!(!page.body.contains("<script>"), "no inline script");
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let js = staff.get("/assets/analytics.js").await;
    assert_eq!(js.status, 200);
    assert!(staff.get("/assets/chart.umd.min.js").await.body.len() > 100_000);
}
both_backends!(dashboard_without_a_snapshot_queues_one_and_then_shows_it);

#[derive(sqlx::FromRow)]
struct SeriesFigure {
    series_id: i64,
    n: i64,
}

async fn grouped(db: &Db, column: Computed) -> BTreeMap<i64, i64> {
    let (table_series, value) = match column {
        Computed::TotalViewers => (
            Expr::col(Episodes::SeriesId),
            Func::sum(Expr::col(Episodes::TotalViewers)),
        ),
        _ => (
            Expr::col(Feedback::SeriesId),
            Func::count(Expr::col(Feedback::Rating)),
        ),
    };
    let table = match column {
        Computed::TotalViewers => Query::select().from(Episodes::Table).to_owned(),
        _ => Query::select().from(Feedback::Table).to_owned(),
    };
    let mut select = table;
    select
        .expr_as(table_series.clone(), Episodes::SeriesId)
        .expr_as(Func::cast_as(value, Computed::Signed), Computed::Count)
        .add_group_by([table_series.into()]);
    db.fetch_all::<SeriesFigure>(&select)
        .await
        .expect("figures")
        .into_iter()
        .map(|r| (r.series_id, r.n))
        .collect()
}

async fn series_performance_sums_viewers_over_episodes_alone(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let viewers = grouped(app.db(), Computed::TotalViewers).await;
    let ratings = grouped(app.db(), Computed::Count).await;

    let csv = staff.get("/admin/reports/series-performance.csv").await;
    assert_eq!(csv.status, 200);
    let rows = csv_rows(&csv.body);
    assert_eq!(rows[0], Report::SeriesPerformance.header());
    assert!(rows.len() > 30, "every demo series");
    for row in &rows[1..] {
        let id: i64 = row[0].parse().expect("series id");
        assert_eq!(
            row[7],
            viewers.get(&id).copied().unwrap_or(0).to_string(),
            "viewers of {id}"
        );
        assert_eq!(
            row[9],
            ratings.get(&id).copied().unwrap_or(0).to_string(),
            "ratings of {id}"
        );
    }

    // The stored report (the page) holds the same figures, sorted and paged as asked.
    let page = staff
        .get("/admin/reports/series-performance?sort=total_viewers&dir=desc&per_page=5")
        .await;
    assert_eq!(page.status, 200);
    let top = viewers.values().max().copied().unwrap_or(0);
    assert!(
        page.body.contains(&views::format::thousands(top)) || page.body.contains(&top.to_string())
    );
    assert!(page.body.contains("rel=\"next\""), "more pages");
    let by_title = staff
        .get("/admin/reports/series-performance?sort=title&dir=asc&page=2&per_page=10")
        .await;
    assert_eq!(by_title.status, 200);
    for bad in [
        "sort=password_hash",
        "sort=title;DROP TABLE series",
        "dir=sideways",
        "page=0",
        "per_page=101",
        "page=abc",
    ] {
        let page = staff
            .get(&format!("/admin/reports/series-performance?{bad}"))
            .await;
        assert_eq!(page.status, 400, "{bad}");
    }
    assert_eq!(staff.get("/admin/reports/nope").await.status, 404);
    assert_eq!(staff.get("/admin/reports/nope.csv").await.status, 404);
}
both_backends!(series_performance_sums_viewers_over_episodes_alone);

async fn viewer_engagement_lists_customers_who_reviewed(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let page = staff.get("/admin/reports/viewer-engagement").await;
    assert_eq!(page.status, 200);
    for name in ["alice", "bob", "carol"] {
        assert!(page.body.contains(name), "{name} reviewed in the demo");
    }
    let csv = staff.get("/admin/reports/viewer-engagement.csv").await;
    let rows = csv_rows(&csv.body);
    assert_eq!(rows[0], Report::ViewerEngagement.header());
    assert!(
        rows.iter().all(|r| r[1] != "admin"),
        "staff are not viewers"
    );
    let reviews: i64 = rows[1..]
        .iter()
        .map(|r| r[4].parse::<i64>().expect("reviews"))
        .sum();
    assert_eq!(
        reviews,
        app.db().count_rows(Feedback::Table).await.expect("count")
    );
}
both_backends!(viewer_engagement_lists_customers_who_reviewed);

async fn csv_downloads_have_the_contract_headers_and_are_spreadsheet_safe(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    // A production house whose name a spreadsheet would run as a formula.
    let hostile = "=HYPERLINK(\"http://evil.example\",\"x\")";
    app.db()
        .write(
            "test setup",
            Query::update()
                .table(ProductionHouses::Table)
                .value(ProductionHouses::Name, hostile)
                .and_where(Expr::col(ProductionHouses::Id).eq(1))
                .to_owned(),
        )
        .await
        .expect("rename");
    let contract = crate::analytics_queries::CONTRACT_HEADERS;
    for (slug, header) in contract {
        let page = staff.get(&format!("/admin/analytics/{slug}.csv")).await;
        assert_eq!(page.status, 200, "{slug}");
        assert!(page
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv"));
        let today = app.clock.now().format("%Y-%m-%d");
        assert_eq!(
            page.header("content-disposition"),
            Some(format!("attachment; filename=\"{slug}-{today}.csv\"").as_str())
        );
        assert!(
            page.body.starts_with(&format!("{header}\r\n")),
            "{slug}: {}",
            page.body
        );
        assert!(
            page.body.lines().count() > 1 || slug == "above-average",
            "{slug} has rows"
        );
    }
    let overview = staff.get("/admin/analytics/overview.csv").await;
    assert!(
        overview
            .body
            .contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{}",
        overview.body
    );
    // Spreadsheets get a byte-order mark when the page's link asks; the order follows
    // the page's sort.
    let marked = staff
        .get("/admin/analytics/overview.csv?sort=title&dir=desc&bom=1")
        .await;
    assert!(marked.body.starts_with("\u{feff}series_id,title,"));
    let titles: Vec<String> = csv_rows(marked.body.trim_start_matches('\u{feff}'))
        .into_iter()
        .skip(1)
        .map(|row| row[1].to_lowercase())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(titles.first(), sorted.first(), "descending by title");
    assert_eq!(
        staff
            .get("/admin/analytics/overview.csv?bom=2")
            .await
            .status,
        400
    );
    let page = staff
        .get("/admin/analytics/overview?sort=title&dir=desc")
        .await;
    assert!(page
        .body
        .contains("/admin/analytics/overview.csv?sort=title&amp;dir=desc&amp;bom=1"));
    // The page names the regions; the file keeps the contract's codes.
    // (Regions other than the default pair are computed live, without a snapshot.)
    let regions = staff
        .get("/admin/analytics/regions?a=Europe&b=North%20America")
        .await;
    assert!(
        regions.body.contains("North America only")
            || regions.body.contains("Europe only")
            || regions.body.contains(">Both<")
    );
    assert!(!regions.body.contains(">a_only<") && !regions.body.contains(">both<"));
    assert!(regions.body.contains("Availability"), "a heading in words");
    let report = staff
        .get("/admin/reports/series-performance.csv?sort=title&dir=asc&bom=1")
        .await;
    assert_eq!(report.status, 200);
    assert!(report.body.starts_with('\u{feff}'));
    // A CSV is exact as of its download, with or without a snapshot.
    assert_eq!(staff.get("/admin/analytics/nope.csv").await.status, 404);
    assert_eq!(staff.get("/admin/analytics/nope").await.status, 404);
    let regions = staff
        .get("/admin/analytics/regions.csv?a=North%20America'%20OR%20'1'='1&b=Europe")
        .await;
    assert_eq!(regions.status, 200);
    assert!(regions
        .body
        .lines()
        .all(|l| !l.starts_with("a_only") && !l.starts_with("both")));
    let long = "x".repeat(101);
    assert_eq!(
        staff
            .get(&format!("/admin/analytics/regions.csv?a={long}"))
            .await
            .status,
        400
    );
    // Customers and strangers get none of it.
    let viewer = customer(&app, "viewer").await;
    assert_eq!(
        viewer.get("/admin/analytics/overview.csv").await.status,
        403
    );
    assert_eq!(
        app.client()
            .get("/admin/analytics/overview.csv")
            .await
            .status,
        303
    );
    app.drain_jobs().await;
}
both_backends!(csv_downloads_have_the_contract_headers_and_are_spreadsheet_safe);

async fn refresh_button_needs_csrf_and_the_status_line_reloads_once_it_lands(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let before = snapshot::status(app.db()).await.expect("status");
    let shown = before.computed_at.expect("as of").to_rfc3339();

    // No token: refused, nothing queued.
    let jobs = refresh_jobs(&app).await;
    let refused = staff.post_raw("/admin/analytics/refresh", &[]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refresh_jobs(&app).await, jobs);

    // htmx: the status line comes back saying it is refreshing, and polls.
    let token = staff.csrf().await;
    let page = staff
        .send(
            staff
                .http
                .post(format!("{}/admin/analytics/refresh", staff.base))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", token),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Refreshing"), "{}", page.body);
    assert!(page.body.contains("every 2s"));
    app.drain_jobs().await;
    let after = snapshot::status(app.db()).await.expect("status");
    assert!(after.computed_at > before.computed_at);
    let poll = staff
        .get_htmx(&format!(
            "/admin/analytics/status?shown={}",
            urlencode(&shown)
        ))
        .await;
    assert_eq!(poll.status, 200);
    assert_eq!(
        poll.header("hx-refresh"),
        Some("true"),
        "a newer snapshot reloads the page"
    );
    let current = after.computed_at.expect("as of").to_rfc3339();
    let poll = staff
        .get_htmx(&format!(
            "/admin/analytics/status?shown={}",
            urlencode(&current)
        ))
        .await;
    assert_eq!(poll.header("hx-refresh"), None);
}
both_backends!(refresh_button_needs_csrf_and_the_status_line_reloads_once_it_lands);

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn two_refreshes_never_run_at_once(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let db = app.db().clone();
    let clock = Clock::default();
    // Someone else holds the lease.
    let hold = |owner: &'static str, minutes: i64| {
        Query::update()
            .table(AnalyticsRefresh::Table)
            .value(AnalyticsRefresh::LeaseOwner, owner)
            .value(
                AnalyticsRefresh::LeaseUntil,
                clock.now() + chrono::Duration::minutes(minutes),
            )
            .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
            .to_owned()
    };
    db.write("test setup", hold("elsewhere", 5))
        .await
        .expect("hold the lease");
    // The schedule skips its turn.
    assert_eq!(
        snapshot::refresh(&db, &clock, None).await.expect("refresh"),
        Outcome::Busy
    );
    // A requested refresh waits for the lease, then runs.
    let waiting = {
        let (db, clock) = (db.clone(), clock.clone());
        let requested = clock.now();
        tokio::spawn(async move { snapshot::refresh(&db, &clock, Some(requested)).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(!waiting.is_finished(), "it waits while the lease is held");
    assert!(snapshot::status(&db)
        .await
        .expect("status")
        .computed_at
        .is_none());
    db.write("test setup", hold("elsewhere", -1))
        .await
        .expect("lease runs out");
    let outcome = waiting.await.expect("join").expect("refresh");
    assert!(matches!(outcome, Outcome::Refreshed { .. }), "{outcome:?}");
    // The schedule skips a snapshot that is only minutes old.
    assert_eq!(
        snapshot::refresh(&db, &clock, None).await.expect("refresh"),
        Outcome::AlreadyCurrent
    );
    // A request older than the snapshot is already satisfied.
    let old = clock.now() - chrono::Duration::minutes(1);
    assert_eq!(
        snapshot::refresh(&db, &clock, Some(old))
            .await
            .expect("refresh"),
        Outcome::AlreadyCurrent
    );
    // Many at once: every one finishes, and the lease is free afterwards.
    let requested = clock.now();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (db, clock) = (db.clone(), clock.clone());
            tokio::spawn(async move { snapshot::refresh(&db, &clock, Some(requested)).await })
        })
        .collect();
    let mut refreshed = 0;
    for run in runs {
        if matches!(
            run.await.expect("join").expect("refresh"),
            Outcome::Refreshed { .. }
        ) {
            refreshed += 1;
        }
    }
    assert_eq!(
        refreshed, 1,
        "one computes, the others find its snapshot current"
    );
    let status = snapshot::status(&db).await.expect("status");
    assert!(status.lease_until.is_none());
}
both_backends!(two_refreshes_never_run_at_once);

async fn writes_lead_to_one_debounced_refresh(backend: Backend) {
    let app = demo_app(
        backend,
        vec![("ANALYTICS_DEBOUNCE_SECONDS", "3".to_owned())],
    )
    .await;
    // With automatic refreshes on, a database without a snapshot gets one at start.
    eventually(DEADLINE, || async {
        (refresh_jobs(&app).await == 1)
            .then_some(())
            .ok_or("no first refresh")
    })
    .await;
    app.drain_jobs().await;
    let first = snapshot::status(app.db())
        .await
        .expect("status")
        .computed_at;
    assert!(first.is_some());

    let viewer = customer(&app, "critic").await;
    let before = app.db().count_rows(Feedback::Table).await.expect("count");
    for series in 1..=8 {
        let page = viewer
            .post_form(
                &format!("/series/{series}/feedback"),
                &[("rating", "1"), ("body", "Not for me.")],
            )
            .await;
        assert!(page.status < 400, "review {series}: {}", page.status);
    }
    let after = before + 8;
    assert_eq!(
        app.db().count_rows(Feedback::Table).await.expect("count"),
        after
    );
    // One refresh follows (two at most, if the writes straddled a tick), and its snapshot
    // counts every review.
    let staff = admin(&app).await;
    eventually(DEADLINE, || async {
        let status = snapshot::status(app.db())
            .await
            .map_err(|e| e.to_string())?;
        (status.computed_at > first && !status.refreshing())
            .then_some(())
            .ok_or_else(|| "no refresh after the writes yet".to_owned())
    })
    .await;
    app.drain_jobs().await;
    let jobs = refresh_jobs(&app).await;
    assert!((2..=3).contains(&jobs), "eight writes, {jobs} refresh jobs");
    let snapshot = snapshot::load(app.db())
        .await
        .expect("load")
        .expect("a snapshot");
    let distribution = snapshot
        .charts
        .iter()
        .find(|c| c.slug == "rating-distribution")
        .expect("rating chart");
    let counted: i64 = distribution.datasets[0]
        .values
        .iter()
        .map(|v| match v {
            Cell::Int(n) => *n,
            other => panic!("a count, not {other:?}"),
        })
        .sum();
    assert_eq!(counted, after, "the snapshot counts every review");
    assert!(staff.get("/admin/analytics").await.body.contains("As of"));
}
both_backends!(writes_lead_to_one_debounced_refresh);

async fn every_process_sees_the_same_snapshot(backend: Backend) {
    let first = demo_app(backend, Vec::new()).await;
    let second = crate::helpers::spawn_on(first.test_db.clone(), backend, Options::default()).await;
    let staff_first = admin(&first).await;
    let staff_second = admin(&second).await;
    refreshed(&first, &staff_first).await;
    let status = snapshot::status(first.db()).await.expect("status");
    let as_of = status.computed_at.expect("as of").to_rfc3339();
    for staff in [&staff_first, &staff_second] {
        let page = staff.get("/admin/analytics").await;
        assert!(page.body.contains(&as_of), "{}", page.body);
    }
    second.drain_jobs().await;
}
both_backends!(every_process_sees_the_same_snapshot);

/// The dashboard and the report pages show the snapshot, not the base tables: reviews removed
/// behind the app's back (no refresh asked for) leave the pages as they were, until a
/// refresh, which picks the change up.
async fn pages_read_the_snapshot_not_the_base_tables(backend: Backend) {
    let app = demo_app(backend, Vec::new()).await;
    let staff = admin(&app).await;
    refreshed(&app, &staff).await;
    let reviews = app.db().count_rows(Feedback::Table).await.expect("count");
    assert!(reviews > 0);
    let rating_chart = |body: &str| -> Vec<i64> {
        let snapshot_counts = body
            .split("id=\"chart-table-rating-distribution\"")
            .nth(1)
            .and_then(|rest| rest.split("</table>").next())
            .unwrap_or_default()
            .split("<td class=\"num\">")
            .skip(1)
            .filter_map(|cell| cell.split('<').next()?.replace(',', "").parse().ok())
            .collect();
        snapshot_counts
    };
    let before = staff.get("/admin/analytics").await;
    assert_eq!(rating_chart(&before.body).iter().sum::<i64>(), reviews);
    let report_before = staff
        .get("/admin/reports/viewer-engagement")
        .await
        .body_without_tokens();

    app.db()
        .write(
            "test setup",
            Query::delete().from_table(Feedback::Table).to_owned(),
        )
        .await
        .expect("remove every review directly");
    let after = staff.get("/admin/analytics").await;
    assert_eq!(
        rating_chart(&after.body).iter().sum::<i64>(),
        reviews,
        "still the snapshot"
    );
    let report_after = staff
        .get("/admin/reports/viewer-engagement")
        .await
        .body_without_tokens();
    assert_eq!(
        report_after, report_before,
        "the report page reads its stored rows"
    );

    refreshed(&app, &staff).await;
    let refreshed_page = staff.get("/admin/analytics").await;
    assert_eq!(rating_chart(&refreshed_page.body).iter().sum::<i64>(), 0);
    assert!(staff
        .get("/admin/reports/viewer-engagement")
        .await
        .body
        .contains("No rows."));
}
both_backends!(pages_read_the_snapshot_not_the_base_tables);

/// In a real browser: the empty dashboard says a snapshot is coming, reloads itself once the
/// worker has stored it, and Chart.js (from /assets, under the strict CSP) draws every chart.
async fn browser_sees_the_first_snapshot_arrive_and_its_charts_drawn(backend: Backend) {
    use fantoccini::Locator;

    use crate::browser::{browser, sign_in, wait_for_text};

    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = demo_app(backend, Vec::new()).await;
    sign_in(&client, &app.url("/login"), "admin", "streamvault-admin").await;

    client
        .goto(&app.url("/admin/analytics"))
        .await
        .expect("dashboard");
    wait_for_text(&client, "#analytics-status", "Refreshing").await;
    // The status line polls; once the snapshot lands the page reloads with its charts.
    wait_for_text(&client, "#analytics-status", "As of").await;
    let drawn = eventually(DEADLINE, || async {
        let drawn = client
            .find_all(Locator::Css("canvas[data-drawn=\"true\"]"))
            .await
            .map_err(|e| e.to_string())?
            .len();
        (drawn == 8)
            .then_some(drawn)
            .ok_or_else(|| format!("{drawn} of 8 charts drawn"))
    })
    .await;
    assert_eq!(drawn, 8);
    // Every chart has data points, and its canvas holds pixels.
    let points = client
        .execute(
            "return Array.from(document.querySelectorAll('canvas[data-chart]')).map(function (c) {\
               var chart = c.chartInstance;\
               return chart ? chart.data.datasets[0].data.length : -1; });",
            vec![],
        )
        .await
        .expect("chart data");
    let points: Vec<i64> = serde_json::from_value(points).expect("numbers");
    assert!(points.iter().all(|n| *n > 0), "{points:?}");
    wait_for_text(&client, "#result-tiers", "tier").await;
    app.drain_jobs().await;
}
both_backends!(browser_sees_the_first_snapshot_arrive_and_its_charts_drawn);
