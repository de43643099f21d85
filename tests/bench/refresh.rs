#![allow(clippy::print_stdout)] // A benchmark reports its figures on stdout.

//! `cargo bench --bench refresh` (run by `just bench` after `load`; alone it is the knob that
//! runs only these sections): issue 22's items 3 and 4 at scale on both databases.
//! For each backend it seeds a fresh database (`seed --scale`), starts the release server
//! without an analytics snapshot, and measures
//! 1. how soon the first page answers (a server must serve at once without a snapshot);
//! 2. random series pages with `wrk`: p99 without a refresh, then while a refresh runs (the
//!    empty dashboard asks for the first one; a second is asked for with "Refresh now", and
//!    `wrk` runs for as long as the first one took, so the whole window is under refresh);
//! 3. the server's peak private memory (`RssAnon`, sampled) after both refreshes;
//! 4. page weights, compressed (brotli) and not: the catalog's and the dashboard's first
//!    visit (the HTML and every script, style and icon it loads; the poster images, WebP and
//!    so not compressible, are counted apart, as the baseline left them out) and a
//!    repeat visit (the HTML alone, when every asset is cached as immutable).
//!
//! Knobs: BENCH_BACKENDS, BENCH_SCALE, BENCH_CONNECTIONS, BENCH_OUT, STREAMVAULT_BIN,
//! TEST_MYSQL_URL as for `load`; BENCH_REFRESH_SECONDS (5, the baseline run).

#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod wrk;

use std::time::{Duration, Instant};

use anyhow::Result;
use sqlx::migrate::MigrateDatabase;
use streamvault::analytics::snapshot;
use streamvault::db::Db;
use streamvault::seed::scale;

use server::Server;

const BEGIN: &str = "<!-- bench-refresh:begin (written by `cargo bench --bench refresh`) -->";
const END: &str = "<!-- bench-refresh:end -->";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Figures {
    backend: String,
    first_page_ms: f64,
    without: wrk::Run,
    first_refresh: Duration,
    during: wrk::Run,
    second_refresh: Duration,
    peak_rss_mib: f64,
    weights: Vec<(String, Weight)>,
}

#[derive(Default)]
struct Weight {
    /// The HTML and its scripts, styles and icons.
    plain: usize,
    compressed: usize,
    repeat_plain: usize,
    repeat_compressed: usize,
    /// The poster images (`/media/`), and how many.
    images: usize,
    image_count: usize,
    all_immutable: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    let backends: Vec<String> = env_or("BENCH_BACKENDS", "sqlite,mysql".to_owned())
        .split(',')
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    let scale_n: f64 = env_or("BENCH_SCALE", 10.0);
    let out: String = env_or("BENCH_OUT", format!("{root}/BENCHMARKS.md"));
    let bin: String = env_or(
        "STREAMVAULT_BIN",
        format!("{root}/target/release/streamvault"),
    );
    wrk::check_installed()?;
    let load_before = load_average();
    let mut results = Vec::new();
    for backend in &backends {
        match bench_backend(&bin, backend, scale_n).await {
            Ok(figures) => results.push(Ok(figures)),
            Err(e) => {
                println!("{backend}: failed: {e:#}");
                results.push(Err(format!("{backend}: {e:#}")));
            }
        }
    }
    let markdown = markdown(scale_n, &load_before, &load_average(), &results);
    println!("\n{markdown}");
    if out != "-" {
        write_between_markers(&out, &markdown)?;
        println!("written to {out}");
    }
    Ok(())
}

