//! Lockouts the database's collation cannot sidestep.

use streamvault::auth::Role;

use crate::both_backends;
use crate::helpers::{
    create_account, create_account_in, spawn_app, spawn_on, Backend, Client, Options, TestDb,
    PASSWORD,
};
use crate::process::AppProcess;

/// Spellings someone might try for `alice`. Which of them find the account depends on the
/// database: MariaDB's `utf8mb4_unicode_ci` ignores case, accents, width and NUL.
const SPELLINGS: [&str; 6] = [
    "alice",
    "ALICE",
    " Alice ",
    "alicé",
    "ａｌｉｃｅ",
    "alice\0",
];

/// Every spelling that signs in as alice shares alice's lockout: five wrong passwords for
/// `alice`, and `alicé` (on MariaDB) is refused with 429 like `alice` itself.
async fn every_spelling_that_reaches_an_account_shares_its_lockout(backend: Backend) {
    let app = spawn_app(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let mut reaching = Vec::new();
    for spelling in SPELLINGS {
        let page = app.client().login(spelling, PASSWORD).await;
        match page.status {
            303 => reaching.push(spelling),
            401 => {}
            other => panic!("{spelling:?}: {other}"),
        }
    }
    assert!(reaching.contains(&"ALICE") && reaching.contains(&" Alice "));
    if backend == Backend::MySql {
        assert!(
            reaching.contains(&"alicé") && reaching.contains(&"alice\0"),
            "MariaDB compares accent-insensitively: {reaching:?}"
        );
    }
    for _ in 0..5 {
        assert_eq!(
            app.client().login("alice", "wrong password!").await.status,
            401
        );
    }
    for spelling in &reaching {
        let page = app.client().login(spelling, PASSWORD).await;
        assert_eq!(page.status, 429, "{spelling:?} sidestepped the lockout");
        assert!(page.header("retry-after").is_some());
    }
}
both_backends!(every_spelling_that_reaches_an_account_shares_its_lockout);

/// Five wrong passwords spread over two app instances on one database lock the account in
/// both (each counts the other's failures), and a restarted instance still refuses it until
/// the lockout has passed.
async fn lockout_is_shared_by_processes_and_survives_a_restart(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.test_db.clone(), backend, Options::default()).await;
    create_account(&first, "alice", Role::Customer).await;
    for attempt in 0..5 {
        let app = if attempt % 2 == 0 { &first } else { &second };
        assert_eq!(
            app.client().login("alice", "wrong password!").await.status,
            401
        );
    }
    for app in [&first, &second] {
        let page = app.client().login("alice", PASSWORD).await;
        assert_eq!(page.status, 429, "locked in every instance");
        assert!(page.header("retry-after").is_some());
    }
    second.stop().await;
    let test_db = first.stop().await;
    let restarted = spawn_on(test_db, backend, Options::default()).await;
    assert_eq!(
        restarted.client().login("alice", PASSWORD).await.status,
        429,
        "a restart forgets nothing"
    );
    restarted.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(
        restarted.client().login("alice", PASSWORD).await.status,
        303
    );
}
both_backends!(lockout_is_shared_by_processes_and_survives_a_restart);

/// Real processes: failures spread over two `serve` processes on one database lock the
/// account in both, and a process started afterwards (as after a restart or a deploy)
/// refuses it too.
async fn separate_processes_share_one_lockout(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    create_account_in(&test_db.db, "alice", Role::Customer).await;
    let first = AppProcess::serve(&test_db.url, &[], &[]).await;
    let second = AppProcess::serve(&test_db.url, &[], &[]).await;
    for attempt in 0..5 {
        let process = if attempt % 2 == 0 { &first } else { &second };
        let client = Client::new(process.address.clone());
        assert_eq!(client.login("alice", "wrong password!").await.status, 401);
    }
    for process in [&first, &second] {
        let client = Client::new(process.address.clone());
        assert_eq!(client.login("alice", PASSWORD).await.status, 429);
    }
    first.kill9().await;
    second.stop().await;
    let third = AppProcess::serve(&test_db.url, &[], &[]).await;
    let client = Client::new(third.address.clone());
    assert_eq!(
        client.login("alice", PASSWORD).await.status,
        429,
        "a new process knows the lockout"
    );
    third.stop().await;
}
both_backends!(separate_processes_share_one_lockout);
