//! Large CSV imports: up to 10 MB and 100,000 rows; more rows than a request should write are
//! applied by a job, in one transaction, with progress on the table's event stream and a
//! cancel that works until it commits.

use streamvault::admin::import::runs;
use streamvault::db::schema::Genres;

use crate::admin_support::htmx;
use crate::both_backends;
use crate::helpers::{employee, eventually, spawn_on, spawn_with, Backend, Options, DEADLINE};
use crate::import::{import_id, upload, BOUNDARY};
use crate::live_tables::open;

fn names_file(rows: usize, prefix: &str) -> String {
    let mut csv = String::from("name\n");
    for n in 0..rows {
        csv.push_str(prefix);
        csv.push_str(&n.to_string());
        csv.push('\n');
    }
    csv
}

/// Reads the stream's events one at a time until an `import` event says the run is over.
async fn import_events_until_over(stream: &mut reqwest::Response) -> Vec<serde_json::Value> {
    let mut seen = Vec::new();
    for _ in 0..5000 {
        let event = crate::live_tables::read_events(stream, 1).await.remove(0);
        assert_ne!(event.name, "reload", "the stream kept up");
        if event.name != "import" {
            continue;
        }
        let over = event.data["state"] != "queued" && event.data["state"] != "running";
        seen.push(event.data);
        if over {
            return seen;
        }
    }
    panic!("no end of the import among 5,000 events: {seen:?}");
}

async fn a_large_import_is_applied_by_a_job_with_progress(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let staff = employee(&app, "erin").await;
    let rows = 1200;
    let preview = upload(&staff, "/admin/genres/import", &names_file(rows, "Genre ")).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("1200 to add"), "{}", preview.body);
    assert!(
        preview.body.contains("700 more lines"),
        "a long preview lists 500 lines and counts the rest: {}",
        preview.body
    );
    let id = import_id(&preview).expect("a confirmable preview");

    let mut stream = open(&staff, "/admin/genres/events", None).await;
    let queued = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(queued.status, 202, "{}", queued.body);
    assert!(
        queued.body.contains("data-import-progress"),
        "{}",
        queued.body
    );
    let again = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(again.status, 202, "a second click finds the same run");

    let events = import_events_until_over(&mut stream).await;
    let last = events.last().expect("an end");
    assert_eq!(last["state"], "applied", "{events:?}");
    assert_eq!(last["created"], rows as i64);
    assert_eq!(last["done"], rows as i64);
    assert_eq!(
        app.db().count_rows(Genres::Table).await.expect("count"),
        rows as i64
    );
    let run = runs::find(app.db(), &id).await.expect("run").expect("kept");
    assert_eq!(run.state(), runs::RunState::Applied);
    app.drain_jobs().await;
}
both_backends!(a_large_import_is_applied_by_a_job_with_progress);

async fn a_queued_import_can_be_cancelled_before_it_commits(backend: Backend) {
    // No workers here: the run waits in the queue until the second process picks it up.
    let mut first = spawn_with(
        backend,
        Options {
            workers: false,
            ..Options::default()
        },
    )
    .await;
    let staff = employee(&first, "erin").await;
    let other = employee(&first, "frank").await;
    let preview = upload(
        &staff,
        "/admin/genres/import",
        &names_file(1100, "Kept Out "),
    )
    .await;
    let id = import_id(&preview).expect("a confirmable preview");
    let queued = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(queued.status, 202, "{}", queued.body);

    let theirs = htmx(
        &other,
        "POST",
        &format!("/admin/genres/import/{id}/cancel"),
        &[],
    )
    .await;
    assert_eq!(theirs.status, 404, "only its author may cancel it");
    let cancelled = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/cancel"),
        &[],
    )
    .await;
    assert_eq!(cancelled.status, 202, "{}", cancelled.body);

    let worker = spawn_on(first.test_db.clone(), backend, Options::default()).await;
    let db = worker.db().clone();
    let run = eventually(DEADLINE, || {
        let (db, id) = (db.clone(), id.clone());
        async move {
            let run = runs::find(&db, &id).await.map_err(|e| e.to_string())?;
            match run {
                Some(run) if run.state().is_over() => Ok(run),
                other => Err(format!("not over yet: {other:?}")),
            }
        }
    })
    .await;
    assert_eq!(run.state(), runs::RunState::Cancelled);
    assert_eq!(
        first.db().count_rows(Genres::Table).await.expect("count"),
        0
    );
    worker.drain_jobs().await;
    let again = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/cancel"),
        &[],
    )
    .await;
    assert_eq!(again.status, 404, "nothing left to cancel");
    first.expect_leftover_jobs("the import job ran in the other process");
    drop(worker.stop().await);
}
both_backends!(a_queued_import_can_be_cancelled_before_it_commits);

async fn import_limits_are_clear(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let staff = employee(&app, "erin").await;
    let too_many = upload(&staff, "/admin/genres/import", &names_file(100_001, "G")).await;
    assert_eq!(
        too_many.status,
        422,
        "{}",
        &too_many.body[..too_many.body.len().min(500)]
    );
    assert!(too_many.body.contains("at most 100,000 rows"));
    // Not UTF-8 (Latin-1 "é" on line 3): refused with its line, nothing stored.
    let latin1 = b"name\nPlain\nCaf\xe9\n".to_vec();
    let token = staff.csrf().await;
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&latin1);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let refused = staff
        .send(
            staff
                .http
                .post(format!("{}/admin/genres/import", staff.base))
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .header("X-CSRF-Token", token)
                .body(body),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("Line 3 is not UTF-8"),
        "{}",
        refused.body
    );
    assert!(import_id(&refused).is_none());

    let mut huge = String::from("name\n");
    while huge.len() <= 10 * 1024 * 1024 {
        huge.push_str(&"x".repeat(99));
        huge.push('\n');
    }
    let refused = upload(&staff, "/admin/genres/import", &huge).await;
    assert_eq!(refused.status, 413);
    assert_eq!(app.db().count_rows(Genres::Table).await.expect("count"), 0);
    // Every other route keeps the small limit.
    let big_form = "x".repeat(100 * 1024);
    let small = htmx(
        &staff,
        "POST",
        "/admin/genres",
        &[("name", big_form.as_str())],
    )
    .await;
    assert_eq!(small.status, 413);
}
both_backends!(import_limits_are_clear);
