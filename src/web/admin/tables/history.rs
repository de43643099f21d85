//! `GET /admin/E/{id}/history`: the audit entries of one row, newest first, paged. A deleted
//! row keeps its history; an id that never had a row or an entry is 404.

use poem::{IntoResponse, Response};
use views::admin::audit::HistoryView;

use super::present;
use super::request::TableRequest;
use crate::admin::crud;
use crate::audit::{self, AuditFilter};
use crate::db::page::Page;
use crate::error::Error;
use crate::web::admin::audit_entry;
use crate::web::common::staff_nav as nav;
use crate::web::errors::Result;

const PAGE_SIZE: u32 = 50;

pub async fn history(req: &TableRequest) -> Result<Response> {
    let id = req.id()?;
    let page = Page::parse(req.form.one("page")?, None, PAGE_SIZE)?;
    let record = crud::find(req.db(), req.def, id).await?;
    let filter = AuditFilter {
        entity: Some(req.def.slug.to_owned()),
        account_id: None,
        entity_id: Some(id.to_string()),
        ..AuditFilter::default()
    };
    let (rows, has_next) = audit::list(req.db(), &filter, page).await?;
    if record.is_none() && rows.is_empty() && page.number == 1 {
        return Err(Error::NotFound.into());
    }
    let view = HistoryView {
        title: match &record {
            Some(record) => ["History of ", req.def.singular, " “", &record.label, "”"].concat(),
            None => [
                "History of deleted ",
                req.def.singular,
                " #",
                &id.to_string(),
            ]
            .concat(),
        },
        record_href: record
            .as_ref()
            .map(|_| views::paths::admin_row(req.def.slug, id)),
        list_href: req.def.paths.list,
        base_href: views::paths::admin_history(req.def.slug, id),
        entries: rows
            .iter()
            .map(|row| {
                let mut entry = audit_entry(row);
                entry.changes = entry
                    .changes
                    .into_iter()
                    .map(|change| present::readable_change(req.def, change))
                    .collect();
                entry
            })
            .collect(),
        page: page.number,
        has_next,
    };
    Ok(views::admin::audit::history_page(&req.ctx.page(), &nav(), &view).into_response())
}
