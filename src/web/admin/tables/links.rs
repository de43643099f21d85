//! The link sets of a row's page (a series' genres, languages and releases): the panel, and
//! attaching (`POST …/{id}/links/{link}`) or detaching (`DELETE …/{link}/{target}`) a row.

use poem::http::StatusCode;
use poem::Response;
use views::admin::record::{LinkItemView, LinkView};
use views::admin::table::SelectOption;
use views::paths;

use super::request::TableRequest;
use crate::admin::crud;
use crate::admin::entity::{Column, ColumnKind};
use crate::admin::links::{self, Linked};
use crate::admin::values;
use crate::error::Error;
use crate::web::common::{see_other, with_status};
use crate::web::errors::Result;

pub async fn panel(
    req: &TableRequest,
    owner_id: i64,
    error: Option<(&str, String)>,
) -> Result<maud::Markup> {
    let mut views_ = Vec::with_capacity(req.def.links.len());
    for link in req.def.links {
        let items = links::items(req.db(), link, owner_id).await?;
        let choices = crud::options(req.db(), link.target, "", 1000)
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
        &req.ctx.csrf_token,
        req.def.slug,
        owner_id,
        &views_,
    ))
}

async fn answer(
    req: &TableRequest,
    owner_id: i64,
    error: Option<(&str, String)>,
) -> Result<Response> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if !req.is_htmx() && error.is_none() {
        return Ok(see_other(
            &paths::admin_row(req.def.slug, owner_id),
            None,
            req.secure(),
        ));
    }
    Ok(with_status(panel(req, owner_id, error).await?, status))
}

pub async fn add(req: &TableRequest) -> Result<Response> {
    let (owner_id, name) = (req.id()?, req.link.as_deref());
    let link = name.and_then(|n| req.def.link(n)).ok_or(Error::NotFound)?;
    let target_id = match req
        .form
        .one("target_id")?
        .map(str::trim)
        .map(str::parse::<i64>)
    {
        Some(Ok(id)) if id > 0 => id,
        _ => {
            return answer(
                req,
                owner_id,
                Some((link.name, "Choose one from the list.".into())),
            )
            .await
        }
    };
    let date = match link.date {
        None => None,
        Some((col, field)) => {
            let column = Column::of(field, col, "Date", ColumnKind::Date);
            match values::parse(&column, req.form.one(field)?) {
                Ok(value) => value.as_date(),
                Err(message) => return answer(req, owner_id, Some((link.name, message))).await,
            }
        }
    };
    match links::add(
        req.db(),
        req.def,
        link,
        owner_id,
        target_id,
        date,
        req.actor(),
    )
    .await?
    {
        Linked::Done | Linked::Unchanged => answer(req, owner_id, None).await,
        Linked::TargetNotFound => {
            answer(
                req,
                owner_id,
                Some((link.name, "That choice does not exist (any more).".into())),
            )
            .await
        }
        Linked::OwnerNotFound => Err(Error::NotFound.into()),
    }
}

pub async fn remove(req: &TableRequest) -> Result<Response> {
    let (owner_id, name, target) = (req.id()?, req.link.as_deref(), req.target);
    let link = name.and_then(|n| req.def.link(n)).ok_or(Error::NotFound)?;
    let target = target.ok_or(Error::NotFound)?;
    match links::remove(req.db(), req.def, link, owner_id, target, req.actor()).await? {
        Linked::Done | Linked::Unchanged => answer(req, owner_id, None).await,
        Linked::OwnerNotFound | Linked::TargetNotFound => Err(Error::NotFound.into()),
    }
}
