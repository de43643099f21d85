//! Sign-in, sessions, registration, password policy and throttling.

use streamvault::auth::Role;

use crate::both_backends;
use crate::helpers::{create_account, customer, spawn_app, spawn_with, Backend, Options, PASSWORD};

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
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

async fn login_sets_a_fresh_hardened_session(backend: Backend) {
    let app = spawn_app(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let client = app.client();
    let form = client.get("/login").await;
    let pre = cookie_value(&form.set_cookies(), "sv_pre").expect("a pre-login session cookie");

    let page = client.login("alice", PASSWORD).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), Some("/"));
    let cookies = page.set_cookies();
    let session_cookie = cookies
        .iter()
        .find(|c| c.starts_with("sv_session="))
        .expect("session cookie");
    let session = cookie_value(&cookies, "sv_session").expect("value");
    assert_ne!(session, pre, "a new id at sign-in");
    assert!(session.len() >= 43, "256-bit id");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session_cookie.contains(flag), "{flag} in {session_cookie}");
    }
    assert!(!session_cookie.contains("Domain"), "{session_cookie}");
    assert!(
        !session_cookie.contains("Secure"),
        "plain http BASE_URL: no Secure flag"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("sv_pre=;") || c.starts_with("sv_pre=\"\"")),
        "pre-login id is dropped: {cookies:?}"
    );

    let account = client.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Signed in as"));
    // Usernames are case-insensitive (and trimmed) on both backends.
    app.client().sign_in("  ALICE ", PASSWORD).await;
    assert!(account
        .header("cache-control")
        .is_some_and(|v| v.contains("no-store")));

    // The session id is stored hashed: the raw cookie value is nowhere in the table.
    let raw_in_db: Vec<(String,)> = sqlx_rows(&app, "sessions").await;
    assert!(!raw_in_db.is_empty(), "the sessions are stored");
    assert!(raw_in_db
        .iter()
        .all(|(hash,)| hash != &session && hash.len() == 64));
}

async fn sqlx_rows(app: &crate::helpers::TestApp, _table: &str) -> Vec<(String,)> {
    use sea_query::Query;
    use streamvault::db::schema::Sessions;
    #[derive(sqlx::FromRow)]
    struct Row {
        token_hash: String,
    }
    let rows: Vec<Row> = app
        .db()
        .fetch_all(
            &Query::select()
                .column(Sessions::TokenHash)
                .from(Sessions::Table)
                .to_owned(),
        )
        .await
        .expect("sessions");
    rows.into_iter().map(|r| (r.token_hash,)).collect()
}
both_backends!(login_sets_a_fresh_hardened_session);

async fn failed_logins_look_identical(backend: Backend) {
    use sea_query::{Expr, Query};
    use streamvault::db::schema::Accounts;
    let app = spawn_app(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let disabled = create_account(&app, "dora", Role::Customer).await;
    app.db()
        .execute(
            &Query::update()
                .table(Accounts::Table)
                .value(Accounts::Disabled, true)
                .and_where(Expr::col(Accounts::Id).eq(disabled))
                .to_owned(),
        )
        .await
        .expect("disable");

    let mut answers = Vec::new();
    for (username, password) in [
        ("alice", "wrong password!!"),
        ("nobody", PASSWORD),
        ("dora", PASSWORD),
    ] {
        let client = app.client();
        let page = client.login(username, password).await;
        // The username is echoed back into the form; normalize it to compare the rest.
        answers.push((
            page.status,
            page.body_without_tokens().replace(username, "NAME"),
        ));
    }
    assert_eq!(answers[0].0, 401);
    assert!(answers[0].1.contains("Wrong username or password."));
    assert_eq!(answers[0], answers[1], "wrong password vs unknown user");
    assert_eq!(answers[0], answers[2], "wrong password vs disabled account");
}
both_backends!(failed_logins_look_identical);

async fn logout_and_password_change_end_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = customer(&app, "alice").await;
    let second = app.client();
    second.sign_in("alice", PASSWORD).await;
    let third = app.client();
    third.sign_in("alice", PASSWORD).await;

    // Logout is a POST that deletes the server-side session.
    let out = third.post_form("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(third.get("/account").await.status, 303, "logged out");

    let changed = first
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new secret"),
                ("password_confirm", "a brand new secret"),
            ],
        )
        .await;
    // This browser stays signed in, on a new session id (see tests/it/account.rs).
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location(), Some("/account"));
    let page = first.get("/account").await;
    assert_eq!(page.status, 200, "this browser stays signed in");
    assert!(page.body.contains("Password changed"));
    let other = second.get("/account").await;
    assert_eq!(other.status, 303, "other sessions were killed");
    assert!(other
        .location()
        .is_some_and(|l| l.starts_with("/login?next=%2Faccount")));

    assert_eq!(
        app.client().login("alice", PASSWORD).await.status,
        401,
        "old password is dead"
    );
    app.client().sign_in("alice", "a brand new secret").await;
}
both_backends!(logout_and_password_change_end_sessions);

async fn session_timeouts_are_enforced_by_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = customer(&app, "alice").await;
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(
        client.get("/account").await.status,
        200,
        "20 idle minutes are fine"
    );
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        client.get("/account").await.status,
        303,
        "31 idle minutes are not"
    );

    let busy = customer(&app, "bob").await;
    for _ in 0..26 {
        app.clock.advance(chrono::Duration::minutes(29));
        if busy.get("/account").await.status != 200 {
            break;
        }
    }
    assert_eq!(
        busy.get("/account").await.status,
        303,
        "12 hours is the absolute limit"
    );
}
both_backends!(session_timeouts_are_enforced_by_the_server);

