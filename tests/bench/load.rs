#![allow(clippy::print_stdout)] // A benchmark reports its figures on stdout.

//! `cargo bench --bench load` (or `just bench`): starts StreamVault with the demo catalog on a
//! fresh database, then measures
//! 1. catalog throughput: concurrent keep-alive clients fetching catalog and series pages;
//! 2. login timing: failed sign-ins for existing and for unknown usernames, which must be
//!    indistinguishable (SECURITY.md B.11).
//!
//! Knobs: BENCH_BACKEND=sqlite|mysql (default sqlite), BENCH_SECONDS (default 10),
//! BENCH_CONNECTIONS (default 32), TEST_MYSQL_URL. The load generator shares the machine's
//! cores with the server, so the figures are a floor, not a ceiling.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::migrate::MigrateDatabase;
use streamvault::app::Application;
use streamvault::clock::Clock;
use streamvault::config::Config;
use streamvault::db::Db;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let seconds: u64 = env_or("BENCH_SECONDS", 10);
    let connections: usize = env_or("BENCH_CONNECTIONS", 32);
    let name = format!("sv_bench_{}", std::process::id());
    let url = if backend == "mysql" {
        let server = std::env::var("TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
        let url = format!("{server}/{name}");
        sqlx::MySql::create_database(&url).await?;
        url
    } else {
        format!(
            "sqlite://{}",
            std::env::temp_dir().join(format!("{name}.db")).display()
        )
    };
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let clock = Clock::default();
    streamvault::seed::load_demo(&db, clock.now()).await?;

    let url_for_config = url.clone();
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url_for_config.clone()),
        "STREAMVAULT_ADDR" => Some("127.0.0.1:0".into()),
        "LOGIN_RATE_PER_MIN" => Some("1000000".into()),
        _ => None,
    })?;
    let app = Application::build_with_db(config, db.clone(), clock).await?;
    let base = format!("http://{}", app.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(false, async move {
        let _ = stopped.await;
    }));

    println!("StreamVault load benchmark — backend {backend}, {connections} connections, {seconds} s per page");
    for path in ["/", "/?page=2&sort=rating", "/series/7"] {
        let (count, errors) = hammer(&base, path, connections, Duration::from_secs(seconds)).await;
        println!(
            "  GET {path:<22} {:>9.0} req/s   ({count} ok, {errors} errors)",
            count as f64 / seconds as f64
        );
    }

    login_timing(&base, &db).await?;

    let _ = stop.send(());
    let _ = server.await;
    db.close().await;
    if backend == "mysql" {
        sqlx::MySql::drop_database(&url).await?;
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(std::env::temp_dir().join(format!("{name}.db{suffix}")));
        }
    }
    Ok(())
}

/// `connections` keep-alive clients fetch `path` in a loop for `duration`.
async fn hammer(base: &str, path: &str, connections: usize, duration: Duration) -> (u64, u64) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let url = format!("{base}{path}");
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (ok, failed, running, url) = (ok.clone(), failed.clone(), running.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            while running.load(Ordering::Relaxed) {
                match client.get(&url).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(duration).await;
    running.store(false, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}

/// Failed sign-ins: demo accounts with a wrong password vs usernames that do not exist.
/// Each username is tried once, so the per-account lockout never kicks in.
async fn login_timing(base: &str, db: &Db) -> Result<(), Box<dyn std::error::Error>> {
    use streamvault::auth::accounts::{NewAccount, Profile};
    const SAMPLES: usize = 40;
    let hash = streamvault::auth::password::hash("bench password 123").await?;
    let now = Clock::default().now();
    for i in 0..SAMPLES {
        let account = NewAccount {
            username: format!("bench{i}"),
            profile: Profile {
                email: format!("bench{i}@example.com"),
                first_name: "B".into(),
                last_name: "B".into(),
                country_id: None,
            },
            password_hash: hash.clone(),
            role: streamvault::auth::Role::Customer,
            monthly_subscription_cents: 0,
        };
        db.transaction(move |tx| {
            let account = account.clone();
            Box::pin(async move { streamvault::auth::accounts::insert(tx, &account, now).await })
        })
        .await?;
    }
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login_page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf-token\" content=\"";
    let start = login_page
        .find(marker)
        .map(|i| i + marker.len())
        .ok_or("no csrf token")?;
    let token = login_page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();

    let mut known = Vec::new();
    let mut unknown = Vec::new();
    // Interleaved, so drift in machine load affects both series alike.
    for i in 0..SAMPLES {
        for (username, times) in [
            (format!("bench{i}"), &mut known),
            (format!("ghost{i}"), &mut unknown),
        ] {
            let started = Instant::now();
            let response = client
                .post(format!("{base}/login"))
                .form(&[
                    ("username", username.as_str()),
                    ("password", "wrong password!!"),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await?;
            let status = response.status().as_u16();
            let _ = response.bytes().await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            if status != 401 {
                return Err(format!("expected 401 for {username}, got {status}").into());
            }
        }
    }
    let (km, ks) = stats(&known);
    let (um, us) = stats(&unknown);
    println!("Failed sign-in timing over {SAMPLES} attempts each (bcrypt cost 12):");
    println!("  existing username, wrong password: mean {km:7.1} ms, std dev {ks:5.1} ms");
    println!("  unknown username:                  mean {um:7.1} ms, std dev {us:5.1} ms");
    println!(
        "  difference of means: {:+.1} ms ({:.1} standard errors)",
        km - um,
        (km - um).abs() / ((ks * ks + us * us) / SAMPLES as f64).sqrt()
    );
    Ok(())
}

fn stats(samples: &[f64]) -> (f64, f64) {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}
