use sea_query::Expr;

use super::{concat, lookup, PRODUCERS, PRODUCTION_HOUSES};
use crate::admin::entity::{After, Behaviour, Col, Column, EntityDef, Kind, Unique};
use crate::db::schema::{ProducerAlliances, Producers, ProductionHouses};

/// `producer_alliances`: its natural key is (producer_id, production_house_id), kept unique;
/// URLs use the integer `id` the table also has.
pub static ALLIANCES: EntityDef = EntityDef {
    slug: "alliances",
    singular: "alliance",
    plural: "Producer alliances",
    table: Col::ProducerAlliances(ProducerAlliances::Table),
    id: Col::ProducerAlliances(ProducerAlliances::Id),
    version: Col::ProducerAlliances(ProducerAlliances::Version),
    columns: &[
        Column::of(
            "producer_id",
            Col::ProducerAlliances(ProducerAlliances::ProducerId),
            "Producer",
            Kind::Ref(&PRODUCERS),
        )
        .search()
        .sort(),
        Column::of(
            "production_house_id",
            Col::ProducerAlliances(ProducerAlliances::ProductionHouseId),
            "Production house",
            Kind::Ref(&PRODUCTION_HOUSES),
        )
        .search()
        .sort(),
        Column::of(
            "started_on",
            Col::ProducerAlliances(ProducerAlliances::StartedOn),
            "Started on",
            Kind::Date,
        )
        .sort(),
        Column::of(
            "ended_on",
            Col::ProducerAlliances(ProducerAlliances::EndedOn),
            "Ended on",
            Kind::Date,
        )
        .optional()
        .sort(),
    ],
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
    behaviour: Behaviour::Plain,
};
