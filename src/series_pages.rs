//! The series page's read model: per series, one JSON document (`series_pages.body`) with
//! what the page lists that only staff writes change — genres, subtitle and dubbing
//! languages, releases, episodes and airing windows — so a page view reads one row instead
//! of aggregating six tables (the series' own columns, names and `series_stats` figures are
//! joined to it in the same indexed read, `catalog::series_page`).
//!
//! Beside it, `series_pages.reviews` keeps the series' newest reviews (a page and one more),
//! so the page's first reviews come with the same read. Every review write declares it stale
//! (`series_stats::review_changed` calls `Tx::series_reviews_stale`) and the commit rebuilds
//! it with [`refresh_reviews`]; NULL means "not built" (a new series' row, until its first
//! review), and the page then reads `feedback`.
//!
//! Writers never build it: they declare the series they changed (`Tx::series_page_stale`,
//! from the staff entities' hooks and the link panels) and `Tx::commit` calls [`refresh`]
//! just before COMMIT, so the document is rebuilt from the base tables as this transaction
//! sees them. On MariaDB those reads lock (`FOR UPDATE`): a locking read sees the latest
//! committed rows, not the transaction's older snapshot, and holds them until COMMIT, so two
//! units changing one series cannot each write a document missing the other's change (they
//! wait, or deadlock and re-run). SQLite has one writer at a time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_query::{
    Expr, Func, IntoColumnRef, IntoTableRef, LockType, OnConflict, Order, Query, SelectStatement,
    SimpleExpr,
};
use serde::{Deserialize, Serialize};

use crate::db::schema::{
    Computed, Countries, Episodes, Genres, Languages, Schedules, Series, SeriesDubbings,
    SeriesGenres, SeriesPages, SeriesReleases, SeriesSubtitles,
};
use crate::db::{Conn, Db, Reader, Tx};
use crate::error::{Error, Result};
use crate::feedback::{self, ReviewRow};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReleaseRow {
    pub country: String,
    pub released_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EpisodeRow {
    pub number: i64,
    pub title: String,
    pub total_viewers: i64,
    pub tech_interrupt: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ScheduleRow {
    pub episode_number: i64,
    pub episode_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// What one series' page lists besides its own row and figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageDoc {
    /// By name (the database's collation).
    pub genres: Vec<String>,
    /// By name (sorted in Rust, the same on both databases).
    pub subtitles: Vec<String>,
    pub dubbings: Vec<String>,
    /// Earliest first, then by country.
    pub releases: Vec<ReleaseRow>,
    /// By number.
    pub episodes: Vec<EpisodeRow>,
    /// Every airing window, soonest first (the page picks those not ended yet, [`upcoming`]).
    pub schedules: Vec<ScheduleRow>,
}

/// How many airing windows the series page lists.
pub const UPCOMING_SCHEDULES: usize = 12;

/// The airing windows that have not ended by `today`, soonest first, at most a page's worth.
pub fn upcoming(schedules: &[ScheduleRow], today: NaiveDate) -> Vec<ScheduleRow> {
    schedules
        .iter()
        .filter(|s| s.ends_on >= today)
        .take(UPCOMING_SCHEDULES)
        .cloned()
        .collect()
}

impl PageDoc {
    pub fn parse(body: &str) -> Result<PageDoc> {
        serde_json::from_str(body)
            .map_err(|e| Error::internal(format_args!("unreadable series page document: {e}")))
    }
}

/// Where the reads run: a transaction (locking on MariaDB) or a reader (the fallback for a
/// series whose row is missing).
pub trait Source: Send {
    fn conn(&mut self) -> Conn<'_>;
    fn locks(&self) -> bool;
}

impl Source for Tx {
    fn conn(&mut self) -> Conn<'_> {
        Tx::conn(self)
    }
    fn locks(&self) -> bool {
        true
    }
}

impl Source for Reader {
    fn conn(&mut self) -> Conn<'_> {
        Reader::conn(self)
    }
    fn locks(&self) -> bool {
        false
    }
}

/// How many series one round of statements covers.
const CHUNK: usize = 500;

