//! A staff table: search and filters, sortable headings, the inline "new" row, rows that turn
//! into edit forms in place, bulk delete and paging. One set of fragments serves every
//! described entity; each fragment has a stable id derived from the entity's slug.

use maud::{html, Markup};

pub use super::model::{ColumnView, Input, SelectOption, TableMeta};
use super::row::{display_row, new_row, RowView};
use super::NavLink;
use crate::forms::csrf_field;
use crate::layout::PageContext;

/// A filter select above the table (`?series_id=…`).
#[derive(Clone, Debug)]
pub struct FilterView {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<SelectOption>,
    pub selected: Option<String>,
    pub boolean: bool,
}

/// Two date inputs above the table: rows whose date column lies from one day to another
/// (`starts_on_from`, `starts_on_to`; `YYYY-MM-DD`, empty when open).
#[derive(Clone, Debug)]
pub struct DateRangeView {
    pub label: &'static str,
    pub from_name: String,
    pub to_name: String,
    pub from: String,
    pub to: String,
}

/// The table's state as the visitor asked for it, to build links.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub q: String,
    pub sort: String,
    pub page: u32,
    /// Rows per page when not the default (0), for links.
    pub per_page: u32,
    /// Rows per page in effect.
    pub size: u32,
    /// (name, value) of the active filters.
    pub filters: Vec<(String, String)>,
    /// (name, `YYYY-MM-DD`) of the ends of the active date ranges (`starts_on_from`).
    pub ranges: Vec<(String, String)>,
}

impl ListParams {
    pub fn query(&self, sort: Option<&str>, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        for (name, value) in self.filters.iter().chain(&self.ranges) {
            query.append_pair(name, value);
        }
        let sort = sort.unwrap_or(&self.sort);
        if !sort.is_empty() {
            query.append_pair("sort", sort);
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        if self.per_page != 0 {
            query.append_pair("per_page", &self.per_page.to_string());
        }
        query.finish()
    }

    pub fn href(&self, base: &str, sort: Option<&str>, page: u32) -> String {
        let query = self.query(sort, page);
        if query.is_empty() {
            base.to_owned()
        } else {
            [base, "?", &query].concat()
        }
    }
}

pub struct TableView {
    pub meta: TableMeta,
    pub rows: Vec<RowView>,
    /// The inline "new" row (blank, or as typed with its messages).
    pub new_row: Option<RowView>,
    pub params: ListParams,
    pub filters: Vec<FilterView>,
    pub date_ranges: Vec<DateRangeView>,
    pub total: i64,
    pub pages: u32,
    /// A message about the whole table (bulk delete results).
    pub message: Option<(bool, String)>,
    /// A delete's message with its Undo (after a plain form's redirect).
    pub undo: Option<UndoOffer>,
}

pub fn list_page(ctx: &PageContext, nav: &[NavLink], table: &TableView) -> Markup {
    let skip = ["#", &table.meta.table_id()].concat();
    super::admin_page_skipping(
        ctx,
        table.meta.plural,
        nav,
        (&skip, "Skip to the table"),
        html! {
            div.admin-head {
                h1 { (table.meta.plural) }
            }
            (toolbar(table))
            @if !table.meta.embedded {
                (super::import::import_form(&table.meta))
            }
            (table_section(table))
        },
    )
}

/// Search, filters and page size: a GET form that swaps the table below as one types.
pub fn toolbar(table: &TableView) -> Markup {
    let meta = &table.meta;
    let target = ["#", &meta.table_id()].concat();
    let push = if meta.embedded { "false" } else { "true" };
    html! {
        form.admin-toolbar method="get" action=(meta.list_path) role="search"
            hx-get=(meta.list_path) hx-target=(target) hx-swap="outerHTML" hx-push-url=(push)
            hx-trigger="input changed delay:300ms from:input[name=q], change, submit" {
            label.filter.filter-search {
                span { "Search" }
                input type="search" name="q" value=(table.params.q) maxlength="100" autocomplete="off"
                    placeholder={"Search " (meta.plural.to_lowercase())};
            }
            @for filter in &table.filters {
                label.filter {
                    span { (filter.label) }
                    select name=(filter.name) {
                        option value="" { "All" }
                        @if filter.boolean {
                            option value="true" selected[filter.selected.as_deref() == Some("true")] { "Yes" }
                            option value="false" selected[filter.selected.as_deref() == Some("false")] { "No" }
                        } @else {
                            @for option in &filter.options {
                                @let value = option.value.to_string();
                                option value=(value) selected[filter.selected.as_deref() == Some(value.as_str())] { (option.label) }
                            }
                        }
                    }
                }
            }
            @for range in &table.date_ranges {
                label.filter.filter-date {
                    span { (range.label) " from" }
                    input type="date" name=(range.from_name) value=(range.from) min="1000-01-01" max="9999-12-31";
                }
                label.filter.filter-date {
                    span { (range.label) " to" }
                    input type="date" name=(range.to_name) value=(range.to) min="1000-01-01" max="9999-12-31";
                }
            }
            label.filter {
                span { "Rows per page" }
                select name="per_page" {
                    @for size in [10u32, 25, 50, 100] {
                        option value=(size) selected[table.params.size == size] { (size) }
                    }
                }
            }
            @if !table.params.sort.is_empty() {
                input type="hidden" name="sort" value=(table.params.sort);
            }
            // Filters fixed by the page (a series' own episodes) travel along unseen.
            @for (name, value) in &table.params.filters {
                @if !table.filters.iter().any(|f| f.name == name) {
                    input type="hidden" name=(name) value=(value);
                }
            }
            noscript { button.button type="submit" { "Apply" } }
        }
    }
}

/// "1 series", "25 rows": the count above a table.
pub fn row_count(meta: &TableMeta, total: i64) -> String {
    let noun = if total == 1 { meta.singular } else { "rows" };
    [crate::format::thousands(total).as_str(), " ", noun].concat()
}

/// The count above the table, to replace it out of band after a create or delete.
pub fn count_oob(meta: &TableMeta, total: i64) -> Markup {
    html! {
        span.row-count id=(meta.count_id()) hx-swap-oob="true" { (row_count(meta, total)) }
    }
}

/// How long the page offers a delete's Undo (the server accepts it a while longer).
pub const UNDO_SECONDS: u32 = 10;

/// What a delete leaves in the table's message area: what went and, for a few seconds, an
/// Undo button (`token`: the snapshot to restore; none for accounts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoOffer {
    pub message: String,
    pub token: Option<i64>,
}

