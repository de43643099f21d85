//! Jobs are queued inside the transaction that causes them: a unit that rolls back queues
//! nothing, one that commits always has its job, and a job committed by a process that died
//! before it could wake its workers still runs (another process finds it in the table).

use jobs::password_changed::NotifyPasswordChanged;
use streamvault::auth::{settings, Role};
use streamvault::error::Error;
use streamvault::queue;

use crate::both_backends;
use crate::helpers::{
    create_account_in, password_hash, queued_jobs, spawn_on, Backend, Options, TestDb, DEADLINE,
};
use crate::smtp::{self, Inbox};

async fn a_rolled_back_unit_queues_nothing(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = &test_db.db;
    let alice = create_account_in(db, "alice", Role::Customer).await;
    let outcome: Result<(), Error> = db
        .transaction("test a unit that fails after queueing", move |tx| {
            Box::pin(async move {
                queue::enqueue(tx, &NotifyPasswordChanged { account_id: alice }).await?;
                // Queued, then the unit fails: the job must go with the rest of it.
                Err(Error::Conflict)
            })
        })
        .await;
    assert!(matches!(outcome, Err(Error::Conflict)), "{outcome:?}");
    let jobs = queued_jobs(db).await;
    assert!(jobs.is_empty(), "nothing was queued: {jobs:#?}");
}
both_backends!(a_rolled_back_unit_queues_nothing);

async fn a_committed_unit_always_has_its_job(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = &test_db.db;
    let alice = create_account_in(db, "alice", Role::Customer).await;
    let hash = password_hash().await;
    // No app and no workers here: the job's row is the only trace, written by the commit.
    settings::change_password(db, alice, &hash, chrono::Utc::now())
        .await
        .expect("change the password");
    let jobs = queued_jobs(db).await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].status, "Pending", "{jobs:#?}");
    assert!(
        jobs[0].job_type.contains("NotifyPasswordChanged"),
        "{jobs:#?}"
    );
}
both_backends!(a_committed_unit_always_has_its_job);

/// The process committed the unit and died before waking anyone (here: no app ever ran on
/// the database, so there was nobody to wake). The next process to start runs the job.
async fn a_job_committed_before_a_crash_still_runs(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let alice = create_account_in(&test_db.db, "alice", Role::Customer).await;
    let hash = password_hash().await;
    settings::change_password(&test_db.db, alice, &hash, chrono::Utc::now())
        .await
        .expect("change the password");

    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let app = spawn_on(
        std::sync::Arc::new(test_db),
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Options::default()
        },
    )
    .await;
    let mail = inbox.wait_for(1, DEADLINE).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].to.iter().any(|to| to.contains("alice@example.com")),
        "the notice went to alice: {:?}",
        mail[0].to
    );
    let jobs = app.drain_jobs().await;
    assert!(jobs.len() == 1 && jobs[0].is_done(), "{jobs:#?}");
}
both_backends!(a_job_committed_before_a_crash_still_runs);
