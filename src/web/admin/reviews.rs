//! `GET /admin/reviews`: every review, newest first, searched (`q`: the review, the series'
//! title, the reviewer), filtered by `series` and `rating`, paged; each removable through
//! the staff removal route, which brings the visitor back here.

use poem::web::Data;
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::admin::reviews::{ReviewItem, ReviewsView};
use views::admin::table::SelectOption;

use crate::admin::{crud, entities};
use crate::db::page::Page;
use crate::error::Error;
use crate::feedback::{self, ReviewFilter};
use crate::web::access::RequireEmployee;
use crate::web::common::{optional_id, staff_nav as nav};
use crate::web::errors::Result;
use crate::web::form::Form;
use crate::web::middleware::RequestContext;
use crate::web::state::State;

const PAGE_SIZE: u32 = 25;
/// Series offered in the filter's list (the chosen one is always among them).
const SERIES_CHOICES: u64 = 200;

#[derive(Debug, Deserialize)]
pub struct ReviewParams {
    q: Option<String>,
    series: Option<String>,
    rating: Option<String>,
    page: Option<String>,
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn reviews(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
    Form(params): Form<ReviewParams>,
) -> Result<Response> {
    let q = params.q.as_deref().unwrap_or_default().trim().to_owned();
    if q.chars().count() > 100 || q.chars().any(char::is_control) {
        return Err(Error::BadRequest("search text is limited to 100 characters".into()).into());
    }
    let series_id = optional_id(params.series.as_deref(), "series")?;
    let rating = match params.rating.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(stars) if (1..=5).contains(&stars) => Some(stars),
            _ => {
                return Err(
                    Error::BadRequest("rating must be a whole number from 1 to 5".into()).into(),
                )
            }
        },
    };
    let page = Page::parse(params.page.as_deref(), None, PAGE_SIZE)?;
    let filter = ReviewFilter {
        q: q.clone(),
        series_id,
        rating,
    };
    let (rows, total) = feedback::for_staff(&state.db, &filter, page).await?;
    let mut series_choices: Vec<SelectOption> =
        crud::options(&state.db, &entities::SERIES, "", SERIES_CHOICES)
            .await?
            .into_iter()
            .map(|r| SelectOption {
                value: r.id,
                label: r.label,
            })
            .collect();
    if let Some(id) = series_id {
        if !series_choices.iter().any(|o| o.value == id) {
            if let Some(label) = crud::label(&state.db, &entities::SERIES, id).await? {
                series_choices.insert(0, SelectOption { value: id, label });
            }
        }
    }
    let size = i64::from(page.size);
    let view = ReviewsView {
        q,
        series_id,
        rating,
        page: page.number,
        pages: u32::try_from((total + size - 1) / size).unwrap_or(u32::MAX),
        total,
        series_choices,
        reviews: rows
            .into_iter()
            .map(|r| ReviewItem {
                series_id: r.series_id,
                title: r.title,
                account_id: r.account_id,
                username: r.username,
                rating: r.rating,
                body: r.body,
                at: r.recorded_at,
            })
            .collect(),
        csrf_token: ctx.csrf_token.clone(),
    };
    if ctx.is_htmx {
        return Ok(views::admin::reviews::reviews_section(&view).into_response());
    }
    Ok(views::admin::reviews::reviews_page(&ctx.page(), &nav(), &view).into_response())
}
