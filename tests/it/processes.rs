//! Several processes on one MariaDB database: two `serve` processes and a
//! `worker`, as behind a load balancer. A session started on one works on the other (and
//! ends on both), a form from one posts to the other, every e-mail is sent exactly once
//! whichever process's worker claims it, and a write made through one process shows on the
//! other's cached pages within about a second.

use std::time::{Duration, Instant};

use streamvault::auth::Role;

use crate::helpers::{create_account_in, eventually, Backend, Client, TestDb, DEADLINE, PASSWORD};
use crate::process::AppProcess;
use crate::smtp::{self, Inbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_a_worker_share_sessions_mail_and_pages() {
    let test_db = TestDb::new(Backend::MySql).await;
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let env = [("SMTP_URL", format!("smtp://127.0.0.1:{port}"))];
    let first = AppProcess::serve(&test_db.url, &["--demo"], &env).await;
    let second = AppProcess::serve(&test_db.url, &[], &env).await;
    let worker = AppProcess::worker(&test_db.url, &env).await;
    let names = ["nia", "oto", "pam", "quin", "rex", "sol", "tam", "uma"];
    for name in names {
        create_account_in(&test_db.db, name, Role::Customer).await;
    }

    // A session started on the first process is good on the second (cookies do not care
    // about ports), and so is the CSRF token of a page the first one served.
    let viewer = Client::new(first.address.clone());
    viewer.sign_in("nia", PASSWORD).await;
    let on_second = |path: &str| format!("{}{path}", second.address);
    let account = viewer.send(viewer.http.get(on_second("/account"))).await;
    assert_eq!(account.status, 200, "the second process knows the session");
    let token = viewer.get("/account").await.csrf();

    // A review posted through the second process shows on the first one's cached page
    // within about a second (each process caches the catalog for one second).
    let marker = "reviewed through the second process";
    let reader = Client::new(first.address.clone());
    let before = reader.get("/series/3").await;
    assert!(
        !before.body.contains(marker),
        "the first process cached the page"
    );
    let posted = viewer
        .send(viewer.http.post(on_second("/series/3/feedback")).form(&[
            ("rating", "4"),
            ("body", marker),
            ("csrf_token", token.as_str()),
        ]))
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let written = Instant::now();
    eventually(DEADLINE, || async {
        if reader.get("/series/3").await.body.contains(marker) {
            Ok(())
        } else {
            Err("the first process still shows the page without the review")
        }
    })
    .await;
    let lag = written.elapsed();
    eprintln!("the other process showed the review after {lag:?}");
    assert!(
        lag < Duration::from_secs(2),
        "caches agree within a second: {lag:?}"
    );

    // Signing out on the second process ends the session on the first as well.
    let signed_out = viewer
        .send(
            viewer
                .http
                .post(on_second("/logout"))
                .form(&[("csrf_token", token.as_str())]),
        )
        .await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(
        viewer.get("/account").await.status,
        303,
        "signed out everywhere"
    );

    // Reset requests spread over both servers: three processes' workers compete for the
    // jobs, and each message is delivered exactly once.
    for (i, name) in names.iter().enumerate() {
        let via = if i % 2 == 0 { &first } else { &second };
        let client = Client::new(via.address.clone());
        let email = format!("{name}@example.com");
        let page = client
            .post_form("/forgot-password", &[("email", email.as_str())])
            .await;
        assert_eq!(page.status, 200);
    }
    inbox.wait_for(names.len(), DEADLINE).await;
    eventually(DEADLINE, || async {
        let jobs = crate::helpers::queued_jobs(&test_db.db).await;
        if jobs.len() == names.len() && jobs.iter().all(|j| j.is_done()) {
            Ok(())
        } else {
            Err(format!("jobs not all done: {jobs:#?}"))
        }
    })
    .await;
    // Stopping lets anything still running finish: only then is "once" a proof.
    worker.stop().await;
    second.stop().await;
    first.stop().await;
    assert_eq!(
        inbox.recipients(),
        smtp::addresses(&names),
        "each message exactly once"
    );
}
