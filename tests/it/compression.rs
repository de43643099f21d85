//! Compression: assets precompressed at build time, pages and CSV files compressed on the
//! fly, both decoding to exactly what an uncompressed answer carries.

use crate::both_backends;
use crate::helpers::{employee, spawn_with, Backend, Client, Options};

/// An answer's status, headers and raw (still encoded) body bytes.
struct Raw {
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn varies_on_encoding(&self) -> bool {
        self.headers
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
    }

    /// The body as the client reads it once the coding is undone.
    fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.header("content-encoding") {
            Some("br") => {
                brotli::BrotliDecompress(&mut &self.body[..], &mut out).expect("valid brotli")
            }
            Some("gzip") => {
                std::io::Read::read_to_end(
                    &mut flate2::read::GzDecoder::new(&self.body[..]),
                    &mut out,
                )
                .expect("valid gzip");
            }
            None => out.clone_from(&self.body),
            Some(other) => panic!("unexpected coding {other}"),
        }
        out
    }
}

async fn get_raw(client: &Client, path: &str, accept: Option<&str>) -> Raw {
    let mut request = client.http.get(format!("{}{}", client.base, path));
    if let Some(accept) = accept {
        request = request.header("Accept-Encoding", accept);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    Raw { headers, body }
}

/// The masked CSRF token differs in every page, so pages compare with it blanked out.
fn without_token(body: &[u8]) -> String {
    let text = String::from_utf8(body.to_vec()).expect("UTF-8 page");
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = text.find(marker).expect("csrf meta") + marker.len();
    let end = text[start..].find('"').expect("meta closes") + start;
    let token = text[start..end].to_owned();
    text.replace(&token, "TOKEN")
}

async fn pages_and_csv_decode_to_the_uncompressed_bytes(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    let staff = employee(&app, "erin").await;
    // The sign-in's flash message shows once: the pages compared below come after it.
    assert_eq!(staff.get("/").await.status, 200);
    for path in ["/", "/series/1", "/admin/series"] {
        let plain = get_raw(&staff, path, None).await;
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        for (accept, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
            let packed = get_raw(&staff, path, Some(accept)).await;
            assert_eq!(packed.header("content-encoding"), Some(coding), "{path}");
            assert!(packed.varies_on_encoding(), "{path}");
            assert!(packed.body.len() * 2 < plain.body.len(), "{path} shrinks");
            assert_eq!(
                without_token(&packed.decoded()),
                without_token(&plain.body),
                "{path} {coding}"
            );
        }
    }
    // A CSV download has no token: byte for byte the same.
    let plain = get_raw(&staff, "/admin/series.csv", None).await;
    assert!(plain.body.len() > 1024, "enough rows to compress");
    for (accept, coding) in [("br", "br"), ("gzip;q=1, br;q=0", "gzip")] {
        let packed = get_raw(&staff, "/admin/series.csv", Some(accept)).await;
        assert_eq!(packed.header("content-encoding"), Some(coding));
        assert_eq!(packed.decoded(), plain.body, "CSV {coding}");
    }
    // Nothing accepted, nothing compressed.
    let identity = get_raw(&staff, "/", Some("identity")).await;
    assert_eq!(identity.header("content-encoding"), None);
}
both_backends!(pages_and_csv_decode_to_the_uncompressed_bytes);

async fn assets_are_precompressed_and_vary_on_accept_encoding(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let client = app.client();
    for name in ["chart.umd.min.js", "htmx.min.js", "app.css", "app.js"] {
        let path = format!("/assets/{name}");
        let plain = get_raw(&client, &path, None).await;
        assert_eq!(plain.header("content-encoding"), None);
        assert!(plain.varies_on_encoding(), "{name}");
        assert!(plain
            .header("cache-control")
            .is_some_and(|v| v.contains("immutable")));
        for (accept, coding) in [("br, gzip", "br"), ("gzip", "gzip")] {
            let packed = get_raw(&client, &path, Some(accept)).await;
            assert_eq!(packed.header("content-encoding"), Some(coding), "{name}");
            assert!(packed.varies_on_encoding(), "{name}");
            assert!(packed.body.len() < plain.body.len());
            assert_eq!(packed.decoded(), plain.body, "{name} {coding}");
        }
    }
}
both_backends!(assets_are_precompressed_and_vary_on_accept_encoding);
