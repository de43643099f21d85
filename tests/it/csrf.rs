//! CSRF: every state-changing request needs its own session's token.

use crate::both_backends;
use crate::helpers::{customer, spawn_app, Backend, PASSWORD};

async fn state_changes_need_the_sessions_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let mallory = customer(&app, "mallory").await;
    let mallorys_token = mallory.csrf().await;

    let change = [
        ("current_password", PASSWORD),
        ("password", "a brand new secret"),
        ("password_confirm", "a brand new secret"),
    ];
    // Missing token.
    let missing = alice.post_raw("/account/password", &change).await;
    assert_eq!(missing.status, 403);
    // Another session's token.
    let mut foreign: Vec<(&str, &str)> = change.to_vec();
    foreign.push(("csrf_token", &mallorys_token));
    assert_eq!(
        alice.post_raw("/account/password", &foreign).await.status,
        403
    );
    // Garbage in the header.
    let header = alice
        .send(
            alice
                .http
                .post(app.url("/account/password"))
                .header("X-CSRF-Token", "nonsense")
                .form(&change),
        )
        .await;
    assert_eq!(header.status, 403);
    // Nothing changed: the old password still works.
    app.client().sign_in("alice", PASSWORD).await;

    // The right token in the header works (how htmx sends it).
    let token = alice.csrf().await;
    let ok = alice
        .send(
            alice
                .http
                .post(app.url("/account/password"))
                .header("X-CSRF-Token", token.as_str())
                .form(&change),
        )
        .await;
    // Accepted: back to the account page on a new session (see tests/it/account.rs).
    assert_eq!(ok.status, 303, "{}", ok.body);
}
both_backends!(state_changes_need_the_sessions_token);

async fn cross_site_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let token = alice.csrf().await;
    let fields = [("csrf_token", token.as_str())];
    let from_elsewhere = alice
        .send(
            alice
                .http
                .post(app.url("/logout"))
                .header("Origin", "https://evil.example")
                .form(&fields),
        )
        .await;
    assert_eq!(from_elsewhere.status, 403);
    let sandboxed = alice
        .send(
            alice
                .http
                .post(app.url("/logout"))
                .header("Origin", "null")
                .form(&fields),
        )
        .await;
    assert_eq!(sandboxed.status, 403);
    let fetch_meta = alice
        .send(
            alice
                .http
                .post(app.url("/logout"))
                .header("Sec-Fetch-Site", "cross-site")
                .form(&fields),
        )
        .await;
    assert_eq!(fetch_meta.status, 403);
    assert_eq!(alice.get("/account").await.status, 200, "still signed in");

    let same_origin = alice
        .send(
            alice
                .http
                .post(app.url("/logout"))
                .header("Origin", app.address.as_str())
                .form(&fields),
        )
        .await;
    assert_eq!(same_origin.status, 303);
    assert_eq!(alice.get("/account").await.status, 303, "signed out");
}
both_backends!(cross_site_requests_are_refused);

async fn login_forms_carry_a_pre_session_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    for path in ["/login", "/register", "/forgot-password"] {
        let page = client.get(path).await;
        assert!(
            page.body.contains("name=\"csrf_token\""),
            "{path} has the hidden field"
        );
        assert!(!page.csrf().is_empty());
    }
    // Without the token even a correct sign-in is refused.
    let refused = client
        .post_raw("/login", &[("username", "x"), ("password", "y")])
        .await;
    assert_eq!(refused.status, 403);
    // A token from another visitor's pre-session does not work either.
    let other = app.client().csrf().await;
    assert_eq!(
        client
            .post_raw(
                "/login",
                &[("username", "x"), ("password", "y"), ("csrf_token", &other)]
            )
            .await
            .status,
        403
    );
}
both_backends!(login_forms_carry_a_pre_session_token);

/// BREACH: every response carries the token under a fresh mask, and any mask of the
/// session's token is accepted; anything else is a 403 (never a 500), nothing changed.
async fn masked_tokens_differ_per_response_and_all_validate(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let (first, second) = (alice.csrf().await, alice.csrf().await);
    assert_ne!(first, second, "a fresh mask per response");
    let page = alice.get("/account").await;
    let tokens: Vec<&str> = page
        .body
        .split("name=\"csrf_token\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(!tokens.is_empty());
    assert!(
        tokens.iter().all(|t| *t == page.csrf()),
        "one mask per page"
    );
    for token in [&first, &second] {
        assert_eq!(token.len(), 128);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    }
    // A wrong current password: past the CSRF check, the form answers 422 and changes nothing.
    let wrong = [
        ("current_password", "not the password"),
        ("password", "a brand new secret"),
        ("password_confirm", "a brand new secret"),
    ];
    let with_field = |token: &str| {
        let mut fields = wrong.to_vec();
        fields.push(("csrf_token", token));
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    for token in [&first, &second] {
        let by_field = alice
            .send(
                alice
                    .http
                    .post(app.url("/account/password"))
                    .form(&with_field(token)),
            )
            .await;
        assert_eq!(by_field.status, 422, "form field: {}", by_field.body);
        let by_header = alice
            .send(
                alice
                    .http
                    .post(app.url("/account/password"))
                    .header("X-CSRF-Token", token.as_str())
                    .form(&wrong),
            )
            .await;
        assert_eq!(by_header.status, 422, "header (htmx): {}", by_header.body);
    }
    let mut flipped = first.clone().into_bytes();
    flipped[100] = if flipped[100] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let not_hex = ["zz", &first[2..]].concat();
    for bad in [
        flipped.as_str(),
        &first[..127],
        &first[..64],
        not_hex.as_str(),
        "",
        "%00",
    ] {
        let by_field = alice
            .send(
                alice
                    .http
                    .post(app.url("/account/password"))
                    .form(&with_field(bad)),
            )
            .await;
        assert_eq!(by_field.status, 403, "field {bad:?}");
        let by_header = alice
            .send(
                alice
                    .http
                    .post(app.url("/account/password"))
                    .header("X-CSRF-Token", bad)
                    .form(&wrong),
            )
            .await;
        assert_eq!(by_header.status, 403, "header {bad:?}");
    }
    assert_eq!(alice.get("/account").await.status, 200, "still signed in");
}
both_backends!(masked_tokens_differ_per_response_and_all_validate);
