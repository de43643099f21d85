//! Staff tables stay live: `GET /admin/E/events` streams every create, update and delete of
//! E, made in this process or another on the same database, and resumes from
//! `Last-Event-ID` without losing or repeating an event.

use std::time::Duration;

use streamvault::auth::Role;

use crate::admin_support::htmx;
use crate::both_backends;
use crate::helpers::{
    create_account, customer, employee, spawn_on, spawn_with, Backend, Client, Options,
};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SseEvent {
    pub name: String,
    pub id: String,
    pub data: serde_json::Value,
}

/// Opens the event stream of `path` (optionally resuming after `last_id`).
pub(crate) async fn open(client: &Client, path: &str, last_id: Option<&str>) -> reqwest::Response {
    let mut request = client
        .http
        .get(format!("{}{path}", client.base))
        .header("Accept", "text/event-stream");
    if let Some(id) = last_id {
        request = request.header("Last-Event-ID", id);
    }
    request.send().await.expect("event stream")
}

/// Reads events until `count` arrived (heartbeat comments are skipped), or panics after 20 s.
pub(crate) async fn read_events(response: &mut reqwest::Response, count: usize) -> Vec<SseEvent> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while events.len() < count {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("{count} events within 20 s; got {events:?}"))
            .expect("stream readable")
            .expect("stream still open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut name, mut id, mut data) = (String::new(), String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if !name.is_empty() {
                events.push(SseEvent {
                    name,
                    id,
                    data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                });
            }
        }
    }
    events
}

