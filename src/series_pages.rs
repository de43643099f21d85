//! The series page's read model: per series, one JSON document (`series_pages.body`) with
//! what the page lists that only staff writes change — genres, subtitle and dubbing
//! languages, releases, episodes and airing windows — so a page view reads one row instead
//! of aggregating six tables (the series' own columns, names and `series_stats` figures are
//! joined to it in the same indexed read, `catalog::series_page`).
//!
//! Writers never build it: they declare the series they changed (`Tx::series_page_stale`,
//! from the staff entities' hooks and the link panels) and `Tx::commit` calls [`refresh`]
//! just before COMMIT, so the document is rebuilt from the base tables as this transaction
//! sees them. On MariaDB those reads lock (`FOR UPDATE`): a locking read sees the latest
//! committed rows, not the transaction's older snapshot, and holds them until COMMIT, so two
//! units changing one series cannot each write a document missing the other's change (they
//! wait, or deadlock and re-run). SQLite has one writer at a time.

use std::collections::BTreeMap;

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
        let mut select = Query::select();
        select
            .column(Series::Id)
            .from(Series::Table)
            .and_where(Expr::col(Series::Id).is_in(chunk.iter().copied()))
            .order_by(Series::Id, Order::Asc)
            .lock(LockType::Update);
        let existing: Vec<(i64,)> = tx.fetch_all(&select).await?;
        let ids: Vec<i64> = existing.into_iter().map(|(id,)| id).collect();
        if ids.is_empty() {
            continue;
        }
        let docs = build(tx, &ids).await?;
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

/// Rebuilds every series' document (after a bulk load), in the caller's transaction.
pub async fn rebuild_all(tx: &mut Tx) -> Result<()> {
    let select = Query::select()
        .column(Series::Id)
        .from(Series::Table)
        .order_by(Series::Id, Order::Asc)
        .to_owned();
    let ids: Vec<(i64,)> = tx.fetch_all(&select).await?;
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    refresh(tx, &ids).await
}

/// Fills the rows of series that have none (the data migration after
/// `…_series_pages.sql`, and a repair), a chunk per transaction.
pub async fn fill_missing(db: &Db) -> Result<()> {
    let select = Query::select()
        .column((Series::Table, Series::Id))
        .from(Series::Table)
        .left_join(
            SeriesPages::Table,
            Expr::col((SeriesPages::Table, SeriesPages::SeriesId))
                .equals((Series::Table, Series::Id)),
        )
        .and_where(Expr::col((SeriesPages::Table, SeriesPages::SeriesId)).is_null())
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
