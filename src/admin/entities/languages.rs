use sea_query::Expr;

use crate::admin::entity::{Behaviour, Col, Column, Dependent, EntityDef, OnDelete, Unique};
use crate::db::schema::{Languages, Series, SeriesDubbings, SeriesSubtitles};

pub static LANGUAGES: EntityDef = EntityDef {
    slug: "languages",
    singular: "language",
    plural: "Languages",
    table: Col::Languages(Languages::Table),
    id: Col::Languages(Languages::Id),
    version: Col::Languages(Languages::Version),
    columns: &[Column::text("name", Col::Languages(Languages::Name), "Name", 100)
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
            table: Col::Series(Series::Table),
            fk: Col::Series(Series::LanguageId),
            what: "series",
            on_delete: OnDelete::Refuse(
                "Series are made in this language: change their language first.",
            ),
        },
        Dependent {
            table: Col::SeriesSubtitles(SeriesSubtitles::Table),
            fk: Col::SeriesSubtitles(SeriesSubtitles::LanguageId),
            what: "subtitle tracks",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesDubbings(SeriesDubbings::Table),
            fk: Col::SeriesDubbings(SeriesDubbings::LanguageId),
            what: "dubbing tracks",
            on_delete: OnDelete::Cascade,
        },
    ],
    delete_note: "Series lose it from their subtitle and dubbing lists. A language series are made in cannot be deleted.",
    children: &[],
    links: &[],
    label: || Expr::col((Languages::Table, Languages::Name)).into(),
    behaviour: Behaviour::Plain,
};
