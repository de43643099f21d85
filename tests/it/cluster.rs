//! StreamVault on a three-node MariaDB Galera cluster (`scripts/cluster up`: 127.0.0.1:4306,
//! 4307 and 4308). Apps on different nodes share sessions and keep exact figures under
//! concurrent writes; an app given all three nodes survives the death of the one it uses.
//!
//! These run in the nextest group `galera` (one at a time: the failover test kills a node).
//! Without a cluster they are skipped, unless `STREAMVAULT_REQUIRE_CLUSTER=1` (CI) makes a
//! missing cluster a failure.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_query::{Expr, Func, Query};
use streamvault::auth::Role;
use streamvault::db::schema::{Computed, Feedback, Genres, SeriesStats};
use streamvault::db::Db;

use crate::admin_support::htmx;
use crate::fixtures::{self, SeriesRow};
use crate::helpers::{
    create_account, eventually, spawn_on, Backend, Client, Options, TestApp, TestDb, DEADLINE,
    PASSWORD,
};

const NODES: [&str; 3] = [
    "mysql://root@127.0.0.1:4306",
    "mysql://root@127.0.0.1:4307",
    "mysql://root@127.0.0.1:4308",
];

/// Whether the cluster is up (all three nodes answer); panics when CI requires it.
async fn cluster_is_up() -> bool {
    let mut up = true;
    for node in NODES {
        let probe = tokio::time::timeout(
            Duration::from_secs(3),
            tokio::net::TcpStream::connect(node.trim_start_matches("mysql://root@")),
        )
        .await;
        up &= matches!(probe, Ok(Ok(_)));
    }
    if !up && std::env::var("STREAMVAULT_REQUIRE_CLUSTER").as_deref() == Ok("1") {
        panic!("the Galera cluster is not running (scripts/cluster up)");
    }
    if !up {
        eprintln!("skipped: no Galera cluster on 127.0.0.1:4306-4308 (scripts/cluster up)");
    }
    up
}

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

/// The same database reached through another node.
async fn through_node(test_db: &TestDb, node: usize) -> TestDb {
    let url = format!("{}/{}", NODES[node], database_name(&test_db.url));
    test_db.through(url).await
}

/// A client of `app` that shares `other`'s cookies (its session).
fn same_browser(other: &Client, app: &TestApp) -> Client {
    Client {
        base: app.address.clone(),
        http: other.http.clone(),
    }
}

async fn one_series(db: &Db) {
    db.transaction("test setup", |tx| {
        Box::pin(async move {
            fixtures::catalog_basics(tx).await?;
            SeriesRow::new(1, "Across the Nodes").insert(tx).await
        })
    })
    .await
    .expect("a series");
}

#[derive(sqlx::FromRow)]
struct Figures {
    ratings: i64,
    rating_sum: i64,
}

