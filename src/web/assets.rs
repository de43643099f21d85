//! Static assets, embedded in the binary at build time (see build.rs): no CDN at run time.

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Response};

const HTMX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js"));
const CHART: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/chart.umd.min.js"));
const APP_CSS: &[u8] = include_bytes!("../../assets/app.css");
const APP_JS: &[u8] = include_bytes!("../../assets/app.js");
const ANALYTICS_JS: &[u8] = include_bytes!("../../assets/analytics.js");
const FAVICON: &[u8] = include_bytes!("../../assets/favicon.svg");

fn find(name: &str) -> Option<(&'static [u8], &'static str)> {
    match name {
        "htmx.min.js" => Some((HTMX, "text/javascript; charset=utf-8")),
        "chart.umd.min.js" => Some((CHART, "text/javascript; charset=utf-8")),
        "app.js" => Some((APP_JS, "text/javascript; charset=utf-8")),
        "analytics.js" => Some((ANALYTICS_JS, "text/javascript; charset=utf-8")),
        "app.css" => Some((APP_CSS, "text/css; charset=utf-8")),
        "favicon.svg" => Some((FAVICON, "image/svg+xml")),
        _ => None,
    }
}

/// URLs carry `?v=<content hash>`, so a year of caching is safe.
#[handler]
pub fn serve(Path(name): Path<String>) -> Response {
    match find(&name) {
        Some((body, content_type)) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .body(body),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .body("not found"),
    }
}
