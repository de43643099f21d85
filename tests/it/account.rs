//! An account that is safe to own: the current password guards the e-mail address,
//! a password change renews this session and ends the others, deletion leaves nothing behind,
//! and every place that checks a password (or reveals a taken name) is throttled.

use std::time::Duration;

use sea_query::{Expr, Func, Query};
use streamvault::auth::accounts;
use streamvault::auth::Role;
use streamvault::db::schema::{Accounts, Computed, Feedback, PasswordResetTokens, Sessions};
use streamvault::db::Db;

use crate::both_backends;
use crate::feedback::{assert_figures_exact, catalog, htmx, seed_review};
use crate::helpers::{
    create_account, customer, eventually, spawn_app, spawn_with, Backend, Client, Options, Page,
    DEADLINE, PASSWORD,
};
use crate::smtp::{self, Inbox};

const NEW_PASSWORD: &str = "a brand new secret";

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// Rows of `table` whose `column` equals `id`.
async fn rows_of(
    db: &Db,
    table: impl sea_query::IntoTableRef,
    column: impl sea_query::IntoColumnRef,
    id: i64,
) -> i64 {
    db.fetch_optional::<Count>(
        &Query::select()
            .expr_as(Func::count(Expr::col(sea_query::Asterisk)), Computed::Count)
            .from(table)
            .and_where(Expr::col(column).eq(id))
            .to_owned(),
    )
    .await
    .expect("count")
    .map_or(0, |c| c.n)
}

fn cookie_value(page: &Page, name: &str) -> Option<String> {
    page.set_cookies()
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
}

/// `POST /account/password` from `current` to [`NEW_PASSWORD`].
async fn change_password(client: &Client, current: &str) -> Page {
    client
        .post_form(
            "/account/password",
            &[
                ("current_password", current),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await
}

fn profile<'a>(email: &'a str, current_password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("email", email),
        ("first_name", "Test"),
        ("last_name", "alice"),
        ("country_id", ""),
        ("current_password", current_password),
    ]
}

async fn email_of(db: &Db, id: i64) -> String {
    accounts::find_by_id(db, id)
        .await
        .expect("account")
        .expect("exists")
        .email
}

async fn email_change_needs_the_current_password(backend: Backend) {
    let inbox = Inbox::default();
    let port = smtp::start(0, inbox.clone()).await;
    let app = spawn_with(
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Options::default()
        },
    )
    .await;
    let alice_id = create_account(&app, "alice", Role::Customer).await;
    let alice = app.client();
    alice.sign_in("alice", PASSWORD).await;

    // No current password, or a wrong one: 422, the address typed stays in the form.
    let missing = alice
        .post_form("/account", &profile("new@example.com", ""))
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing
        .body
        .contains("Enter your current password to change the e-mail address."));
    assert!(missing.body.contains("value=\"new@example.com\""));
    let wrong = alice
        .post_form(
            "/account",
            &profile("new@example.com", "not my password at all"),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("That is not your current password."));
    assert_eq!(email_of(app.db(), alice_id).await, "alice@example.com");

    // Other fields change without the password.
    let names = alice
        .post_form(
            "/account",
            &[
                ("email", "alice@example.com"),
                ("first_name", "Alicia"),
                ("last_name", "Smith"),
            ],
        )
        .await;
    assert_eq!(names.status, 200, "{}", names.body);
    assert!(names.body.contains("Profile saved."));
    assert!(inbox.all().is_empty(), "no notice for a name change");

    // With it: saved, and the OLD address is told (through the worker).
    let changed = alice
        .post_form("/account", &profile("New@Example.com", PASSWORD))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert!(changed
        .body
        .contains("A notice went to your previous e-mail address."));
    assert_eq!(email_of(app.db(), alice_id).await, "new@example.com");
    let mail = inbox.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mail[0].to, vec!["<alice@example.com>".to_owned()]);
    assert!(mail[0].data.contains("e-mail address was changed"));
    assert!(
        !mail[0].data.contains("new@example.com"),
        "the new address is masked"
    );
}
both_backends!(email_change_needs_the_current_password);

