use sea_query::Expr;

use super::{CONTRACTS, COUNTRIES, EPISODES, GENRES, LANGUAGES, PRODUCTION_HOUSES};
use crate::admin::entity::{
    Child, Column, ColumnKind, Dependent, EntityDef, Hooks, Link, OnDelete, TableIden,
};
use crate::db::schema::{
    Contracts, Episodes, Feedback, Series, SeriesDubbings, SeriesGenres, SeriesReleases,
    SeriesStats, SeriesSubtitles,
};
use crate::db::Touched;
use crate::series_stats;
use views::paths;

pub static SERIES: EntityDef = EntityDef {
    slug: "series",
    paths: &paths::SERIES_PATHS,
    singular: "series",
    plural: "Series",
    table: TableIden::Series(Series::Table),
    id: TableIden::Series(Series::Id),
    version: TableIden::Series(Series::Version),
    columns: &[
        Column::text("title", TableIden::Series(Series::Title), "Title", 200)
            .search()
            .sort(),
        Column::of(
            "planned_episodes",
            TableIden::Series(Series::PlannedEpisodes),
            "Planned episodes",
            ColumnKind::Int { min: 1, max: 100_000 },
        )
        .sort(),
        Column::of(
            "language_id",
            TableIden::Series(Series::LanguageId),
            "Language",
            ColumnKind::Ref(&LANGUAGES),
        )
        .sort(),
        Column::of(
            "release_date",
            TableIden::Series(Series::ReleaseDate),
            "Release date",
            ColumnKind::Date,
        )
        .sort(),
        Column::of(
            "origin_country_id",
            TableIden::Series(Series::OriginCountryId),
            "Origin country",
            ColumnKind::Ref(&COUNTRIES),
        )
        .sort(),
        Column::of(
            "production_house_id",
            TableIden::Series(Series::ProductionHouseId),
            "Production house",
            ColumnKind::Ref(&PRODUCTION_HOUSES),
        )
        .search()
        .sort(),
        Column::of("poster_url", TableIden::Series(Series::PosterUrl), "Poster URL", ColumnKind::Url)
            .optional()
            .unlisted(),
        Column::of(
            "trailer_url",
            TableIden::Series(Series::TrailerUrl),
            "Trailer URL",
            ColumnKind::Url,
        )
        .optional()
        .unlisted(),
    ],
    page_columns: &[],
    default_sort: "title",
    filters: &["production_house_id", "language_id", "origin_country_id"],
    unique: &[],
    rules: &[],
    dependents: &[
        Dependent {
            table: TableIden::Contracts(Contracts::Table),
            fk: TableIden::Contracts(Contracts::SeriesId),
            what: "contracts",
            on_delete: OnDelete::Refuse(
                "This series has contracts, which are business records: delete or move them first.",
            ),
        },
        // Their schedules go with them (ON DELETE CASCADE), after the episode rows: lock order.
        Dependent {
            table: TableIden::Episodes(Episodes::Table),
            fk: TableIden::Episodes(Episodes::SeriesId),
            what: "episodes",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesReleases(SeriesReleases::Table),
            fk: TableIden::SeriesReleases(SeriesReleases::SeriesId),
            what: "releases",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesGenres(SeriesGenres::Table),
            fk: TableIden::SeriesGenres(SeriesGenres::SeriesId),
            what: "genres",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesSubtitles(SeriesSubtitles::Table),
            fk: TableIden::SeriesSubtitles(SeriesSubtitles::SeriesId),
            what: "subtitles",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesDubbings(SeriesDubbings::Table),
            fk: TableIden::SeriesDubbings(SeriesDubbings::SeriesId),
            what: "dubbings",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::Feedback(Feedback::Table),
            fk: TableIden::Feedback(Feedback::SeriesId),
            what: "reviews",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: TableIden::SeriesStats(SeriesStats::Table),
            fk: TableIden::SeriesStats(SeriesStats::SeriesId),
            what: "figures",
            on_delete: OnDelete::Cascade,
        },
    ],
    delete_note: "Its episodes, schedules, releases, genres, languages and reviews are deleted with it. A series with contracts cannot be deleted.",
    children: &[
        Child {
            entity: &EPISODES,
            fk: "series_id",
        },
        Child {
            entity: &CONTRACTS,
            fk: "series_id",
        },
    ],
    links: &[
        Link {
            name: "genres",
            label: "Genres",
            table: TableIden::SeriesGenres(SeriesGenres::Table),
            owner: TableIden::SeriesGenres(SeriesGenres::SeriesId),
            target_col: TableIden::SeriesGenres(SeriesGenres::GenreId),
            target: &GENRES,
            date: None,
        },
        Link {
            name: "subtitles",
            label: "Subtitles",
            table: TableIden::SeriesSubtitles(SeriesSubtitles::Table),
            owner: TableIden::SeriesSubtitles(SeriesSubtitles::SeriesId),
            target_col: TableIden::SeriesSubtitles(SeriesSubtitles::LanguageId),
            target: &LANGUAGES,
            date: None,
        },
        Link {
            name: "dubbings",
            label: "Dubbings",
            table: TableIden::SeriesDubbings(SeriesDubbings::Table),
            owner: TableIden::SeriesDubbings(SeriesDubbings::SeriesId),
            target_col: TableIden::SeriesDubbings(SeriesDubbings::LanguageId),
            target: &LANGUAGES,
            date: None,
        },
        Link {
            name: "releases",
            label: "Released in",
            table: TableIden::SeriesReleases(SeriesReleases::Table),
            owner: TableIden::SeriesReleases(SeriesReleases::SeriesId),
            target_col: TableIden::SeriesReleases(SeriesReleases::CountryId),
            target: &COUNTRIES,
            date: Some((
                TableIden::SeriesReleases(SeriesReleases::ReleasedOn),
                "released_on",
            )),
        },
    ],
    label: || Expr::col((Series::Table, Series::Title)).into(),
    account: None,
    hooks: Hooks {
        created: Some(|tx, _, record| {
            tx.series_page_stale(record.id);
            Box::pin(series_stats::create(tx, record.id))
        }),
        updated: None,
        // Its poster files go once the delete commits (unless another series uses them).
        deleting: Some(|tx, _, record| Box::pin(crate::posters::series_deleting(tx, record.id))),
        deleted: None,
    },
    touches: Some(Touched::Catalog),
};
