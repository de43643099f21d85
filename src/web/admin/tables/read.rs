//! Reading a staff table: the list, a row (shown or as its edit form) and the options of a
//! searchable select.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::row::{Mode, RowView};
use views::admin::table::SelectOption;
use views::paths;

use super::{to_options, Table, OPTIONS_LIMIT, PAGE_SIZE};
use crate::admin::crud::{self, ListQuery, Record, Sort};
use crate::admin::values::Value;
use crate::db::page::Page;
use crate::error::{Error, Result};
use crate::web::common::staff_nav as nav;
use crate::web::common::with_status;

impl Table {
    pub(super) async fn list(&self) -> Result<Response> {
        let query = Self::list_query(self.def, &self.form)?;
        let table = self.table_view(self.def, &query, false, None).await?;
        if self.is_htmx() {
            return Ok(views::admin::table::table_section(&table).into_response());
        }
        Ok(views::admin::table::list_page(&self.ctx.page(), &nav(), &table).into_response())
    }

    pub(super) async fn find(&self, id: i64) -> Result<Record> {
        crud::find(self.db(), self.def, id)
            .await?
            .ok_or(Error::NotFound)
    }

    pub(super) async fn shown_row(&self, record: &Record) -> Result<RowView> {
        let labels = crud::labels(self.db(), self.def, std::slice::from_ref(record)).await?;
        Ok(self.row_view(self.def, record, &labels))
    }

    pub(super) async fn show(&self, id: i64) -> Result<Response> {
        let record = self.find(id).await?;
        let row = self.shown_row(&record).await?;
        let meta = self.meta(self.def, false, false).await?;
        if self.is_htmx() {
            return Ok(views::admin::row::display_row(&meta, &row).into_response());
        }
        let mut meta = meta;
        meta.return_to = paths::admin_row(self.def.slug, id);
        let links = if self.def.links.is_empty() {
            None
        } else {
            Some(self.links_panel(id, None).await?)
        };
        let mut children = Vec::new();
        for child in self.def.children {
            let Some((index, _)) = child.entity.column(child.fk) else {
                continue;
            };
            let query = ListQuery {
                q: String::new(),
                sort: Sort::parse(child.entity, None)?,
                filters: vec![(index, Value::Int(id))],
                page: Page {
                    number: 1,
                    size: PAGE_SIZE,
                },
            };
            children.push(self.table_view(child.entity, &query, true, None).await?);
        }
        Ok(views::admin::record::record_page(
            &self.ctx.page(),
            &nav(),
            &meta,
            &row,
            links,
            &children,
        )
        .into_response())
    }

    pub(super) async fn edit(&self, id: i64) -> Result<Response> {
        let record = self.find(id).await?;
        let row = self.shown_row(&record).await?;
        self.edit_form(row, StatusCode::OK).await
    }

    /// The row as an edit form: a fragment for htmx, else a page.
    pub(super) async fn edit_form(&self, row: RowView, status: StatusCode) -> Result<Response> {
        let mut meta = self.meta(self.def, true, false).await?;
        Self::keep_choices(&mut meta, &row);
        let markup = if self.is_htmx() {
            views::admin::row::edit_row(&meta, &row)
        } else {
            views::admin::record::form_page(&self.ctx.page(), &nav(), &meta, &row, Mode::Update)
        };
        Ok(with_status(markup, status))
    }

    pub(super) async fn options(&self) -> Result<Response> {
        let q = self.form.one("q")?.unwrap_or_default();
        if q.chars().count() > 100 {
            return Err(Error::BadRequest(
                "search text is limited to 100 characters".into(),
            ));
        }
        let rows = crud::options(self.db(), self.def, q, OPTIONS_LIMIT).await?;
        let selected = self
            .form
            .one("selected")?
            .and_then(|s| s.parse::<i64>().ok());
        let mut options = to_options(rows);
        if let Some(id) = selected {
            if !options.iter().any(|o| o.value == id) {
                if let Some(label) = crud::label(self.db(), self.def, id).await? {
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

    // ---- writing ------------------------------------------------------------------------
}