/// The stored per-series figures and the same figures counted from the reviews.
async fn figures(db: &Db) -> ((i64, i64), (i64, i64)) {
    let stored = Query::select()
        .expr_as(
            Func::cast_as(Expr::col(SeriesStats::Ratings), Computed::Signed),
            Computed::Ratings,
        )
        .expr_as(
            Func::cast_as(Expr::col(SeriesStats::RatingSum), Computed::Signed),
            SeriesStats::RatingSum,
        )
        .from(SeriesStats::Table)
        .and_where(Expr::col(SeriesStats::SeriesId).eq(1))
        .to_owned();
    let stored: Figures = db
        .fetch_optional(&stored)
        .await
        .expect("stored figures")
        .expect("series_stats row");
    let counted = Query::select()
        .expr_as(
            Func::cast_as(Func::count(Expr::col(Feedback::Rating)), Computed::Signed),
            Computed::Ratings,
        )
        .expr_as(
            Func::cast_as(
                Func::coalesce([Func::sum(Expr::col(Feedback::Rating)).into(), 0.into()]),
                Computed::Signed,
            ),
            SeriesStats::RatingSum,
        )
        .from(Feedback::Table)
        .and_where(Expr::col(Feedback::SeriesId).eq(1))
        .to_owned();
    let counted: Figures = db
        .fetch_optional(&counted)
        .await
        .expect("counted figures")
        .expect("one row");
    (
        (stored.ratings, stored.rating_sum),
        (counted.ratings, counted.rating_sum),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_on_different_nodes_share_sessions_and_keep_exact_figures() {
    if !cluster_is_up().await {
        return;
    }
    let on_node_1 = TestDb::on_mysql_server(NODES[0]).await;
    let on_node_2 = through_node(&on_node_1, 1).await;
    let on_node_3 = through_node(&on_node_1, 2).await;
    one_series(&on_node_1.db).await;
    let app_a = spawn_on(Arc::new(on_node_1), Backend::MySql, Options::default()).await;
    let app_b = spawn_on(Arc::new(on_node_2), Backend::MySql, Options::default()).await;

    // Sign in through node 1, follow up at once through node 2: the session is there.
    let mut viewers = Vec::new();
    for n in 0..6 {
        let name = format!("viewer{n}");
        create_account(&app_a, &name, Role::Customer).await;
        let on_a = app_a.client();
        let signed_in = on_a.login(&name, PASSWORD).await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        let on_b = same_browser(&on_a, &app_b);
        let account = on_b.get("/account").await;
        assert_eq!(account.status, 200, "the session crossed nodes at once");
        assert!(account.body.contains(&name));
        viewers.push((on_a, on_b));
    }

    // Every viewer rates the series three times, alternating nodes, all at once.
    let mut writes = tokio::task::JoinSet::new();
    for (n, (on_a, on_b)) in viewers.iter().enumerate() {
        for round in 0..3usize {
            let client = if (n + round) % 2 == 0 { on_a } else { on_b };
            let client = Client {
                base: client.base.clone(),
                http: client.http.clone(),
            };
            let rating = ((n + round) % 5 + 1).to_string();
            writes.spawn(async move {
                client
                    .post_form("/series/1/feedback", &[("rating", &rating), ("body", "")])
                    .await
                    .status
            });
        }
    }
    let mut statuses = Vec::new();
    while let Some(status) = writes.join_next().await {
        statuses.push(status.expect("write task"));
    }
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 303)),
        "every review write went through (certification failures re-ran): {statuses:?}"
    );
    let (stored, counted) = figures(&on_node_3.db).await;
    assert_eq!(stored, counted, "figures exact, read on the third node");
    assert_eq!(counted.0, 6, "one review per viewer");

    // Two staff members save the same version of a row on different nodes: one wins, the
    // other gets the conflict view, never a lost update.
    create_account(&app_a, "erin", Role::Employee).await;
    create_account(&app_a, "frank", Role::Employee).await;
    let erin = app_a.client();
    erin.sign_in("erin", PASSWORD).await;
    let frank = app_b.client();
    frank.sign_in("frank", PASSWORD).await;
    let created = htmx(&erin, "POST", "/admin/genres", &[("name", "Cluster")]).await;
    assert!(matches!(created.status, 200 | 201), "{}", created.body);
    let genre = Query::select()
        .columns([Genres::Id, Genres::Version])
        .from(Genres::Table)
        .and_where(Expr::col(Genres::Name).eq("Cluster"))
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        version: i64,
    }
    let row: Row = eventually(DEADLINE, || async {
        app_b
            .db()
            .fetch_optional::<Row>(&genre)
            .await
            .ok()
            .flatten()
            .ok_or("not yet")
    })
    .await;
    let path = format!("/admin/genres/{}", row.id);
    let version = row.version.to_string();
    let by_erin = [("name", "By Erin"), ("version", version.as_str())];
    let by_frank = [("name", "By Frank"), ("version", version.as_str())];
    let (first, second) = tokio::join!(
        htmx(&erin, "PUT", &path, &by_erin),
        htmx(&frank, "PUT", &path, &by_frank),
    );
    let mut outcome = [first.status, second.status];
    outcome.sort_unstable();
    assert_eq!(outcome, [200, 409], "one save won, the other was told");

    drop(app_b.stop().await);
    drop(app_a.stop().await);
}

