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

/// A staff page: the staff navigation above the content.
pub fn admin_page(ctx: &PageContext, title: &str, nav: &[NavLink], body: Markup) -> Markup {
    let current = ctx.current_path.as_str();
    page(
        ctx,
        title,
        html! {
            nav.admin-nav aria-label="Staff" {
                a href=(paths::ADMIN) aria-current=[(current == paths::ADMIN).then_some("page")] { "Overview" }
                @for link in nav {
                    a href=(link.href) aria-current=[(current == link.href || current.starts_with(&[link.href, "/"].concat())).then_some("page")] { (link.label) }
                }
                a href=(paths::ADMIN_REVIEWS) aria-current=[(current == paths::ADMIN_REVIEWS).then_some("page")] { "Reviews" }
                a href=(paths::ADMIN_AUDIT) aria-current=[(current == paths::ADMIN_AUDIT).then_some("page")] { "Audit log" }
                a href=(paths::ADMIN_ANALYTICS) aria-current=[(current == paths::ADMIN_ANALYTICS || current.starts_with("/admin/analytics/")).then_some("page")] { "Analytics" }
                @for (slug, label) in REPORTS {
                    @let href = paths::report(slug);
                    a href=(href) aria-current=[current.starts_with(&href).then_some("page")] { (label) }
                }
            }
            (body)
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
