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
