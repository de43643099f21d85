use sea_query::Expr;

use super::{concat, EPISODES};
use crate::admin::entity::Record;
use crate::admin::entity::{After, Column, ColumnKind, EntityDef, Hooks, TableIden};
use crate::db::schema::Schedules;
use crate::db::{Touched, Tx};
use crate::error::Result;
use crate::series_pages;
use views::paths;

pub static SCHEDULES: EntityDef = EntityDef {
    slug: "schedules",
    paths: &paths::SCHEDULES_PATHS,
    singular: "schedule",
    plural: "Schedules",
    table: TableIden::Schedules(Schedules::Table),
    id: TableIden::Schedules(Schedules::Id),
    version: TableIden::Schedules(Schedules::Version),
    columns: &[
        Column::of(
            "episode_id",
            TableIden::Schedules(Schedules::EpisodeId),
            "Episode",
            ColumnKind::Ref(&EPISODES),
        )
        .search()
        .sort(),
        Column::of(
            "starts_on",
            TableIden::Schedules(Schedules::StartsOn),
            "Starts on",
            ColumnKind::Date,
        )
        .sort(),
        Column::of(
            "ends_on",
            TableIden::Schedules(Schedules::EndsOn),
            "Ends on",
            ColumnKind::Date,
        )
        .sort(),
    ],
    page_columns: &[],
    default_sort: "-starts_on",
    filters: &["episode_id"],
    unique: &[],
    rules: &[After {
        later: "ends_on",
        earlier: "starts_on",
        message: "The end must be after the start.",
    }],
    dependents: &[],
    delete_note: "",
    children: &[],
    links: &[],
    label: || {
        concat([
            Expr::val("Schedule ").into(),
            Expr::col((Schedules::Table, Schedules::StartsOn)).into(),
            Expr::val(" to ").into(),
            Expr::col((Schedules::Table, Schedules::EndsOn)).into(),
        ])
    },
    account: None,
    // The series page lists its episodes' airing windows.
    hooks: Hooks {
        created: Some(|tx, def, record| Box::pin(airing_changed(tx, def, record, None))),
        updated: Some(|tx, def, old, new| Box::pin(airing_changed(tx, def, new, Some(old)))),
        deleting: None,
        deleted: Some(|tx, def, record| Box::pin(airing_changed(tx, def, record, None))),
    },
    touches: Some(Touched::Catalog),
};

/// A schedule changed: the pages of its episode's series (before and after a move) list it.
async fn airing_changed(
    tx: &mut Tx,
    def: &'static EntityDef,
    record: &Record,
    old: Option<&Record>,
) -> Result<()> {
    let mut episodes = vec![record.int(def, "episode_id")?];
    if let Some(old) = old {
        episodes.push(old.int(def, "episode_id")?);
    }
    episodes.sort_unstable();
    episodes.dedup();
    for episode in episodes {
        series_pages::episode_stale(tx, episode).await?;
    }
    Ok(())
}
