//! Poster uploads: accepted formats become WebP renditions served with long-lived cache
//! headers; anything else (not an image, another format, a decompression bomb, too large) is
//! refused with nothing stored; replaced and deleted posters' files are swept after commit.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat};
use sea_query::{Expr, Query};
use streamvault::db::schema::{AuditLog, Series};

use crate::both_backends;
use crate::fixtures::{self, SeriesRow};
use crate::helpers::{customer, employee, spawn_app, Backend, Client, TestApp};

#[derive(sqlx::FromRow)]
struct KeyRow {
    poster_key: Option<String>,
    version: i64,
}

async fn with_series(app: &TestApp, titles: &[&'static str]) {
    let titles: Vec<&'static str> = titles.to_vec();
    app.db()
        .transaction("test setup", move |tx| {
            let titles = titles.clone();
            Box::pin(async move {
                fixtures::catalog_basics(tx).await?;
                for (i, title) in titles.iter().enumerate() {
                    SeriesRow::new(i as i64 + 1, *title).insert(tx).await?;
                }
                Ok(())
            })
        })
        .await
        .expect("series");
}

async fn row(app: &TestApp, id: i64) -> KeyRow {
    app.db()
        .fetch_optional(
            &Query::select()
                .columns([Series::PosterKey, Series::Version])
                .from(Series::Table)
                .and_where(Expr::col(Series::Id).eq(id))
                .to_owned(),
        )
        .await
        .expect("read series")
        .expect("series exists")
}

fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let picture = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A PNG whose header claims `side` × `side` pixels (with valid checksums) and no real data.
fn bomb_png(side: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A multipart body with the CSRF field and a `poster` file.
fn multipart(token: &str, file: &[u8], content_type: &str) -> (String, Vec<u8>) {
    let boundary = "----streamvault-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"poster\"; filename=\"poster\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(client: &Client, series_id: i64, file: &[u8], htmx: bool) -> crate::helpers::Page {
    let token = client.csrf().await;
    let (content_type, body) = multipart(&token, file, "image/png");
    let mut request = client
        .http
        .post(format!("{}/admin/series/{series_id}/poster", client.base))
        .header("Content-Type", content_type)
        .body(body);
    if htmx {
        request = request.header("HX-Request", "true");
    }
    client.send(request).await
}

fn stored(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".webp"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn poster_upload_stores_renditions_served_with_cache_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    with_series(&app, &["Harbour Lights", "The Long Winter", "Salt"]).await;
    let admin = employee(&app, "erin").await;
    for (series_id, format) in [
        (1, ImageFormat::Png),
        (2, ImageFormat::Jpeg),
        (3, ImageFormat::WebP),
    ] {
        let page = upload(
            &admin,
            series_id,
            &encoded(format, 300 + series_id as u32, 420),
            true,
        )
        .await;
        assert_eq!(page.status, 200, "{format:?}: {}", page.body);
        let key = row(&app, series_id)
            .await
            .poster_key
            .expect("poster key set");
        assert_eq!(key.len(), 32);
        for width in [160, 320, 640] {
            let name = format!("{key}-{width}.webp");
            assert!(
                page.body.contains(&name) || width == 640,
                "panel shows the poster"
            );
            let file = app.client().get(&format!("/media/{name}")).await;
            assert_eq!(file.status, 200, "{name}");
            assert_eq!(file.header("content-type"), Some("image/webp"));
            assert_eq!(
                file.header("cache-control"),
                Some("public, max-age=31536000, immutable")
            );
            assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
            assert!(file.header("set-cookie").is_none());
        }
    }
    assert_eq!(stored(&app.media_dir).len(), 9);

    // The catalog and the series page use the renditions, lazily, with their size.
    let catalog = app.client().get("/").await;
    let key = row(&app, 1).await.poster_key.expect("key");
    assert!(catalog
        .body
        .contains(&format!("/media/{key}-160.webp 160w")));
    assert!(catalog.body.contains("loading=\"lazy\""));
    assert!(catalog.body.contains("width=\"320\" height=\"480\""));
    let page = app.client().get("/series/1").await;
    assert!(page.body.contains(&format!("/media/{key}-640.webp 640w")));
    assert!(
        !page.body.contains("Edit in admin"),
        "only staff see the edit link"
    );
    let staff_view = admin.get("/series/1").await;
    assert!(staff_view.body.contains("href=\"/admin/series/1\""));

    // Audited, in the same transaction.
    #[derive(sqlx::FromRow)]
    struct Detail {
        detail: String,
    }
    let entries: Vec<Detail> = app
        .db()
        .fetch_all(
            &Query::select()
                .column(AuditLog::Detail)
                .from(AuditLog::Table)
                .and_where(Expr::col(AuditLog::Entity).eq("series"))
                .and_where(Expr::col(AuditLog::EntityId).eq("1"))
                .to_owned(),
        )
        .await
        .expect("audit");
    assert!(entries
        .iter()
        .any(|e| e.detail.contains("poster") && e.detail.contains(&key)));

    // Without JavaScript the form is redirected to the series' staff page.
    let plain = upload(&admin, 1, &encoded(ImageFormat::Png, 50, 60), false).await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some("/admin/series/1#poster"));
    let record = admin.get("/admin/series/1").await;
    assert!(
        record.body.contains("id=\"poster\""),
        "the record page has the panel"
    );
    app.drain_jobs().await;
}
both_backends!(poster_upload_stores_renditions_served_with_cache_headers);

async fn bad_uploads_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    with_series(&app, &["Harbour Lights"]).await;
    let admin = employee(&app, "erin").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let mut truncated = encoded(ImageFormat::Png, 200, 200);
    truncated.truncate(60);
    for (what, file) in [
        ("text", b"just some text, not a picture".to_vec()),
        ("gif", gif),
        ("bomb", bomb_png(100_000)),
        ("too many pixels", bomb_png(6_001)),
        ("truncated", truncated),
        ("empty", Vec::new()),
    ] {
        let page = upload(&admin, 1, &file, true).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        assert!(page.body.contains("field-error"), "{what}");
    }
    // A file over 5 MB, inside a body the route still reads: 413 from the handler.
    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    assert_eq!(upload(&admin, 1, &big, true).await.status, 413);
    // A body well over the limit: 413 before anything reads it.
    let huge = vec![0u8; 7 * 1024 * 1024];
    assert_eq!(upload(&admin, 1, &huge, true).await.status, 413);
    // Every other route keeps the small limit.
    let token = admin.csrf().await;
    let (content_type, body) = multipart(&token, &vec![0u8; 200 * 1024], "image/png");
    let elsewhere = admin
        .send(
            admin
                .http
                .post(format!("{}/admin/series", admin.base))
                .header("Content-Type", content_type)
                .body(body),
        )
        .await;
    assert_eq!(elsewhere.status, 413);

    assert!(row(&app, 1).await.poster_key.is_none());
    assert!(stored(&app.media_dir).is_empty(), "nothing stored");

    // Without a CSRF token, nothing happens.
    let (content_type, body) = multipart("wrong", &encoded(ImageFormat::Png, 20, 20), "image/png");
    let forged = admin
        .send(
            admin
                .http
                .post(format!("{}/admin/series/1/poster", admin.base))
                .header("Content-Type", content_type)
                .body(body),
        )
        .await;
    assert_eq!(forged.status, 403);
    // Customers cannot upload or remove.
    let carla = customer(&app, "carla").await;
    assert_eq!(
        upload(&carla, 1, &encoded(ImageFormat::Png, 20, 20), true)
            .await
            .status,
        403
    );
    let removal = carla.post_form("/admin/series/1/poster/delete", &[]).await;
    assert_eq!(removal.status, 403);
    // Unknown series: 404.
    assert_eq!(
        upload(&admin, 99, &encoded(ImageFormat::Png, 20, 20), true)
            .await
            .status,
        404
    );
    assert!(stored(&app.media_dir).is_empty());
}
both_backends!(bad_uploads_are_refused_and_store_nothing);

