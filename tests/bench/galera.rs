#![allow(clippy::print_stdout)] // A benchmark reports its figures on stdout.
//! `just bench-cluster` (`cargo bench --bench galera`): StreamVault on the local three-node
//! Galera cluster (`scripts/cluster up`) beside the single MariaDB server. Prints figures and
//! asserts nothing.
//!
//! 1. **Causal reads.** On a database of the cluster, while node 1 takes a steady stream of
//!    inserts, node 2 answers point reads with `wsrep_sync_wait` = 0 and = 1 (what every app
//!    connection to a Galera node sets): the latency of each, and in read-after-write probes
//!    (insert through node 1, read at once through node 2) how many reads missed the write.
//! 2. **Pages and writes.** `seed --scale S` into a database on the single server and one on
//!    the cluster; two `serve` processes on each (on the cluster, one through node 1 and one
//!    through node 2, each given all three nodes); for BENCH_SECONDS, readers fetch random
//!    catalog and series pages and signed-in viewers rate random series, split over both
//!    processes: requests per second, p50/p99 for reads and for writes, 503s and other
//!    failures, and the cluster's certification failures (`wsrep_local_cert_failures`,
//!    summed over the nodes: writes that lost a race on another node and were re-run).
//!
//! Knobs: BENCH_SCALE (1), BENCH_SECONDS (15), BENCH_READERS (16), BENCH_WRITERS (4),
//! BENCH_PROBES (200), STREAMVAULT_BIN, TEST_MYSQL_URL (the single server), BENCH_OUT
//! (`-` prints only; default BENCHMARKS.md, between the `cluster:begin`/`cluster:end`
//! markers). Databases are named `sv_galera_bench_<pid>` and dropped at the end.

#[path = "server.rs"]
#[allow(dead_code)]
mod server;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sea_query::{Expr, MysqlQueryBuilder, Query};
use sea_query_binder::SqlxBinder;
use sqlx::{Connection, MySqlConnection};
use streamvault::db::schema::{Computed, Genres, Series};

const NODES: [&str; 3] = ["127.0.0.1:4306", "127.0.0.1:4307", "127.0.0.1:4308"];
const MARK_BEGIN: &str =
    "<!-- cluster:begin (written by `just bench-cluster`; edits here are overwritten) -->";
const MARK_END: &str = "<!-- cluster:end -->";
const PASSWORD: &str = streamvault::seed::scale::PASSWORD;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Settings {
    bin: String,
    single: String,
    scale: f64,
    seconds: u64,
    readers: usize,
    writers: usize,
    probes: usize,
    out: String,
}

#[tokio::main]
async fn main() -> Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    let settings = Settings {
        bin: env_or(
            "STREAMVAULT_BIN",
            format!("{root}/target/release/streamvault"),
        ),
        single: env_or("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306".to_owned()),
        scale: env_or("BENCH_SCALE", 1.0),
        seconds: env_or("BENCH_SECONDS", 15),
        readers: env_or("BENCH_READERS", 16),
        writers: env_or("BENCH_WRITERS", 4),
        probes: env_or("BENCH_PROBES", 200),
        out: env_or("BENCH_OUT", format!("{root}/BENCHMARKS.md")),
    };
    let name = format!("sv_galera_bench_{}", std::process::id());
    let cluster_db = format!("mysql://root@{}/{name}", NODES[0]);
    let single_db = format!("{}/{name}", settings.single);
    let result = run(&settings, &name, &cluster_db, &single_db).await;
    for url in [&cluster_db, &single_db] {
        let _ = <sqlx::MySql as sqlx::migrate::MigrateDatabase>::drop_database(url).await;
    }
    let markdown = result?;
    println!("\n{markdown}");
    if settings.out != "-" {
        write_between_markers(&settings.out, &markdown)?;
        println!("written to {}", settings.out);
    }
    Ok(())
}

