//! Two-factor sign-in: enrolment shows the secret once and completes with one valid code;
//! with it on, the password alone leads to the code step, which takes a current code or an
//! unused recovery code, each once; wrong codes count toward the account's lockout; turning
//! it off needs the password and a code; `STAFF_2FA=required` holds an employee at enrolment.

use streamvault::auth::totp;
use streamvault::auth::Role;

use crate::both_backends;
use crate::helpers::{
    create_account, customer, spawn_app, spawn_with, Backend, Client, Options, Page, PASSWORD,
};

/// RFC 4648 base32 (no padding), as the page shows the secret.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.chars() {
        let value = ALPHABET.find(c).expect("base32 character") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

/// The text of the element with id `id`.
fn element_text<'a>(body: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\">");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('<')? + start;
    Some(&body[start..end])
}

fn current_step() -> i64 {
    totp::step_at(chrono::Utc::now())
}

fn code(secret: &[u8], step: i64) -> String {
    format!("{:06}", totp::code_at(secret, step))
}

/// The `<code>` items of the recovery-code list.
fn recovery_codes(page: &Page) -> Vec<String> {
    let start = page
        .body
        .find("id=\"recovery-codes\"")
        .expect("recovery codes");
    let list = &page.body[start..];
    let end = list.find("</ul>").expect("list ends");
    list[..end]
        .split("<code>")
        .skip(1)
        .filter_map(|item| item.split('<').next())
        .map(str::to_owned)
        .collect()
}

struct Enrolled {
    secret: Vec<u8>,
    /// The step whose code completed the enrolment (spent).
    step: i64,
    recovery: Vec<String>,
}

async fn enrol(client: &Client) -> Enrolled {
    let page = client.get("/account/2fa").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let shown = element_text(&page.body, "totp-secret").expect("#totp-secret");
    assert!(page.body.contains("otpauth://totp/"), "an otpauth link");
    assert!(page.body.contains("<svg"), "a QR code drawn by the server");
    let secret = base32_decode(shown);
    assert_eq!(secret.len(), 20);
    assert_eq!(
        element_text(&client.get("/account/2fa").await.body, "totp-secret"),
        Some(shown),
        "a reload shows the same pending secret"
    );
    let token = page.csrf();
    let post = |code: String| {
        let token = token.clone();
        async move {
            client
                .post_raw("/account/2fa", &[("code", &code), ("csrf_token", &token)])
                .await
        }
    };
    let wrong = post("12345".into()).await;
    assert_eq!(wrong.status, 422);
    let step = current_step();
    let done = post(code(&secret, step)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let recovery = recovery_codes(&done);
    assert_eq!(recovery.len(), 10);
    let after = client.get("/account/2fa").await;
    assert_eq!(after.status, 200);
    assert!(
        !after
            .body
            .contains(element_text(&page.body, "totp-secret").unwrap_or("-")),
        "the secret is never shown again"
    );
    Enrolled {
        secret,
        step,
        recovery,
    }
}

async fn second_step(client: &Client, code: &str) -> Page {
    client.post_form("/login/2fa", &[("code", code)]).await
}

/// Signs out, then in with the password: the answer leads to the code step.
async fn password_step(client: &Client, username: &str) {
    client.post_form("/logout", &[]).await;
    let page = client.login(username, PASSWORD).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), Some("/login/2fa"));
    let waiting = client.get("/account").await;
    assert_eq!(waiting.status, 303, "the password alone grants nothing");
    assert_eq!(client.get("/login/2fa").await.status, 200);
}

async fn enrol_sign_in_with_codes_once_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = customer(&app, "tia").await;
    let enrolled = enrol(&client).await;

    password_step(&client, "tia").await;
    let replay = second_step(&client, &code(&enrolled.secret, enrolled.step)).await;
    assert_eq!(replay.status, 401, "the enrolment's code is spent");
    let next = code(&enrolled.secret, enrolled.step + 1);
    let page = second_step(&client, &next).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(client.get("/account").await.status, 200, "signed in");

    password_step(&client, "tia").await;
    assert_eq!(
        second_step(&client, &next).await.status,
        401,
        "a code works once"
    );
    let recovery = &enrolled.recovery[0];
    assert_eq!(second_step(&client, recovery).await.status, 303);
    assert_eq!(client.get("/account").await.status, 200);

    password_step(&client, "tia").await;
    assert_eq!(
        second_step(&client, recovery).await.status,
        401,
        "a recovery code works once"
    );
    assert_eq!(
        second_step(&client, &enrolled.recovery[1].to_uppercase())
            .await
            .status,
        303
    );
}
both_backends!(enrol_sign_in_with_codes_once_each);

async fn wrong_codes_lock_the_account_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = customer(&app, "uma").await;
    let enrolled = enrol(&client).await;
    password_step(&client, "uma").await;
    for _ in 0..5 {
        assert_eq!(second_step(&client, "000000").await.status, 401);
    }
    let locked = second_step(&client, &code(&enrolled.secret, enrolled.step + 1)).await;
    assert_eq!(locked.status, 429);
    assert!(locked.header("retry-after").is_some());
    // The password step is locked too: the same account.
    assert_eq!(app.client().login("uma", PASSWORD).await.status, 429);
}
both_backends!(wrong_codes_lock_the_account_out);

async fn turning_it_off_needs_the_password_and_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = customer(&app, "val").await;
    let enrolled = enrol(&client).await;
    let next = code(&enrolled.secret, enrolled.step + 1);
    let off = |password: &'static str, code: String| {
        let client = &client;
        async move {
            client
                .post_form(
                    "/account/2fa/disable",
                    &[("current_password", password), ("code", &code)],
                )
                .await
        }
    };
    assert_eq!(off("not my password", next.clone()).await.status, 422);
    assert_eq!(off(PASSWORD, "000000".into()).await.status, 422);
    assert_eq!(off(PASSWORD, next).await.status, 200);
    client.post_form("/logout", &[]).await;
    let page = client.login("val", PASSWORD).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), Some("/"), "no code step any more");
}
both_backends!(turning_it_off_needs_the_password_and_a_code);

