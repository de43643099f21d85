//! Writing through a staff table: create, update, delete one row or many, each answered with
//! the row, the form with its messages (422), or the current values (409).

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use views::admin::record::Confirm;
use views::admin::row::Mode;
use views::paths;
use views::FlashKind;

use super::{blank_row, flash, Table};
use crate::admin::crud::{self, Deleted, FormData, Record, Saved};
use crate::admin::entity::{Edit, Kind};
use crate::admin::people;
use crate::admin::values::Value;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use crate::web::common::staff_nav as nav;
use crate::web::common::{see_other, with_status};

impl Table {
    pub(super) async fn create(&self) -> Result<Response> {
        let parsed = crud::parse_form(self.def, &self.form, None)?;
        let mut errors = parsed.errors;
        let password = if self.def.role().is_some() {
            people::check_password(&self.form, &mut errors)?
        } else {
            None
        };
        crud::check_with_db(self.db(), self.def, &parsed.values, None, &mut errors).await?;
        if !errors.is_empty() {
            return self.new_row_invalid(&parsed.typed, &errors).await;
        }
        let secret = match password {
            Some(password) => Some(people::secret(&password).await?),
            None => None,
        };
        match crud::create(self.db(), self.def, parsed.values, secret, self.actor()).await? {
            Saved::Done(record) => {
                self.state.catalog_changed();
                tracing::info!(entity = self.def.slug, id = record.id, "created");
                if !self.is_htmx() {
                    // Back to the table the form was on; a script without one gets the row.
                    let back = if self.form.has("_return") {
                        self.return_to()
                    } else {
                        paths::admin_row(self.def.slug, record.id)
                    };
                    return Ok(see_other(&back, None, self.secure()));
                }
                let meta = self.meta(self.def, true, false).await?;
                let mut row = self.shown_row(&record).await?;
                row.highlight = true;
                row.message = flash(FlashKind::Success, "Created.");
                // The next new row keeps the filter columns just used (the same series…).
                let presets: Vec<(usize, Value)> = self
                    .def
                    .filters
                    .iter()
                    .filter_map(|name| self.def.column(name))
                    .filter(|(_, c)| matches!(c.kind, Kind::Ref(_)))
                    .filter_map(|(i, _)| record.values.get(i).map(|v| (i, v.clone())))
                    .collect();
                let names = presets
                    .iter()
                    .filter_map(|(i, _)| row.cells.get(*i).map(|c| (*i, c.display.clone())))
                    .collect();
                let blank = blank_row(self.def, &presets, &names);
                let mut meta = meta;
                Self::keep_choices(&mut meta, &blank);
                Ok(maud::html! {
                    (views::admin::row::new_row(&meta, &blank))
                    (views::admin::row::display_row(&meta, &row))
                }
                .into_response())
            }
            Saved::Invalid(errors) => self.new_row_invalid(&parsed.typed, &errors).await,
            Saved::Conflict(_) | Saved::NotFound => Err(Error::internal("create found a row")),
        }
    }

    pub(super) fn secure(&self) -> bool {
        self.state.config.secure_cookies()
    }

    pub(super) async fn new_row_invalid(
        &self,
        typed: &[Option<String>],
        errors: &FieldErrors,
    ) -> Result<Response> {
        let row = self.with_typed(blank_row(self.def, &[], &HashMap::new()), typed, errors);
        let mut meta = self.meta(self.def, true, false).await?;
        Self::keep_choices(&mut meta, &row);
        let markup = if self.is_htmx() {
            views::admin::row::new_row(&meta, &row)
        } else {
            views::admin::record::form_page(&self.ctx.page(), &nav(), &meta, &row, Mode::Create)
        };
        Ok(with_status(markup, StatusCode::UNPROCESSABLE_ENTITY))
    }

