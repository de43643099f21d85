use sea_query::Expr;

use super::{concat, ALLIANCES};
use crate::admin::entity::{
    Behaviour, Child, Col, Column, Dependent, EntityDef, Kind, OnDelete, Unique,
};
use crate::db::schema::{ProducerAlliances, Producers};

pub static PRODUCERS: EntityDef = EntityDef {
    slug: "producers",
    singular: "producer",
    plural: "Producers",
    table: Col::Producers(Producers::Table),
    id: Col::Producers(Producers::Id),
    version: Col::Producers(Producers::Version),
    columns: &[
        Column::text(
            "first_name",
            Col::Producers(Producers::FirstName),
            "First name",
            100,
        )
        .search()
        .sort(),
        Column::text(
            "middle_name",
            Col::Producers(Producers::MiddleName),
            "Middle name",
            100,
        )
        .optional()
        .unlisted(),
        Column::text(
            "last_name",
            Col::Producers(Producers::LastName),
            "Last name",
            100,
        )
        .search()
        .sort(),
        Column::text("street", Col::Producers(Producers::Street), "Street", 200).unlisted(),
        Column::text("city", Col::Producers(Producers::City), "City", 100)
            .search()
            .unlisted(),
        Column::text("state", Col::Producers(Producers::State), "State", 100).unlisted(),
        Column::text(
            "postal_code",
            Col::Producers(Producers::PostalCode),
            "Postal code",
            20,
        )
        .unlisted(),
        Column::text(
            "country",
            Col::Producers(Producers::Country),
            "Country",
            100,
        )
        .search()
        .sort(),
        Column::text("phone", Col::Producers(Producers::Phone), "Phone", 40),
        Column::of(
            "email",
            Col::Producers(Producers::Email),
            "E-mail",
            Kind::Email,
        )
        .search()
        .sort(),
    ],
    default_sort: "last_name",
    filters: &[],
    unique: &[Unique {
        columns: &["email"],
        field: "email",
        message: "Another producer has this e-mail address.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: Col::ProducerAlliances(ProducerAlliances::Table),
        fk: Col::ProducerAlliances(ProducerAlliances::ProducerId),
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
    behaviour: Behaviour::Plain,
};
