//! One row of a staff table in its three shapes: shown (click to edit), as an edit form in
//! place (Enter saves, Escape or Cancel restores it), and the "new" row at the top.

use maud::{html, Markup};

use super::model::{ColumnView, Input, TableMeta};
use crate::forms::csrf_field;
use crate::layout::{Flash, FlashKind};
use crate::paths;

#[derive(Clone, Debug, Default)]
pub struct CellView {
    /// As the table shows it (formatted money, dates, names of referenced rows).
    pub display: String,
    /// The referenced row's page, for reference columns.
    pub link: Option<String>,
    /// As an input holds it (what was typed, when shown again with messages).
    pub value: String,
    pub error: Option<String>,
    /// Beside the field, e.g. what was typed before a conflict replaced it.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct RowView {
    /// `None` for the new row.
    pub id: Option<i64>,
    pub version: i64,
    /// How the row is named in confirmations.
    pub label: String,
    /// One per column of the table's meta, in order.
    pub cells: Vec<CellView>,
    pub message: Option<Flash>,
    /// Accounts: whether it is disabled (shows Disable or Enable).
    pub disabled: Option<bool>,
    /// Just created or saved.
    pub highlight: bool,
    /// New accounts: the message beside the password field.
    pub password_error: Option<String>,
    pub open: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

fn message(flash: &Option<Flash>) -> Markup {
    html! {
        @if let Some(flash) = flash {
            @let class = match flash.kind {
                FlashKind::Success => "row-message flash-success",
                FlashKind::Error => "row-message flash-error",
                FlashKind::Info => "row-message flash-info",
            };
            p class=(class) role="status" { (flash.message) }
        }
    }
}

fn row_path(meta: &TableMeta, id: i64) -> String {
    paths::admin_row(meta.slug, id)
}

pub fn display_row(meta: &TableMeta, row: &RowView) -> Markup {
    let Some(id) = row.id else {
        return new_row(meta, row);
    };
    let row_id = meta.row_id(Some(id));
    let target = ["#", &row_id].concat();
    let path = row_path(meta, id);
    let edit = paths::admin_edit(meta.slug, id);
    let mut confirm = ["Delete ", meta.singular, " “", &row.label, "”?"].concat();
    if !meta.delete_note.is_empty() {
        confirm.push(' ');
        confirm.push_str(meta.delete_note);
    }
    html! {
        tr.row.row-saved[row.highlight] id=(row_id) data-edit=(edit) data-version=(row.version) {
            td.select-col {
                input type="checkbox" name="selected" value={(id) ":" (row.version)} form=(meta.bulk_form_id())
                    aria-label={"Select " (row.label)};
            }
            @for (column, cell) in meta.columns.iter().zip(&row.cells) {
                @if column.listed {
                    td.cell.num[column.numeric] data-column=(column.name) {
                        // Long text is cut with an ellipsis; the whole value shows on hover.
                        span.cell-text title=[(!cell.display.is_empty()).then_some(cell.display.as_str())] {
                            @match &cell.link {
                                Some(link) => a href=(link) { (cell.display) },
                                None => (cell.display),
                            }
                        }
                    }
                }
            }
            td.actions {
                (message(&row.message))
                div.row-actions {
                    a.button.button-quiet.button-small.edit-link href=(edit) hx-get=(edit) hx-target=(target) hx-swap="outerHTML" { "Edit" }
                    a.button.button-quiet.button-small href=(path) { "Open" }
                    @if meta.poster {
                        a.button.button-quiet.button-small href={(path) "#" (super::poster::POSTER_ID)}
                            aria-label={"Poster of " (row.label)} { "Poster" }
                    }
                    @if let Some(disabled) = row.disabled {
                        @let toggle = paths::admin_toggle(meta.slug, id, !disabled);
                        form method="post" action=(toggle) hx-post=(toggle) hx-target=(target) hx-swap="outerHTML"
                            hx-confirm=[(!disabled).then(|| ["Disable “", row.label.as_str(), "”? Their sessions end at once."].concat())] {
                            (csrf_field(&meta.csrf_token))
                            input type="hidden" name="_return" value=(meta.return_to);
                            button.button.button-quiet.button-small type="submit" { @if disabled { "Enable" } @else { "Disable" } }
                        }
                    }
                    form method="post" action=(path) hx-delete=(path) hx-params="version" hx-target=(target)
                        hx-swap="outerHTML" hx-confirm=(confirm) {
                        input type="hidden" name="_method" value="DELETE";
                        input type="hidden" name="version" value=(row.version);
                        (csrf_field(&meta.csrf_token))
                        input type="hidden" name="_return" value=(meta.return_to);
                        button.button.button-danger-outline.button-small type="submit" { "Delete" }
                    }
                    span.htmx-indicator.spinner aria-hidden="true" {}
                }
            }
        }
    }
}

/// The row as its edit form, lined up with the table: each column's editor sits in that
/// column's cell, under its own header (its label is for screen readers only). A `<form>`
/// cannot wrap table cells, so the form lives in the actions cell and the inputs join it
/// through their `form` attribute; Tab walks the fields in column order.
pub fn edit_row(meta: &TableMeta, row: &RowView) -> Markup {
    let Some(id) = row.id else {
        return new_row(meta, row);
    };
    let row_id = meta.row_id(Some(id));
    let target = ["#", &row_id].concat();
    let path = row_path(meta, id);
    let form_id = [row_id.as_str(), "-form"].concat();
    let key = id.to_string();
    let empty = CellView::default();
    let first_error = first_error(meta, row, Mode::Update);
    html! {
        tr.row-editing id=(row_id) data-version=(row.version) {
            td.select-col {}
            @for (index, column) in meta.columns.iter().enumerate() {
                @if column.listed {
                    @let cell = row.cells.get(index).unwrap_or(&empty);
                    td.cell-edit.num[column.numeric] data-column=(column.name) {
                        @if column.on_update {
                            (field_in(meta.slug, &key, column, cell, Some(&form_id), first_error == Some(index)))
                        } @else {
                            span.readonly { (cell.display) }
                        }
                    }
                }
            }
            td.actions.edit-actions {
                form.row-form id=(form_id) method="post" action=(path) hx-put=(path) hx-target=(target)
                    hx-swap="outerHTML" novalidate {
                    (message(&row.message))
                    // Editable columns the table does not show keep their labelled fields here.
                    @for (index, column) in meta.columns.iter().enumerate() {
                        @if !column.listed && column.on_update {
                            @let cell = row.cells.get(index).unwrap_or(&empty);
                            (field_in(meta.slug, &key, column, cell, None, first_error == Some(index)))
                        }
                    }
                    input type="hidden" name="_method" value="PUT";
                    input type="hidden" name="version" value=(row.version);
                    (csrf_field(&meta.csrf_token))
                    input type="hidden" name="_return" value=(meta.return_to);
                    div.row-buttons {
                        button.button.button-small type="submit" { "Save" }
                        a.button.button-quiet.button-small.cancel-link href=(meta.return_to) hx-get=(path) hx-target=(target) hx-swap="outerHTML" { "Cancel" }
                        span.htmx-indicator.spinner aria-hidden="true" {}
                    }
                }
            }
        }
    }
}

/// The index of the first column with a message, in the order the fields are shown: where
/// the cursor goes after a 422 (with or without JavaScript, through `autofocus`).
fn first_error(meta: &TableMeta, row: &RowView, mode: Mode) -> Option<usize> {
    let editable = |c: &ColumnView| match mode {
        Mode::Create => c.on_create,
        Mode::Update => c.on_update,
    };
    let wrong = |(i, c): &(usize, &ColumnView)| {
        editable(c) && row.cells.get(*i).is_some_and(|cell| cell.error.is_some())
    };
    let columns = || meta.columns.iter().enumerate();
    columns()
        .filter(|(_, c)| c.listed)
        .find(wrong)
        .or_else(|| columns().filter(|(_, c)| !c.listed).find(wrong))
        .map(|(i, _)| i)
}

pub fn new_row(meta: &TableMeta, row: &RowView) -> Markup {
    let row_id = meta.row_id(None);
    let target = ["#", &row_id].concat();
    html! {
        tr.row-new id=(row_id) {
            td colspan=(meta.width()) {
                details open[row.open] {
                    summary { "New " (meta.singular) }
                    form.row-form method="post" action=(meta.list_path) hx-post=(meta.list_path) hx-target=(target) hx-swap="outerHTML" novalidate {
                        (message(&row.message))
                        div.row-fields { (fields(meta, row, Mode::Create)) }
                        (csrf_field(&meta.csrf_token))
                        input type="hidden" name="_return" value=(meta.return_to);
                        div.row-buttons {
                            button.button.button-small type="submit" { "Create" }
                            span.htmx-indicator.muted { "Saving…" }
                        }
                    }
                }
            }
        }
    }
}

/// The labelled inputs of a row's form, with messages beside them.
pub fn fields(meta: &TableMeta, row: &RowView, mode: Mode) -> Markup {
    let key = row.id.map_or_else(|| "new".to_owned(), |id| id.to_string());
    let empty = CellView::default();
    // Fields follow the columns' order here, so the first wrong one is the first with a message.
    let first_error = meta.columns.iter().enumerate().position(|(i, c)| {
        let editable = match mode {
            Mode::Create => c.on_create,
            Mode::Update => c.on_update,
        };
        editable && row.cells.get(i).is_some_and(|cell| cell.error.is_some())
    });
    html! {
        @for (index, column) in meta.columns.iter().enumerate() {
            @let cell = row.cells.get(index).unwrap_or(&empty);
            @let editable = match mode { Mode::Create => column.on_create, Mode::Update => column.on_update };
            @if editable {
                (field_in(meta.slug, &key, column, cell, None, first_error == Some(index)))
            }
        }
        @if mode == Mode::Create && meta.password_on_create {
            @let cell = CellView { error: row.password_error.clone(), ..CellView::default() };
            @let column = ColumnView {
                name: "password", label: "Password", input: Input::Password, required: true,
                listed: false, numeric: false, sortable: false, on_create: true, on_update: false,
            };
            (field_in(meta.slug, &key, &column, &cell, None, first_error.is_none() && row.password_error.is_some()))
        }
    }
}

/// One labelled input with its message tied to it (`aria-describedby`). `form`: the edit
/// row's form when the input sits in a table cell, where the column's header names it and
/// the label is for screen readers only. `focus`: the first wrong field after a 422.
fn field_in(
    slug: &str,
    key: &str,
    column: &ColumnView,
    cell: &CellView,
    form: Option<&str>,
    focus: bool,
) -> Markup {
    let id = [slug, "-", key, "-", column.name].concat();
    let error_id = [id.as_str(), "-error"].concat();
    let described = cell.error.as_ref().map(|_| error_id.as_str());
    let invalid = cell.error.as_ref().map(|_| "true");
    html! {
        div.field.has-error[cell.error.is_some()] {
            label.visually-hidden[form.is_some()] for=(id) { (column.label) @if !column.required { span.muted { " (optional)" } } }
            @match &column.input {
                Input::Text { max } => input id=(id) form=[form] autofocus[focus] type="text" name=(column.name) value=(cell.value) maxlength=(max)
                    required[column.required] autocomplete="off" aria-invalid=[invalid] aria-describedby=[described];,
                Input::Email => input id=(id) form=[form] autofocus[focus] type="email" name=(column.name) value=(cell.value) maxlength="254"
                    required[column.required] autocomplete="off" aria-invalid=[invalid] aria-describedby=[described];,
                Input::Url => input id=(id) form=[form] autofocus[focus] type="url" name=(column.name) value=(cell.value) maxlength="500"
                    required[column.required] autocomplete="off" aria-invalid=[invalid] aria-describedby=[described];,
                Input::Number { min, max } => input id=(id) form=[form] autofocus[focus] type="number" name=(column.name) value=(cell.value)
                    min=(min) max=(max) step="1" required[column.required] aria-invalid=[invalid] aria-describedby=[described];,
                Input::Money => input id=(id) form=[form] autofocus[focus] type="text" inputmode="decimal" name=(column.name) value=(cell.value)
                    maxlength="20" required[column.required] autocomplete="off" aria-invalid=[invalid] aria-describedby=[described];,
                Input::Date => input id=(id) form=[form] autofocus[focus] type="date" name=(column.name) value=(cell.value) min="1800-01-01" max="2200-12-31"
                    required[column.required] aria-invalid=[invalid] aria-describedby=[described];,
                Input::Checkbox => {
                    input type="hidden" name=(column.name) value="false" form=[form];
                    input id=(id) form=[form] autofocus[focus] type="checkbox" name=(column.name) value="true" checked[cell.value == "true"]
                        aria-invalid=[invalid] aria-describedby=[described];
                },
                Input::Password => input id=(id) form=[form] autofocus[focus] type="password" name=(column.name) autocomplete="new-password"
                    minlength="12" maxlength="64" required aria-invalid=[invalid] aria-describedby=[described];,
                Input::Select { options, search } => {
                    select id=(id) form=[form] autofocus[focus] name=(column.name) required[column.required] data-search=[search.as_deref()]
                        aria-invalid=[invalid] aria-describedby=[described] {
                        @if !column.required || cell.value.is_empty() {
                            option value="" { "—" }
                        }
                        @for option in options {
                            @let value = option.value.to_string();
                            option value=(value) selected[value == cell.value] { (option.label) }
                        }
                    }
                },
                Input::None => span.readonly { (cell.display) },
            }
            @if let Some(error) = &cell.error {
                p.field-error id=(error_id) { (error) }
            }
            @if let Some(note) = &cell.note {
                p.field-note.muted { (note) }
            }
        }
    }
}
