//! The machine, the figures, and the Markdown written into `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Result;

use crate::floor::Measured;
use crate::wrk::Run;
use crate::Settings;

pub const BEGIN: &str =
    "<!-- bench:begin (written by `just bench`; edits here are overwritten) -->";
pub const END: &str = "<!-- bench:end -->";

/// The speed targets.
const PAGE_P99_MS: f64 = 20.0;
const DASHBOARD_P99_MS: f64 = 15.0;
const OVERHEAD: f64 = 1.25;
const LOGINS_SHARE: f64 = 0.90;
const RSS_LIMIT_KIB: u64 = 150 * 1024;
/// Issue 22: the random series page at scale 10, uncached, 32 connections.
const SERIES_SQLITE_RPS: f64 = 5000.0;
const SERIES_SQLITE_P99_MS: f64 = 15.0;
const SERIES_MARIADB_CPU_MS: f64 = 0.47;
/// Issue 22: MariaDB's deep page within this many times the first page's CPU per request.
const DEEP_OVER_FIRST: f64 = 2.0;

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub mariadb: String,
    pub sqlite: String,
    pub wrk: String,
    pub date: String,
    pub bcrypt_per_second: f64,
}

impl Machine {
    pub async fn probe(settings: &Settings) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown CPU".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or("?".into(), |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0));
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned();
        let mariadb = match sqlx::MySqlPool::connect(&settings.mysql).await {
            Ok(pool) => {
                let version: Result<String, _> = sqlx::query_scalar("SELECT VERSION()")
                    .fetch_one(&pool)
                    .await;
                pool.close().await;
                version.map_or("MariaDB (version unknown)".into(), |v| {
                    format!("MariaDB {}", v.split('-').next().unwrap_or(&v))
                })
            }
            Err(_) => "MariaDB (unreachable)".into(),
        };
        let sqlite = match sqlx::SqlitePool::connect("sqlite::memory:").await {
            Ok(pool) => {
                let version: Result<String, _> = sqlx::query_scalar("SELECT sqlite_version()")
                    .fetch_one(&pool)
                    .await;
                pool.close().await;
                version.map_or("SQLite".into(), |v| format!("SQLite {v}"))
            }
            Err(_) => "SQLite".into(),
        };
        let wrk = std::process::Command::new("wrk")
            .arg("--version")
            .output()
            .map(|o| {
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                text.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory,
            kernel,
            mariadb,
            sqlite,
            wrk,
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            bcrypt_per_second: 0.0,
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} cores ({}), {}, Linux {}; {}, {}; {}; load average {}",
            self.cores,
            self.cpu,
            self.memory,
            self.kernel,
            self.sqlite,
            self.mariadb,
            self.wrk,
            load_average()
        )
    }
}

/// The 1/5/15-minute load averages: the machine is shared, so they say how noisy a run was.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct PageResult {
    pub name: String,
    pub http: Run,
    /// CPU time per request: the server (and for MariaDB its server) during the wrk run.
    pub http_cpu_ms: f64,
    /// The floor's figures and its CPU time per request (this process, and MariaDB's server).
    pub floor: Option<(Measured, f64)>,
}

pub struct BackendReport {
    pub backend: String,
    pub label: String,
    pub seed: Option<Duration>,
    /// One analytics refresh (all six results, the charts and both reports) after the seed.
    pub analytics_refresh: Option<Duration>,
    pub pages: Vec<PageResult>,
    pub logins: Option<Run>,
    pub catalog_during_logins: Option<Run>,
    pub logins_during_catalog: Option<Run>,
    pub expiry_runs: Vec<Run>,
    pub rss_uncached_kib: Option<u64>,
    pub rss_cached_kib: Option<u64>,
    /// `VmHWM` with the page cache off: the peak including mapped database pages.
    pub resident_uncached_kib: Option<u64>,
    pub load_before: String,
    pub load_after: String,
    /// bcrypt alone, measured right before this backend's sign-ins.
    pub bcrypt_per_second: f64,
    pub notes: Vec<String>,
}

impl BackendReport {
    pub fn new(backend: &str, label: &str) -> Self {
        BackendReport {
            backend: backend.to_owned(),
            label: label.to_owned(),
            seed: None,
            analytics_refresh: None,
            pages: Vec::new(),
            logins: None,
            catalog_during_logins: None,
            logins_during_catalog: None,
            expiry_runs: Vec::new(),
            rss_uncached_kib: None,
            rss_cached_kib: None,
            resident_uncached_kib: None,
            load_before: String::new(),
            load_after: String::new(),
            bcrypt_per_second: 0.0,
            notes: Vec::new(),
        }
    }

    pub fn failed(backend: &str, error: &str) -> Self {
        let mut report = Self::new(backend, backend);
        report.notes.push(format!("the run failed: {error}"));
        report
    }

