//! The transaction helper against real databases: a real InnoDB deadlock, a real lock-wait
//! timeout, SQLite busy, retry exhaustion, and errors that must not be retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sea_query::{Expr, Func, Query};
use streamvault::db::schema::{Computed, Countries, Languages};
use streamvault::db::{Db, Tx};
use streamvault::error::Error;
use tokio::sync::{Barrier, Notify};

use crate::both_backends;
use crate::helpers::{eventually, Backend, TestDb, DEADLINE};

/// SQLite's busy timeout (`Db::connect`): how long BEGIN waits for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

#[derive(sqlx::FromRow)]
struct Region {
    region: String,
}

async fn setup(db: &Db) {
    let insert = Query::insert()
        .into_table(Countries::Table)
        .columns([Countries::Id, Countries::Name, Countries::Region])
        .values_panic([1.into(), "First".into(), "start".into()])
        .values_panic([2.into(), "Second".into(), "start".into()])
        .to_owned();
    db.execute(&insert).await.expect("seed countries");
}

/// A fresh database with two countries (rows 1 and 2) to lock; keep the `TestDb` alive.
async fn fixture(backend: Backend) -> (TestDb, Db) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.db.clone();
    setup(&db).await;
    (test_db, db)
}

async fn languages_named(db: &Db, name: &str) -> i64 {
    let query = Query::select()
        .expr_as(Func::count(Expr::col(Languages::Id)), Computed::Count)
        .from(Languages::Table)
        .and_where(Expr::col(Languages::Name).eq(name))
        .to_owned();
    db.fetch_optional::<Count>(&query)
        .await
        .expect("count")
        .map(|c| c.n)
        .unwrap_or(0)
}

async fn region(db: &Db, id: i64) -> String {
    let query = Query::select()
        .column(Countries::Region)
        .from(Countries::Table)
        .and_where(Expr::col(Countries::Id).eq(id))
        .to_owned();
    db.fetch_optional::<Region>(&query)
        .await
        .expect("region")
        .expect("row")
        .region
}

async fn set_region(tx: &mut Tx, id: i64, region: &str) -> Result<u64, Error> {
    tx.execute(
        &Query::update()
            .table(Countries::Table)
            .value(Countries::Region, region)
            .and_where(Expr::col(Countries::Id).eq(id))
            .to_owned(),
    )
    .await
}

async fn add_language(tx: &mut Tx, name: &str) -> Result<i64, Error> {
    tx.insert(
        &Query::insert()
            .into_table(Languages::Table)
            .columns([Languages::Name])
            .values_panic([name.into()])
            .to_owned(),
    )
    .await
}

