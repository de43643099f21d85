#![allow(clippy::print_stdout)] // A benchmark reports its figures on stdout.

//! `just bench` (= `cargo build --release` then `cargo bench --bench load`): StreamVault at
//! scale on both databases. For each backend it
//! 1. seeds a fresh database with `streamvault seed --scale 10` (timed);
//! 2. starts the release server with the page cache off and drives it with `wrk` at 32
//!    connections: the catalog's first page, a deep page, each sort, a different search and
//!    filter on every request, a random series page on every request, the staff analytics
//!    dashboard (when that route exists) and sign-ins, alone and while the catalog is loaded;
//! 3. measures the floor of each page: the same queries through the `Db` layer, no HTTP;
//! 4. restarts the server with the page cache on and hits one URL long enough to cross many
//!    cache expiries, several times;
//! 5. reads the server's peak private memory (`RssAnon`, sampled) and `VmHWM`, and writes
//!    everything, with the machine, between the markers in `BENCHMARKS.md`.
//!
//! It prints figures and asserts nothing. Knobs (environment): BENCH_BACKENDS
//! (`sqlite,mysql`), BENCH_SCALE (10), BENCH_SECONDS (10 per run), BENCH_FLOOR_SECONDS (5),
//! BENCH_CONNECTIONS (32), BENCH_EXPIRY_SECONDS (20), BENCH_EXPIRY_RUNS (3), BENCH_OUT
//! (`BENCHMARKS.md`; `-` prints only), BENCH_PAGES (all; e.g. `first,deep,series` runs only
//! those pages and skips the analytics refresh, sign-ins and cached runs unless named:
//! `first`, `deep`, `newest`, `rating`, `viewers`, `search`, `series`, `dashboard`, `logins`,
//! `cached`), STREAMVAULT_BIN (`target/release/streamvault`),
//! TEST_MYSQL_URL (`mysql://root@127.0.0.1:3306`). `wrk` and the load run on the same cores as
//! the server and the database.

mod floor;
mod report;
mod server;
mod wrk;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use sqlx::migrate::MigrateDatabase;
use streamvault::analytics::snapshot;
use streamvault::catalog::search::TitleIndex;
use streamvault::catalog::{CatalogFilter, CatalogSort};
use streamvault::clock::Clock;
use streamvault::db::schema::{Countries, Genres, Languages, Series};
use streamvault::db::Db;
use streamvault::seed::scale::{self, Sizes};

use floor::Work;
use report::{BackendReport, Machine, PageResult};
use server::Server;

pub struct Settings {
    pub backends: Vec<String>,
    pub scale: f64,
    pub seconds: u64,
    pub floor_seconds: u64,
    pub connections: usize,
    pub expiry_seconds: u64,
    pub expiry_runs: usize,
    pub out: String,
    pub bin: String,
    pub mysql: String,
    pub rng_seed: u64,
    /// `BENCH_PAGES`: only these parts of the run (`None`: all).
    pub pages: Option<Vec<String>>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Settings {
    fn from_env() -> Settings {
        let root = env!("CARGO_MANIFEST_DIR");
        Settings {
            backends: env_or("BENCH_BACKENDS", "sqlite,mysql".to_owned())
                .split(',')
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty())
                .collect(),
            scale: env_or("BENCH_SCALE", 10.0),
            seconds: env_or("BENCH_SECONDS", 10),
            floor_seconds: env_or("BENCH_FLOOR_SECONDS", 5),
            connections: env_or("BENCH_CONNECTIONS", 32),
            expiry_seconds: env_or("BENCH_EXPIRY_SECONDS", 20),
            expiry_runs: env_or("BENCH_EXPIRY_RUNS", 3),
            out: env_or("BENCH_OUT", format!("{root}/BENCHMARKS.md")),
            bin: env_or(
                "STREAMVAULT_BIN",
                format!("{root}/target/release/streamvault"),
            ),
            mysql: env_or("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306".to_owned()),
            rng_seed: 42,
            pages: std::env::var("BENCH_PAGES").ok().map(|list| {
                list.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            }),
        }
    }

    /// Whether this run includes the part named `key` (see `BENCH_PAGES`).
    pub fn wants(&self, key: &str) -> bool {
        self.pages
            .as_ref()
            .is_none_or(|pages| pages.iter().any(|p| p == key))
    }
}

