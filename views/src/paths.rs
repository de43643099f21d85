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
