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
use crate::admin::values::Value;
use crate::auth::accounts::normalize_email;
use crate::auth::Role;
use crate::error::Error;
use crate::web::errors::Result;
use crate::web::reauth;

mod accounts;
mod create;
mod delete;
mod events;
mod export;
mod history;
mod import;
mod links;
mod list;
mod presence;
mod present;
mod request;
mod show;
mod update;

pub(super) use present::readable_dates;
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
    Events,
    /// POST: this session edits the row (`editing=1`) or stopped (`editing=0`).
    Presence,
    Import,
    ImportConfirm,
    ImportCancel,
    /// POST: undo a delete just made.
    Undo,
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
            (Method::GET, paths.events, at(Op::Events)),
            (Method::POST, paths.presence, at(Op::Presence)),
            (Method::GET, paths.csv, at(Op::Export)),
            (Method::GET, paths.history, at(Op::History)),
        ]);
        if def.role().is_none() {
            routes.push((Method::POST, paths.undo, at(Op::Undo)));
        }
        // Account tables import too, within the rules their forms keep (`import::check`).
        routes.push((Method::POST, paths.import, at(Op::Import)));
        routes.push((Method::POST, paths.import_confirm, at(Op::ImportConfirm)));
        routes.push((Method::POST, paths.import_cancel, at(Op::ImportCancel)));
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
        let table = TableRequest::read(self.def, &mut req).await?;
        if self.op == Op::Import {
            // The one multipart route of the tables: the file, read after access was checked.
            let file = import::read_upload(&mut req).await?;
            if file.len() > crate::admin::import::MAX_FILE_BYTES {
                return Err(poem::Error::from_status(
                    poem::http::StatusCode::PAYLOAD_TOO_LARGE,
                ));
            }
            return Ok(import::preview(&table, &file).await?);
        }
        Ok(dispatch(&table, self.op).await?)
    }
}

async fn dispatch(req: &TableRequest, op: Op) -> Result<Response> {
    if needs_recent_password(req, op).await? {
        let mut form = req.form.clone();
        if op == Op::Update {
            // The prompt is a plain form: it repeats a PUT as a POST with `_method`.
            form.0.push(("_method".to_owned(), "PUT".to_owned()));
        }
        if let Some(refusal) =
            reauth::require_recent_password(&req.state, &req.ctx, &req.user, &form, &req.ctx.path)
                .await?
        {
            return Ok(refusal);
        }
    }
    match op {
        Op::List => list::list(req).await,
        Op::Options => list::options(req).await,
        Op::Events => events::stream(req).await,
        Op::Presence => presence::presence(req).await,
        Op::Import => Err(Error::BadRequest("an import needs its file".into()).into()),
        Op::ImportConfirm => import::confirm(req).await,
        Op::ImportCancel => import::cancel(req).await,
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
        Op::Undo => delete::undo(req).await,
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

/// Whether `op` is one of the staff actions that take over or lock out someone: creating or
/// disabling an employee, changing an account's e-mail address (where reset links go).
async fn needs_recent_password(req: &TableRequest, op: Op) -> Result<bool> {
    let Some(role) = req.def.role() else {
        return Ok(false);
    };
    Ok(match op {
        Op::Create | Op::Disable => role == Role::Employee,
        Op::Update => email_changes(req).await?,
        Op::RowPost => {
            req.method_override()?.as_deref() == Some("PUT") && email_changes(req).await?
        }
        _ => false,
    })
}

async fn email_changes(req: &TableRequest) -> Result<bool> {
    let Some(typed) = req.form.one("email")? else {
        return Ok(false);
    };
    let current = req.find(req.id()?).await?;
    let old = match current.value(req.def, "email") {
        Some(Value::Text(old)) => old.as_str(),
        _ => "",
    };
    Ok(normalize_email(typed) != normalize_email(old))
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
            assert!(has(Method::POST, def.paths.import), "{}", def.slug);
            assert_eq!(has(Method::POST, def.paths.links), !def.links.is_empty());
            assert_eq!(
                def.paths.slug, def.slug,
                "a description names its own paths"
            );
        }
    }
}
