//! The one set of handlers behind every staff table. Each described entity gets the same
//! routes (`endpoints`), all for employees only: the table, a row, its edit form, create,
//! update and delete (with optimistic concurrency), bulk delete, and the options of long
//! select lists; accounts add disable/enable, series add their links.
//!
//! htmx requests get fragments (a row, the table); plain forms (JavaScript off) post with a
//! `_method` field and get pages and redirects. PUT and DELETE always answer with fragments.

use std::collections::HashMap;

use poem::http::{header, Method};
use poem::{Endpoint, FromRequest, Request, Response};
use views::admin::row::{CellView, RowView};
use views::admin::table::{
    ColumnView, FilterView, Input, ListParams, SelectOption, TableMeta, TableView,
};
use views::paths::{self, AdminPaths};
use views::{Flash, FlashKind};

use super::super::access::{safe_next, RequireEmployee};
use super::super::common::path_id;
use super::super::middleware::RequestContext;
use super::super::state::State;
use crate::admin::crud::{self, Actor, FormData, Labels, ListQuery, Record, Sort};
use crate::admin::entities;
use crate::admin::entity::{Column, Edit, EntityDef, Kind};
use crate::admin::values::Value;
use crate::auth::CurrentUser;
use crate::db::page::Page;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

mod people_links;
mod read;
mod write;

/// Reference lists longer than this are sent in part, with a search for the rest.
const OPTIONS_LIMIT: u64 = 200;
const PAGE_SIZE: u32 = 25;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    List,
    Create,
    Show,
    Edit,
    Update,
    Delete,
    /// POST to a row with `_method` = PUT or DELETE (forms without JavaScript).
    RowPost,
    BulkDelete,
    Options,
    Disable,
    Enable,
    LinkAdd,
    LinkRemove,
    /// POST to a link with `_method=DELETE`.
    LinkPost,
}

pub struct TableEndpoint {
    def: &'static EntityDef,
    paths: &'static AdminPaths,
    op: Op,
}

/// Every route of every described entity: (method, path, endpoint).
pub fn endpoints() -> Vec<(Method, &'static str, TableEndpoint)> {
    let mut routes = Vec::new();
    for def in entities::ALL {
        let Some(paths) = paths::admin_table(def.slug) else {
            tracing::error!(slug = def.slug, "a staff table without paths");
            continue;
        };
        let at = |op| TableEndpoint { def, paths, op };
        routes.extend([
            (Method::GET, paths.list, at(Op::List)),
            (Method::POST, paths.list, at(Op::Create)),
            (Method::GET, paths.row, at(Op::Show)),
            (Method::PUT, paths.row, at(Op::Update)),
            (Method::DELETE, paths.row, at(Op::Delete)),
            (Method::POST, paths.row, at(Op::RowPost)),
            (Method::GET, paths.edit, at(Op::Edit)),
            (Method::POST, paths.bulk_delete, at(Op::BulkDelete)),
            (Method::GET, paths.options, at(Op::Options)),
        ]);
        let toggles = match def.slug {
            "employees" => Some((paths::ADMIN_EMPLOYEE_DISABLE, paths::ADMIN_EMPLOYEE_ENABLE)),
            "customers" => Some((paths::ADMIN_CUSTOMER_DISABLE, paths::ADMIN_CUSTOMER_ENABLE)),
            _ => None,
        };
        if let Some((disable, enable)) = toggles {
            routes.push((Method::POST, disable, at(Op::Disable)));
            routes.push((Method::POST, enable, at(Op::Enable)));
        }
        if def.slug == "series" {
            routes.push((Method::POST, paths::ADMIN_SERIES_LINKS, at(Op::LinkAdd)));
            routes.push((Method::DELETE, paths::ADMIN_SERIES_LINK, at(Op::LinkRemove)));
            routes.push((Method::POST, paths::ADMIN_SERIES_LINK, at(Op::LinkPost)));
        }
    }
    routes
}

