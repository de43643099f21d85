//! The job queue under faults: jobs that can
//! never succeed give up at once, jobs of dead workers run again (once), jobs of live workers
//! are left alone, retries go to whichever process is alive, and an idle process stays quiet.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_query::{Expr, Query, SimpleExpr};
use streamvault::auth::Role;
use streamvault::db::schema::{Accounts, Jobs, Workers};
use streamvault::db::Db;

use crate::both_backends;
use crate::helpers::{
    create_account, create_account_in, customer, employee, eventually, queued_jobs, spawn_on,
    spawn_with, Backend, Options, TestDb, DEADLINE, PASSWORD,
};
use crate::process::AppProcess;
use crate::smtp::{self, Inbox};

fn smtp_options(port: u16) -> Options {
    Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    }
}

/// A time in the queue tables' format (Unix seconds on SQLite, DATETIME on MySQL).
pub fn queue_time(backend: Backend, at: chrono::DateTime<chrono::Utc>) -> SimpleExpr {
    match backend {
        Backend::Sqlite => at.timestamp().into(),
        Backend::MySql => at.naive_utc().into(),
    }
}

/// As if every worker registered so far had sent no heartbeat for ten minutes: what a new
/// process finds after the previous one was killed and a minute or more went by.
pub async fn silence_registered_workers(db: &Db, backend: Backend) {
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    db.execute(
        &Query::update()
            .table(Workers::Table)
            .value(Workers::LastSeen, queue_time(backend, long_ago))
            .to_owned(),
    )
    .await
    .expect("backdate heartbeats");
}

async fn plant_worker(
    db: &Db,
    backend: Backend,
    id: &str,
    last_seen: chrono::DateTime<chrono::Utc>,
) {
    let insert = Query::insert()
        .into_table(Workers::Table)
        .columns([
            Workers::Id,
            Workers::WorkerType,
            Workers::StorageName,
            Workers::Layers,
            Workers::LastSeen,
        ])
        .values_panic([
            id.into(),
            "jobs::password_reset::SendPasswordReset".into(),
            "another process".into(),
            "".into(),
            queue_time(backend, last_seen),
        ])
        .to_owned();
    db.execute(&insert).await.expect("plant a worker");
}

/// Marks job `job_id` as being run by `worker`.
async fn plant_running(db: &Db, worker: &str, job_id: &str) {
    let update = Query::update()
        .table(Jobs::Table)
        .value(Jobs::Status, "Running")
        .value(Jobs::LockBy, worker)
        .and_where(Expr::col(Jobs::Id).eq(job_id))
        .to_owned();
    assert_eq!(db.execute(&update).await.expect("plant"), 1);
}

async fn a_job_that_can_never_succeed_gives_up_at_once(backend: Backend) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let mut app = spawn_with(backend, smtp_options(port)).await;
    let staff = employee(&app, "erin").await;
    let mallory = customer(&app, "mallory").await;
    // An address stored before addresses were checked, which the mailer cannot use.
    app.db()
        .execute(
            &Query::update()
                .table(Accounts::Table)
                .value(Accounts::Email, "broken@@example.com")
                .and_where(Expr::col(Accounts::Username).eq("mallory"))
                .to_owned(),
        )
        .await
        .expect("legacy address");
    let started = Instant::now();
    let changed = mallory
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new password"),
                ("password_confirm", "a brand new password"),
            ],
        )
        .await;
    assert!(
        matches!(changed.status, 200 | 303),
        "the password change went through: {} {}",
        changed.status,
        changed.body
    );
    let jobs = app.drain_jobs().await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    let job = &jobs[0];
    assert_eq!(
        (job.status.as_str(), job.attempts),
        ("Killed", 1),
        "gave up after its first attempt: {job:#?}"
    );
    assert!(
        job.last_error
            .as_deref()
            .is_some_and(|e| e.contains("unusable recipient address")),
        "{job:#?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no retry schedule ran first"
    );
    assert!(inbox.all().is_empty());
    let admin = staff.get("/admin").await;
    assert!(
        admin.body.contains(&job.id) && admin.body.contains("unusable recipient address"),
        "listed for staff"
    );
    app.expect_leftover_jobs("the notice to an unusable address gave up, as it should");
}
both_backends!(a_job_that_can_never_succeed_gives_up_at_once);

/// A process died while running a job: a new one runs it (once). A job another process runs
/// right now, with its heartbeat fresh, is left alone (apalis-sql re-queued it at start-up).
async fn abandoned_jobs_run_again_and_live_ones_are_left_alone(backend: Backend) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let test_db = Arc::new(TestDb::new(backend).await);
    let db = &test_db.db;
    for name in ["ana", "ben"] {
        create_account_in(db, name, Role::Customer).await;
    }
    for name in ["ana", "ben"] {
        streamvault::auth::resets::request(db, &format!("{name}@example.com"))
            .await
            .expect("queue");
    }
    let mut jobs = queued_jobs(db).await;
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    let now = chrono::Utc::now();
    plant_worker(
        db,
        backend,
        "password-reset-dead0001",
        now - chrono::Duration::minutes(5),
    )
    .await;
    plant_worker(db, backend, "password-reset-alive001", now).await;
    plant_running(db, "password-reset-dead0001", &jobs[0].id).await;
    plant_running(db, "password-reset-alive001", &jobs[1].id).await;

    let mut app = spawn_on(test_db.clone(), backend, smtp_options(port)).await;
    let mail = inbox.wait_for(1, DEADLINE).await;
    let jobs_now = eventually(DEADLINE, || async {
        let jobs = app.jobs().await;
        if jobs.iter().any(|j| j.status == "Done") {
            Ok(jobs)
        } else {
            Err(format!("the abandoned job has not run: {jobs:#?}"))
        }
    })
    .await;
    let abandoned = jobs_now.iter().find(|j| j.id == jobs[0].id).expect("job");
    let held = jobs_now.iter().find(|j| j.id == jobs[1].id).expect("job");
    assert_eq!(abandoned.status, "Done");
    assert_eq!(
        abandoned.attempts, 2,
        "the lost attempt counts: {abandoned:#?}"
    );
    assert_eq!(held.status, "Running", "{held:#?}");
    assert_eq!(held.lock_by.as_deref(), Some("password-reset-alive001"));
    assert_eq!(mail.len(), 1);
    app.expect_leftover_jobs("a live worker of another process holds one job");
    let _ = app.stop().await;
    assert_eq!(
        inbox.all().len(),
        1,
        "sent once, and only the abandoned job's"
    );
}
both_backends!(abandoned_jobs_run_again_and_live_ones_are_left_alone);

