//! The three cookies StreamVault sets: the session, the pre-login session (for CSRF on the
//! login, register and forgot-password forms) and a one-shot flash message code.

use poem::http::header::{HeaderMap, COOKIE, SET_COOKIE};
use poem::http::HeaderValue;
use poem::web::cookie::{Cookie, SameSite};
use poem::Response;

pub const SESSION: &str = "sv_session";
pub const PRE_SESSION: &str = "sv_pre";
pub const FLASH: &str = "sv_flash";

/// The first value of cookie `name` in the request.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

fn build(name: &'static str, value: &str, secure: bool) -> Cookie {
    let mut cookie = Cookie::new_with_str(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie
}

fn append(response: &mut Response, cookie: &Cookie) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// A browser-session cookie (no Max-Age): the server enforces the timeouts.
pub fn set(response: &mut Response, name: &'static str, value: &str, secure: bool) {
    append(response, &build(name, value, secure));
}

pub fn clear(response: &mut Response, name: &'static str, secure: bool) {
    let mut cookie = build(name, "", secure);
    cookie.make_removal();
    append(response, &cookie);
}