async fn staff_2fa_required_holds_employees_at_enrolment(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            env: vec![("STAFF_2FA", "required".to_owned())],
            ..Options::default()
        },
    )
    .await;
    create_account(&app, "erin", Role::Employee).await;
    let staff = app.client();
    staff.sign_in("erin", PASSWORD).await;
    for path in ["/admin", "/", "/account", "/admin/series"] {
        let page = staff.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location(), Some("/account/2fa"), "{path}");
    }
    let htmx = staff
        .send(
            staff
                .http
                .get(format!("{}/admin/series", staff.base))
                .header("HX-Request", "true"),
        )
        .await;
    assert_eq!(htmx.status, 401);
    assert_eq!(htmx.header("hx-redirect"), Some("/account/2fa"));
    enrol(&staff).await;
    assert_eq!(
        staff.get("/admin").await.status,
        200,
        "enrolled: free to go"
    );

    // Customers are not held.
    let viewer = customer(&app, "vic").await;
    assert_eq!(viewer.get("/account").await.status, 200);
}
both_backends!(staff_2fa_required_holds_employees_at_enrolment);

/// Staff turn off another employee's two-factor sign-in (a lost phone) only with recent
/// authentication; it is audited and ends that employee's sessions, after which the password
/// alone signs them in.
async fn staff_reset_another_employees_two_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let sam_id = create_account(&app, "sam", Role::Employee).await;
    let sam = app.client();
    sam.sign_in("sam", PASSWORD).await;
    enrol(&sam).await;
    let admin = crate::admin_support::staff(&app, "erin").await;
    let path = format!("/admin/employees/{sam_id}/two-factor/reset");

    app.clock.advance(chrono::Duration::seconds(601));
    let refused = admin.post_form(&path, &[]).await;
    assert_eq!(refused.status, 403, "needs recent authentication");
    assert_eq!(sam.get("/admin").await.status, 200, "nothing changed");

    let done = admin
        .post_form(&path, &[("current_password", PASSWORD)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_ne!(sam.get("/admin").await.status, 200, "their sessions ended");
    let page = app.client().login("sam", PASSWORD).await;
    assert_eq!(page.location(), Some("/admin"), "the password alone again");
    let audit = admin.get("/admin/audit?entity=employees").await;
    assert!(audit.body.contains("two_factor"), "audited");
    app.drain_jobs().await;
}
both_backends!(staff_reset_another_employees_two_factor);

/// The whole flow in a real browser: enrol with the shown key, sign out, sign in with a code
/// computed from it, a replayed code refused, a recovery code accepted once.
async fn two_factor_in_a_browser(backend: Backend) {
    use crate::browser::{browser, click, fill, wait_for_text};
    use fantoccini::Locator;

    let Some((_driver, web)) = browser().await else {
        return;
    };
    let app = spawn_app(backend).await;
    create_account(&app, "erin", Role::Employee).await;
    crate::browser::sign_in(&web, &app.url("/login"), "erin", PASSWORD).await;

    web.goto(&app.url("/account/2fa")).await.expect("enrolment");
    let shown = web
        .find(Locator::Id("totp-secret"))
        .await
        .expect("#totp-secret")
        .text()
        .await
        .expect("text");
    let secret = base32_decode(shown.trim());
    let step = current_step();
    fill(
        &web,
        "#two-factor-form input[name=code]",
        &code(&secret, step),
    )
    .await;
    click(&web, "#two-factor-form button").await;
    wait_for_text(&web, "#two-factor-form", "recovery codes").await;
    let recovery = web
        .find(Locator::Css("#recovery-codes code"))
        .await
        .expect("a recovery code")
        .text()
        .await
        .expect("text");

    browser_sign_out(&web, &app).await;
    browser_password_step(&web, &app).await;
    let next = code(&secret, step + 1);
    browser_give(&web, &next).await;
    wait_for_text(&web, ".signed-in-as", "erin").await;

    browser_sign_out(&web, &app).await;
    browser_password_step(&web, &app).await;
    browser_give(&web, &next).await;
    wait_for_text(&web, ".flash", "not valid").await;
    browser_give(&web, &recovery).await;
    wait_for_text(&web, ".signed-in-as", "erin").await;

    browser_sign_out(&web, &app).await;
    browser_password_step(&web, &app).await;
    browser_give(&web, &recovery).await;
    wait_for_text(&web, ".flash", "not valid").await;
    web.close().await.expect("close browser");
}
both_backends!(two_factor_in_a_browser);

async fn browser_sign_out(web: &fantoccini::Client, app: &crate::helpers::TestApp) {
    web.goto(&app.url("/account")).await.expect("account");
    crate::browser::click(web, ".session-nav form button").await;
    crate::browser::wait_for_text(web, ".flash", "signed out").await;
}

async fn browser_password_step(web: &fantoccini::Client, app: &crate::helpers::TestApp) {
    use crate::browser::{click, fill, wait_for_text};
    web.goto(&app.url("/login")).await.expect("login");
    fill(web, "#login-form input[name=username]", "erin").await;
    fill(web, "#login-form input[name=password]", PASSWORD).await;
    click(web, "#login-form button").await;
    wait_for_text(web, "h1", "Two-factor sign-in").await;
}

async fn browser_give(web: &fantoccini::Client, answer: &str) {
    crate::browser::fill(web, "#second-factor-form input[name=code]", answer).await;
    crate::browser::click(web, "#second-factor-form button").await;
}
