use sea_query::Expr;

use super::{CONTRACTS, COUNTRIES, EPISODES, GENRES, LANGUAGES, PRODUCTION_HOUSES};
use crate::admin::entity::{
    Behaviour, Child, Col, Column, Dependent, EntityDef, Kind, Link, OnDelete,
};
use crate::db::schema::{
    Contracts, Episodes, Feedback, Series, SeriesDubbings, SeriesGenres, SeriesReleases,
    SeriesStats, SeriesSubtitles,
};

pub static SERIES: EntityDef = EntityDef {
    slug: "series",
    singular: "series",
    plural: "Series",
    table: Col::Series(Series::Table),
    id: Col::Series(Series::Id),
    version: Col::Series(Series::Version),
    columns: &[
        Column::text("title", Col::Series(Series::Title), "Title", 200)
            .search()
            .sort(),
        Column::of(
            "planned_episodes",
            Col::Series(Series::PlannedEpisodes),
            "Planned episodes",
            Kind::Int { min: 1, max: 100_000 },
        )
        .sort(),
        Column::of(
            "language_id",
            Col::Series(Series::LanguageId),
            "Language",
            Kind::Ref(&LANGUAGES),
        )
        .sort(),
        Column::of(
            "release_date",
            Col::Series(Series::ReleaseDate),
            "Release date",
            Kind::Date,
        )
        .sort(),
        Column::of(
            "origin_country_id",
            Col::Series(Series::OriginCountryId),
            "Origin country",
            Kind::Ref(&COUNTRIES),
        )
        .sort(),
        Column::of(
            "production_house_id",
            Col::Series(Series::ProductionHouseId),
            "Production house",
            Kind::Ref(&PRODUCTION_HOUSES),
        )
        .search()
        .sort(),
        Column::of("poster_url", Col::Series(Series::PosterUrl), "Poster URL", Kind::Url)
            .optional()
            .unlisted(),
        Column::of(
            "trailer_url",
            Col::Series(Series::TrailerUrl),
            "Trailer URL",
            Kind::Url,
        )
        .optional()
        .unlisted(),
    ],
    default_sort: "title",
    filters: &["production_house_id", "language_id", "origin_country_id"],
    unique: &[],
    rules: &[],
    dependents: &[
        Dependent {
            table: Col::Contracts(Contracts::Table),
            fk: Col::Contracts(Contracts::SeriesId),
            what: "contracts",
            on_delete: OnDelete::Refuse(
                "This series has contracts, which are business records: delete or move them first.",
            ),
        },
        // Their schedules go with them (ON DELETE CASCADE), after the episode rows: lock order.
        Dependent {
            table: Col::Episodes(Episodes::Table),
            fk: Col::Episodes(Episodes::SeriesId),
            what: "episodes",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesReleases(SeriesReleases::Table),
            fk: Col::SeriesReleases(SeriesReleases::SeriesId),
            what: "releases",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesGenres(SeriesGenres::Table),
            fk: Col::SeriesGenres(SeriesGenres::SeriesId),
            what: "genres",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesSubtitles(SeriesSubtitles::Table),
            fk: Col::SeriesSubtitles(SeriesSubtitles::SeriesId),
            what: "subtitles",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesDubbings(SeriesDubbings::Table),
            fk: Col::SeriesDubbings(SeriesDubbings::SeriesId),
            what: "dubbings",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::Feedback(Feedback::Table),
            fk: Col::Feedback(Feedback::SeriesId),
            what: "reviews",
            on_delete: OnDelete::Cascade,
        },
        Dependent {
            table: Col::SeriesStats(SeriesStats::Table),
            fk: Col::SeriesStats(SeriesStats::SeriesId),
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
            table: Col::SeriesGenres(SeriesGenres::Table),
            owner: Col::SeriesGenres(SeriesGenres::SeriesId),
            target_col: Col::SeriesGenres(SeriesGenres::GenreId),
            target: &GENRES,
            date: None,
        },
        Link {
            name: "subtitles",
            label: "Subtitles",
            table: Col::SeriesSubtitles(SeriesSubtitles::Table),
            owner: Col::SeriesSubtitles(SeriesSubtitles::SeriesId),
            target_col: Col::SeriesSubtitles(SeriesSubtitles::LanguageId),
            target: &LANGUAGES,
            date: None,
        },
        Link {
            name: "dubbings",
            label: "Dubbings",
            table: Col::SeriesDubbings(SeriesDubbings::Table),
            owner: Col::SeriesDubbings(SeriesDubbings::SeriesId),
            target_col: Col::SeriesDubbings(SeriesDubbings::LanguageId),
            target: &LANGUAGES,
            date: None,
        },
        Link {
            name: "releases",
            label: "Released in",
            table: Col::SeriesReleases(SeriesReleases::Table),
            owner: Col::SeriesReleases(SeriesReleases::SeriesId),
            target_col: Col::SeriesReleases(SeriesReleases::CountryId),
            target: &COUNTRIES,
            date: Some((
                Col::SeriesReleases(SeriesReleases::ReleasedOn),
                "released_on",
            )),
        },
    ],
    label: || Expr::col((Series::Table, Series::Title)).into(),
    behaviour: Behaviour::Series,
};
