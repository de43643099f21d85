//! The middleware every request passes through: it resolves the session, derives the CSRF
//! token, refuses forged state-changing requests, renders errors, and adds security headers.

use std::net::{IpAddr, Ipv4Addr};

use poem::http::header::{self, HeaderName, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, Request, Response};
use views::{Flash, FlashKind, Nav, PageContext};

use super::{cookies, errors, State};
use crate::error::Error;
use crate::sessions::{self, CurrentUser, Role};
use crate::tokens;

/// Form bodies larger than this are refused before anything reads them.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Asset URLs carry this build's content hash, so they can be cached for a year.
pub const ASSET_VERSION: &str = env!("STREAMVAULT_ASSET_VERSION");

/// What handlers know about the request beyond its own fields.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub is_htmx: bool,
    pub path: String,
    pub flash: Option<Flash>,
    pub client_ip: IpAddr,
}

impl RequestContext {
    pub fn page(&self) -> PageContext {
        PageContext {
            csrf_token: self.csrf_token.clone(),
            nav: self.user.as_ref().map(|u| Nav {
                username: u.username.clone(),
                is_employee: u.role == Role::Employee,
            }),
            flash: self.flash.clone(),
            asset_version: ASSET_VERSION,
            current_path: self.path.clone(),
        }
    }
}

/// Short codes travel in the flash cookie; the text shown is fixed here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashCode {
    SignedIn,
    SignedOut,
    Registered,
    PasswordReset,
    AccountDeleted,
}

impl FlashCode {
    const ALL: [(FlashCode, &'static str, FlashKind, &'static str); 5] = [
        (
            FlashCode::SignedIn,
            "signed-in",
            FlashKind::Success,
            "Welcome back! You are signed in.",
        ),
        (
            FlashCode::SignedOut,
            "signed-out",
            FlashKind::Info,
            "You are signed out. See you soon.",
        ),
        (
            FlashCode::Registered,
            "registered",
            FlashKind::Success,
            "Welcome to StreamVault! Your account is ready.",
        ),
        (
            FlashCode::PasswordReset,
            "password-reset",
            FlashKind::Success,
            "Your password was changed. Sign in with the new one.",
        ),
        (
            FlashCode::AccountDeleted,
            "account-deleted",
            FlashKind::Info,
            "Your account and everything in it was deleted.",
        ),
    ];

    pub fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, ..)| *c == self)
            .map(|(_, code, ..)| *code)
            .unwrap_or_default()
    }

    fn flash(code: &str) -> Option<Flash> {
        Self::ALL
            .iter()
            .find(|(_, c, ..)| *c == code)
            .map(|(_, _, kind, message)| Flash {
                kind: *kind,
                message: (*message).to_owned(),
            })
    }
}

pub struct WithContext<E> {
    inner: E,
    state: State,
}

impl<E> WithContext<E> {
    pub fn new(inner: E, state: State) -> Self {
        Self { inner, state }
    }
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A request whose `Origin` (or `Sec-Fetch-Site`) says it came from another site.
fn is_cross_site(req: &Request) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match url::Url::parse(origin) {
        Ok(url) => {
            let authority = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => [h, ":", &p.to_string()].concat(),
                (Some(h), None) => h.to_owned(),
                _ => return true,
            };
            !authority.eq_ignore_ascii_case(host)
        }
        // `Origin: null` and anything unparsable come from sandboxed or foreign contexts.
        Err(_) => true,
    }
}

/// The CSRF token presented with a state-changing request: the header, or else the form
/// field. The body is read here (at most [`MAX_FORM_BYTES`], chunked or not) and put back for
/// the handler, so no handler ever reads an unbounded body.
async fn presented_csrf(req: &mut Request) -> Result<Option<String>, StatusCode> {
    let body = req
        .take_body()
        .into_bytes_limit(MAX_FORM_BYTES)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let field = if header.is_none() && is_form {
        form_urlencoded::parse(&body)
            .find(|(name, _)| name == "csrf_token")
            .map(|(_, value)| value.into_owned())
    } else {
        None
    };
    req.set_body(body);
    Ok(header.or(field))
}

