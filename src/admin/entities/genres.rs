use sea_query::Expr;

use crate::admin::entity::{Column, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique};
use crate::db::schema::{Genres, SeriesGenres};
use crate::db::{Touched, Tx};
use crate::error::Result;
use crate::series_pages;
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
    page_columns: &[],
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
    // Series pages list their genres by name (a delete drops the tag before the refresh).
    hooks: Hooks {
        created: None,
        updated: Some(|tx, _, _, new| Box::pin(tagged_stale(tx, new.id))),
        deleting: Some(|tx, _, record| Box::pin(tagged_stale(tx, record.id))),
        deleted: None,
    },
    touches: Some(Touched::Reference),
};

async fn tagged_stale(tx: &mut Tx, genre_id: i64) -> Result<()> {
    series_pages::linked_stale(
        tx,
        SeriesGenres::Table,
        SeriesGenres::SeriesId,
        SeriesGenres::GenreId,
        genre_id,
    )
    .await
}
