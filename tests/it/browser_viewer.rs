//! A new visitor on a phone-sized window: signs up and signs in, finds a series by typing part of
//! its title, leaves a review, edits it, and sees the figures change without a page load.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::both_backends;
use crate::browser::{browser, click, fill, wait_for_results, wait_for_text};
use crate::helpers::{eventually, spawn_with, Backend, Options, DEADLINE};

/// An attribute of the first element matching `css` (the page may be mid-swap: retried).
async fn attribute(client: &Client, css: &str, name: &str) -> String {
    eventually(DEADLINE, || async {
        match client.find(Locator::Css(css)).await {
            Ok(element) => match element.attr(name).await {
                Ok(Some(value)) => Ok(value),
                _ => Err(format!("no {name} on {css}")),
            },
            Err(_) => Err(format!("no {css}")),
        }
    })
    .await
}

/// A number held in an attribute.
async fn count(client: &Client, css: &str, name: &str) -> i64 {
    attribute(client, css, name).await.parse().expect("a count")
}

/// Waits until the attribute reads `expected`.
async fn wait_for_attribute(client: &Client, css: &str, name: &str, expected: &str) {
    eventually(DEADLINE, || async {
        let got = attribute(client, css, name).await;
        if got == expected {
            Ok(())
        } else {
            Err(format!("{css} {name} is {got:?}, not {expected:?}"))
        }
    })
    .await;
}

/// Whether the document is the one marked by [`mark_document`] (no page load since).
async fn same_document(client: &Client) -> bool {
    client
        .execute("return window.__streamvaultMark === 42", vec![])
        .await
        .expect("script")
        == json!(true)
}

async fn mark_document(client: &Client) {
    client
        .execute("window.__streamvaultMark = 42", vec![])
        .await
        .expect("script");
}

async fn a_new_visitor_reviews_a_series_on_a_phone(backend: Backend) {
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
    client.set_window_size(390, 844).await.expect("phone size");

    // Sign up.
    client.goto(&app.url("/register")).await.expect("register");
    fill(&client, "input[name=username]", "newviewer").await;
    fill(&client, "input[name=email]", "new.viewer@example.com").await;
    fill(&client, "input[name=first_name]", "New").await;
    fill(&client, "input[name=last_name]", "Viewer").await;
    fill(&client, "input[name=password]", "a long enough secret").await;
    fill(
        &client,
        "input[name=password_confirm]",
        "a long enough secret",
    )
    .await;
    click(&client, ".auth-card button[type=submit]").await;
    // Registering leads to the sign-in form (it signs nobody in, so it cannot tell a new
    // account from an address already in use).
    wait_for_text(&client, ".flash", "Thanks for registering").await;
    fill(&client, "#login-form input[name=username]", "newviewer").await;
    fill(
        &client,
        "#login-form input[name=password]",
        "a long enough secret",
    )
    .await;
    click(&client, "#login-form button").await;
    // (A phone hides "Signed in as"; the welcome and the account link show it worked.)
    wait_for_text(&client, ".flash", "Welcome back").await;
    wait_for_text(&client, ".main-nav", "My account").await;

    // On a phone the filters are folded behind one button; the search box is right there.
    let folded = client
        .execute(
            "return document.querySelector('details.more-filters').open",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(folded, json!(false), "filters folded on a phone");
    fill(&client, "input[name=q]", "antern").await;
    wait_for_results(&client, 1).await;
    wait_for_text(
        &client,
        "#catalog-results .card-title",
        "The Lantern Keepers",
    )
    .await;
    // The folded filters open with one tap and apply as soon as one is chosen; the address
    // keeps the search and the filter.
    click(&client, "details.more-filters > summary").await;
    client
        .find(Locator::Css("select[name=genre]"))
        .await
        .expect("genre filter")
        .select_by_value("1")
        .await
        .expect("choose Drama");
    eventually(DEADLINE, || async {
        let url = client.current_url().await.map_err(|e| e.to_string())?;
        match url.query() {
            Some("q=antern&genre=1") => Ok(()),
            other => Err(format!("the address has {other:?}")),
        }
    })
    .await;
    wait_for_results(&client, 1).await;
    click(&client, "#catalog-results .card-link").await;
    wait_for_text(&client, "h1", "The Lantern Keepers").await;

    // Leave a review: the section changes in place, no page load.
    mark_document(&client).await;
    let ratings: i64 = count(&client, "#rating-summary", "data-ratings").await;
    let fives: i64 = count(&client, "li[data-stars='5']", "data-count").await;
    click(&client, "label[for=rating-5]").await;
    fill(
        &client,
        "#field-review-body",
        "Gripping from the first scene.",
    )
    .await;
    wait_for_text(&client, "#review-body-count", "30 / 400").await;
    click(&client, "#review-form button[type=submit]").await;
    wait_for_text(&client, "#feedback .flash", "Review saved.").await;
    wait_for_attribute(
        &client,
        "#rating-summary",
        "data-ratings",
        &(ratings + 1).to_string(),
    )
    .await;
    wait_for_attribute(
        &client,
        "li[data-stars='5']",
        "data-count",
        &(fives + 1).to_string(),
    )
    .await;
    wait_for_text(&client, "#reviews", "Gripping from the first scene.").await;
    assert!(same_document(&client).await, "no page load");

    // Edit it: one star now. The count stays, the distribution moves.
    let ones: i64 = count(&client, "li[data-stars='1']", "data-count").await;
    click(&client, "label[for=rating-1]").await;
    fill(&client, "#field-review-body", "The ending ruined it.").await;
    click(&client, "#review-form button[type=submit]").await;
    wait_for_attribute(
        &client,
        "li[data-stars='1']",
        "data-count",
        &(ones + 1).to_string(),
    )
    .await;
    wait_for_attribute(
        &client,
        "li[data-stars='5']",
        "data-count",
        &fives.to_string(),
    )
    .await;
    wait_for_attribute(
        &client,
        "#rating-summary",
        "data-ratings",
        &(ratings + 1).to_string(),
    )
    .await;
    wait_for_text(&client, "#reviews", "The ending ruined it.").await;
    wait_for_text(&client, "#series-rating", &(ratings + 1).to_string()).await;
    assert!(same_document(&client).await, "no page load");
    let url = client.current_url().await.expect("url");
    assert!(url.path().starts_with("/series/"), "{url}");
    client.close().await.expect("close browser");
}
both_backends!(a_new_visitor_reviews_a_series_on_a_phone);
