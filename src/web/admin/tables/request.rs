//! One request to one staff table, read once: who asks, which row, which link, the form (the
//! query string and a form body, refused when not UTF-8), and where the page is. The handlers
//! of each operation (`list`, `show`, `create`, `update`, `delete`, `accounts`, `links`)
//! take it, and the view models they share are built here.

use std::collections::HashMap;

use poem::http::Method;
use poem::{FromRequest, Request};
use views::admin::row::RowView;
use views::admin::table::{
    ColumnView, DateRangeView, FilterView, Input, ListParams, TableMeta, TableView, UndoOffer,
};
use views::paths::{self, AdminPaths};

use super::present::{self, PAGE_SIZE};
use crate::admin::crud::{self, Actor, FormData, ListQuery, Record, Sort};
use crate::admin::entity::{ColumnKind, Edit, EntityDef};
use crate::auth::CurrentUser;
use crate::error::{Error, Result};
use crate::web::access::{safe_next, RequireEmployee};
use crate::web::common::path_id;
use crate::web::form;
use crate::web::middleware::RequestContext;
use crate::web::state::State;

/// Reference lists longer than this are sent in part, with a search for the rest.
pub const OPTIONS_LIMIT: u64 = 200;

pub struct TableRequest {
    pub state: State,
    pub ctx: RequestContext,
    pub user: CurrentUser,
    pub def: &'static EntityDef,
    /// The `:id` of the path, if it has one.
    pub id: Option<i64>,
    /// The `:target` of a link path.
    pub target: Option<i64>,
    /// The `:link` of a link path.
    pub link: Option<String>,
    pub form: FormData,
    /// The page htmx says the request comes from (path and query).
    current_url: Option<String>,
    /// `Last-Event-ID`: where a reconnecting event stream resumes.
    pub last_event_id: Option<String>,
    /// The `:import_id` of an import confirmation.
    pub import_id: Option<String>,
}

