//! Small helpers every handler file shares: redirects, parsing ids from requests, statuses.

use maud::Markup;
use poem::http::{header, StatusCode};
use poem::{IntoResponse, Response};
use views::admin::NavLink;

use super::cookies;
use super::middleware::FlashCode;
use super::state::State;
use crate::admin::entities;
use crate::catalog::{self, FilterChoices};
use crate::error::Error;
use crate::validation::FieldErrors;
use crate::web::errors::Result;

/// A 303 to `location`, optionally leaving a flash message for the next page.
pub fn see_other(location: &str, flash: Option<FlashCode>, secure: bool) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish();
    if let Some(flash) = flash {
        cookies::set(&mut response, cookies::FLASH, flash.code(), secure);
    }
    response
}

/// Markup answered with `status` (e.g. 422 for a form shown again with its messages).
pub fn with_status(markup: Markup, status: StatusCode) -> Response {
    let mut response = markup.into_response();
    response.set_status(status);
    response
}

/// 200 when nothing is wrong, else 422: a form shown again with messages beside its fields.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A CSV file to download, named after what it holds and the day (`series-2026-12-03.csv`).
/// With `bom`, it starts with a UTF-8 byte-order mark, which spreadsheets (Excel) need to read
/// accented text ("Lumière") as UTF-8.
pub fn csv_download(name: &str, day: chrono::NaiveDate, body: String, bom: bool) -> Response {
    let day = day.format("%Y-%m-%d").to_string();
    let disposition = ["attachment; filename=\"", name, "-", &day, ".csv\""].concat();
    let body = if bom {
        ["\u{FEFF}", &body].concat()
    } else {
        body
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(body)
}

/// An optional id filter: empty means "any"; anything but a positive number is refused.
pub fn optional_id(value: Option<&str>, name: &str) -> Result<Option<i64>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(Error::BadRequest([name, " must be a positive whole number"].concat()).into()),
        },
    }
}

/// Path ids that are not positive numbers name nothing: 404, like an unknown id.
pub fn path_id(text: &str) -> crate::error::Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

/// The staff navigation: every described table, in the order of `entities::ALL`.
pub fn staff_nav() -> Vec<NavLink> {
    entities::ALL
        .iter()
        .map(|def| NavLink {
            href: def.paths.list,
            label: def.plural,
        })
        .collect()
}

/// The views render the domain's validation errors through this trait.
impl views::forms::Messages for FieldErrors {
    fn message(&self, field: &str) -> Option<&str> {
        self.get(field)
    }

    fn is_empty(&self) -> bool {
        FieldErrors::is_empty(self)
    }
}

/// The choices of a filter or a profile's country, as the templates want them.
pub fn view_choices(choices: &[catalog::Choice]) -> Vec<views::catalog::Choice> {
    choices
        .iter()
        .map(|c| views::catalog::Choice {
            id: c.id,
            name: c.name.clone(),
        })
        .collect()
}

/// The countries of the profile forms (registration, `/account`).
pub async fn country_choices(state: &State) -> Result<Vec<views::catalog::Choice>> {
    let choices: std::sync::Arc<FilterChoices> = state.catalog.choices(&state.db).await?;
    Ok(view_choices(&choices.countries))
}
