//! Sets of rows attached to a row through a link table: a series' genres, subtitle and
//! dubbing languages, and the countries it is released in (with a date). Adding and removing
//! are separate operations, so two staff changing the same set never undo each other; each
//! change is audited on the owning row.

use chrono::NaiveDate;
use sea_query::{Expr, Order, Query};

use super::crud::{self, Actor};
use super::entity::{EntityDef, Link};
use crate::audit::{Action, FieldChange};
use crate::db::dynrow::{DynRow, Raw};
use crate::db::schema::AdminAlias;
use crate::db::{Db, Tx};
use crate::error::Result;

#[derive(Clone, Debug, PartialEq)]
pub struct LinkItem {
    pub target_id: i64,
    pub label: String,
    pub date: Option<NaiveDate>,
}

fn items_query(link: &Link, owner_id: i64) -> sea_query::SelectStatement {
    let target = link.target;
    let mut select = Query::select();
    select
        .expr_as(Expr::col((link.table, link.target_col)), AdminAlias::Id)
        .expr_as(
            sea_query::SimpleExpr::SubQuery(
                None,
                Box::new(sea_query::SubQueryStatement::SelectStatement(
                    Query::select()
                        .expr((target.label)())
                        .from(target.table)
                        .and_where(
                            Expr::col((target.table, target.id))
                                .equals((link.table, link.target_col)),
                        )
                        .to_owned(),
                )),
            ),
            AdminAlias::Label,
        );
    if let Some((date, _)) = link.date {
        select.expr(Expr::col((link.table, date)));
    }
    select
        .from(link.table)
        .and_where(Expr::col((link.table, link.owner)).eq(owner_id))
        .order_by(AdminAlias::Label, Order::Asc)
        .to_owned()
}

fn decode(rows: Vec<DynRow>) -> Vec<LinkItem> {
    rows.into_iter()
        .filter_map(|row| {
            let mut raws = row.0.into_iter();
            let Some(Raw::Int(target_id)) = raws.next() else {
                return None;
            };
            let label = match raws.next() {
                Some(Raw::Text(label)) => label,
                _ => ["#", &target_id.to_string()].concat(),
            };
            let date = match raws.next() {
                Some(Raw::Date(date)) => Some(date),
                Some(Raw::Text(text)) => NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok(),
                _ => None,
            };
            Some(LinkItem {
                target_id,
                label,
                date,
            })
        })
        .collect()
}

pub async fn items(db: &Db, link: &Link, owner_id: i64) -> Result<Vec<LinkItem>> {
    Ok(decode(db.fetch_all(&items_query(link, owner_id)).await?))
}

async fn items_in(tx: &mut Tx, link: &Link, owner_id: i64) -> Result<Vec<LinkItem>> {
    Ok(decode(tx.fetch_all(&items_query(link, owner_id)).await?))
}

fn describe(item: &LinkItem) -> String {
    let mut text = [item.label.as_str(), " (#", &item.target_id.to_string(), ")"].concat();
    if let Some(date) = item.date {
        text.push(' ');
        text.push_str(&date.format("%Y-%m-%d").to_string());
    }
    text
}

pub enum Linked {
    Done,
    /// It was already there with that date.
    Unchanged,
    OwnerNotFound,
    TargetNotFound,
}

/// Adds `target_id` to the owner's set (for dated links, sets its date when already there).
pub async fn add(
    db: &Db,
    owner: &'static EntityDef,
    link: &'static Link,
    owner_id: i64,
    target_id: i64,
    date: Option<NaiveDate>,
    actor: Actor,
) -> Result<Linked> {
    if crud::label(db, link.target, target_id).await?.is_none() {
        return Ok(Linked::TargetNotFound);
    }
    db.transaction("link to a series", |tx| {
        Box::pin(async move {
            if crud::lock_row(tx, owner, owner_id).await?.is_none() {
                return Ok(Linked::OwnerNotFound);
            }
            let current = items_in(tx, link, owner_id).await?;
            let before = current.iter().find(|i| i.target_id == target_id).cloned();
            match (&before, link.date) {
                (Some(item), Some(_)) if item.date == date => return Ok(Linked::Unchanged),
                (Some(_), None) => return Ok(Linked::Unchanged),
                (Some(_), Some((date_col, _))) => {
                    let update = Query::update()
                        .table(link.table)
                        .value(date_col, date)
                        .and_where(Expr::col(link.owner).eq(owner_id))
                        .and_where(Expr::col(link.target_col).eq(target_id))
                        .to_owned();
                    tx.execute(&update).await?;
                }
                (None, _) => {
                    let mut insert = Query::insert();
                    insert.into_table(link.table);
                    match link.date {
                        Some((date_col, _)) => insert
                            .columns([link.owner, link.target_col, date_col])
                            .values_panic([owner_id.into(), target_id.into(), date.into()]),
                        None => insert
                            .columns([link.owner, link.target_col])
                            .values_panic([owner_id.into(), target_id.into()]),
                    };
                    tx.execute(&insert).await?;
                }
            }
            let after = items_in(tx, link, owner_id)
                .await?
                .into_iter()
                .find(|i| i.target_id == target_id);
            let change = FieldChange {
                field: link.name.to_owned(),
                before: before.as_ref().map(describe),
                after: after.as_ref().map(describe),
            };
            crud::audit_change(tx, owner, actor, Action::Update, owner_id, vec![change]).await?;
            crud::touch(tx, owner);
            // Links are a series' genres, languages and releases: its page lists them.
            tx.series_page_stale(owner_id);
            Ok(Linked::Done)
        })
    })
    .await
}

/// Removes `target_id` from the owner's set; `Unchanged` when it was not there.
pub async fn remove(
    db: &Db,
    owner: &'static EntityDef,
    link: &'static Link,
    owner_id: i64,
    target_id: i64,
    actor: Actor,
) -> Result<Linked> {
    db.transaction("unlink from a series", |tx| {
        Box::pin(async move {
            if crud::lock_row(tx, owner, owner_id).await?.is_none() {
                return Ok(Linked::OwnerNotFound);
            }
            let before = items_in(tx, link, owner_id)
                .await?
                .into_iter()
                .find(|i| i.target_id == target_id);
            let Some(before) = before else {
                return Ok(Linked::Unchanged);
            };
            let delete = Query::delete()
                .from_table(link.table)
                .and_where(Expr::col(link.owner).eq(owner_id))
                .and_where(Expr::col(link.target_col).eq(target_id))
                .to_owned();
            tx.execute(&delete).await?;
            let change = FieldChange {
                field: link.name.to_owned(),
                before: Some(describe(&before)),
                after: None,
            };
            crud::audit_change(tx, owner, actor, Action::Update, owner_id, vec![change]).await?;
            crud::touch(tx, owner);
            // Links are a series' genres, languages and releases: its page lists them.
            tx.series_page_stale(owner_id);
            Ok(Linked::Done)
        })
    })
    .await
}