async fn a_table_streams_its_changes_across_processes(backend: Backend) {
    let first = spawn_with(backend, Options::default()).await;
    let second = spawn_on(first.test_db.clone(), backend, Options::default()).await;
    let watcher = employee(&first, "erin").await;
    create_account(&second, "frank", Role::Employee).await;
    let editor = second.client();
    editor.sign_in("frank", crate::helpers::PASSWORD).await;

    let mut stream = open(&watcher, "/admin/genres/events", None).await;
    assert_eq!(stream.status(), 200);
    let header = |name: &str| {
        stream
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/event-stream"));
    assert_eq!(header("x-accel-buffering"), "no");

    // Changes made through the other process.
    let created = htmx(&editor, "POST", "/admin/genres", &[("name", "Live")]).await;
    assert!(matches!(created.status, 200 | 201), "{}", created.body);
    let events = read_events(&mut stream, 1).await;
    assert_eq!(events[0].name, "created", "{events:?}");
    let id = events[0].data["id"].as_i64().expect("row id");
    let version = events[0].data["version"].as_i64().expect("row version");

    let path = format!("/admin/genres/{id}");
    let updated = htmx(
        &editor,
        "PUT",
        &path,
        &[("name", "Live again"), ("version", &version.to_string())],
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let events = read_events(&mut stream, 1).await;
    assert_eq!(events[0].name, "updated");
    assert_eq!(events[0].data["id"].as_i64(), Some(id));
    assert_eq!(events[0].data["version"].as_i64(), Some(version + 1));
    let after_update = events[0].id.clone();

    let deleted = htmx(
        &editor,
        "DELETE",
        &path,
        &[("version", &(version + 1).to_string())],
    )
    .await;
    assert!(matches!(deleted.status, 200 | 204), "{}", deleted.body);
    let events = read_events(&mut stream, 1).await;
    assert_eq!(events[0].name, "deleted");
    assert_eq!(events[0].data["id"].as_i64(), Some(id));
    assert!(events[0].data["version"].is_null(), "{events:?}");
    drop(stream);

    // Undo brings the row back. A page that hears of the delete only now must not remove
    // the restored row: the late `deleted` event names no version (the page asks for the row
    // and keeps it), and the restore follows as a new row.
    let token = crate::admin_undo::token_in(&deleted.body);
    let undone = htmx(&editor, "POST", "/admin/genres/undo", &[("token", &token)]).await;
    assert_eq!(undone.status, 200, "{}", undone.body);

    // A reconnect after the update gets the delete, once, and nothing before it; then the
    // restore, as a new row.
    let mut resumed = open(&watcher, "/admin/genres/events", Some(&after_update)).await;
    let again = read_events(&mut resumed, 2).await;
    assert_eq!(again[0].name, "deleted");
    assert_eq!(again[0].data["id"].as_i64(), Some(id));
    assert!(again[0].data["version"].is_null(), "{again:?}");
    assert_eq!(again[1].name, "created");
    assert_eq!(again[1].data["id"].as_i64(), Some(id));
    let restored: i64 = crate::admin_support::version(&first, "genres", id)
        .await
        .parse()
        .expect("a version");
    assert_eq!(again[1].data["version"].as_i64(), Some(restored));
    // Each event names the version its change left, however late it is read: the whole
    // history from the start, while the row has moved on since.
    let mut history = open(&watcher, "/admin/genres/events", Some("0")).await;
    let told: Vec<(String, Option<i64>)> = read_events(&mut history, 3)
        .await
        .into_iter()
        .map(|event| (event.name, event.data["version"].as_i64()))
        .collect();
    assert_eq!(
        told,
        [
            ("created".to_owned(), Some(version)),
            ("updated".to_owned(), Some(version + 1)),
            ("deleted".to_owned(), None),
        ]
    );
    drop(history);
    // Another table's change is not this table's event; the next one here is.
    htmx(&editor, "POST", "/admin/languages", &[("name", "Elvish")]).await;
    htmx(&editor, "POST", "/admin/genres", &[("name", "Next")]).await;
    let next = read_events(&mut resumed, 1).await;
    assert_eq!(next[0].name, "created", "{next:?}");
    let seq = |event: &SseEvent| event.id.parse::<i64>().expect("numeric event id");
    assert!(
        seq(&next[0]) > seq(&again[1]),
        "in order, never repeated: {next:?}"
    );
    drop(resumed);

    second.stop().await;
}
both_backends!(a_table_streams_its_changes_across_processes);

async fn event_streams_are_for_staff_and_refuse_nonsense(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let anonymous = app.client();
    let refused = open(&anonymous, "/admin/genres/events", None).await;
    assert_eq!(refused.status(), 303);
    let viewer = customer(&app, "alice").await;
    assert_eq!(
        open(&viewer, "/admin/genres/events", None).await.status(),
        403
    );
    let staff = employee(&app, "erin").await;
    assert_eq!(
        open(&staff, "/admin/genres/events", Some("not-a-number"))
            .await
            .status(),
        400
    );
    // A few tabs may listen; a flood of streams from one session is refused.
    let mut open_streams = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..18 {
        let response = open(&staff, "/admin/genres/events", None).await;
        statuses.push(response.status().as_u16());
        open_streams.push(response);
    }
    assert!(statuses.iter().take(16).all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.iter().skip(16).all(|s| *s == 429), "{statuses:?}");
    drop(open_streams);
}
both_backends!(event_streams_are_for_staff_and_refuse_nonsense);

/// In a browser: another staff member's changes appear on an open table without a reload.
async fn an_open_table_shows_other_peoples_changes(backend: Backend) {
    let Some((_driver, browser)) = crate::browser::browser().await else {
        return;
    };
    let app = crate::admin_support::demo_app(backend).await;
    let other = employee(&app, "erin").await;
    crate::browser::sign_in(&browser, &app.url("/login"), "admin", "streamvault-admin").await;
    browser
        .goto(&app.url("/admin/genres"))
        .await
        .expect("genres table");
    // The page's stream is open before anything changes.
    crate::browser::wait_for_text(
        &browser,
        "table.admin-table[data-live=open] #genres-row-1",
        "",
    )
    .await;

    let version = crate::admin_support::version(&app, "genres", 1).await;
    let renamed = htmx(
        &other,
        "PUT",
        "/admin/genres/1",
        &[("name", "Renamed Elsewhere"), ("version", &version)],
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    crate::browser::wait_for_text(&browser, "#genres-row-1", "Renamed Elsewhere").await;

    let created = htmx(&other, "POST", "/admin/genres", &[("name", "Brand New")]).await;
    assert!(matches!(created.status, 200 | 201), "{}", created.body);
    crate::browser::wait_for_text(&browser, "#genres-table .live-banner", "1 new row").await;
}
both_backends!(an_open_table_shows_other_peoples_changes);