/// The `BENCH_PAGES` key of a page row.
fn page_key(name: &str) -> &'static str {
    [
        ("first page", "first"),
        ("deep page", "deep"),
        ("sort=newest", "newest"),
        ("sort=rating", "rating"),
        ("sort=viewers", "viewers"),
        ("random search", "search"),
        ("series page", "series"),
        ("dashboard", "dashboard"),
    ]
    .into_iter()
    .find(|(part, _)| name.contains(part))
    .map_or("other", |(_, key)| key)
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env();
    wrk::check_installed()?;
    anyhow::ensure!(
        std::path::Path::new(&settings.bin).exists(),
        "{} is missing: run `cargo build --release` first (`just bench` does)",
        settings.bin
    );
    let mut machine = Machine::probe(&settings).await;
    println!("{}", machine.summary());
    println!("bcrypt alone (cost 12, one thread per core) …");
    machine.bcrypt_per_second = bcrypt_alone(Duration::from_secs(5));
    println!("  {:.1} verifications/s", machine.bcrypt_per_second);

    let mut reports = Vec::new();
    for backend in &settings.backends {
        match bench_backend(&settings, &machine, backend).await {
            Ok(report) => reports.push(report),
            Err(e) => {
                println!("{backend}: benchmark failed: {e:#}");
                reports.push(BackendReport::failed(backend, &format!("{e:#}")));
            }
        }
    }
    let markdown = report::markdown(&settings, &machine, &reports);
    println!("\n{markdown}");
    if settings.out != "-" {
        report::write_between_markers(&settings.out, &markdown)?;
        println!("written to {}", settings.out);
    }
    Ok(())
}