async fn run(settings: &Settings, name: &str, cluster_db: &str, single_db: &str) -> Result<String> {
    let load = load_average();
    println!(
        "seeding scale {} on the cluster and on the single server …",
        settings.scale
    );
    let seeded_cluster = server::seed(&settings.bin, cluster_db, settings.scale, 42)?;
    let seeded_single = server::seed(&settings.bin, single_db, settings.scale, 42)?;
    println!("causal reads …");
    let causal = causal_reads(cluster_db, settings.probes).await?;

    let all_nodes = |first: usize| {
        let mut order = vec![NODES[first]];
        order.extend(
            NODES
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != first)
                .map(|(_, n)| *n),
        );
        format!("mysql://root@{}/{name}", order.join(","))
    };
    println!("pages and writes on the single server …");
    let single = mixed_load(settings, [single_db.to_owned(), single_db.to_owned()], None).await?;
    println!("pages and writes on the cluster …");
    let cluster = mixed_load(settings, [all_nodes(0), all_nodes(1)], Some(cluster_db)).await?;

    let mut md = String::new();
    md.push_str(&format!(
        "Run of {} UTC: scale {} (seeded in {:.1} s on the cluster, {:.1} s on the single server), {} s per load, {} readers and {} writers over two `serve` processes, release build. Load average before: {load}; after: {}. The cluster's three nodes, both app processes and the load generator share the same two cores as the single server's run did.\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        settings.scale,
        seeded_cluster.as_secs_f64(),
        seeded_single.as_secs_f64(),
        settings.seconds,
        settings.readers,
        settings.writers,
        load_average(),
    ));
    md.push_str("**Causal reads** (point reads on node 2 while node 1 takes inserts):\n\n");
    md.push_str("| `wsrep_sync_wait` | reads | mean | p50 | p99 | read-after-write probes that missed the write |\n|---|---:|---:|---:|---:|---:|\n");
    for row in &causal {
        md.push_str(&format!(
            "| {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {} of {} |\n",
            row.sync_wait,
            row.latencies.len(),
            mean_ms(&row.latencies),
            percentile_ms(&row.latencies, 0.50),
            percentile_ms(&row.latencies, 0.99),
            row.missed,
            row.probes
        ));
    }
    md.push_str(
        "\n**Pages and writes** (two `serve` processes, readers and writers split over both):\n\n",
    );
    md.push_str("| database | reads/s | read p50 | read p99 | writes/s | write p50 | write p99 | 503s | other failures | certification failures |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (label, figures) in [
        ("single MariaDB server", &single),
        ("Galera, 3 nodes", &cluster),
    ] {
        md.push_str(&format!(
            "| {label} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.2} ms | {} | {} | {} |\n",
            figures.reads.len() as f64 / figures.seconds,
            percentile_ms(&figures.reads, 0.50),
            percentile_ms(&figures.reads, 0.99),
            figures.writes.len() as f64 / figures.seconds,
            percentile_ms(&figures.writes, 0.50),
            percentile_ms(&figures.writes, 0.99),
            figures.unavailable,
            figures.failed,
            figures
                .cert_failures
                .map_or("–".to_owned(), |n| n.to_string()),
        ));
    }
    Ok(md)
}

struct CausalRow {
    sync_wait: u8,
    latencies: Vec<Duration>,
    missed: usize,
    probes: usize,
}

/// Point reads on node 2 under writes on node 1, without and with causal reads.
async fn causal_reads(cluster_db: &str, probes: usize) -> Result<Vec<CausalRow>> {
    let on_node = |n: usize| cluster_db.replacen(NODES[0], NODES[n], 1);
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (url, writing) = (on_node(0), writing.clone());
        tokio::spawn(async move {
            let mut conn = MySqlConnection::connect(&url).await?;
            let mut n = 0u64;
            while writing.load(Ordering::Relaxed) {
                n += 1;
                insert_genre(&mut conn, &format!("load {n}")).await?;
            }
            Ok::<(), anyhow::Error>(())
        })
    };
    let mut writer_conn = MySqlConnection::connect(&on_node(0)).await?;
    let mut reader = MySqlConnection::connect(&on_node(1)).await?;
    let mut rows = Vec::new();
    for sync_wait in [0u8, 1] {
        let set = if sync_wait == 0 {
            "SET SESSION wsrep_sync_wait = 0"
        } else {
            "SET SESSION wsrep_sync_wait = 1"
        };
        sqlx::query(set).execute(&mut reader).await?;
        let mut latencies = Vec::new();
        for id in 0..2000i64 {
            let (sql, values) = Query::select()
                .column(Series::Title)
                .from(Series::Table)
                .and_where(Expr::col(Series::Id).eq(id % 500 + 1))
                .build_sqlx(MysqlQueryBuilder);
            let started = Instant::now();
            sqlx::query_with(&sql, values)
                .fetch_optional(&mut reader)
                .await?;
            latencies.push(started.elapsed());
        }
        let mut missed = 0;
        for n in 0..probes {
            let probe = format!("probe {sync_wait} {n}");
            insert_genre(&mut writer_conn, &probe).await?;
            let (sql, values) = Query::select()
                .expr_as(Expr::col(Genres::Id).count(), Computed::Count)
                .from(Genres::Table)
                .and_where(Expr::col(Genres::Name).eq(probe.as_str()))
                .build_sqlx(MysqlQueryBuilder);
            let found: i64 = sqlx::query_scalar_with(&sql, values)
                .fetch_one(&mut reader)
                .await?;
            if found == 0 {
                missed += 1;
            }
        }
        rows.push(CausalRow {
            sync_wait,
            latencies,
            missed,
            probes,
        });
    }
    writing.store(false, Ordering::Relaxed);
    writer.await.context("writer task")??;
    Ok(rows)
}

async fn insert_genre(conn: &mut MySqlConnection, name: &str) -> Result<()> {
    let (sql, values) = Query::insert()
        .into_table(Genres::Table)
        .columns([Genres::Name])
        .values_panic([name.into()])
        .build_sqlx(MysqlQueryBuilder);
    sqlx::query_with(&sql, values).execute(conn).await?;
    Ok(())
}

struct LoadFigures {
    seconds: f64,
    reads: Vec<Duration>,
    writes: Vec<Duration>,
    unavailable: usize,
    failed: usize,
    cert_failures: Option<u64>,
}

