//! Presence on the staff tables: a row someone else has open for editing shows who, across
//! processes, and stops showing it when they save, cancel, leave, or go silent for 30 s.

use streamvault::auth::Role;

use crate::admin_support::htmx;
use crate::both_backends;
use crate::helpers::{create_account, customer, employee, spawn_on, spawn_with, Backend, Options};
use crate::live_tables::{open, read_events, SseEvent};

fn presence(events: &[SseEvent]) -> Vec<(i64, Vec<String>)> {
    events
        .iter()
        .filter(|e| e.name == "presence")
        .map(|e| {
            let names = e.data["editors"]
                .as_array()
                .expect("editors")
                .iter()
                .map(|n| n.as_str().expect("a name").to_owned())
                .collect();
            (e.data["id"].as_i64().expect("row id"), names)
        })
        .collect()
}

fn editors(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn editors_show_on_other_pages_across_processes(backend: Backend) {
    let first = spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    let second = spawn_on(first.test_db.clone(), backend, Options::default()).await;
    let erin = employee(&first, "erin").await;
    create_account(&second, "frank", Role::Employee).await;
    let frank = second.client();
    frank.sign_in("frank", crate::helpers::PASSWORD).await;

    // Frank (served by the second process) opens row 1; Erin's page, opened afterwards on
    // the first process, starts by saying so.
    let form = htmx(&frank, "GET", "/admin/genres/1/edit", &[]).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut erin_stream = open(&erin, "/admin/genres/events", None).await;
    assert_eq!(erin_stream.status(), 200);
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(1, editors(&["frank"]))]);

    // One's own editing is not news to oneself: Frank's page hears only of Erin's row.
    let mut frank_stream = open(&frank, "/admin/genres/events", None).await;
    let form = htmx(&erin, "GET", "/admin/genres/2/edit", &[]).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let events = read_events(&mut frank_stream, 1).await;
    assert_eq!(presence(&events), vec![(2, editors(&["erin"]))]);

    // Cancelled (the page says so): cleared.
    let left = htmx(
        &frank,
        "POST",
        "/admin/genres/1/presence",
        &[("editing", "0")],
    )
    .await;
    assert_eq!(left.status, 204, "{}", left.body);
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(1, vec![])]);

    // Saved: cleared, and the change itself arrives.
    htmx(&frank, "GET", "/admin/genres/1/edit", &[]).await;
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(1, editors(&["frank"]))]);
    let version = crate::admin_support::version(&first, "genres", 1).await;
    let saved = htmx(
        &frank,
        "PUT",
        "/admin/genres/1",
        &[("name", "Edited While Watched"), ("version", &version)],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let events = read_events(&mut erin_stream, 2).await;
    assert_eq!(presence(&events), vec![(1, vec![])], "{events:?}");
    assert!(events.iter().any(|e| e.name == "updated"), "{events:?}");

    // Heartbeats keep it; silence for 30 s ends it.
    htmx(&frank, "GET", "/admin/genres/1/edit", &[]).await;
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(1, editors(&["frank"]))]);
    first.clock.advance(chrono::Duration::seconds(20));
    second.clock.advance(chrono::Duration::seconds(20));
    let beat = htmx(
        &frank,
        "POST",
        "/admin/genres/1/presence",
        &[("editing", "1")],
    )
    .await;
    assert_eq!(beat.status, 204, "{}", beat.body);
    first.clock.advance(chrono::Duration::seconds(20));
    // 40 s after opening, 20 s after the heartbeat: still editing. Another change on the
    // table shows the stream is past that point without a word about row 1.
    let renamed = htmx(
        &erin,
        "PUT",
        "/admin/genres/2",
        &[
            ("name", "Marker"),
            (
                "version",
                &crate::admin_support::version(&first, "genres", 2).await,
            ),
        ],
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(events[0].name, "updated", "{events:?}");
    first.clock.advance(chrono::Duration::seconds(11));
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(1, vec![])]);
}
both_backends!(editors_show_on_other_pages_across_processes);

async fn presence_is_for_staff_and_refuses_nonsense(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    let viewer = customer(&app, "vera").await;
    let refused = htmx(
        &viewer,
        "POST",
        "/admin/genres/1/presence",
        &[("editing", "1")],
    )
    .await;
    assert_eq!(refused.status, 403);
    let staff = employee(&app, "erin").await;
    for bad in ["", "yes", "2"] {
        let answer = htmx(
            &staff,
            "POST",
            "/admin/genres/1/presence",
            &[("editing", bad)],
        )
        .await;
        assert_eq!(answer.status, 400, "editing={bad}: {}", answer.body);
    }
    let missing = htmx(
        &staff,
        "POST",
        "/admin/genres/999999/presence",
        &[("editing", "1")],
    )
    .await;
    assert_eq!(missing.status, 404);
    let no_token = staff
        .http
        .post(format!("{}/admin/genres/1/presence", staff.base))
        .form(&[("editing", "1")])
        .send()
        .await
        .expect("answer");
    assert_eq!(
        no_token.status(),
        403,
        "a presence note is a state change: CSRF applies"
    );
}
both_backends!(presence_is_for_staff_and_refuses_nonsense);

/// In a browser: the page shows who else edits a row, and tells others when it edits one.
async fn a_browser_shows_and_announces_editors(backend: Backend) {
    let Some((_driver, browser)) = crate::browser::browser().await else {
        return;
    };
    let app = crate::admin_support::demo_app(backend).await;
    let erin = employee(&app, "erin").await;
    let mut erin_stream = open(&erin, "/admin/genres/events", None).await;
    crate::browser::sign_in(&browser, &app.url("/login"), "admin", "streamvault-admin").await;
    browser
        .goto(&app.url("/admin/genres"))
        .await
        .expect("genres table");
    crate::browser::wait_for_text(
        &browser,
        "table.admin-table[data-live=open] #genres-row-1",
        "",
    )
    .await;

    // Erin opens row 1: the browser's page names her on that row, and stops when she leaves.
    htmx(&erin, "GET", "/admin/genres/1/edit", &[]).await;
    crate::browser::wait_for_text(&browser, "#genres-row-1 .presence", "erin is editing").await;
    htmx(
        &erin,
        "POST",
        "/admin/genres/1/presence",
        &[("editing", "0")],
    )
    .await;
    crate::helpers::eventually(crate::helpers::DEADLINE, || async {
        match browser
            .find(fantoccini::Locator::Css("#genres-row-1 .presence"))
            .await
        {
            Ok(_) => Err("still shown".to_owned()),
            Err(_) => Ok(()),
        }
    })
    .await;

    // The browser opens row 2 for editing, then cancels: Erin's page hears both.
    crate::browser::click(&browser, "#genres-row-2 td.cell").await;
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(2, editors(&["admin"]))]);
    let input = browser
        .find(fantoccini::Locator::Css(
            "tr.row-editing#genres-row-2 input[name=name]",
        ))
        .await
        .expect("edit row's name field");
    input
        .send_keys(&fantoccini::key::Key::Escape.to_string())
        .await
        .expect("Escape");
    let events = read_events(&mut erin_stream, 1).await;
    assert_eq!(presence(&events), vec![(2, vec![])]);
    browser.close().await.expect("close browser");
}
both_backends!(a_browser_shows_and_announces_editors);
