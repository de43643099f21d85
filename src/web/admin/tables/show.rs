//! One row of a staff table: shown (a fragment, or its own page with its child tables and
//! link sets) or as its edit form.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::row::{Mode, RowView};
use views::paths;

use super::links;
use super::present::{self, PAGE_SIZE};
use super::request::TableRequest;
use crate::admin::crud::{ListQuery, Record, Sort};
use crate::admin::values::Value;
use crate::db::page::Page;
use crate::web::common::staff_nav as nav;
use crate::web::common::with_status;
use crate::web::errors::Result;

/// `GET /admin/E/{id}`.
pub async fn show(req: &TableRequest) -> Result<Response> {
    let id = req.id()?;
    let record = req.find(id).await?;
    let row = req.shown_row(&record).await?;
    let meta = req.meta(req.def, false, false).await?;
    if req.is_htmx() {
        return Ok(views::admin::row::display_row(&meta, &row).into_response());
    }
    let mut meta = meta;
    meta.return_to = paths::admin_row(req.def.slug, id);
    let links = if req.def.links.is_empty() {
        None
    } else {
        Some(links::panel(req, id, None).await?)
    };
    // A series' page starts with its poster panel.
    let links = if meta.poster {
        let poster = crate::web::poster_panel::on_record_page(&req.state, &req.ctx, id).await?;
        Some(maud::html! { (poster) @if let Some(links) = links { (links) } })
    } else {
        links
    };
    let mut children = Vec::new();
    for child in req.def.children {
        let Some((index, _)) = child.entity.column(child.fk) else {
            continue;
        };
        let query = ListQuery {
            q: String::new(),
            sort: Sort::parse(child.entity, None)?,
            filters: vec![(index, Value::Int(id))],
            ranges: Vec::new(),
            page: Page {
                number: 1,
                size: PAGE_SIZE,
            },
        };
        children.push(req.table_view(child.entity, &query, true, None).await?);
    }
    Ok(
        views::admin::record::record_page(&req.ctx.page(), &nav(), &meta, &row, links, &children)
            .into_response(),
    )
}

/// `GET /admin/E/{id}/edit`.
pub async fn edit(req: &TableRequest) -> Result<Response> {
    let record = req.find(req.id()?).await?;
    let row = req.shown_row(&record).await?;
    // Others' pages show that this row is being edited (their streams read it); a nicety
    // that never stands between an employee and the form.
    if let Err(e) = super::presence::entered(req, record.id).await {
        tracing::warn!(error = %e, "noting who edits a row failed");
    }
    edit_form(req, row, StatusCode::OK).await
}

/// The row as an edit form: a fragment for htmx, else a page.
pub async fn edit_form(req: &TableRequest, row: RowView, status: StatusCode) -> Result<Response> {
    let mut meta = req.meta(req.def, true, false).await?;
    present::keep_choices(&mut meta, &row);
    let markup = if req.is_htmx() {
        views::admin::row::edit_row(&meta, &row)
    } else {
        views::admin::record::form_page(&req.ctx.page(), &nav(), &meta, &row, Mode::Update)
    };
    Ok(with_status(markup, status))
}

/// The row as shown, with a message: the row fragment for htmx, the record's own page for
/// plain forms.
pub(super) async fn row_with_message(
    req: &TableRequest,
    record: &Record,
    message: Option<views::Flash>,
    status: StatusCode,
    page: bool,
) -> Result<Response> {
    let mut row = req.shown_row(record).await?;
    row.message = message;
    let mut meta = req.meta(req.def, false, false).await?;
    if page {
        meta.return_to = paths::admin_row(req.def.slug, record.id);
        let markup =
            views::admin::record::record_page(&req.ctx.page(), &nav(), &meta, &row, None, &[]);
        return Ok(with_status(markup, status));
    }
    Ok(with_status(
        views::admin::row::display_row(&meta, &row),
        status,
    ))
}