/// An app given all three nodes, under a stream of writes, while the node it uses dies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dies_under_write_load_and_nothing_acknowledged_is_lost() {
    if !cluster_is_up().await {
        return;
    }
    let first = TestDb::on_mysql_server(NODES[0]).await;
    let all_nodes = format!(
        "mysql://root@127.0.0.1:4306,127.0.0.1:4307,127.0.0.1:4308/{}",
        database_name(&first.url)
    );
    let through_all = first.through(all_nodes).await;
    let survivor = through_node(&first, 2).await;
    let mut app = spawn_on(Arc::new(through_all), Backend::MySql, Options::default()).await;
    create_account(&app, "erin", Role::Employee).await;
    let erin = app.client();
    erin.sign_in("erin", PASSWORD).await;
    let token = erin.csrf().await;

    let started = Instant::now();
    let mut killed_at = None;
    let mut acknowledged = BTreeSet::new();
    let mut unavailable = 0;
    let mut first_ack_after_kill = None;
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(25) {
        if killed_at.is_none() && started.elapsed() > Duration::from_secs(2) {
            let status = std::process::Command::new("scripts/cluster")
                .args(["kill", "1"])
                .status()
                .expect("kill node 1");
            assert!(status.success());
            killed_at = Some(Instant::now());
        }
        n += 1;
        let name = format!("genre {n}");
        let response = erin
            .http
            .post(format!("{}/admin/genres", erin.base))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &token)
            .form(&[("name", name.as_str())])
            .timeout(Duration::from_secs(20))
            .send()
            .await;
        let status = response.map(|r| r.status().as_u16()).unwrap_or(0);
        match status {
            200 | 201 => {
                acknowledged.insert(name);
                if let (Some(at), None) = (killed_at, first_ack_after_kill) {
                    first_ack_after_kill = Some(at.elapsed());
                }
            }
            503 => unavailable += 1,
            other => panic!("a write answered {other}, not an acknowledgement or a 503"),
        }
        // Done once writes have flowed again for two seconds.
        if let (Some(at), Some(back)) = (killed_at, first_ack_after_kill) {
            if at.elapsed() > back + Duration::from_secs(2) {
                break;
            }
        }
    }
    let failover = first_ack_after_kill.expect("writes were acknowledged again after the kill");
    eprintln!(
        "failover: writes acknowledged again {failover:?} after the kill; {unavailable} answers were 503; {} writes acknowledged",
        acknowledged.len()
    );
    assert!(failover < Duration::from_secs(15), "{failover:?}");

    // Every acknowledged write is on a survivor.
    let stored: Vec<Named> = survivor
        .db
        .fetch_all(
            &Query::select()
                .column(Genres::Name)
                .from(Genres::Table)
                .to_owned(),
        )
        .await
        .expect("genres on a survivor");
    let stored: BTreeSet<String> = stored.into_iter().map(|g| g.name).collect();
    let missing: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");

    // The killed node rejoins and has them too.
    let restarted = std::process::Command::new("scripts/cluster")
        .args(["start", "1"])
        .status()
        .expect("start node 1");
    assert!(restarted.success(), "node 1 rejoined");
    let rejoined = through_node(&first, 0).await;
    let on_node_1: Vec<Named> = rejoined
        .db
        .fetch_all(
            &Query::select()
                .column(Genres::Name)
                .from(Genres::Table)
                .to_owned(),
        )
        .await
        .expect("genres on the rejoined node");
    assert!(on_node_1.len() >= acknowledged.len());
    app.expect_leftover_jobs("jobs may be interrupted by the node's death");
    drop(app.stop().await);
}

#[derive(sqlx::FromRow)]
struct Named {
    name: String,
}

/// Three processes started at the same moment on different nodes of a fresh database: one
/// migrates, the others wait for it, and all come up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_started_together_on_different_nodes_all_come_up() {
    if !cluster_is_up().await {
        return;
    }
    let name = format!(
        "sv_test_{}",
        streamvault::auth::tokens::random_token()[..12]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let starts = NODES.map(|node| {
        let url = format!("{node}/{name}");
        tokio::spawn(async move {
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            Ok::<Db, streamvault::error::Error>(db)
        })
    });
    let mut dbs = Vec::new();
    for start in starts {
        dbs.push(
            start
                .await
                .expect("start task")
                .expect("every process came up"),
        );
    }
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let applied: Count = dbs[2]
        .fetch_optional(
            &Query::select()
                .expr_as(
                    Func::cast_as(Func::count(Expr::col(Genres::Id)), Computed::Signed),
                    Computed::Count,
                )
                .from(Genres::Table)
                .to_owned(),
        )
        .await
        .expect("the schema is there")
        .expect("a count");
    assert_eq!(applied.n, 0);
    for db in &dbs {
        db.close().await;
    }
    let url = format!("{}/{name}", NODES[0]);
    let _ = <sqlx::MySql as sqlx::migrate::MigrateDatabase>::drop_database(&url).await;
}

