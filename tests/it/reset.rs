//! Forgot-password end to end, with a real SMTP server on loopback.

use sea_query::Query;
use streamvault::auth::Role;
use streamvault::db::schema::PasswordResetTokens;

use crate::both_backends;
use crate::helpers::{
    create_account, customer, eventually, spawn_on, spawn_with, Backend, Options, TestApp,
    DEADLINE, PASSWORD,
};
use crate::smtp::{self, reset_link, Inbox};

const NEW_PASSWORD: &str = "a fresh new password";

async fn app_with_smtp(backend: Backend) -> (TestApp, Inbox) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let app = spawn_with(
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Options::default()
        },
    )
    .await;
    (app, inbox)
}

/// Asks for a reset of alice's password and returns the link of the `nth` e-mail (from 1).
async fn request_reset(client: &crate::helpers::Client, inbox: &Inbox, nth: usize) -> String {
    let page = client
        .post_form("/forgot-password", &[("email", "alice@example.com")])
        .await;
    assert_eq!(page.status, 200);
    reset_link(&inbox.wait_for(nth, DEADLINE).await[nth - 1])
}

fn path_of(link: &str) -> String {
    link.trim_start_matches(crate::helpers::BASE_URL).to_owned()
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_hash: String,
}

async fn stored_token_hashes(app: &TestApp) -> Vec<String> {
    let rows: Vec<TokenRow> = app
        .db()
        .fetch_all(
            &Query::select()
                .column(PasswordResetTokens::TokenHash)
                .from(PasswordResetTokens::Table)
                .to_owned(),
        )
        .await
        .expect("tokens");
    rows.into_iter().map(|r| r.token_hash).collect()
}

#[derive(sqlx::FromRow)]
struct JobRow {
    job: String,
}

async fn queued_payloads(app: &TestApp) -> Vec<String> {
    use streamvault::db::schema::Jobs;
    let rows: Vec<JobRow> = app
        .db()
        .fetch_all(
            &Query::select()
                .expr_as(
                    sea_query::Func::cast_as(
                        sea_query::Expr::col(Jobs::Job),
                        sea_query::Alias::new("CHAR"),
                    ),
                    Jobs::Job,
                )
                .from(Jobs::Table)
                .to_owned(),
        )
        .await
        .expect("jobs");
    rows.into_iter().map(|r| r.job).collect()
}

async fn the_whole_flow_works_once(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    let alice = customer(&app, "alice").await;
    let visitor = app.client();

    let forged = visitor
        .send(
            visitor
                .http
                .post(app.url("/forgot-password"))
                .header("X-Forwarded-Host", "evil.example")
                .form(&[
                    ("email", " ALICE@example.com "),
                    ("csrf_token", &visitor.csrf().await),
                ]),
        )
        .await;
    assert_eq!(forged.status, 200);
    assert!(forged.body.contains("Check your e-mail"));

    let mail = inbox.wait_for(1, DEADLINE).await;
    assert_eq!(mail[0].to, vec!["<alice@example.com>".to_owned()]);
    let link = reset_link(&mail[0]);
    assert!(
        link.starts_with("http://streamvault.test/reset-password/"),
        "built from BASE_URL only: {link}"
    );
    assert!(!mail[0].data.contains("evil.example"));
    let token = link.rsplit('/').next().expect("token").to_owned();
    assert_eq!(token.len(), 43, "256-bit URL-safe token");

    // The raw token is nowhere in the database: not in the token table, not in the queue.
    let hashes = stored_token_hashes(&app).await;
    assert_eq!(hashes, vec![streamvault::auth::tokens::sha256_hex(&token)]);
    let payloads = queued_payloads(&app).await;
    assert!(!payloads.is_empty(), "the queue holds the reset job");
    assert!(payloads.iter().all(|job| !job.contains(&token)));
    // Nor in the logs (captured at debug level, SQL statements included). The worker logs
    // "sent" just after the SMTP server accepted the message, so wait for that line first.
    eventually(DEADLINE, || async {
        if crate::helpers::logged(|logs| logs.contains("reset e-mail sent")) {
            Ok(())
        } else {
            Err("the worker has not logged \"reset e-mail sent\"")
        }
    })
    .await;
    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains(&token), "the raw token was logged");

    // Asking changes nothing: the old password still works.
    app.client().sign_in("alice", PASSWORD).await;

    let form = visitor.get(&path_of(&link)).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.header("referrer-policy"), Some("no-referrer"));

    let mismatch = visitor
        .post_form(
            &path_of(&link),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    let weak = visitor
        .post_form(
            &path_of(&link),
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(weak.status, 422);

    let done = visitor
        .post_form(
            &path_of(&link),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location(), Some("/login"));
    assert!(
        !done
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("sv_session=") && !c.starts_with("sv_session=;")),
        "no automatic sign-in"
    );

    assert_eq!(
        alice.get("/account").await.status,
        303,
        "every old session is dead"
    );
    assert_eq!(app.client().login("alice", PASSWORD).await.status, 401);
    app.client().sign_in("alice", NEW_PASSWORD).await;

    // Replay: the generic invalid page.
    let again = visitor
        .post_form(
            &path_of(&link),
            &[
                ("password", "yet another password"),
                ("password_confirm", "yet another password"),
            ],
        )
        .await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("invalid or has expired"));
    assert_eq!(visitor.get(&path_of(&link)).await.status, 400);

    // And a "your password was changed" notice, without the password.
    let mail = inbox.wait_for(2, DEADLINE).await;
    assert!(
        mail[1].data.contains("password was changed")
            || mail[1].data.contains("password was=\n changed")
    );
    assert!(!mail[1].data.contains(NEW_PASSWORD));
}
both_backends!(the_whole_flow_works_once);