impl TableRequest {
    /// Reads the request for `def`'s table (employees only; the guard has let it through).
    pub async fn read(def: &'static EntityDef, req: &mut Request) -> poem::Result<Self> {
        let state = req
            .data::<State>()
            .cloned()
            .ok_or_else(|| Error::internal("no application state"))?;
        let ctx = req
            .extensions()
            .get::<RequestContext>()
            .cloned()
            .ok_or(Error::Forbidden)?;
        let RequireEmployee(user) = RequireEmployee::from_request_without_body(req).await?;
        let number = |name: &str| -> Result<Option<i64>> {
            match req.raw_path_param(name) {
                Some(text) => Ok(Some(path_id(text)?)),
                None => Ok(None),
            }
        };
        let (id, target) = (number("id")?, number("target")?);
        let link = req.raw_path_param("link").map(str::to_owned);
        let current_url = req
            .headers()
            .get("hx-current-url")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok())
            .map(|u| match u.query() {
                Some(q) => [u.path(), "?", q].concat(),
                None => u.path().to_owned(),
            });
        let last_event_id = req
            .headers()
            .get("last-event-id")
            .map(|v| v.to_str().map(str::to_owned))
            .transpose()
            .map_err(|_| Error::BadRequest("Last-Event-ID must be text".into()))?;
        let import_id = req.raw_path_param("import_id").map(str::to_owned);
        let form = read_form(req).await?;
        Ok(Self {
            last_event_id,
            import_id,
            state,
            ctx,
            user,
            def,
            id,
            target,
            link,
            form,
            current_url,
        })
    }

    pub fn paths(&self) -> &'static AdminPaths {
        self.def.paths
    }

    /// The row the path names.
    pub fn id(&self) -> Result<i64> {
        self.id.ok_or(Error::NotFound)
    }

    pub fn db(&self) -> &crate::db::Db {
        &self.state.db
    }

    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.user.account_id,
            now: self.state.clock.now(),
        }
    }

    pub fn is_htmx(&self) -> bool {
        self.ctx.is_htmx
    }

    pub fn secure(&self) -> bool {
        self.state.config.secure_cookies()
    }

    /// `_method` of a plain form posting for PUT or DELETE, in upper case.
    pub fn method_override(&self) -> Result<Option<String>> {
        Ok(self.form.one("_method")?.map(str::to_ascii_uppercase))
    }

    /// Where plain forms return: the `_return` they carry, the page htmx says it is on, or
    /// the table. Only staff pages qualify.
    pub fn return_to(&self) -> String {
        let sent = self.form.one("_return").ok().flatten().map(str::to_owned);
        sent.or_else(|| self.current_url.clone())
            .filter(|r| safe_next(r).is_some() && r.starts_with(paths::ADMIN))
            .unwrap_or_else(|| self.paths().list.to_owned())
    }

    /// The table's "N rows" count as the page showing it now reads it (its search and
    /// filters), to swap in out of band after a create or delete; `None` when the request
    /// does not come from the table's own page.
    pub async fn count_update(&self, meta: &TableMeta) -> Result<Option<maud::Markup>> {
        let Some(url) = self.current_url.as_deref() else {
            return Ok(None);
        };
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        if path != self.def.paths.list {
            return Ok(None);
        }
        let params = FormData(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        );
        let Ok(query) = present::list_query(self.def, &params) else {
            return Ok(None);
        };
        let total = crud::total(self.db(), self.def, &query).await?;
        Ok(Some(views::admin::table::count_oob(meta, total)))
    }

    pub async fn find(&self, id: i64) -> Result<Record> {
        crud::find(self.db(), self.def, id)
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn shown_row(&self, record: &Record) -> Result<RowView> {
        let labels = crud::labels(self.db(), self.def, std::slice::from_ref(record)).await?;
        let today = self.state.clock.now().date_naive();
        Ok(present::row_view(self.def, record, &labels, today))
    }

    /// The table's fragments' shared facts, with the choices of reference columns when a
    /// form will be shown (`with_options`).
    pub async fn meta(
        &self,
        def: &'static EntityDef,
        with_options: bool,
        embedded: bool,
    ) -> Result<TableMeta> {
        let mut columns = Vec::with_capacity(def.columns.len());
        for column in def.columns {
            let mut input = present::input_for(column);
            if let (ColumnKind::Ref(target), true) = (column.kind, with_options) {
                let mut rows = crud::options(self.db(), target, "", OPTIONS_LIMIT + 1).await?;
                let long = rows.len() > OPTIONS_LIMIT as usize;
                rows.truncate(OPTIONS_LIMIT as usize);
                input = Input::Select {
                    options: present::to_options(rows),
                    search: long.then(|| target.paths.options.to_owned()),
                };
            }
            columns.push(ColumnView {
                name: column.field(),
                label: column.label,
                input,
                required: column.required,
                listed: column.listed,
                numeric: matches!(
                    column.kind,
                    ColumnKind::Int { .. } | ColumnKind::Count | ColumnKind::Cents { .. }
                ),
                sortable: column.sortable,
                on_create: column.edit != Edit::Never,
                on_update: column.edit == Edit::Always,
            });
        }
        // Columns of the page only: shown, never typed, sorted or exported.
        for column in def.page_columns {
            columns.push(ColumnView {
                name: column.name,
                label: column.label,
                input: Input::None,
                required: false,
                listed: true,
                numeric: false,
                sortable: false,
                on_create: false,
                on_update: false,
            });
        }
        Ok(TableMeta {
            slug: def.slug,
            singular: def.singular,
            plural: def.plural,
            list_path: def.paths.list,
            bulk_path: def.paths.bulk_delete,
            undo_path: def.paths.undo,
            columns,
            csrf_token: self.ctx.csrf_token.clone(),
            return_to: self.return_to(),
            delete_note: def.delete_note,
            toggles: def.role().is_some(),
            password_on_create: def.role().is_some(),
            embedded,
            poster: std::ptr::eq(def, &crate::admin::entities::SERIES),
        })
    }

    /// A whole table view for `def` with `query` (also used for child tables).
    pub async fn table_view(
        &self,
        def: &'static EntityDef,
        query: &ListQuery,
        embedded: bool,
        message: Option<(bool, String)>,
    ) -> Result<TableView> {
        let listing = crud::list(self.db(), def, query).await?;
        let today = self.state.clock.now().date_naive();
        let mut meta = self.meta(def, true, embedded).await?;
        let params = ListParams {
            q: query.q.clone(),
            sort: if query.sort == Sort::parse(def, None)? {
                String::new()
            } else {
                query.sort.key(def)
            },
            page: query.page.number,
            per_page: if query.page.size == PAGE_SIZE {
                0
            } else {
                query.page.size
            },
            size: query.page.size,
            filters: query
                .filters
                .iter()
                .filter_map(|(i, v)| {
                    def.columns
                        .get(*i)
                        .map(|c| (c.name.to_owned(), v.input_text()))
                })
                .collect(),
            ranges: query
                .ranges
                .iter()
                .filter_map(|range| {
                    let (from, to) = def
                        .columns
                        .get(range.column)
                        .and_then(present::range_names)?;
                    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
                    Some(
                        [(from, range.from), (to, range.to)]
                            .into_iter()
                            .filter_map(move |(name, d)| d.map(|d| (name, day(d)))),
                    )
                })
                .flatten()
                .collect(),
        };
        meta.return_to = params.href(meta.list_path, None, params.page);
        if embedded {
            meta.return_to = self.return_to();
        }
        let mut filter_labels = HashMap::new();
        for (index, value) in &query.filters {
            if let (Some(ColumnKind::Ref(target)), Some(id)) =
                (def.columns.get(*index).map(|c| c.kind), value.as_int())
            {
                if let Some(label) = crud::label(self.db(), target, id).await? {
                    filter_labels.insert(*index, label);
                }
            }
        }
        let new_row = present::blank_row(def, &query.filters, &filter_labels);
        present::keep_choices(&mut meta, &new_row);
        let mut filters = Vec::new();
        for name in def.filters {
            let Some((index, column)) = def.column(name) else {
                continue;
            };
            let selected = query
                .filters
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, v)| v.input_text());
            let options = match &meta.columns[index].input {
                Input::Select { options, .. } => options.clone(),
                _ => Vec::new(),
            };
            filters.push(FilterView {
                name: column.name,
                label: column.label,
                options,
                selected,
                boolean: matches!(column.kind, ColumnKind::Bool),
            });
        }
        // Two date inputs per date column: the rows from one day to another.
        let date_ranges = def
            .columns
            .iter()
            .enumerate()
            .filter_map(|(index, column)| {
                let (from_name, to_name) = present::range_names(column)?;
                let range = query.ranges.iter().find(|r| r.column == index);
                let day = |d: Option<chrono::NaiveDate>| {
                    d.map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                };
                Some(DateRangeView {
                    label: column.label,
                    from: day(range.and_then(|r| r.from)),
                    to: day(range.and_then(|r| r.to)),
                    from_name,
                    to_name,
                })
            })
            .collect();
        let rows = listing
            .records
            .iter()
            .map(|r| present::row_view(def, r, &listing.labels, today))
            .collect();
        let size = i64::from(query.page.size.max(1));
        let pages = u32::try_from((listing.total + size - 1) / size).unwrap_or(u32::MAX);
        Ok(TableView {
            meta,
            rows,
            new_row: Some(new_row),
            params,
            filters,
            date_ranges,
            total: listing.total,
            pages,
            message,
            // A delete made without JavaScript came back here: its message and Undo.
            undo: self
                .ctx
                .deleted
                .as_ref()
                .filter(|notice| notice.slug == def.slug)
                .map(|notice| UndoOffer {
                    message: notice.message.clone(),
                    token: notice.undo,
                }),
        })
    }
}

/// The query string and, for form posts, the body's fields, in order, read by the same strict
/// decoder as every other form (`web::form`). The middleware has already capped the body's
/// size.
async fn read_form(req: &mut Request) -> Result<FormData> {
    let mut pairs = form::pairs(req.uri().query().unwrap_or_default().as_bytes())?;
    if form::is_form(req) && req.method() != Method::GET {
        let body = req
            .take_body()
            .into_bytes()
            .await
            .map_err(|_| Error::BadRequest("the form could not be read".into()))?;
        pairs.extend(form::pairs(&body)?);
    }
    Ok(FormData(pairs))
}