/// Work that must happen once, or one at a time, while processes on different nodes race
/// for it: each reset e-mail leaves once (job claiming), two refreshes never overlap (the
/// analytics lease), and a sign-in lockout counts every failure (an upsert from two nodes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_only_work_holds_when_nodes_race() {
    if !cluster_is_up().await {
        return;
    }
    let inbox = crate::smtp::Inbox::default();
    let port = crate::smtp::start(0, inbox.clone()).await;
    let with_mail = || Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    };
    let on_node_1 = TestDb::on_mysql_server(NODES[0]).await;
    let on_node_2 = through_node(&on_node_1, 1).await;
    let on_node_3 = through_node(&on_node_1, 2).await;
    let app_a = spawn_on(Arc::new(on_node_1), Backend::MySql, with_mail()).await;
    let app_b = spawn_on(Arc::new(on_node_2), Backend::MySql, with_mail()).await;

    // Reset requests for eight people through both nodes at once; both processes' workers
    // compete for the jobs.
    let names: Vec<String> = (0..8).map(|n| format!("reader{n}")).collect();
    for name in &names {
        create_account(&app_a, name, Role::Customer).await;
    }
    let mut requests = tokio::task::JoinSet::new();
    for (n, name) in names.iter().enumerate() {
        let client = if n % 2 == 0 {
            app_a.client()
        } else {
            app_b.client()
        };
        let email = format!("{name}@example.com");
        requests.spawn(async move {
            client
                .post_form("/forgot-password", &[("email", &email)])
                .await
                .status
        });
    }
    while let Some(status) = requests.join_next().await {
        assert_eq!(status.expect("request task"), 200);
    }
    inbox.wait_for(names.len(), DEADLINE).await;
    app_a.drain_jobs().await;
    app_b.drain_jobs().await;
    let expected = crate::smtp::addresses(&names.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        inbox.recipients(),
        expected,
        "each reset e-mail left exactly once"
    );

    // Refreshes asked for on two nodes at once, three rounds each: never two at a time.
    let clock = app_a.clock.clone();
    let refreshers = [app_a.db().clone(), on_node_3.db.clone()].map(|db| {
        let clock = clock.clone();
        tokio::spawn(async move {
            let mut ran = Vec::new();
            for _ in 0..3 {
                let outcome =
                    streamvault::analytics::snapshot::refresh(&db, &clock, Some(clock.now()))
                        .await
                        .expect("a refresh");
                if let streamvault::analytics::snapshot::Outcome::Refreshed { took, .. } = outcome {
                    let ended = Instant::now();
                    ran.push((ended - took, ended));
                }
            }
            ran
        })
    });
    let mut intervals = Vec::new();
    for refresher in refreshers {
        intervals.extend(refresher.await.expect("refresher"));
    }
    assert!(
        intervals.len() >= 2,
        "both nodes' requests were served: {intervals:?}"
    );
    intervals.sort();
    for pair in intervals.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0,
            "two refreshes overlapped: {intervals:?}"
        );
    }

    // Five wrong passwords for one account, through both nodes at once: all five count.
    create_account(&app_a, "target", Role::Customer).await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..5 {
        let client = if n % 2 == 0 {
            app_a.client()
        } else {
            app_b.client()
        };
        attempts.spawn(async move { client.login("target", "wrong password!!").await.status });
    }
    while let Some(status) = attempts.join_next().await {
        assert_eq!(status.expect("attempt"), 401);
    }
    assert_eq!(
        app_b
            .client()
            .login("target", "wrong password!!")
            .await
            .status,
        429,
        "locked after five failures counted on two nodes"
    );
    assert_eq!(app_a.client().login("target", PASSWORD).await.status, 429);

    drop(app_b.stop().await);
    drop(app_a.stop().await);
}
