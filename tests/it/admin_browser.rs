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

/// Runs `script` (its `return` value) in the page.
async fn eval(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, Vec::new()).await.expect(script)
}

/// Saves what the browser shows, for people reviewing layout changes (`SCREENSHOT_DIR`).
async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("SCREENSHOT_DIR") else {
        return;
    };
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(std::path::Path::new(&dir).join(name), png).expect("write screenshot");
}

/// Cells that wrap onto a second line, or row actions outside the window, as text.
const LAYOUT_PROBLEMS: &str = r#"
    const problems = [];
    for (const cell of document.querySelectorAll('.admin-table tr.row td.cell')) {
        const style = getComputedStyle(cell);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
        const text = cell.querySelector('.cell-text') || cell;
        if (text.getBoundingClientRect().height > line * 1.5) problems.push('wraps: ' + cell.textContent.trim());
    }
    for (const button of document.querySelectorAll('.admin-table tr.row td.actions .button')) {
        const box = button.getBoundingClientRect();
        if (box.width === 0 || box.right > window.innerWidth || box.left < 0) problems.push('cut off: ' + button.textContent.trim());
    }
    return problems;
"#;

async fn staff_tables_fit_the_window(backend: Backend) {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = demo_app(backend).await;
    // Long values a narrow layout used to break inside words.
    let admin = staff(&app, "lena").await;
    let v = version(&app, "series", 3).await;
    let page = htmx(
        &admin,
        "PUT",
        "/admin/series/3",
        &[
            (
                "title",
                "The Extraordinarily Long Chronicles of Lumière Valley and Its Neighbours",
            ),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(page.status, 200);
    client.set_window_size(1440, 900).await.expect("window");
    sign_in(&client, &app.url("/login"), "admin", "streamvault-admin").await;

    for table in ["customers", "series", "producers", "contracts", "employees"] {
        client
            .goto(&app.url(&format!("/admin/{table}")))
            .await
            .expect("table");
        wait_for(&client, ".admin-table tr.row").await;
        let problems = eval(&client, LAYOUT_PROBLEMS).await;
        assert_eq!(problems, serde_json::json!([]), "{table} at 1440×900");
        screenshot(&client, &format!("{table}-1440.png")).await;
    }
    client.set_window_size(1280, 900).await.expect("window");
    client
        .goto(&app.url("/admin/customers"))
        .await
        .expect("customers");
    wait_for(&client, ".admin-table tr.row").await;
    screenshot(&client, "customers-1280.png").await;
    let problems = eval(&client, LAYOUT_PROBLEMS).await;
    assert_eq!(problems, serde_json::json!([]), "customers at 1280");
    let fits = eval(
        &client,
        "const s = document.querySelector('.table-scroll'); return s.scrollWidth <= s.clientWidth",
    )
    .await;
    assert_eq!(
        fits,
        serde_json::json!(true),
        "customers fit 1280 px without scrolling"
    );
    client.set_window_size(1440, 900).await.expect("window");
    // The staff area uses the window's width.
    let main = eval(
        &client,
        "return document.querySelector('main').getBoundingClientRect().width",
    )
    .await;
    assert!(main.as_f64().unwrap_or_default() > 1400.0, "{main}");
    // A truncated title keeps its whole text on hover.
    client
        .goto(&app.url("/admin/series?q=Lumi"))
        .await
        .expect("series");
    wait_for(&client, "#series-row-3").await;
    let title = eval(
        &client,
        "return document.querySelector('#series-row-3 td[data-column=title] .cell-text').title",
    )
    .await;
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.ends_with("Its Neighbours")),
        "{title}"
    );

    // Deleting is quiet until confirmed, "Delete selected" waits for a tick, and the count
    // follows a delete.
    client
        .goto(&app.url("/admin/genres"))
        .await
        .expect("genres");
    wait_for(&client, ".admin-table tr.row").await;
    let solid = eval(
        &client,
        "return document.querySelectorAll('.admin-table .button-danger').length",
    )
    .await;
    assert_eq!(solid, serde_json::json!(0));
    let disabled = "return document.querySelector('.bulk-bar button[type=submit]').disabled";
    assert_eq!(eval(&client, disabled).await, serde_json::json!(true));
    click(&client, ".admin-table tr.row td.select-col input").await;
    assert_eq!(eval(&client, disabled).await, serde_json::json!(false));
    wait_for_text(&client, ".bulk-count", "1 selected").await;
    click(&client, ".admin-table tr.row td.select-col input").await;
    assert_eq!(eval(&client, disabled).await, serde_json::json!(true));
    let before = client
        .find(Locator::Css("#genres-count"))
        .await
        .expect("count")
        .text()
        .await
        .expect("text");
    let created = htmx(&admin, "POST", "/admin/genres", &[("name", "Zz Deletable")]).await;
    assert_eq!(created.status, 200);
    client
        .goto(&app.url("/admin/genres?q=Zz"))
        .await
        .expect("genres");
    wait_for_text(&client, "#genres-count", "1 genre").await;
    click(
        &client,
        ".admin-table tr.row td.actions button[type=submit]",
    )
    .await;
    client.accept_alert().await.expect("confirm");
    wait_for_text(&client, "#genres-count", "0 rows").await;
    assert_ne!(before, "0 rows");

    // A phone scrolls the table sideways with the first column pinned.
    client.set_window_size(390, 844).await.expect("window");
    client
        .goto(&app.url("/admin/customers"))
        .await
        .expect("customers");
    wait_for(&client, ".admin-table tr.row").await;
    let scrolls = eval(
        &client,
        "const s = document.querySelector('.table-scroll'); return s.scrollWidth > s.clientWidth",
    )
    .await;
    assert_eq!(scrolls, serde_json::json!(true));
    let pinned = eval(
        &client,
        "return getComputedStyle(document.querySelector('.admin-table tr.row td:nth-child(2)')).position",
    )
    .await;
    assert_eq!(pinned, serde_json::json!("sticky"));
    let page_scrolls = eval(
        &client,
        "return document.documentElement.scrollWidth > window.innerWidth + 1",
    )
    .await;
    assert_eq!(
        page_scrolls,
        serde_json::json!(false),
        "only the table scrolls"
    );
    // Nothing wraps inside a word and the row actions stay on screen on a phone too.
    let problems = eval(&client, LAYOUT_PROBLEMS).await;
    assert_eq!(problems, serde_json::json!([]), "customers at 390×844");
    let to_table = "document.querySelector('.table-summary').scrollIntoView(); return true";
    eval(&client, to_table).await;
    screenshot(&client, "customers-390.png").await;
    client
        .goto(&app.url("/admin/series"))
        .await
        .expect("series");
    wait_for(&client, ".admin-table tr.row").await;
    eval(&client, to_table).await;
    eval(
        &client,
        "document.querySelector('.table-scroll').scrollLeft = 200; return true",
    )
    .await;
    screenshot(&client, "series-390-scrolled.png").await;
    let problems = eval(&client, LAYOUT_PROBLEMS).await;
    assert_eq!(
        problems,
        serde_json::json!([]),
        "series at 390×844, scrolled"
    );
    client.close().await.expect("close browser");
}
both_backends!(staff_tables_fit_the_window);
