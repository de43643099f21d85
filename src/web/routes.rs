//! The route table: every route the application serves, with who may use it. The router is
//! built from this table and the access-matrix test walks it, so a route cannot exist without
//! an access rule.

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::{EndpointExt, IntoEndpoint, Response};
use views::paths;

use super::access::Access;
use super::{account, admin, analytics, assets, auth, catalog, feedback, health, posters, reset};

/// One row of the route table.
pub struct RouteDef {
    pub method: Method,
    /// Poem's path syntax (`:id`), as in [`views::paths`].
    pub path: &'static str,
    pub access: Access,
    pub(super) endpoint: BoxEndpoint<'static, Response>,
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
    use Access::{Anyone, Customer, Employee, SignedIn};
    let mut table = vec![
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
        route(Method::GET, paths::HEALTHZ, Anyone, health::healthz),
        route(Method::GET, paths::ASSETS, Anyone, assets::serve),
        route(
            Method::GET,
            paths::LOGIN_2FA,
            Anyone,
            auth::second_factor_form,
        ),
        route(Method::POST, paths::LOGIN_2FA, Anyone, auth::second_factor),
        // One's own account serves customers and employees alike; only deletion is the
        // customers' (staff accounts are disabled by other staff instead).
        route(Method::GET, paths::MEDIA, Anyone, posters::media),
        route(Method::GET, paths::ACCOUNT, SignedIn, account::show),
        route(
            Method::POST,
            paths::ACCOUNT,
            SignedIn,
            account::update_profile,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_EMAIL,
            SignedIn,
            account::change_email,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_PASSWORD,
            SignedIn,
            account::change_password,
        ),
        route(
            Method::GET,
            paths::ACCOUNT_2FA,
            SignedIn,
            account::two_factor_page,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_2FA,
            SignedIn,
            account::two_factor_confirm,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_2FA_DISABLE,
            SignedIn,
            account::two_factor_disable,
        ),
        route(
            Method::POST,
            paths::ACCOUNT_DELETE,
            Customer,
            account::delete,
        ),
        route(Method::GET, paths::ADMIN, Employee, admin::dashboard),
        // Reviews; the POST …/delete routes are the forms' no-JavaScript fallbacks.
        route(
            Method::POST,
            paths::SERIES_FEEDBACK,
            Customer,
            feedback::save,
        ),
        route(
            Method::DELETE,
            paths::SERIES_FEEDBACK,
            Customer,
            feedback::remove,
        ),
        route(
            Method::POST,
            paths::SERIES_FEEDBACK_DELETE,
            Customer,
            feedback::remove,
        ),
        route(
            Method::DELETE,
            paths::ADMIN_FEEDBACK,
            Employee,
            feedback::staff_remove,
        ),
        route(
            Method::POST,
            paths::ADMIN_FEEDBACK_DELETE,
            Employee,
            feedback::staff_remove,
        ),
    ];
    table.push(route(
        Method::POST,
        paths::ADMIN_EMPLOYEE_2FA_RESET,
        Employee,
        admin::two_factor::reset,
    ));
    // ---- Posters; the POST …/delete route is the form's no-JavaScript fallback ----
    table.extend([
        route(
            Method::POST,
            paths::ADMIN_SERIES_POSTER,
            Employee,
            posters::upload,
        ),
        route(
            Method::DELETE,
            paths::ADMIN_SERIES_POSTER,
            Employee,
            posters::remove,
        ),
        route(
            Method::POST,
            paths::ADMIN_SERIES_POSTER_DELETE,
            Employee,
            posters::remove,
        ),
    ]);
    // ---- Staff tables: the audit log, then every described entity's generated routes ----
    table.push(route(
        Method::GET,
        paths::ADMIN_AUDIT,
        Employee,
        admin::audit_log,
    ));
    table.push(route(
        Method::GET,
        paths::ADMIN_REVIEWS,
        Employee,
        admin::reviews::reviews,
    ));
    // ---- Analytics: the dashboard, results, reports, refresh and CSVs ----
    table.extend([
        route(
            Method::GET,
            paths::ADMIN_ANALYTICS,
            Employee,
            analytics::dashboard,
        ),
        route(
            Method::POST,
            paths::ADMIN_ANALYTICS_REFRESH,
            Employee,
            analytics::refresh,
        ),
        route(
            Method::GET,
            paths::ADMIN_ANALYTICS_STATUS,
            Employee,
            analytics::refresh_status,
        ),
        route(
            Method::GET,
            paths::ADMIN_ANALYTICS_RESULT,
            Employee,
            analytics::result,
        ),
        route(
            Method::GET,
            paths::ADMIN_REPORT,
            Employee,
            analytics::report,
        ),
    ]);
    for (method, path, endpoint) in admin::tables::endpoints() {
        table.push(route(method, path, Employee, endpoint));
    }
    table
}

/// (method, path, access) for every route: what tests and docs need, without the handlers.
pub fn route_table() -> Vec<(Method, &'static str, Access)> {
    routes()
        .into_iter()
        .map(|r| (r.method, r.path, r.access))
        .collect()
}