async fn next_only_goes_to_local_paths(backend: Backend) {
    let app = spawn_app(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    for (next, expected) in [
        ("/account", "/account"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let client = app.client();
        let page = client
            .post_form(
                "/login",
                &[
                    ("username", "alice"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), Some(expected), "next={next}");
    }
    // The login page drops a foreign next from its form.
    let page = app.client().get("/login?next=//evil.example").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("evil.example"));
}
both_backends!(next_only_goes_to_local_paths);

async fn registration_validates_and_leads_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let form = client.get("/register").await;
    assert_eq!(form.status, 200);

    let good = [
        ("username", "newviewer"),
        ("email", "  New.Viewer@Example.COM "),
        ("first_name", "New"),
        ("last_name", "Viewer"),
        ("country_id", ""),
        ("password", "twelve chars ok"),
        ("password_confirm", "twelve chars ok"),
    ];
    let cases: [(&str, &str, &str); 7] = [
        ("password", "short", "at least 12"),
        ("password", &"€".repeat(24), "71 bytes"),
        ("password", &"a".repeat(65), "at most 64"),
        ("password", "has a\u{7}bell inside", "Control characters"),
        ("password_confirm", "twelve chars no", "differ"),
        ("email", "not-an-email", "e-mail address like"),
        ("username", "<b>x</b>", "letters, digits"),
    ];
    for (field, value, message) in cases {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| if *k == field { (*k, value) } else { (*k, *v) })
            .collect();
        let page = client.post_form("/register", &fields).await;
        assert_eq!(page.status, 422, "{field}={value:?}");
        assert!(page.body.contains(message), "{field}: expected {message:?}");
    }

    let created = client.post_form("/register", &good).await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        created.location(),
        Some("/login"),
        "signed in by the login form"
    );
    client.sign_in("newviewer", "twelve chars ok").await;
    let account = client.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(
        account.body.contains("new.viewer@example.com"),
        "e-mail stored normalized"
    );
    let stored = streamvault::auth::accounts::find_by_username(app.db(), "newviewer")
        .await
        .expect("lookup")
        .expect("registered");
    assert!(
        stored.password_hash.starts_with("$2b$12$"),
        "bcrypt cost 12"
    );

    let again = app.client().post_form("/register", &good).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("username is taken"));
}
both_backends!(registration_validates_and_leads_to_sign_in);

async fn login_is_throttled_per_ip_and_per_account(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            login_rate: 3,
            ..Options::default()
        },
    )
    .await;
    let client = app.client();
    for _ in 0..3 {
        assert_eq!(
            client.login("whoever", "wrong password!!").await.status,
            401
        );
    }
    let limited = client.login("whoever", "wrong password!!").await;
    assert_eq!(limited.status, 429);
    assert!(limited
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|s| s >= 1));
    // The reset path is not blocked by login throttling.
    assert_eq!(client.get("/forgot-password").await.status, 200);
    assert_eq!(
        client
            .post_form("/forgot-password", &[("email", "someone@example.com")])
            .await
            .status,
        200
    );

    let app = spawn_app(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.client().login("alice", "wrong password!!").await.status);
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses[5], 429, "locked after five failures");
    assert_eq!(
        app.client().login("alice", PASSWORD).await.status,
        429,
        "even the right password waits"
    );
    let unknown: Vec<u16> = {
        let mut s = Vec::new();
        for _ in 0..6 {
            s.push(app.client().login("ghost", "wrong password!!").await.status);
        }
        s
    };
    assert_eq!(
        unknown, statuses,
        "unknown accounts are throttled identically"
    );
}
both_backends!(login_is_throttled_per_ip_and_per_account);

async fn user_text_is_rendered_inert(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = customer(&app, "alice").await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)><div hx-get=\"/logout\" hx-trigger=\"load\">";
    let saved = client
        .post_form(
            "/account",
            &[
                ("email", "alice@example.com"),
                ("first_name", hostile),
                ("last_name", "x"),
                ("country_id", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let page = client.get("/account").await;
    assert!(!page.body.contains("<script>alert"), "escaped");
    assert!(!page.body.contains("<img src=x"), "escaped");
    assert!(page.body.contains("&lt;script&gt;"));
}
both_backends!(user_text_is_rendered_inert);

async fn pages_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.client().get("/").await;
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-eval") && !csp.contains("unsafe-inline"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("referrer-policy").is_some());
    assert!(page
        .header("vary")
        .is_some_and(|v| v.contains("HX-Request")));
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(
        page.body.contains("\"selfRequestsOnly\":true")
            || page.body.contains("&quot;selfRequestsOnly&quot;:true")
    );
}
both_backends!(pages_carry_security_headers);

async fn disabling_an_account_ends_its_sessions(backend: Backend) {
    use sea_query::{Expr, Query};
    use streamvault::db::schema::Accounts;
    let app = spawn_app(backend).await;
    let alice = customer(&app, "alice").await;
    assert_eq!(alice.get("/account").await.status, 200);
    app.db()
        .execute(
            &Query::update()
                .table(Accounts::Table)
                .value(Accounts::Disabled, true)
                .and_where(Expr::col(Accounts::Username).eq("alice"))
                .to_owned(),
        )
        .await
        .expect("disable");
    assert_eq!(
        alice.get("/account").await.status,
        303,
        "the live session died with the account"
    );
    assert_eq!(app.client().login("alice", PASSWORD).await.status, 401);
}
both_backends!(disabling_an_account_ends_its_sessions);
