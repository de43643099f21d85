//! Materialized analytics. A refresh computes the six query results, the chart datasets and
//! both reports from the base tables and stores them in one transaction with the time its
//! computation started (the snapshot's "as of"); staff pages read only what it stored, so
//! their cost does not grow with the catalog, and every process sees the same snapshot.
//!
//! Two refreshes never run at once: a refresh first takes the lease on the one
//! `analytics_refresh` row (a conditional UPDATE, so it works across processes), and stores
//! its results only while it still holds it. A crashed refresh's lease runs out after
//! [`LEASE`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_query::{Expr, Query as Sql};

use super::charts::{self, Chart};
use super::dataset::Dataset;
use super::queries::{self, AnalyticsQuery, RegionPair};
use super::reports;
use super::table::Rows;
use crate::clock::Clock;
use crate::db::schema::{AnalyticsRefresh, AnalyticsSnapshots};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// How long a refresh may hold the lease; one that takes longer (or whose process died) is
/// presumed gone, and the next refresh takes over.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// A scheduled refresh skips its turn when the snapshot is younger than this (another
/// process's schedule, a button or a debounced write has just refreshed it).
pub const SCHEDULED_SKIP_IF_NEWER: chrono::Duration = chrono::Duration::minutes(2);

/// How often a refresh waiting for another one to finish looks again.
const WAIT_STEP: Duration = Duration::from_millis(250);

/// The stored name of the chart datasets' row.
const CHARTS: &str = "charts";

/// Everything the dashboard shows, as of `computed_at`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub computed_at: DateTime<Utc>,
    /// The six results, in [`AnalyticsQuery::ALL`] order (`regions` for the default pair).
    pub results: Vec<(AnalyticsQuery, Rows)>,
    pub charts: Vec<Chart>,
}

impl Snapshot {
    pub fn result(&self, query: AnalyticsQuery) -> Option<&Rows> {
        self.results
            .iter()
            .find(|(q, _)| *q == query)
            .map(|(_, rows)| rows)
    }
}

/// The refresh's bookkeeping, as the dashboard shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Status {
    pub requested_at: Option<DateTime<Utc>>,
    pub computed_at: Option<DateTime<Utc>>,
    pub lease_until: Option<DateTime<Utc>>,
}

