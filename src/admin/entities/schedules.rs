use sea_query::Expr;

use super::{concat, EPISODES};
use crate::admin::entity::{After, Behaviour, Col, Column, EntityDef, Kind};
use crate::db::schema::Schedules;

pub static SCHEDULES: EntityDef = EntityDef {
    slug: "schedules",
    singular: "schedule",
    plural: "Schedules",
    table: Col::Schedules(Schedules::Table),
    id: Col::Schedules(Schedules::Id),
    version: Col::Schedules(Schedules::Version),
    columns: &[
        Column::of(
            "episode_id",
            Col::Schedules(Schedules::EpisodeId),
            "Episode",
            Kind::Ref(&EPISODES),
        )
        .search()
        .sort(),
        Column::of(
            "starts_on",
            Col::Schedules(Schedules::StartsOn),
            "Starts on",
            Kind::Date,
        )
        .sort(),
        Column::of(
            "ends_on",
            Col::Schedules(Schedules::EndsOn),
            "Ends on",
            Kind::Date,
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
    behaviour: Behaviour::Plain,
};
