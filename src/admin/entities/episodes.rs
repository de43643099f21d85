use sea_query::Expr;

use super::{concat, lookup, SCHEDULES, SERIES};
use crate::admin::entity::{
    Behaviour, Child, Col, Column, Dependent, EntityDef, Kind, OnDelete, Unique,
};
use crate::db::schema::{Episodes, Schedules, Series};

pub static EPISODES: EntityDef = EntityDef {
    slug: "episodes",
    singular: "episode",
    plural: "Episodes",
    table: Col::Episodes(Episodes::Table),
    id: Col::Episodes(Episodes::Id),
    version: Col::Episodes(Episodes::Version),
    columns: &[
        Column::of(
            "series_id",
            Col::Episodes(Episodes::SeriesId),
            "Series",
            Kind::Ref(&SERIES),
        )
        .search()
        .sort(),
        Column::of(
            "number",
            Col::Episodes(Episodes::Number),
            "No.",
            Kind::Int {
                min: 1,
                max: 100_000,
            },
        )
        .sort(),
        Column::text("title", Col::Episodes(Episodes::Title), "Title", 200)
            .search()
            .sort(),
        Column::of(
            "total_viewers",
            Col::Episodes(Episodes::TotalViewers),
            "Viewers",
            Kind::Count,
        )
        .sort(),
        Column::of(
            "tech_interrupt",
            Col::Episodes(Episodes::TechInterrupt),
            "Technical interruption",
            Kind::Bool,
        )
        .optional()
        .sort(),
    ],
    default_sort: "series_id",
    filters: &["series_id", "tech_interrupt"],
    unique: &[Unique {
        columns: &["series_id", "number"],
        field: "number",
        message: "This series already has an episode with this number.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: Col::Schedules(Schedules::Table),
        fk: Col::Schedules(Schedules::EpisodeId),
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
    behaviour: Behaviour::Episodes,
};
