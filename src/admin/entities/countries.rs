use sea_query::Expr;

use crate::admin::entity::{Behaviour, Col, Column, Dependent, EntityDef, OnDelete, Unique};
use crate::db::schema::{Accounts, Countries, Series, SeriesReleases};

pub static COUNTRIES: EntityDef = EntityDef {
    slug: "countries",
    singular: "country",
    plural: "Countries",
    table: Col::Countries(Countries::Table),
    id: Col::Countries(Countries::Id),
    version: Col::Countries(Countries::Version),
    columns: &[
        Column::text("name", Col::Countries(Countries::Name), "Name", 100)
            .search()
            .sort(),
        Column::text("region", Col::Countries(Countries::Region), "Region", 100)
            .search()
            .sort(),
    ],
    default_sort: "name",
    filters: &[],
    unique: &[Unique {
        columns: &["name"],
        field: "name",
        message: "This country already exists.",
    }],
    rules: &[],
    dependents: &[
        Dependent {
            table: Col::Accounts(Accounts::Table),
            fk: Col::Accounts(Accounts::CountryId),
            what: "accounts",
            on_delete: OnDelete::Refuse("Accounts give this country as theirs."),
        },
        Dependent {
            table: Col::Series(Series::Table),
            fk: Col::Series(Series::OriginCountryId),
            what: "series",
            on_delete: OnDelete::Refuse("Series originate in this country."),
        },
        Dependent {
            table: Col::SeriesReleases(SeriesReleases::Table),
            fk: Col::SeriesReleases(SeriesReleases::CountryId),
            what: "releases",
            on_delete: OnDelete::Refuse("Series are released in this country."),
        },
    ],
    delete_note: "A country that series or accounts refer to cannot be deleted.",
    children: &[],
    links: &[],
    label: || Expr::col((Countries::Table, Countries::Name)).into(),
    behaviour: Behaviour::Plain,
};