/// "Deleted series “Breaking Point”."
pub fn deleted_text(meta: &TableMeta, label: &str) -> String {
    ["Deleted ", meta.singular, " “", label, "”."].concat()
}

/// The message of a delete with its Undo form (a plain form too: it works without JavaScript).
pub fn undo_flash(meta: &TableMeta, offer: &UndoOffer) -> Markup {
    let target = ["#", &meta.table_id()].concat();
    html! {
        div.flash.flash-success.undo-flash data-undo-seconds=(UNDO_SECONDS) {
            span { (offer.message) }
            @if let Some(token) = offer.token {
                form.undo-form method="post" action=(meta.undo_path) hx-post=(meta.undo_path)
                    hx-target=(target) hx-swap="outerHTML" {
                    (csrf_field(&meta.csrf_token))
                    input type="hidden" name="token" value=(token);
                    input type="hidden" name="_return" value=(meta.return_to);
                    button.button.button-small.undo-button type="submit" { "Undo" }
                }
            }
        }
    }
}

/// After a delete, out of band into the table's message area: [`undo_flash`].
pub fn deleted_oob(meta: &TableMeta, offer: &UndoOffer) -> Markup {
    html! {
        div.table-message id=(meta.message_id()) role="status" hx-swap-oob="true" {
            (undo_flash(meta, offer))
        }
    }
}

