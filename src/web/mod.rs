//! The HTTP side: shared state, the route table (one place, with each route's access rule),
//! and the middleware every request passes through.

pub mod access;
pub mod account;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod catalog;
pub mod context;
pub mod cookies;
pub mod errors;
pub mod rate_limit;
pub mod reset;

use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Response, Route, RouteMethod};
use views::paths;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::queue::Queue;
use access::Access;

/// Everything handlers share. Cheap to clone (an `Arc` inside).
pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub clock: Clock,
    pub base_url: url::Url,
    /// Key for deriving CSRF tokens from session ids; shared by every process via the database.
    pub csrf_key: Vec<u8>,
    pub limits: rate_limit::Limits,
    pub queue: Queue,
    pub caches: catalog::Caches,
}

pub type State = Arc<AppState>;

/// One row of the route table.
pub struct RouteDef {
    pub method: Method,
    /// Poem's path syntax (`:id`), as in [`views::paths`].
    pub path: &'static str,
    pub access: Access,
    endpoint: BoxEndpoint<'static, Response>,
}

fn route<E>(method: Method, path: &'static str, access: Access, endpoint: E) -> RouteDef
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    RouteDef {
        method,
        path,
        access,
        endpoint: endpoint.into_endpoint().map_to_response().boxed(),
    }
}

/// Every route the application serves, with who may use it. The router is built from this
/// table, and the access-matrix test walks it, so a route cannot exist without a rule.
pub fn routes() -> Vec<RouteDef> {
    use Access::{Anyone, Customer, Employee};
    vec![
        route(Method::GET, paths::HOME, Anyone, catalog::index),
        route(Method::GET, paths::SERIES, Anyone, catalog::show),
        route(Method::GET, paths::LOGIN, Anyone, auth::login_form),
        route(Method::POST, paths::LOGIN, Anyone, auth::login),
        route(Method::POST, paths::LOGOUT, Anyone, auth::logout),
        route(Method::GET, paths::REGISTER, Anyone, auth::register_form),
        route(Method::POST, paths::REGISTER, Anyone, auth::register),
        route(
            Method::GET,
            paths::FORGOT_PASSWORD,
            Anyone,
            reset::forgot_form,
        ),
        route(Method::POST, paths::FORGOT_PASSWORD, Anyone, reset::forgot),
        route(
            Method::GET,
            paths::RESET_PASSWORD,
            Anyone,
            reset::reset_form,
        ),
        route(Method::POST, paths::RESET_PASSWORD, Anyone, reset::reset),
        route(Method::GET, paths::HEALTHZ, Anyone, catalog::healthz),
        route(Method::GET, paths::ASSETS, Anyone, assets::serve),
        route(Method::GET, paths::ACCOUNT, Customer, account::show),
        route(
            Method::POST,
            paths::ACCOUNT,
            Customer,
            account::update_profile,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_PASSWORD,
            Customer,
            account::change_password,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_DELETE,
            Customer,
            account::delete,
        ),
        route(Method::GET, paths::ADMIN, Employee, admin::dashboard),
    ]
}

/// (method, path, access) for every route: what tests and docs need, without the handlers.
pub fn route_table() -> Vec<(Method, &'static str, Access)> {
    routes()
        .into_iter()
        .map(|r| (r.method, r.path, r.access))
        .collect()
}

/// The whole application as one endpoint.
pub fn app(state: State) -> impl Endpoint<Output = Response> {
    let mut router = Route::new();
    let mut by_path: Vec<(&'static str, RouteMethod)> = Vec::new();
    for def in routes() {
        let guarded = access::Guard::new(def.access, def.endpoint).boxed();
        match by_path.iter_mut().find(|(path, _)| *path == def.path) {
            Some((_, methods)) => {
                let taken = std::mem::take(methods);
                *methods = taken.method(def.method, guarded);
            }
            None => by_path.push((def.path, RouteMethod::new().method(def.method, guarded))),
        }
    }
    for (path, methods) in by_path {
        router = router.at(path, methods);
    }
    context::WithContext::new(router, state.clone()).data(state)
}
