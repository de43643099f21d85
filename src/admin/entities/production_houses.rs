use sea_query::Expr;

use crate::admin::entity::{
    Child, Column, ColumnKind, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique,
};
use crate::db::schema::{ProducerAlliances, ProductionHouses, Series};

use super::ALLIANCES;
use crate::db::Touched;
use views::paths;

pub static PRODUCTION_HOUSES: EntityDef = EntityDef {
    slug: "production-houses",
    paths: &paths::PRODUCTION_HOUSES_PATHS,
    singular: "production house",
    plural: "Production houses",
    table: TableIden::ProductionHouses(ProductionHouses::Table),
    id: TableIden::ProductionHouses(ProductionHouses::Id),
    version: TableIden::ProductionHouses(ProductionHouses::Version),
    columns: &[
        Column::text("name", TableIden::ProductionHouses(ProductionHouses::Name), "Name", 200)
            .search()
            .sort(),
        Column::text(
            "street",
            TableIden::ProductionHouses(ProductionHouses::Street),
            "Street",
            200,
        )
        .unlisted(),
        Column::text("city", TableIden::ProductionHouses(ProductionHouses::City), "City", 100)
            .search()
            .sort(),
        Column::text(
            "state",
            TableIden::ProductionHouses(ProductionHouses::State),
            "State",
            100,
        )
        .unlisted(),
        Column::text(
            "postal_code",
            TableIden::ProductionHouses(ProductionHouses::PostalCode),
            "Postal code",
            20,
        )
        .unlisted(),
        Column::text(
            "country",
            TableIden::ProductionHouses(ProductionHouses::Country),
            "Country",
            100,
        )
        .search()
        .sort(),
        Column::of(
            "year_established",
            TableIden::ProductionHouses(ProductionHouses::YearEstablished),
            "Established",
            ColumnKind::Int {
                min: 1800,
                max: 2100,
            },
        )
        .sort(),
    ],
    page_columns: &[],
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
            table: TableIden::Series(Series::Table),
            fk: TableIden::Series(Series::ProductionHouseId),
            what: "series",
            on_delete: OnDelete::Refuse(
                "This production house still produces series: move or delete them first.",
            ),
        },
        Dependent {
            table: TableIden::ProducerAlliances(ProducerAlliances::Table),
            fk: TableIden::ProducerAlliances(ProducerAlliances::ProductionHouseId),
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
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Catalog),
};
