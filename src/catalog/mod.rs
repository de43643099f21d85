//! Catalog reads for the public pages: the filtered, paged list and one series in full.
//! Per-series figures come from `series_stats` (kept current by every write, see `stats`), so
//! no request aggregates feedback or episodes.

pub mod cache;
pub mod search;
mod series;

pub use series::{
    find_series, series_page, with_series_names, EpisodeRow, ReleaseRow, ScheduleRow, SeriesPage,
    SeriesRow,
};

use chrono::{Datelike, NaiveDate};
use sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_query::{
    Alias, Asterisk, DynIden, Expr, Func, IntoIden, LikeExpr, Order, Query, SeaRc, SelectStatement,
    SimpleExpr, SubQueryStatement,
};

use crate::db::page::Page;
use crate::db::schema::{
    CatalogIndex, CatalogTotals, Computed, Countries, Genres, Languages, ProductionHouses, Series,
    SeriesGenres, SeriesReleases, SeriesStats,
};
use crate::db::Db;
use crate::error::{Error, Result};
use search::TitleIndex;

/// How the catalog can be ordered; each key maps to columns here, never to request text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CatalogSort {
    #[default]
    Title,
    Newest,
    Rating,
    Viewers,
}

impl CatalogSort {
    pub const ALL: [(CatalogSort, &'static str, &'static str); 4] = [
        (CatalogSort::Title, "title", "Title (A–Z)"),
        (CatalogSort::Newest, "newest", "Newest first"),
        (CatalogSort::Rating, "rating", "Best rated"),
        (CatalogSort::Viewers, "viewers", "Most watched"),
    ];

    pub fn parse(text: Option<&str>) -> Result<Self> {
        match text.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Self::default()),
            Some(text) => Self::ALL
                .iter()
                .find(|(_, key, _)| *key == text)
                .map(|(sort, _, _)| *sort)
                .ok_or_else(|| Error::BadRequest("unknown sort order".into())),
        }
    }

    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(sort, _, _)| *sort == self)
            .map(|(_, key, _)| *key)
            .unwrap_or("title")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CatalogFilter {
    pub q: String,
    pub genre: Option<i64>,
    pub country: Option<i64>,
    pub language: Option<i64>,
    pub sort: CatalogSort,
}

