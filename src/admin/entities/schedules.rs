use sea_query::Expr;

use super::{concat, EPISODES};
use crate::admin::entity::{After, Column, ColumnKind, EntityDef, Hooks, TableIden};
use crate::db::schema::Schedules;
use crate::db::Touched;
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
    hooks: Hooks::NONE,
    touches: Some(Touched::Catalog),
};
