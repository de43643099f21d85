use sea_query::Expr;

use super::{concat, lookup, short_date, SERIES};
use crate::admin::entity::{
    After, Column, ColumnKind, Derived, EntityDef, Hooks, PageColumn, TableIden,
};
use crate::db::schema::{Contracts, Series};
use crate::db::Touched;
use views::paths;

pub static CONTRACTS: EntityDef = EntityDef {
    slug: "contracts",
    paths: &paths::CONTRACTS_PATHS,
    singular: "contract",
    plural: "Contracts",
    table: TableIden::Contracts(Contracts::Table),
    id: TableIden::Contracts(Contracts::Id),
    version: TableIden::Contracts(Contracts::Version),
    columns: &[
        Column::of(
            "series_id",
            TableIden::Contracts(Contracts::SeriesId),
            "Series",
            ColumnKind::Ref(&SERIES),
        )
        .search()
        .sort(),
        Column::of(
            "per_episode_charge_cents",
            TableIden::Contracts(Contracts::PerEpisodeChargeCents),
            "Per-episode charge ($)",
            ColumnKind::Cents { min: 1 },
        )
        .sort(),
        Column::of(
            "starts_on",
            TableIden::Contracts(Contracts::StartsOn),
            "Starts on",
            ColumnKind::Date,
        )
        .sort(),
        Column::of(
            "ends_on",
            TableIden::Contracts(Contracts::EndsOn),
            "Ends on",
            ColumnKind::Date,
        )
        .sort(),
    ],
    // Which series it pays for is a column; whose series that is and whether it is in force
    // are shown beside it.
    page_columns: &[
        PageColumn {
            name: "production_house",
            label: "Production house",
            derived: Derived::Through {
                via: "series_id",
                column: "production_house_id",
            },
        },
        PageColumn {
            name: "status",
            label: "Status",
            derived: Derived::Status {
                starts: "starts_on",
                ends: "ends_on",
            },
        },
    ],
    default_sort: "-starts_on",
    filters: &["series_id"],
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
            Expr::val("Contract for ").into(),
            lookup(
                Series::Table,
                Expr::col((Series::Table, Series::Title)).into(),
                Expr::col((Series::Table, Series::Id)).into(),
                Expr::col((Contracts::Table, Contracts::SeriesId)).into(),
            ),
            Expr::val(" from ").into(),
            short_date(Expr::col((Contracts::Table, Contracts::StartsOn)).into()),
        ])
    },
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Catalog),
};