impl Endpoint for TableEndpoint {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let state = req
            .data::<State>()
            .cloned()
            .ok_or_else(|| Error::internal("no application state"))?;
        let ctx = req
            .extensions()
            .get::<RequestContext>()
            .cloned()
            .ok_or(Error::Forbidden)?;
        let RequireEmployee(user) = RequireEmployee::from_request_without_body(&req).await?;
        let id = match req.raw_path_param("id") {
            Some(text) => Some(path_id(text)?),
            None => None,
        };
        let target = match req.raw_path_param("target") {
            Some(text) => Some(path_id(text)?),
            None => None,
        };
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
        let form = read_form(&mut req).await?;
        let table = Table {
            state,
            ctx,
            user,
            def: self.def,
            paths: self.paths,
            form,
            current_url,
        };
        let id = || id.ok_or(Error::NotFound);
        let response = match self.op {
            Op::List => table.list().await,
            Op::Create => table.create().await,
            Op::Show => table.show(id()?).await,
            Op::Edit => table.edit(id()?).await,
            Op::Update => table.update(id()?, true).await,
            Op::Delete => table.delete(id()?, true).await,
            Op::RowPost => match table
                .form
                .one("_method")?
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("PUT") => table.update(id()?, false).await,
                Some("DELETE") => table.delete(id()?, false).await,
                _ => Err(Error::BadRequest("_method must be PUT or DELETE".into())),
            },
            Op::BulkDelete => table.bulk_delete().await,
            Op::Options => table.options().await,
            Op::Disable => table.toggle(id()?, true).await,
            Op::Enable => table.toggle(id()?, false).await,
            Op::LinkAdd => table.link_add(id()?, link.as_deref()).await,
            Op::LinkRemove => table.link_remove(id()?, link.as_deref(), target).await,
            Op::LinkPost => match table
                .form
                .one("_method")?
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("DELETE") => table.link_remove(id()?, link.as_deref(), target).await,
                _ => Err(Error::BadRequest("_method must be DELETE".into())),
            },
        };
        Ok(response?)
    }
}

/// The query string and, for form posts, the body's fields, in order. The middleware has
/// already capped the body's size.
async fn read_form(req: &mut Request) -> Result<FormData> {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && req.method() != Method::GET {
        let body = req
            .take_body()
            .into_bytes()
            .await
            .map_err(|_| Error::BadRequest("the form could not be read".into()))?;
        pairs.extend(form_urlencoded::parse(&body).into_owned());
    }
    // form_urlencoded replaces invalid UTF-8 with U+FFFD: refuse it rather than store it.
    if pairs
        .iter()
        .any(|(n, v)| n.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
    {
        return Err(Error::BadRequest("the form is not valid UTF-8".into()));
    }
    Ok(FormData(pairs))
}

/// One request to one staff table.
struct Table {
    state: State,
    ctx: RequestContext,
    user: CurrentUser,
    def: &'static EntityDef,
    paths: &'static AdminPaths,
    form: FormData,
    current_url: Option<String>,
}

fn flash(kind: FlashKind, message: impl Into<String>) -> Option<Flash> {
    Some(Flash {
        kind,
        message: message.into(),
    })
}

fn input_for(column: &Column) -> Input {
    match column.kind {
        Kind::Text { max } => Input::Text { max },
        Kind::Username => Input::Text { max: 32 },
        Kind::Email => Input::Email,
        Kind::Url => Input::Url,
        Kind::Int { min, max } => Input::Number { min, max },
        Kind::Count => Input::Number {
            min: 0,
            max: 1_000_000_000_000_000,
        },
        Kind::Cents { min } => Input::Number {
            min,
            max: 100_000_000_000,
        },
        Kind::Date => Input::Date,
        Kind::Bool => Input::Checkbox,
        Kind::Ref(_) => Input::Select {
            options: Vec::new(),
            search: None,
        },
        Kind::Timestamp => Input::None,
    }
}

/// The text shown for a value in a table cell (money, dates and counts as `views::format`
/// writes them, referenced rows by name).
fn cell_text(column: &Column, value: &Value, labels: &Labels, index: usize) -> String {
    match (column.kind, value) {
        (_, Value::Null) => String::new(),
        (Kind::Ref(_), Value::Int(id)) => labels
            .get(index, *id)
            .map_or_else(|| ["#", &id.to_string()].concat(), str::to_owned),
        (Kind::Count, Value::Int(n)) => views::format::thousands(*n),
        (Kind::Cents { .. }, Value::Int(n)) => views::format::money(*n),
        (Kind::Date, Value::Date(d)) => views::format::short_date(*d),
        (Kind::Bool, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_owned(),
        (Kind::Timestamp, Value::Timestamp(at)) => views::format::timestamp(*at),
        _ => value.input_text(),
    }
}

/// A blank new row, with the table's filters preset (a series' episodes → that series).
fn blank_row(
    def: &EntityDef,
    filters: &[(usize, Value)],
    labels: &HashMap<usize, String>,
) -> RowView {
    let cells = def
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let preset = filters.iter().find(|(i, _)| *i == index).map(|(_, v)| v);
            let value = match (preset, column.kind) {
                (Some(value), _) => value.input_text(),
                (None, Kind::Count) => "0".to_owned(),
                _ => String::new(),
            };
            CellView {
                display: labels.get(&index).cloned().unwrap_or_default(),
                value,
                ..CellView::default()
            }
        })
        .collect();
    RowView {
        cells,
        ..RowView::default()
    }
}

