//! Hostile and malformed input gets a clear 4xx and changes nothing.

use crate::both_backends;
use crate::helpers::{customer, spawn_app, Backend, PASSWORD};

async fn malformed_requests_are_client_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let token = alice.csrf().await;

    // Invalid UTF-8 in a form body.
    let bytes = alice
        .send(
            alice
                .http
                .post(app.url("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-CSRF-Token", token.as_str())
                .body(b"username=%FF%FE&password=\xff\xfe".to_vec()),
        )
        .await;
    assert!(
        (400..500).contains(&bytes.status),
        "invalid UTF-8: {}",
        bytes.status
    );

    // An enormous field.
    let huge = "x".repeat(200_000);
    let big = alice
        .send(
            alice
                .http
                .post(app.url("/account"))
                .header("X-CSRF-Token", token.as_str())
                .form(&[("first_name", huge.as_str())]),
        )
        .await;
    assert_eq!(big.status, 413);

    // Duplicated fields.
    let dup = alice
        .send(
            alice
                .http
                .post(app.url("/account"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-CSRF-Token", token.as_str())
                .body("email=a%40b.co&email=c%40d.co&first_name=a&last_name=b"),
        )
        .await;
    assert!(
        (400..500).contains(&dup.status),
        "duplicated fields: {}",
        dup.status
    );

    // SQL and template fragments are just text.
    let sql = alice
        .post_form(
            "/account",
            &[
                ("email", "alice@example.com"),
                ("first_name", "'; DROP TABLE accounts; --"),
                ("last_name", "{{7*7}}"),
                ("country_id", "1 OR 1=1"),
            ],
        )
        .await;
    assert_eq!(sql.status, 422, "country_id is not a number");
    assert!(sql.body.contains("Choose a country"));

    // Nothing was damaged: alice signs in with her password.
    app.client().sign_in("alice", PASSWORD).await;
    let account = alice.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(
        !account.body.contains("DROP TABLE"),
        "the 422 changed nothing"
    );
}
both_backends!(malformed_requests_are_client_errors);

async fn htmx_errors_are_fragments(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let missing = client.get_htmx("/series/424242").await;
    assert_eq!(missing.status, 404);
    assert!(!missing.body.contains("<html"), "a fragment, not a page");
    let page = client.get("/series/424242").await;
    assert!(page.body.contains("<html"));
}
both_backends!(htmx_errors_are_fragments);
