//! A series' poster panel, shared by the poster handlers (their answers) and the staff
//! tables (the series' own page).

use views::admin::poster::PosterPanel;

use super::common::staff_nav;
use super::middleware::RequestContext;
use super::state::State;
use crate::admin::crud;
use crate::admin::entities::SERIES;
use crate::admin::values::Value;
use crate::error::Error;
use crate::posters;
use crate::web::errors::Result;

/// The poster panel of a series (a page of its own for plain forms).
pub async fn panel(
    state: &State,
    ctx: &RequestContext,
    series_id: i64,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<maud::Markup> {
    let key = posters::key_of(&state.db, series_id).await?;
    let record = crud::find(&state.db, &SERIES, series_id)
        .await?
        .ok_or(Error::NotFound)?;
    let poster_url = match record.value(&SERIES, "poster_url") {
        Some(Value::Text(url)) if !url.is_empty() => Some(url.clone()),
        _ => None,
    };
    let view = PosterPanel {
        series_id,
        csrf_token: &ctx.csrf_token,
        poster_key: key.as_deref(),
        poster_url: poster_url.as_deref(),
        error,
        notice,
    };
    Ok(if ctx.is_htmx {
        views::admin::poster::poster_panel(&view)
    } else {
        views::admin::poster::poster_page(&ctx.page(), &staff_nav(), &record.label, &view)
    })
}

/// The panel as it sits on the series' staff page (always the fragment).
pub async fn on_record_page(
    state: &State,
    ctx: &RequestContext,
    series_id: i64,
) -> Result<maud::Markup> {
    let ctx = RequestContext {
        is_htmx: true,
        ..ctx.clone()
    };
    panel(state, &ctx, series_id, None, None).await
}
