use sea_query::Expr;

use crate::admin::entity::{Column, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique};
use crate::db::schema::{Accounts, Countries, Series, SeriesReleases};
use crate::db::{Touched, Tx};
use crate::error::Result;
use crate::series_pages;
use views::paths;

pub static COUNTRIES: EntityDef = EntityDef {
    slug: "countries",
    paths: &paths::COUNTRIES_PATHS,
    singular: "country",
    plural: "Countries",
    table: TableIden::Countries(Countries::Table),
    id: TableIden::Countries(Countries::Id),
    version: TableIden::Countries(Countries::Version),
    columns: &[
        Column::text("name", TableIden::Countries(Countries::Name), "Name", 100)
            .search()
            .sort(),
        Column::text(
            "region",
            TableIden::Countries(Countries::Region),
            "Region",
            100,
        )
        .search()
        .sort(),
    ],
    page_columns: &[],
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
            table: TableIden::Accounts(Accounts::Table),
            fk: TableIden::Accounts(Accounts::CountryId),
            what: "accounts",
            on_delete: OnDelete::Refuse("Accounts give this country as theirs."),
        },
        Dependent {
            table: TableIden::Series(Series::Table),
            fk: TableIden::Series(Series::OriginCountryId),
            what: "series",
            on_delete: OnDelete::Refuse("Series originate in this country."),
        },
        Dependent {
            table: TableIden::SeriesReleases(SeriesReleases::Table),
            fk: TableIden::SeriesReleases(SeriesReleases::CountryId),
            what: "releases",
            on_delete: OnDelete::Refuse("Series are released in this country."),
        },
    ],
    delete_note: "A country that series or accounts refer to cannot be deleted.",
    children: &[],
    links: &[],
    label: || Expr::col((Countries::Table, Countries::Name)).into(),
    account: None,
    // Series pages list where they are released by country name (the origin country is
    // joined when read).
    hooks: Hooks {
        created: None,
        updated: Some(|tx, _, _, new| Box::pin(releases_stale(tx, new.id))),
        deleting: Some(|tx, _, record| Box::pin(releases_stale(tx, record.id))),
        deleted: None,
    },
    touches: Some(Touched::Reference),
};

async fn releases_stale(tx: &mut Tx, country_id: i64) -> Result<()> {
    series_pages::linked_stale(
        tx,
        SeriesReleases::Table,
        SeriesReleases::SeriesId,
        SeriesReleases::CountryId,
        country_id,
    )
    .await
}
