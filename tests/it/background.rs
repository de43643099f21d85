//! Background work never stalls serving: the analytics refresh runs on its own niced thread
//! with its own connection, so pages answer while it computes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use streamvault::analytics::snapshot;
use streamvault::seed::{self, ScaleOptions};

use crate::both_backends;
use crate::helpers::{employee, spawn_on, Backend, Client, Options, TestDb};

/// 500 series, about 10,000 episodes, 5,000 customers, 50,000 reviews: a refresh that takes
/// a moment.
const SOME: ScaleOptions = ScaleOptions {
    scale: 0.5,
    rng_seed: 5,
};

async fn pages_are_served_while_the_start_up_refresh_runs(backend: Backend) {
    let test_db = Arc::new(TestDb::new(backend).await);
    seed::load_scale(&test_db.db, SOME, &ProgressBar::hidden())
        .await
        .expect("seed");
    // Staff sign in first (bcrypt takes a while), through a process that refreshes nothing...
    let quiet = spawn_on(
        test_db.clone(),
        backend,
        Options {
            workers: false,
            ..Options::default()
        },
    )
    .await;
    let signed_in = employee(&quiet, "erin").await;
    // ...then a process starts with automatic refreshes on: without a snapshot, it asks for one
    // at once and its worker computes it.
    let app = spawn_on(
        test_db,
        backend,
        Options {
            env: vec![("ANALYTICS_DEBOUNCE_SECONDS", "30".to_owned())],
            ..Options::default()
        },
    )
    .await;
    // The session cookie is the host's, whatever the port.
    let staff = Client {
        base: app.url(""),
        http: signed_in.http.clone(),
    };
    let visitor = app.client();
    let started = Instant::now();
    let (mut served_while_refreshing, mut said_refreshing) = (0, false);
    loop {
        let before = snapshot::status(app.db()).await.expect("status");
        if before.computed_at.is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the start-up refresh never landed"
        );
        for path in ["/", "/series/1", "/?sort=rating&page=3"] {
            let page = visitor.get(path).await;
            assert_eq!(page.status, 200, "{path}");
        }
        let dashboard = staff.get("/admin/analytics").await;
        assert_eq!(dashboard.status, 200);
        let after = snapshot::status(app.db()).await.expect("status");
        if before.refreshing() && after.refreshing() && after.computed_at.is_none() {
            served_while_refreshing += 1;
            said_refreshing |= dashboard.body.contains("Refreshing");
        }
    }
    assert!(
        served_while_refreshing > 0,
        "pages were answered while the refresh ran"
    );
    assert!(said_refreshing, "the dashboard says a refresh is running");
    app.drain_jobs().await;
    drop(quiet);
    let dashboard = staff.get("/admin/analytics").await;
    assert!(!dashboard.body.contains("Refreshing"));
    assert!(dashboard.body.contains("chart-table-rating-distribution"));
}
both_backends!(pages_are_served_while_the_start_up_refresh_runs);