    /// The random-search catalog run alone (the baseline for "while sign-ins saturate").
    fn catalog_random(&self) -> Option<&Run> {
        self.pages
            .iter()
            .find(|p| p.name.contains("random search"))
            .map(|p| &p.http)
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "✅"
    } else {
        "❌"
    }
}

pub fn markdown(settings: &Settings, machine: &Machine, reports: &[BackendReport]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{BEGIN}");
    let _ = writeln!(
        md,
        "Run of {}: {} cores ({}), {}, Linux {}; {} (the load generator shares the cores with the server and the database); bcrypt alone (cost 12, {} threads): **{:.1} verifications/s**. Scale {}, {} connections, {} s per run, floors {} s.\n",
        machine.date,
        machine.cores,
        machine.cpu,
        machine.memory,
        machine.kernel,
        machine.wrk,
        machine.cores,
        machine.bcrypt_per_second,
        settings.scale,
        settings.connections,
        settings.seconds,
        settings.floor_seconds,
    );
    for report in reports {
        let _ = writeln!(md, "### {}\n", report.label);
        if !report.load_before.is_empty() {
            let _ = writeln!(
                md,
                "Machine load average (1/5/15 min) before: {}; after: {}.\n",
                report.load_before, report.load_after
            );
        }
        if let Some(seed) = report.seed {
            let limit = if report.backend == "mysql" {
                120.0
            } else {
                60.0
            };
            let _ = writeln!(
                md,
                "`seed --scale {}`: **{:.1} s** {} (target < {limit:.0} s)\n",
                settings.scale,
                seed.as_secs_f64(),
                mark(seed.as_secs_f64() < limit)
            );
        }
        if let Some(refresh) = report.analytics_refresh {
            let _ = writeln!(
                md,
                "Analytics refresh (six results, eight charts, both reports, stored): **{:.1} s**\n",
                refresh.as_secs_f64()
            );
        }
        if !report.pages.is_empty() {
            let _ = writeln!(md, "| page (page cache off) | req/s | p50 | p99 | p99 < target | CPU ms / request | floor req/s | floor p50 | floor CPU ms / request | HTTP + rendering over the floor (CPU) |");
            let _ = writeln!(md, "|---|---:|---:|---:|:-:|---:|---:|---:|---:|---:|");
            for page in &report.pages {
                let target = if page.name.contains("dashboard") {
                    DASHBOARD_P99_MS
                } else {
                    PAGE_P99_MS
                };
                let (floor_rps, floor_p50, floor_cpu, overhead) = match &page.floor {
                    Some((floor, cpu_ms)) => {
                        let ratio = page.http_cpu_ms / cpu_ms.max(1e-9);
                        (
                            format!("{:.0}", floor.rps()),
                            format!("{:.2} ms", floor.p50_ms),
                            format!("{cpu_ms:.3}"),
                            format!(
                                "{:+.0} % {}",
                                (ratio - 1.0) * 100.0,
                                mark(ratio <= OVERHEAD)
                            ),
                        )
                    }
                    None => ("–".into(), "–".into(), "–".into(), "–".into()),
                };
                let errors = if page.http.bad_status + page.http.socket_errors > 0 {
                    format!(
                        " ({} bad statuses, {} socket errors)",
                        page.http.bad_status, page.http.socket_errors
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    md,
                    "| {}{errors} | {:.0} | {:.2} ms | {:.2} ms | {} | {:.3} | {floor_rps} | {floor_p50} | {floor_cpu} | {overhead} |",
                    page.name,
                    page.http.rps(),
                    page.http.p50_ms,
                    page.http.p99_ms,
                    mark(page.http.p99_ms < target),
                    page.http_cpu_ms,
                );
            }
            let _ = writeln!(md);
        }
        targets_22(&mut md, report);
        if let Some(logins) = &report.logins {
            let share = logins.rps() / report.bcrypt_per_second.max(1e-9);
            let _ = writeln!(
                md,
                "Sign-ins (8 connections, random synthetic customers, correct password): **{:.1}/s** = {:.0} % of bcrypt alone just before ({:.1}/s) {} (target ≥ 90 %), p50 {:.0} ms, p99 {:.0} ms{}.\n",
                logins.rps(),
                share * 100.0,
                report.bcrypt_per_second,
                mark(share >= LOGINS_SHARE),
                logins.p50_ms,
                logins.p99_ms,
                if logins.bad_status > 0 { format!(" ({} failed)", logins.bad_status) } else { String::new() },
            );
        }
        if let (Some(during), Some(alone), Some(logins)) = (
            &report.catalog_during_logins,
            report.catalog_random(),
            &report.logins_during_catalog,
        ) {
            let ratio = during.p99_ms / alone.p99_ms.max(1e-9);
            let _ = writeln!(
                md,
                "Catalog (random search) while sign-ins saturate bcrypt: {:.0} req/s, p99 **{:.2} ms** vs {:.2} ms alone = ×{:.2} {} (target ≤ ×2); sign-ins meanwhile {:.1}/s.\n",
                during.rps(),
                during.p99_ms,
                alone.p99_ms,
                ratio,
                mark(ratio <= 2.0),
                logins.rps(),
            );
        }
        if !report.expiry_runs.is_empty() {
            let runs: Vec<String> = report
                .expiry_runs
                .iter()
                .map(|r| {
                    format!(
                        "{:.0} req/s, p99 {:.2} ms {} (max {:.1} ms)",
                        r.rps(),
                        r.p99_ms,
                        mark(r.p99_ms < PAGE_P99_MS),
                        r.max_ms
                    )
                })
                .collect();
            let _ = writeln!(
                md,
                "Same URL `/` with the page cache on, {} s per run (≈ {} one-second expiries each): {}.\n",
                settings.expiry_seconds,
                settings.expiry_seconds,
                runs.join("; ")
            );
        }
        let rss: Vec<String> = [
            ("page cache off", report.rss_uncached_kib),
            ("page cache on", report.rss_cached_kib),
        ]
        .iter()
        .filter_map(|(what, kib)| {
            kib.map(|kib| {
                format!(
                    "{:.0} MB with the {what} {}",
                    kib as f64 / 1024.0,
                    mark(kib < RSS_LIMIT_KIB)
                )
            })
        })
        .collect();
        if !rss.is_empty() {
            let _ = writeln!(
                md,
                "Server peak private memory (`RssAnon`, sampled every 50 ms): {} (target < 150 \
                 MB){}.\n",
                rss.join("; "),
                report
                    .resident_uncached_kib
                    .map(|kib| format!(
                        "; peak resident including mapped file pages (`VmHWM`; on SQLite the \
                         database pages it maps, the kernel's shared page cache) {:.0} MB with \
                         the page cache off",
                        kib as f64 / 1024.0
                    ))
                    .unwrap_or_default()
            );
        }
        for note in &report.notes {
            let _ = writeln!(md, "Note: {note}\n");
        }
    }
    let _ = write!(md, "{END}");
    md
}

/// Issue 22's targets for the series page and the deep page.
fn targets_22(md: &mut String, report: &BackendReport) {
    let find = |part: &str| report.pages.iter().find(|p| p.name.contains(part));
    let mysql = report.backend == "mysql";
    if let Some(series) = find("series page") {
        let floor = series.floor.as_ref().map_or(String::new(), |(_, cpu)| {
            format!("; floor {cpu:.3} CPU ms/request")
        });
        if mysql {
            let _ = writeln!(
                md,
                "Series page (read model): **{:.3} CPU ms/request** (server + MariaDB) {} (target ≤ {SERIES_MARIADB_CPU_MS} ms){floor}.\n",
                series.http_cpu_ms,
                mark(series.http_cpu_ms <= SERIES_MARIADB_CPU_MS),
            );
        } else {
            let _ = writeln!(
                md,
                "Series page (read model): **{:.0} req/s** {} (target ≥ {SERIES_SQLITE_RPS:.0}), p99 **{:.2} ms** {} (target < {SERIES_SQLITE_P99_MS:.0} ms), {:.3} CPU ms/request{floor}.\n",
                series.http.rps(),
                mark(series.http.rps() >= SERIES_SQLITE_RPS),
                series.http.p99_ms,
                mark(series.http.p99_ms < SERIES_SQLITE_P99_MS),
                series.http_cpu_ms,
            );
        }
    }
    if let (Some(deep), Some(first)) = (find("deep page"), find("first page")) {
        let ratio = deep.http_cpu_ms / first.http_cpu_ms.max(1e-9);
        let verdict = if mysql {
            format!(
                "{} (target ≤ ×{DEEP_OVER_FIRST:.0} on MariaDB)",
                mark(ratio <= DEEP_OVER_FIRST)
            )
        } else {
            "(the target is MariaDB's)".to_owned()
        };
        let _ = writeln!(
            md,
            "Deep page: {:.3} CPU ms/request = **×{ratio:.2}** the first page's {:.3} {verdict}.\n",
            deep.http_cpu_ms, first.http_cpu_ms,
        );
    }
}

/// Replaces the text between the markers in `path` (or appends the block if they are missing).
pub fn write_between_markers(path: &str, block: &str) -> Result<()> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if end > begin => {
            [&current[..begin], block, &current[end + END.len()..]].concat()
        }
        _ => [current.trim_end(), "\n\n", block, "\n"].concat(),
    };
    std::fs::write(path, updated)?;
    Ok(())
}
