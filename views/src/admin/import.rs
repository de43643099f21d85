//! CSV import: the upload form above a staff table, the preview of what a file would change
//! (nothing changes until it is confirmed), and the confirmation button.

use maud::{html, Markup};

use super::model::TableMeta;
use super::{admin_page, NavLink};
use crate::forms::csrf_field;
use crate::layout::PageContext;

/// The element the preview is swapped into.
pub fn import_target_id(slug: &str) -> String {
    [slug, "-import"].concat()
}

/// "Import CSV": a file input that posts the file for a preview.
pub fn import_form(meta: &TableMeta) -> Markup {
    let action = [meta.list_path, "/import"].concat();
    let target = import_target_id(meta.slug);
    html! {
        details.import-csv {
            summary { "Import CSV" }
            form method="post" action=(action) enctype="multipart/form-data"
                hx-post=(action) hx-encoding="multipart/form-data"
                hx-target=(["#", &target].concat()) hx-swap="innerHTML" {
                (csrf_field(&meta.csrf_token))
                label {
                    @if meta.toggles {
                        "A file in the format of the CSV download: rows update the accounts they name (new accounts, with their passwords, and new e-mail addresses are set with the forms)"
                    } @else {
                        "A file in the format of the CSV download (rows with an id update that row, rows without one are added)"
                    }
                    input type="file" name="file" accept=".csv,text/csv" required;
                }
                button.button type="submit" { "Preview" }
            }
        }
        div id=(target) {}
    }
}

#[derive(Clone, Debug)]
pub struct ImportLineView {
    pub line: usize,
    /// `create`, `update`, `unchanged` or `invalid`.
    pub action: &'static str,
    pub id: Option<i64>,
    /// (field, before, after).
    pub changes: Vec<(String, Option<String>, Option<String>)>,
    /// (field, message).
    pub errors: Vec<(String, String)>,
}

/// How many lines of each kind the file has.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportCounts {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub invalid: usize,
}

impl ImportCounts {
    pub fn total(&self) -> usize {
        self.create + self.update + self.unchanged + self.invalid
    }
}

/// A large import a job is applying: the page follows it on the table's event stream.
#[derive(Clone, Debug)]
pub struct ImportProgressView {
    pub import_id: String,
    pub total: i64,
}

#[derive(Clone, Debug)]
pub struct ImportView {
    pub plural: &'static str,
    pub list_path: &'static str,
    pub slug: &'static str,
    /// Set when the preview can be confirmed.
    pub import_id: Option<String>,
    pub counts: ImportCounts,
    /// The lines listed (errors first, then changes; at most a few hundred).
    pub lines: Vec<ImportLineView>,
    /// Lines with errors or changes that are not listed.
    pub unlisted: usize,
    /// Why the file could not be read, or what the confirmation did.
    pub message: Option<(bool, String)>,
    pub progress: Option<ImportProgressView>,
    pub csrf_token: String,
}

/// The preview (or the outcome of a confirmation).
pub fn import_section(view: &ImportView) -> Markup {
    html! {
        section.import-preview id=(["import-preview-", view.slug].concat()) {
            @if let Some((ok, message)) = &view.message {
                div class=(if *ok { "flash flash-success" } else { "flash flash-error" }) role="status" { (message) }
            }
            @if let Some(progress) = &view.progress {
                @let cancel = [view.list_path, "/import/", &progress.import_id, "/cancel"].concat();
                div.import-progress data-import-progress=(progress.import_id) data-slug=(view.slug) {
                    p.import-progress-text role="status" {
                        "Importing " (crate::format::thousands(progress.total)) " rows in the background. Nothing changes until all of them are in; you may cancel until then."
                    }
                    progress max=(progress.total) value="0" aria-label="Rows imported" {}
                    form.import-cancel method="post" action=(cancel) hx-post=(cancel)
                        hx-target=(["#import-preview-", view.slug].concat()) hx-swap="outerHTML" {
                        (csrf_field(&view.csrf_token))
                        button.button type="submit" { "Cancel import" }
                    }
                }
            }
            @if view.counts.total() > 0 {
                p.import-summary role="status" {
                    (view.counts.create) " to add, " (view.counts.update) " to change, "
                    (view.counts.unchanged) " unchanged, " (view.counts.invalid) " with errors."
                    @if view.import_id.is_none() && view.counts.invalid > 0 { " Fix the file and preview it again: nothing is imported while a line has errors." }
                }
            }
            @if !view.lines.is_empty() {
                div.table-scroll {
                    table.table.import-lines {
                        thead { tr { th { "Line" } th { "Row" } th { "What happens" } th { "Details" } } }
                        tbody {
                            @for line in &view.lines {
                                tr class=(["import-", line.action].concat()) {
                                    td.num { (line.line) }
                                    td.num { @if let Some(id) = line.id { (id) } @else { "new" } }
                                    td { (line.action) }
                                    td {
                                        @if !line.errors.is_empty() {
                                            ul.import-errors { @for (field, message) in &line.errors { li { @if !field.is_empty() { code { (field) } ": " } (message) } } }
                                        }
                                        @if !line.changes.is_empty() {
                                            ul.import-changes {
                                                @for (field, before, after) in &line.changes {
                                                    li {
                                                        code { (field) } ": "
                                                        @if let Some(before) = before { del { (before) } " → " }
                                                        ins { (after.as_deref().unwrap_or("(empty)")) }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if view.unlisted > 0 {
                    p.import-unlisted { "… and " (view.unlisted) " more lines with changes or errors, not listed here." }
                }
            }
            @if let Some(import_id) = &view.import_id {
                @let action = [view.list_path, "/import/", import_id, "/confirm"].concat();
                form.import-confirm method="post" action=(action) data-import-id=(import_id) {
                    (csrf_field(&view.csrf_token))
                    input type="hidden" name="import_id" value=(import_id);
                    button.button.button-primary type="submit" { "Import these changes" }
                    " "
                    a href=(view.list_path) { "Cancel" }
                }
            }
        }
    }
}

pub fn import_page(ctx: &PageContext, nav: &[NavLink], view: &ImportView) -> Markup {
    admin_page(
        ctx,
        view.plural,
        nav,
        html! {
            div.admin-head { h1 { "Import " (view.plural) } }
            (import_section(view))
            p { a href=(view.list_path) { "Back to " (view.plural) } }
        },
    )
}