async fn unknown_addresses_get_the_same_answer_and_no_mail(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    create_account(&app, "erin", Role::Employee).await;
    let client = app.client();
    let known = client
        .post_form("/forgot-password", &[("email", "alice@example.com")])
        .await;
    let staff = client
        .post_form("/forgot-password", &[("email", "erin@example.com")])
        .await;
    let unknown = client
        .post_form("/forgot-password", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(
        (known.status, staff.status),
        (unknown.status, unknown.status)
    );
    assert_eq!(known.body_without_tokens(), unknown.body_without_tokens());
    assert_eq!(known.set_cookies(), unknown.set_cookies());
    // All three jobs ran (the unknown address's too) before the inbox is counted.
    let jobs = app.drain_jobs().await;
    assert_eq!(jobs.len(), 3, "one job per request: {jobs:#?}");
    assert!(jobs.iter().all(|job| job.is_done()), "{jobs:#?}");
    let mail = inbox.all();
    assert_eq!(mail.len(), 2, "no mail for the unknown address");
    let recipients: Vec<String> = mail.iter().flat_map(|m| m.to.clone()).collect();
    assert!(
        recipients.contains(&"<alice@example.com>".to_owned())
            && recipients.contains(&"<erin@example.com>".to_owned())
    );
}
both_backends!(unknown_addresses_get_the_same_answer_and_no_mail);

async fn only_one_of_two_concurrent_redemptions_wins(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let client = app.client();
    let link = request_reset(&client, &inbox, 1).await;
    let (a, b) = (app.client(), app.client());
    let (ta, tb) = (a.csrf().await, b.csrf().await);
    let path = path_of(&link);
    let first = a.send(a.http.post(app.url(&path)).form(&[
        ("password", "first new password"),
        ("password_confirm", "first new password"),
        ("csrf_token", &ta),
    ]));
    let second = b.send(b.http.post(app.url(&path)).form(&[
        ("password", "second new password"),
        ("password_confirm", "second new password"),
        ("csrf_token", &tb),
    ]));
    let (first, second) = tokio::join!(first, second);
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [303, 400], "exactly one redemption succeeds");
    let winner = if first.status == 303 {
        "first new password"
    } else {
        "second new password"
    };
    app.client().sign_in("alice", winner).await;
}
both_backends!(only_one_of_two_concurrent_redemptions_wins);

async fn tokens_expire_and_newer_requests_supersede(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let client = app.client();
    let older = request_reset(&client, &inbox, 1).await;
    let newer = request_reset(&client, &inbox, 2).await;
    assert_ne!(older, newer);
    assert_eq!(client.get(&path_of(&older)).await.status, 400, "superseded");
    assert_eq!(client.get(&path_of(&newer)).await.status, 200);

    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(
        client.get(&path_of(&newer)).await.status,
        200,
        "still valid at 59 minutes"
    );
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        client.get(&path_of(&newer)).await.status,
        400,
        "expired after 60 minutes"
    );
    let late = client
        .post_form(
            &path_of(&newer),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(late.status, 400);
    app.client().sign_in("alice", PASSWORD).await;
}
both_backends!(tokens_expire_and_newer_requests_supersede);

