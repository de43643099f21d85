//! A process killed with SIGKILL: nothing queued
//! is lost and each e-mail is delivered once after a restart, whether the process died with
//! jobs waiting, jobs half-way through an attempt, or a job waiting for its retry.

use std::sync::Arc;

use streamvault::auth::Role;

use crate::both_backends;
use crate::helpers::{
    create_account_in, eventually, queued_jobs, spawn_on, Backend, Client, Options, TestDb,
    DEADLINE,
};
use crate::process::AppProcess;
use crate::queue::silence_registered_workers;
use crate::smtp::{self, reset_link, Inbox};

async fn ask_for_reset(client: &Client, email: &str) {
    let page = client
        .post_form("/forgot-password", &[("email", email)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
}

/// The mail server hangs, so the killed process holds some jobs mid-attempt (`Running`) and
/// others still wait (`Pending`); the next process sends every one of them, once.
async fn killed_with_jobs_queued_and_running(backend: Backend) {
    let test_db = Arc::new(TestDb::new(backend).await);
    let names = ["ana", "ben", "cy", "dia", "eve", "fin"];
    for name in names {
        create_account_in(&test_db.db, name, Role::Customer).await;
    }
    let stalled = smtp::start_stalled().await;
    let first = AppProcess::serve(
        &test_db.url,
        &[],
        &[("SMTP_URL", format!("smtp://127.0.0.1:{stalled}"))],
    )
    .await;
    let client = Client::new(first.address.clone());
    for name in names {
        ask_for_reset(&client, &format!("{name}@example.com")).await;
    }
    let db = &test_db.db;
    let at_kill = eventually(DEADLINE, || async {
        let jobs = queued_jobs(db).await;
        let running = jobs.iter().filter(|j| j.status == "Running").count();
        let pending = jobs.iter().filter(|j| j.status == "Pending").count();
        if jobs.len() == names.len() && running > 0 && pending > 0 {
            Ok(jobs)
        } else {
            Err(format!("waiting for running and waiting jobs: {jobs:#?}"))
        }
    })
    .await;
    first.kill9().await;
    eprintln!(
        "killed with {:?}",
        at_kill
            .iter()
            .map(|j| j.status.as_str())
            .collect::<Vec<_>>()
    );
    silence_registered_workers(db, backend).await;

    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let second = spawn_on(
        test_db.clone(),
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Options::default()
        },
    )
    .await;
    let jobs = second.drain_jobs().await;
    assert!(
        jobs.len() == names.len() && jobs.iter().all(|j| j.is_done()),
        "{jobs:#?}"
    );
    second.stop().await;
    assert_eq!(
        inbox.recipients(),
        smtp::addresses(&names),
        "each message exactly once"
    );
}
both_backends!(killed_with_jobs_queued_and_running);

/// The mail server is down: the first attempt failed and the job waits for its retry when
/// the process is killed. The mail server comes back, the app restarts: delivered once, and
/// the link works.
async fn killed_while_a_job_waits_for_its_retry(backend: Backend) {
    let test_db = Arc::new(TestDb::new(backend).await);
    create_account_in(&test_db.db, "alice", Role::Customer).await;
    let port = smtp::free_port().await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let first = AppProcess::serve(&test_db.url, &[], &[("SMTP_URL", smtp_url.clone())]).await;
    ask_for_reset(&Client::new(first.address.clone()), "alice@example.com").await;
    let db = &test_db.db;
    eventually(DEADLINE, || async {
        let jobs = queued_jobs(db).await;
        if jobs.len() == 1 && jobs[0].status == "Failed" {
            Ok(())
        } else {
            Err(format!("waiting for a failed attempt: {jobs:#?}"))
        }
    })
    .await;
    first.kill9().await;
    // Should the kill have caught a second attempt half-way, a minute without heartbeats
    // passes before the restart (the job is then recovered rather than merely retried).
    silence_registered_workers(db, backend).await;

    let inbox = Inbox::default();
    smtp::start(port, inbox.clone()).await;
    let second = spawn_on(
        test_db.clone(),
        backend,
        Options {
            smtp_url: Some(smtp_url),
            ..Options::default()
        },
    )
    .await;
    let jobs = second.drain_jobs().await;
    assert!(
        jobs.len() == 1 && jobs[0].is_done() && jobs[0].attempts >= 2,
        "{jobs:#?}"
    );
    let link = reset_link(&inbox.all()[0]);
    let path = link.trim_start_matches(crate::helpers::BASE_URL);
    assert_eq!(
        second.client().get(path).await.status,
        200,
        "the link works"
    );
    second.stop().await;
    assert_eq!(inbox.all().len(), 1, "delivered exactly once");
}
both_backends!(killed_while_a_job_waits_for_its_retry);
