//! `POST /admin/E/{id}/presence`: the page of an employee editing row `id` says it still is
//! (`editing=1`, every few seconds while the form is open) or that it stopped (`editing=0`:
//! cancelled, or the page closed). Opening the edit form and saving say so by themselves.
//! Others' streams of the table show it (`admin::presence`, `events`).

use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::request::TableRequest;
use crate::admin::presence;
use crate::error::Error;
use crate::web::errors::Result;

pub async fn presence(req: &TableRequest) -> Result<Response> {
    let id = req.id()?;
    match req.form.one("editing")? {
        Some("1") => {
            // Only rows that exist (404 otherwise).
            req.find(id).await?;
            entered(req, id).await?;
        }
        Some("0") => left(req, id).await?,
        _ => return Err(Error::BadRequest("editing must be 1 or 0".into()).into()),
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// This session now edits row `id`.
pub(super) async fn entered(req: &TableRequest, id: i64) -> Result<()> {
    let now = req.state.clock.now();
    presence::enter(
        req.db(),
        req.user.session_id,
        req.user.account_id,
        req.def.slug,
        id,
        now,
    )
    .await?;
    Ok(())
}

/// This session no longer edits row `id`.
pub(super) async fn left(req: &TableRequest, id: i64) -> Result<()> {
    presence::leave(req.db(), req.user.session_id, req.def.slug, id).await?;
    Ok(())
}