async fn smtp_down_then_up_delivers_exactly_once(backend: Backend) {
    let port = smtp::free_port().await;
    let app = spawn_with(
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Options::default()
        },
    )
    .await;
    create_account(&app, "alice", Role::Customer).await;
    let client = app.client();
    assert_eq!(
        client
            .post_form("/forgot-password", &[("email", "alice@example.com")])
            .await
            .status,
        200
    );
    // The first attempt fails against the closed port; the worker logs it before backing off,
    // so the server comes up while that attempt is still waiting to be handed back.
    eventually(DEADLINE, || async {
        if crate::helpers::logged(|logs| logs.contains("reset e-mail not sent")) {
            Ok(())
        } else {
            Err("no failed delivery attempt logged yet")
        }
    })
    .await;
    // A slow server (300 ms per reply): the retry that delivers is still talking to it when
    // the next poll runs, and must not be started a second time meanwhile.
    let inbox = Inbox::default();
    smtp::start_slow(port, inbox.clone(), std::time::Duration::from_millis(300)).await;
    let jobs = app.drain_jobs().await;
    assert!(
        jobs.len() == 1 && jobs[0].is_done() && jobs[0].attempts >= 2,
        "retried until delivered: {jobs:#?}"
    );
    let mail = inbox.all();
    assert!(!mail.is_empty(), "delivered");
    let link = reset_link(&mail[0]);
    assert_eq!(
        client.get(&path_of(&link)).await.status,
        200,
        "the delivered link works"
    );
    assert_eq!(inbox.all().len(), 1, "delivered exactly once");
    // Nothing else is in flight either: stopping lets any running attempt finish.
    app.stop().await;
    assert_eq!(inbox.all().len(), 1, "delivered exactly once");
}
both_backends!(smtp_down_then_up_delivers_exactly_once);

async fn queued_jobs_survive_a_restart(backend: Backend) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    // First process: serves requests but runs no workers, then stops with the job queued.
    let mut first = spawn_with(
        backend,
        Options {
            smtp_url: smtp_url.clone(),
            workers: false,
            ..Options::default()
        },
    )
    .await;
    create_account(&first, "alice", Role::Customer).await;
    assert_eq!(
        first
            .client()
            .post_form("/forgot-password", &[("email", "alice@example.com")])
            .await
            .status,
        200
    );
    let queued = first.jobs().await;
    assert!(
        queued.len() == 1 && queued[0].status == "Pending",
        "the request queued the e-mail and nothing took it: {queued:#?}"
    );
    first.expect_leftover_jobs("stops with the e-mail queued; the next process sends it");
    let test_db = first.stop().await;
    // Second process on the same database: its workers pick the job up.
    let second = spawn_on(
        test_db,
        backend,
        Options {
            smtp_url,
            ..Options::default()
        },
    )
    .await;
    let jobs = second.drain_jobs().await;
    assert!(jobs.len() == 1 && jobs[0].is_done(), "{jobs:#?}");
    assert_eq!(inbox.all().len(), 1, "sent once, by the second process");
}
both_backends!(queued_jobs_survive_a_restart);

async fn without_smtp_mail_lands_in_the_outbox(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    create_account(&app, "alice", Role::Customer).await;
    app.client()
        .post_form("/forgot-password", &[("email", "alice@example.com")])
        .await;
    let outbox = &app.outbox;
    let eml = eventually(DEADLINE, || async move {
        let files: Vec<_> = std::fs::read_dir(outbox)
            .map(|d| d.filter_map(Result::ok).collect())
            .unwrap_or_default();
        files
            .iter()
            .map(|f| f.path())
            .find(|path| path.extension().is_some_and(|e| e == "eml"))
            .ok_or_else(|| format!("no .eml in {}", outbox.display()))
    })
    .await;
    let text = std::fs::read_to_string(eml).expect("read eml");
    assert!(text.contains("alice@example.com"));
    assert!(text.contains("reset-password"));
}
both_backends!(without_smtp_mail_lands_in_the_outbox);

async fn forgot_password_is_throttled_per_address(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            reset_rate: 100,
            ..Options::default()
        },
    )
    .await;
    let client = app.client();
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    create_account(&app, "alice", Role::Customer).await;
    for _ in 0..4 {
        known.push(
            client
                .post_form("/forgot-password", &[("email", "alice@example.com")])
                .await
                .status,
        );
        unknown.push(
            client
                .post_form("/forgot-password", &[("email", "ghost@example.com")])
                .await
                .status,
        );
    }
    assert_eq!(known, vec![200, 200, 200, 429]);
    assert_eq!(known, unknown, "identical for unknown addresses");
}
both_backends!(forgot_password_is_throttled_per_address);