/// The swappable table: headings, the new row, the rows, bulk delete and the pager.
pub fn table_section(table: &TableView) -> Markup {
    let meta = &table.meta;
    let target = ["#", &meta.table_id()].concat();
    let push = if meta.embedded { "false" } else { "true" };
    let params = &table.params;
    let page = params.page.max(1);
    html! {
        section.admin-table-section id=(meta.table_id()) aria-live="polite" {
            p.table-summary.muted {
                span.row-count id=(meta.count_id()) { (row_count(meta, table.total)) }
                @if table.pages > 1 { " · page " (page) " of " (table.pages) }
                " · "
                // The file follows the table's search, filters and sort; spreadsheets get a BOM.
                @let csv = params.href(&[meta.list_path, ".csv"].concat(), None, 1);
                @let csv = [csv.as_str(), if csv.contains('?') { "&bom=1" } else { "?bom=1" }].concat();
                a href=(csv) download { "Download CSV" }
            }
            div.table-message id=(meta.message_id()) role="status" {
                @if let Some(offer) = &table.undo {
                    (undo_flash(meta, offer))
                }
                @if let Some((ok, message)) = &table.message {
                    div class=(if *ok { "flash flash-success" } else { "flash flash-error" }) { (message) }
                }
            }
            div.table-scroll {
                table.table.admin-table data-slug=(meta.slug) {
                    thead {
                        tr {
                            th.select-col { input.select-all type="checkbox" aria-label="Select all rows" hidden; }
                            @for column in meta.columns.iter().filter(|c| c.listed) {
                                th class=[column.numeric.then_some("num")] {
                                    @if column.sortable {
                                        @let ascending = params.sort == column.name;
                                        @let descending = params.sort.strip_prefix('-') == Some(column.name);
                                        @let next = if ascending { ["-", column.name].concat() } else { column.name.to_owned() };
                                        @let href = params.href(meta.list_path, Some(&next), 1);
                                        a href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url=(push)
                                            aria-sort=[ascending.then_some("ascending").or(descending.then_some("descending"))] {
                                            (column.label)
                                            @if ascending { " ▲" } @else if descending { " ▼" }
                                        }
                                    } @else {
                                        (column.label)
                                    }
                                }
                            }
                            th.actions-col { "Actions" }
                        }
                    }
                    tbody {
                        @if let Some(new) = &table.new_row {
                            (new_row(meta, new))
                        }
                        @for row in &table.rows {
                            (display_row(meta, row))
                        }
                        @if table.rows.is_empty() {
                            tr.empty-row {
                                td colspan=(meta.width()) {
                                    @if !params.q.is_empty() || !params.filters.is_empty() || !params.ranges.is_empty() {
                                        "No " (meta.plural.to_lowercase()) " match the search. "
                                        a href=(meta.list_path) { "Show all " (meta.plural.to_lowercase()) }
                                    } @else {
                                        "No " (meta.plural.to_lowercase()) " yet."
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.table-foot {
                form.bulk-bar id=(meta.bulk_form_id()) method="post" action=(meta.bulk_path)
                    hx-post=(meta.bulk_path) hx-target=(target) hx-swap="outerHTML"
                    hx-confirm={"Delete the selected " (meta.plural.to_lowercase()) "?" @if meta.toggles { " This cannot be undone." }} {
                    (csrf_field(&meta.csrf_token))
                    input type="hidden" name="_return" value=(meta.return_to);
                    button.button.button-danger-outline.button-small type="submit" { "Delete selected" }
                    span.bulk-count.muted aria-live="polite" {}
                    span.htmx-indicator.spinner aria-hidden="true" {}
                }
                @if table.pages > 1 {
                    nav.pager aria-label="Pages" {
                        @if page > 1 {
                            @let href = params.href(meta.list_path, None, page - 1);
                            a.button.button-quiet.button-small href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url=(push) rel="prev" { "← Previous" }
                        }
                        span.pager-current { "Page " (page) " of " (table.pages) }
                        @if page < table.pages {
                            @let href = params.href(meta.list_path, None, page + 1);
                            a.button.button-quiet.button-small href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url=(push) rel="next" { "Next →" }
                        }
                    }
                }
            }
        }
    }
}
