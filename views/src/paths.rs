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
pub const ACCOUNT_EMAIL: &str = "/account/email";
pub const ACCOUNT_DELETE: &str = "/account/delete";
pub const ACCOUNT_2FA: &str = "/account/2fa";
pub const ACCOUNT_2FA_DISABLE: &str = "/account/2fa/disable";
pub const LOGIN_2FA: &str = "/login/2fa";
/// Staff turn off another employee's two-factor sign-in.
pub const ADMIN_EMPLOYEE_2FA_RESET: &str = "/admin/employees/:id/two-factor/reset";
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

// Reviews: the customer's own review, and staff removal. The `…/delete` POST
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

/// The routes of one staff table. Poem's path syntax (`:id`) like the constants above. Each
/// entity's description (`admin::entities`) names its paths; the router mounts the account
/// and link routes only for tables whose description has accounts or link sets.
pub struct AdminPaths {
    pub slug: &'static str,
    /// GET: the table (page, or the table fragment for htmx); POST: create a row.
    pub list: &'static str,
    /// GET: the row (fragment) or its page; PUT: update; DELETE: delete; POST: the same
    /// with a `_method` field, for browsers without JavaScript.
    pub row: &'static str,
    /// GET: the row as an edit form (fragment) or an edit page.
    pub edit: &'static str,
    /// GET: the table's rows as CSV, with the page's search, filters and sort.
    pub csv: &'static str,
    /// GET: the row's audit entries, newest first.
    pub history: &'static str,
    /// POST: delete the selected rows.
    pub bulk_delete: &'static str,
    /// GET: `<option>`s matching `q`, for searchable select lists.
    pub options: &'static str,
    /// POST: disable / enable an account (account tables).
    pub disable: &'static str,
    pub enable: &'static str,
    /// POST: attach a row to a link set (`genres`, `releases`…); DELETE (or POST with
    /// `_method=DELETE`) on `link`: detach it (tables with link sets).
    pub links: &'static str,
    pub link: &'static str,
    /// GET: `text/event-stream` of the table's changes (`created`, `updated`, `deleted`).
    pub events: &'static str,
    /// POST (`editing=1|0`): this session has the row open for editing, or no longer.
    pub presence: &'static str,
    /// POST (multipart, field `file`): preview a CSV import; nothing changes.
    pub import: &'static str,
    /// POST: apply the previewed import, all or nothing (a large one by a job: 202).
    pub import_confirm: &'static str,
    /// POST: stop one's own queued or running large import before it commits.
    pub import_cancel: &'static str,
    /// POST (`token`): undo a delete just made (the row and what it cascaded to come back).
    pub undo: &'static str,
}

macro_rules! admin_paths {
    ($slug:literal) => {
        AdminPaths {
            slug: $slug,
            list: concat!("/admin/", $slug),
            row: concat!("/admin/", $slug, "/:id"),
            edit: concat!("/admin/", $slug, "/:id/edit"),
            csv: concat!("/admin/", $slug, ".csv"),
            history: concat!("/admin/", $slug, "/:id/history"),
            bulk_delete: concat!("/admin/", $slug, "/bulk-delete"),
            options: concat!("/admin/", $slug, "/options"),
            disable: concat!("/admin/", $slug, "/:id/disable"),
            enable: concat!("/admin/", $slug, "/:id/enable"),
            links: concat!("/admin/", $slug, "/:id/links/:link"),
            link: concat!("/admin/", $slug, "/:id/links/:link/:target"),
            events: concat!("/admin/", $slug, "/events"),
            presence: concat!("/admin/", $slug, "/:id/presence"),
            import: concat!("/admin/", $slug, "/import"),
            import_confirm: concat!("/admin/", $slug, "/import/:import_id/confirm"),
            import_cancel: concat!("/admin/", $slug, "/import/:import_id/cancel"),
            undo: concat!("/admin/", $slug, "/undo"),
        }
    };
}

pub static SERIES_PATHS: AdminPaths = admin_paths!("series");
pub static EPISODES_PATHS: AdminPaths = admin_paths!("episodes");
pub static SCHEDULES_PATHS: AdminPaths = admin_paths!("schedules");
pub static PRODUCTION_HOUSES_PATHS: AdminPaths = admin_paths!("production-houses");
pub static PRODUCERS_PATHS: AdminPaths = admin_paths!("producers");
pub static ALLIANCES_PATHS: AdminPaths = admin_paths!("alliances");
pub static CONTRACTS_PATHS: AdminPaths = admin_paths!("contracts");
pub static EMPLOYEES_PATHS: AdminPaths = admin_paths!("employees");
pub static CUSTOMERS_PATHS: AdminPaths = admin_paths!("customers");
pub static GENRES_PATHS: AdminPaths = admin_paths!("genres");
pub static LANGUAGES_PATHS: AdminPaths = admin_paths!("languages");
pub static COUNTRIES_PATHS: AdminPaths = admin_paths!("countries");

pub const ADMIN_AUDIT: &str = "/admin/audit";
/// Every review, searchable and filtered, with staff removal.
pub const ADMIN_REVIEWS: &str = "/admin/reviews";
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

/// `/admin/{slug}/{id}/history`.
pub fn admin_history(slug: &str, id: i64) -> String {
    ["/admin/", slug, "/", &id.to_string(), "/history"].concat()
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

// ---- Posters: staff upload (POST) and remove (DELETE, or POST …/delete without
// JavaScript) a series' poster; everyone reads the stored renditions under /media/. ----
pub const ADMIN_SERIES_POSTER: &str = "/admin/series/:id/poster";
pub const ADMIN_SERIES_POSTER_DELETE: &str = "/admin/series/:id/poster/delete";
pub const MEDIA: &str = "/media/:name";

pub fn admin_series_poster(id: i64) -> String {
    ["/admin/series/", &id.to_string(), "/poster"].concat()
}

pub fn admin_series_poster_delete(id: i64) -> String {
    [admin_series_poster(id).as_str(), "/delete"].concat()
}

/// Whether a request path is the poster upload (the one route that takes large bodies).
pub fn is_poster_upload(path: &str) -> bool {
    path.strip_prefix("/admin/series/")
        .and_then(|rest| rest.strip_suffix("/poster"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// `/admin/{slug}/import`: a staff table's CSV import (the one other large upload).
pub fn is_import_upload(path: &str) -> bool {
    path.strip_prefix("/admin/")
        .and_then(|rest| rest.strip_suffix("/import"))
        .is_some_and(|slug| {
            !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
}

/// `/media/{key}-{width}.webp`: one stored rendition of a poster.
pub fn poster_rendition(key: &str, width: u32) -> String {
    ["/media/", key, "-", &width.to_string(), ".webp"].concat()
}
