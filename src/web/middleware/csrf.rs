//! Refusing forged state-changing requests: cross-site origins and missing or wrong CSRF tokens.

use poem::http::{header, Method, StatusCode};
use poem::Request;

use super::{MAX_FORM_BYTES, MAX_IMPORT_BODY_BYTES, MAX_UPLOAD_BODY_BYTES};

pub(super) fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A request whose `Origin` (or `Sec-Fetch-Site`) says it came from another site. The origin
/// must be the public one (`BASE_URL`, which a reverse proxy cannot rewrite) or match the
/// `Host` the browser connected to (a direct connection).
pub(super) fn is_cross_site(req: &Request, base_url: &url::Url) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // `Origin: null` and anything unparsable come from sandboxed or foreign contexts.
    let Ok(origin) = url::Url::parse(origin) else {
        return true;
    };
    if origin.origin() == base_url.origin() {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authority = match (origin.host_str(), origin.port()) {
        (Some(h), Some(p)) => [h, ":", &p.to_string()].concat(),
        (Some(h), None) => h.to_owned(),
        _ => return true,
    };
    !authority.eq_ignore_ascii_case(host)
}

/// The CSRF token presented with a state-changing request: the header, or else the form
/// field (of a URL-encoded or a multipart form). The body is read here (at most
/// [`MAX_FORM_BYTES`], or [`MAX_UPLOAD_BODY_BYTES`] for the poster upload and
/// [`MAX_IMPORT_BODY_BYTES`] for a CSV import; chunked or not) and put back for the handler,
/// so no handler ever reads an unbounded body.
pub(super) async fn presented_csrf(req: &mut Request) -> Result<Option<String>, StatusCode> {
    let path = req.uri().path();
    let limit = if req.method() != Method::POST {
        MAX_FORM_BYTES
    } else if views::paths::is_poster_upload(path) {
        MAX_UPLOAD_BODY_BYTES
    } else if views::paths::is_import_upload(path) {
        MAX_IMPORT_BODY_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let body = read_limited(req.take_body(), limit).await?;
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let field = if header.is_some() {
        None
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded::parse(&body)
            .find(|(name, _)| name == "csrf_token")
            .map(|(_, value)| value.into_owned())
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(&content_type, body.clone(), "csrf_token", limit).await
    } else {
        None
    };
    req.set_body(body);
    Ok(header.or(field))
}

/// A short text field of a multipart body; `None` if the body is not one or has no such field.
async fn multipart_field(
    content_type: &str,
    body: Vec<u8>,
    name: &str,
    limit: usize,
) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures::stream::once(async move {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(body))
    });
    let mut parts = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit as u64)),
    );
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some(name) {
            let text = field.text().await.ok()?;
            return (text.len() <= 256).then_some(text);
        }
    }
    None
}

/// Bodies up to this size (or twice the route's limit) are read to the end even when refused,
/// so the client (still sending) gets the 413 instead of a connection reset; larger ones are
/// cut off.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// The body if it fits in `limit`; else 413 (after draining what a client may reasonably
/// still be sending).
async fn read_limited(body: poem::Body, limit: usize) -> Result<Vec<u8>, StatusCode> {
    use futures::StreamExt;
    let drain = DRAIN_LIMIT.max(limit.saturating_mul(2));
    let mut stream = body.into_bytes_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        } else if seen > drain {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
    if seen > limit {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    Ok(kept)
}
