//! Public catalog pages and the health check.

use std::sync::Arc;
use std::time::Duration;

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, IntoResponse, Response};
use sea_query::{Expr, Query as Sql};
use serde::Deserialize;
use views::catalog::{
    CatalogItem, CatalogQuery, CatalogView, Choice, EpisodeItem, ReviewItem, SeriesDetail,
};

use super::context::RequestContext;
use super::State;
use crate::cache::TtlCache;
use crate::catalog::{self, CatalogFilter, CatalogSort, Page};
use crate::db::Db;
use crate::error::{Error, Result};

pub const PAGE_SIZE: u32 = 24;

/// How stale a cached catalog page may be; see [`crate::cache`].
const PAGE_TTL: Duration = Duration::from_secs(1);
/// Genres, countries and languages change rarely.
const CHOICES_TTL: Duration = Duration::from_secs(60);

/// The filter choices, ready for the templates.
pub struct ViewChoices {
    pub genres: Vec<Choice>,
    pub countries: Vec<Choice>,
    pub languages: Vec<Choice>,
}

/// One catalog page, ready for the templates.
pub struct ListPage {
    items: Vec<CatalogItem>,
    has_next: bool,
}

/// The series page, ready for the templates (`None`: no such series).
pub struct SeriesView {
    detail: SeriesDetail,
    episodes: Vec<EpisodeItem>,
    reviews: Vec<ReviewItem>,
}

/// Read caches for the public pages.
pub struct Caches {
    choices: TtlCache<(), ViewChoices>,
    lists: TtlCache<(CatalogFilter, Page), ListPage>,
    series: TtlCache<i64, Option<SeriesView>>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            choices: TtlCache::new(CHOICES_TTL, 1),
            lists: TtlCache::new(PAGE_TTL, 4096),
            series: TtlCache::new(PAGE_TTL, 4096),
        }
    }
}

impl Caches {
    pub async fn choices(&self, db: &Db) -> Result<Arc<ViewChoices>> {
        self.choices
            .get_or_load(&(), async {
                let choices = catalog::filter_choices(db).await?;
                Ok(ViewChoices {
                    genres: to_view_choices(&choices.genres),
                    countries: to_view_choices(&choices.countries),
                    languages: to_view_choices(&choices.languages),
                })
            })
            .await
    }

    /// Forgets cached pages after this process changed the catalog.
    pub fn catalog_changed(&self) {
        self.lists.clear();
        self.series.clear();
    }
}

fn to_view_choices(choices: &[catalog::Choice]) -> Vec<Choice> {
    choices
        .iter()
        .map(|c| Choice {
            id: c.id,
            name: c.name.clone(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct CatalogParams {
    q: Option<String>,
    genre: Option<String>,
    country: Option<String>,
    language: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// An optional id filter: empty means "any"; anything but a positive number is refused.
pub fn optional_id(value: Option<&str>, name: &str) -> Result<Option<i64>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(Error::BadRequest(
                [name, " must be a positive whole number"].concat(),
            )),
        },
    }
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn index(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Query(params): Query<CatalogParams>,
) -> Result<Response> {
    let q = params.q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(Error::BadRequest(
            "search text is limited to 100 characters".into(),
        ));
    }
    let filter = CatalogFilter {
        q: q.trim().to_owned(),
        genre: optional_id(params.genre.as_deref(), "genre")?,
        country: optional_id(params.country.as_deref(), "country")?,
        language: optional_id(params.language.as_deref(), "language")?,
        sort: CatalogSort::parse(params.sort.as_deref())?,
    };
    let page = Page::parse(params.page.as_deref(), None, PAGE_SIZE)?;
    let list = state
        .caches
        .lists
        .get_or_load(&(filter.clone(), page), async {
            let (rows, has_next) = catalog::list(&state.db, &filter, page).await?;
            let items = rows
                .iter()
                .map(|row| CatalogItem {
                    id: row.id,
                    title: row.title.clone(),
                    production_house: row.production_house.clone(),
                    genres: row.genres(),
                    avg_rating: row.avg_rating,
                    ratings: row.ratings,
                    total_viewers: row.total_viewers,
                    release_year: row.release_year(),
                })
                .collect();
            Ok(ListPage { items, has_next })
        })
        .await?;
    let choices = state.caches.choices(&state.db).await?;

    let query = CatalogQuery {
        q: filter.q.clone(),
        genre: filter.genre,
        country: filter.country,
        language: filter.language,
        sort: if filter.sort == CatalogSort::default() {
            ""
        } else {
            filter.sort.key()
        },
        page: page.number,
    };
    let sorts: Vec<(&'static str, &'static str)> = CatalogSort::ALL
        .iter()
        .map(|(_, key, label)| (*key, *label))
        .collect();
    let view = CatalogView {
        items: &list.items,
        query: &query,
        genres: &choices.genres,
        countries: &choices.countries,
        languages: &choices.languages,
        sorts: &sorts,
        has_next: list.has_next,
    };
    if ctx.is_htmx {
        // The form sends every field, empty ones too; the address bar gets the tidy URL.
        let canonical = query.href(query.page);
        return Ok(views::catalog::catalog_results(&view)
            .with_header("HX-Push-Url", canonical)
            .into_response());
    }
    Ok(views::catalog::catalog_page(&ctx.page(), &view).into_response())
}

/// Path ids that are not positive numbers name nothing: 404, like an unknown id.
pub fn path_id(text: &str) -> Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn show(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = path_id(&id)?;
    let view = state
        .caches
        .series
        .get_or_load(&id, async {
            let Some(page) = catalog::series_page(&state.db, id).await? else {
                return Ok(None);
            };
            let series = page.series;
            let detail = SeriesDetail {
                id: series.id,
                genres: catalog::split_names(series.genre_names.as_deref()),
                title: series.title,
                production_house: series.production_house,
                language: series.language,
                origin_country: series.origin_country,
                release_date: series.release_date.format("%-d %B %Y").to_string(),
                planned_episodes: series.planned_episodes,
                available_in: page.available_in,
                avg_rating: series.avg_rating,
                ratings: series.ratings,
                total_viewers: series.total_viewers,
            };
            let episodes = page
                .episodes
                .into_iter()
                .map(|e| EpisodeItem {
                    number: e.number,
                    title: e.title,
                    total_viewers: e.total_viewers,
                    tech_interrupt: e.tech_interrupt,
                })
                .collect();
            let reviews = page
                .reviews
                .into_iter()
                .map(|r| ReviewItem {
                    author: r.username,
                    rating: r.rating,
                    body: r.body,
                    recorded_on: r.recorded_at.format("%-d %b %Y").to_string(),
                })
                .collect();
            Ok(Some(SeriesView {
                detail,
                episodes,
                reviews,
            }))
        })
        .await?;
    let view = view.as_ref().as_ref().ok_or(Error::NotFound)?;
    Ok(
        views::catalog::series_page(&ctx.page(), &view.detail, &view.episodes, &view.reviews)
            .into_response(),
    )
}

#[derive(sqlx::FromRow)]
struct One {
    #[allow(dead_code)]
    one: i64,
}

/// 200 when the database answers, 503 when it does not.
#[handler]
pub async fn healthz(Data(state): Data<&State>) -> Response {
    let probe = Sql::select()
        .expr_as(Expr::val(1), sea_query::Alias::new("one"))
        .to_owned();
    match state.db.fetch_optional::<One>(&probe).await {
        Ok(_) => "ok".with_status(StatusCode::OK).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            "database unavailable"
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
    }
}
