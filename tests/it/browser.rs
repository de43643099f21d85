//! Real-browser checks with Debian's chromium driven through chromedriver: htmx loads under the
//! CSP with the locked-down config, live search swaps results, demo users sign in and out, and
//! a 422 fragment is swapped into place. Without chromedriver these tests are skipped with a
//! message, unless STREAMVAULT_REQUIRE_BROWSER is set (as `.ci/run` does), where they fail.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{eventually, spawn_with, try_eventually, Backend, Options, DEADLINE};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn browser() -> Option<(Driver, Client)> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("STREAMVAULT_REQUIRE_BROWSER").is_none(),
            "browser tests required but chromium/chromedriver are missing (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping browser test: install chromium and chromium-driver to run it");
        return None;
    }
    let port = crate::smtp::free_port().await;
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let client = eventually(DEADLINE, || async {
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
            .map_err(|e| format!("chromedriver did not accept a session: {e}"))
    })
    .await;
    Some((driver, client))
}

pub(crate) async fn wait_for_text(client: &Client, css: &str, text: &str) {
    let found = try_eventually(DEADLINE, || async {
        match client.find(Locator::Css(css)).await {
            Ok(element) if element.text().await.is_ok_and(|t| t.contains(text)) => Ok(()),
            _ => Err(format!("no {css:?} containing {text:?}")),
        }
    })
    .await;
    if let Err(missing) = found {
        let source = client.source().await.unwrap_or_default();
        panic!("{missing} in:\n{}", &source[..source.len().min(3000)]);
    }
}

/// Waits until the catalog shows `n` result cards, as a live search settles.
pub(crate) async fn wait_for_results(client: &Client, n: usize) {
    eventually(DEADLINE, || async {
        let cards = client
            .find_all(Locator::Css("#catalog-results .card"))
            .await
            .map(|c| c.len())
            .unwrap_or(0);
        if cards == n {
            Ok(())
        } else {
            Err(format!("{cards} result cards, expected {n}"))
        }
    })
    .await;
}

pub(crate) async fn fill(client: &Client, css: &str, text: &str) {
    let element = client.find(Locator::Css(css)).await.expect(css);
    element.clear().await.expect("clear");
    element.send_keys(text).await.expect("type");
}

/// Signs in through the login form at `login_url` and waits for the header to name `username`.
pub(crate) async fn sign_in(client: &Client, login_url: &str, username: &str, password: &str) {
    client.goto(login_url).await.expect("login page");
    fill(client, "#login-form input[name=username]", username).await;
    fill(client, "#login-form input[name=password]", password).await;
    click(client, "#login-form button").await;
    wait_for_text(client, ".signed-in-as", username).await;
}

pub(crate) async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .click()
        .await
        .expect("click");
}

async fn a_viewer_uses_the_site_in_a_browser(backend: Backend) {
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

    client.goto(&app.url("/")).await.expect("open catalog");
    wait_for_text(&client, "h1", "Find your next series").await;
    let htmx = client
        .execute("return [htmx.version, htmx.config.selfRequestsOnly, htmx.config.allowEval, htmx.config.historyCacheSize]", vec![])
        .await
        .expect("htmx present");
    assert_eq!(
        htmx,
        json!(["2.0.11", true, false, 0]),
        "htmx loaded under the CSP with the secure config"
    );

    // Live search: typing swaps the results fragment in place.
    fill(&client, "input[name=q]", "Mile Zero").await;
    wait_for_results(&client, 1).await;
    wait_for_text(&client, "#catalog-results .card-title", "Mile Zero").await;
    let url = client.current_url().await.expect("url");
    assert_eq!(
        url.query(),
        Some("q=Mile+Zero"),
        "the tidy search URL is pushed"
    );

    // Sign in with a demo account.
    sign_in(&client, &app.url("/login"), "alice", "streamvault-demo").await;
    wait_for_text(&client, ".flash", "signed in").await;

    // A wrong current password: the 422 fragment is swapped into the form, no navigation.
    client.goto(&app.url("/account")).await.expect("account");
    fill(
        &client,
        "#password-form input[name=current_password]",
        "not my password",
    )
    .await;
    fill(
        &client,
        "#password-form input[name=password]",
        "another new secret",
    )
    .await;
    fill(
        &client,
        "#password-form input[name=password_confirm]",
        "another new secret",
    )
    .await;
    click(&client, "#password-form button").await;
    wait_for_text(
        &client,
        "#password-form .field-error",
        "not your current password",
    )
    .await;
    assert!(client
        .current_url()
        .await
        .expect("url")
        .as_str()
        .ends_with("/account"));

    // Sign out.
    click(&client, ".session-nav form button").await;
    wait_for_text(&client, ".flash", "signed out").await;
    assert!(client.find(Locator::LinkText("Sign in")).await.is_ok());
    client.close().await.expect("close browser");
}
both_backends!(a_viewer_uses_the_site_in_a_browser);
