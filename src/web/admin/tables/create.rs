//! `POST /admin/E`: a new row from the inline "new" row (htmx) or the plain form.

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::row::Mode;
use views::paths;
use views::FlashKind;

use super::present::{self, flash};
use super::request::TableRequest;
use crate::admin::entity::ColumnKind;
use crate::admin::submit::{self, Submitted};
use crate::admin::values::Value;
use crate::error::Error;
use crate::validation::FieldErrors;
use crate::web::common::staff_nav as nav;
use crate::web::common::{see_other, with_status};
use crate::web::errors::Result;

pub async fn create(req: &TableRequest) -> Result<Response> {
    let record = match submit::create(req.db(), req.def, &req.form, req.actor()).await? {
        Submitted::Saved(record) => record,
        Submitted::Invalid { typed, errors } => return invalid(req, &typed, &errors).await,
        Submitted::Conflict { .. } | Submitted::NotFound => {
            return Err(Error::internal("a create found an existing row").into())
        }
    };
    tracing::info!(entity = req.def.slug, id = record.id, "created");
    if !req.is_htmx() {
        // Back to the table the form was on; a script without one gets the row.
        let back = if req.form.has("_return") {
            req.return_to()
        } else {
            paths::admin_row(req.def.slug, record.id)
        };
        return Ok(see_other(&back, None, req.secure()));
    }
    let mut meta = req.meta(req.def, true, false).await?;
    let mut row = req.shown_row(&record).await?;
    row.highlight = true;
    row.message = flash(FlashKind::Success, "Created.");
    // The next new row keeps the filter columns just used (the same series…).
    let presets: Vec<(usize, Value)> = req
        .def
        .filters
        .iter()
        .filter_map(|name| req.def.column(name))
        .filter(|(_, c)| matches!(c.kind, ColumnKind::Ref(_)))
        .filter_map(|(i, _)| record.values.get(i).map(|v| (i, v.clone())))
        .collect();
    let names = presets
        .iter()
        .filter_map(|(i, _)| row.cells.get(*i).map(|c| (*i, c.display.clone())))
        .collect();
    let blank = present::blank_row(req.def, &presets, &names);
    present::keep_choices(&mut meta, &blank);
    let count = req.count_update(&meta).await?;
    Ok(maud::html! {
        (views::admin::row::new_row(&meta, &blank))
        (views::admin::row::display_row(&meta, &row))
        @if let Some(count) = count { (count) }
    }
    .into_response())
}

/// The new row again, as typed, with the messages (422).
async fn invalid(
    req: &TableRequest,
    typed: &[Option<String>],
    errors: &FieldErrors,
) -> Result<Response> {
    let blank = present::blank_row(req.def, &[], &HashMap::new());
    let row = present::with_typed(req.def, blank, typed, errors);
    let mut meta = req.meta(req.def, true, false).await?;
    present::keep_choices(&mut meta, &row);
    let markup = if req.is_htmx() {
        views::admin::row::new_row(&meta, &row)
    } else {
        views::admin::record::form_page(&req.ctx.page(), &nav(), &meta, &row, Mode::Create)
    };
    Ok(with_status(markup, StatusCode::UNPROCESSABLE_ENTITY))
}