    /// PUT (`fragment`: always answer with the row) or the plain form's POST.
    pub(super) async fn update(&self, id: i64, fragment: bool) -> Result<Response> {
        let current = self.find(id).await?;
        let version = match crud::form_version(&self.form)? {
            Ok(version) => version,
            Err(message) => {
                let mut errors = FieldErrors::new();
                errors.add("version", message);
                let row = self.with_typed(self.shown_row(&current).await?, &[], &errors);
                return self.edit_form(row, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        };
        let parsed = crud::parse_form(self.def, &self.form, Some(&current))?;
        let mut errors = parsed.errors;
        crud::check_with_db(self.db(), self.def, &parsed.values, Some(id), &mut errors).await?;
        if !errors.is_empty() {
            let row = self.with_typed(self.shown_row(&current).await?, &parsed.typed, &errors);
            return self.edit_form(row, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        match crud::update(
            self.db(),
            self.def,
            id,
            version,
            parsed.values,
            self.actor(),
        )
        .await?
        {
            Saved::Done(record) => {
                self.state.catalog_changed();
                tracing::info!(entity = self.def.slug, id, "updated");
                if !fragment && !self.is_htmx() {
                    return Ok(see_other(&self.return_to(), None, self.secure()));
                }
                let meta = self.meta(self.def, false, false).await?;
                let mut row = self.shown_row(&record).await?;
                row.highlight = true;
                row.message = flash(FlashKind::Success, "Saved.");
                Ok(views::admin::row::display_row(&meta, &row).into_response())
            }
            Saved::Conflict(stored) => {
                tracing::info!(entity = self.def.slug, id, "edit conflict");
                let mut row = self.shown_row(&stored).await?;
                for ((column, cell), typed) in self
                    .def
                    .columns
                    .iter()
                    .zip(row.cells.iter_mut())
                    .zip(&parsed.typed)
                {
                    if let Some(typed) = typed.as_deref().filter(|t| t.trim() != cell.value) {
                        if column.edit == Edit::Always {
                            cell.note = Some(["You typed: ", typed].concat());
                        }
                    }
                }
                row.message = flash(
                    FlashKind::Error,
                    "Someone else changed this row while you were editing. These are the current values (yours are noted beside each field): check them and save again.",
                );
                let status = StatusCode::CONFLICT;
                if fragment || self.is_htmx() {
                    let mut meta = self.meta(self.def, true, false).await?;
                    Self::keep_choices(&mut meta, &row);
                    return Ok(with_status(
                        views::admin::row::edit_row(&meta, &row),
                        status,
                    ));
                }
                self.edit_form(row, status).await
            }
            Saved::Invalid(errors) => {
                let row = self.with_typed(self.shown_row(&current).await?, &parsed.typed, &errors);
                self.edit_form(row, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Saved::NotFound => Err(Error::NotFound),
        }
    }

    /// DELETE (`fragment`: answer with the row, or nothing once it is gone) or the plain
    /// form's POST, which asks for confirmation first.
    pub(super) async fn delete(&self, id: i64, fragment: bool) -> Result<Response> {
        let current = self.find(id).await?;
        let plain = !fragment && !self.is_htmx();
        let version = match crud::form_version(&self.form)? {
            Ok(version) => version,
            Err(message) => {
                return self
                    .row_with_message(&current, message, StatusCode::UNPROCESSABLE_ENTITY, plain)
                    .await
            }
        };
        if plain && self.form.one("confirm")? != Some("yes") {
            let confirm = Confirm {
                title: ["Delete ", self.def.singular, "?"].concat(),
                items: vec![current.label.clone()],
                note: self.def.delete_note,
                action: paths::admin_row(self.def.slug, id),
                fields: vec![
                    ("_method", "DELETE".to_owned()),
                    ("version", version.to_string()),
                    ("_return", self.return_to()),
                ],
                cancel: self.return_to(),
            };
            return Ok(
                views::admin::record::confirm_page(&self.ctx.page(), &nav(), &confirm)
                    .into_response(),
            );
        }
        match crud::delete(self.db(), self.def, id, version, self.actor()).await? {
            Deleted::Done => {
                self.state.catalog_changed();
                tracing::info!(entity = self.def.slug, id, "deleted");
                if plain {
                    let back = self.return_to();
                    let back = if back.starts_with(&paths::admin_row(self.def.slug, id)) {
                        self.paths.list.to_owned()
                    } else {
                        back
                    };
                    return Ok(see_other(&back, None, self.secure()));
                }
                Ok(Response::builder().status(StatusCode::OK).body(""))
            }
            Deleted::NotFound => Err(Error::NotFound),
            Deleted::Conflict(stored) => {
                self.row_with_message(
                    &stored,
                    "Someone else changed this row meanwhile, so it was not deleted. These are its current values.".into(),
                    StatusCode::CONFLICT,
                    plain,
                )
                .await
            }
            Deleted::Refused(message) => {
                self.row_with_message(&current, message, StatusCode::CONFLICT, plain).await
            }
        }
    }

    /// The row as shown, with a message; a page of its own for plain forms.
    pub(super) async fn row_with_message(
        &self,
        record: &Record,
        message: String,
        status: StatusCode,
        page: bool,
    ) -> Result<Response> {
        let mut row = self.shown_row(record).await?;
        row.message = flash(FlashKind::Error, message);
        let mut meta = self.meta(self.def, false, false).await?;
        if page {
            meta.return_to = paths::admin_row(self.def.slug, record.id);
            let markup =
                views::admin::record::record_page(&self.ctx.page(), &nav(), &meta, &row, None, &[]);
            return Ok(with_status(markup, status));
        }
        Ok(with_status(
            views::admin::row::display_row(&meta, &row),
            status,
        ))
    }

    pub(super) async fn bulk_delete(&self) -> Result<Response> {
        let mut items = Vec::new();
        for value in self.form.all("selected") {
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
                    return Err(Error::BadRequest(
                        "selected rows are named as id:version".into(),
                    ))
                }
            }
        }
        if items.len() > 500 {
            return Err(Error::BadRequest("at most 500 rows at once".into()));
        }
        let back = self.return_to();
        let plain = !self.is_htmx();
        if items.is_empty() {
            return self
                .table_after_bulk(
                    &back,
                    (false, "Select the rows to delete first.".into()),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
        }
        if plain && self.form.one("confirm")? != Some("yes") {
            let mut labels = Vec::new();
            for (id, _) in &items {
                if let Some(record) = crud::find(self.db(), self.def, *id).await? {
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
                    &self.def.plural.to_lowercase(),
                    "?",
                ]
                .concat(),
                items: labels,
                note: self.def.delete_note,
                action: self.paths.bulk_delete.to_owned(),
                fields,
                cancel: back,
            };
            return Ok(
                views::admin::record::confirm_page(&self.ctx.page(), &nav(), &confirm)
                    .into_response(),
            );
        }
        match crud::delete_many(self.db(), self.def, &items, self.actor()).await? {
            Ok(n) => {
                self.state.catalog_changed();
                tracing::info!(entity = self.def.slug, rows = n, "bulk delete");
                if plain {
                    return Ok(see_other(&back, None, self.secure()));
                }
                let message = [
                    "Deleted ",
                    &n.to_string(),
                    if n == 1 { " row." } else { " rows." },
                ]
                .concat();
                self.table_after_bulk(&back, (true, message), StatusCode::OK)
                    .await
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
                        &self.ctx.page(),
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
                self.table_after_bulk(&back, (false, message), StatusCode::CONFLICT)
                    .await
            }
        }
    }

    /// The table as the page showed it (its `_return` query), with a message.
    pub(super) async fn table_after_bulk(
        &self,
        back: &str,
        message: (bool, String),
        status: StatusCode,
    ) -> Result<Response> {
        let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let params = FormData(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        );
        let list = Self::list_query(self.def, &params)
            .or_else(|_| Self::list_query(self.def, &FormData::default()))?;
        let table = self
            .table_view(self.def, &list, false, Some(message))
            .await?;
        let markup = if self.is_htmx() {
            views::admin::table::table_section(&table)
        } else {
            views::admin::table::list_page(&self.ctx.page(), &nav(), &table)
        };
        Ok(with_status(markup, status))
    }
}
