//! Click-to-edit in a real browser: the edit row lines up with the columns, the cursor lands
//! in the clicked column's field, Tab walks across, and after a 422 it goes to the wrong field
//! with the message tied to it. Also the Undo of a delete, which restores a series and its
//! episodes.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::admin_support::demo_app;
use crate::both_backends;
use crate::browser::{browser, click, fill, sign_in};
use crate::helpers::{eventually, Backend, DEADLINE};

pub(crate) async fn eval(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, Vec::new()).await.expect(script)
}

pub(crate) async fn wait_for(client: &Client, css: &str) {
    eventually(DEADLINE, || async {
        client
            .find(Locator::Css(css))
            .await
            .map(|_| ())
            .map_err(|_| format!("no {css}"))
    })
    .await;
}

/// The id of the element that has the focus, once it is `expected` (focus follows a swap).
async fn wait_for_focus(client: &Client, expected: &str) {
    eventually(DEADLINE, || async {
        let id = client
            .execute(
                "return document.activeElement && document.activeElement.id",
                Vec::new(),
            )
            .await
            .map_err(|e| e.to_string())?;
        if id == serde_json::json!(expected) {
            Ok(())
        } else {
            Err(format!("focus on {id}, not {expected}"))
        }
    })
    .await;
}

pub(crate) async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("SCREENSHOT_DIR") else {
        return;
    };
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(std::path::Path::new(&dir).join(name), png).expect("write screenshot");
}

async fn click_to_edit_focuses_the_clicked_and_the_wrong_field(backend: Backend) {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = demo_app(backend).await;
    client.set_window_size(1440, 900).await.expect("window");
    sign_in(&client, &app.url("/login"), "admin", "streamvault-admin").await;
    client
        .goto(&app.url("/admin/series?q=Lantern"))
        .await
        .expect("series");
    let row = "#series-row-1";
    wait_for(&client, &format!("tr.row{row}")).await;

    // The clicked column's field gets the cursor, not the first one.
    click(&client, &format!("{row} td[data-column=release_date]")).await;
    wait_for(&client, &format!("tr.row-editing{row}")).await;
    wait_for_focus(&client, "series-1-release_date").await;
    // Each editor sits under its own header: the cell's left edge is the header's.
    let aligned = eval(
        &client,
        r#"const heads = [...document.querySelectorAll('.admin-table thead th')];
           const cells = [...document.querySelectorAll('#series-row-1 > td')];
           if (heads.length !== cells.length) return 'cells ' + cells.length + ' heads ' + heads.length;
           const off = cells.filter((c, i) => Math.abs(c.getBoundingClientRect().left - heads[i].getBoundingClientRect().left) > 1);
           const title = document.querySelector('#series-row-1 td[data-column=title] input[name=title]');
           return off.length === 0 && title !== null;"#,
    )
    .await;
    assert_eq!(aligned, serde_json::json!(true), "edit row lines up");
    let novalidate = eval(
        &client,
        "return document.querySelector('#series-row-1-form').noValidate",
    )
    .await;
    assert_eq!(novalidate, serde_json::json!(true));
    screenshot(&client, "series-edit-1440.png").await;
    // Escape cancels.
    client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("escape");
    wait_for(&client, &format!("tr.row{row}")).await;

    // Open on the title, break the planned episodes, save with Enter from the title: the
    // 422 puts the cursor in the planned episodes, its message tied to it.
    click(&client, &format!("{row} td[data-column=title]")).await;
    wait_for(&client, &format!("tr.row-editing{row}")).await;
    wait_for_focus(&client, "series-1-title").await;
    // Tab moves to the next column's field.
    client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Tab.to_string())
        .await
        .expect("tab");
    wait_for_focus(&client, "series-1-planned_episodes").await;
    fill(&client, "#series-1-planned_episodes", "0").await;
    click(&client, "#series-1-title").await;
    client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_for(&client, "#series-1-planned_episodes[aria-invalid=true]").await;
    wait_for_focus(&client, "series-1-planned_episodes").await;
    let described = eval(
        &client,
        r#"const input = document.getElementById('series-1-planned_episodes');
           const message = document.getElementById(input.getAttribute('aria-describedby'));
           return message ? message.textContent : null;"#,
    )
    .await;
    assert!(
        described.as_str().is_some_and(|m| !m.is_empty()),
        "message tied to the field: {described}"
    );
    screenshot(&client, "series-422-1440.png").await;
    client.close().await.expect("close browser");
}
both_backends!(click_to_edit_focuses_the_clicked_and_the_wrong_field);

async fn undo_restores_a_deleted_series_with_its_episodes(backend: Backend) {
    use crate::admin_support::{record, rows_where};
    use streamvault::db::schema::{Contracts, Episodes};
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = demo_app(backend).await;
    let mut series = 0;
    for id in 1..=40 {
        if rows_where(&app, Contracts::Table, Contracts::SeriesId, id).await == 0
            && rows_where(&app, Episodes::Table, Episodes::SeriesId, id).await > 0
        {
            series = id;
            break;
        }
    }
    assert!(series > 0, "a demo series without contracts");
    let episodes = rows_where(&app, Episodes::Table, Episodes::SeriesId, series).await;
    let label = record(&app, "series", series).await.expect("series").label;
    sign_in(&client, &app.url("/login"), "admin", "streamvault-admin").await;
    for (width, height) in [(1440, 900), (390, 844)] {
        client.set_window_size(width, height).await.expect("window");
        let query = label.replace(' ', "+").replace('\'', "%27");
        client
            .goto(&app.url(&format!("/admin/series?q={query}")))
            .await
            .expect("series");
        let row = format!("#series-row-{series}");
        wait_for(&client, &format!("tr.row{row}")).await;
        // The skip link leads to the table.
        let skip = eval(
            &client,
            "return document.querySelector('.skip-link').getAttribute('href')",
        )
        .await;
        assert_eq!(skip, serde_json::json!("#series-table"));
        eval(
            &client,
            &format!("document.querySelector('{row} td.actions').scrollIntoView(); return true"),
        )
        .await;
        click(&client, &format!("{row} td.actions form[hx-delete] button")).await;
        client.accept_alert().await.expect("confirm");
        crate::browser::wait_for_text(&client, "#series-message", "Deleted series").await;
        wait_for(&client, "#series-table tr.empty-row").await;
        assert_eq!(
            rows_where(&app, Episodes::Table, Episodes::SeriesId, series).await,
            0
        );
        screenshot(&client, &format!("series-deleted-{width}.png")).await;
        click(&client, "#series-message .undo-button").await;
        wait_for(&client, &format!("tr.row{row}")).await;
        crate::browser::wait_for_text(&client, "#series-message", "Restored series").await;
        assert_eq!(
            rows_where(&app, Episodes::Table, Episodes::SeriesId, series).await,
            episodes,
            "its episodes came back"
        );
        screenshot(&client, &format!("series-restored-{width}.png")).await;
    }
    client.close().await.expect("close browser");
}
both_backends!(undo_restores_a_deleted_series_with_its_episodes);
