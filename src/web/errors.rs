//! Turning errors into responses: a page for normal requests, a fragment for htmx. 4xx
//! messages are safe to show; 5xx causes are logged and never shown.

use std::time::Duration;

use poem::http::{header, StatusCode};
use poem::{IntoResponse, Response};

use crate::db::DbErrorKind;
use crate::error::Error;
use views::PageContext;

/// What a request can fail with: the domain's errors, plus the refusals that only exist in
/// HTTP (a forged or stale form, a throttle).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] Error),
    #[error("the form's security token is missing or wrong")]
    Csrf,
    #[error("too many attempts")]
    TooManyRequests { retry_after: Duration },
}

pub type Result<T, E = WebError> = std::result::Result<T, E>;

pub struct Problem {
    pub status: StatusCode,
    pub heading: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl Problem {
    fn new(status: StatusCode, heading: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            heading,
            message: message.into(),
            retry_after: None,
        }
    }
}

pub fn from_web_error(error: &WebError) -> Problem {
    match error {
        WebError::App(error) => from_app_error(error),
        WebError::Csrf => Problem::new(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form's security token was missing or out of date. Reload the page and try again.",
        ),
        WebError::TooManyRequests { retry_after } => Problem {
            retry_after: Some(retry_after.as_secs().max(1)),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Please wait a moment before trying again.",
            )
        },
    }
}

pub fn from_app_error(error: &Error) -> Problem {
    match error {
        Error::NotFound => Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is nothing at this address.",
        ),
        Error::Forbidden => Problem::new(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your account cannot open this page.",
        ),
        Error::BadRequest(message) => {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request", message.clone())
        }
        Error::Conflict => Problem::new(
            StatusCode::CONFLICT,
            "Changed meanwhile",
            "Someone else changed this first. Reload and try again.",
        ),
        Error::Cancelled => Problem::new(
            StatusCode::CONFLICT,
            "Cancelled",
            "This was cancelled: nothing was changed.",
        ),
        Error::Unavailable => unavailable(),
        Error::Db { op, source } => from_db_error(op, source),
        Error::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "internal error");
            internal()
        }
    }
}

fn unavailable() -> Problem {
    Problem {
        retry_after: Some(5),
        ..Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "The service is busy right now. Please try again in a moment.",
        )
    }
}

fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Something went wrong on our side. It has been logged.",
    )
}

fn from_db_error(op: &str, error: &crate::db::DbError) -> Problem {
    match error.kind() {
        DbErrorKind::Unavailable => {
            tracing::warn!(op, %error, "database unavailable");
            unavailable()
        }
        DbErrorKind::Retryable(cause) => {
            tracing::warn!(op, cause, "database busy");
            unavailable()
        }
        DbErrorKind::UniqueViolation
        | DbErrorKind::ForeignKeyViolation
        | DbErrorKind::CheckViolation => {
            tracing::info!(op, %error, "constraint refused a write");
            Problem::new(
                StatusCode::CONFLICT,
                "Conflicts with existing data",
                "That change conflicts with existing data.",
            )
        }
        DbErrorKind::Other => {
            tracing::error!(op, %error, "database error");
            internal()
        }
    }
}

/// Errors raised by poem itself (no route, wrong method, unreadable form or query).
pub fn from_poem_error(error: &poem::Error) -> Problem {
    let status = error.status();
    match status {
        StatusCode::NOT_FOUND => from_app_error(&Error::NotFound),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            status,
            "Too large",
            "The request is larger than this page accepts.",
        ),
        s if s.is_client_error() => Problem::new(
            status,
            "Bad request",
            "The request could not be understood. Check the form and try again.",
        ),
        _ => {
            tracing::error!(%error, %status, "framework error");
            internal()
        }
    }
}

/// A full error page when `page` is given (a normal request), else the fragment htmx swaps.
pub fn render(problem: Problem, page: Option<&PageContext>) -> Response {
    let body = match page {
        Some(page) => views::errors::error_page(
            page,
            problem.status.as_u16(),
            problem.heading,
            &problem.message,
        ),
        _ => views::errors::error_fragment(problem.heading, &problem.message),
    };
    let mut response = body.into_response();
    response.set_status(problem.status);
    if let Some(seconds) = problem.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

impl poem::error::ResponseError for WebError {
    /// The status alone; the middleware renders the page with [`from_web_error`].
    fn status(&self) -> StatusCode {
        from_web_error_status(self)
    }
}

impl poem::error::ResponseError for Error {
    fn status(&self) -> StatusCode {
        app_error_status(self)
    }
}

fn from_web_error_status(error: &WebError) -> StatusCode {
    match error {
        WebError::App(error) => app_error_status(error),
        WebError::Csrf => StatusCode::FORBIDDEN,
        WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

fn app_error_status(error: &Error) -> StatusCode {
    match error {
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::Conflict | Error::Cancelled => StatusCode::CONFLICT,
        Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Error::Db { source, .. } => match source.kind() {
            DbErrorKind::Unavailable | DbErrorKind::Retryable(_) => StatusCode::SERVICE_UNAVAILABLE,
            DbErrorKind::UniqueViolation
            | DbErrorKind::ForeignKeyViolation
            | DbErrorKind::CheckViolation => StatusCode::CONFLICT,
            DbErrorKind::Other => StatusCode::INTERNAL_SERVER_ERROR,
        },
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The problem behind an error a handler or the framework returned.
pub fn from_any(error: &poem::Error) -> Problem {
    if let Some(web) = error.downcast_ref::<WebError>() {
        return from_web_error(web);
    }
    if let Some(app) = error.downcast_ref::<Error>() {
        return from_app_error(app);
    }
    from_poem_error(error)
}