/// Locks `first` then `second`, waiting at the barrier in between on the first run only.
async fn lock_in_order(
    db: Db,
    first: i64,
    second: i64,
    label: &'static str,
    barrier: Arc<Barrier>,
    runs: Arc<AtomicUsize>,
) -> Result<(), Error> {
    db.transaction("test setup", move |tx| {
        let (barrier, runs) = (barrier.clone(), runs.clone());
        Box::pin(async move {
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            set_region(tx, first, label).await?;
            add_language(tx, label).await?;
            if run == 1 {
                barrier.wait().await;
            }
            set_region(tx, second, label).await?;
            Ok(())
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_deadlock_reruns_the_victim_exactly_once() {
    let (_test_db, db) = fixture(Backend::MySql).await;
    let barrier = Arc::new(Barrier::new(2));
    let (runs_x, runs_y) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let x = tokio::spawn(lock_in_order(
        db.clone(),
        1,
        2,
        "from-x",
        barrier.clone(),
        runs_x.clone(),
    ));
    let y = tokio::spawn(lock_in_order(
        db.clone(),
        2,
        1,
        "from-y",
        barrier.clone(),
        runs_y.clone(),
    ));
    let (x, y) = (x.await.expect("join"), y.await.expect("join"));
    assert!(x.is_ok(), "{x:?}");
    assert!(y.is_ok(), "{y:?}");

    let (rx, ry) = (runs_x.load(Ordering::SeqCst), runs_y.load(Ordering::SeqCst));
    assert_eq!(
        rx + ry,
        3,
        "one of the two was the deadlock victim and re-ran once (x ran {rx}, y ran {ry})"
    );
    // Each unit's effect happened exactly once; the victim's first, rolled-back run left nothing.
    assert_eq!(languages_named(&db, "from-x").await, 1);
    assert_eq!(languages_named(&db, "from-y").await, 1);
    let victim = if rx == 2 { "from-x" } else { "from-y" };
    assert_eq!(region(&db, 1).await, victim, "the re-run committed last");
    assert_eq!(region(&db, 2).await, victim);
}

/// Holds row 1 until `release` is notified.
async fn hold_row_one(db: &Db, release: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    let mut holder = db.begin().await.expect("begin holder");
    set_region(&mut holder, 1, "held")
        .await
        .expect("lock row 1");
    tokio::spawn(async move {
        release.notified().await;
        holder.commit().await.expect("holder commits");
    })
}

async fn insert_then_wait_for_row_one(
    db: &Db,
    runs: Arc<AtomicUsize>,
    release_on_run: usize,
    release: Arc<Notify>,
) -> Result<(), Error> {
    db.transaction("test setup", move |tx| {
        let (runs, release) = (runs.clone(), release.clone());
        Box::pin(async move {
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            tx.execute_static("SET SESSION innodb_lock_wait_timeout = 1")
                .await?;
            // A write before the blocked statement: InnoDB keeps it after a lock-wait timeout
            // unless the helper rolls the transaction back.
            add_language(tx, "from-unit").await?;
            if run == release_on_run {
                release.notify_one();
            }
            set_region(tx, 1, "unit").await?;
            Ok(())
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_wait_timeout_rolls_back_and_reruns() {
    let (_test_db, db) = fixture(Backend::MySql).await;
    let release = Arc::new(Notify::new());
    let holder = hold_row_one(&db, release.clone()).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let outcome = insert_then_wait_for_row_one(&db, runs.clone(), 2, release).await;
    holder.await.expect("holder");
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "timed out once, then succeeded"
    );
    assert_eq!(
        languages_named(&db, "from-unit").await,
        1,
        "the first run's insert was rolled back, not committed"
    );
    assert_eq!(region(&db, 1).await, "unit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_that_never_frees_ends_in_unavailable_after_three_retries() {
    let (_test_db, db) = fixture(Backend::MySql).await;
    let release = Arc::new(Notify::new());
    let holder = hold_row_one(&db, release.clone()).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let outcome =
        insert_then_wait_for_row_one(&db, runs.clone(), usize::MAX, release.clone()).await;
    release.notify_one();
    holder.await.expect("holder");
    assert!(matches!(outcome, Err(Error::Unavailable)), "{outcome:?}");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1 + streamvault::db::MAX_RETRIES as usize
    );
    assert_eq!(
        languages_named(&db, "from-unit").await,
        0,
        "nothing partial was committed"
    );
    assert_eq!(region(&db, 1).await, "held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_busy_is_retried() {
    crate::helpers::capture_logs();
    let (_test_db, db) = fixture(Backend::Sqlite).await;
    // BEGIN IMMEDIATE takes the write lock; the unit's BEGIN waits out the busy timeout (5 s),
    // fails, and is retried. The holder lets go only once that retry was logged, so the test
    // fails if BEGIN is not retried, however slow the machine.
    let mut holder = db.begin().await.expect("begin holder");
    set_region(&mut holder, 1, "held").await.expect("write");
    let release = tokio::spawn(async move {
        eventually(BUSY_TIMEOUT + DEADLINE, || async {
            let retried = |line: &str| {
                line.contains("re-running transaction") && line.contains("sqlite busy")
            };
            if crate::helpers::logged(|logs| logs.lines().any(retried)) {
                Ok(())
            } else {
                Err("no \"re-running transaction\" for \"sqlite busy\" in the logs")
            }
        })
        .await;
        holder.commit().await.expect("holder commits");
    });
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let outcome = db
        .transaction("test setup", move |tx| {
            let runs = counted.clone();
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                set_region(tx, 1, "unit").await?;
                Ok(())
            })
        })
        .await;
    release.await.expect("holder");
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the unit ran once, after BEGIN was retried"
    );
    assert_eq!(region(&db, 1).await, "unit");
}

async fn constraint_violations_are_not_retried(backend: Backend) {
    let (_test_db, db) = fixture(backend).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let outcome = db
        .transaction("test setup", move |tx| {
            let runs = counted.clone();
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                add_language(tx, "kept out").await?;
                // Duplicate name: a UNIQUE violation.
                tx.insert(
                    &Query::insert()
                        .into_table(Countries::Table)
                        .columns([Countries::Name, Countries::Region])
                        .values_panic(["First".into(), "x".into()])
                        .to_owned(),
                )
                .await?;
                Ok(())
            })
        })
        .await;
    assert!(
        outcome.as_ref().is_err_and(Error::is_unique_violation),
        "{outcome:?}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(languages_named(&db, "kept out").await, 0, "rolled back");
}
both_backends!(constraint_violations_are_not_retried);

async fn schema_enforces_the_documented_rules(backend: Backend) {
    use streamvault::db::schema::{Contracts, ProductionHouses};
    let test_db = TestDb::new(backend).await;
    let db = &test_db.db;
    let bad_year = Query::insert()
        .into_table(ProductionHouses::Table)
        .columns([
            ProductionHouses::Name,
            ProductionHouses::Street,
            ProductionHouses::City,
            ProductionHouses::State,
            ProductionHouses::PostalCode,
            ProductionHouses::Country,
            ProductionHouses::YearEstablished,
        ])
        .values_panic([
            "Old".into(),
            "s".into(),
            "c".into(),
            "st".into(),
            "1".into(),
            "X".into(),
            1799.into(),
        ])
        .to_owned();
    assert!(
        db.execute(&bad_year).await.is_err(),
        "year_established 1799 refused"
    );
    let orphan_contract = Query::insert()
        .into_table(Contracts::Table)
        .columns([
            Contracts::SeriesId,
            Contracts::PerEpisodeChargeCents,
            Contracts::StartsOn,
            Contracts::EndsOn,
        ])
        .values_panic([
            4242.into(),
            100.into(),
            "2024-01-01".into(),
            "2025-01-01".into(),
        ])
        .to_owned();
    assert!(
        db.execute(&orphan_contract).await.is_err(),
        "foreign key enforced"
    );
}
both_backends!(schema_enforces_the_documented_rules);
