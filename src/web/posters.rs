//! Posters: staff upload (`POST /admin/series/{id}/poster`, multipart field `poster`) and
//! remove (`DELETE` on the same path, or `POST …/poster/delete` without JavaScript) a series'
//! poster; anyone reads the stored renditions (`GET /media/{name}`). htmx gets the poster
//! panel back; plain forms are redirected to the series' staff page.

use poem::http::{header, StatusCode};
use poem::web::{Data, Multipart, Path};
use poem::{handler, Response};
use views::admin::poster::POSTER_ID;

use super::access::RequireEmployee;
use super::common::{path_id, see_other, with_status};
use super::middleware::{FlashCode, RequestContext};
use super::poster_panel;
use super::state::State;
use crate::admin::crud::Actor;
use crate::admin::entities::SERIES;
use crate::error::Error;
use crate::posters::{self, Outcome, Refused};
use crate::web::errors::Result;

/// The answer to a poster action: the panel (htmx, or a refused plain form) with `status`,
/// or after a plain form's success the series' staff page.
async fn answer(
    state: &State,
    ctx: &RequestContext,
    series_id: i64,
    outcome: Outcome,
    notice: &'static str,
    flash: FlashCode,
) -> Result<Response> {
    let (status, error) = match outcome {
        Outcome::NotFound => return Err(Error::NotFound.into()),
        Outcome::Done | Outcome::Unchanged => (StatusCode::OK, None),
        Outcome::Refused(refused) => {
            let status = if refused == Refused::TooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, Some(refused.message()))
        }
    };
    if !ctx.is_htmx && error.is_none() {
        let back = [
            views::paths::admin_row(SERIES.slug, series_id).as_str(),
            "#",
            POSTER_ID,
        ]
        .concat();
        return Ok(see_other(&back, Some(flash), state.config.secure_cookies()));
    }
    let notice = Some(notice).filter(|_| status == StatusCode::OK);
    let markup = poster_panel::panel(state, ctx, series_id, error, notice).await?;
    Ok(with_status(markup, status))
}

/// `POST /admin/series/{id}/poster`.
#[handler]
#[tracing::instrument(skip_all, fields(staff_id = user.account_id))]
pub async fn upload(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(user): RequireEmployee,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Result<Response> {
    let series_id = path_id(&id)?;
    let mut file = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| Error::BadRequest("the form could not be read".into()))?
    {
        if field.name() == Some("poster") && file.is_none() {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| Error::BadRequest("the form could not be read".into()))?;
            file = Some(bytes);
        }
    }
    let actor = Actor {
        account_id: user.account_id,
        now: state.clock.now(),
    };
    let outcome = match file {
        None => Outcome::Refused(Refused::Empty),
        Some(bytes) => posters::upload(&state.db, &state.media, series_id, bytes, actor).await?,
    };
    if outcome == Outcome::Done {
        tracing::info!(series_id, "poster uploaded");
    }
    answer(
        state,
        ctx,
        series_id,
        outcome,
        "The poster was saved.",
        FlashCode::PosterSaved,
    )
    .await
}

/// `DELETE /admin/series/{id}/poster` (and `POST …/poster/delete`).
#[handler]
#[tracing::instrument(skip_all, fields(staff_id = user.account_id))]
pub async fn remove(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(user): RequireEmployee,
    Path(id): Path<String>,
) -> Result<Response> {
    let series_id = path_id(&id)?;
    let actor = Actor {
        account_id: user.account_id,
        now: state.clock.now(),
    };
    let outcome = posters::remove(&state.db, series_id, actor).await?;
    if outcome == Outcome::Done {
        tracing::info!(series_id, "poster removed");
    }
    answer(
        state,
        ctx,
        series_id,
        outcome,
        "The poster was removed.",
        FlashCode::PosterRemoved,
    )
    .await
}

/// `GET /media/{name}`: a stored rendition. Its name is its content, so it never changes;
/// the type is the server's (every stored file is WebP), never the uploader's.
#[handler]
pub async fn media(Data(state): Data<&State>, Path(name): Path<String>) -> Response {
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body("not found")
    };
    let Some(path) = state.media.file(&name) else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, "image/webp")
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(bytes),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, "poster file unreadable");
            }
            not_found()
        }
    }
}