/// Rebuilds the documents of `series_ids` (ascending) from the base tables, inside `tx`.
/// Series that no longer exist are skipped (their row went with them, ON DELETE CASCADE).
pub async fn refresh(tx: &mut Tx, series_ids: &[i64]) -> Result<()> {
    for chunk in series_ids.chunks(CHUNK) {
        // The series rows first, in id order: it serializes refreshes of one series and
        // tells which still exist.
        let ids = lock_existing(tx, chunk).await?;
        if ids.is_empty() {
            continue;
        }
        let docs = build(tx, &ids).await?;
        // The kept reviews are left alone (a new row starts without them, "not built"):
        // staff writes touching many series then lock no reviews.
        let mut insert = Query::insert();
        insert
            .into_table(SeriesPages::Table)
            .columns([SeriesPages::SeriesId, SeriesPages::Body])
            .on_conflict(
                OnConflict::column(SeriesPages::SeriesId)
                    .update_column(SeriesPages::Body)
                    .to_owned(),
            );
        for (id, doc) in docs {
            let body = serde_json::to_string(&doc)
                .map_err(|e| Error::internal(format_args!("series page document: {e}")))?;
            insert.values_panic([id.into(), body.into()]);
        }
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// How many reviews `series_pages.reviews` keeps: the first page, and one more that tells
/// whether a next page exists.
pub const KEPT_REVIEWS: u64 = feedback::REVIEWS_PER_PAGE as u64 + 1;

/// Locks the rows of those of `series_ids` (ascending) that still exist, in id order, and
/// returns their ids: it serializes rebuilds of one series' read model.
async fn lock_existing(tx: &mut Tx, series_ids: &[i64]) -> Result<Vec<i64>> {
    let select = Query::select()
        .column(Series::Id)
        .from(Series::Table)
        .and_where(Expr::col(Series::Id).is_in(series_ids.iter().copied()))
        .order_by(Series::Id, Order::Asc)
        .lock(LockType::Update)
        .to_owned();
    let existing: Vec<(i64,)> = tx.fetch_all(&select).await?;
    Ok(existing.into_iter().map(|(id,)| id).collect())
}

/// Rebuilds the kept first page of reviews of `series_ids` (ascending), inside `tx`, after
/// [`refresh`] (so a row it created gets them too).
pub async fn refresh_reviews(tx: &mut Tx, series_ids: &[i64]) -> Result<()> {
    for chunk in series_ids.chunks(CHUNK) {
        let ids = lock_existing(tx, chunk).await?;
        let reviews = build_reviews(tx, &ids).await?;
        for (id, reviews) in ids.into_iter().zip(reviews) {
            let update = Query::update()
                .table(SeriesPages::Table)
                .value(SeriesPages::Reviews, reviews)
                .and_where(Expr::col(SeriesPages::SeriesId).eq(id))
                .to_owned();
            // A series without a row (written around the model) gets one from `fill_missing`.
            tx.execute(&update).await?;
        }
    }
    Ok(())
}

/// The kept reviews of each of `series_ids`, as JSON, newest first. `None` ("not built") for
/// a series with a reviewer this transaction cannot see: on MariaDB, an account created after
/// its snapshot (the page then reads `feedback` itself until the next review write).
async fn build_reviews(tx: &mut Tx, series_ids: &[i64]) -> Result<Vec<Option<String>>> {
    let mut newest = Vec::with_capacity(series_ids.len());
    for &id in series_ids {
        newest.push(feedback::newest_locked(tx, id, KEPT_REVIEWS).await?);
    }
    let reviewers: BTreeSet<i64> = newest.iter().flatten().map(|r| r.account_id).collect();
    let names = if reviewers.is_empty() {
        Default::default()
    } else {
        feedback::usernames(tx, reviewers).await?
    };
    let mut built = Vec::with_capacity(newest.len());
    for reviews in newest {
        let rows: Option<Vec<ReviewRow>> = reviews
            .into_iter()
            .map(|r| {
                Some(ReviewRow {
                    username: names.get(&r.account_id)?.clone(),
                    account_id: r.account_id,
                    rating: r.rating,
                    body: r.body,
                    recorded_at: r.recorded_at,
                })
            })
            .collect();
        built.push(match rows {
            Some(rows) => Some(
                serde_json::to_string(&rows)
                    .map_err(|e| Error::internal(format_args!("series page reviews: {e}")))?,
            ),
            None => None,
        });
    }
    Ok(built)
}

/// Reads kept reviews back (see [`KEPT_REVIEWS`]).
pub fn parse_reviews(json: &str) -> Result<Vec<ReviewRow>> {
    serde_json::from_str(json)
        .map_err(|e| Error::internal(format_args!("unreadable series page reviews: {e}")))
}

/// Rebuilds every series' document and kept reviews (after a bulk load), in the caller's
/// transaction.
pub async fn rebuild_all(tx: &mut Tx) -> Result<()> {
    let select = Query::select()
        .column(Series::Id)
        .from(Series::Table)
        .order_by(Series::Id, Order::Asc)
        .to_owned();
    let ids: Vec<(i64,)> = tx.fetch_all(&select).await?;
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    refresh(tx, &ids).await?;
    refresh_reviews(tx, &ids).await
}

/// Fills the rows of series that have none, and the kept reviews not built yet (the data
/// migrations after `…_series_pages.sql` and `…_series_page_reviews.sql`, and a repair), a
/// chunk per transaction.
pub async fn fill_missing(db: &Db) -> Result<()> {
    let select = Query::select()
        .column((Series::Table, Series::Id))
        .from(Series::Table)
        .left_join(
            SeriesPages::Table,
            Expr::col((SeriesPages::Table, SeriesPages::SeriesId))
                .equals((Series::Table, Series::Id)),
        )
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col((SeriesPages::Table, SeriesPages::SeriesId)).is_null())
                .add(Expr::col((SeriesPages::Table, SeriesPages::Reviews)).is_null()),
        )
        .order_by((Series::Table, Series::Id), Order::Asc)
        .to_owned();
    let missing: Vec<(i64,)> = db.fetch_all(&select).await?;
    let missing: Vec<i64> = missing.into_iter().map(|(id,)| id).collect();
    for chunk in missing.chunks(CHUNK) {
        db.transaction("fill series page documents", |tx| {
            let chunk = chunk.to_vec();
            Box::pin(async move {
                for id in chunk {
                    tx.series_page_stale(id);
                    tx.series_reviews_stale(id);
                }
                Ok(())
            })
        })
        .await?;
    }
    if !missing.is_empty() {
        tracing::info!(series = missing.len(), "series page documents filled");
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Named {
    series_id: i64,
    name: String,
}

#[derive(sqlx::FromRow)]
struct KeyedRelease {
    series_id: i64,
    #[sqlx(flatten)]
    row: ReleaseRow,
}

#[derive(sqlx::FromRow)]
struct KeyedEpisode {
    series_id: i64,
    #[sqlx(flatten)]
    row: EpisodeRow,
}

#[derive(sqlx::FromRow)]
struct KeyedSchedule {
    series_id: i64,
    #[sqlx(flatten)]
    row: ScheduleRow,
}

fn signed(col: SimpleExpr) -> SimpleExpr {
    Func::cast_as(col, Computed::Signed).into()
}

/// The documents of `ids` (existing series, ascending) as `source` reads the base tables:
/// five statements for any number of series.
pub async fn build(source: &mut impl Source, ids: &[i64]) -> Result<Vec<(i64, PageDoc)>> {
    let lock = source.locks();
    let finish = |mut select: SelectStatement| {
        if lock {
            select.lock(LockType::Update);
        }
        select
    };
    let mut docs: BTreeMap<i64, PageDoc> = ids.iter().map(|&id| (id, PageDoc::default())).collect();

    let genres = Query::select()
        .column((SeriesGenres::Table, SeriesGenres::SeriesId))
        .column((Genres::Table, Genres::Name))
        .from(SeriesGenres::Table)
        .inner_join(
            Genres::Table,
            Expr::col((Genres::Table, Genres::Id))
                .equals((SeriesGenres::Table, SeriesGenres::GenreId)),
        )
        .and_where(
            Expr::col((SeriesGenres::Table, SeriesGenres::SeriesId)).is_in(ids.iter().copied()),
        )
        .order_by((SeriesGenres::Table, SeriesGenres::SeriesId), Order::Asc)
        .order_by((Genres::Table, Genres::Name), Order::Asc)
        .to_owned();
    let rows: Vec<Named> = source.conn().fetch_all(&finish(genres)).await?;
    for row in rows {
        if let Some(doc) = docs.get_mut(&row.series_id) {
            doc.genres.push(row.name);
        }
    }

    for subtitles in [true, false] {
        let (table, series_col, language_col) = if subtitles {
            (
                SeriesSubtitles::Table.into_table_ref(),
                Expr::col((SeriesSubtitles::Table, SeriesSubtitles::SeriesId)),
                Expr::col((SeriesSubtitles::Table, SeriesSubtitles::LanguageId)),
            )
        } else {
            (
                SeriesDubbings::Table.into_table_ref(),
                Expr::col((SeriesDubbings::Table, SeriesDubbings::SeriesId)),
                Expr::col((SeriesDubbings::Table, SeriesDubbings::LanguageId)),
            )
        };
        let select = Query::select()
            .expr_as(series_col.clone(), SeriesSubtitles::SeriesId)
            .expr_as(
                Expr::col((Languages::Table, Languages::Name)),
                Languages::Name,
            )
            .from(table)
            .inner_join(
                Languages::Table,
                Expr::col((Languages::Table, Languages::Id)).eq(language_col),
            )
            .and_where(series_col.is_in(ids.iter().copied()))
            .to_owned();
        let rows: Vec<Named> = source.conn().fetch_all(&finish(select)).await?;
        for row in rows {
            if let Some(doc) = docs.get_mut(&row.series_id) {
                match subtitles {
                    true => doc.subtitles.push(row.name),
                    false => doc.dubbings.push(row.name),
                }
            }
        }
    }

    let releases = Query::select()
        .column((SeriesReleases::Table, SeriesReleases::SeriesId))
        .expr_as(
            Expr::col((Countries::Table, Countries::Name)),
            crate::db::schema::SeriesPageAlias::Country,
        )
        .column((SeriesReleases::Table, SeriesReleases::ReleasedOn))
        .from(SeriesReleases::Table)
        .inner_join(
            Countries::Table,
            Expr::col((Countries::Table, Countries::Id))
                .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
        )
        .and_where(
            Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId)).is_in(ids.iter().copied()),
        )
        .order_by(
            (SeriesReleases::Table, SeriesReleases::SeriesId),
            Order::Asc,
        )
        .order_by(
            (SeriesReleases::Table, SeriesReleases::ReleasedOn),
            Order::Asc,
        )
        .order_by((Countries::Table, Countries::Name), Order::Asc)
        .to_owned();
    let rows: Vec<KeyedRelease> = source.conn().fetch_all(&finish(releases)).await?;
    for row in rows {
        if let Some(doc) = docs.get_mut(&row.series_id) {
            doc.releases.push(row.row);
        }
    }

    let episodes = Query::select()
        .column(Episodes::SeriesId)
        .expr_as(signed(Expr::col(Episodes::Number).into()), Episodes::Number)
        .columns([
            Episodes::Title,
            Episodes::TotalViewers,
            Episodes::TechInterrupt,
        ])
        .from(Episodes::Table)
        .and_where(Expr::col(Episodes::SeriesId).is_in(ids.iter().copied()))
        .order_by(Episodes::SeriesId, Order::Asc)
        .order_by(Episodes::Number, Order::Asc)
        .to_owned();
    let rows: Vec<KeyedEpisode> = source.conn().fetch_all(&finish(episodes)).await?;
    for row in rows {
        if let Some(doc) = docs.get_mut(&row.series_id) {
            doc.episodes.push(row.row);
        }
    }

    use crate::db::schema::SeriesPageAlias as A;
    let schedules = Query::select()
        .column((Episodes::Table, Episodes::SeriesId))
        .expr_as(
            signed(Expr::col((Episodes::Table, Episodes::Number)).into()),
            A::EpisodeNumber,
        )
        .expr_as(
            Expr::col((Episodes::Table, Episodes::Title)),
            A::EpisodeTitle,
        )
        .column((Schedules::Table, Schedules::StartsOn))
        .column((Schedules::Table, Schedules::EndsOn))
        .from(Schedules::Table)
        .inner_join(
            Episodes::Table,
            Expr::col((Episodes::Table, Episodes::Id))
                .equals((Schedules::Table, Schedules::EpisodeId)),
        )
        .and_where(Expr::col((Episodes::Table, Episodes::SeriesId)).is_in(ids.iter().copied()))
        .order_by((Episodes::Table, Episodes::SeriesId), Order::Asc)
        .order_by((Schedules::Table, Schedules::StartsOn), Order::Asc)
        .order_by((Episodes::Table, Episodes::Number), Order::Asc)
        .order_by((Schedules::Table, Schedules::Id), Order::Asc)
        .to_owned();
    let rows: Vec<KeyedSchedule> = source.conn().fetch_all(&finish(schedules)).await?;
    for row in rows {
        if let Some(doc) = docs.get_mut(&row.series_id) {
            doc.schedules.push(row.row);
        }
    }

    for doc in docs.values_mut() {
        doc.subtitles.sort();
        doc.dubbings.sort();
    }
    Ok(docs.into_iter().collect())
}

