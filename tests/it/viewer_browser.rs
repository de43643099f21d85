//! The catalog's first screen in a real browser at 1280×800 and 390×844 (issue 23): enough
//! titles to choose from, only the poster renditions it shows, a chip that removes its filter,
//! a one-row phone header, and a saved review that announces itself and takes focus.
//! `SCREENSHOT_DIR` keeps what the browser showed.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::both_backends;
use crate::browser::{browser, click, fill, wait_for_text};
use crate::helpers::{eventually, spawn_with, Backend, Options, DEADLINE};

async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, Vec::new()).await.expect(script)
}

async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("SCREENSHOT_DIR") else {
        return;
    };
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(std::path::Path::new(&dir).join(name), png).expect("write screenshot");
}

/// Resizes the window so that the page's viewport is exactly `width`×`height`.
async fn viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.expect("resize");
    let inner = eval(client, "return [window.innerWidth, window.innerHeight]").await;
    let (w, h) = (
        inner[0].as_u64().expect("width") as u32,
        inner[1].as_u64().expect("height") as u32,
    );
    client
        .set_window_size(
            width + (width - w.min(width)),
            height + (height - h.min(height)),
        )
        .await
        .expect("resize to the viewport");
    eventually(DEADLINE, || async {
        let now = eval(client, "return [window.innerWidth, window.innerHeight]").await;
        if now == json!([width, height]) {
            Ok(())
        } else {
            Err(format!("viewport {now}"))
        }
    })
    .await;
}

/// Cards whose whole title is inside the viewport (nothing scrolled).
const TITLES_ON_SCREEN: &str = r#"
    return [...document.querySelectorAll('#catalog-results .card-title')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 0;
    }).length;
"#;

/// Waits until every image on screen has loaded (lazy ones included), then returns the
/// poster renditions the page fetched.
const RENDITIONS_LOADED: &str = r#"
    return [...performance.getEntriesByType('resource')]
        .map(e => new URL(e.name).pathname).filter(p => p.startsWith('/media/'));
"#;

async fn first_screen(client: &Client, url: &str, min_titles: u64, name: &str) -> Vec<String> {
    client.goto(url).await.expect("catalog");
    wait_for_text(client, "#catalog-count", "series").await;
    let titles = eventually(DEADLINE, || async {
        let n = eval(client, TITLES_ON_SCREEN).await.as_u64().unwrap_or(0);
        if n >= min_titles {
            Ok(n)
        } else {
            Err(format!(
                "{n} whole titles on the first screen, want {min_titles}"
            ))
        }
    })
    .await;
    // Every on-screen poster is drawn (complete) before its renditions are counted.
    eventually(DEADLINE, || async {
        let pending = eval(
            client,
            "return [...document.querySelectorAll('.card img')].filter(i => { const r = i.getBoundingClientRect(); return r.top < innerHeight && !i.complete; }).length",
        )
        .await;
        if pending == json!(0) {
            Ok(())
        } else {
            Err(format!("{pending} posters still loading"))
        }
    })
    .await;
    screenshot(client, name).await;
    eprintln!("{name}: {titles} whole titles on the first screen");
    let loaded: Vec<String> =
        serde_json::from_value(eval(client, RENDITIONS_LOADED).await).expect("a list of paths");
    loaded
}

/// The poster key of a rendition path `/media/{key}-{width}.webp`.
fn key_of(path: &str) -> &str {
    let name = path.trim_start_matches("/media/");
    &name[..name.rfind('-').expect("a width")]
}

