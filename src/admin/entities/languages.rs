use sea_query::Expr;

use crate::admin::entity::{Column, Dependent, EntityDef, Hooks, OnDelete, TableIden, Unique};
use crate::db::schema::{Languages, Series, SeriesDubbings, SeriesSubtitles};
use crate::db::Touched;
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
    delete_note: "Series lose it from their subtitle and dubbing lists. A language series are made in cannot be deleted.",
    children: &[],
    links: &[],
    label: || Expr::col((Languages::Table, Languages::Name)).into(),
    account: None,
    hooks: Hooks::NONE,
    touches: Some(Touched::Reference),
};
