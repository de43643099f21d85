//! Recent authentication: for `REAUTH_SECONDS` after typing their password an employee may
//! change another account's e-mail, disable an employee or create one; later, those answer
//! 403 with a password box and change nothing until the password is given again.

use chrono::Duration;
use streamvault::auth::Role;

use crate::admin_support::{htmx, send, staff, stored, version};
use crate::both_backends;
use crate::helpers::{create_account, spawn_app, Backend, PASSWORD};

const PAST_THE_WINDOW: i64 = 601;

async fn dangerous_staff_actions_need_a_recent_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let carl = create_account(&app, "carl", Role::Customer).await;
    let sam = create_account(&app, "sam", Role::Employee).await;
    let row = format!("/admin/customers/{carl}");

    // Just signed in: no question asked.
    let v = version(&app, "customers", carl).await;
    let page = htmx(
        &admin,
        "PUT",
        &row,
        &[("email", "carl2@example.com"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);

    app.clock.advance(Duration::seconds(PAST_THE_WINDOW));
    let v = version(&app, "customers", carl).await;
    let change = [("email", "carl3@example.com"), ("version", v.as_str())];
    let page = htmx(&admin, "PUT", &row, &change).await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("name=\"current_password\""),
        "{}",
        page.body
    );
    let mut plain = change.to_vec();
    plain.push(("_method", "PUT"));
    let page = send(&admin, "POST", &row, &plain, false).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("name=\"current_password\""));
    let mut wrong = change.to_vec();
    wrong.push(("current_password", "not my password"));
    assert_eq!(htmx(&admin, "PUT", &row, &wrong).await.status, 403);
    assert_eq!(
        stored(&app, "customers", carl, "email").await,
        "carl2@example.com",
        "nothing changed"
    );

    // Other edits need no password.
    let v2 = version(&app, "customers", carl).await;
    let page = htmx(
        &admin,
        "PUT",
        &row,
        &[("first_name", "Carl"), ("version", &v2)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);

    // Employees: creating or disabling one asks too.
    let hire = [
        ("username", "newhire"),
        ("email", "newhire@example.com"),
        ("first_name", "New"),
        ("last_name", "Hire"),
        ("password", "a long enough secret"),
    ];
    assert_eq!(
        htmx(&admin, "POST", "/admin/employees", &hire).await.status,
        403
    );
    assert_eq!(
        app.client()
            .login("newhire", "a long enough secret")
            .await
            .status,
        401
    );
    let disable = format!("/admin/employees/{sam}/disable");
    assert_eq!(htmx(&admin, "POST", &disable, &[]).await.status, 403);
    assert_eq!(stored(&app, "employees", sam, "disabled").await, "false");

    // The password given once: the change happens, and counts as a fresh entry.
    let v = version(&app, "customers", carl).await;
    let right = [
        ("email", "carl3@example.com"),
        ("version", v.as_str()),
        ("current_password", PASSWORD),
    ];
    let page = htmx(&admin, "PUT", &row, &right).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        stored(&app, "customers", carl, "email").await,
        "carl3@example.com"
    );
    let page = htmx(&admin, "POST", &disable, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    app.drain_jobs().await;
}
both_backends!(dangerous_staff_actions_need_a_recent_password);