async fn media_names_are_strict(backend: Backend) {
    let app = spawn_app(backend).await;
    std::fs::create_dir_all(&app.media_dir).expect("media dir");
    std::fs::write(app.media_dir.join("secret.txt"), "secret").expect("file");
    let client = app.client();
    for name in [
        "secret.txt",
        "..%2Fstreamvault.db",
        "..%2F..%2Fetc%2Fpasswd",
        ".lock",
        "0123456789abcdef0123456789abcdef-320.png",
        "0123456789ABCDEF0123456789ABCDEF-320.webp",
        "0123456789abcdef0123456789abcdef-999.webp",
        "0123456789abcdef0123456789abcdef-320.webp",
    ] {
        let page = client.get(&format!("/media/{name}")).await;
        assert_eq!(page.status, 404, "{name}");
        assert!(!page.body.contains("secret"));
    }
    assert_eq!(client.get("/media/../Cargo.toml").await.status, 404);
}
both_backends!(media_names_are_strict);

async fn replaced_and_deleted_posters_are_swept(backend: Backend) {
    let app = spawn_app(backend).await;
    with_series(&app, &["Harbour Lights", "Salt"]).await;
    let admin = employee(&app, "erin").await;
    assert_eq!(
        upload(&admin, 1, &encoded(ImageFormat::Png, 40, 60), true)
            .await
            .status,
        200
    );
    let first = row(&app, 1).await.poster_key.expect("first key");
    // The same picture on another series shares the files.
    assert_eq!(
        upload(&admin, 2, &encoded(ImageFormat::Png, 40, 60), true)
            .await
            .status,
        200
    );
    assert_eq!(
        row(&app, 2).await.poster_key.as_deref(),
        Some(first.as_str())
    );

    // Replacing series 1's poster keeps the shared files (series 2 still uses them).
    assert_eq!(
        upload(&admin, 1, &encoded(ImageFormat::Jpeg, 80, 60), true)
            .await
            .status,
        200
    );
    let second = row(&app, 1).await.poster_key.expect("second key");
    assert_ne!(first, second);
    app.drain_jobs().await;
    let names = stored(&app.media_dir);
    assert_eq!(names.len(), 6, "{names:?}");

    // Removing series 2's poster leaves the first files unused: swept.
    let removed = admin
        .send(
            admin
                .http
                .delete(format!("{}/admin/series/2/poster", admin.base))
                .header("X-CSRF-Token", admin.csrf().await)
                .header("HX-Request", "true"),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(row(&app, 2).await.poster_key.is_none());
    app.drain_jobs().await;
    let names = stored(&app.media_dir);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with(&second)));

    // Deleting series 1 sweeps its poster after the delete commits.
    let version = row(&app, 1).await.version.to_string();
    let gone = crate::admin_support::htmx(
        &admin,
        "DELETE",
        "/admin/series/1",
        &[("version", &version)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    app.drain_jobs().await;
    assert!(stored(&app.media_dir).is_empty());
}
both_backends!(replaced_and_deleted_posters_are_swept);

async fn demo_seed_draws_a_poster_for_every_series(backend: Backend) {
    let test_db = crate::helpers::TestDb::new(backend).await;
    let media = std::env::temp_dir()
        .join("streamvault-tests")
        .join(format!("media-demo-{}", std::process::id()))
        .join(format!("{backend:?}"));
    let _ = std::fs::remove_dir_all(&media);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_streamvault"))
        .args(["seed", "--demo"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &test_db.url)
        .env("MEDIA_DIR", &media)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run streamvault");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    #[derive(sqlx::FromRow)]
    struct Keyed {
        poster_key: Option<String>,
    }
    let rows: Vec<Keyed> = test_db
        .db
        .fetch_all(
            &Query::select()
                .column(Series::PosterKey)
                .from(Series::Table)
                .to_owned(),
        )
        .await
        .expect("series");
    assert!(rows.len() >= 30);
    let mut keys: Vec<String> = rows
        .into_iter()
        .map(|r| r.poster_key.expect("every demo series has a poster"))
        .collect();
    for key in &keys {
        for width in [160, 320, 640] {
            assert!(media.join(format!("{key}-{width}.webp")).is_file(), "{key}");
        }
    }
    keys.sort();
    keys.dedup();
    assert!(keys.len() >= 30, "each demo series has a poster of its own");
    let _ = std::fs::remove_dir_all(&media);
}
both_backends!(demo_seed_draws_a_poster_for_every_series);
