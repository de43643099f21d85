//! The StreamVault release binary as a child process: seeded, started, measured, stopped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Runs `streamvault seed --scale N --rng-seed S` on `url`; returns the wall time.
pub fn seed(bin: &str, url: &str, scale: f64, rng_seed: u64) -> Result<Duration> {
    let started = Instant::now();
    let output = Command::new(bin)
        .args([
            "seed",
            "--scale",
            &scale.to_string(),
            "--rng-seed",
            &rng_seed.to_string(),
        ])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {bin}"))?;
    if !output.status.success() {
        bail!(
            "seed --scale {scale} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(started.elapsed())
}

pub struct Server {
    child: Child,
    pub base: String,
    /// The server's last log lines, for diagnosing a failed run.
    log: Arc<Mutex<Vec<String>>>,
    /// The largest `RssAnon` seen so far, in KiB (see `peak_rss_kib`).
    peak_private_kib: Arc<AtomicU64>,
}

/// One `kB` figure of `/proc/PID/status` (`VmHWM`, `RssAnon`, …).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples the process's private memory every 50 ms until it exits, keeping the peak.
fn sample_private_memory(pid: u32) -> Arc<AtomicU64> {
    let peak = Arc::new(AtomicU64::new(0));
    let kept = peak.clone();
    std::thread::spawn(move || {
        while let Some(kib) = status_kib(pid, "RssAnon") {
            kept.fetch_max(kib, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    peak
}

impl Server {
    /// Starts `streamvault serve` on a free port and waits for its `listening on` line.
    pub fn start(bin: &str, url: &str, page_cache: bool) -> Result<Server> {
        let mut child = Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("STREAMVAULT_ADDR", "127.0.0.1:0")
            .env("LOGIN_RATE_PER_MIN", "100000000")
            .env("RESET_RATE_PER_MIN", "100000000")
            .env("PAGE_CACHE", if page_cache { "on" } else { "off" })
            // The benchmark refreshes the analytics itself (timed) before the pages run.
            .env("ANALYTICS_DEBOUNCE_SECONDS", "0")
            // The refresh is timed on its own; a five-minute tick inside a run skewed it.
            .env("ANALYTICS_SCHEDULE", "off")
            .env("RUST_LOG", "warn,streamvault::app=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let stderr = child.stderr.take().context("no stderr")?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel::<String>();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                    if let Some(at) = line.find("listening on http://") {
                        let address: String = line[at + "listening on ".len()..]
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != '\u{1b}')
                            .collect();
                        let _ = address_tx.send(address);
                    }
                    if let Ok(mut log) = log.lock() {
                        if log.len() >= 200 {
                            log.remove(0);
                        }
                        log.push(line);
                    }
                }
            });
        }
        let base = match address_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                bail!(
                    "the server did not start: {:?}",
                    log.lock().map(|l| l.clone())
                );
            }
        };
        let peak_private_kib = sample_private_memory(child.id());
        Ok(Server {
            child,
            base,
            log,
            peak_private_kib,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's peak private memory so far (`RssAnon`, sampled every 50 ms), in KiB: what
    /// the process itself holds. The SQLite pages it maps are the kernel's page cache (shared,
    /// reclaimable), which `VmHWM` counts too (see `peak_resident_kib`).
    pub fn peak_rss_kib(&self) -> Result<u64> {
        let sampled = self.peak_private_kib.load(Ordering::Relaxed);
        let now = status_kib(self.pid(), "RssAnon").context("no RssAnon in /proc/PID/status")?;
        Ok(sampled.max(now))
    }

    /// The peak resident set size including mapped file pages (`VmHWM`), in KiB.
    pub fn peak_resident_kib(&self) -> Result<u64> {
        status_kib(self.pid(), "VmHWM").context("no VmHWM in /proc/PID/status")
    }

    pub fn recent_log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// SIGTERM (a graceful stop), then SIGKILL if it does not end within ten seconds.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) a process has used so far, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ) to user space.
    Some(ticks / 100.0)
}

/// The local MariaDB/MySQL server process, if there is one: its CPU time counts towards a
/// MariaDB request's cost (other clients of the same server add noise).
pub fn database_server_pid() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| matches!(comm.trim(), "mariadbd" | "mysqld"))
        })
}

/// CPU seconds used by a set of processes between two readings.
pub struct CpuMeter {
    pids: Vec<u32>,
    start: f64,
}

impl CpuMeter {
    pub fn start(pids: Vec<u32>) -> CpuMeter {
        let start = pids.iter().filter_map(|&p| cpu_seconds(p)).sum();
        CpuMeter { pids, start }
    }

    pub fn seconds(&self) -> f64 {
        let now: f64 = self.pids.iter().filter_map(|&p| cpu_seconds(p)).sum();
        now - self.start
    }
}

/// A client of the server that follows no redirects and keeps no cookies (callers send the
/// session cookie themselves, so what each request carries is explicit).
pub fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// `name=value` of the cookie `name` the response sets.
pub fn cookie_of(response: &reqwest::Response, name: &str) -> Result<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| {
            v.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('='))
        })
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .with_context(|| format!("no {name} cookie"))
}

/// The CSRF token a page carries (its `<meta name="csrf-token">`).
pub fn csrf_token(page: &str) -> Result<String> {
    let marker = "name=\"csrf-token\" content=\"";
    let start = page.find(marker).context("no csrf token")? + marker.len();
    Ok(page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// The pre-login cookie and its CSRF token.
pub async fn pre_session(http: &reqwest::Client, base: &str) -> Result<(String, String)> {
    let response = http.get(format!("{base}/login")).send().await?;
    let cookie = cookie_of(&response, "sv_pre")?;
    let page = response.text().await?;
    Ok((cookie, csrf_token(&page)?))
}

/// Signs `username` in; the session cookie (`sv_session=…`).
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<String> {
    let (pre, token) = pre_session(http, base).await?;
    let response = http
        .post(format!("{base}/login"))
        .header("Cookie", &pre)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        response.status().as_u16() == 303,
        "{username} could not sign in: {}",
        response.status()
    );
    cookie_of(&response, "sv_session")
}
