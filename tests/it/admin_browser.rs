//! A real browser edits a series in its staff table: click a cell, type, press Enter; then a
//! second staff member saves the same row first and the browser's save answers with the
//! conflict, showing the current values instead of overwriting them.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::admin_support::{demo_app, htmx, staff, stored, version};
use crate::both_backends;
use crate::browser::{browser, click, fill, sign_in, wait_for_text};
use crate::helpers::{eventually, Backend, DEADLINE};

async fn value_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

async fn press(client: &Client, css: &str, key: Key) {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .send_keys(&key.to_string())
        .await
        .expect("key");
}

async fn wait_for(client: &Client, css: &str) {
    eventually(DEADLINE, || async {
        client
            .find(Locator::Css(css))
            .await
            .map(|_| ())
            .map_err(|_| format!("no {css}"))
    })
    .await;
}

async fn staff_edit_a_series_inline_and_see_a_conflict(backend: Backend) {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = demo_app(backend).await;
    let id = 2;
    let title = stored(&app, "series", id, "title").await;

    sign_in(&client, &app.url("/login"), "admin", "streamvault-admin").await;

    let query = title.replace(' ', "+");
    client
        .goto(&app.url(&format!("/admin/series?q={query}")))
        .await
        .expect("series table");
    let row = format!("#series-row-{id}");
    wait_for_text(&client, &row, &title).await;

    // Click a cell: the row turns into its edit form in place (no page load).
    click(&client, &format!("{row} td.cell")).await;
    wait_for(&client, &format!("tr.row-editing{row}")).await;
    let input = format!("#series-{id}-title");
    fill(&client, &input, "Edited In Place").await;
    press(&client, &input, Key::Enter).await;
    wait_for_text(&client, &format!("tr.row{row}"), "Edited In Place").await;
    wait_for_text(&client, &format!("{row} .row-message"), "Saved").await;
    assert_eq!(stored(&app, "series", id, "title").await, "Edited In Place");
    assert!(
        client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .contains("/admin/series"),
        "no navigation"
    );

    // Edit again; meanwhile another staff member saves the same row.
    click(&client, &format!("{row} td.cell")).await;
    wait_for(&client, &format!("tr.row-editing{row}")).await;
    let other = staff(&app, "sam").await;
    let v = version(&app, "series", id).await;
    let theirs = htmx(
        &other,
        "PUT",
        &format!("/admin/series/{id}"),
        &[("title", "Saved Elsewhere"), ("version", &v)],
    )
    .await;
    assert_eq!(theirs.status, 200);
    fill(&client, &input, "My Lost Update").await;
    press(&client, &input, Key::Enter).await;
    wait_for_text(
        &client,
        &format!("{row} .row-message"),
        "Someone else changed this row",
    )
    .await;
    assert_eq!(
        value_of(&client, &input).await,
        "Saved Elsewhere",
        "the current values"
    );
    wait_for_text(&client, &format!("{row} .field-note"), "My Lost Update").await;
    assert_eq!(
        stored(&app, "series", id, "title").await,
        "Saved Elsewhere",
        "not overwritten"
    );

    // Escape restores the row as stored.
    press(&client, &input, Key::Escape).await;
    wait_for(&client, &format!("tr.row{row}")).await;
    wait_for_text(&client, &format!("tr.row{row}"), "Saved Elsewhere").await;
    client.close().await.expect("close browser");
}
both_backends!(staff_edit_a_series_inline_and_see_a_conflict);
