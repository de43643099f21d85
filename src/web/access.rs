//! Who may use a route. Every route in the table names one [`Access`]; [`Guard`] enforces it
//! before the handler runs, and the typed extractors give handlers the account they need.

use poem::endpoint::BoxEndpoint;
use poem::http::{header, StatusCode};
use poem::{Endpoint, FromRequest, Request, RequestBody, Response};

use super::errors::WebError;
use super::middleware::RequestContext;
use crate::auth::{CurrentUser, Role};
use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Anyone,
    /// Any signed-in account, customer or employee (one's own account pages).
    SignedIn,
    Customer,
    Employee,
}

impl Access {
    fn admits(self, user: Option<&CurrentUser>) -> Result<(), Refusal> {
        match (self, user) {
            (Access::Anyone, _) => Ok(()),
            (_, None) => Err(Refusal::SignIn),
            (Access::SignedIn, Some(_)) => Ok(()),
            (Access::Customer, Some(u)) if u.role == Role::Customer => Ok(()),
            (Access::Employee, Some(u)) if u.role == Role::Employee => Ok(()),
            (_, Some(_)) => Err(Refusal::WrongRole),
        }
    }
}

enum Refusal {
    SignIn,
    WrongRole,
}

pub struct Guard {
    access: Access,
    inner: BoxEndpoint<'static, Response>,
}

impl Guard {
    pub fn new(access: Access, inner: BoxEndpoint<'static, Response>) -> Self {
        Self { access, inner }
    }
}

impl Endpoint for Guard {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        // No context means the middleware did not run: deny rather than guess.
        let Some(ctx) = req.extensions().get::<RequestContext>() else {
            return Err(Error::Forbidden.into());
        };
        match self.access.admits(ctx.user.as_ref()) {
            Ok(()) if !ctx.csrf_ok => Err(WebError::Csrf.into()),
            Ok(()) => self.inner.call(req).await,
            Err(Refusal::WrongRole) => Err(Error::Forbidden.into()),
            Err(Refusal::SignIn) => Ok(sign_in_redirect(ctx, req.method(), req.uri())),
        }
    }
}

/// 303 to the login page remembering where the visitor was going; htmx gets 401 plus
/// `HX-Redirect`, so a login form is never swapped into a table cell.
fn sign_in_redirect(
    ctx: &RequestContext,
    method: &poem::http::Method,
    uri: &poem::http::Uri,
) -> Response {
    let back = if ctx.is_htmx || method != poem::http::Method::GET {
        // For htmx the current page (not the fragment URL) is where the visitor should return;
        // a form's target cannot be revisited with GET.
        None
    } else {
        Some(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
    };
    let target = match back.and_then(safe_next) {
        Some(next) => {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            [views::paths::LOGIN, "?", &query].concat()
        }
        None => views::paths::LOGIN.to_owned(),
    };
    if ctx.is_htmx {
        Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("HX-Redirect", target)
            .finish()
    } else {
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, target)
            .finish()
    }
}

/// Accepts only a local path (`/…`, not `//host` or `/\host`), so `next` can never send a
/// visitor to another site.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// A signed-in account of either role.
pub struct RequireSignedIn(pub CurrentUser);
/// A signed-in customer.
pub struct RequireCustomer(pub CurrentUser);
/// A signed-in employee.
pub struct RequireEmployee(pub CurrentUser);

fn current(req: &Request, access: Access) -> poem::Result<CurrentUser> {
    let user = req
        .extensions()
        .get::<RequestContext>()
        .and_then(|ctx| ctx.user.clone());
    match access.admits(user.as_ref()) {
        Ok(()) => user.ok_or_else(|| Error::Forbidden.into()),
        Err(_) => Err(Error::Forbidden.into()),
    }
}

impl<'a> FromRequest<'a> for RequireSignedIn {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        current(req, Access::SignedIn).map(RequireSignedIn)
    }
}

impl<'a> FromRequest<'a> for RequireCustomer {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        current(req, Access::Customer).map(RequireCustomer)
    }
}

impl<'a> FromRequest<'a> for RequireEmployee {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        current(req, Access::Employee).map(RequireEmployee)
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_accepts_only_local_paths() {
        assert_eq!(safe_next("/account?tab=1"), Some("/account?tab=1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\r\nb",
            "evil",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
