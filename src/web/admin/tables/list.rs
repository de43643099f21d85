//! Reading a staff table: the list (page, or the table fragment for htmx) and the options of
//! a searchable select.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::table::{SelectOption, UndoOffer};

use super::present;
use super::request::{TableRequest, OPTIONS_LIMIT};
use crate::admin::crud::{self, FormData};
use crate::error::Error;
use crate::web::common::staff_nav as nav;
use crate::web::common::with_status;
use crate::web::errors::Result;

/// `GET /admin/E`.
pub async fn list(req: &TableRequest) -> Result<Response> {
    let query = present::list_query(req.def, &req.form)?;
    let table = req.table_view(req.def, &query, false, None).await?;
    if req.is_htmx() {
        return Ok(views::admin::table::table_section(&table).into_response());
    }
    Ok(views::admin::table::list_page(&req.ctx.page(), &nav(), &table).into_response())
}

/// `GET /admin/E/options?q=…`: the `<option>`s of a long select list.
pub async fn options(req: &TableRequest) -> Result<Response> {
    let q = req.form.one("q")?.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(Error::BadRequest("search text is limited to 100 characters".into()).into());
    }
    let rows = crud::options(req.db(), req.def, q, OPTIONS_LIMIT).await?;
    let selected = req
        .form
        .one("selected")?
        .and_then(|s| s.parse::<i64>().ok());
    let mut options = present::to_options(rows);
    if let Some(id) = selected {
        if !options.iter().any(|o| o.value == id) {
            if let Some(label) = crud::label(req.db(), req.def, id).await? {
                options.insert(0, SelectOption { value: id, label });
            }
        }
    }
    Ok(maud::html! {
        option value="" { "—" }
        @for option in &options {
            option value=(option.value) selected[Some(option.value) == selected] { (option.label) }
        }
    }
    .into_response())
}

/// What the table says above its rows after an action on several of them.
pub enum TableNote {
    /// (success, text).
    Message(bool, String),
    /// A delete's message with its Undo.
    Undo(UndoOffer),
}

/// The table as the page showed it (the query of `back`), with a message: the answer to a
/// bulk delete or an Undo.
pub async fn table_with_message(
    req: &TableRequest,
    back: &str,
    message: (bool, String),
    status: StatusCode,
) -> Result<Response> {
    table_answer(req, back, TableNote::Message(message.0, message.1), status).await
}

/// The table as the page showed it (the query of `back`), with `note` above its rows.
pub async fn table_answer(
    req: &TableRequest,
    back: &str,
    note: TableNote,
    status: StatusCode,
) -> Result<Response> {
    let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let params = FormData(
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    );
    let list = present::list_query(req.def, &params)
        .or_else(|_| present::list_query(req.def, &FormData::default()))?;
    let (message, undo) = match note {
        TableNote::Message(ok, text) => (Some((ok, text)), None),
        TableNote::Undo(offer) => (None, Some(offer)),
    };
    let mut table = req.table_view(req.def, &list, false, message).await?;
    if undo.is_some() {
        table.undo = undo;
    }
    let markup = if req.is_htmx() {
        views::admin::table::table_section(&table)
    } else {
        views::admin::table::list_page(&req.ctx.page(), &nav(), &table)
    };
    Ok(with_status(markup, status))
}
