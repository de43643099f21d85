//! Expired sessions, forged requests and what reaches the logs.

use crate::both_backends;
use crate::helpers::{captured_logs, customer, spawn_app, Backend, PASSWORD};

const CHANGE: [(&str, &str); 3] = [
    ("current_password", PASSWORD),
    ("password", "a brand new secret"),
    ("password_confirm", "a brand new secret"),
];

/// A click on a protected action after the session expired gets the sign-in redirect (htmx:
/// 401 + `HX-Redirect`, whatever the method), not a 403 htmx would not swap; nothing changes.
async fn expired_sessions_are_sent_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    let token = alice.csrf().await;
    app.clock.advance(chrono::Duration::minutes(31));

    let htmx = alice
        .send(
            alice
                .http
                .post(app.url("/account/password"))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", token.as_str())
                .form(&CHANGE),
        )
        .await;
    assert_eq!(htmx.status, 401, "{}", htmx.body);
    assert_eq!(htmx.header("hx-redirect"), Some("/login"));
    let plain = alice
        .send(
            alice
                .http
                .post(app.url("/account/password"))
                .header("X-CSRF-Token", token.as_str())
                .form(&CHANGE),
        )
        .await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some("/login"));
    // The old password still works: nothing ran.
    app.client().sign_in("alice", PASSWORD).await;
}
both_backends!(expired_sessions_are_sent_to_sign_in);

/// Without a session, a wrong token on a public form is still refused with 403.
async fn public_forms_still_need_their_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let refused = client
        .send(
            client
                .http
                .post(app.url("/register"))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", "forged")
                .form(&[("username", "mallory")]),
        )
        .await;
    assert_eq!(refused.status, 403);
}
both_backends!(public_forms_still_need_their_token);

/// A refused cross-site request to a reset link logs its path without the token.
async fn reset_tokens_stay_out_of_the_logs(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let token = "Zq9xTOKENthatMustNeverBeLogged0123456789abc";
    let page = client
        .send(
            client
                .http
                .post(app.url(&format!("/reset-password/{token}")))
                .header("Origin", "https://evil.example")
                .form(&[("password", "x")]),
        )
        .await;
    assert_eq!(page.status, 403);
    let logs = captured_logs();
    assert!(
        logs.contains("refused a cross-site request"),
        "the refusal was logged"
    );
    assert!(!logs.contains(token), "the token reached the logs");
}
both_backends!(reset_tokens_stay_out_of_the_logs);

/// Display-name syntax would send mail to an address the uniqueness check never saw.
async fn only_bare_email_addresses_are_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    for email in ["x<victim@example.com>", "Victim <victim@example.com>"] {
        let page = client
            .post_form(
                "/register",
                &[
                    ("username", "mallory"),
                    ("email", email),
                    ("password", "long enough secret"),
                    ("password_confirm", "long enough secret"),
                    ("first_name", "M"),
                    ("last_name", "M"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{email}");
        let forgot = client
            .post_form("/forgot-password", &[("email", email)])
            .await;
        assert_eq!(forgot.status, 422, "{email}");
    }
}
both_backends!(only_bare_email_addresses_are_accepted);