async fn password_change_renews_this_session_and_ends_the_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice_id = create_account(&app, "alice", Role::Customer).await;
    let this = app.client();
    let signed_in = this.login("alice", PASSWORD).await;
    let old_session = cookie_value(&signed_in, "sv_session").expect("session cookie");
    let other = app.client();
    other.sign_in("alice", PASSWORD).await;

    let changed = change_password(&this, PASSWORD).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location(), Some("/account"));
    let new_session = cookie_value(&changed, "sv_session").expect("a new session cookie");
    assert_ne!(new_session, old_session, "a new session id");

    // This browser carries on with the new id; the old id and every other session are dead.
    let page = this.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Password changed."));
    let replay = app
        .client()
        .send(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client")
                .get(app.url("/account"))
                .header("Cookie", format!("sv_session={old_session}")),
        )
        .await;
    assert_eq!(replay.status, 303, "the old session id is dead");
    assert_eq!(
        other.get("/account").await.status,
        303,
        "other sessions end"
    );
    assert_eq!(
        rows_of(app.db(), Sessions::Table, Sessions::AccountId, alice_id).await,
        1
    );

    // From htmx: the page reloads itself (its CSRF token belonged to the old id).
    let htmx = htmx(
        &this,
        reqwest::Method::POST,
        "/account/password",
        &[
            ("current_password", NEW_PASSWORD),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(htmx.status, 200);
    assert_eq!(htmx.header("hx-redirect"), Some("/account"));
    assert!(cookie_value(&htmx, "sv_session").is_some());
    assert_eq!(this.get("/account").await.status, 200);
    app.client().sign_in("alice", PASSWORD).await;
}
both_backends!(password_change_renews_this_session_and_ends_the_others);

async fn deleting_an_account_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["First Series", "Second Series"]).await;
    let alice_id = create_account(&app, "alice", Role::Customer).await;
    let bob_id = create_account(&app, "bob", Role::Customer).await;
    seed_review(&app, 1, alice_id, 5, "alice on one", 3).await;
    seed_review(&app, 2, alice_id, 1, "alice on two", 2).await;
    seed_review(&app, 1, bob_id, 3, "bob on one", 1).await;
    let alice = app.client();
    alice.sign_in("alice", PASSWORD).await;
    let elsewhere = app.client();
    elsewhere.sign_in("alice", PASSWORD).await;
    // A pending reset link, minted by the worker.
    app.client()
        .post_form("/forgot-password", &[("email", "alice@example.com")])
        .await;
    eventually(DEADLINE, || async {
        let tokens = rows_of(
            app.db(),
            PasswordResetTokens::Table,
            PasswordResetTokens::AccountId,
            alice_id,
        )
        .await;
        if tokens > 0 {
            Ok(())
        } else {
            Err("no reset token minted yet")
        }
    })
    .await;
    // Fill the page caches: they must not keep the deleted reviews.
    assert!(app
        .client()
        .get("/series/2")
        .await
        .body
        .contains("alice on two"));

    let wrong = alice
        .post_form(
            "/account/delete",
            &[("current_password", "not my password at all")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("That is not your current password."));
    assert_eq!(
        rows_of(app.db(), Accounts::Table, Accounts::Id, alice_id).await,
        1
    );

    let deleted = alice
        .post_form("/account/delete", &[("current_password", PASSWORD)])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(deleted.location(), Some("/"));
    assert!(deleted
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("sv_session=;") || c.starts_with("sv_session=\"\"")));

    for (what, count) in [
        (
            "account",
            rows_of(app.db(), Accounts::Table, Accounts::Id, alice_id).await,
        ),
        (
            "sessions",
            rows_of(app.db(), Sessions::Table, Sessions::AccountId, alice_id).await,
        ),
        (
            "reset tokens",
            rows_of(
                app.db(),
                PasswordResetTokens::Table,
                PasswordResetTokens::AccountId,
                alice_id,
            )
            .await,
        ),
        (
            "reviews",
            rows_of(app.db(), Feedback::Table, Feedback::AccountId, alice_id).await,
        ),
    ] {
        assert_eq!(count, 0, "{what} left behind");
    }
    assert_eq!(
        rows_of(app.db(), Feedback::Table, Feedback::AccountId, bob_id).await,
        1
    );
    let one = assert_figures_exact(app.db(), 1).await;
    assert_eq!(
        (one.ratings, one.rating_sum),
        (1, 3),
        "only bob's review counts"
    );
    let two = assert_figures_exact(app.db(), 2).await;
    assert_eq!(two.ratings, 0);
    assert_eq!(
        elsewhere.get("/account").await.status,
        303,
        "every session ended"
    );
    assert!(!app
        .client()
        .get("/series/2")
        .await
        .body
        .contains("alice on two"));
    assert_eq!(app.client().login("alice", PASSWORD).await.status, 401);
}
both_backends!(deleting_an_account_leaves_nothing_behind);

