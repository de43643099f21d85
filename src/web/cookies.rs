//! The three cookies StreamVault sets: the session, the pre-login session (for CSRF on the
//! login, register and forgot-password forms) and a one-shot flash message code.
//!
//! Served over HTTPS (`BASE_URL` is https) every cookie is `Secure` and named with the
//! `__Host-` prefix, which browsers accept only from a secure origin, for path `/`, without a
//! `Domain`: a sibling subdomain or a plain-HTTP response cannot plant or overwrite it.

use std::borrow::Cow;

use poem::http::header::{HeaderMap, COOKIE, SET_COOKIE};
use poem::http::HeaderValue;
use poem::web::cookie::{Cookie, SameSite};
use poem::Response;

pub const SESSION: &str = "sv_session";
pub const PRE_SESSION: &str = "sv_pre";
pub const FLASH: &str = "sv_flash";

/// The name on the wire: `__Host-<name>` when secure.
pub fn wire_name(name: &'static str, secure: bool) -> Cow<'static, str> {
    if secure {
        Cow::Owned(["__Host-", name].concat())
    } else {
        Cow::Borrowed(name)
    }
}

/// The first value of cookie `name` in the request (only the prefixed one when secure).
pub fn read(headers: &HeaderMap, name: &'static str, secure: bool) -> Option<String> {
    let name = wire_name(name, secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// Whether the response already sets cookie `name`.
pub fn is_set(response: &Response, name: &'static str, secure: bool) -> bool {
    let name = wire_name(name, secure);
    response.headers().get_all(SET_COOKIE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(name.as_ref()) && v[name.len()..].starts_with('='))
    })
}

fn build(name: &'static str, value: &str, secure: bool) -> Cookie {
    let mut cookie = Cookie::new_with_str(wire_name(name, secure), value);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_cookies_carry_the_host_prefix() {
        let mut response = Response::default();
        set(&mut response, SESSION, "abc", true);
        let header = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(header.starts_with("__Host-sv_session=abc"), "{header}");
        assert!(header.contains("Secure") && header.contains("Path=/"));
        assert!(!header.contains("Domain"));
        assert!(is_set(&response, SESSION, true));

        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("sv_session=planted; __Host-sv_session=real"),
        );
        assert_eq!(read(&headers, SESSION, true).as_deref(), Some("real"));
        assert_eq!(read(&headers, SESSION, false).as_deref(), Some("planted"));
    }
}
