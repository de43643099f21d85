//! The analytics dashboard (charts and the six results), each result's own page, and the two
//! reports. Chart data travels in `data-chart` attributes that `assets/analytics.js` hands to
//! Chart.js, so no inline script is needed (the CSP stays `default-src 'self'`); every chart
//! also has a table for screen readers and pages without JavaScript.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use crate::admin::{admin_page, NavLink};
use crate::format::timestamp;
use crate::layout::PageContext;
use crate::paths;

/// Whether a snapshot exists, how old it is, and whether a newer one is on its way.
#[derive(Clone, Debug)]
pub struct StatusView {
    pub as_of: Option<DateTime<Utc>>,
    pub refreshing: bool,
    pub csrf_token: String,
}

/// A value as shown: its text, and whether it is a number (right-aligned).
#[derive(Clone, Debug)]
pub struct CellView {
    pub text: String,
    pub numeric: bool,
}

/// A sortable, paged table of a result or report.
#[derive(Clone, Debug)]
pub struct ResultView {
    /// Element ids and link names derive from it.
    pub slug: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub header: Vec<&'static str>,
    /// Which headings link to a sort.
    pub sortable: Vec<bool>,
    pub rows: Vec<Vec<CellView>>,
    /// The page's own address (sort links and the pager add their parameters).
    pub base_href: String,
    /// Extra query parameters every link keeps (e.g. `a=…&b=…`), already encoded.
    pub keep_query: String,
    pub sort: Option<&'static str>,
    pub descending: bool,
    pub page: u32,
    pub has_next: bool,
    /// Rows in the whole result, when known.
    pub total_rows: Option<usize>,
    pub csv_href: String,
}

impl ResultView {
    pub fn section_id(&self) -> String {
        ["result-", self.slug].concat()
    }

    fn link(&self, sort: Option<&str>, descending: bool, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(sort) = sort {
            query.append_pair("sort", sort);
            query.append_pair("dir", if descending { "desc" } else { "asc" });
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let mut query = query.finish();
        if !self.keep_query.is_empty() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&self.keep_query);
        }
        if query.is_empty() {
            self.base_href.clone()
        } else {
            [self.base_href.as_str(), "?", &query].concat()
        }
    }
}

/// One chart: what Chart.js draws (`data_json`) and the same figures as a table.
#[derive(Clone, Debug)]
pub struct ChartView {
    pub slug: String,
    pub title: String,
    pub data_json: String,
    pub label_heading: String,
    pub dataset_labels: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

#[derive(Clone, Debug, Default)]
pub struct RegionForm {
    pub a: String,
    pub b: String,
    pub choices: Vec<String>,
}

/// What the dashboard shows from one snapshot: built once per snapshot and shared by every
/// request until a newer one lands.
#[derive(Clone, Debug, Default)]
pub struct SnapshotView {
    pub charts: Vec<ChartView>,
    pub results: Vec<ResultView>,
    pub regions: RegionForm,
}

#[derive(Clone, Debug)]
pub struct DashboardView<'a> {
    pub status: StatusView,
    /// `None` before the first snapshot.
    pub snapshot: Option<&'a SnapshotView>,
    /// (title, page, csv) of each report.
    pub reports: Vec<(&'static str, String, String)>,
}

pub const STATUS_ID: &str = "analytics-status";

/// "As of …", the refresh button, and while a refresh is on its way a line that asks again
/// every two seconds (the page reloads itself once the new snapshot has landed).
pub fn status_fragment(status: &StatusView) -> Markup {
    let shown = status.as_of.map(|t| t.to_rfc3339()).unwrap_or_default();
    let poll = [
        paths::ADMIN_ANALYTICS_STATUS,
        "?",
        &form_urlencoded::Serializer::new(String::new())
            .append_pair("shown", &shown)
            .finish(),
    ]
    .concat();
    html! {
        div.analytics-status id=(STATUS_ID) role="status"
            hx-get=[status.refreshing.then_some(poll.as_str())]
            hx-trigger=[status.refreshing.then_some("every 2s")]
            hx-swap=[status.refreshing.then_some("outerHTML")] {
            @match status.as_of {
                Some(at) => p.as-of { "As of " time datetime=(at.to_rfc3339()) { (timestamp(at)) } },
                None => p.as-of { "No snapshot yet: the first one is being computed." },
            }
            @if status.refreshing {
                p.refreshing { span.spinner aria-hidden="true" {} "Refreshing… "
                    a href=(paths::ADMIN_ANALYTICS) { "reload" } " to see the new figures." }
            }
            form method="post" action=(paths::ADMIN_ANALYTICS_REFRESH)
                hx-post=(paths::ADMIN_ANALYTICS_REFRESH) hx-target=(["#", STATUS_ID].concat()) hx-swap="outerHTML" {
                (crate::forms::csrf_field(&status.csrf_token))
                button.button.button-quiet type="submit" disabled[status.refreshing] { "Refresh now" }
            }
        }
    }
}

pub fn dashboard_page(ctx: &PageContext, nav: &[NavLink], view: &DashboardView<'_>) -> Markup {
    admin_page(
        ctx,
        "Analytics",
        nav,
        html! {
            h1 { "Analytics" }
            (status_fragment(&view.status))
            nav.report-links aria-label="Reports" {
                @for (title, page, csv) in &view.reports {
                    span { a href=(page) { (title) } " (" a href=(csv) download { "CSV" } ")" }
                }
            }
            @if let Some(snapshot) = view.snapshot {
                // A long page: its sections listed up front, each a jump away.
                nav.page-index aria-label="On this page" {
                    h2.page-index-title { "On this page" }
                    div.page-index-groups {
                        div {
                            h3 { a href="#charts" { "Charts" } }
                            ul { @for chart in &snapshot.charts { li { a href={"#chart-" (chart.slug)} { (chart.title) } } } }
                        }
                        div {
                            h3 { "Results" }
                            ul { @for result in &snapshot.results { li { a href={"#" (result.section_id())} { (result.title) } } } }
                        }
                    }
                }
                section.chart-grid #charts aria-label="Charts" {
                    @for chart in &snapshot.charts { (chart_panel(chart)) }
                }
                @for result in &snapshot.results {
                    (result_section(result, (result.slug == "regions").then_some(&snapshot.regions)))
                }
            }
            script src=([paths::CHART_JS, "?v=", ctx.asset_version].concat()) defer {}
            script src=([paths::ANALYTICS_JS, "?v=", ctx.asset_version].concat()) defer {}
        },
    )
}

