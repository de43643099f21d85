use sea_query::Expr;

use super::{concat, lookup, PRODUCERS, PRODUCTION_HOUSES};
use crate::admin::entity::{After, Column, ColumnKind, EntityDef, Hooks, TableIden, Unique};
use crate::db::schema::{ProducerAlliances, Producers, ProductionHouses};
use crate::db::Touched;
use views::paths;

/// `producer_alliances`: its natural key is (producer_id, production_house_id), kept unique;
/// URLs use the integer `id` the table also has.
pub static ALLIANCES: EntityDef = EntityDef {
    slug: "alliances",
    paths: &paths::ALLIANCES_PATHS,
    singular: "alliance",
    plural: "Producer alliances",
    table: TableIden::ProducerAlliances(ProducerAlliances::Table),
    id: TableIden::ProducerAlliances(ProducerAlliances::Id),
    version: TableIden::ProducerAlliances(ProducerAlliances::Version),
    columns: &[
        Column::of(
            "producer_id",
            TableIden::ProducerAlliances(ProducerAlliances::ProducerId),
            "Producer",
            ColumnKind::Ref(&PRODUCERS),
        )
        .search()
        .sort(),
        Column::of(
            "production_house_id",
            TableIden::ProducerAlliances(ProducerAlliances::ProductionHouseId),
            "Production house",
            ColumnKind::Ref(&PRODUCTION_HOUSES),
        )
        .search()
        .sort(),
        Column::of(
            "started_on",
            TableIden::ProducerAlliances(ProducerAlliances::StartedOn),
            "Started on",
            ColumnKind::Date,
        )
        .sort(),
        Column::of(
            "ended_on",
            TableIden::ProducerAlliances(ProducerAlliances::EndedOn),
            "Ended on",
            ColumnKind::Date,
        )
        .optional()
        .sort(),
    ],
    page_columns: &[],
    default_sort: "producer_id",
    filters: &["producer_id", "production_house_id"],
    unique: &[Unique {
        columns: &["producer_id", "production_house_id"],
        field: "production_house_id",
        message: "This producer already has an alliance with this production house.",
    }],
    rules: &[After {
        later: "ended_on",
        earlier: "started_on",
        message: "The end must be after the start.",
    }],
    dependents: &[],
    delete_note: "",
    children: &[],
    links: &[],
    label: || {
        concat([
            lookup(
                Producers::Table,
                (PRODUCERS.label)(),
                Expr::col((Producers::Table, Producers::Id)).into(),
                Expr::col((ProducerAlliances::Table, ProducerAlliances::ProducerId)).into(),
            ),
            Expr::val(" & ").into(),
            lookup(
                ProductionHouses::Table,
                Expr::col((ProductionHouses::Table, ProductionHouses::Name)).into(),
                Expr::col((ProductionHouses::Table, ProductionHouses::Id)).into(),
                Expr::col((
                    ProducerAlliances::Table,
                    ProducerAlliances::ProductionHouseId,
                ))
                .into(),
            ),
        ])
    },
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Catalog),
};