async fn jobs_that_give_up_are_shown_to_staff(backend: Backend) {
    use streamvault::db::schema::Jobs;
    let mut app = spawn_with(backend, Options::default()).await;
    app.expect_leftover_jobs("plants a job that gave up");
    let staff = crate::helpers::employee(&app, "erin").await;
    let insert = Query::insert()
        .into_table(Jobs::Table)
        .columns([
            Jobs::Job,
            Jobs::Id,
            Jobs::JobType,
            Jobs::Status,
            Jobs::Attempts,
            Jobs::MaxAttempts,
            Jobs::LastError,
        ])
        .values_panic([
            "{}".into(),
            "01JFAKEJOBID000000000000000".into(),
            "jobs::password_reset::SendPasswordReset".into(),
            "Killed".into(),
            25.into(),
            25.into(),
            "connection refused".into(),
        ])
        .to_owned();
    app.db().execute(&insert).await.expect("insert a dead job");
    let page = staff.get("/admin").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("01JFAKEJOBID000000000000000")
            && page.body.contains("connection refused")
    );
}
both_backends!(jobs_that_give_up_are_shown_to_staff);

async fn housekeeping_removes_dead_sessions_and_tokens(backend: Backend) {
    use jobs::JobStore;
    use streamvault::app::job_store::AppJobStore;
    let (app, inbox) = app_with_smtp(backend).await;
    let alice = customer(&app, "alice").await;
    app.client()
        .post_form("/forgot-password", &[("email", "alice@example.com")])
        .await;
    inbox.wait_for(1, DEADLINE).await;
    let store = AppJobStore {
        db: app.db().clone(),
        clock: app.clock.clone(),
        media: streamvault::posters::MediaDir::new(app.media_dir.clone()),
        imports: streamvault::admin::import::LiveRuns::new(),
        background: streamvault::analytics::background::Background::new(&app.test_db.url),
    };
    assert_eq!(
        store.delete_expired().await.expect("housekeeping"),
        0,
        "nothing is dead yet"
    );
    app.clock.advance(chrono::Duration::hours(13));
    assert_eq!(
        store.delete_expired().await.expect("housekeeping"),
        2,
        "the session and the token"
    );
    assert!(stored_token_hashes(&app).await.is_empty());
    assert_eq!(alice.get("/account").await.status, 303);
}
both_backends!(housekeeping_removes_dead_sessions_and_tokens);

/// Two app processes on one database share the queue: every e-mail goes out exactly once.
async fn two_processes_deliver_each_message_once(backend: Backend) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let options = || Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    };
    let first = spawn_with(backend, options()).await;
    let second = spawn_on(first.test_db.clone(), backend, options()).await;
    let names = ["ana", "ben", "cy", "dia", "eve", "fin"];
    for (i, name) in names.iter().enumerate() {
        create_account(&first, name, Role::Customer).await;
        let via = if i % 2 == 0 {
            first.client()
        } else {
            second.client()
        };
        let email = format!("{name}@example.com");
        assert_eq!(
            via.post_form("/forgot-password", &[("email", email.as_str())])
                .await
                .status,
            200
        );
    }
    // Both processes' workers stay up until every job is done; then nothing else can arrive.
    let jobs = first.drain_jobs().await;
    assert_eq!(jobs.len(), names.len(), "{jobs:#?}");
    let mut recipients: Vec<String> = inbox.all().iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    let mut expected: Vec<String> = names.iter().map(|n| format!("<{n}@example.com>")).collect();
    expected.sort();
    assert_eq!(recipients, expected, "each message exactly once");
}
both_backends!(two_processes_deliver_each_message_once);

/// BREACH: a page whose path and form carry a reset token is never compressed, whatever the
/// browser accepts (its GET, and the form re-shown with messages after a bad POST).
async fn reset_pages_are_never_compressed(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let client = app.client();
    let path = path_of(&request_reset(&client, &inbox, 1).await);
    let accept = "gzip, deflate, br";
    let page = client
        .send(
            client
                .http
                .get(app.url(&path))
                .header("Accept-Encoding", accept),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name=\"password_confirm\""),
        "the plain form"
    );
    assert_eq!(page.header("content-encoding"), None);
    let token = client.csrf().await;
    let mismatch = client
        .send(
            client
                .http
                .post(app.url(&path))
                .header("Accept-Encoding", accept)
                .form(&[
                    ("password", "a fresh new password"),
                    ("password_confirm", "another new password"),
                    ("csrf_token", &token),
                ]),
        )
        .await;
    assert_eq!(mismatch.status, 422, "{}", mismatch.body);
    assert_eq!(mismatch.header("content-encoding"), None);
    // The same browser's other pages are compressed.
    let login = client
        .send(
            client
                .http
                .get(app.url("/login"))
                .header("Accept-Encoding", accept),
        )
        .await;
    assert_eq!(login.header("content-encoding"), Some("br"));
}
both_backends!(reset_pages_are_never_compressed);
