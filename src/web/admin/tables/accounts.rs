//! `POST /admin/{employees,customers}/{id}/disable` and `…/enable`: an account table's own
//! actions (disabling ends the account's sessions at once).

use poem::http::StatusCode;
use poem::Response;
use views::FlashKind;

use super::present::flash;
use super::request::TableRequest;
use super::show::row_with_message;
use crate::admin::people::{self, Toggled};
use crate::error::Error;
use crate::web::common::see_other;
use crate::web::errors::Result;

pub async fn toggle(req: &TableRequest, disable: bool) -> Result<Response> {
    let id = req.id()?;
    let outcome = people::set_disabled(req.db(), req.def, id, disable, req.actor()).await?;
    let (record, message, status) = match outcome {
        Toggled::Done(record) => {
            tracing::info!(entity = req.def.slug, id, disable, "account toggled");
            let message = if disable {
                "Disabled: their sessions have ended."
            } else {
                "Enabled: they can sign in again."
            };
            (
                record,
                (FlashKind::Success, message.to_owned()),
                StatusCode::OK,
            )
        }
        Toggled::Unchanged(record) => {
            let message = if disable {
                "Already disabled."
            } else {
                "Already enabled."
            };
            (
                record,
                (FlashKind::Info, message.to_owned()),
                StatusCode::OK,
            )
        }
        Toggled::Refused(message, record) => {
            (record, (FlashKind::Error, message), StatusCode::CONFLICT)
        }
        Toggled::NotFound => return Err(Error::NotFound.into()),
    };
    if !req.is_htmx() && status == StatusCode::OK {
        return Ok(see_other(&req.return_to(), None, req.secure()));
    }
    row_with_message(
        req,
        &record,
        flash(message.0, message.1),
        status,
        !req.is_htmx(),
    )
    .await
}
