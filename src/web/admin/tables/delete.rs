//! Deleting through a staff table: one row (`DELETE /admin/E/{id}`, or the plain form's POST,
//! which asks for confirmation first) or the selected rows (`POST /admin/E/bulk-delete`),
//! all or nothing, with the description's cascades and refusals.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::record::Confirm;
use views::admin::table::UndoOffer;
use views::paths;
use views::FlashKind;

use super::list::{table_answer, table_with_message, TableNote};
use super::present::flash;
use super::request::TableRequest;
use super::show::row_with_message;
use crate::admin::crud::{self, Deleted, Undone};
use crate::error::Error;
use crate::web::common::staff_nav as nav;
use crate::web::common::{see_other, with_status};
use crate::web::cookies;
use crate::web::errors::Result;
use crate::web::middleware::DeletedNotice;

/// `fragment`: answer with the row, or nothing once it is gone (DELETE); else a plain form.
pub async fn delete(req: &TableRequest, fragment: bool) -> Result<Response> {
    let id = req.id()?;
    let current = req.find(id).await?;
    let plain = !fragment && !req.is_htmx();
    let version = match crud::form_version(&req.form)? {
        Ok(version) => version,
        Err(message) => {
            return row_with_message(
                req,
                &current,
                flash(FlashKind::Error, message),
                StatusCode::UNPROCESSABLE_ENTITY,
                plain,
            )
            .await
        }
    };
    if plain && req.form.one("confirm")? != Some("yes") {
        let confirm = Confirm {
            title: ["Delete ", req.def.singular, "?"].concat(),
            items: vec![current.label.clone()],
            note: req.def.delete_note,
            action: paths::admin_row(req.def.slug, id),
            fields: vec![
                ("_method", "DELETE".to_owned()),
                ("version", version.to_string()),
                ("_return", req.return_to()),
            ],
            cancel: req.return_to(),
        };
        return Ok(
            views::admin::record::confirm_page(&req.ctx.page(), &nav(), &confirm).into_response(),
        );
    }
    let (deleted, undo) =
        crud::delete_undoable(req.db(), req.def, id, version, req.actor()).await?;
    match deleted {
        Deleted::Done => {
            tracing::info!(entity = req.def.slug, id, "deleted");
            // A message says what went, with its Undo for a few seconds.
            let meta = req.meta(req.def, false, false).await?;
            let offer = UndoOffer {
                message: views::admin::table::deleted_text(&meta, &current.label),
                token: undo,
            };
            if plain {
                let back = req.return_to();
                let back = if back.starts_with(&paths::admin_row(req.def.slug, id)) {
                    req.paths().list.to_owned()
                } else {
                    back
                };
                return Ok(see_other_deleted(req, &back, offer));
            }
            // The row goes; the count above the table follows.
            let count = req.count_update(&meta).await?;
            let message = views::admin::table::deleted_oob(&meta, &offer);
            Ok(maud::html! { @if let Some(count) = count { (count) } (message) }.into_response())
        }
        Deleted::NotFound => Err(Error::NotFound.into()),
        Deleted::Conflict(stored) => {
            row_with_message(
                req,
                &stored,
                flash(
                    FlashKind::Error,
                    "Someone else changed this row meanwhile, so it was not deleted. These are its current values.",
                ),
                StatusCode::CONFLICT,
                plain,
            )
            .await
        }
        Deleted::Refused(message) => {
            row_with_message(req, &current, flash(FlashKind::Error, message), StatusCode::CONFLICT, plain).await
        }
    }
}

/// The redirect after a plain form's delete: the page it returns to shows `offer` in the
/// table's message area (the one-shot flash cookie carries it).
fn see_other_deleted(req: &TableRequest, back: &str, offer: UndoOffer) -> Response {
    let mut response = see_other(back, None, req.secure());
    let notice = DeletedNotice {
        slug: req.def.slug.to_owned(),
        message: offer.message,
        undo: offer.token,
    };
    cookies::set(&mut response, cookies::FLASH, &notice.code(), req.secure());
    response
}

