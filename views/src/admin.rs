//! The staff landing page.

use maud::{html, Markup};

use crate::format::thousands;
use crate::layout::{page, PageContext};

#[derive(Clone, Debug)]
pub struct Stat {
    pub label: &'static str,
    pub value: i64,
}

#[derive(Clone, Debug)]
pub struct FailedJob {
    pub id: String,
    pub job_type: String,
    pub attempts: i64,
    pub last_error: String,
}

pub fn dashboard_page(ctx: &PageContext, stats: &[Stat], failed_jobs: &[FailedJob]) -> Markup {
    page(
        ctx,
        "Staff",
        html! {
            h1 { "Staff overview" }
            ul.stat-grid {
                @for stat in stats {
                    li.stat { span.stat-value { (thousands(stat.value)) } span.stat-label { (stat.label) } }
                }
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
