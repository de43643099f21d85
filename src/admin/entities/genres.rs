use sea_query::Expr;

use crate::admin::entity::{Behaviour, Col, Column, Dependent, EntityDef, OnDelete, Unique};
use crate::db::schema::{Genres, SeriesGenres};

pub static GENRES: EntityDef = EntityDef {
    slug: "genres",
    singular: "genre",
    plural: "Genres",
    table: Col::Genres(Genres::Table),
    id: Col::Genres(Genres::Id),
    version: Col::Genres(Genres::Version),
    columns: &[Column::text("name", Col::Genres(Genres::Name), "Name", 100)
        .search()
        .sort()],
    default_sort: "name",
    filters: &[],
    unique: &[Unique {
        columns: &["name"],
        field: "name",
        message: "This genre already exists.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: Col::SeriesGenres(SeriesGenres::Table),
        fk: Col::SeriesGenres(SeriesGenres::GenreId),
        what: "series tags",
        on_delete: OnDelete::Cascade,
    }],
    delete_note: "Series tagged with it lose the tag.",
    children: &[],
    links: &[],
    label: || Expr::col((Genres::Table, Genres::Name)).into(),
    behaviour: Behaviour::Plain,
};