/// `POST /admin/E/undo` (`token`): puts back what a delete just removed, or says why not.
pub async fn undo(req: &TableRequest) -> Result<Response> {
    let token = req
        .form
        .one("token")?
        .and_then(|t| t.trim().parse::<i64>().ok())
        .filter(|t| *t > 0)
        .ok_or_else(|| Error::BadRequest("token names the delete to undo".into()))?;
    let back = req.return_to();
    let (ok, message, status) = match crud::undo(req.db(), req.def, token, req.actor()).await? {
        Undone::Restored(records) => {
            for record in &records {
                tracing::info!(entity = req.def.slug, id = record.id, "delete undone");
            }
            let message = match records.as_slice() {
                [record] => [
                    "Restored ",
                    req.def.singular,
                    " “",
                    &record.label,
                    "” with everything deleted along with it.",
                ]
                .concat(),
                all => [
                    "Restored ",
                    &all.len().to_string(),
                    " rows with everything deleted along with them.",
                ]
                .concat(),
            };
            (true, message, StatusCode::OK)
        }
        Undone::Expired => (
            false,
            "Too late to undo that delete.".to_owned(),
            StatusCode::CONFLICT,
        ),
        Undone::Blocked(why) => (false, why, StatusCode::CONFLICT),
    };
    if !req.is_htmx() && ok {
        return Ok(see_other(&back, None, req.secure()));
    }
    table_with_message(req, &back, (ok, message), status).await
}

/// The `selected` rows, named `id:version`.
fn selected_rows(req: &TableRequest) -> Result<Vec<(i64, i64)>> {
    let mut items = Vec::new();
    for value in req.form.all("selected") {
        let parsed = value
            .split_once(':')
            .and_then(|(id, version)| {
                Some((
                    id.trim().parse::<i64>().ok()?,
                    version.trim().parse::<i64>().ok()?,
                ))
            })
            .filter(|(id, version)| *id > 0 && *version > 0);
        match parsed {
            Some(item) => items.push(item),
            None => {
                return Err(
                    Error::BadRequest("selected rows are named as id:version".into()).into(),
                )
            }
        }
    }
    if items.len() > 500 {
        return Err(Error::BadRequest("at most 500 rows at once".into()).into());
    }
    Ok(items)
}

/// `POST /admin/E/bulk-delete`.
pub async fn bulk_delete(req: &TableRequest) -> Result<Response> {
    let items = selected_rows(req)?;
    let back = req.return_to();
    let plain = !req.is_htmx();
    if items.is_empty() {
        return table_with_message(
            req,
            &back,
            (false, "Select the rows to delete first.".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if plain && req.form.one("confirm")? != Some("yes") {
        let mut labels = Vec::new();
        for (id, _) in &items {
            if let Some(record) = crud::find(req.db(), req.def, *id).await? {
                labels.push(record.label);
            }
        }
        let mut fields: Vec<(&'static str, String)> = items
            .iter()
            .map(|(id, version)| ("selected", [id.to_string(), version.to_string()].join(":")))
            .collect();
        fields.push(("_return", back.clone()));
        let confirm = Confirm {
            title: [
                "Delete ",
                &items.len().to_string(),
                " ",
                &req.def.plural.to_lowercase(),
                "?",
            ]
            .concat(),
            items: labels,
            note: req.def.delete_note,
            action: req.paths().bulk_delete.to_owned(),
            fields,
            cancel: back,
        };
        return Ok(
            views::admin::record::confirm_page(&req.ctx.page(), &nav(), &confirm).into_response(),
        );
    }
    match crud::delete_many(req.db(), req.def, &items, req.actor()).await? {
        Ok((n, undo)) => {
            tracing::info!(entity = req.def.slug, rows = n, "bulk delete");
            // What went, with one Undo for all of it (none for accounts).
            let offer = UndoOffer {
                message: [
                    "Deleted ",
                    &n.to_string(),
                    if n == 1 { " row." } else { " rows." },
                ]
                .concat(),
                token: undo,
            };
            if plain {
                return Ok(see_other_deleted(req, &back, offer));
            }
            table_answer(req, &back, TableNote::Undo(offer), StatusCode::OK).await
        }
        Err((id, reason)) => {
            let why = match reason {
                Deleted::NotFound => "it no longer exists".to_owned(),
                Deleted::Conflict(_) => "someone else changed it meanwhile".to_owned(),
                Deleted::Refused(message) => message,
                Deleted::Done => String::new(),
            };
            let message = [
                "Nothing was deleted: row #",
                &id.to_string(),
                " cannot go (",
                &why,
                ").",
            ]
            .concat();
            if plain {
                let markup = views::admin::record::confirm_page(
                    &req.ctx.page(),
                    &nav(),
                    &Confirm {
                        title: "Nothing was deleted".into(),
                        items: vec![message],
                        note: "",
                        action: back.clone(),
                        fields: Vec::new(),
                        cancel: back,
                    },
                );
                return Ok(with_status(markup, StatusCode::CONFLICT));
            }
            table_with_message(req, &back, (false, message), StatusCode::CONFLICT).await
        }
    }
}
