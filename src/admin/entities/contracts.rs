use sea_query::Expr;

use super::{concat, lookup, SERIES};
use crate::admin::entity::{After, Behaviour, Col, Column, EntityDef, Kind};
use crate::db::schema::{Contracts, Series};

pub static CONTRACTS: EntityDef = EntityDef {
    slug: "contracts",
    singular: "contract",
    plural: "Contracts",
    table: Col::Contracts(Contracts::Table),
    id: Col::Contracts(Contracts::Id),
    version: Col::Contracts(Contracts::Version),
    columns: &[
        Column::of(
            "series_id",
            Col::Contracts(Contracts::SeriesId),
            "Series",
            Kind::Ref(&SERIES),
        )
        .search()
        .sort(),
        Column::of(
            "per_episode_charge_cents",
            Col::Contracts(Contracts::PerEpisodeChargeCents),
            "Charge per episode (cents)",
            Kind::Cents { min: 1 },
        )
        .sort(),
        Column::of(
            "starts_on",
            Col::Contracts(Contracts::StartsOn),
            "Starts on",
            Kind::Date,
        )
        .sort(),
        Column::of(
            "ends_on",
            Col::Contracts(Contracts::EndsOn),
            "Ends on",
            Kind::Date,
        )
        .sort(),
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
            Expr::col((Contracts::Table, Contracts::StartsOn)).into(),
        ])
    },
    behaviour: Behaviour::Plain,
};
