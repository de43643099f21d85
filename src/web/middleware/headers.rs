//! What every response gets on its way out: pending cookies and the security headers.

use poem::http::header::{self, HeaderName, HeaderValue};
use poem::Response;

use crate::web::cookies;

/// Posters may come from an HTTPS image host (`img-src https:`); scripts, styles, frames and
/// everything else stay same-origin.
const CSP: &str = "default-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub(super) fn finish(
    mut response: Response,
    secure: bool,
    set_cookies: Vec<(&'static str, Option<String>)>,
    is_asset: bool,
) -> Response {
    for (name, value) in set_cookies {
        // A handler that set this cookie itself (login, logout) has the last word.
        if cookies::is_set(&response, name, secure) {
            continue;
        }
        match value {
            Some(value) => cookies::set(&mut response, name, &value, secure),
            None => cookies::clear(&mut response, name, secure),
        }
    }
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if secure {
        // Served over HTTPS: browsers must never come back over plain HTTP.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
    if !is_asset {
        // Pages carry per-session tokens and, when signed in, personal data.
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        headers.append(header::VARY, HeaderValue::from_static("HX-Request"));
    }
    response
}
