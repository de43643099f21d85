use sea_query::Expr;

use crate::admin::entity::{Column, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique};
use crate::db::schema::{Genres, SeriesGenres};
use crate::db::Touched;
use views::paths;

pub static GENRES: EntityDef = EntityDef {
    slug: "genres",
    paths: &paths::GENRES_PATHS,
    singular: "genre",
    plural: "Genres",
    table: TableIden::Genres(Genres::Table),
    id: TableIden::Genres(Genres::Id),
    version: TableIden::Genres(Genres::Version),
    columns: &[
        Column::text("name", TableIden::Genres(Genres::Name), "Name", 100)
            .search()
            .sort(),
    ],
    default_sort: "name",
    filters: &[],
    unique: &[Unique {
        columns: &["name"],
        field: "name",
        message: "This genre already exists.",
    }],
    rules: &[],
    dependents: &[Dependent {
        table: TableIden::SeriesGenres(SeriesGenres::Table),
        fk: TableIden::SeriesGenres(SeriesGenres::GenreId),
        what: "series tags",
        on_delete: OnDelete::Cascade,
    }],
    delete_note: "Series tagged with it lose the tag.",
    children: &[],
    links: &[],
    label: || Expr::col((Genres::Table, Genres::Name)).into(),
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Reference),
};