/// Two processes, the mail server down: every job fails once, and each retry goes to
/// whichever process claims it first (no longer only to the worker that failed it), over a
/// slow server, exactly once per message.
async fn retries_run_once_in_whichever_process_is_alive(backend: Backend) {
    let port = smtp::free_port().await;
    let first = spawn_with(backend, smtp_options(port)).await;
    let second = spawn_on(first.test_db.clone(), backend, smtp_options(port)).await;
    let names = ["ana", "ben", "cy", "dia"];
    for (i, name) in names.iter().enumerate() {
        create_account(&first, name, Role::Customer).await;
        let via = if i % 2 == 0 { &first } else { &second };
        let email = format!("{name}@example.com");
        let page = via
            .client()
            .post_form("/forgot-password", &[("email", email.as_str())])
            .await;
        assert_eq!(page.status, 200);
    }
    eventually(DEADLINE, || async {
        let jobs = first.jobs().await;
        if jobs.len() == names.len() && jobs.iter().all(|j| j.attempts >= 1) {
            Ok(())
        } else {
            Err(format!("not every job failed once yet: {jobs:#?}"))
        }
    })
    .await;
    let inbox = Inbox::default();
    smtp::start_slow(port, inbox.clone(), Duration::from_millis(100)).await;
    let jobs = first.drain_jobs().await;
    assert!(jobs.iter().all(|j| j.is_done()), "{jobs:#?}");
    assert_eq!(
        inbox.recipients(),
        smtp::addresses(&names),
        "each message exactly once"
    );
    second.stop().await;
    first.stop().await;
    assert_eq!(inbox.all().len(), names.len());
}
both_backends!(retries_run_once_in_whichever_process_is_alive);

/// An idle `serve --demo` on MariaDB ran about 20 queries a second (each job
/// type polling every 100 ms). Now each idle process runs about one a second or fewer, while a
/// reset e-mail queued by `serve` still leaves at once (its own push wakes its worker).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_processes_stay_quiet_and_mail_still_leaves_at_once() {
    let test_db = TestDb::new(Backend::MySql).await;
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let env = [
        ("SMTP_URL", format!("smtp://127.0.0.1:{port}")),
        ("RUST_LOG", "info,sqlx::query=debug".to_owned()),
    ];
    let serve = AppProcess::serve(&test_db.url, &["--demo"], &env).await;
    let worker = AppProcess::worker(&test_db.url, &env).await;
    // Start-up work (migrations, demo data, registering workers, the first recovery pass) is
    // over once a whole second passes with at most one statement in either process.
    serve.wait_for_line("listening on").await;
    worker.wait_for_line("workers running").await;
    eventually(DEADLINE, || async {
        let to = Instant::now();
        let from = to - Duration::from_secs(1);
        let busy = serve.count_lines("sqlx::query", from, to)
            + worker.count_lines("sqlx::query", from, to);
        (busy <= 2)
            .then_some(())
            .ok_or_else(|| format!("{busy} statements in the last second"))
    })
    .await;
    let window = Duration::from_secs(8);
    let from = Instant::now();
    tokio::time::sleep(window).await;
    let to = Instant::now();
    let statements = |process: &AppProcess| process.count_lines("sqlx::query", from, to);
    let (serve_count, worker_count) = (statements(&serve), statements(&worker));
    eprintln!("idle statements in {window:?}: serve {serve_count}, worker {worker_count}");
    let limit = 12; // 1.5 a second
    assert!(
        serve_count <= limit,
        "serve ran {serve_count} statements in {window:?}:\n{}",
        serve.logs()
    );
    assert!(
        worker_count <= limit,
        "worker ran {worker_count} statements in {window:?}:\n{}",
        worker.logs()
    );

    let client = crate::helpers::Client::new(serve.address.clone());
    let token = client.csrf().await;
    let asked = Instant::now();
    let page = client
        .post_raw(
            "/forgot-password",
            &[("email", "alice@example.com"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(page.status, 200);
    inbox.wait_for(1, DEADLINE).await;
    let latency = asked.elapsed();
    eprintln!("reset e-mail delivered {latency:?} after the request");
    assert!(
        latency < Duration::from_secs(2),
        "the reset e-mail took {latency:?}"
    );
    worker.stop().await;
    serve.stop().await;
    assert_eq!(
        inbox.all().len(),
        1,
        "sent once, by one of the two processes"
    );
}
