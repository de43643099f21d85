//! The `streamvault` binary as operators use it: exit statuses, one-line
//! errors, log formats, and `serve` answering on the address it logs.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

fn streamvault(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join("streamvault-tests");
    let mut command = Command::new(env!("CARGO_BIN_EXE_streamvault"));
    command
        .args(args)
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run streamvault")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The last line a failed command printed: its one-line error.
fn error_line(output: &Output) -> String {
    stderr(output).lines().last().unwrap_or_default().to_owned()
}

async fn commands_exit_as_documented(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let url = test_db.url.as_str();

    let migrate = streamvault(url, &["migrate"], &[]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));

    let seed = streamvault(url, &["seed", "--demo"], &[]);
    assert!(seed.status.success(), "{}", stderr(&seed));
    let again = streamvault(url, &["seed", "--demo"], &[]);
    assert!(!again.status.success(), "a second seed is refused");
    assert!(
        error_line(&again).starts_with("streamvault: ") && error_line(&again).contains("--force"),
        "{}",
        stderr(&again)
    );
    let forced = streamvault(url, &["seed", "--demo", "--force"], &[]);
    assert!(forced.status.success(), "{}", stderr(&forced));

    let password = [("STREAMVAULT_PASSWORD", "a staff secret 42")];
    let create = |name: &str, email: &str, env: &[(&str, &str)]| {
        streamvault(
            url,
            &["create-employee", "--username", name, "--email", email],
            env,
        )
    };
    let created = create("grace", "grace@example.com", &password);
    assert!(created.status.success(), "{}", stderr(&created));
    let duplicate = create("grace", "other@example.com", &password);
    assert!(!duplicate.status.success());
    assert!(error_line(&duplicate).starts_with("streamvault: "));
    let weak = create(
        "henry",
        "henry@example.com",
        &[("STREAMVAULT_PASSWORD", "short")],
    );
    assert!(!weak.status.success());
    let bad_email = create("ivy", "Ivy <ivy@example.com>", &password);
    assert!(!bad_email.status.success());

    let bad_args = streamvault(url, &["seed", "--bogus"], &[]);
    assert!(!bad_args.status.success());
}
both_backends!(commands_exit_as_documented);

#[test]
fn bad_configuration_is_one_clear_line() {
    let bad_url = streamvault("postgres://nowhere/db", &["migrate"], &[]);
    assert!(!bad_url.status.success());
    assert!(
        error_line(&bad_url).contains("DATABASE_URL"),
        "{}",
        stderr(&bad_url)
    );

    // Nothing listens on port 9: the database is unreachable.
    let unreachable = streamvault("mysql://root@127.0.0.1:9/streamvault", &["migrate"], &[]);
    assert!(!unreachable.status.success());
    assert_eq!(
        stderr(&unreachable).trim().lines().count(),
        1,
        "{}",
        stderr(&unreachable)
    );
    assert!(error_line(&unreachable).contains("database"));

    let dir = std::env::temp_dir().join("streamvault-tests");
    let db = dir.join("cli-log-format.db");
    let url = format!("sqlite://{}", db.display());
    let bad_format = streamvault(&url, &["migrate"], &[("LOG_FORMAT", "xml")]);
    assert!(!bad_format.status.success());
    assert!(error_line(&bad_format).contains("LOG_FORMAT"));
    let _ = std::fs::remove_file(&db);
}

#[test]
fn logs_are_plain_text_or_json_lines() {
    let dir = std::env::temp_dir().join("streamvault-tests");
    let db = dir.join(format!("cli-logs-{}.db", std::process::id()));
    let url = format!("sqlite://{}", db.display());
    let text = streamvault(&url, &["migrate"], &[]);
    assert!(text.status.success());
    let text = stderr(&text);
    assert!(text.contains("migrations applied"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when not a terminal: {text:?}"
    );

    let json = streamvault(&url, &["migrate"], &[("LOG_FORMAT", "json")]);
    assert!(json.status.success());
    let json = stderr(&json);
    assert!(!json.trim().is_empty());
    for line in json.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).expect("one JSON object per line");
        assert!(value.get("level").is_some(), "{line}");
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// `serve` on port 0 logs the address it chose, answers there, and stops cleanly on SIGTERM.
async fn serve_logs_its_address_and_stops_on_sigterm(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamvault"))
        .args(["serve", "--demo"])
        .current_dir(std::env::temp_dir().join("streamvault-tests"))
        .env("DATABASE_URL", &test_db.url)
        .env("STREAMVAULT_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = loop {
        let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
            .await
            .expect("serve logs its address within a minute")
            .expect("read stderr")
            .expect("serve exited early");
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on ".len()..].trim().to_owned();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let health = reqwest::get(format!("{address}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    let catalog = reqwest::get(format!("{address}/")).await.expect("catalog");
    assert_eq!(catalog.status().as_u16(), 200);

    let pid = child.id().expect("pid").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(45), child.wait())
        .await
        .expect("serve stops within the grace period")
        .expect("wait");
    assert!(status.success(), "exit status {status:?}");
}
both_backends!(serve_logs_its_address_and_stops_on_sigterm);
