//! `POST /admin/{entity}/import` (multipart, field `file`): the preview of a CSV import,
//! which changes nothing; `POST /admin/{entity}/import/{import_id}/confirm`: applies exactly
//! that preview, or nothing.

use poem::http::StatusCode;
use poem::web::Multipart;
use poem::{FromRequest, Request, RequestBody, Response};
use views::admin::import::{ImportCounts, ImportLineView, ImportProgressView, ImportView};

use super::request::TableRequest;
use crate::admin::import::{self, runs, Confirmed, LineAction, Preview, Previewed};
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
        Confirmed::Queued { total } => {
            let mut view = view(req, None, None);
            view.progress = Some(ImportProgressView {
                import_id: import_id.to_owned(),
                total,
            });
            return Ok(render(req, &view, StatusCode::ACCEPTED));
        }
        Confirmed::Stale(message) => ((false, message), StatusCode::CONFLICT),
        Confirmed::Refused(message) => ((false, message), StatusCode::UNPROCESSABLE_ENTITY),
    };
    Ok(render(req, &view(req, None, Some(message)), status))
}

/// `POST /admin/{entity}/import/{import_id}/cancel`: stops one's own queued or running
/// import before it commits (404 for anyone else's, or one already over).
pub async fn cancel(req: &TableRequest) -> Result<Response> {
    let import_id = req.import_id.as_deref().ok_or(Error::NotFound)?;
    let now = req.state.clock.now();
    if !runs::request_cancel(
        req.db(),
        &req.state.imports,
        import_id,
        req.user.account_id,
        now,
    )
    .await?
    {
        return Err(Error::NotFound.into());
    }
    if !req.is_htmx() {
        return Ok(see_other(req.def.paths.list, None, req.secure()));
    }
    let message = (
        true,
        "Cancelling: the import stops before anything is written.".to_owned(),
    );
    Ok(render(
        req,
        &view(req, None, Some(message)),
        StatusCode::ACCEPTED,
    ))
}

/// Lines listed in a preview; the rest are counted.
const LISTED_LINES: usize = 500;

fn view(
    req: &TableRequest,
    preview: Option<Preview>,
    message: Option<(bool, String)>,
) -> ImportView {
    let mut counts = ImportCounts::default();
    let mut import_id = None;
    let mut listed = Vec::new();
    if let Some(preview) = preview {
        import_id = preview.import_id;
        let mut errors = Vec::new();
        let mut changes = Vec::new();
        for line in preview.lines {
            match line.action {
                LineAction::Create => counts.create += 1,
                LineAction::Update => counts.update += 1,
                LineAction::Unchanged => counts.unchanged += 1,
                LineAction::Invalid => counts.invalid += 1,
            }
            match line.action {
                LineAction::Invalid => errors.push(line),
                LineAction::Unchanged => {}
                _ => changes.push(line),
            }
        }
        // Errors first: they are what must be fixed.
        listed = errors.into_iter().chain(changes).collect();
    }
    let unlisted = listed.len().saturating_sub(LISTED_LINES);
    listed.truncate(LISTED_LINES);
    let lines = listed
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
        .collect();
    ImportView {
        plural: req.def.plural,
        list_path: req.def.paths.list,
        slug: req.def.slug,
        import_id,
        counts,
        lines,
        unlisted,
        message,
        progress: None,
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
