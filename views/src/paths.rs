//! Every route path, in one place: the router mounts these and the templates link to them.
//! Templates with a parameter use the helper functions below.

pub const HOME: &str = "/";
pub const SERIES: &str = "/series/:id";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const REGISTER: &str = "/register";
pub const FORGOT_PASSWORD: &str = "/forgot-password";
pub const RESET_PASSWORD: &str = "/reset-password/:token";
pub const HEALTHZ: &str = "/healthz";
pub const ASSETS: &str = "/assets/:file";
pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
pub const ACCOUNT_DELETE: &str = "/account/delete";
pub const ADMIN: &str = "/admin";

pub const HTMX_JS: &str = "/assets/htmx.min.js";
pub const APP_JS: &str = "/assets/app.js";
pub const APP_CSS: &str = "/assets/app.css";
pub const FAVICON: &str = "/assets/favicon.svg";

pub fn series(id: i64) -> String {
    ["/series/", &id.to_string()].concat()
}

pub fn reset_password(token: &str) -> String {
    ["/reset-password/", token].concat()
}

// Reviews (issue 9): the customer's own review, and staff removal. The `…/delete` POST
// routes are the no-JavaScript fallbacks of the DELETE routes.
pub const SERIES_FEEDBACK: &str = "/series/:id/feedback";
pub const SERIES_FEEDBACK_DELETE: &str = "/series/:id/feedback/delete";
pub const ADMIN_FEEDBACK: &str = "/admin/feedback/:series_id/:account_id";
pub const ADMIN_FEEDBACK_DELETE: &str = "/admin/feedback/:series_id/:account_id/delete";

pub fn series_feedback(series_id: i64) -> String {
    [series(series_id).as_str(), "/feedback"].concat()
}

pub fn series_feedback_delete(series_id: i64) -> String {
    [series(series_id).as_str(), "/feedback/delete"].concat()
}

pub fn admin_feedback(series_id: i64, account_id: i64) -> String {
    [
        "/admin/feedback/",
        &series_id.to_string(),
        "/",
        &account_id.to_string(),
    ]
    .concat()
}

pub fn admin_feedback_delete(series_id: i64, account_id: i64) -> String {
    [admin_feedback(series_id, account_id).as_str(), "/delete"].concat()
}

// ---- Staff tables (one set of routes per described entity) ----

/// The routes of one staff table. Poem's path syntax (`:id`) like the constants above.
pub struct AdminPaths {
    pub slug: &'static str,
    /// GET: the table (page, or the table fragment for htmx); POST: create a row.
    pub list: &'static str,
    /// GET: the row (fragment) or its page; PUT: update; DELETE: delete; POST: the same
    /// with a `_method` field, for browsers without JavaScript.
    pub row: &'static str,
    /// GET: the row as an edit form (fragment) or an edit page.
    pub edit: &'static str,
    /// POST: delete the selected rows.
    pub bulk_delete: &'static str,
    /// GET: `<option>`s matching `q`, for searchable select lists.
    pub options: &'static str,
}

macro_rules! admin_paths {
    ($slug:literal) => {
        AdminPaths {
            slug: $slug,
            list: concat!("/admin/", $slug),
            row: concat!("/admin/", $slug, "/:id"),
            edit: concat!("/admin/", $slug, "/:id/edit"),
            bulk_delete: concat!("/admin/", $slug, "/bulk-delete"),
            options: concat!("/admin/", $slug, "/options"),
        }
    };
}

pub static ADMIN_TABLES: [AdminPaths; 12] = [
    admin_paths!("series"),
    admin_paths!("episodes"),
    admin_paths!("schedules"),
    admin_paths!("production-houses"),
    admin_paths!("producers"),
    admin_paths!("alliances"),
    admin_paths!("contracts"),
    admin_paths!("employees"),
    admin_paths!("customers"),
    admin_paths!("genres"),
    admin_paths!("languages"),
    admin_paths!("countries"),
];

pub const ADMIN_AUDIT: &str = "/admin/audit";
pub const ADMIN_ANALYTICS: &str = "/admin/analytics";
pub const ADMIN_ANALYTICS_REFRESH: &str = "/admin/analytics/refresh";
pub const ADMIN_ANALYTICS_STATUS: &str = "/admin/analytics/status";
/// One of the six results (`/admin/analytics/tiers`), or its CSV (`…/tiers.csv`).
pub const ADMIN_ANALYTICS_RESULT: &str = "/admin/analytics/:q";
/// A report (`/admin/reports/series-performance`), or its CSV (`….csv`).
pub const ADMIN_REPORT: &str = "/admin/reports/:report";
pub const CHART_JS: &str = "/assets/chart.umd.min.js";
pub const ANALYTICS_JS: &str = "/assets/analytics.js";

pub fn analytics_result(slug: &str) -> String {
    ["/admin/analytics/", slug].concat()
}

pub fn analytics_csv(slug: &str) -> String {
    ["/admin/analytics/", slug, ".csv"].concat()
}

pub fn report(slug: &str) -> String {
    ["/admin/reports/", slug].concat()
}

pub fn report_csv(slug: &str) -> String {
    ["/admin/reports/", slug, ".csv"].concat()
}
pub const ADMIN_EMPLOYEE_DISABLE: &str = "/admin/employees/:id/disable";
pub const ADMIN_EMPLOYEE_ENABLE: &str = "/admin/employees/:id/enable";
pub const ADMIN_CUSTOMER_DISABLE: &str = "/admin/customers/:id/disable";
pub const ADMIN_CUSTOMER_ENABLE: &str = "/admin/customers/:id/enable";
/// POST: attach a row to a series (`genres`, `subtitles`, `dubbings`, `releases`).
pub const ADMIN_SERIES_LINKS: &str = "/admin/series/:id/links/:link";
/// DELETE (or POST with `_method=DELETE`): detach it.
pub const ADMIN_SERIES_LINK: &str = "/admin/series/:id/links/:link/:target";

pub fn admin_table(slug: &str) -> Option<&'static AdminPaths> {
    ADMIN_TABLES.iter().find(|p| p.slug == slug)
}

/// `/admin/{slug}`.
pub fn admin_list(slug: &str) -> String {
    ["/admin/", slug].concat()
}

/// `/admin/{slug}/{id}`.
pub fn admin_row(slug: &str, id: i64) -> String {
    ["/admin/", slug, "/", &id.to_string()].concat()
}

/// `/admin/{slug}/{id}/edit`.
pub fn admin_edit(slug: &str, id: i64) -> String {
    ["/admin/", slug, "/", &id.to_string(), "/edit"].concat()
}

/// `/admin/{slug}/{id}/disable` or `…/enable`.
pub fn admin_toggle(slug: &str, id: i64, disable: bool) -> String {
    let action = if disable { "/disable" } else { "/enable" };
    ["/admin/", slug, "/", &id.to_string(), action].concat()
}

/// `/admin/series/{id}/links/{link}`, and with a target `…/{target}`.
pub fn admin_link(owner_slug: &str, id: i64, link: &str, target: Option<i64>) -> String {
    let mut path = ["/admin/", owner_slug, "/", &id.to_string(), "/links/", link].concat();
    if let Some(target) = target {
        path.push('/');
        path.push_str(&target.to_string());
    }
    path
}