fn to_options(rows: Vec<crud::OptionRow>) -> Vec<SelectOption> {
    rows.into_iter()
        .map(|r| SelectOption {
            value: r.id,
            label: r.label,
        })
        .collect()
}

impl Table {
    fn db(&self) -> &crate::db::Db {
        &self.state.db
    }

    fn actor(&self) -> Actor {
        Actor {
            account_id: self.user.account_id,
            now: self.state.clock.now(),
        }
    }

    fn is_htmx(&self) -> bool {
        self.ctx.is_htmx
    }

    /// Where plain forms return: the `_return` they carry, the page htmx says it is on, or
    /// the table. Only staff pages qualify.
    fn return_to(&self) -> String {
        let sent = self.form.one("_return").ok().flatten().map(str::to_owned);
        sent.or_else(|| self.current_url.clone())
            .filter(|r| safe_next(r).is_some() && r.starts_with(paths::ADMIN))
            .unwrap_or_else(|| self.paths.list.to_owned())
    }

    /// The table's fragments' shared facts, with the choices of reference columns when a
    /// form will be shown (`with_options`).
    async fn meta(
        &self,
        def: &'static EntityDef,
        with_options: bool,
        embedded: bool,
    ) -> Result<TableMeta> {
        let mut columns = Vec::with_capacity(def.columns.len());
        for column in def.columns {
            let mut input = input_for(column);
            if let (Kind::Ref(target), true) = (column.kind, with_options) {
                let mut rows = crud::options(self.db(), target, "", OPTIONS_LIMIT + 1).await?;
                let long = rows.len() > OPTIONS_LIMIT as usize;
                rows.truncate(OPTIONS_LIMIT as usize);
                input = Input::Select {
                    options: to_options(rows),
                    search: long
                        .then(|| paths::admin_table(target.slug).map(|p| p.options.to_owned()))
                        .flatten(),
                };
            }
            columns.push(ColumnView {
                name: column.name,
                label: column.label,
                input,
                required: column.required,
                listed: column.listed,
                numeric: matches!(
                    column.kind,
                    Kind::Int { .. } | Kind::Count | Kind::Cents { .. }
                ),
                sortable: column.sortable,
                on_create: column.edit != Edit::Never,
                on_update: column.edit == Edit::Always,
            });
        }
        let paths = paths::admin_table(def.slug).unwrap_or(self.paths);
        Ok(TableMeta {
            slug: def.slug,
            singular: def.singular,
            plural: def.plural,
            list_path: paths.list,
            bulk_path: paths.bulk_delete,
            columns,
            csrf_token: self.ctx.csrf_token.clone(),
            return_to: self.return_to(),
            delete_note: def.delete_note,
            toggles: def.role().is_some(),
            password_on_create: def.role().is_some(),
            embedded,
        })
    }

    /// A row as shown, its inputs holding the stored values.
    fn row_view(&self, def: &'static EntityDef, record: &Record, labels: &Labels) -> RowView {
        let cells = def
            .columns
            .iter()
            .zip(&record.values)
            .enumerate()
            .map(|(index, (column, value))| CellView {
                display: cell_text(column, value, labels, index),
                link: match (column.kind, value) {
                    (Kind::Ref(target), Value::Int(id)) => Some(paths::admin_row(target.slug, *id)),
                    _ => None,
                },
                value: value.input_text(),
                error: None,
                note: None,
            })
            .collect();
        RowView {
            id: Some(record.id),
            version: record.version,
            label: record.label.clone(),
            cells,
            disabled: def
                .role()
                .map(|_| record.value(def, "disabled") == Some(&Value::Bool(true))),
            ..RowView::default()
        }
    }