/// Verifications per second when bcrypt has every core to itself.
fn bcrypt_alone(duration: Duration) -> f64 {
    let hash = bcrypt::hash(scale::PASSWORD, 12).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let hash = hash.clone();
            std::thread::spawn(move || {
                let mut done = 0u64;
                while started.elapsed() < duration {
                    let _ = bcrypt::verify(scale::PASSWORD, &hash);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

/// A fresh database for one backend, removed when dropped.
struct BenchDb {
    url: String,
    mysql: bool,
    file: Option<std::path::PathBuf>,
}

impl BenchDb {
    async fn create(settings: &Settings, backend: &str) -> Result<BenchDb> {
        let name = format!("sv_perf_bench_{}", std::process::id());
        if backend == "mysql" {
            let url = format!("{}/{name}", settings.mysql);
            if sqlx::MySql::database_exists(&url).await? {
                sqlx::MySql::drop_database(&url).await?;
            }
            sqlx::MySql::create_database(&url).await?;
            Ok(BenchDb {
                url,
                mysql: true,
                file: None,
            })
        } else {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            remove_sqlite(&path);
            Ok(BenchDb {
                url: format!("sqlite://{}", path.display()),
                mysql: false,
                file: Some(path),
            })
        }
    }

    async fn remove(self) {
        if self.mysql {
            let _ = sqlx::MySql::drop_database(&self.url).await;
        }
        if let Some(path) = &self.file {
            remove_sqlite(path);
        }
    }
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

async fn bench_backend(
    settings: &Settings,
    machine: &Machine,
    backend: &str,
) -> Result<BackendReport> {
    let label = if backend == "mysql" {
        machine.mariadb.clone()
    } else {
        machine.sqlite.clone()
    };
    let mut report = BackendReport::new(backend, &label);
    let bench_db = BenchDb::create(settings, backend).await?;
    println!("\n== {label}: seed --scale {} …", settings.scale);
    report.load_before = report::load_average();
    report.seed = Some(server::seed(
        &settings.bin,
        &bench_db.url,
        settings.scale,
        settings.rng_seed,
    )?);
    println!(
        "  seeded in {:.1} s",
        report.seed.map_or(0.0, |d| d.as_secs_f64())
    );

    if settings.wants("dashboard") {
        println!("  analytics refresh …");
        let db = Db::connect(&bench_db.url).await?;
        let started = std::time::Instant::now();
        snapshot::refresh(&db, &Clock::default(), None).await?;
        report.analytics_refresh = Some(started.elapsed());
        db.close().await;
        println!(
            "  refreshed in {:.1} s",
            report.analytics_refresh.map_or(0.0, |d| d.as_secs_f64())
        );
    }

    let outcome = measure_pages(settings, &bench_db.url, &mut report).await;
    report.load_after = report::load_average();
    bench_db.remove().await;
    outcome?;
    Ok(report)
}

async fn measure_pages(settings: &Settings, url: &str, report: &mut BackendReport) -> Result<()> {
    let db = Db::connect(url).await?;
    let sizes = Sizes::for_scale(settings.scale)?;
    let series = db.count_rows(Series::Table).await? as u64;
    let genres = db.count_rows(Genres::Table).await? as u64;
    let countries = db.count_rows(Countries::Table).await? as u64;
    let languages = db.count_rows(Languages::Table).await? as u64;
    let titles = Arc::new(TitleIndex::load(&db).await?);
    let words = search_words();
    let scripts = wrk::Scripts::new(
        std::env::temp_dir().join(format!("sv_bench_lua_{}", std::process::id())),
    )?;
    let (secs, conns) = (settings.seconds, settings.connections);
    let deep_page = (series / 24 * 3 / 4).max(2) as u32;

    // --- Pages, uncached.
    let server = Server::start(&settings.bin, url, false)?;
    println!("  server (page cache off) at {}", server.base);
    let warm = scripts.catalog_random(&words, genres, countries, languages)?;
    wrk::run(&server.base, &warm, 3, conns)?;

    let mut pages: Vec<(String, std::path::PathBuf, Option<floor::Generator>)> = Vec::new();
    let sort_filter = |sort: CatalogSort| CatalogFilter {
        sort,
        ..CatalogFilter::default()
    };
    pages.push((
        "catalog, first page `/`".into(),
        scripts.fixed("first.lua", "/", &[])?,
        Some(floor::fixed(Work::Catalog(
            CatalogFilter::default(),
            floor::page(1),
        ))),
    ));
    let deep_path = format!("/?page={deep_page}");
    pages.push((
        format!("catalog, deep page `{deep_path}`"),
        scripts.fixed("deep.lua", &deep_path, &[])?,
        Some(floor::fixed(Work::Catalog(
            CatalogFilter::default(),
            floor::page(deep_page),
        ))),
    ));
    for (sort, key) in [
        (CatalogSort::Newest, "newest"),
        (CatalogSort::Rating, "rating"),
        (CatalogSort::Viewers, "viewers"),
    ] {
        let path = format!("/?sort={key}");
        pages.push((
            format!("catalog sorted `{path}`"),
            scripts.fixed(&format!("sort_{key}.lua"), &path, &[])?,
            Some(floor::fixed(Work::Catalog(
                sort_filter(sort),
                floor::page(1),
            ))),
        ));
    }
    pages.push((
        "catalog, random search + filter + sort".into(),
        scripts.catalog_random(&words, genres, countries, languages)?,
        Some(floor::catalog_random(
            words.clone(),
            genres,
            countries,
            languages,
        )),
    ));
    pages.push((
        "series page, random `/series/{id}`".into(),
        scripts.series_random(series)?,
        Some(floor::series_random(series)),
    ));
    match staff_cookie(&server.base).await {
        Ok(Some(cookie)) => pages.push((
            "analytics dashboard (staff) `/admin/analytics`".into(),
            scripts.fixed("dashboard.lua", "/admin/analytics", &[("Cookie", &cookie)])?,
            None,
        )),
        Ok(None) => report
            .notes
            .push("`/admin/analytics` does not exist on this build yet: dashboard skipped.".into()),
        Err(e) => report
            .notes
            .push(format!("dashboard skipped: staff sign-in failed ({e:#})")),
    }

    pages.retain(|(name, _, _)| settings.wants(page_key(name)));

    // CPU time per request (this process or the server, plus MariaDB's server for MariaDB)
    // does not depend on what else the shared machine runs, unlike throughput.
    let database_pid = if url.starts_with("mysql") {
        server::database_server_pid()
    } else {
        None
    };
    let with_database =
        |pid: u32| -> Vec<u32> { [Some(pid), database_pid].into_iter().flatten().collect() };
    for (name, script, generator) in pages {
        let meter = server::CpuMeter::start(with_database(server.pid()));
        let http = wrk::run(&server.base, &script, secs, conns)?;
        let http_cpu_ms = meter.seconds() * 1e3 / http.requests.max(1) as f64;
        println!(
            "  {name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {http_cpu_ms:.3} CPU ms/request{}",
            http.rps(),
            http.p50_ms,
            http.p99_ms,
            errors(&http)
        );
        let floor = match generator {
            Some(generator) => {
                let meter = server::CpuMeter::start(with_database(std::process::id()));
                let measured = floor::measure(
                    &db,
                    titles.clone(),
                    generator,
                    settings.floor_seconds,
                    conns,
                )
                .await?;
                let cpu_ms = meter.seconds() * 1e3 / measured.requests.max(1) as f64;
                println!(
                    "    floor: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {cpu_ms:.3} CPU ms/request",
                    measured.rps(),
                    measured.p50_ms,
                    measured.p99_ms
                );
                Some((measured, cpu_ms))
            }
            None => None,
        };
        report.pages.push(PageResult {
            name,
            http,
            http_cpu_ms,
            floor,
        });
    }

    if !settings.wants("logins") {
        report.rss_uncached_kib = server.peak_rss_kib().ok();
        report.resident_uncached_kib = server.peak_resident_kib().ok();
        server.stop();
        db.close().await;
        return Ok(());
    }
    // --- Sign-ins: alone, then while the catalog is under load. bcrypt alone is measured
    // again right before, as the shared machine's load moves within minutes.
    report.bcrypt_per_second = bcrypt_alone(Duration::from_secs(4));
    let (cookie, token) = server::pre_session(&server::http_client()?, &server.base).await?;
    let logins = scripts.logins(&cookie, &token, sizes.customers, scale::PASSWORD)?;
    let alone = wrk::run(&server.base, &logins, secs, 8)?;
    println!(
        "  sign-ins: {:.1}/s (bcrypt alone {:.1}/s), p99 {:.0} ms{}",
        alone.rps(),
        report.bcrypt_per_second,
        alone.p99_ms,
        errors(&alone)
    );
    let catalog_script = scripts.catalog_random(&words, genres, countries, languages)?;
    let signing_in = wrk::start(&server.base, &logins, secs, 8)?;
    let catalog_during = wrk::run(&server.base, &catalog_script, secs, conns)?;
    let logins_during = signing_in.finish()?;
    println!(
        "  catalog (random) while sign-ins saturate bcrypt: {:.0} req/s, p99 {:.2} ms; sign-ins {:.1}/s",
        catalog_during.rps(),
        catalog_during.p99_ms,
        logins_during.rps()
    );
    report.logins = Some(alone);
    report.catalog_during_logins = Some(catalog_during);
    report.logins_during_catalog = Some(logins_during);
    report.rss_uncached_kib = server.peak_rss_kib().ok();
    report.resident_uncached_kib = server.peak_resident_kib().ok();
    let log = server.recent_log();
    server.stop();
    let problems: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("ERROR") || l.contains("panicked"))
        .collect();
    if !problems.is_empty() {
        report.notes.push(format!(
            "the server logged {} error lines, e.g. `{}`",
            problems.len(),
            problems[0]
        ));
    }

    if !settings.wants("cached") {
        db.close().await;
        return Ok(());
    }
    // --- The same URL with the page cache on, across many expiries.
    let server = Server::start(&settings.bin, url, true)?;
    println!("  server (page cache on) at {}", server.base);
    let first = scripts.fixed("first_cached.lua", "/", &[])?;
    for run in 0..settings.expiry_runs {
        let result = wrk::run(&server.base, &first, settings.expiry_seconds, conns)?;
        println!(
            "  `/` cached, run {}: {:.0} req/s, p99 {:.2} ms, max {:.1} ms{}",
            run + 1,
            result.rps(),
            result.p99_ms,
            result.max_ms,
            errors(&result)
        );
        report.expiry_runs.push(result);
    }
    report.rss_cached_kib = server.peak_rss_kib().ok();
    server.stop();
    db.close().await;
    Ok(())
}

fn errors(run: &wrk::Run) -> String {
    if run.bad_status + run.socket_errors == 0 {
        String::new()
    } else {
        format!(
            " ({} bad statuses, {} socket errors)",
            run.bad_status, run.socket_errors
        )
    }
}

/// Search texts: the words titles are made of (lower-cased, so the prefilter is used), a few
/// common fragments (which match too many titles and fall back to a scan), and words no
/// title has.
fn search_words() -> Vec<String> {
    let mut words: Vec<String> = scale::title_words().map(str::to_lowercase).collect();
    words.extend(
        ["the", "of", "an", "er", "ow", "zzq", "qx", "nothing here"]
            .iter()
            .map(|w| (*w).to_owned()),
    );
    words
}

/// Signs in as `staff1`; the session cookie if `/admin/analytics` answers 200, `None` if the
/// route does not exist yet.
async fn staff_cookie(base: &str) -> Result<Option<String>> {
    let http = server::http_client()?;
    let session = server::sign_in(&http, base, "staff1", scale::PASSWORD).await?;
    let dashboard = http
        .get(format!("{base}/admin/analytics"))
        .header("Cookie", &session)
        .send()
        .await?;
    match dashboard.status().as_u16() {
        200 => Ok(Some(session)),
        404 => Ok(None),
        other => anyhow::bail!("/admin/analytics answered {other}"),
    }
}