impl Status {
    /// Whether a refresh was asked for and its snapshot has not landed yet.
    pub fn refreshing(&self) -> bool {
        match (self.requested_at, self.computed_at) {
            (Some(requested), Some(computed)) => requested > computed,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

pub async fn status(db: &Db) -> Result<Status> {
    let select = Sql::select()
        .columns([
            AnalyticsRefresh::RequestedAt,
            AnalyticsRefresh::ComputedAt,
            AnalyticsRefresh::LeaseUntil,
        ])
        .from(AnalyticsRefresh::Table)
        .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
        .to_owned();
    Ok(db
        .fetch_optional::<Status>(&select)
        .await?
        .unwrap_or_default())
}

/// Records that a refresh was asked for at `now` (the dashboard shows "refreshing" until a
/// snapshot computed after it lands), in the unit of work that queues the job.
pub async fn mark_requested(tx: &mut Tx, now: DateTime<Utc>) -> Result<()> {
    let update = Sql::update()
        .table(AnalyticsRefresh::Table)
        .value(AnalyticsRefresh::RequestedAt, now)
        .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
        .and_where(
            Expr::col(AnalyticsRefresh::RequestedAt)
                .is_null()
                .or(Expr::col(AnalyticsRefresh::RequestedAt).lt(now)),
        )
        .to_owned();
    tx.execute(&update).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    query_name: String,
    body: String,
    refreshed_at: DateTime<Utc>,
}

/// The stored snapshot, or `None` before the first refresh.
pub async fn load(db: &Db) -> Result<Option<Snapshot>> {
    let select = Sql::select()
        .columns([
            AnalyticsSnapshots::QueryName,
            AnalyticsSnapshots::Body,
            AnalyticsSnapshots::RefreshedAt,
        ])
        .from(AnalyticsSnapshots::Table)
        .to_owned();
    let rows = db.fetch_all::<StoredRow>(&select).await?;
    let Some(computed_at) = rows.iter().map(|r| r.refreshed_at).max() else {
        return Ok(None);
    };
    let corrupt = |e: serde_json::Error| Error::internal(format_args!("analytics snapshot: {e}"));
    let mut results = Vec::with_capacity(AnalyticsQuery::ALL.len());
    for &query in AnalyticsQuery::ALL {
        let Some(row) = rows.iter().find(|r| r.query_name == query.slug()) else {
            return Ok(None);
        };
        results.push((query, serde_json::from_str(&row.body).map_err(corrupt)?));
    }
    let charts = match rows.iter().find(|r| r.query_name == CHARTS) {
        Some(row) => serde_json::from_str(&row.body).map_err(corrupt)?,
        None => return Ok(None),
    };
    Ok(Some(Snapshot {
        computed_at,
        results,
        charts,
    }))
}

/// What a call to [`refresh`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new snapshot was stored.
    Refreshed {
        computed_at: DateTime<Utc>,
        took: Duration,
    },
    /// A snapshot computed after the request had already landed: nothing to do.
    AlreadyCurrent,
    /// Another refresh holds the lease (only for unrequested, scheduled refreshes, which
    /// then simply skip their turn).
    Busy,
}

/// Computes and stores a new snapshot, unless one computed after `requested_at` already
/// exists. With a request time it waits for a running refresh to finish first (then usually
/// finds its result current); without one (the schedule) it skips when another one runs or
/// the snapshot is younger than [`SCHEDULED_SKIP_IF_NEWER`].
pub async fn refresh(
    db: &Db,
    clock: &Clock,
    requested_at: Option<DateTime<Utc>>,
) -> Result<Outcome> {
    let owner = crate::auth::tokens::random_token();
    let waiting_since = Instant::now();
    let current = |computed: Option<DateTime<Utc>>| match (requested_at, computed) {
        (Some(requested), Some(computed)) => computed >= requested,
        _ => false,
    };
    loop {
        let computed_at = status(db).await?.computed_at;
        if current(computed_at) {
            return Ok(Outcome::AlreadyCurrent);
        }
        if requested_at.is_none()
            && computed_at.is_some_and(|at| at > clock.now() - SCHEDULED_SKIP_IF_NEWER)
        {
            return Ok(Outcome::AlreadyCurrent);
        }
        if take_lease(db, &owner, clock.now()).await? {
            // The refresh that held the lease may have finished between the check above and
            // taking it: then its snapshot already answers this request.
            if current(status(db).await?.computed_at) {
                release_lease(db, &owner).await?;
                return Ok(Outcome::AlreadyCurrent);
            }
            break;
        }
        if requested_at.is_none() {
            return Ok(Outcome::Busy);
        }
        if waiting_since.elapsed() > LEASE.to_std().unwrap_or(Duration::MAX) {
            return Err(Error::internal("analytics refresh: lease never came free"));
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
    let started = Instant::now();
    let computed_at = clock.now();
    let stored = compute_and_store(db, &owner, computed_at).await;
    if stored.is_err() {
        // Let the next refresh start at once rather than after the lease runs out.
        release_lease(db, &owner).await.ok();
    }
    stored?;
    let took = started.elapsed();
    tracing::info!(
        took_ms = took.as_millis() as u64,
        "analytics snapshot refreshed"
    );
    Ok(Outcome::Refreshed { computed_at, took })
}

async fn compute_and_store(db: &Db, owner: &str, computed_at: DateTime<Utc>) -> Result<()> {
    let regions = RegionPair::default();
    let mut bodies = Vec::with_capacity(AnalyticsQuery::ALL.len() + 1);
    for &query in AnalyticsQuery::ALL {
        let rows = queries::run(db, query, &regions).await?;
        bodies.push((query.slug().to_owned(), to_json(&rows)?));
    }
    bodies.push((CHARTS.to_owned(), to_json(&charts::compute(db).await?)?));
    let reports = Arc::new(reports::compute(db).await?);
    let bodies = Arc::new(bodies);
    let owner = Arc::new(owner.to_owned());
    db.transaction("store an analytics snapshot", move |tx| {
        let (bodies, reports, owner) = (bodies.clone(), reports.clone(), owner.clone());
        Box::pin(async move {
            // The lease row first (the house lock order puts bookkeeping before the data it
            // guards): a refresh that lost its lease stores nothing.
            if !finish_lease(tx, &owner, computed_at).await? {
                return Err(Error::internal("analytics refresh: lease lost"));
            }
            tx.execute(
                &Sql::delete()
                    .from_table(AnalyticsSnapshots::Table)
                    .to_owned(),
            )
            .await?;
            let mut insert = Sql::insert();
            insert.into_table(AnalyticsSnapshots::Table).columns([
                AnalyticsSnapshots::QueryName,
                AnalyticsSnapshots::Body,
                AnalyticsSnapshots::RefreshedAt,
            ]);
            for (name, body) in bodies.iter() {
                let mut one = insert.clone();
                one.values_panic([name.clone().into(), body.clone().into(), computed_at.into()]);
                tx.execute(&one).await?;
            }
            reports::store(tx, &reports).await
        })
    })
    .await
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::internal(format_args!("analytics snapshot: {e}")))
}

/// Takes the lease if it is free (never taken, released, or run out).
async fn take_lease(db: &Db, owner: &str, now: DateTime<Utc>) -> Result<bool> {
    let update = Sql::update()
        .table(AnalyticsRefresh::Table)
        .value(AnalyticsRefresh::LeaseOwner, owner)
        .value(AnalyticsRefresh::LeaseUntil, now + LEASE)
        .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
        .and_where(
            Expr::col(AnalyticsRefresh::LeaseUntil)
                .is_null()
                .or(Expr::col(AnalyticsRefresh::LeaseUntil).lt(now)),
        )
        .to_owned();
    Ok(db.write("take the analytics lease", update).await? == 1)
}

/// Inside the storing transaction: records the new "as of" and frees the lease, if `owner`
/// still holds it.
async fn finish_lease(tx: &mut Tx, owner: &str, computed_at: DateTime<Utc>) -> Result<bool> {
    let update = Sql::update()
        .table(AnalyticsRefresh::Table)
        .value(AnalyticsRefresh::ComputedAt, computed_at)
        .value(AnalyticsRefresh::LeaseOwner, Option::<String>::None)
        .value(AnalyticsRefresh::LeaseUntil, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
        .and_where(Expr::col(AnalyticsRefresh::LeaseOwner).eq(owner))
        .to_owned();
    Ok(tx.execute(&update).await? == 1)
}

async fn release_lease(db: &Db, owner: &str) -> Result<()> {
    let update = Sql::update()
        .table(AnalyticsRefresh::Table)
        .value(AnalyticsRefresh::LeaseOwner, Option::<String>::None)
        .value(AnalyticsRefresh::LeaseUntil, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(AnalyticsRefresh::Id).eq(1))
        .and_where(Expr::col(AnalyticsRefresh::LeaseOwner).eq(owner))
        .to_owned();
    db.write("release the analytics lease", update).await?;
    Ok(())
}

/// This process's parsed copy of the stored snapshot: each request reads the tiny refresh
/// row, and parses the stored results again only when a newer snapshot has landed.
#[derive(Default)]
pub struct SnapshotCache {
    current: std::sync::Mutex<Option<Arc<Snapshot>>>,
}

impl SnapshotCache {
    /// The refresh's status and the snapshot it names (`None` before the first refresh).
    pub async fn get(&self, db: &Db) -> Result<(Status, Option<Arc<Snapshot>>)> {
        let status = status(db).await?;
        let Some(computed_at) = status.computed_at else {
            return Ok((status, None));
        };
        if let Some(cached) = self.cached().filter(|s| s.computed_at == computed_at) {
            return Ok((status, Some(cached)));
        }
        let loaded = load(db).await?.map(Arc::new);
        if let Some(snapshot) = &loaded {
            *self
                .current
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot.clone());
        }
        Ok((status, loaded))
    }

    fn cached(&self) -> Option<Arc<Snapshot>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