impl<E: Endpoint<Output = Response>> Endpoint for WithContext<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let state = &self.state;
        let secure = state.config.secure_cookies();
        let path = req.uri().path().to_owned();
        let is_asset = path.starts_with("/assets/") || path == views::paths::HEALTHZ;
        let is_htmx = req
            .headers()
            .get("hx-request")
            .is_some_and(|v| v.as_bytes() == b"true")
            && req.headers().get("hx-history-restore-request").is_none();
        let client_ip = req
            .remote_addr()
            .as_socket_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

        let mut set_cookies: Vec<(&'static str, Option<String>)> = Vec::new();

        // The session, if the cookie names a live one.
        let session_cookie = cookies::read(req.headers(), cookies::SESSION);
        let user = match &session_cookie {
            Some(raw) => match sessions::lookup(&state.db, raw, state.clock.now()).await {
                Ok(user) => user,
                Err(e) => {
                    return Ok(finish(
                        errors::render(errors::from_app_error(&e), None),
                        secure,
                        Vec::new(),
                        is_asset,
                    ))
                }
            },
            None => None,
        };
        if session_cookie.is_some() && user.is_none() {
            set_cookies.push((cookies::SESSION, None));
        }

        // The CSRF token belongs to the session, or to a pre-login session for anonymous visitors.
        let csrf_basis = match (&user, &session_cookie) {
            (Some(_), Some(raw)) => raw.clone(),
            _ => match cookies::read(req.headers(), cookies::PRE_SESSION)
                .filter(|v| tokens::looks_like_token(v))
            {
                Some(pre) => pre,
                None => {
                    let pre = tokens::random_token();
                    if !is_asset {
                        set_cookies.push((cookies::PRE_SESSION, Some(pre.clone())));
                    }
                    pre
                }
            },
        };
        let csrf_token = tokens::csrf_token(&state.csrf_key, &csrf_basis);

        // A flash message is shown once: its cookie is cleared by the response that shows it.
        let flash_code = cookies::read(req.headers(), cookies::FLASH);
        if flash_code.is_some() {
            set_cookies.push((cookies::FLASH, None));
        }
        let flash = flash_code.and_then(|code| FlashCode::flash(&code));

        let ctx = RequestContext {
            user,
            csrf_token,
            is_htmx,
            path,
            flash,
            client_ip,
        };

        if is_state_changing(req.method()) {
            let refused = if is_cross_site(&req) {
                tracing::info!(path = %ctx.path, "refused a cross-site request");
                true
            } else {
                match presented_csrf(&mut req).await {
                    Ok(Some(token)) => !tokens::csrf_matches(&state.csrf_key, &csrf_basis, &token),
                    Ok(None) => true,
                    Err(status) => {
                        let problem = errors::from_poem_error(&poem::Error::from_status(status));
                        return Ok(finish(
                            errors::render(problem, Some(&ctx)),
                            secure,
                            set_cookies,
                            is_asset,
                        ));
                    }
                }
            };
            if refused {
                let response = errors::render(errors::from_app_error(&Error::Csrf), Some(&ctx));
                return Ok(finish(response, secure, set_cookies, is_asset));
            }
        }

        req.extensions_mut().insert(ctx.clone());
        let response = match self.inner.call(req).await {
            Ok(response) => response,
            Err(error) => {
                let problem = match error.downcast_ref::<Error>() {
                    Some(app_error) => errors::from_app_error(app_error),
                    None => errors::from_poem_error(&error),
                };
                errors::render(problem, Some(&ctx))
            }
        };
        Ok(finish(response, secure, set_cookies, is_asset))
    }
}

fn finish(
    mut response: Response,
    secure: bool,
    set_cookies: Vec<(&'static str, Option<String>)>,
    is_asset: bool,
) -> Response {
    for (name, value) in set_cookies {
        // A handler that set this cookie itself (login, logout) has the last word.
        let already = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.starts_with(name) && v[name.len()..].starts_with('='))
            });
        if already {
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
    if !is_asset {
        // Pages carry per-session tokens and, when signed in, personal data.
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        headers.append(header::VARY, HeaderValue::from_static("HX-Request"));
    }
    response
}