fn chart_panel(chart: &ChartView) -> Markup {
    let table_id = ["chart-table-", chart.slug.as_str()].concat();
    html! {
        figure.panel.chart-panel id=(["chart-", chart.slug.as_str()].concat()) {
            figcaption { h2 { (chart.title) } }
            div.chart-canvas {
                canvas data-chart=(chart.data_json) role="img" aria-label=(chart.title) aria-describedby=(table_id) {}
            }
            details.chart-data {
                summary { "The figures" }
                table.table id=(table_id) {
                    caption.visually-hidden { (chart.title) }
                    thead { tr { th scope="col" { (chart.label_heading) } @for label in &chart.dataset_labels { th.num scope="col" { (label) } } } }
                    tbody {
                        @for (label, values) in &chart.rows {
                            tr { th scope="row" { (label) } @for value in values { td.num { (value) } } }
                        }
                    }
                }
            }
        }
    }
}

/// A result or report table, swappable in place (sorting and paging by htmx, or as plain
/// links without JavaScript).
pub fn result_section(view: &ResultView, regions: Option<&RegionForm>) -> Markup {
    let id = view.section_id();
    let target = ["#", id.as_str()].concat();
    html! {
        section.panel.result id=(id) {
            div.result-head {
                h2 { a href=(view.base_href) { (view.title) } }
                a.button.button-quiet href=(view.csv_href) download { "Download CSV" }
            }
            p.muted { (view.description) }
            @if let Some(regions) = regions { (region_form(regions)) }
            @if view.rows.is_empty() {
                p.empty-state { "No rows." }
            } @else {
                div.table-scroll {
                    table.table {
                        thead { tr {
                            @for (i, name) in view.header.iter().enumerate() {
                                @let numeric = view.rows.first().and_then(|r| r.get(i)).is_some_and(|c| c.numeric);
                                @let current = view.sort == Some(*name);
                                @let next_desc = if current { !view.descending } else { numeric };
                                th scope="col" class=[numeric.then_some("num")]
                                    aria-sort=[current.then_some(if view.descending { "descending" } else { "ascending" })] {
                                    @if view.sortable.get(i).copied().unwrap_or(false) {
                                        @let href = view.link(Some(name), next_desc, 1);
                                        a href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" {
                                            (crate::format::heading(name))
                                            @if current { (if view.descending { " ▼" } else { " ▲" }) }
                                        }
                                    } @else { (crate::format::heading(name)) }
                                }
                            }
                        } }
                        tbody {
                            @for row in &view.rows {
                                tr { @for cell in row { td class=[cell.numeric.then_some("num")] { (cell.text) } } }
                            }
                        }
                    }
                }
            }
            @if view.page > 1 || view.has_next {
                nav.pager aria-label="Pages" {
                    @if view.page > 1 {
                        @let href = view.link(view.sort, view.descending, view.page - 1);
                        a href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" rel="prev" { "← Previous" }
                    }
                    span.pager-current { "Page " (view.page)
                        @if let Some(total) = view.total_rows { " · " (crate::format::thousands(total as i64)) " rows" } }
                    @if view.has_next {
                        @let href = view.link(view.sort, view.descending, view.page + 1);
                        a href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" rel="next" { "Next →" }
                    }
                }
            }
        }
    }
}

fn region_form(regions: &RegionForm) -> Markup {
    html! {
        form.region-form method="get" action=(paths::analytics_result("regions")) {
            label { "Region A " select name="a" {
                @for r in &regions.choices { option value=(r) selected[*r == regions.a] { (r) } } } }
            label { "Region B " select name="b" {
                @for r in &regions.choices { option value=(r) selected[*r == regions.b] { (r) } } } }
            button.button.button-quiet type="submit" { "Compare" }
        }
    }
}

/// A result or report on a page of its own (the headings' links without JavaScript).
pub fn result_page(
    ctx: &PageContext,
    nav: &[NavLink],
    status: &StatusView,
    view: &ResultView,
    regions: Option<&RegionForm>,
) -> Markup {
    admin_page(
        ctx,
        view.title,
        nav,
        html! {
            p.breadcrumb { a href=(paths::ADMIN_ANALYTICS) { "← Analytics" } }
            h1 { (view.title) }
            (status_fragment(status))
            (result_section(view, regions))
        },
    )
}
