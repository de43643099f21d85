//! `POST /admin/{entity}/import` (multipart, field `file`): the preview of a CSV import,
//! which changes nothing; `POST /admin/{entity}/import/{import_id}/confirm`: applies exactly
//! that preview, or nothing.

use poem::http::StatusCode;
use poem::web::Multipart;
use poem::{FromRequest, Request, RequestBody, Response};
use views::admin::import::{ImportLineView, ImportView};

use super::request::TableRequest;
use crate::admin::import::{self, Confirmed, LineAction, Preview, Previewed};
use crate::error::Error;
use crate::web::common::staff_nav as nav;
use crate::web::common::{see_other, with_status};
use crate::web::errors::Result;

/// The uploaded file's bytes (the body is already capped by the middleware).
pub async fn read_upload(req: &mut Request) -> Result<Vec<u8>> {
    let body = req.take_body();
    let mut multipart = Multipart::from_request(req, &mut RequestBody::new(body))
        .await
        .map_err(|_| Error::BadRequest("send the file as multipart/form-data".into()))?;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| Error::BadRequest("the upload could not be read".into()))?
    {
        if field.name() == Some("file") {
            return Ok(field
                .bytes()
                .await
                .map_err(|_| Error::BadRequest("the upload could not be read".into()))?);
        }
    }
    Err(Error::BadRequest("the upload has no field named file".into()).into())
}

pub async fn preview(req: &TableRequest, file: &[u8]) -> Result<Response> {
    let outcome = import::preview(req.db(), req.def, file, req.actor()).await?;
    let (view, status) = match outcome {
        Previewed::Refused(message) => (
            view(req, None, Some((false, message))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Previewed::Ready(preview) => {
            let status = if preview.count(&LineAction::Invalid) > 0 {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let message = (preview.lines.is_empty())
                .then(|| (false, "The file has a header but no rows.".to_owned()));
            (view(req, Some(preview), message), status)
        }
    };
    Ok(render(req, &view, status))
}

pub async fn confirm(req: &TableRequest) -> Result<Response> {
    let import_id = req.import_id.as_deref().ok_or(Error::NotFound)?;
    let outcome = import::confirm(req.db(), req.def, import_id, req.actor()).await?;
    let (message, status) = match outcome {
        Confirmed::NotFound => return Err(Error::NotFound.into()),
        Confirmed::Applied { created, updated } => {
            let message = format!("Imported: {created} added, {updated} changed.");
            if !req.is_htmx() {
                return Ok(see_other(req.def.paths.list, None, req.secure()));
            }
            ((true, message), StatusCode::OK)
        }
        Confirmed::Stale(message) => ((false, message), StatusCode::CONFLICT),
        Confirmed::Refused(message) => ((false, message), StatusCode::UNPROCESSABLE_ENTITY),
    };
    Ok(render(req, &view(req, None, Some(message)), status))
}

fn view(
    req: &TableRequest,
    preview: Option<Preview>,
    message: Option<(bool, String)>,
) -> ImportView {
    let (import_id, lines) = match preview {
        Some(preview) => (
            preview.import_id,
            preview
                .lines
                .into_iter()
                .map(|line| ImportLineView {
                    line: line.line,
                    action: match line.action {
                        LineAction::Create => "create",
                        LineAction::Update => "update",
                        LineAction::Unchanged => "unchanged",
                        LineAction::Invalid => "invalid",
                    },
                    id: line.id,
                    changes: line
                        .changes
                        .into_iter()
                        .map(|c| (c.field, c.before, c.after))
                        .collect(),
                    errors: line.errors,
                })
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    ImportView {
        plural: req.def.plural,
        list_path: req.def.paths.list,
        slug: req.def.slug,
        import_id,
        lines,
        message,
        csrf_token: req.ctx.csrf_token.clone(),
    }
}

fn render(req: &TableRequest, view: &ImportView, status: StatusCode) -> Response {
    let markup = if req.is_htmx() {
        views::admin::import::import_section(view)
    } else {
        views::admin::import::import_page(&req.ctx.page(), &nav(), view)
    };
    with_status(markup, status)
}
