use sea_query::Expr;

use crate::admin::entity::{
    Behaviour, Child, Col, Column, Dependent, EntityDef, Kind, OnDelete, Unique,
};
use crate::db::schema::{ProducerAlliances, ProductionHouses, Series};

use super::ALLIANCES;

pub static PRODUCTION_HOUSES: EntityDef = EntityDef {
    slug: "production-houses",
    singular: "production house",
    plural: "Production houses",
    table: Col::ProductionHouses(ProductionHouses::Table),
    id: Col::ProductionHouses(ProductionHouses::Id),
    version: Col::ProductionHouses(ProductionHouses::Version),
    columns: &[
        Column::text("name", Col::ProductionHouses(ProductionHouses::Name), "Name", 200)
            .search()
            .sort(),
        Column::text(
            "street",
            Col::ProductionHouses(ProductionHouses::Street),
            "Street",
            200,
        )
        .unlisted(),
        Column::text("city", Col::ProductionHouses(ProductionHouses::City), "City", 100)
            .search()
            .sort(),
        Column::text(
            "state",
            Col::ProductionHouses(ProductionHouses::State),
            "State",
            100,
        )
        .unlisted(),
        Column::text(
            "postal_code",
            Col::ProductionHouses(ProductionHouses::PostalCode),
            "Postal code",
            20,
        )
        .unlisted(),
        Column::text(
            "country",
            Col::ProductionHouses(ProductionHouses::Country),
            "Country",
            100,
        )
        .search()
        .sort(),
        Column::of(
            "year_established",
            Col::ProductionHouses(ProductionHouses::YearEstablished),
            "Established",
            Kind::Int {
                min: 1800,
                max: 2100,
            },
        )
        .sort(),
    ],
    default_sort: "name",
    filters: &[],
    unique: &[Unique {
        columns: &["name"],
        field: "name",
        message: "Another production house has this name.",
    }],
    rules: &[],
    dependents: &[
        Dependent {
            table: Col::Series(Series::Table),
            fk: Col::Series(Series::ProductionHouseId),
            what: "series",
            on_delete: OnDelete::Refuse(
                "This production house still produces series: move or delete them first.",
            ),
        },
        Dependent {
            table: Col::ProducerAlliances(ProducerAlliances::Table),
            fk: Col::ProducerAlliances(ProducerAlliances::ProductionHouseId),
            what: "alliances",
            on_delete: OnDelete::Cascade,
        },
    ],
    delete_note: "Its producer alliances are deleted with it. A house that produces series cannot be deleted.",
    children: &[Child {
        entity: &ALLIANCES,
        fk: "production_house_id",
    }],
    links: &[],
    label: || Expr::col((ProductionHouses::Table, ProductionHouses::Name)).into(),
    behaviour: Behaviour::Plain,
};