async fn bench_backend(bin: &str, backend: &str, scale_n: f64) -> Result<Figures> {
    let name = format!("sv_refresh_bench_{}", std::process::id());
    let url = if backend == "mysql" {
        let server: String = env_or("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306".to_owned());
        let url = format!("{server}/{name}");
        if sqlx::MySql::database_exists(&url).await? {
            sqlx::MySql::drop_database(&url).await?;
        }
        sqlx::MySql::create_database(&url).await?;
        url
    } else {
        format!(
            "sqlite://{}",
            std::env::temp_dir().join(format!("{name}.db")).display()
        )
    };
    println!("\n== {backend}: seed --scale {scale_n} …");
    let seeded = server::seed(bin, &url, scale_n, 42)?;
    println!("  seeded in {:.1} s", seeded.as_secs_f64());
    let outcome = measure(bin, backend, &url).await;
    if backend == "mysql" {
        let _ = sqlx::MySql::drop_database(&url).await;
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    outcome
}

async fn measure(bin: &str, backend: &str, url: &str) -> Result<Figures> {
    let connections: usize = env_or("BENCH_CONNECTIONS", 32);
    let baseline_seconds: u64 = env_or("BENCH_REFRESH_SECONDS", 5);
    let db = Db::connect(url).await?;
    let series = db
        .count_rows(streamvault::db::schema::Series::Table)
        .await? as u64;
    let scripts = wrk::Scripts::new(
        std::env::temp_dir().join(format!("sv_refresh_lua_{}", std::process::id())),
    )?;
    let script = scripts.series_random(series)?;

    let started = Instant::now();
    let server = Server::start(bin, url, false)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let first = http.get(format!("{}/", server.base)).send().await?;
    anyhow::ensure!(
        first.status().is_success(),
        "first page: {}",
        first.status()
    );
    let first_page_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("  first page {first_page_ms:.0} ms after the start");

    wrk::run(&server.base, &script, 3, connections)?; // warm-up
    let without = wrk::run(&server.base, &script, baseline_seconds, connections)?;
    println!("  without a refresh: p99 {:.1} ms", without.p99_ms);

    let staff = Staff::sign_in(&server.base).await?;
    // No snapshot yet: the dashboard asks for the first refresh (as a start-up would).
    let asked = Instant::now();
    let dashboard = staff.get("/admin/analytics").await?;
    anyhow::ensure!(
        dashboard.contains("Refreshing"),
        "the dashboard asked for no refresh"
    );
    let first_refresh = until_landed(&db, asked, None).await?;
    println!("  first refresh {:.1} s", first_refresh.as_secs_f64());

    let window = first_refresh.as_secs().max(2);
    let before = snapshot::status(&db).await?.computed_at;
    let asked = Instant::now();
    staff.refresh_now().await?;
    let pending = wrk::start(&server.base, &script, window, connections)?;
    let second_refresh = until_landed(&db, asked, before).await?;
    let during = pending.finish()?;
    println!(
        "  during a refresh ({:.1} s; wrk {window} s): p99 {:.1} ms",
        second_refresh.as_secs_f64(),
        during.p99_ms
    );
    let peak_rss_mib = server.peak_rss_kib()? as f64 / 1024.0;
    println!("  peak private memory {peak_rss_mib:.0} MiB");

    let mut weights = Vec::new();
    for (label, path) in [
        ("catalog `/`", "/"),
        ("analytics dashboard `/admin/analytics`", "/admin/analytics"),
    ] {
        // The catalog as a first-time visitor sees it; the dashboard as staff.
        weights.push((label.to_owned(), staff.weigh(path, path == "/").await?));
    }
    server.stop();
    db.close().await;
    Ok(Figures {
        backend: backend.to_owned(),
        first_page_ms,
        without,
        first_refresh,
        during,
        second_refresh,
        peak_rss_mib,
        weights,
    })
}

/// Waits until a snapshot newer than `before` lands; how long since `asked`.
async fn until_landed(
    db: &Db,
    asked: Instant,
    before: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Duration> {
    loop {
        let status = snapshot::status(db).await?;
        if status.computed_at.is_some() && status.computed_at != before {
            return Ok(asked.elapsed());
        }
        anyhow::ensure!(
            asked.elapsed() < Duration::from_secs(600),
            "no snapshot after ten minutes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A signed-in employee (`staff1` of the scale seed) with the session cookie.
struct Staff {
    base: String,
    http: reqwest::Client,
    cookie: String,
}

impl Staff {
    async fn sign_in(base: &str) -> Result<Staff> {
        let http = server::http_client()?;
        let cookie = server::sign_in(&http, base, "staff1", scale::PASSWORD).await?;
        Ok(Staff {
            base: base.to_owned(),
            http,
            cookie,
        })
    }

    async fn get(&self, path: &str) -> Result<String> {
        Ok(self
            .http
            .get(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .send()
            .await?
            .text()
            .await?)
    }

    async fn refresh_now(&self) -> Result<()> {
        let token = server::csrf_token(&self.get("/admin/analytics").await?)?;
        let response = self
            .http
            .post(format!("{}/admin/analytics/refresh", self.base))
            .header("Cookie", &self.cookie)
            .header("X-CSRF-Token", token)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().as_u16() < 400,
            "refresh: {}",
            response.status()
        );
        Ok(())
    }

    /// Bytes on the wire for a first and a repeat visit of `path`, plain and with brotli.
    async fn weigh(&self, path: &str, anonymous: bool) -> Result<Weight> {
        let mut weight = Weight {
            all_immutable: true,
            ..Weight::default()
        };
        // The assets are read from the plain page (a compressed body is not text).
        let mut assets = Vec::new();
        for compressed in [false, true] {
            let (html, _) = self.fetch(path, compressed, anonymous).await?;
            if !compressed {
                assets = subresources(&String::from_utf8_lossy(&html));
            }
            let mut total = html.len();
            let (mut images, mut image_count) = (0, 0);
            for asset in assets.clone() {
                let (bytes, immutable) = self.fetch(&asset, compressed, anonymous).await?;
                if asset.starts_with("/media/") {
                    images += bytes.len();
                    image_count += 1;
                } else {
                    total += bytes.len();
                }
                weight.all_immutable &= immutable;
            }
            (weight.images, weight.image_count) = (images, image_count);
            if compressed {
                (weight.compressed, weight.repeat_compressed) = (total, html.len());
            } else {
                (weight.plain, weight.repeat_plain) = (total, html.len());
            }
        }
        Ok(weight)
    }

    async fn fetch(
        &self,
        path: &str,
        compressed: bool,
        anonymous: bool,
    ) -> Result<(Vec<u8>, bool)> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if !anonymous {
            request = request.header("Cookie", &self.cookie);
        }
        if compressed {
            request = request.header("Accept-Encoding", "gzip, deflate, br, zstd");
        }
        let response = request.send().await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let immutable = response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("immutable"));
        Ok((response.bytes().await?.to_vec(), immutable))
    }
}

/// Every `/assets/` and `/media/` URL a page loads (scripts, styles, icons, images), once each.
fn subresources(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            let url = piece
                .split('"')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&");
            if (url.starts_with("/assets/") || url.starts_with("/media/")) && !found.contains(&url)
            {
                found.push(url);
            }
        }
    }
    found
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn markdown(
    scale_n: f64,
    load_before: &str,
    load_after: &str,
    results: &[Result<Figures, String>],
) -> String {
    let mut md = format!(
        "### Analytics refresh while serving, and page weights (scale {scale_n})\n\n\
         Load average before {load_before}, after {load_after} (2 cores; other engineers' builds \
         may share them). Random series pages, 32 connections; \"during\" runs `wrk` for as long \
         as the first refresh took, while a second one runs.\n\n\
         | backend | first page after start | p99 without refresh | p99 during refresh | ratio (target ≤ 2×) | refresh (1st / 2nd) | peak private memory, `RssAnon` (target < 100 MB) |\n\
         |---|---|---|---|---|---|---|\n"
    );
    for result in results {
        match result {
            Ok(f) => md.push_str(&format!(
                "| {} | {:.0} ms | {:.1} ms ({:.0} req/s) | {:.1} ms ({:.0} req/s) | {:.2}× | {:.1} s / {:.1} s | {:.0} MiB |\n",
                f.backend,
                f.first_page_ms,
                f.without.p99_ms,
                f.without.rps(),
                f.during.p99_ms,
                f.during.rps(),
                f.during.p99_ms / f.without.p99_ms.max(1e-9),
                f.first_refresh.as_secs_f64(),
                f.second_refresh.as_secs_f64(),
                f.peak_rss_mib,
            )),
            Err(e) => md.push_str(&format!("| failed: {e} | | | | | | |\n")),
        }
    }
    md.push_str(
        "\nPage weights (bytes on the wire; first visit = the HTML and every script, style and \
         icon it loads, the poster images apart: WebP, not compressible, loaded lazily by a \
         browser, and left out of the issue's baseline; repeat visit = the HTML alone, when every \
         asset is served immutable):\n\n\
         | backend | page | first visit plain | first visit brotli (target) | poster images (WebP) | repeat visit plain | repeat visit brotli | assets immutable |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for f in results.iter().flatten() {
        for (label, w) in &f.weights {
            let target_kb = if label.starts_with("catalog") {
                35.0
            } else {
                120.0
            };
            let met = if w.compressed as f64 / 1000.0 <= target_kb {
                "✅"
            } else {
                "❌"
            };
            md.push_str(&format!(
                "| {} | {label} | {} | **{}** (≤ {target_kb:.0} KB) {met} | {} in {} | {} | {} | {} |\n",
                f.backend,
                kb(w.plain),
                kb(w.compressed),
                kb(w.images),
                w.image_count,
                kb(w.repeat_plain),
                kb(w.repeat_compressed),
                if w.all_immutable { "yes" } else { "no" },
            ));
        }
    }
    md
}

fn write_between_markers(path: &str, block: &str) -> Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let fresh = format!("{BEGIN}\n{block}\n{END}");
    let updated = match (text.find(BEGIN), text.find(END)) {
        (Some(start), Some(end)) if end > start => {
            format!("{}{fresh}{}", &text[..start], &text[end + END.len()..])
        }
        _ => format!("{}\n\n{fresh}\n", text.trim_end()),
    };
    std::fs::write(path, updated)?;
    Ok(())
}