fn retry_after(page: &Page) -> u64 {
    page.header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header")
}

async fn registration_and_password_checks_are_throttled(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            login_rate: 3,
            ..Options::default()
        },
    )
    .await;

    // Registration: three tries a minute from one address, valid or not; then 429.
    let visitor = app.client();
    for i in 0..3 {
        let name = format!("newcomer{i}");
        let email = format!("newcomer{i}@example.com");
        let page = visitor
            .post_form(
                "/register",
                &[
                    ("username", name.as_str()),
                    ("email", email.as_str()),
                    ("first_name", "New"),
                    ("last_name", "Comer"),
                    ("password", "short"),
                    ("password_confirm", "short"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "attempt {i}");
    }
    let refused = visitor
        .post_form("/register", &[("username", "newcomer9")])
        .await;
    assert_eq!(refused.status, 429);
    assert!(retry_after(&refused) >= 1);

    // Current-password checks: password change, deletion and e-mail change share a budget
    // per address and per account.
    let alice = customer(&app, "alice").await;
    for i in 0..3 {
        let page = change_password(&alice, "guess number one").await;
        assert_eq!(page.status, 422, "guess {i}");
    }
    let throttled = change_password(&alice, PASSWORD).await;
    assert_eq!(throttled.status, 429);
    assert!(retry_after(&throttled) >= 1);
    let delete = alice
        .post_form("/account/delete", &[("current_password", PASSWORD)])
        .await;
    assert_eq!(delete.status, 429);
    let email = alice
        .post_form("/account", &profile("other@example.com", PASSWORD))
        .await;
    assert_eq!(email.status, 429);
    // Probing whether an address is taken is inside the same budget, password or not.
    let probe = alice
        .post_form("/account", &profile("someone@example.com", ""))
        .await;
    assert_eq!(probe.status, 429);
    // An htmx request gets the same answer (app.js shows the wait).
    let htmx = htmx(
        &alice,
        reqwest::Method::POST,
        "/account/password",
        &[("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(htmx.status, 429);
    assert!(retry_after(&htmx) >= 1);
    // Nothing changed meanwhile; a profile edit that needs no password still works.
    assert_eq!(alice.get("/account").await.status, 200);
    let names = alice
        .post_form(
            "/account",
            &[
                ("email", "alice@example.com"),
                ("first_name", "Still"),
                ("last_name", "Here"),
            ],
        )
        .await;
    assert_eq!(names.status, 200);
}
both_backends!(registration_and_password_checks_are_throttled);

/// Employees have an account page too: they change their own password (the current one
/// required) and e-mail, but see no subscription price and cannot delete themselves.
async fn employees_manage_their_own_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = crate::helpers::employee(&app, "erin").await;
    let page = staff.get("/account").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("Delete account"), "no self-deletion");
    assert!(!page.body.contains("Subscription"), "no price");
    let delete = staff
        .post_form("/account/delete", &[("current_password", PASSWORD)])
        .await;
    assert_eq!(delete.status, 403);
    assert_eq!(staff.get("/account").await.status, 200, "still there");

    assert_eq!(
        change_password(&staff, "not the password").await.status,
        422
    );
    let changed = change_password(&staff, PASSWORD).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        staff.get("/admin").await.status,
        200,
        "this browser stays in"
    );
    assert_eq!(app.client().login("erin", PASSWORD).await.status, 401);
    app.client().sign_in("erin", NEW_PASSWORD).await;
    app.drain_jobs().await;
}
both_backends!(employees_manage_their_own_account);
