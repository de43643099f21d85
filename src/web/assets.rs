//! Static assets, embedded in the binary at build time (see build.rs): no CDN at run time.
//! Each is stored three ways (plain, brotli, gzip), all compressed at build time; a request
//! gets the best form its `Accept-Encoding` allows, with `Vary: Accept-Encoding`.

use poem::http::{header, HeaderMap, StatusCode};
use poem::web::Path;
use poem::{handler, Request, Response};

use super::middleware::{accepted_coding, Coding};

/// One asset in its three forms.
struct Asset {
    plain: &'static [u8],
    br: &'static [u8],
    gz: &'static [u8],
    content_type: &'static str,
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            plain: include_bytes!(concat!(env!("OUT_DIR"), "/", $name)),
            br: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".br")),
            gz: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".gz")),
            content_type: $content_type,
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

fn find(name: &str) -> Option<Asset> {
    Some(match name {
        "htmx.min.js" => asset!("htmx.min.js", JS),
        "chart.umd.min.js" => asset!("chart.umd.min.js", JS),
        "app.js" => asset!("app.js", JS),
        "analytics.js" => asset!("analytics.js", JS),
        "app.css" => asset!("app.css", "text/css; charset=utf-8"),
        "favicon.svg" => asset!("favicon.svg", "image/svg+xml"),
        _ => return None,
    })
}

/// The body and `Content-Encoding` for these request headers.
fn choose(asset: &Asset, headers: &HeaderMap) -> (&'static [u8], Option<&'static str>) {
    match accepted_coding(headers) {
        Some(Coding::Brotli) => (asset.br, Some("br")),
        Some(Coding::Gzip) => (asset.gz, Some("gzip")),
        None => (asset.plain, None),
    }
}

/// URLs carry `?v=<content hash>`, so a year of caching is safe.
#[handler]
pub fn serve(req: &Request, Path(name): Path<String>) -> Response {
    match find(&name) {
        Some(asset) => {
            let (body, encoding) = choose(&asset, req.headers());
            let mut response = Response::builder()
                .header(header::CONTENT_TYPE, asset.content_type)
                .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
                .header(header::VARY, "Accept-Encoding");
            if let Some(encoding) = encoding {
                response = response.header(header::CONTENT_ENCODING, encoding);
            }
            response.body(body)
        }
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compressed_form_decodes_to_the_original() {
        for name in [
            "htmx.min.js",
            "chart.umd.min.js",
            "app.js",
            "analytics.js",
            "app.css",
            "favicon.svg",
        ] {
            let asset = find(name).expect("known asset");
            let mut br = Vec::new();
            brotli::BrotliDecompress(&mut &asset.br[..], &mut br).expect("brotli");
            assert_eq!(br, asset.plain, "{name}.br");
            let mut gz = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(asset.gz), &mut gz)
                .expect("gzip");
            assert_eq!(gz, asset.plain, "{name}.gz");
            assert!(asset.br.len() < asset.plain.len(), "{name} shrinks");
        }
    }
}
