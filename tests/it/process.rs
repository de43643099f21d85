//! The `streamvault` binary as a child process, for tests that need a real process: killed
//! with SIGKILL, run several times over one database, or watched from outside (its logs).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{eventually, BASE_URL, DEADLINE};

pub struct AppProcess {
    child: Child,
    /// `http://127.0.0.1:port` for `serve`; empty for `worker`.
    pub address: String,
    /// Every stderr line, with when it arrived.
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl AppProcess {
    /// `streamvault serve` on a free port, with `env` on top of the test defaults; returns
    /// once it logged the address it listens on.
    pub async fn serve(database_url: &str, args: &[&str], env: &[(&str, String)]) -> AppProcess {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let mut process = Self::start(database_url, &all, env);
        let line = process.wait_for_line("listening on http://").await;
        let at = line.find("http://").expect("address");
        process.address = line[at..].trim().to_owned();
        process
    }

    /// `streamvault worker`; returns once its workers run.
    pub async fn worker(database_url: &str, env: &[(&str, String)]) -> AppProcess {
        let process = Self::start(database_url, &["worker"], env);
        process.wait_for_line("workers running").await;
        process
    }

    fn start(database_url: &str, args: &[&str], env: &[(&str, String)]) -> AppProcess {
        let dir = std::env::temp_dir().join("streamvault-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut command = Command::new(env!("CARGO_BIN_EXE_streamvault"));
        command
            .args(args)
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("STREAMVAULT_ADDR", "127.0.0.1:0")
            .env("BASE_URL", BASE_URL)
            .env("LOGIN_RATE_PER_MIN", "10000")
            .env("RESET_RATE_PER_MIN", "10000")
            .env("RUST_LOG", "info")
            // Tests that want automatic analytics refreshes ask for them (they queue jobs).
            .env("ANALYTICS_DEBOUNCE_SECONDS", "0")
            .env("ANALYTICS_SCHEDULE", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start streamvault");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut reader = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let sink = lines.clone();
        // Always drained, so the child never blocks on a full pipe.
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(mut lines) = sink.lock() {
                    lines.push((Instant::now(), line));
                }
            }
        });
        AppProcess {
            child,
            address: String::new(),
            lines,
        }
    }

    /// Waits (up to a minute: the demo data and migrations come first) for a stderr line
    /// containing `marker`, and returns it.
    pub async fn wait_for_line(&self, marker: &str) -> String {
        let lines = self.lines.clone();
        eventually(DEADLINE * 2, || {
            let lines = lines.clone();
            async move {
                let found = lines.lock().ok().and_then(|lines| {
                    lines
                        .iter()
                        .find(|(_, line)| line.contains(marker))
                        .map(|(_, line)| line.clone())
                });
                found.ok_or_else(|| format!("the process has not logged {marker:?}"))
            }
        })
        .await
    }

    /// Stderr lines that arrived in `[from, to)` and contain `marker`.
    pub fn count_lines(&self, marker: &str, from: Instant, to: Instant) -> usize {
        self.lines
            .lock()
            .map(|lines| {
                lines
                    .iter()
                    .filter(|(at, line)| *at >= from && *at < to && line.contains(marker))
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn logs(&self) -> String {
        self.lines
            .lock()
            .map(|lines| {
                lines
                    .iter()
                    .map(|(_, line)| line.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs, as when the machine or the OOM killer ends a process.
    pub async fn kill9(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let status = tokio::time::timeout(Duration::from_secs(45), self.child.wait())
            .await
            .expect("stops within the grace period")
            .expect("wait");
        assert!(status.success(), "exit status {status:?}:\n{}", self.logs());
    }
}
