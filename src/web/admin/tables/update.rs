//! `PUT /admin/E/{id}` (and the plain form's POST with `_method=PUT`): saves an edit if the
//! row is still at the form's version; otherwise 409 with the current values beside what
//! was typed.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::FlashKind;

use super::present::{self, flash};
use super::request::TableRequest;
use super::show::edit_form;
use crate::admin::entity::Edit;
use crate::admin::submit::{self, Submitted};
use crate::error::Error;
use crate::web::common::see_other;
use crate::web::common::with_status;
use crate::web::errors::Result;

/// `fragment`: always answer with the row (PUT), else as the request asks.
pub async fn update(req: &TableRequest, fragment: bool) -> Result<Response> {
    let id = req.id()?;
    let current = req.find(id).await?;
    match submit::update(req.db(), req.def, &current, &req.form, req.actor()).await? {
        Submitted::Saved(record) => {
            tracing::info!(entity = req.def.slug, id, "updated");
            // Saved: no longer editing. The save stands even if this note fails.
            if let Err(e) = super::presence::left(req, id).await {
                tracing::warn!(error = %e, "noting an editor left a row failed");
            }
            if !fragment && !req.is_htmx() {
                return Ok(see_other(&req.return_to(), None, req.secure()));
            }
            let meta = req.meta(req.def, false, false).await?;
            let mut row = req.shown_row(&record).await?;
            row.highlight = true;
            row.message = flash(FlashKind::Success, "Saved.");
            Ok(views::admin::row::display_row(&meta, &row).into_response())
        }
        Submitted::Invalid { typed, errors } => {
            let shown = req.shown_row(&current).await?;
            let row = present::with_typed(req.def, shown, &typed, &errors);
            edit_form(req, row, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Submitted::Conflict { current, typed } => {
            tracing::info!(entity = req.def.slug, id, "edit conflict");
            let mut row = req.shown_row(&current).await?;
            for ((column, cell), typed) in
                req.def.columns.iter().zip(row.cells.iter_mut()).zip(&typed)
            {
                if column.edit == Edit::Always {
                    cell.note = present::conflict_note(&cell.value, typed.as_deref());
                }
            }
            row.message = flash(
                FlashKind::Error,
                "Someone else changed this row while you were editing. These are the current values (yours are noted beside each field): check them and save again.",
            );
            let status = StatusCode::CONFLICT;
            if fragment || req.is_htmx() {
                let mut meta = req.meta(req.def, true, false).await?;
                present::keep_choices(&mut meta, &row);
                return Ok(with_status(
                    views::admin::row::edit_row(&meta, &row),
                    status,
                ));
            }
            edit_form(req, row, status).await
        }
        Submitted::NotFound => Err(Error::NotFound.into()),
    }
}
