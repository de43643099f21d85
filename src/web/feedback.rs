//! Reviews: a customer writes, edits and deletes their own review of a series; staff remove
//! anyone's. htmx requests get the ratings-and-reviews section back (summary, form and list
//! change in place); plain forms are redirected to the series page (post/redirect/get).

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::feedback::ReviewForm;

use super::access::{RequireCustomer, RequireEmployee};
use super::common::{path_id, see_other, with_status};
use super::form::{Form, QueryFields};
use super::middleware::{FlashCode, RequestContext};
use super::series_page::{self, FormState, Part};
use super::state::State;
use crate::db::page::Page;
use crate::feedback;
use crate::web::errors::Result;

#[derive(Debug, Deserialize)]
pub struct ReviewInput {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    body: String,
}

fn first_page() -> Page {
    Page {
        number: 1,
        size: feedback::REVIEWS_PER_PAGE,
    }
}

/// After a committed write: the fresh section for htmx, else back to the series page.
async fn written(
    state: &State,
    ctx: &RequestContext,
    series_id: i64,
    notice: &'static str,
    flash: FlashCode,
) -> Result<Response> {
    if !ctx.is_htmx {
        let back = [
            views::paths::series(series_id).as_str(),
            "#",
            views::feedback::FEEDBACK_ID,
        ]
        .concat();
        return Ok(see_other(&back, Some(flash), state.config.secure_cookies()));
    }
    let request = series_page::Request {
        series_id,
        reviews_page: first_page(),
        form: FormState {
            notice: Some(notice),
            ..FormState::default()
        },
        part: Part::AfterWrite,
    };
    Ok(series_page::render(state, ctx, request)
        .await?
        .into_response())
}

/// `POST /series/{id}/feedback`: creates or replaces the customer's review (1–5 stars, at
/// most 400 characters). Refused input: 422 with the form as typed and messages beside it.
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn save(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Path(id): Path<String>,
    Form(input): Form<ReviewInput>,
) -> Result<Response> {
    let series_id = path_id(&id)?;
    let review = match feedback::validate(&input.rating, &input.body) {
        Ok(review) => review,
        Err(errors) => {
            let request = series_page::Request {
                series_id,
                reviews_page: first_page(),
                form: FormState {
                    typed: Some(ReviewForm {
                        rating: input.rating,
                        body: feedback::normalize_body(&input.body),
                    }),
                    errors,
                    notice: None,
                },
                part: if ctx.is_htmx {
                    Part::Feedback
                } else {
                    Part::Page
                },
            };
            let markup = series_page::render(state, ctx, request).await?;
            return Ok(with_status(markup, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    feedback::save(
        &state.db,
        series_id,
        user.account_id,
        &review,
        state.clock.now(),
    )
    .await?;
    tracing::info!(series_id, "review saved");
    written(
        state,
        ctx,
        series_id,
        "Review saved.",
        FlashCode::ReviewSaved,
    )
    .await
}

/// `DELETE /series/{id}/feedback` (and its form fallback `POST …/feedback/delete`): removes
/// the customer's own review. No review (or no such series): 404.
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn remove(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Path(id): Path<String>,
) -> Result<Response> {
    let series_id = path_id(&id)?;
    feedback::remove_own(&state.db, series_id, user.account_id).await?;
    tracing::info!(series_id, "review deleted");
    written(
        state,
        ctx,
        series_id,
        "Review deleted.",
        FlashCode::ReviewDeleted,
    )
    .await
}

/// Where a staff removal returns to: `_return`, when it is the staff review list.
#[derive(Debug, Default, Deserialize)]
pub struct StaffReturn {
    #[serde(rename = "_return")]
    back: Option<String>,
}

impl StaffReturn {
    fn to_review_list(&self) -> Option<String> {
        self.back
            .as_deref()
            .filter(|b| {
                (*b == views::paths::ADMIN_REVIEWS
                    || b.starts_with(&[views::paths::ADMIN_REVIEWS, "?"].concat()))
                    && crate::web::access::safe_next(b).is_some()
            })
            .map(str::to_owned)
    }
}

/// `DELETE /admin/feedback/{series_id}/{account_id}` (and `POST …/delete`): staff remove any
/// review; the audit log records it in the same transaction.
#[handler]
#[tracing::instrument(skip_all, fields(staff_id = user.account_id))]
pub async fn staff_remove(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(user): RequireEmployee,
    Path((series_id, account_id)): Path<(String, String)>,
    QueryFields(back): QueryFields<StaffReturn>,
) -> Result<Response> {
    let (series_id, account_id) = (path_id(&series_id)?, path_id(&account_id)?);
    feedback::remove_by_staff(
        &state.db,
        series_id,
        account_id,
        user.account_id,
        state.clock.now(),
    )
    .await?;
    tracing::info!(series_id, account_id, "review removed by staff");
    // From the review list: back to it (its row, for htmx), not to the series page.
    if let Some(back) = back.to_review_list() {
        if ctx.is_htmx {
            return Ok(views::admin::reviews::removed_row(series_id, account_id).into_response());
        }
        return Ok(see_other(
            &back,
            Some(FlashCode::ReviewRemoved),
            state.config.secure_cookies(),
        ));
    }
    written(
        state,
        ctx,
        series_id,
        "The review was removed.",
        FlashCode::ReviewRemoved,
    )
    .await
}
