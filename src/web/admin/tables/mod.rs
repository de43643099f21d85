//! The one set of handlers behind every staff table. Each described entity gets the same
//! routes, all for employees only: the table, a row, its edit form, create, update and
//! delete (with optimistic concurrency), bulk delete, the options of long select lists, the
//! table as CSV and a row's history;
//! tables of accounts add disable/enable, tables with link sets add their link routes.
//!
//! htmx requests get fragments (a row, the table); plain forms (JavaScript off) post with a
//! `_method` field and get pages and redirects. PUT and DELETE always answer with fragments.
//!
//! `request` reads a request once; `present` turns rows into view models (pure); one file per
//! operation holds its handler.

use poem::http::Method;
use poem::{Endpoint, Request, Response};

use crate::admin::entities;
use crate::admin::entity::EntityDef;
use crate::error::Error;
use crate::web::errors::Result;

mod accounts;
mod create;
mod delete;
mod export;
mod history;
mod links;
mod list;
mod present;
mod request;
mod show;
mod update;

use request::TableRequest;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    List,
    Create,
    Show,
    Edit,
    Update,
    Delete,
    /// POST to a row with `_method` = PUT or DELETE (forms without JavaScript).
    RowPost,
    BulkDelete,
    Options,
    Export,
    History,
    Disable,
    Enable,
    LinkAdd,
    LinkRemove,
    /// POST to a link with `_method=DELETE`.
    LinkPost,
}

pub struct TableEndpoint {
    def: &'static EntityDef,
    op: Op,
}

/// Every route of every described entity: (method, path, endpoint). What an entity's
/// description has (accounts, link sets) decides its extra routes.
pub fn endpoints() -> Vec<(Method, &'static str, TableEndpoint)> {
    let mut routes = Vec::new();
    for def in entities::ALL {
        let paths = def.paths;
        let at = |op| TableEndpoint { def, op };
        routes.extend([
            (Method::GET, paths.list, at(Op::List)),
            (Method::POST, paths.list, at(Op::Create)),
            (Method::GET, paths.row, at(Op::Show)),
            (Method::PUT, paths.row, at(Op::Update)),
            (Method::DELETE, paths.row, at(Op::Delete)),
            (Method::POST, paths.row, at(Op::RowPost)),
            (Method::GET, paths.edit, at(Op::Edit)),
            (Method::POST, paths.bulk_delete, at(Op::BulkDelete)),
            (Method::GET, paths.options, at(Op::Options)),
            (Method::GET, paths.csv, at(Op::Export)),
            (Method::GET, paths.history, at(Op::History)),
        ]);
        if def.role().is_some() {
            routes.push((Method::POST, paths.disable, at(Op::Disable)));
            routes.push((Method::POST, paths.enable, at(Op::Enable)));
        }
        if !def.links.is_empty() {
            routes.push((Method::POST, paths.links, at(Op::LinkAdd)));
            routes.push((Method::DELETE, paths.link, at(Op::LinkRemove)));
            routes.push((Method::POST, paths.link, at(Op::LinkPost)));
        }
    }
    routes
}

impl Endpoint for TableEndpoint {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let req = TableRequest::read(self.def, &mut req).await?;
        Ok(dispatch(&req, self.op).await?)
    }
}

async fn dispatch(req: &TableRequest, op: Op) -> Result<Response> {
    match op {
        Op::List => list::list(req).await,
        Op::Options => list::options(req).await,
        Op::Export => export::export(req).await,
        Op::History => history::history(req).await,
        Op::Create => create::create(req).await,
        Op::Show => show::show(req).await,
        Op::Edit => show::edit(req).await,
        Op::Update => update::update(req, true).await,
        Op::Delete => delete::delete(req, true).await,
        Op::RowPost => match req.method_override()?.as_deref() {
            Some("PUT") => update::update(req, false).await,
            Some("DELETE") => delete::delete(req, false).await,
            _ => Err(Error::BadRequest("_method must be PUT or DELETE".into()).into()),
        },
        Op::BulkDelete => delete::bulk_delete(req).await,
        Op::Disable => accounts::toggle(req, true).await,
        Op::Enable => accounts::toggle(req, false).await,
        Op::LinkAdd => links::add(req).await,
        Op::LinkRemove => links::remove(req).await,
        Op::LinkPost => match req.method_override()?.as_deref() {
            Some("DELETE") => links::remove(req).await,
            _ => Err(Error::BadRequest("_method must be DELETE".into()).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_its_routes_and_only_its_own_extras() {
        let routes = endpoints();
        for def in entities::ALL {
            let has = |method: Method, path: &str| {
                routes
                    .iter()
                    .any(|(m, p, e)| *m == method && *p == path && e.def.slug == def.slug)
            };
            assert!(has(Method::GET, def.paths.list), "{}", def.slug);
            assert!(has(Method::DELETE, def.paths.row), "{}", def.slug);
            assert!(has(Method::GET, def.paths.csv), "{}", def.slug);
            assert!(has(Method::GET, def.paths.history), "{}", def.slug);
            assert_eq!(has(Method::POST, def.paths.disable), def.role().is_some());
            assert_eq!(has(Method::POST, def.paths.links), !def.links.is_empty());
            assert_eq!(
                def.paths.slug, def.slug,
                "a description names its own paths"
            );
        }
    }
}
