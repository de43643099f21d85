//! People and links: disabling and enabling accounts, and the link panels of a series
//! (genres, languages, releases).

use poem::http::StatusCode;
use poem::Response;
use views::admin::record::{LinkItemView, LinkView};
use views::admin::table::SelectOption;
use views::paths;
use views::FlashKind;

use super::{flash, Table};
use crate::admin::crud;
use crate::admin::entity::{Column, Kind};
use crate::admin::links::{self, Linked};
use crate::admin::people::{self, Toggled};
use crate::admin::values;
use crate::error::{Error, Result};
use crate::web::common::staff_nav as nav;
use crate::web::common::{see_other, with_status};

impl Table {
    pub(super) async fn toggle(&self, id: i64, disable: bool) -> Result<Response> {
        let outcome = people::set_disabled(self.db(), self.def, id, disable, self.actor()).await?;
        let (record, message, status) = match outcome {
            Toggled::Done(record) => {
                tracing::info!(entity = self.def.slug, id, disable, "account toggled");
                let message = if disable {
                    "Disabled: their sessions have ended."
                } else {
                    "Enabled: they can sign in again."
                };
                (
                    record,
                    (FlashKind::Success, message.to_owned()),
                    StatusCode::OK,
                )
            }
            Toggled::Unchanged(record) => {
                let message = if disable {
                    "Already disabled."
                } else {
                    "Already enabled."
                };
                (
                    record,
                    (FlashKind::Info, message.to_owned()),
                    StatusCode::OK,
                )
            }
            Toggled::Refused(message, record) => {
                (record, (FlashKind::Error, message), StatusCode::CONFLICT)
            }
            Toggled::NotFound => return Err(Error::NotFound),
        };
        if !self.is_htmx() && status == StatusCode::OK {
            return Ok(see_other(&self.return_to(), None, self.secure()));
        }
        let mut row = self.shown_row(&record).await?;
        row.message = flash(message.0, message.1);
        let meta = self.meta(self.def, false, false).await?;
        if !self.is_htmx() {
            let markup =
                views::admin::record::record_page(&self.ctx.page(), &nav(), &meta, &row, None, &[]);
            return Ok(with_status(markup, status));
        }
        Ok(with_status(
            views::admin::row::display_row(&meta, &row),
            status,
        ))
    }

    // ---- links (a series' genres, languages and releases) --------------------------------

    pub(super) async fn links_panel(
        &self,
        owner_id: i64,
        error: Option<(&str, String)>,
    ) -> Result<maud::Markup> {
        let mut views_ = Vec::with_capacity(self.def.links.len());
        for link in self.def.links {
            let items = links::items(self.db(), link, owner_id).await?;
            let choices = crud::options(self.db(), link.target, "", 1000)
                .await?
                .into_iter()
                .filter(|o| link.date.is_some() || !items.iter().any(|i| i.target_id == o.id))
                .map(|o| SelectOption {
                    value: o.id,
                    label: o.label,
                })
                .collect();
            views_.push(LinkView {
                name: link.name,
                label: link.label,
                items: items
                    .into_iter()
                    .map(|i| LinkItemView {
                        target_id: i.target_id,
                        label: i.label,
                        date: i.date,
                    })
                    .collect(),
                choices,
                date_field: link.date.map(|(_, name)| name),
                error: error
                    .as_ref()
                    .filter(|(name, _)| *name == link.name)
                    .map(|(_, message)| message.clone()),
            });
        }
        Ok(views::admin::record::links_panel(
            &self.ctx.csrf_token,
            self.def.slug,
            owner_id,
            &views_,
        ))
    }

    pub(super) async fn link_answer(
        &self,
        owner_id: i64,
        error: Option<(&str, String)>,
    ) -> Result<Response> {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        if !self.is_htmx() && error.is_none() {
            return Ok(see_other(
                &paths::admin_row(self.def.slug, owner_id),
                None,
                self.secure(),
            ));
        }
        Ok(with_status(
            self.links_panel(owner_id, error).await?,
            status,
        ))
    }

    pub(super) async fn link_add(&self, owner_id: i64, name: Option<&str>) -> Result<Response> {
        let link = name.and_then(|n| self.def.link(n)).ok_or(Error::NotFound)?;
        let target_id = match self
            .form
            .one("target_id")?
            .map(str::trim)
            .map(str::parse::<i64>)
        {
            Some(Ok(id)) if id > 0 => id,
            _ => {
                return self
                    .link_answer(
                        owner_id,
                        Some((link.name, "Choose one from the list.".into())),
                    )
                    .await
            }
        };
        let date = match link.date {
            None => None,
            Some((col, field)) => {
                let column = Column::of(field, col, "Date", Kind::Date);
                match values::parse(&column, self.form.one(field)?) {
                    Ok(value) => value.as_date(),
                    Err(message) => {
                        return self.link_answer(owner_id, Some((link.name, message))).await
                    }
                }
            }
        };
        match links::add(
            self.db(),
            self.def,
            link,
            owner_id,
            target_id,
            date,
            self.actor(),
        )
        .await?
        {
            Linked::Done | Linked::Unchanged => {
                self.state.catalog_changed();
                self.link_answer(owner_id, None).await
            }
            Linked::TargetNotFound => {
                self.link_answer(
                    owner_id,
                    Some((link.name, "That choice does not exist (any more).".into())),
                )
                .await
            }
            Linked::OwnerNotFound => Err(Error::NotFound),
        }
    }

    pub(super) async fn link_remove(
        &self,
        owner_id: i64,
        name: Option<&str>,
        target: Option<i64>,
    ) -> Result<Response> {
        let link = name.and_then(|n| self.def.link(n)).ok_or(Error::NotFound)?;
        let target = target.ok_or(Error::NotFound)?;
        match links::remove(self.db(), self.def, link, owner_id, target, self.actor()).await? {
            Linked::Done | Linked::Unchanged => {
                self.state.catalog_changed();
                self.link_answer(owner_id, None).await
            }
            Linked::OwnerNotFound | Linked::TargetNotFound => Err(Error::NotFound),
        }
    }
}