/// Marks the series of `episode_id` stale, reading it under a lock so a concurrent move of
/// the episode to another series is seen (MariaDB's plain read could be an older snapshot).
pub async fn episode_stale(tx: &mut Tx, episode_id: i64) -> Result<()> {
    let select = Query::select()
        .column(Episodes::SeriesId)
        .from(Episodes::Table)
        .and_where(Expr::col(Episodes::Id).eq(episode_id))
        .lock(LockType::Update)
        .to_owned();
    let series: Option<(i64,)> = tx.fetch_optional(&select).await?;
    if let Some((series,)) = series {
        tx.series_page_stale(series);
    }
    Ok(())
}

/// Marks stale every series linked to reference row `id` through `table` (its series column
/// and its reference column), e.g. the series tagged with a genre being renamed or deleted.
pub async fn linked_stale(
    tx: &mut Tx,
    table: impl IntoTableRef,
    series_col: impl IntoColumnRef,
    target_col: impl IntoColumnRef,
    id: i64,
) -> Result<()> {
    let select = Query::select()
        .column(series_col)
        .from(table)
        .and_where(Expr::col(target_col).eq(id))
        .lock(LockType::Update)
        .to_owned();
    let rows: Vec<(i64,)> = tx.fetch_all(&select).await?;
    for (series,) in rows {
        tx.series_page_stale(series);
    }
    Ok(())
}
