//! Staff pages: the overview on `/admin`, the audit log, review moderation (`reviews`), and
//! (in `tables`) the one generic set of handlers behind every described staff table.

pub mod reviews;
pub mod tables;
pub mod two_factor;

use poem::web::Data;
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::admin::audit::{AuditEntry, AuditView};
use views::admin::table::SelectOption;
use views::admin::{FailedJob, Stat};

use super::access::RequireEmployee;
use super::common::{optional_id, staff_nav as nav};
use super::form::Form;
use super::middleware::RequestContext;
use super::state::State;
use crate::admin::{crud, entities};
use crate::audit::{self, AuditFilter, AuditRow};
use crate::db::page::Page;
use crate::error::Error;
use crate::queue;
use crate::web::errors::Result;

/// An audit row as the views show it, linked to the row it names while that has a page.
pub fn audit_entry(row: &AuditRow) -> AuditEntry {
    let link = match (entities::find(&row.entity), row.entity_id.parse::<i64>()) {
        (Some(def), Ok(id)) if row.action != audit::Action::Delete.as_str() => {
            Some(views::paths::admin_row(def.slug, id))
        }
        _ => None,
    };
    AuditEntry {
        at: row.recorded_at,
        who: row.username.clone(),
        action: row.action.clone(),
        entity: row.entity.clone(),
        entity_id: row.entity_id.clone(),
        link,
        // Days and moments the house way, whichever page shows the entry.
        changes: row
            .changes()
            .into_iter()
            .map(|c| match entities::find(&row.entity) {
                Some(def) => {
                    let shown = |text: Option<String>| {
                        text.map(|t| tables::readable_dates(def, &c.field, t))
                    };
                    let (before, after) = (shown(c.before), shown(c.after));
                    (c.field, before, after)
                }
                None => (c.field, c.before, c.after),
            })
            .collect(),
    }
}

#[handler]
pub async fn dashboard(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
) -> Result<Response> {
    let mut stats = Vec::with_capacity(entities::ALL.len() + 1);
    for def in entities::ALL {
        stats.push(Stat {
            label: def.plural,
            value: crud::count(&state.db, def).await?,
            href: Some(def.paths.list),
        });
    }
    let counts = crate::admin::counts(&state.db).await?;
    stats.push(Stat {
        label: "Reviews",
        value: counts.reviews,
        href: Some(views::paths::ADMIN_REVIEWS),
    });
    let (latest, _) = audit::list(
        &state.db,
        &AuditFilter::default(),
        Page {
            number: 1,
            size: 10,
        },
    )
    .await?;
    let latest: Vec<AuditEntry> = latest.iter().map(audit_entry).collect();
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
    Ok(views::admin::dashboard_page(&ctx.page(), &nav(), &stats, &latest, &failed).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    entity: Option<String>,
    staff_id: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

/// An optional `YYYY-MM-DD` query field, in the years both databases store (chrono also
/// reads `-5-01-01` or `99999-01-01`, which MariaDB refuses); anything else is a 400 naming
/// the field.
fn optional_date(text: Option<&str>, name: &str) -> Result<Option<chrono::NaiveDate>> {
    use chrono::Datelike;
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day)
                if text.len() == 10 && crate::validation::STORABLE_YEARS.contains(&day.year()) =>
            {
                Ok(Some(day))
            }
            _ => Err(Error::BadRequest([name, " must be a date (YYYY-MM-DD)"].concat()).into()),
        },
    }
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn audit_log(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
    Form(params): Form<AuditParams>,
) -> Result<Response> {
    let entity = match params.entity.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(slug) => match entities::find(slug) {
            Some(def) => Some(def.slug.to_owned()),
            None => return Err(Error::BadRequest("unknown table".into()).into()),
        },
    };
    let staff_id = optional_id(params.staff_id.as_deref(), "staff_id")?;
    let entity_id = match params.entity_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) if id.len() <= 64 => Some(id.to_owned()),
        Some(_) => return Err(Error::BadRequest("entity_id is too long".into()).into()),
    };
    let from = optional_date(params.from.as_deref(), "from")?;
    let to = optional_date(params.to.as_deref(), "to")?;
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(Error::BadRequest("to must not be before from".into()).into());
        }
    }
    let page = Page::parse(params.page.as_deref(), None, 50)?;
    let filter = AuditFilter {
        entity: entity.clone(),
        account_id: staff_id,
        entity_id,
        from,
        to,
    };
    let (rows, has_next) = audit::list(&state.db, &filter, page).await?;
    let staff = crate::admin::people::staff_members(&state.db)
        .await?
        .into_iter()
        .map(|m| SelectOption {
            value: m.id,
            label: m.username,
        })
        .collect();
    let view = AuditView {
        entries: rows.iter().map(audit_entry).collect(),
        entities: entities::ALL.iter().map(|d| (d.slug, d.plural)).collect(),
        staff,
        entity,
        staff_id,
        from,
        to,
        page: page.number,
        has_next,
    };
    if ctx.is_htmx {
        return Ok(views::admin::audit::audit_section(&view).into_response());
    }
    Ok(views::admin::audit::audit_page(&ctx.page(), &nav(), &view).into_response())
}