    /// Makes sure each reference column's current value is among its choices (long lists
    /// are sent in part).
    fn keep_choices(meta: &mut TableMeta, row: &RowView) {
        for (column, cell) in meta.columns.iter_mut().zip(&row.cells) {
            if let Input::Select { options, .. } = &mut column.input {
                if let Ok(id) = cell.value.parse::<i64>() {
                    if !options.iter().any(|o| o.value == id) {
                        let label = if cell.display.is_empty() {
                            ["#", &cell.value].concat()
                        } else {
                            cell.display.clone()
                        };
                        options.insert(0, SelectOption { value: id, label });
                    }
                }
            }
        }
    }

    /// A row's form shown again: what was typed where it was typed, messages beside fields.
    fn with_typed(
        &self,
        mut row: RowView,
        typed: &[Option<String>],
        errors: &FieldErrors,
    ) -> RowView {
        for ((column, cell), typed) in self.def.columns.iter().zip(row.cells.iter_mut()).zip(typed)
        {
            if let Some(text) = typed {
                cell.value = text.clone();
            }
            cell.error = errors.get(column.name).map(str::to_owned);
        }
        row.password_error = errors
            .get("password")
            .or_else(|| errors.get("password_confirm"))
            .map(str::to_owned);
        row.message = flash(
            FlashKind::Error,
            errors
                .get("version")
                .unwrap_or("Please correct the fields marked below."),
        );
        row.open = true;
        row
    }

    // ---- reading ------------------------------------------------------------------------

    /// The list query from request parameters (`q`, `sort`, `page`, `per_page`, filters).
    fn list_query(def: &'static EntityDef, form: &FormData) -> Result<ListQuery> {
        let q = form.one("q")?.unwrap_or_default().trim().to_owned();
        if q.chars().count() > 100 {
            return Err(Error::BadRequest(
                "search text is limited to 100 characters".into(),
            ));
        }
        let sort = Sort::parse(def, form.one("sort")?)?;
        let page = Page::parse(form.one("page")?, form.one("per_page")?, PAGE_SIZE)?;
        let mut filters = Vec::new();
        for name in def.filters {
            let Some((index, column)) = def.column(name) else {
                continue;
            };
            let Some(text) = form.one(name)?.map(str::trim).filter(|t| !t.is_empty()) else {
                continue;
            };
            let value = match column.kind {
                Kind::Bool => match text {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => return Err(Error::BadRequest([name, " must be true or false"].concat())),
                },
                _ => match text.parse::<i64>() {
                    Ok(id) if id > 0 => Value::Int(id),
                    _ => {
                        return Err(Error::BadRequest(
                            [name, " must be a positive whole number"].concat(),
                        ))
                    }
                },
            };
            filters.push((index, value));
        }
        Ok(ListQuery {
            q,
            sort,
            filters,
            page,
        })
    }

    /// A whole table view for `def` with `query` (also used for child tables).
    async fn table_view(
        &self,
        def: &'static EntityDef,
        query: &ListQuery,
        embedded: bool,
        message: Option<(bool, String)>,
    ) -> Result<TableView> {
        let listing = crud::list(self.db(), def, query).await?;
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
        };
        meta.return_to = params.href(meta.list_path, None, params.page);
        if embedded {
            meta.return_to = self.return_to();
        }
        let mut filter_labels = HashMap::new();
        for (index, value) in &query.filters {
            if let (Some(Kind::Ref(target)), Some(id)) =
                (def.columns.get(*index).map(|c| c.kind), value.as_int())
            {
                if let Some(label) = crud::label(self.db(), target, id).await? {
                    filter_labels.insert(*index, label);
                }
            }
        }
        let new_row = blank_row(def, &query.filters, &filter_labels);
        Self::keep_choices(&mut meta, &new_row);
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
                boolean: matches!(column.kind, Kind::Bool),
            });
        }
        let rows = listing
            .records
            .iter()
            .map(|r| self.row_view(def, r, &listing.labels))
            .collect();
        let size = i64::from(query.page.size.max(1));
        let pages = u32::try_from((listing.total + size - 1) / size).unwrap_or(u32::MAX);
        Ok(TableView {
            meta,
            rows,
            new_row: Some(new_row),
            params,
            filters,
            total: listing.total,
            pages,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_its_routes() {
        let routes = endpoints();
        for def in entities::ALL {
            let paths = paths::admin_table(def.slug).expect("paths for every entity");
            assert!(routes
                .iter()
                .any(|(m, p, _)| *m == Method::GET && *p == paths.list));
            assert!(routes
                .iter()
                .any(|(m, p, _)| *m == Method::DELETE && *p == paths.row));
        }
    }
}
