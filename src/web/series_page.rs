//! Assembling the series page (and its ratings-and-reviews fragment) from the shared, cached
//! series data plus what belongs to this visitor: their own review, the staff-only columns
//! and buttons. Used by the catalog's `GET /series/{id}` and by the review writes, which
//! answer with the same markup.

use maud::{html, Markup};
use views::catalog::{EpisodeItem, ReleaseItem, ScheduleItem, SeriesDetail, SeriesView};
use views::feedback::{FeedbackView, RatingSummary, ReviewForm, ReviewItem, Viewer};

use super::middleware::RequestContext;
use super::state::State;
use crate::auth::Role;
use crate::catalog::{self, SeriesPage};
use crate::db::page::Page;
use crate::error::Error;
use crate::feedback::{self, ReviewRow, ReviewsPage};
use crate::validation::FieldErrors;
use crate::web::errors::Result;

/// Which reviews page `reviews_page` asks for, validated like any page number (400 if bad).
pub fn reviews_page(text: Option<&str>) -> Result<Page> {
    Ok(
        Page::parse(text, None, feedback::REVIEWS_PER_PAGE).map_err(|_| {
            Error::BadRequest("reviews_page must be a whole number from 1 to 10000".into())
        })?,
    )
}

/// The state of the review form for this answer.
#[derive(Default)]
pub struct FormState {
    /// What was typed, after a refusal; `None` shows the visitor's saved review.
    pub typed: Option<ReviewForm>,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
}

/// What to render.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole document.
    Page,
    /// The ratings-and-reviews section alone (htmx paging).
    Feedback,
    /// The section plus the facts' rating badge out of band, after a write.
    AfterWrite,
}

pub struct Request {
    pub series_id: i64,
    pub reviews_page: Page,
    pub form: FormState,
    pub part: Part,
}

pub async fn render(state: &State, ctx: &RequestContext, request: Request) -> Result<Markup> {
    let today = state.clock.now().date_naive();
    let id = request.series_id;
    // After a write, read what was just committed rather than a cache entry another request
    // may have filled a moment before the commit.
    let fresh;
    let cached;
    let data: &SeriesPage = if request.part == Part::AfterWrite {
        fresh = catalog::series_page(&state.db, id, today).await?;
        fresh.as_ref().ok_or(Error::NotFound)?
    } else {
        cached = state.catalog.series(&state.db, id, today).await?;
        cached.as_ref().as_ref().ok_or(Error::NotFound)?
    };
    let later_page;
    let reviews: &ReviewsPage = if request.reviews_page.number == 1 {
        &data.reviews
    } else {
        later_page =
            feedback::for_series(&mut state.db.reader().await?, id, request.reviews_page).await?;
        &later_page
    };

    let viewer = match ctx.user.as_ref().map(|u| u.role) {
        None => Viewer::Anonymous,
        Some(Role::Customer) => Viewer::Customer,
        Some(Role::Employee) => Viewer::Staff,
    };
    let own = match (&ctx.user, viewer) {
        (Some(user), Viewer::Customer) => feedback::find(&state.db, id, user.account_id).await?,
        _ => None,
    };
    let form = request.form.typed.unwrap_or_else(|| match &own {
        Some(review) => ReviewForm {
            rating: review.rating.to_string(),
            body: review.body.clone(),
        },
        None => ReviewForm::default(),
    });

    let series = &data.series;
    let summary = RatingSummary {
        average: series.avg_rating,
        count: series.ratings,
        distribution: series.distribution(),
    };
    let items: Vec<ReviewItem> = reviews.rows.iter().map(review_item).collect();
    let own_item = own.as_ref().map(review_item);
    let page_ctx = ctx.page();
    let feedback_view = FeedbackView {
        series_id: id,
        summary: &summary,
        reviews: &items,
        reviews_page: reviews.page.number,
        has_next: reviews.has_next,
        viewer,
        own: own_item.as_ref(),
        form: &form,
        errors: &request.form.errors,
        notice: request.form.notice,
        csrf_token: &page_ctx.csrf_token,
    };
    match request.part {
        Part::Feedback => return Ok(views::feedback::feedback_section(&feedback_view)),
        Part::AfterWrite => {
            return Ok(html! {
                (views::feedback::feedback_section(&feedback_view))
                (views::feedback::series_rating(&summary, true))
            })
        }
        Part::Page => {}
    }

    let detail = SeriesDetail {
        id: series.id,
        title: series.title.clone(),
        poster_url: series.poster_url.clone(),
        poster_key: series.poster_key.clone(),
        production_house: series.production_house.clone(),
        language: series.language.clone(),
        origin_country: series.origin_country.clone(),
        release_date: series.release_date,
        planned_episodes: series.planned_episodes,
        genres: data.genres.clone(),
        subtitles: data.subtitles.clone(),
        dubbings: data.dubbings.clone(),
        releases: data
            .releases
            .iter()
            .map(|r| ReleaseItem {
                country: r.country.clone(),
                released_on: r.released_on,
            })
            .collect(),
        total_viewers: series.total_viewers,
    };
    let episodes: Vec<EpisodeItem> = data
        .episodes
        .iter()
        .map(|e| EpisodeItem {
            number: e.number,
            title: e.title.clone(),
            total_viewers: e.total_viewers,
            tech_interrupt: e.tech_interrupt,
        })
        .collect();
    let schedules: Vec<ScheduleItem> = data
        .schedules
        .iter()
        .map(|s| ScheduleItem {
            episode_number: s.episode_number,
            episode_title: s.episode_title.clone(),
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        })
        .collect();
    let view = SeriesView {
        series: &detail,
        episodes: &episodes,
        schedules: &schedules,
        show_staff_columns: viewer == Viewer::Staff,
        feedback: feedback_view,
        today,
    };
    Ok(views::catalog::series_page(&page_ctx, &view))
}

fn review_item(row: &ReviewRow) -> ReviewItem {
    ReviewItem {
        account_id: row.account_id,
        author: row.username.clone(),
        rating: row.rating,
        body: row.body.clone(),
        recorded_at: row.recorded_at,
    }
}
