//! A deadlock storm on MariaDB: customers rewrite
//! their reviews of the same series in opposite orders, staff remove reviews, accounts are
//! deleted (taking their reviews out of several series' figures), and staff edits add episodes
//! to two series at once in opposing orders — all at the same time. Every request is
//! answered, every committed change is there exactly once, nothing else is, and the
//! per-series figures (`series_stats`) match the base tables.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use sea_query::{Expr, Func, Order, Query, SimpleExpr};
use streamvault::db::schema::{AuditLog, Computed, Episodes, Feedback, Series, SeriesStats};
use streamvault::db::Db;
use streamvault::feedback::{self, ReviewInput};
use streamvault::series_stats;

use crate::fixtures;
use crate::helpers::{
    captured_logs, create_account, customer, employee, spawn_with, Backend, Client, Options,
    PASSWORD,
};

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct StatsRow {
    series_id: i64,
    ratings: i64,
    rating_sum: i64,
    rating_1: i64,
    rating_2: i64,
    rating_3: i64,
    rating_4: i64,
    rating_5: i64,
    avg_rating: Option<f64>,
    total_viewers: i64,
    episodes: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct ReviewRow {
    series_id: i64,
    account_id: i64,
    rating: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct EpisodeRow {
    series_id: i64,
    title: String,
    total_viewers: i64,
}

/// Reviews (all, or those `condition` selects).
async fn reviews_where(db: &Db, condition: Option<SimpleExpr>) -> Vec<ReviewRow> {
    let mut query = Query::select()
        .columns([Feedback::SeriesId, Feedback::AccountId])
        .expr_as(
            Func::cast_as(Expr::col(Feedback::Rating), Computed::Signed),
            Feedback::Rating,
        )
        .from(Feedback::Table)
        .to_owned();
    if let Some(condition) = condition {
        query.and_where(condition);
    }
    db.fetch_all(&query).await.expect("reviews")
}

/// Episodes (all, or those `condition` selects).
async fn episodes_where(db: &Db, condition: Option<SimpleExpr>) -> Vec<EpisodeRow> {
    let mut query = Query::select()
        .columns([Episodes::SeriesId, Episodes::Title])
        .expr_as(
            Func::cast_as(Expr::col(Episodes::TotalViewers), Computed::Signed),
            Episodes::TotalViewers,
        )
        .from(Episodes::Table)
        .to_owned();
    if let Some(condition) = condition {
        query.and_where(condition);
    }
    db.fetch_all(&query).await.expect("episodes")
}

async fn series_ids(db: &Db, n: u64) -> Vec<i64> {
    let rows: Vec<IdRow> = db
        .fetch_all(
            &Query::select()
                .column(Series::Id)
                .from(Series::Table)
                .order_by(Series::Id, Order::Asc)
                .limit(n)
                .to_owned(),
        )
        .await
        .expect("series");
    rows.into_iter().map(|r| r.id).collect()
}

async fn seed_review(db: &Db, series_id: i64, account_id: i64, rating: i64) {
    let review = ReviewInput {
        rating,
        body: "before the storm".into(),
    };
    let now = chrono::Utc::now();
    feedback::save(db, series_id, account_id, &review, now)
        .await
        .expect("seed review");
}

/// A staff edit that adds an episode to each of two series, in the order given, updating
/// their figures in the same transaction; the short pause between the two halves widens the
/// window in which an opposite unit takes the locks the other way round.
async fn add_episodes(db: &Db, unit: usize, series: [i64; 2]) -> Result<(), String> {
    db.transaction("test setup", move |tx| {
        Box::pin(async move {
            for (half, series_id) in series.into_iter().enumerate() {
                let viewers = 1000 + i64::try_from(unit).unwrap_or(0);
                fixtures::EpisodeRow::new(series_id, 10_000 + i64::try_from(unit).unwrap_or(0))
                    .title(format!("storm-{unit}-{series_id}"))
                    .viewers(viewers)
                    .insert(tx)
                    .await?;
                series_stats::episodes_changed(tx, series_id, viewers, 1).await?;
                if half == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            Ok(())
        })
    })
    .await
    .map_err(|e| e.to_string())
}

fn ok(status: u16) -> bool {
    (200..400).contains(&status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_storm_leaves_every_change_exactly_once() {
    let app = spawn_with(
        Backend::MySql,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    let db = app.db().clone();
    let series = series_ids(&db, 4).await;
    assert_eq!(series.len(), 4);

    let staff = employee(&app, "storm-staff").await;
    let staff_token = staff.get("/admin").await.csrf();
    let mut writers = Vec::new();
    for i in 0..6 {
        let name = format!("writer{i}");
        let client = customer(&app, &name).await;
        let token = client.get("/account").await.csrf();
        writers.push((client, token));
    }
    // Reviews staff will remove, and accounts that will be deleted with their reviews.
    let mut victims = Vec::new();
    for i in 0..3 {
        let id = create_account(
            &app,
            &format!("victim{i}"),
            streamvault::auth::Role::Customer,
        )
        .await;
        for (k, s) in series.iter().enumerate() {
            seed_review(&db, *s, id, (i + k) as i64 % 5 + 1).await;
        }
        victims.push(id);
    }
    let mut leavers = Vec::new();
    for i in 0..2 {
        let name = format!("leaver{i}");
        let client = customer(&app, &name).await;
        let id = streamvault::auth::accounts::find_by_username(&db, &name)
            .await
            .expect("lookup")
            .expect("leaver")
            .id;
        for (k, s) in series.iter().enumerate() {
            seed_review(&db, *s, id, (i + k) as i64 % 5 + 1).await;
        }
        let token = client.get("/account").await.csrf();
        leavers.push((client, token, id));
    }
    // Episodes staff will move between the first two series.
    let mut staff_episodes = Vec::new();
    for k in 0..4 {
        let home = series[k % 2];
        let page = crate::admin_support::htmx(
            &staff,
            "POST",
            "/admin/episodes",
            &[
                ("series_id", home.to_string().as_str()),
                ("number", (20_000 + k).to_string().as_str()),
                ("title", format!("moving-{k}").as_str()),
                ("total_viewers", (500 + k).to_string().as_str()),
            ],
        )
        .await;
        staff_episodes.push((crate::admin_support::created_id(&page, "episodes"), home));
    }
    let audit_before = db.count_rows(AuditLog::Table).await.expect("audit");

    let mut tasks = Vec::new();
    // Writers: six rounds over the four series, even writers ascending, odd descending; in
    // the last round some reviews are deleted. Each writer's last committed action per series
    // is what must remain.
    for (i, (client, token)) in writers.into_iter().enumerate() {
        let series = series.clone();
        tasks.push(tokio::spawn(async move {
            let mut order = series.clone();
            if i % 2 == 1 {
                order.reverse();
            }
            let mut expected: HashMap<i64, Option<i64>> = HashMap::new();
            let mut statuses = Vec::new();
            for round in 0..6 {
                for (k, s) in order.iter().enumerate() {
                    let delete = round == 5 && (i + k) % 3 == 0;
                    let page = if delete {
                        client
                            .post_raw(
                                &format!("/series/{s}/feedback/delete"),
                                &[("csrf_token", &token)],
                            )
                            .await
                    } else {
                        let rating = ((round + k + i) % 5 + 1).to_string();
                        client
                            .post_raw(
                                &format!("/series/{s}/feedback"),
                                &[
                                    ("rating", rating.as_str()),
                                    ("body", "storm"),
                                    ("csrf_token", &token),
                                ],
                            )
                            .await
                    };
                    if ok(page.status) {
                        let after = if delete {
                            None
                        } else {
                            Some(((round + k + i) % 5 + 1) as i64)
                        };
                        expected.insert(*s, after);
                    }
                    statuses.push(page.status);
                }
            }
            (expected, statuses)
        }));
    }
    let writers_done = tasks;
    // Staff remove the victims' reviews, series in opposite orders per victim.
    let staff = Arc::new((staff, staff_token));
    let mut removals = Vec::new();
    for (i, victim) in victims.iter().enumerate() {
        let (staff, series) = (staff.clone(), series.clone());
        let victim = *victim;
        removals.push(tokio::spawn(async move {
            let mut order = series.clone();
            if i % 2 == 0 {
                order.reverse();
            }
            let mut statuses = Vec::new();
            for s in order {
                let (client, token): &(Client, String) = &staff;
                let page = client
                    .post_raw(
                        &format!("/admin/feedback/{s}/{victim}/delete"),
                        &[("csrf_token", token)],
                    )
                    .await;
                statuses.push((s, page.status));
            }
            (victim, statuses)
        }));
    }
    // Leavers delete their accounts mid-storm.
    let mut departures = Vec::new();
    for (client, token, _) in leavers.iter() {
        let (http, base, token) = (client.http.clone(), client.base.clone(), token.clone());
        departures.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let response = http
                .post(format!("{base}/account/delete"))
                .form(&[("current_password", PASSWORD), ("csrf_token", &token)])
                .send()
                .await
                .expect("answered");
            response.status().as_u16()
        }));
    }
    // Staff move episodes between two series through the staff tables, in opposite
    // directions at once (each move updates both series' figures).
    let mut moves = Vec::new();
    for (k, episodes) in staff_episodes.chunks(2).enumerate() {
        let (staff, db) = (staff.clone(), db.clone());
        let episodes = episodes.to_vec();
        let (a, b) = (series[0], series[1]);
        moves.push(tokio::spawn(async move {
            let def = streamvault::admin::entities::find("episodes").expect("entity");
            let mut last = Vec::new();
            let mut statuses = Vec::new();
            for (id, start) in episodes {
                let mut at = start;
                for round in 0..5 {
                    let target = if (round + k) % 2 == 0 { b } else { a };
                    let version = streamvault::admin::crud::find(&db, def, id)
                        .await
                        .expect("find")
                        .expect("episode")
                        .version
                        .to_string();
                    let (client, _): &(Client, String) = &staff;
                    let page = crate::admin_support::htmx(
                        client,
                        "PUT",
                        &format!("/admin/episodes/{id}"),
                        &[("series_id", &target.to_string()), ("version", &version)],
                    )
                    .await;
                    if page.status == 200 {
                        at = target;
                    }
                    statuses.push(page.status);
                }
                last.push((id, at));
            }
            (last, statuses)
        }));
    }
    // Staff edits: pairs of series in opposing orders.
    let mut edits = Vec::new();
    for unit in 0..16 {
        let db = db.clone();
        let (a, b) = (series[unit % 2], series[2 + unit % 2]);
        let pair = if unit % 4 < 2 { [a, b] } else { [b, a] };
        edits.push(tokio::spawn(async move {
            (unit, pair, add_episodes(&db, unit, pair).await)
        }));
    }

    let mut expected_reviews: BTreeMap<(i64, i64), Option<i64>> = BTreeMap::new();
    let mut all_statuses = Vec::new();
    for (i, task) in writers_done.into_iter().enumerate() {
        let (expected, statuses) = task.await.expect("writer");
        let account = streamvault::auth::accounts::find_by_username(&db, &format!("writer{i}"))
            .await
            .expect("lookup")
            .expect("writer")
            .id;
        for (s, rating) in expected {
            expected_reviews.insert((s, account), rating);
        }
        all_statuses.extend(statuses);
    }
    let mut staff_removed = 0;
    // The reviews each victim must still have: those whose removal did not commit.
    let mut victims_left: HashMap<i64, Vec<i64>> = HashMap::new();
    for task in removals {
        let (victim, outcomes) = task.await.expect("staff");
        for (s, status) in outcomes {
            if ok(status) {
                staff_removed += 1;
            } else {
                victims_left.entry(victim).or_default().push(s);
            }
            all_statuses.push(status);
        }
    }
    for task in departures {
        let status = task.await.expect("departure");
        assert_eq!(status, 303, "the account deletion went through");
    }
    let mut staff_moved = 0;
    let mut final_homes = Vec::new();
    for task in moves {
        let (last, statuses) = task.await.expect("mover");
        for status in statuses {
            assert!(
                matches!(status, 200 | 409 | 503),
                "a move answered {status}"
            );
            if status == 200 {
                staff_moved += 1;
            }
            if status != 409 {
                all_statuses.push(status);
            }
        }
        final_homes.extend(last);
    }
    let mut committed_units = Vec::new();
    let mut failed_units = 0;
    for task in edits {
        let (unit, pair, outcome) = task.await.expect("edit");
        match outcome {
            Ok(()) => committed_units.push((unit, pair)),
            Err(e) => {
                assert!(e.contains("busy"), "unit {unit}: {e}");
                failed_units += 1;
            }
        }
    }

    // Every request was answered with success or a 503 (retries exhausted), never a 500.
    assert!(
        all_statuses.iter().all(|s| ok(*s) || *s == 503),
        "{all_statuses:?}"
    );
    let busy = all_statuses.iter().filter(|s| **s == 503).count() + failed_units;
    let deadlocks = captured_logs()
        .lines()
        .filter(|line| line.contains("re-running transaction") && line.contains("deadlock"))
        .count();
    eprintln!(
        "{} requests ({staff_moved} staff moves), {} edits: {deadlocks} deadlocks re-run, {busy} gave up with 503",
        all_statuses.len(),
        committed_units.len() + failed_units,
    );
    assert!(deadlocks > 0, "the storm produced no deadlock to survive");

    // Reviews: exactly the last committed action of each writer; victims' reviews removed
    // once each (audited once each); leavers' reviews gone with them.
    let reviews = reviews_where(
        &db,
        Some(Expr::col(Feedback::SeriesId).is_in(series.clone())),
    )
    .await;
    let found: HashMap<(i64, i64), i64> = reviews
        .iter()
        .map(|r| ((r.series_id, r.account_id), r.rating))
        .collect();
    for ((s, account), rating) in &expected_reviews {
        assert_eq!(
            found.get(&(*s, *account)).copied(),
            *rating,
            "writer {account} on series {s}"
        );
    }
    for victim in &victims {
        let mut left: Vec<i64> = reviews
            .iter()
            .filter(|r| r.account_id == *victim)
            .map(|r| r.series_id)
            .collect();
        left.sort();
        let mut expected = victims_left.get(victim).cloned().unwrap_or_default();
        expected.sort();
        assert_eq!(left, expected, "victim {victim}");
    }
    for (_, _, leaver) in &leavers {
        assert!(reviews.iter().all(|r| r.account_id != *leaver));
    }
    let audit_after = db.count_rows(AuditLog::Table).await.expect("audit");
    assert_eq!(
        audit_after - audit_before,
        staff_removed + staff_moved,
        "one audit entry per committed removal or move"
    );
    for (id, home) in &final_homes {
        let row = episodes_where(&db, Some(Expr::col(Episodes::Id).eq(*id))).await;
        assert_eq!(
            row.first().map(|r| r.series_id),
            Some(*home),
            "episode {id} ends where its last committed move put it"
        );
    }

    // Staff edits: each committed unit's two episodes exist once; failed units left nothing.
    let episodes = episodes_where(&db, Some(Expr::col(Episodes::Title).like("storm-%"))).await;
    assert_eq!(episodes.len(), committed_units.len() * 2, "{episodes:?}");
    for (unit, pair) in &committed_units {
        for s in pair {
            let title = format!("storm-{unit}-{s}");
            assert_eq!(
                episodes
                    .iter()
                    .filter(|e| e.title == title && e.series_id == *s && e.total_viewers > 0)
                    .count(),
                1,
                "{title}"
            );
        }
    }

    assert_figures_match_base_tables(&db).await;
}

/// `series_stats` of every series against aggregates of `feedback` and `episodes`.
async fn assert_figures_match_base_tables(db: &Db) {
    let figures: Vec<StatsRow> = db
        .fetch_all(
            &Query::select()
                .column(SeriesStats::SeriesId)
                .exprs_as_signed(
                    [SeriesStats::Ratings, SeriesStats::RatingSum]
                        .into_iter()
                        .chain((1..=5).filter_map(SeriesStats::bucket))
                        .chain([SeriesStats::TotalViewers, SeriesStats::Episodes]),
                )
                .column(SeriesStats::AvgRating)
                .from(SeriesStats::Table)
                .to_owned(),
        )
        .await
        .expect("figures");
    assert!(!figures.is_empty());
    let reviews = reviews_where(db, None).await;
    let episodes = episodes_where(db, None).await;
    let series_count = db.count_rows(Series::Table).await.expect("count");
    assert_eq!(figures.len() as i64, series_count, "one row per series");
    for row in &figures {
        let ratings: Vec<i64> = reviews
            .iter()
            .filter(|r| r.series_id == row.series_id)
            .map(|r| r.rating)
            .collect();
        let per_star = |n: i64| ratings.iter().filter(|r| **r == n).count() as i64;
        let own: Vec<&EpisodeRow> = episodes
            .iter()
            .filter(|e| e.series_id == row.series_id)
            .collect();
        assert_eq!(row.ratings, ratings.len() as i64, "{row:?}");
        assert_eq!(row.rating_sum, ratings.iter().sum::<i64>(), "{row:?}");
        assert_eq!(
            [
                row.rating_1,
                row.rating_2,
                row.rating_3,
                row.rating_4,
                row.rating_5
            ],
            [
                per_star(1),
                per_star(2),
                per_star(3),
                per_star(4),
                per_star(5)
            ],
            "{row:?}"
        );
        match row.avg_rating {
            None => assert!(ratings.is_empty(), "{row:?}"),
            Some(avg) => {
                let exact = ratings.iter().sum::<i64>() as f64 / ratings.len() as f64;
                assert!((avg - exact).abs() < 1e-9, "{row:?}");
            }
        }
        assert_eq!(row.episodes, own.len() as i64, "{row:?}");
        assert_eq!(
            row.total_viewers,
            own.iter().map(|e| e.total_viewers).sum::<i64>(),
            "{row:?}"
        );
    }
}

/// `CAST(column AS SIGNED) AS column` for each column (MariaDB's integer types decode alike).
trait SignedColumns {
    fn exprs_as_signed(&mut self, columns: impl IntoIterator<Item = SeriesStats>) -> &mut Self;
}

impl SignedColumns for sea_query::SelectStatement {
    fn exprs_as_signed(&mut self, columns: impl IntoIterator<Item = SeriesStats>) -> &mut Self {
        for column in columns {
            self.expr_as(Func::cast_as(Expr::col(column), Computed::Signed), column);
        }
        self
    }
}
