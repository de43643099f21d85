//! One row's own page (its relations and child tables below it), the plain forms used
//! without JavaScript, and delete confirmations.

use chrono::NaiveDate;
use maud::{html, Markup};

use super::row::{display_row, fields, Mode, RowView};
use super::table::{table_section, toolbar, SelectOption, TableMeta, TableView};
use super::{admin_page, NavLink};
use crate::forms::csrf_field;
use crate::layout::PageContext;
use crate::paths;

/// A set of rows attached to this one (a series' genres), with the choices to add.
pub struct LinkView {
    pub name: &'static str,
    pub label: &'static str,
    pub items: Vec<LinkItemView>,
    pub choices: Vec<SelectOption>,
    /// Dated links (releases): the date field's name.
    pub date_field: Option<&'static str>,
    pub error: Option<String>,
}

pub struct LinkItemView {
    pub target_id: i64,
    pub label: String,
    pub date: Option<NaiveDate>,
}

pub const LINKS_ID: &str = "row-links";

pub fn record_page(
    ctx: &PageContext,
    nav: &[NavLink],
    meta: &TableMeta,
    row: &RowView,
    links: Option<Markup>,
    children: &[TableView],
) -> Markup {
    let title = [meta.singular, " “", &row.label, "”"].concat();
    html! {
        (admin_page(ctx, &row.label, nav, html! {
            p.breadcrumb { a href=(paths::ADMIN) { "Staff" } " › " a href=(meta.list_path) { (meta.plural) } }
            h1 { (capitalized(&title)) }
            @if let Some(id) = row.id {
                p.record-links {
                    a href=(paths::admin_history(meta.slug, id)) { "History" }
                    // A series has a public page: staff check what viewers see.
                    @if meta.slug == "series" {
                        " · " a href=(paths::series(id)) { "View on site" }
                    }
                }
            }
            div.table-scroll {
                table.table.admin-table {
                    thead { tr {
                        th.select-col {}
                        @for column in meta.columns.iter().filter(|c| c.listed) { th { (column.label) } }
                        th.actions-col { "Actions" }
                    } }
                    tbody { (display_row(meta, row)) }
                }
            }
            @if let Some(links) = links { (links) }
            @for child in children {
                section.panel.child-table {
                    h2 { (child.meta.plural) }
                    (toolbar(child))
                    (table_section(child))
                }
            }
        }))
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The sets attached to a row, each with its add and remove forms; every change swaps the
/// whole panel.
pub fn links_panel(
    csrf_token: &str,
    owner_slug: &str,
    owner_id: i64,
    links: &[LinkView],
) -> Markup {
    let target = ["#", LINKS_ID].concat();
    html! {
        section.panel.links-panel id=(LINKS_ID) {
            h2 { "Genres, languages and releases" }
            div.link-sets {
                @for link in links {
                    @let add = paths::admin_link(owner_slug, owner_id, link.name, None);
                    div.link-set data-link=(link.name) {
                        h3 { (link.label) }
                        @if link.items.is_empty() { p.muted { "None yet." } }
                        ul.chips {
                            @for item in &link.items {
                                @let remove = paths::admin_link(owner_slug, owner_id, link.name, Some(item.target_id));
                                li.chip {
                                    span { (item.label) @if let Some(date) = item.date { " · " (crate::format::short_date(date)) } }
                                    form method="post" action=(remove) hx-delete=(remove) hx-params="none" hx-target=(target) hx-swap="outerHTML" {
                                        input type="hidden" name="_method" value="DELETE";
                                        (csrf_field(csrf_token))
                                        button.chip-remove type="submit" aria-label={"Remove " (item.label)} { "×" }
                                    }
                                }
                            }
                        }
                        form.link-add method="post" action=(add) hx-post=(add) hx-target=(target) hx-swap="outerHTML" {
                            (csrf_field(csrf_token))
                            label.visually-hidden for={(link.name) "-target"} { "Add to " (link.label) }
                            select id={(link.name) "-target"} name="target_id" required {
                                option value="" { "Add…" }
                                @for choice in &link.choices { option value=(choice.value) { (choice.label) } }
                            }
                            @if let Some(date_field) = link.date_field {
                                label.visually-hidden for={(link.name) "-date"} { "Date" }
                                input id={(link.name) "-date"} type="date" name=(date_field) required min="1800-01-01" max="2200-12-31";
                            }
                            button.button.button-small type="submit" { "Add" }
                            @if let Some(error) = &link.error { p.field-error { (error) } }
                        }
                    }
                }
            }
        }
    }
}

/// The row's form as a page of its own (without JavaScript, or after a refused save).
pub fn form_page(
    ctx: &PageContext,
    nav: &[NavLink],
    meta: &TableMeta,
    row: &RowView,
    mode: Mode,
) -> Markup {
    let (title, action, method) = match (mode, row.id) {
        (Mode::Update, Some(id)) => (
            ["Edit ", meta.singular, " “", &row.label, "”"].concat(),
            paths::admin_row(meta.slug, id),
            Some("PUT"),
        ),
        _ => (
            ["New ", meta.singular].concat(),
            meta.list_path.to_owned(),
            None,
        ),
    };
    admin_page(
        ctx,
        &title,
        nav,
        html! {
            p.breadcrumb { a href=(paths::ADMIN) { "Staff" } " › " a href=(meta.list_path) { (meta.plural) } }
            h1 { (title) }
            form.panel.record-form method="post" action=(action) novalidate {
                @if let Some(flash) = &row.message { (crate::layout::flash_message(flash)) }
                div.row-fields { (fields(meta, row, mode)) }
                @if let Some(method) = method {
                    input type="hidden" name="_method" value=(method);
                    input type="hidden" name="version" value=(row.version);
                }
                (csrf_field(&ctx.csrf_token))
                input type="hidden" name="_return" value=(meta.return_to);
                div.row-buttons {
                    button.button type="submit" { "Save" }
                    a.button.button-quiet href=(meta.return_to) { "Cancel" }
                }
            }
        },
    )
}

/// "Delete these?" for browsers without JavaScript (htmx asks with `hx-confirm`).
pub struct Confirm<'a> {
    pub title: String,
    pub items: Vec<String>,
    pub note: &'a str,
    pub action: String,
    /// Hidden fields sent again with the confirmation.
    pub fields: Vec<(&'static str, String)>,
    pub cancel: String,
}

pub fn confirm_page(ctx: &PageContext, nav: &[NavLink], confirm: &Confirm) -> Markup {
    admin_page(
        ctx,
        &confirm.title,
        nav,
        html! {
            section.panel.panel-danger.confirm {
                h1 { (confirm.title) }
                ul { @for item in &confirm.items { li { (item) } } }
                @if !confirm.note.is_empty() { p { (confirm.note) } }
                form method="post" action=(confirm.action) {
                    @for (name, value) in &confirm.fields { input type="hidden" name=(name) value=(value); }
                    input type="hidden" name="confirm" value="yes";
                    (csrf_field(&ctx.csrf_token))
                    div.row-buttons {
                        button.button.button-danger type="submit" { "Delete" }
                        a.button.button-quiet href=(confirm.cancel) { "Cancel" }
                    }
                }
            }
        },
    )
}
