//! The house lock order (ARCHITECTURE.md): writes that touch an account's
//! rows lock the account row first, so an account deletion and a reset redemption (or a
//! token being minted, or a sign-in) for the same account queue behind each other instead of
//! deadlocking. Before, a redemption locked the token and then the account, a deletion the
//! account and then the tokens.

use std::sync::Arc;

use streamvault::auth::{deletion, resets, sessions, Role};
use streamvault::db::Db;
use tokio::sync::Barrier;

use crate::helpers::{
    capture_logs, captured_logs, create_account_in, password_hash, Backend, TestDb,
};

/// What `POST /reset-password/{token}` commits (web/reset.rs), as one unit.
async fn redeem(db: &Db, token: String, hash: String) -> bool {
    let now = chrono::Utc::now();
    resets::reset_password(db, &token, &hash, now)
        .await
        .expect("redemption answered")
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_redemption_minting_and_sign_in_queue_instead_of_deadlocking() {
    capture_logs();
    let test_db = TestDb::new(Backend::MySql).await;
    let db = test_db.db.clone();
    let hash = password_hash().await;
    let rounds = 40;
    let mut tasks = Vec::new();
    for i in 0..rounds {
        let name = format!("holder{i}");
        let id = create_account_in(&db, &name, Role::Customer).await;
        let email = format!("{name}@example.com");
        let (_, token) = resets::mint(&db, &email, chrono::Utc::now())
            .await
            .expect("mint")
            .expect("account");
        let start = Arc::new(Barrier::new(4));
        let go = |start: Arc<Barrier>| async move {
            start.wait().await;
        };
        let (d, r, m, s) = (db.clone(), db.clone(), db.clone(), db.clone());
        let hash = hash.clone();
        let (b1, b2, b3, b4) = (start.clone(), start.clone(), start.clone(), start);
        tasks.push(tokio::spawn(async move {
            let delete = async move {
                go(b1).await;
                deletion::delete_account(&d, id).await.is_ok()
            };
            let redeem = async move {
                go(b2).await;
                redeem(&r, token, hash).await
            };
            let mint = async move {
                go(b3).await;
                resets::mint(&m, &email, chrono::Utc::now()).await.is_ok()
            };
            let sign_in = async move {
                go(b4).await;
                // A session insert (its foreign-key check reads the account row).
                let now = chrono::Utc::now();
                let kind = sessions::NewSession::SignedIn { password_at: now };
                let _ = sessions::create(&s, id, None, kind, now).await;
            };
            let (deleted, _, minted, ()) = tokio::join!(delete, redeem, mint, sign_in);
            assert!(deleted, "the deletion commits");
            assert!(
                minted,
                "minting answers (a token, or none for a deleted account)"
            );
        }));
    }
    for task in tasks {
        task.await.expect("round");
    }
    let deadlocks = captured_logs()
        .lines()
        .filter(|line| line.contains("re-running transaction") && line.contains("deadlock"))
        .count();
    assert_eq!(
        deadlocks, 0,
        "writes to one account deadlocked {deadlocks} times"
    );
    assert_eq!(
        db.count_rows(streamvault::db::schema::Accounts::Table)
            .await
            .expect("count"),
        0
    );
}