impl CatalogFilter {
    /// No search text and no filter: the whole catalog, in any order.
    pub fn is_unfiltered(&self) -> bool {
        self.q.trim().is_empty()
            && self.genre.is_none()
            && self.country.is_none()
            && self.language.is_none()
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct CatalogRow {
    pub id: i64,
    pub title: String,
    pub poster_url: Option<String>,
    pub poster_key: Option<String>,
    pub release_date: NaiveDate,
    pub production_house: String,
    pub genre_names: Option<String>,
    pub avg_rating: Option<f64>,
    pub ratings: i64,
    pub total_viewers: i64,
}

impl CatalogRow {
    pub fn genres(&self) -> Vec<String> {
        split_names(self.genre_names.as_deref())
    }

    pub fn release_year(&self) -> i32 {
        self.release_date.year()
    }
}

/// One page of the catalog.
#[derive(Debug)]
pub struct CatalogPage {
    pub rows: Vec<CatalogRow>,
    /// Whether another page follows.
    pub has_next: bool,
    /// How many series match the filters on all pages (the page's "128 series").
    pub total: i64,
}

#[derive(sqlx::FromRow)]
struct Total {
    n: i64,
}

/// How many series there are, as `catalog_totals` keeps it (its triggers count every insert
/// and delete of a series), in `Total`'s shape.
fn series_count() -> SelectStatement {
    Query::select()
        .expr_as(
            Func::cast_as(Expr::col(CatalogTotals::SeriesCount), Computed::Signed),
            Computed::Count,
        )
        .from(CatalogTotals::Table)
        .and_where(Expr::col(CatalogTotals::Id).eq(1))
        .to_owned()
}

/// A search whose prefilter finds more titles than this is run as a plain scan: a common word
/// finds its first page quickly that way, and the statement stays small.
const MAX_SEARCH_CANDIDATES: usize = 512;

/// One page of the catalog, in two steps so that no request touches more rows than it shows:
/// an inner query finds the page's ids by walking the sort's index (a covering index for each
/// sort: `series(title)`, `series(release_date)`, `series_stats(avg_rating, ratings)`,
/// `series_stats(total_viewers)`), applying the filters as it goes; the outer query fetches
/// the shown columns (house, genres, figures) for those ids only, ordered by the sort values
/// the inner query hands over. Deep pages therefore skip index entries, not joined rows.
///
/// `titles` narrows a search to the series whose titles may contain the text (see
/// `search`); the `LIKE` still decides, so the result is the same with or without it.
pub async fn list(
    db: &Db,
    filter: &CatalogFilter,
    page: Page,
    titles: Option<&TitleIndex>,
) -> Result<CatalogPage> {
    let q = filter.q.trim();
    let candidates = match titles {
        Some(index) if !q.is_empty() => index.candidates(q, MAX_SEARCH_CANDIDATES),
        _ => None,
    };
    if candidates.as_ref().is_some_and(Vec::is_empty) {
        return Ok(CatalogPage {
            rows: Vec::new(),
            has_next: false,
            total: 0,
        });
    }

    let ids = page_ids(filter, page, candidates.as_deref());
    // The same filtered walk, counted: without order or limit, only the filters remain.
    let mut count = ids.clone();
    count
        .clear_selects()
        .clear_order_by()
        .reset_limit()
        .reset_offset()
        .expr_as(Func::count(Expr::col(Asterisk)), Computed::Count);
    let mut query = Query::select();
    query
        .column((Series::Table, Series::Id))
        .column((Series::Table, Series::Title))
        .column((Series::Table, Series::PosterUrl))
        .column((Series::Table, Series::PosterKey))
        .column((Series::Table, Series::ReleaseDate))
        .expr_as(
            Expr::col((ProductionHouses::Table, ProductionHouses::Name)),
            Computed::ProductionHouse,
        )
        .expr_as(genre_names(), Computed::GenreNames)
        .expr_as(
            Expr::col((SeriesStats::Table, SeriesStats::AvgRating)),
            Computed::AvgRating,
        )
        .expr_as(
            Func::cast_as(
                Expr::col((SeriesStats::Table, SeriesStats::Ratings)),
                Computed::Signed,
            ),
            Computed::Ratings,
        )
        .expr_as(
            Func::cast_as(
                Expr::col((SeriesStats::Table, SeriesStats::TotalViewers)),
                Computed::Signed,
            ),
            Computed::TotalViewers,
        )
        .from_subquery(ids, Computed::PageIds)
        .inner_join(
            Series::Table,
            Expr::col((Series::Table, Series::Id)).equals((Computed::PageIds, Series::Id)),
        )
        .inner_join(
            SeriesStats::Table,
            Expr::col((SeriesStats::Table, SeriesStats::SeriesId))
                .equals((Series::Table, Series::Id)),
        )
        .inner_join(
            ProductionHouses::Table,
            Expr::col((ProductionHouses::Table, ProductionHouses::Id))
                .equals((Series::Table, Series::ProductionHouseId)),
        );
    let (columns, direction) = sort_keys(filter.sort);
    for (_, column) in columns {
        query.order_by((Computed::PageIds, column), direction.clone());
    }
    query.order_by((Computed::PageIds, Series::Id), direction);

    let mut rows: Vec<CatalogRow> = db.fetch_all(&query).await?;
    let has_next = rows.len() > page.size as usize;
    rows.truncate(page.size as usize);
    let total = if page.number <= 1 && !has_next {
        rows.len() as i64
    } else if filter.is_unfiltered() {
        // The whole catalog: the count the database keeps with every series added or removed.
        db.fetch_optional::<Total>(&series_count())
            .await?
            .map_or(0, |t| t.n)
    } else {
        db.fetch_optional::<Total>(&count).await?.map_or(0, |t| t.n)
    };
    Ok(CatalogPage {
        rows,
        has_next,
        total,
    })
}

/// The ids of one page (and one more row, which tells whether a next page exists), as
/// `SELECT <id> AS id FROM <the sort's table> WHERE <filters> ORDER BY <sort> LIMIT … OFFSET …`.
fn page_ids(filter: &CatalogFilter, page: Page, candidates: Option<&[i64]>) -> SelectStatement {
    let q = filter.q.trim();
    let mut query = Query::select();
    // The sort decides which table the query walks; the other is joined only when a filter
    // needs its columns.
    let key: (DynIden, DynIden) = match filter.sort {
        CatalogSort::Title | CatalogSort::Newest => {
            query.from(Series::Table);
            (SeaRc::new(Series::Table), SeaRc::new(Series::Id))
        }
        CatalogSort::Rating | CatalogSort::Viewers => {
            query.from(SeriesStats::Table);
            if !q.is_empty() || filter.language.is_some() {
                query.inner_join(
                    Series::Table,
                    Expr::col((Series::Table, Series::Id))
                        .equals((SeriesStats::Table, SeriesStats::SeriesId)),
                );
            }
            (
                SeaRc::new(SeriesStats::Table),
                SeaRc::new(SeriesStats::SeriesId),
            )
        }
    };
    query.expr_as(Expr::col(key.clone()), Series::Id);
    // The sort's columns travel with the ids, so the outer query orders its few rows by them
    // (ordering it by the tables' columns let SQLite 3.46 walk all of `series` instead).
    let (columns, direction) = sort_keys(filter.sort);
    for (table, column) in &columns {
        query.expr_as(Expr::col((table.clone(), column.clone())), column.clone());
    }

    if let Some(ids) = candidates {
        query.and_where(Expr::col(key.clone()).is_in(padded(ids)));
    }
    if !q.is_empty() {
        query.and_where(
            Expr::col((Series::Table, Series::Title))
                .like(LikeExpr::new(contains_pattern(q)).escape('\\')),
        );
    }
    if let Some(genre) = filter.genre {
        let matching = Query::select()
            .expr(Expr::val(1))
            .from(SeriesGenres::Table)
            .and_where(Expr::col((SeriesGenres::Table, SeriesGenres::SeriesId)).equals(key.clone()))
            .and_where(Expr::col((SeriesGenres::Table, SeriesGenres::GenreId)).eq(genre))
            .to_owned();
        query.and_where(Expr::exists(matching));
    }
    if let Some(country) = filter.country {
        let available = Query::select()
            .expr(Expr::val(1))
            .from(SeriesReleases::Table)
            .and_where(
                Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId)).equals(key.clone()),
            )
            .and_where(Expr::col((SeriesReleases::Table, SeriesReleases::CountryId)).eq(country))
            .to_owned();
        query.and_where(Expr::exists(available));
    }
    if let Some(language) = filter.language {
        query.and_where(Expr::col((Series::Table, Series::LanguageId)).eq(language));
    }
    for column in columns {
        query.order_by(column, direction.clone());
    }
    query.order_by(key, direction);
    if candidates.is_none() && filter.is_unfiltered() {
        // Every row qualifies, so walking the sort's index reads exactly the entries the page
        // skips and shows. MariaDB's estimate for a deep page sometimes prefers reading the
        // whole table and sorting it instead (10,000 wide rows sorted: 13 ms of its CPU per
        // request against 2 ms at page 312); the hint keeps the walk. Filtered pages are left
        // to the optimizer, which may rightly start from the filter.
        query.force_index(sort_index(filter.sort), IndexHintScope::All);
    }
    query.limit(u64::from(page.size) + 1).offset(page.offset());
    query
}

