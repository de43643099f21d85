use sea_query::Expr;

use super::{concat, lookup, SCHEDULES, SERIES};
use crate::admin::entity::{
    Child, Column, ColumnKind, Dependent, EntityDef, Hooks, OnDelete, Record, TableIden, Unique,
};
use crate::db::schema::{Episodes, Schedules, Series};
use crate::db::{Touched, Tx};
use crate::error::Result;
use crate::series_stats;
use views::paths;

pub static EPISODES: EntityDef = EntityDef {
    slug: "episodes",
    paths: &paths::EPISODES_PATHS,
    singular: "episode",
    plural: "Episodes",
    table: TableIden::Episodes(Episodes::Table),
    id: TableIden::Episodes(Episodes::Id),
    version: TableIden::Episodes(Episodes::Version),
    columns: &[
        Column::of(
            "series_id",
            TableIden::Episodes(Episodes::SeriesId),
            "Series",
            ColumnKind::Ref(&SERIES),
        )
        .search()
        .sort(),
        Column::of(
            "number",
            TableIden::Episodes(Episodes::Number),
            "No.",
            ColumnKind::Int {
                min: 1,
                max: 100_000,
            },
        )
        .sort(),
        Column::text("title", TableIden::Episodes(Episodes::Title), "Title", 200)
            .search()
            .sort(),
        Column::of(
            "total_viewers",
            TableIden::Episodes(Episodes::TotalViewers),
            "Viewers",
            ColumnKind::Count,
        )
        .sort(),
        Column::of(
            "tech_interrupt",
            TableIden::Episodes(Episodes::TechInterrupt),
            "Technical interruption",
            ColumnKind::Bool,
        )
        .optional()
        .sort(),
    ],
    page_columns: &[],
    default_sort: "series_id",
    filters: &["series_id", "tech_interrupt"],
    unique: &[Unique {
        columns: &["series_id", "number"],
        field: "number",
        message: "This series already has an episode with this number.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: TableIden::Schedules(Schedules::Table),
        fk: TableIden::Schedules(Schedules::EpisodeId),
        what: "schedules",
        on_delete: OnDelete::Cascade,
    }],
    delete_note: "Its schedules are deleted with it; the series' viewer figures follow.",
    children: &[Child {
        entity: &SCHEDULES,
        fk: "episode_id",
    }],
    links: &[],
    label: || {
        concat([
            lookup(
                Series::Table,
                Expr::col((Series::Table, Series::Title)).into(),
                Expr::col((Series::Table, Series::Id)).into(),
                Expr::col((Episodes::Table, Episodes::SeriesId)).into(),
            ),
            Expr::val(" · #").into(),
            Expr::col((Episodes::Table, Episodes::Number)).into(),
            Expr::val(" ").into(),
            Expr::col((Episodes::Table, Episodes::Title)).into(),
        ])
    },
    account: None,
    hooks: Hooks {
        created: Some(|tx, def, record| Box::pin(episode_created(tx, def, record))),
        updated: Some(|tx, def, old, new| Box::pin(episode_moved(tx, def, old, new))),
        deleting: None,
        deleted: Some(|tx, def, record| Box::pin(episode_deleted(tx, def, record))),
    },
    touches: Some(Touched::Catalog),
};

/// A new episode adds its viewers and one episode to its series' figures.
async fn episode_created(tx: &mut Tx, def: &'static EntityDef, record: &Record) -> Result<()> {
    let series = record.int(def, "series_id")?;
    tx.series_page_stale(series);
    series_stats::episodes_changed(tx, series, record.int(def, "total_viewers")?, 1).await
}

/// An episode's viewers or series changed: move the figures of the series involved, lower
/// series id first so two such writes never wait on each other in opposite orders.
async fn episode_moved(
    tx: &mut Tx,
    def: &'static EntityDef,
    old: &Record,
    new: &Record,
) -> Result<()> {
    let (old_series, new_series) = (old.int(def, "series_id")?, new.int(def, "series_id")?);
    tx.series_page_stale(old_series);
    tx.series_page_stale(new_series);
    let (old_viewers, new_viewers) = (
        old.int(def, "total_viewers")?,
        new.int(def, "total_viewers")?,
    );
    if old_series == new_series {
        return series_stats::episodes_changed(tx, new_series, new_viewers - old_viewers, 0).await;
    }
    let mut moves = [(old_series, -old_viewers, -1), (new_series, new_viewers, 1)];
    moves.sort_by_key(|(series, _, _)| *series);
    for (series, viewers, episodes) in moves {
        series_stats::episodes_changed(tx, series, viewers, episodes).await?;
    }
    Ok(())
}

/// A deleted episode takes its viewers and itself out of its series' figures.
async fn episode_deleted(tx: &mut Tx, def: &'static EntityDef, record: &Record) -> Result<()> {
    let series = record.int(def, "series_id")?;
    tx.series_page_stale(series);
    series_stats::episodes_changed(tx, series, -record.int(def, "total_viewers")?, -1).await
}
