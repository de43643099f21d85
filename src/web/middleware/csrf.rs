//! Refusing forged state-changing requests: cross-site origins and missing or wrong CSRF tokens.

use poem::http::{header, Method, StatusCode};
use poem::Request;

use super::MAX_FORM_BYTES;

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
/// field. The body is read here (at most [`MAX_FORM_BYTES`], chunked or not) and put back for
/// the handler, so no handler ever reads an unbounded body.
pub(super) async fn presented_csrf(req: &mut Request) -> Result<Option<String>, StatusCode> {
    let body = read_limited(req.take_body()).await?;
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

/// Bodies up to this size are read to the end even when refused, so the client (still
/// sending) gets the 413 instead of a connection reset; larger ones are cut off.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// The body if it fits in [`MAX_FORM_BYTES`]; else 413 (after draining what a client may
/// reasonably still be sending).
async fn read_limited(body: poem::Body) -> Result<Vec<u8>, StatusCode> {
    use futures::StreamExt;
    let mut stream = body.into_bytes_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_FORM_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
    if seen > MAX_FORM_BYTES {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    Ok(kept)
}