/// Readers and writers against two `serve` processes (`urls`: their `DATABASE_URL`s).
async fn mixed_load(
    settings: &Settings,
    urls: [String; 2],
    cluster: Option<&str>,
) -> Result<LoadFigures> {
    let servers = [
        server::Server::start(&settings.bin, &urls[0], false)?,
        server::Server::start(&settings.bin, &urls[1], false)?,
    ];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let series = (1000.0 * settings.scale).max(1.0) as u64;
    let cert_before = match cluster {
        Some(_) => Some(cert_failures().await?),
        None => None,
    };
    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..settings.readers {
        let base = bases[n % 2].clone();
        tasks.spawn(async move { reader(base, series, n as u64 + 1, deadline).await });
    }
    for n in 0..settings.writers {
        let base = bases[n % 2].clone();
        tasks.spawn(async move { writer(base, series, n + 1, deadline).await });
    }
    let started = Instant::now();
    let mut figures = LoadFigures {
        seconds: 0.0,
        reads: Vec::new(),
        writes: Vec::new(),
        unavailable: 0,
        failed: 0,
        cert_failures: None,
    };
    while let Some(done) = tasks.join_next().await {
        let tally = done.context("load task")??;
        figures.reads.extend(tally.reads);
        figures.writes.extend(tally.writes);
        figures.unavailable += tally.unavailable;
        figures.failed += tally.failed;
    }
    figures.seconds = started.elapsed().as_secs_f64();
    if let Some(before) = cert_before {
        figures.cert_failures = Some(cert_failures().await?.saturating_sub(before));
    }
    for server in servers {
        server.stop();
    }
    Ok(figures)
}

#[derive(Default)]
struct Tally {
    reads: Vec<Duration>,
    writes: Vec<Duration>,
    unavailable: usize,
    failed: usize,
}

impl Tally {
    fn count(&mut self, status: u16, took: Duration, write: bool) {
        match (status, write) {
            (200, false) => self.reads.push(took),
            (200 | 303, true) => self.writes.push(took),
            (503, _) => self.unavailable += 1,
            _ => self.failed += 1,
        }
    }
}

/// A small deterministic generator (no dependency for one number stream).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn reader(base: String, series: u64, seed: u64, deadline: Instant) -> Result<Tally> {
    let client = reqwest::Client::new();
    let mut tally = Tally::default();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while Instant::now() < deadline {
        let pick = next(&mut state);
        let path = if pick.is_multiple_of(2) {
            format!("/?page={}", pick % 20 + 1)
        } else {
            format!("/series/{}", pick % series + 1)
        };
        let started = Instant::now();
        let status = match client.get(format!("{base}{path}")).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        };
        tally.count(status, started.elapsed(), false);
    }
    Ok(tally)
}

/// Viewer `n` signs in, then rates random series until the deadline.
async fn writer(base: String, series: u64, n: usize, deadline: Instant) -> Result<Tally> {
    let client = server::http_client()?;
    let session = server::sign_in(&client, &base, &format!("viewer{n}"), PASSWORD).await?;
    let page = client
        .get(format!("{base}/account"))
        .header("Cookie", &session)
        .send()
        .await?
        .text()
        .await?;
    let token = server::csrf_token(&page)?;
    let mut tally = Tally::default();
    let mut state = (n as u64).wrapping_mul(0xD1B5_4A32_D192_ED03) | 1;
    while Instant::now() < deadline {
        let pick = next(&mut state);
        let rating = (pick % 5 + 1).to_string();
        let started = Instant::now();
        let status = match client
            .post(format!("{base}/series/{}/feedback", pick % series + 1))
            .header("Cookie", &session)
            .header("X-CSRF-Token", &token)
            .form(&[("rating", rating.as_str()), ("body", "")])
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        };
        tally.count(status, started.elapsed(), true);
    }
    Ok(tally)
}

/// `wsrep_local_cert_failures`, summed over the three nodes.
async fn cert_failures() -> Result<u64> {
    let mut total = 0;
    for node in NODES {
        let mut conn = MySqlConnection::connect(&format!("mysql://root@{node}")).await?;
        let row: (String, String) =
            sqlx::query_as("SHOW GLOBAL STATUS LIKE 'wsrep_local_cert_failures'")
                .fetch_one(&mut conn)
                .await?;
        total += row.1.parse::<u64>().unwrap_or(0);
    }
    Ok(total)
}

fn mean_ms(values: &[Duration]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / values.len() as f64
}

fn percentile_ms(values: &[Duration], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Replaces what lies between the cluster markers of `path` (appending them if missing).
fn write_between_markers(path: &str, markdown: &str) -> Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{MARK_BEGIN}\n{markdown}{MARK_END}");
    let updated = match (text.find(MARK_BEGIN), text.find(MARK_END)) {
        (Some(begin), Some(end)) if end > begin => [
            &text[..begin],
            section.as_str(),
            &text[end + MARK_END.len()..],
        ]
        .concat(),
        _ => [
            text.as_str(),
            "\n## On a Galera cluster\n\n",
            section.as_str(),
            "\n",
        ]
        .concat(),
    };
    std::fs::write(path, updated)?;
    Ok(())
}