/// The covering index `page_ids` walks for a sort (see `sort_keys`).
fn sort_index(sort: CatalogSort) -> CatalogIndex {
    match sort {
        CatalogSort::Title => CatalogIndex::SeriesByTitle,
        CatalogSort::Newest => CatalogIndex::SeriesByReleaseDate,
        CatalogSort::Rating => CatalogIndex::SeriesStatsByRating,
        CatalogSort::Viewers => CatalogIndex::SeriesStatsByViewers,
    }
}

/// The sort's columns, then the id in the same direction, so that each sort is one walk of
/// its index (forwards or backwards) with no extra sorting step. Unrated series (NULL
/// average) come last on both backends, where NULL sorts lowest.
fn sort_keys(sort: CatalogSort) -> (Vec<(DynIden, DynIden)>, Order) {
    match sort {
        CatalogSort::Title => (
            vec![(Series::Table.into_iden(), Series::Title.into_iden())],
            Order::Asc,
        ),
        CatalogSort::Newest => (
            vec![(Series::Table.into_iden(), Series::ReleaseDate.into_iden())],
            Order::Desc,
        ),
        CatalogSort::Rating => (
            vec![
                (
                    SeriesStats::Table.into_iden(),
                    SeriesStats::AvgRating.into_iden(),
                ),
                (
                    SeriesStats::Table.into_iden(),
                    SeriesStats::Ratings.into_iden(),
                ),
            ],
            Order::Desc,
        ),
        CatalogSort::Viewers => (
            vec![(
                SeriesStats::Table.into_iden(),
                SeriesStats::TotalViewers.into_iden(),
            )],
            Order::Desc,
        ),
    }
}

