//! The audit log: who changed what, newest first, filtered by entity and by staff member.

use maud::{html, Markup};

use super::table::SelectOption;
use super::{admin_page, NavLink};
use crate::format::timestamp;
use crate::layout::PageContext;
use crate::paths;

pub const AUDIT_ID: &str = "audit-log";

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub who: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// A link to the row when it still has a page.
    pub link: Option<String>,
    /// (field, before, after).
    pub changes: Vec<(String, Option<String>, Option<String>)>,
}

pub struct AuditView {
    pub entries: Vec<AuditEntry>,
    pub entities: Vec<(&'static str, &'static str)>,
    pub staff: Vec<SelectOption>,
    pub entity: Option<String>,
    pub staff_id: Option<i64>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub page: u32,
    pub has_next: bool,
}

impl AuditView {
    fn href(&self, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(entity) = &self.entity {
            query.append_pair("entity", entity);
        }
        if let Some(staff) = self.staff_id {
            query.append_pair("staff_id", &staff.to_string());
        }
        for (name, day) in [("from", self.from), ("to", self.to)] {
            if let Some(day) = day {
                query.append_pair(name, &day.format("%Y-%m-%d").to_string());
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            paths::ADMIN_AUDIT.to_owned()
        } else {
            [paths::ADMIN_AUDIT, "?", &query].concat()
        }
    }
}

pub fn audit_page(ctx: &PageContext, nav: &[NavLink], view: &AuditView) -> Markup {
    let target = ["#", AUDIT_ID].concat();
    admin_page(
        ctx,
        "Audit log",
        nav,
        html! {
            h1 { "Audit log" }
            form.admin-toolbar method="get" action=(paths::ADMIN_AUDIT) hx-get=(paths::ADMIN_AUDIT) hx-target=(target)
                hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit" {
                label.filter {
                    span { "Table" }
                    select name="entity" {
                        option value="" { "All" }
                        @for (slug, label) in &view.entities {
                            option value=(slug) selected[view.entity.as_deref() == Some(*slug)] { (label) }
                        }
                    }
                }
                label.filter {
                    span { "Staff member" }
                    select name="staff_id" {
                        option value="" { "Anyone" }
                        @for member in &view.staff {
                            option value=(member.value) selected[view.staff_id == Some(member.value)] { (member.label) }
                        }
                    }
                }
                label.filter {
                    span { "From" }
                    input type="date" name="from" value=[view.from.map(|d| d.format("%Y-%m-%d").to_string())];
                }
                label.filter {
                    span { "To" }
                    input type="date" name="to" value=[view.to.map(|d| d.format("%Y-%m-%d").to_string())];
                }
                noscript { button.button type="submit" { "Apply" } }
            }
            (audit_section(view))
        },
    )
}

pub fn audit_section(view: &AuditView) -> Markup {
    let target = ["#", AUDIT_ID].concat();
    html! {
        section id=(AUDIT_ID) {
            (audit_table(&view.entries))
            @if view.page > 1 || view.has_next {
                nav.pager aria-label="Pages" {
                    @if view.page > 1 {
                        @let href = view.href(view.page - 1);
                        a.button.button-quiet href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url="true" rel="prev" { "← Newer" }
                    }
                    span.pager-current { "Page " (view.page) }
                    @if view.has_next {
                        @let href = view.href(view.page + 1);
                        a.button.button-quiet href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url="true" rel="next" { "Older →" }
                    }
                }
            }
        }
    }
}

/// One row's history: its audit entries, newest first.
pub struct HistoryView {
    pub title: String,
    /// The row's page, while it exists.
    pub record_href: Option<String>,
    pub list_href: &'static str,
    /// This page without a page number.
    pub base_href: String,
    pub entries: Vec<AuditEntry>,
    pub page: u32,
    pub has_next: bool,
}

pub fn history_page(ctx: &PageContext, nav: &[NavLink], view: &HistoryView) -> Markup {
    let href = |page: u32| {
        if page > 1 {
            [view.base_href.as_str(), "?page=", &page.to_string()].concat()
        } else {
            view.base_href.clone()
        }
    };
    admin_page(
        ctx,
        &view.title,
        nav,
        html! {
            div.admin-head {
                h1 { (view.title) }
                p.record-links {
                    @if let Some(record) = &view.record_href {
                        a href=(record) { "Back to the record" } " · "
                    }
                    a href=(view.list_href) { "Back to the table" }
                }
            }
            section id="record-history" {
                (audit_table(&view.entries))
                @if view.page > 1 || view.has_next {
                    nav.pager aria-label="Pages" {
                        @if view.page > 1 {
                            a.button.button-quiet href=(href(view.page - 1)) rel="prev" { "← Newer" }
                        }
                        span.pager-current { "Page " (view.page) }
                        @if view.has_next {
                            a.button.button-quiet href=(href(view.page + 1)) rel="next" { "Older →" }
                        }
                    }
                }
            }
        },
    )
}

pub fn audit_table(entries: &[AuditEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p.muted { "No changes recorded." }
        } @else {
            div.table-scroll {
                table.table.audit-table {
                    thead { tr { th { "When" } th { "Who" } th { "What" } th { "Row" } th { "Changes" } } }
                    tbody {
                        @for entry in entries {
                            tr {
                                td.nowrap { (timestamp(entry.at)) }
                                td { @match &entry.who { Some(who) => (who), None => span.muted { "(deleted account)" } } }
                                td { span.badge { (entry.action) } " " (entry.entity) }
                                td {
                                    @match &entry.link {
                                        Some(link) => a href=(link) { "#" (entry.entity_id) },
                                        None => { "#" (entry.entity_id) },
                                    }
                                }
                                td {
                                    ul.changes {
                                        @for (field, before, after) in &entry.changes {
                                            li {
                                                code { (field) } ": "
                                                span.before { (before.as_deref().unwrap_or("—")) }
                                                " → "
                                                span.after { (after.as_deref().unwrap_or("—")) }
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
    }
}
