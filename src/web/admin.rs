//! The staff landing page: catalog counts and background jobs that gave up.

use poem::web::Data;
use poem::{handler, IntoResponse, Response};
use sea_query::{Expr, Order, Query};
use views::admin::{FailedJob, Stat};

use super::access::RequireEmployee;
use super::context::RequestContext;
use super::State;
use crate::db::Db;
use crate::error::Result;
use crate::schema::{Accounts, Computed, Episodes, Feedback, Jobs, ProductionHouses, Series};

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    job_type: String,
    attempts: i64,
    last_error: Option<String>,
}

/// Jobs apalis marked as killed or failed for good.
async fn failed_jobs(db: &Db) -> Result<Vec<FailedJob>> {
    let query = Query::select()
        .columns([Jobs::Id, Jobs::JobType, Jobs::LastError])
        .expr_as(
            sea_query::Func::cast_as(Expr::col(Jobs::Attempts), Computed::Signed),
            Jobs::Attempts,
        )
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::Status).is_in(["Killed", "Failed"]))
        .order_by(Jobs::DoneAt, Order::Desc)
        .limit(20)
        .to_owned();
    let rows: Vec<JobRow> = db.fetch_all(&query).await?;
    Ok(rows
        .into_iter()
        .map(|r| FailedJob {
            id: r.id,
            job_type: r.job_type,
            attempts: r.attempts,
            last_error: r.last_error.unwrap_or_default(),
        })
        .collect())
}

#[handler]
pub async fn dashboard(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
) -> Result<Response> {
    let db = &state.db;
    let stats = [
        Stat {
            label: "series",
            value: db.count_rows(Series::Table).await?,
        },
        Stat {
            label: "episodes",
            value: db.count_rows(Episodes::Table).await?,
        },
        Stat {
            label: "production houses",
            value: db.count_rows(ProductionHouses::Table).await?,
        },
        Stat {
            label: "accounts",
            value: db.count_rows(Accounts::Table).await?,
        },
        Stat {
            label: "reviews",
            value: db.count_rows(Feedback::Table).await?,
        },
    ];
    let failed = failed_jobs(db).await?;
    Ok(views::admin::dashboard_page(&ctx.page(), &stats, &failed).into_response())
}
