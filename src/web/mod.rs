//! The HTTP side: the route table (`routes`), the state handlers share (`state`), the
//! middleware every request passes through (`middleware`), and one handler file per area.
//! Handlers parse the request, call the domain modules and render `views`; they hold no SQL.

pub mod access;
pub mod account;
pub mod admin;
pub mod analytics;
pub mod assets;
pub mod auth;
pub mod catalog;
pub mod common;
pub mod cookies;
pub mod errors;
pub mod feedback;
pub mod form;
pub mod health;
pub mod middleware;
pub mod password_check;
pub mod poster_panel;
pub mod posters;
pub mod rate_limit;
pub mod reauth;
pub mod reset;
pub mod routes;
pub mod series_page;
pub mod state;

use poem::{Endpoint, EndpointExt, Response, Route, RouteMethod};

pub use routes::{route_table, routes, RouteDef};
pub use state::{AppState, State};

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
    middleware::Compress::new(middleware::WithContext::new(router, state.clone()))
        .data(state)
        .data(analytics::DashboardViews::default())
}
