//! Public catalog pages: the filtered list and one series.

use poem::web::{Data, Path};
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::catalog::{CatalogItem, CatalogQuery, CatalogView};

use super::common::{optional_id, path_id, view_choices};
use super::form::Form;
use super::middleware::RequestContext;
use super::series_page;
use super::state::State;
use crate::catalog::{CatalogFilter, CatalogSort};
use crate::db::page::Page;
use crate::error::Error;
use crate::web::errors::Result;

pub const PAGE_SIZE: u32 = 24;

#[derive(Debug, Deserialize)]
pub struct CatalogParams {
    q: Option<String>,
    genre: Option<String>,
    country: Option<String>,
    language: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn index(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(params): Form<CatalogParams>,
) -> Result<Response> {
    let q = params.q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(Error::BadRequest("search text is limited to 100 characters".into()).into());
    }
    let filter = CatalogFilter {
        q: q.trim().to_owned(),
        genre: optional_id(params.genre.as_deref(), "genre")?,
        country: optional_id(params.country.as_deref(), "country")?,
        language: optional_id(params.language.as_deref(), "language")?,
        sort: CatalogSort::parse(params.sort.as_deref())?,
    };
    let page = Page::parse(params.page.as_deref(), None, PAGE_SIZE)?;
    let list = state.catalog.list(&state.db, &filter, page).await?;
    let choices = state.catalog.choices(&state.db).await?;

    let items: Vec<CatalogItem> = list
        .rows
        .iter()
        .map(|row| CatalogItem {
            id: row.id,
            title: row.title.clone(),
            poster_url: row.poster_url.clone(),
            poster_key: row.poster_key.clone(),
            production_house: row.production_house.clone(),
            genres: row.genres(),
            avg_rating: row.avg_rating,
            ratings: row.ratings,
            total_viewers: row.total_viewers,
            release_year: row.release_year(),
        })
        .collect();
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
    let (genres, countries, languages) = (
        view_choices(&choices.genres),
        view_choices(&choices.countries),
        view_choices(&choices.languages),
    );
    let view = CatalogView {
        items: &items,
        query: &query,
        genres: &genres,
        countries: &countries,
        languages: &languages,
        sorts: &sorts,
        has_next: list.has_next,
        total: list.total,
    };
    if ctx.is_htmx {
        // The form sends every field, empty ones too; the address bar gets the tidy URL.
        let canonical = query.href(query.page);
        return Ok(views::catalog::catalog_update(&view)
            .with_header("HX-Push-Url", canonical)
            .into_response());
    }
    Ok(views::catalog::catalog_page(&ctx.page(), &view).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SeriesParams {
    reviews_page: Option<String>,
}

/// One series in full. htmx requests (the reviews pager) get the ratings-and-reviews section.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn show(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Path(id): Path<String>,
    Form(params): Form<SeriesParams>,
) -> Result<Response> {
    let request = series_page::Request {
        series_id: path_id(&id)?,
        reviews_page: series_page::reviews_page(params.reviews_page.as_deref())?,
        form: series_page::FormState::default(),
        part: if ctx.is_htmx {
            series_page::Part::Feedback
        } else {
            series_page::Part::Page
        },
    };
    Ok(series_page::render(state, ctx, request)
        .await?
        .into_response())
}