async fn the_catalog_shows_titles_first_and_chips_remove_filters(backend: Backend) {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    // The demo's drawn posters, as `serve --demo` makes them.
    let media = streamvault::posters::MediaDir::new(app.media_dir.clone());
    let drawn = streamvault::seed::posters::draw_missing(
        app.db(),
        &media,
        streamvault::seed::posters::Style::Titled,
    )
    .await
    .expect("demo posters");
    assert!(drawn > 0);

    // Desktop: at least 8 whole titles, one rendition per poster (no poster at two widths)
    // and none wider than a 150 px card needs at this pixel ratio; posters load lazily.
    viewport(&client, 1280, 800).await;
    let loaded = first_screen(&client, &app.url("/"), 8, "catalog-desktop.png").await;
    let mut keys: Vec<&str> = loaded.iter().map(|p| key_of(p)).collect();
    let fetched = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), fetched, "one rendition per poster: {loaded:?}");
    assert!(!loaded.is_empty(), "posters shown");
    assert!(
        loaded.iter().all(|p| p.ends_with("-160.webp")),
        "the smallest rendition that covers a card: {loaded:?}"
    );
    let eager = eval(
        &client,
        "return [...document.querySelectorAll('.card img')].filter(i => i.loading !== 'lazy').length",
    )
    .await;
    assert_eq!(eager, json!(0), "card posters are lazy");
    let cards = eval(&client, "return document.querySelectorAll('.card').length").await;
    assert!(fetched as u64 <= cards.as_u64().expect("cards"));

    // A chip removes its filter in place (htmx) and the count follows.
    let all = eval(
        &client,
        "return document.getElementById('catalog-count').textContent",
    )
    .await;
    client.goto(&app.url("/?genre=1")).await.expect("filtered");
    wait_for_text(&client, ".chips", "Genre: Drama").await;
    let narrowed = eval(
        &client,
        "return document.getElementById('catalog-count').textContent",
    )
    .await;
    assert_ne!(narrowed, all);
    screenshot(&client, "catalog-chip.png").await;
    click(&client, ".chips a.chip").await;
    eventually(DEADLINE, || async {
        let count = eval(
            &client,
            "return document.getElementById('catalog-count').textContent",
        )
        .await;
        let chips = eval(&client, "return document.querySelectorAll('.chips').length").await;
        let url = client.current_url().await.map_err(|e| e.to_string())?;
        if count == all && chips == json!(0) && url.query().is_none() {
            Ok(())
        } else {
            Err(format!("count {count}, {chips} chip lists, at {url}"))
        }
    })
    .await;

    // Phone: two whole titles, 2:3 tiles (a poster's drawn title is not cropped), and the
    // header on one row.
    viewport(&client, 390, 844).await;
    first_screen(&client, &app.url("/"), 2, "catalog-phone.png").await;
    let ratio = eval(
        &client,
        "const r = document.querySelector('.card .poster').getBoundingClientRect(); return r.height / r.width",
    )
    .await
    .as_f64()
    .expect("ratio");
    assert!(
        (ratio - 1.5).abs() < 0.02,
        "2:3 tiles on a phone, not {ratio}"
    );
    let header_rows = eval(
        &client,
        "const tops = [...document.querySelectorAll('.header-inner > *')].map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)); return Math.max(...tops) - Math.min(...tops)",
    )
    .await
    .as_f64()
    .expect("spread");
    assert!(
        header_rows < 12.0,
        "header items on one row ({header_rows}px apart)"
    );
    let overflow = eval(
        &client,
        "return document.documentElement.scrollWidth > innerWidth",
    )
    .await;
    assert_eq!(overflow, json!(false), "nothing wider than the phone");
    client.close().await.expect("close browser");
}
both_backends!(the_catalog_shows_titles_first_and_chips_remove_filters);

async fn a_saved_review_announces_itself_and_takes_focus(backend: Backend) {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_with(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    viewport(&client, 390, 844).await;
    client.goto(&app.url("/login")).await.expect("login");
    fill(&client, "#login-form input[name=username]", "dave").await;
    fill(
        &client,
        "#login-form input[name=password]",
        "streamvault-demo",
    )
    .await;
    click(&client, "#login-form button").await;
    wait_for_text(&client, ".main-nav", "My account").await;

    client.goto(&app.url("/series/1")).await.expect("series");
    wait_for_text(&client, "h1", "").await;
    click(&client, "label[for=rating-4]").await;
    fill(&client, "#field-review-body", "Worth a second look.").await;
    click(&client, "#review-form button[type=submit]").await;
    wait_for_text(&client, "#review-notice", "Review saved.").await;
    eventually(DEADLINE, || async {
        let focused = eval(
            &client,
            "const a = document.activeElement; return [a.id, a.getAttribute('role')]",
        )
        .await;
        if focused == json!(["review-notice", "status"]) {
            Ok(())
        } else {
            Err(format!("focus on {focused}"))
        }
    })
    .await;
    // Listed first and marked as one's own.
    wait_for_text(
        &client,
        "#reviews .review-list > li:first-child",
        "Your review",
    )
    .await;
    wait_for_text(
        &client,
        "#reviews .review-list > li:first-child",
        "Worth a second look.",
    )
    .await;
    screenshot(&client, "review-saved-phone.png").await;

    // Deleting says so the same way (the confirm dialog accepted).
    client
        .execute("window.confirm = () => true", Vec::new())
        .await
        .expect("confirm");
    click(&client, "button.button-danger-quiet").await;
    wait_for_text(&client, "#review-notice", "Review deleted.").await;
    eventually(DEADLINE, || async {
        let focused = eval(&client, "return document.activeElement.id").await;
        if focused == json!("review-notice") {
            Ok(())
        } else {
            Err(format!("focus on {focused}"))
        }
    })
    .await;
    let own = client
        .find_all(Locator::Css(".review-own"))
        .await
        .expect("find");
    assert!(own.is_empty(), "no own review left");
    client.close().await.expect("close browser");
}
both_backends!(a_saved_review_announces_itself_and_takes_focus);
