//! Staff pages: the overview, the described tables (`table`, `row`), a row's own page and
//! plain forms (`record`), and the audit log (`audit`).

pub mod audit;
pub mod import;
pub mod model;
pub mod poster;
pub mod record;
pub mod reviews;
pub mod row;
pub mod table;

use maud::{html, Markup};

use crate::format::thousands;
use crate::layout::{page, PageContext};
use crate::paths;

/// One entry of the staff navigation.
#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The reports the staff navigation links to: (slug, label).
const REPORTS: [(&str, &str); 2] = [
    ("series-performance", "Series performance"),
    ("viewer-engagement", "Viewer engagement"),
];

/// The staff menu's groups, in order, and which links each holds (by path); a link no group
/// names (a new table) joins the first.
const GROUPS: [(&str, &[&str]); 4] = [
    (
        "Catalog",
        &[
            paths::SERIES_PATHS.list,
            paths::EPISODES_PATHS.list,
            paths::SCHEDULES_PATHS.list,
            paths::CONTRACTS_PATHS.list,
            paths::ADMIN_REVIEWS,
        ],
    ),
    (
        "People",
        &[
            paths::PRODUCTION_HOUSES_PATHS.list,
            paths::PRODUCERS_PATHS.list,
            paths::ALLIANCES_PATHS.list,
            paths::EMPLOYEES_PATHS.list,
            paths::CUSTOMERS_PATHS.list,
        ],
    ),
    (
        "Reference data",
        &[
            paths::GENRES_PATHS.list,
            paths::LANGUAGES_PATHS.list,
            paths::COUNTRIES_PATHS.list,
        ],
    ),
    ("Insight", &[paths::ADMIN_ANALYTICS, paths::ADMIN_AUDIT]),
];

/// A staff page: the staff navigation above the content, and a skip link past it.
pub fn admin_page(ctx: &PageContext, title: &str, nav: &[NavLink], body: Markup) -> Markup {
    admin_page_skipping(
        ctx,
        title,
        nav,
        ("#staff-main", "Skip to the content"),
        body,
    )
}

/// A staff page whose skip link leads somewhere in particular (a table: `#series-table`).
pub fn admin_page_skipping(
    ctx: &PageContext,
    title: &str,
    nav: &[NavLink],
    skip: (&str, &str),
    body: Markup,
) -> Markup {
    let current = ctx.current_path.as_str();
    let here = |href: &str| current == href || current.starts_with(&[href, "/"].concat());
    let mut groups: Vec<Vec<(String, String)>> = vec![Vec::new(); GROUPS.len()];
    let links = nav
        .iter()
        .map(|l| (l.href.to_owned(), l.label.to_owned()))
        .chain([
            (paths::ADMIN_REVIEWS.to_owned(), "Reviews".to_owned()),
            (paths::ADMIN_ANALYTICS.to_owned(), "Analytics".to_owned()),
        ])
        .chain(
            REPORTS
                .iter()
                .map(|(slug, label)| (paths::report(slug), (*label).to_owned())),
        )
        .chain([(paths::ADMIN_AUDIT.to_owned(), "Audit log".to_owned())]);
    for (href, label) in links {
        let group = GROUPS
            .iter()
            .position(|(_, hrefs)| hrefs.contains(&href.as_str()))
            .or_else(|| {
                href.starts_with("/admin/reports/")
                    .then_some(GROUPS.len() - 1)
            })
            .unwrap_or(0);
        groups[group].push((href, label));
    }
    page(
        ctx,
        title,
        html! {
            a.skip-link href=(skip.0) { (skip.1) }
            nav.admin-nav aria-label="Staff" {
                a.admin-nav-home href=(paths::ADMIN) aria-current=[(current == paths::ADMIN).then_some("page")] { "Overview" }
                @for ((name, _), links) in GROUPS.iter().zip(&groups) {
                    div.admin-nav-group role="group" aria-label=(name) {
                        span.admin-nav-heading aria-hidden="true" { (name) }
                        @for (href, label) in links {
                            a href=(href) aria-current=[(here(href) || (href == paths::ADMIN_ANALYTICS && current.starts_with("/admin/analytics/"))).then_some("page")] { (label) }
                        }
                    }
                }
            }
            div #staff-main tabindex="-1" { (body) }
        },
    )
}

#[derive(Clone, Debug)]
pub struct Stat {
    pub label: &'static str,
    pub value: i64,
    pub href: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct FailedJob {
    pub id: String,
    pub job_type: String,
    pub attempts: i64,
    pub last_error: String,
}

pub fn dashboard_page(
    ctx: &PageContext,
    nav: &[NavLink],
    stats: &[Stat],
    latest: &[audit::AuditEntry],
    failed_jobs: &[FailedJob],
) -> Markup {
    admin_page(
        ctx,
        "Staff",
        nav,
        html! {
            h1 { "Staff overview" }
            ul.stat-grid {
                @for stat in stats {
                    li.stat {
                        @match stat.href {
                            Some(href) => a.stat-link href=(href) { span.stat-value { (thousands(stat.value)) } span.stat-label { (stat.label) } },
                            None => { span.stat-value { (thousands(stat.value)) } span.stat-label { (stat.label) } },
                        }
                    }
                }
            }
            section.panel {
                h2 { "Latest changes" }
                (audit::audit_table(latest))
                p { a href=(paths::ADMIN_AUDIT) { "The whole audit log →" } }
            }
            section.panel {
                h2 { "Background jobs that gave up" }
                @if failed_jobs.is_empty() {
                    p.muted { "None: every e-mail and refresh went through." }
                } @else {
                    table.table {
                        thead { tr { th { "Job" } th { "Type" } th.num { "Attempts" } th { "Last error" } } }
                        tbody {
                            @for job in failed_jobs {
                                tr { td { code { (job.id) } } td { (job.job_type) } td.num { (job.attempts) } td { (job.last_error) } }
                            }
                        }
                    }
                }
            }
        },
    )
}
