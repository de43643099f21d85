//! The staff landing page: catalog counts and background jobs that gave up.

use poem::web::Data;
use poem::{handler, IntoResponse, Response};
use views::admin::{FailedJob, Stat};

use super::access::RequireEmployee;
use super::middleware::RequestContext;
use super::state::State;
use crate::error::Result;
use crate::{admin, queue};

#[handler]
pub async fn dashboard(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
) -> Result<Response> {
    let counts = admin::counts(&state.db).await?;
    let stats = [
        Stat {
            label: "series",
            value: counts.series,
        },
        Stat {
            label: "episodes",
            value: counts.episodes,
        },
        Stat {
            label: "production houses",
            value: counts.production_houses,
        },
        Stat {
            label: "accounts",
            value: counts.accounts,
        },
        Stat {
            label: "reviews",
            value: counts.reviews,
        },
    ];
    let failed: Vec<FailedJob> = queue::failed_jobs(&state.db)
        .await?
        .into_iter()
        .map(|job| FailedJob {
            id: job.id,
            job_type: job.job_type,
            attempts: job.attempts,
            last_error: job.last_error.unwrap_or_default(),
        })
        .collect();
    Ok(views::admin::dashboard_page(&ctx.page(), &stats, &failed).into_response())
}
