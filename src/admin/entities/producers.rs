use sea_query::Expr;

use super::{concat, ALLIANCES};
use crate::admin::entity::{
    Child, Column, ColumnKind, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique,
};
use crate::db::schema::{ProducerAlliances, Producers};
use crate::db::Touched;
use views::paths;

pub static PRODUCERS: EntityDef = EntityDef {
    slug: "producers",
    paths: &paths::PRODUCERS_PATHS,
    singular: "producer",
    plural: "Producers",
    table: TableIden::Producers(Producers::Table),
    id: TableIden::Producers(Producers::Id),
    version: TableIden::Producers(Producers::Version),
    columns: &[
        Column::text(
            "first_name",
            TableIden::Producers(Producers::FirstName),
            "First name",
            100,
        )
        .search()
        .sort(),
        Column::text(
            "middle_name",
            TableIden::Producers(Producers::MiddleName),
            "Middle name",
            100,
        )
        .optional()
        .unlisted(),
        Column::text(
            "last_name",
            TableIden::Producers(Producers::LastName),
            "Last name",
            100,
        )
        .search()
        .sort(),
        Column::text(
            "street",
            TableIden::Producers(Producers::Street),
            "Street",
            200,
        )
        .unlisted(),
        Column::text("city", TableIden::Producers(Producers::City), "City", 100)
            .search()
            .unlisted(),
        Column::text(
            "state",
            TableIden::Producers(Producers::State),
            "State",
            100,
        )
        .unlisted(),
        Column::text(
            "postal_code",
            TableIden::Producers(Producers::PostalCode),
            "Postal code",
            20,
        )
        .unlisted(),
        Column::text(
            "country",
            TableIden::Producers(Producers::Country),
            "Country",
            100,
        )
        .search()
        .sort(),
        Column::text("phone", TableIden::Producers(Producers::Phone), "Phone", 40),
        Column::of(
            "email",
            TableIden::Producers(Producers::Email),
            "E-mail",
            ColumnKind::Email,
        )
        .search()
        .sort(),
    ],
    page_columns: &[],
    default_sort: "last_name",
    filters: &[],
    unique: &[Unique {
        columns: &["email"],
        field: "email",
        message: "Another producer has this e-mail address.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: TableIden::ProducerAlliances(ProducerAlliances::Table),
        fk: TableIden::ProducerAlliances(ProducerAlliances::ProducerId),
        what: "alliances",
        on_delete: OnDelete::Cascade,
    }],
    delete_note: "Their alliances with production houses are deleted with them.",
    children: &[Child {
        entity: &ALLIANCES,
        fk: "producer_id",
    }],
    links: &[],
    label: || {
        concat([
            Expr::col((Producers::Table, Producers::FirstName)).into(),
            Expr::val(" ").into(),
            Expr::col((Producers::Table, Producers::LastName)).into(),
        ])
    },
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Catalog),
};
