//! Compressing pages and CSV files on their way out (brotli or gzip, as `Accept-Encoding`
//! allows), the outermost layer so it sees every answer, errors included.
//!
//! BREACH (a secret guessed from compressed lengths while the attacker reflects text into
//! the same page) is answered in two ways: the one secret on every page, the CSRF token, is
//! masked afresh for every response (`auth::tokens::masked_csrf_token`), so its bytes never
//! repeat; pages that carry another secret (a reset link's token in their path and form, a
//! two-factor secret and recovery codes) are never compressed.

use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, Request, Response};

/// Below this a compressed body saves less than its own header costs.
const MIN_BYTES: usize = 1024;

/// Bodies from this size (large CSV downloads) are compressed on the blocking pool, so a
/// page request never waits behind them on the same worker thread.
const BLOCKING_FROM: usize = 256 * 1024;

/// Brotli's quality for text made per request: 5 keeps most of the gain of 11 at a small
/// fraction of its CPU (assets get 11, once, at build time).
const BROTLI_QUALITY: i32 = 5;

/// gzip's level for text made per request (6 is zlib's default trade-off).
const GZIP_LEVEL: u32 = 6;

/// A content coding this server produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to answer with: brotli if accepted at least as much as gzip, else gzip, else
/// none. `q=0` refuses a coding; `*` stands for codings not named.
pub fn accepted_coding(headers: &HeaderMap) -> Option<Coding> {
    let (mut br, mut gzip, mut star) = (None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| weight(value.trim()))
                })
                .unwrap_or(Some(1000));
            let Some(q) = q else { continue };
            if name.eq_ignore_ascii_case("br") {
                br = Some(q);
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(q);
            } else if name == "*" {
                star = Some(q);
            }
        }
    }
    let br = br.or(star).unwrap_or(0);
    let gzip = gzip.or(star).unwrap_or(0);
    if br > 0 && br >= gzip {
        Some(Coding::Brotli)
    } else if gzip > 0 {
        Some(Coding::Gzip)
    } else {
        None
    }
}

/// A qvalue (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn weight(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = [fraction, &"000"[fraction.len()..]].concat();
    let value = match whole {
        "0" => thousandths.parse::<u16>().ok()?,
        "1" => 1000 + thousandths.parse::<u16>().ok()?,
        _ => return None,
    };
    (value <= 1000).then_some(value)
}

/// Paths whose pages carry a secret besides the masked CSRF token.
fn carries_secret(path: &str) -> bool {
    path.starts_with("/reset-password/")
        || path == views::paths::ACCOUNT_2FA
        || path.starts_with("/account/2fa/")
}

/// Whether this answer is text made per request: a page, a fragment or a CSV file. Event
/// streams, images (posters under `/media/`) and assets (compressed at build time, so they
/// already carry `Content-Encoding`) are not.
fn compressible(response: &Response) -> bool {
    let status = response.status();
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return false;
    }
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("text/csv"))
}

pub struct Compress<E> {
    inner: E,
}

impl<E> Compress<E> {
    pub fn new(inner: E) -> Self {
        Self { inner }
    }
}

impl<E: Endpoint<Output = Response>> Endpoint for Compress<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        if carries_secret(path) || path.starts_with("/media/") {
            return self.inner.call(req).await;
        }
        let coding = accepted_coding(req.headers()).filter(|_| req.method() != Method::HEAD);
        let mut response = self.inner.call(req).await?;
        if !compressible(&response) {
            return Ok(response);
        }
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let Some(coding) = coding else {
            return Ok(response);
        };
        let body = response.take_body().into_vec().await?;
        if body.len() < MIN_BYTES {
            response.set_body(body);
            return Ok(response);
        }
        let compressed = if body.len() >= BLOCKING_FROM {
            tokio::task::spawn_blocking(move || encode(coding, &body))
                .await
                .map_err(|e| poem::Error::new(e, StatusCode::INTERNAL_SERVER_ERROR))?
        } else {
            encode(coding, &body)
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.token()),
        );
        headers.remove(header::CONTENT_LENGTH);
        response.set_body(compressed);
        Ok(response)
    }
}

/// Compresses a whole body in memory (writing into a `Vec` cannot fail).
pub fn encode(coding: Coding, body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    match coding {
        Coding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 4);
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: 20,
                size_hint: body.len(),
                ..Default::default()
            };
            // Reading a slice and writing a Vec have no error to report.
            let _ = brotli::BrotliCompress(&mut &body[..], &mut out, &params);
            out
        }
        Coding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 4),
                flate2::Compression::new(GZIP_LEVEL),
            );
            let _ = encoder.write_all(body);
            encoder.finish().unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("header"),
        );
        accepted_coding(&headers)
    }

    #[test]
    fn accept_encoding_picks_the_best_allowed_coding() {
        assert_eq!(accept("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(accept("gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0.5, gzip;q=0.8"), Some(Coding::Gzip));
        assert_eq!(accept("*"), Some(Coding::Brotli));
        assert_eq!(accept("*;q=0, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("gzip;q=0"), None);
        assert_eq!(accept("gzip;q=nonsense, br;q=2"), None);
        assert_eq!(accept("GZIP ; Q=0.1"), Some(Coding::Gzip));
        assert_eq!(accepted_coding(&HeaderMap::new()), None);
    }

    #[test]
    fn both_codings_round_trip() {
        let text = "<p>hello, compressed world</p>".repeat(200);
        let mut br = Vec::new();
        brotli::BrotliDecompress(&mut &encode(Coding::Brotli, text.as_bytes())[..], &mut br)
            .expect("brotli");
        assert_eq!(br, text.as_bytes());
        let gz = encode(Coding::Gzip, text.as_bytes());
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
            .expect("gzip");
        assert_eq!(plain, text.as_bytes());
    }

    #[test]
    fn secret_carrying_pages_are_never_compressed() {
        assert!(carries_secret("/reset-password/abc"));
        assert!(carries_secret("/account/2fa"));
        assert!(!carries_secret("/account"));
        assert!(!carries_secret("/"));
    }
}