/// `ids` padded (by repeating the last) to a power of two, at least 16, so that searches
/// share a few statement shapes and the prepared-statement caches keep hitting.
fn padded(ids: &[i64]) -> Vec<i64> {
    let size = ids.len().next_power_of_two().max(16);
    let mut list = ids.to_vec();
    if let Some(&last) = ids.last() {
        list.resize(size, last);
    }
    list
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// The choices for the catalog's filters (and the registration form's countries).
#[derive(Clone, Debug, Default)]
pub struct FilterChoices {
    pub genres: Vec<Choice>,
    pub countries: Vec<Choice>,
    pub languages: Vec<Choice>,
}

pub async fn filter_choices(db: &Db) -> Result<FilterChoices> {
    fn names(table: impl sea_query::IntoTableRef + Clone) -> SelectStatement {
        Query::select()
            .column(Alias::new("id"))
            .column(Alias::new("name"))
            .from(table)
            .order_by(Alias::new("name"), Order::Asc)
            .to_owned()
    }
    Ok(FilterChoices {
        genres: db.fetch_all(&names(Genres::Table)).await?,
        countries: db.fetch_all(&names(Countries::Table)).await?,
        languages: db.fetch_all(&names(Languages::Table)).await?,
    })
}

fn sub_query(select: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

/// Genre names of the outer `series` row, comma-separated (order fixed in Rust). Both
/// databases join with a comma, and only the default separator is written alike on both, so
/// commas (and the backslash that escapes them) inside a name are escaped first, as bound
/// values; [`split_names`] undoes it.
fn genre_names() -> SimpleExpr {
    let replace = |text: SimpleExpr, from: &str, to: &str| -> SimpleExpr {
        Func::cust(Alias::new("REPLACE"))
            .args([text, Expr::val(from).into(), Expr::val(to).into()])
            .into()
    };
    let escaped = replace(
        replace(
            Expr::col((Genres::Table, Genres::Name)).into(),
            "\\",
            "\\\\",
        ),
        ",",
        "\\,",
    );
    sub_query(
        Query::select()
            .expr(Func::cust(Alias::new("GROUP_CONCAT")).arg(escaped))
            .from(SeriesGenres::Table)
            .inner_join(
                Genres::Table,
                Expr::col((Genres::Table, Genres::Id))
                    .equals((SeriesGenres::Table, SeriesGenres::GenreId)),
            )
            .and_where(
                Expr::col((SeriesGenres::Table, SeriesGenres::SeriesId))
                    .equals((Series::Table, Series::Id)),
            )
            .to_owned(),
    )
}

/// `%text%` with LIKE's wildcards in `text` escaped, so a search for "50%" means 50%.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Splits the list [`genre_names`] builds into sorted names: commas separate, a backslash
/// takes the next character as it is.
pub fn split_names(names: Option<&str>) -> Vec<String> {
    let mut list = Vec::new();
    let mut name = String::new();
    let mut chars = names.unwrap_or_default().chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => name.extend(chars.next()),
            ',' => list.push(std::mem::take(&mut name)),
            _ => name.push(c),
        }
    }
    list.push(name);
    let mut list: Vec<String> = list
        .into_iter()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    list.sort();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn names_with_commas_and_backslashes_survive_the_list() {
        assert_eq!(
            split_names(Some("Drama,Action\\, Adventure,C:\\\\x")),
            ["Action, Adventure", "C:\\x", "Drama"]
        );
        assert!(split_names(None).is_empty());
    }

    #[test]
    fn only_the_whole_catalog_forces_its_sort_index_on_mariadb() {
        use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};
        let page = Page {
            number: 312,
            size: 24,
        };
        for (sort, index) in [
            (CatalogSort::Title, "series_by_title"),
            (CatalogSort::Newest, "series_by_release_date"),
            (CatalogSort::Rating, "series_stats_by_rating"),
            (CatalogSort::Viewers, "series_stats_by_viewers"),
        ] {
            let whole = CatalogFilter {
                sort,
                ..CatalogFilter::default()
            };
            let sql = page_ids(&whole, page, None).to_string(MysqlQueryBuilder);
            assert!(sql.contains(&format!("FORCE INDEX (`{index}`)")), "{sql}");
            let sqlite = page_ids(&whole, page, None).to_string(SqliteQueryBuilder);
            assert!(!sqlite.contains("INDEX"), "{sqlite}");
            let filtered = CatalogFilter {
                genre: Some(1),
                ..whole.clone()
            };
            let sql = page_ids(&filtered, page, None).to_string(MysqlQueryBuilder);
            assert!(!sql.contains("FORCE INDEX"), "{sql}");
        }
    }

    #[test]
    fn sort_keys_round_trip() {
        for (sort, key, _) in CatalogSort::ALL {
            assert_eq!(CatalogSort::parse(Some(key)).ok(), Some(sort));
        }
        assert!(CatalogSort::parse(Some("title; DROP TABLE series")).is_err());
    }
}
