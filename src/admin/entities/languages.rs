use sea_query::Expr;

use crate::admin::entity::{Column, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique};
use crate::db::schema::{Languages, Series, SeriesDubbings, SeriesSubtitles};
use crate::db::{Touched, Tx};
use crate::error::Result;
use crate::series_pages;
use views::paths;

pub static LANGUAGES: EntityDef = EntityDef {
    slug: "languages",
    paths: &paths::LANGUAGES_PATHS,
    singular: "language",
    plural: "Languages",
    table: TableIden::Languages(Languages::Table),
    id: TableIden::Languages(Languages::Id),
    version: TableIden::Languages(Languages::Version),
    columns: &[Column::text("name", TableIden::Languages(Languages::Name), "Name", 100)
        .search()
        .sort()],
    default_sort: "name",
    filters: &[],
    unique: &[Unique {
        columns: &["name"],
        field: "name",
        message: "This language already exists.",
    }],
    rules: &[],
    dependents: &[
        Dependent {
            table: TableIden::Series(Series::Table),
            fk: TableIden::Series(Series::LanguageId),
            what: "series",
            on_delete: OnDelete::Refuse(
                "Series are made in this language: change their language first.",
            ),
        },
        Dependent {
            table: TableIden::SeriesSubtitles(SeriesSubtitles::Table),
            fk: TableIden::SeriesSubtitles(SeriesSubtitles::LanguageId),
            what: "subtitle tracks",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesDubbings(SeriesDubbings::Table),
            fk: TableIden::SeriesDubbings(SeriesDubbings::LanguageId),
            what: "dubbing tracks",
            on_delete: OnDelete::Cascade,
        },
    ],
    page_columns: &[],
    delete_note: "Series lose it from their subtitle and dubbing lists. A language series are made in cannot be deleted.",
    children: &[],
    links: &[],
    label: || Expr::col((Languages::Table, Languages::Name)).into(),
    account: None,
    // Series pages list subtitle and dubbing languages by name (the series' own language is
    // joined when read).
    hooks: Hooks {
        created: None,
        updated: Some(|tx, _, _, new| Box::pin(tracks_stale(tx, new.id))),
        deleting: Some(|tx, _, record| Box::pin(tracks_stale(tx, record.id))),
        deleted: None,
    },
    touches: Some(Touched::Reference),
};

async fn tracks_stale(tx: &mut Tx, language_id: i64) -> Result<()> {
    series_pages::linked_stale(
        tx,
        SeriesSubtitles::Table,
        SeriesSubtitles::SeriesId,
        SeriesSubtitles::LanguageId,
        language_id,
    )
    .await?;
    series_pages::linked_stale(
        tx,
        SeriesDubbings::Table,
        SeriesDubbings::SeriesId,
        SeriesDubbings::LanguageId,
        language_id,
    )
    .await
}
