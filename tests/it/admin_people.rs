//! People: staff create employees (the password policy of `create-employee`), disable and
//! re-enable accounts (ending their sessions at once), never disable themselves or the last
//! active employee, and set what customers pay.

use streamvault::auth::Role;

use crate::admin_support::{audit_entries, created_id, htmx, record, send, staff, stored, version};
use crate::both_backends;
use crate::fixtures::FeedbackRow;
use crate::helpers::{create_account, customer, spawn_app, Backend, PASSWORD};

async fn staff_create_employees_who_can_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let fields = |password: &'static str| {
        vec![
            ("username", "newhire"),
            ("email", "newhire@example.com"),
            ("first_name", "New"),
            ("last_name", "Hire"),
            ("password", password),
        ]
    };
    for (password, message) in [
        ("short", "at least 12"),
        ("bad\u{7}control chars", "Control characters"),
    ] {
        let page = htmx(&admin, "POST", "/admin/employees", &fields(password)).await;
        assert_eq!(page.status, 422, "{password}");
        assert!(page.body.contains(message), "{}", page.body);
    }
    let mut confirm = fields("a long enough secret");
    confirm.push(("password_confirm", "a different secret!"));
    assert_eq!(
        htmx(&admin, "POST", "/admin/employees", &confirm)
            .await
            .status,
        422
    );
    let taken = vec![
        ("username", "erin"),
        ("email", "other@example.com"),
        ("first_name", "X"),
        ("last_name", "Y"),
        ("password", "a long enough secret"),
    ];
    let page = htmx(&admin, "POST", "/admin/employees", &taken).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("That username is taken"));

    let page = htmx(
        &admin,
        "POST",
        "/admin/employees",
        &fields("a long enough secret"),
    )
    .await;
    let id = created_id(&page, "employees");
    assert!(!page.body.contains("$2b$"), "never a hash on a page");
    let hire = app.client();
    hire.sign_in("newhire", "a long enough secret").await;
    assert_eq!(hire.get("/admin").await.status, 200, "an employee");
    // The audit entry names the fields but never the password or its hash.
    let audit = admin.get("/admin/audit?entity=employees").await;
    assert!(audit.body.contains("newhire"));
    assert!(!audit.body.contains("$2b$") && !audit.body.contains("a long enough secret"));
    // Employees and customers are different tables: ids do not cross over.
    assert_eq!(
        htmx(&admin, "GET", &format!("/admin/customers/{id}"), &[])
            .await
            .status,
        404
    );
}
both_backends!(staff_create_employees_who_can_sign_in);

async fn disabling_ends_sessions_at_once_and_enabling_restores_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let viewer = customer(&app, "vic").await;
    let id = record_id(&app, "customers", "vic").await;
    assert_eq!(viewer.get("/account").await.status, 200);
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{id}/disable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Enable"));
    assert_eq!(
        viewer.get("/account").await.status,
        303,
        "the session ended"
    );
    let again = app.client();
    assert_eq!(
        again.login("vic", PASSWORD).await.status,
        401,
        "cannot sign in"
    );
    // Disabling twice changes nothing more.
    let audit = audit_entries(&app).await;
    assert_eq!(
        htmx(
            &admin,
            "POST",
            &format!("/admin/customers/{id}/disable"),
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(audit_entries(&app).await, audit);
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{id}/enable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200);
    again.sign_in("vic", PASSWORD).await;
    // Without JavaScript: a redirect back.
    let plain = send(
        &admin,
        "POST",
        &format!("/admin/customers/{id}/disable"),
        &[("_return", "/admin/customers")],
        false,
    )
    .await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some("/admin/customers"));
    assert_eq!(
        htmx(&admin, "POST", "/admin/customers/999999/disable", &[])
            .await
            .status,
        404
    );
}
both_backends!(disabling_ends_sessions_at_once_and_enabling_restores_sign_in);

async fn record_id(app: &crate::helpers::TestApp, slug: &str, username: &str) -> i64 {
    let account = streamvault::auth::accounts::find_by_username(app.db(), username)
        .await
        .expect("lookup")
        .expect("account");
    assert!(
        record(app, slug, account.id).await.is_some(),
        "{username} is in {slug}"
    );
    account.id
}

async fn staff_never_disable_themselves_or_the_last_active_employee(backend: Backend) {
    let app = spawn_app(backend).await;
    let erin = staff(&app, "erin").await;
    let sam = staff(&app, "sam").await;
    let (erin_id, sam_id) = (
        record_id(&app, "employees", "erin").await,
        record_id(&app, "employees", "sam").await,
    );
    let own = htmx(
        &erin,
        "POST",
        &format!("/admin/employees/{erin_id}/disable"),
        &[],
    )
    .await;
    assert_eq!(own.status, 409);
    assert!(own.body.contains("your own account"));
    let v = version(&app, "employees", erin_id).await;
    let own = htmx(
        &erin,
        "DELETE",
        &format!("/admin/employees/{erin_id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(own.status, 409);

    // Both try to disable the other at once: one of them stays active.
    let (disable_sam, disable_erin) = (
        format!("/admin/employees/{sam_id}/disable"),
        format!("/admin/employees/{erin_id}/disable"),
    );
    let (a, b) = tokio::join!(
        htmx(&erin, "POST", &disable_sam, &[]),
        htmx(&sam, "POST", &disable_erin, &[]),
    );
    assert!(
        a.status < 500 && b.status < 500,
        "{} {}",
        a.status,
        b.status
    );
    let erin_off = stored(&app, "employees", erin_id, "disabled").await == "true";
    let sam_off = stored(&app, "employees", sam_id, "disabled").await == "true";
    assert!(!(erin_off && sam_off), "someone must stay active");
    assert!(erin_off || sam_off, "one of them was disabled");

    // An employee whose changes are in the audit log is disabled, never deleted.
    let survivor = if erin_off { &sam } else { &erin };
    let tom = staff(&app, "tom").await;
    let tom_id = record_id(&app, "employees", "tom").await;
    let genre = htmx(&tom, "POST", "/admin/genres", &[("name", "Tom's genre")]).await;
    assert_eq!(genre.status, 200);
    let v = version(&app, "employees", tom_id).await;
    let refused = htmx(
        survivor,
        "DELETE",
        &format!("/admin/employees/{tom_id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("disable the account instead"));
}
both_backends!(staff_never_disable_themselves_or_the_last_active_employee);

async fn staff_set_what_customers_pay_and_customers_cannot(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let viewer = customer(&app, "vic").await;
    let id = record_id(&app, "customers", "vic").await;
    let v = version(&app, "customers", id).await;
    let page = htmx(
        &admin,
        "PUT",
        &format!("/admin/customers/{id}"),
        &[("monthly_subscription_cents", "1999"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(">19.99<"), "shown in dollars");
    assert_eq!(
        stored(&app, "customers", id, "monthly_subscription_cents").await,
        "1999"
    );
    for bad in ["-1", "19.99", "lots"] {
        let v = version(&app, "customers", id).await;
        let page = htmx(
            &admin,
            "PUT",
            &format!("/admin/customers/{id}"),
            &[("monthly_subscription_cents", bad), ("version", &v)],
        )
        .await;
        assert_eq!(page.status, 422, "{bad}");
    }
    // The customer's own form ignores the field.
    let own = viewer
        .post_form(
            "/account",
            &[
                ("email", "vic@example.com"),
                ("first_name", "Vic"),
                ("last_name", "Viewer"),
                ("monthly_subscription_cents", "0"),
            ],
        )
        .await;
    assert!(own.status < 500);
    assert_eq!(
        stored(&app, "customers", id, "monthly_subscription_cents").await,
        "1999"
    );
    // And the staff pages are not theirs.
    assert_eq!(viewer.get("/admin/customers").await.status, 403);
    let put = send(
        &viewer,
        "PUT",
        &format!("/admin/customers/{id}"),
        &[("monthly_subscription_cents", "0"), ("version", &v)],
        true,
    )
    .await;
    assert_eq!(put.status, 403);
    assert_eq!(
        stored(&app, "customers", id, "monthly_subscription_cents").await,
        "1999"
    );
}
both_backends!(staff_set_what_customers_pay_and_customers_cannot);

async fn deleting_a_customer_takes_back_their_reviews(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let id = create_account(&app, "rita", Role::Customer).await;
    // A series with one review by rita, written directly.
    let series = htmx(&admin, "POST", "/admin/genres", &[("name", "Drama")]).await;
    let _ = created_id(&series, "genres");
    let lang = created_id(
        &htmx(&admin, "POST", "/admin/languages", &[("name", "English")]).await,
        "languages",
    );
    let country = created_id(
        &htmx(
            &admin,
            "POST",
            "/admin/countries",
            &[("name", "Canada"), ("region", "North America")],
        )
        .await,
        "countries",
    );
    let house = created_id(
        &htmx(
            &admin,
            "POST",
            "/admin/production-houses",
            &[
                ("name", "H"),
                ("street", "S"),
                ("city", "C"),
                ("state", "St"),
                ("postal_code", "P"),
                ("country", "Canada"),
                ("year_established", "1990"),
            ],
        )
        .await,
        "production-houses",
    );
    let series = created_id(
        &htmx(
            &admin,
            "POST",
            "/admin/series",
            &[
                ("title", "Reviewed"),
                ("planned_episodes", "3"),
                ("language_id", &lang.to_string()),
                ("release_date", "2024-01-01"),
                ("origin_country_id", &country.to_string()),
                ("production_house_id", &house.to_string()),
            ],
        )
        .await,
        "series",
    );
    let now = app.clock.now();
    app.db()
        .transaction("test setup", move |tx| {
            Box::pin(async move {
                FeedbackRow::new(series, id, 4)
                    .body("Good")
                    .at(now)
                    .insert(tx)
                    .await?;
                streamvault::series_stats::review_changed(tx, series, None, Some(4)).await
            })
        })
        .await
        .expect("review");
    let ratings = |db: streamvault::db::Db| async move {
        streamvault::catalog::find_series(&mut db.reader().await.expect("reader"), series)
            .await
            .expect("series")
            .expect("exists")
            .ratings
    };
    assert_eq!(ratings(app.db().clone()).await, 1);
    let v = version(&app, "customers", id).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/customers/{id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(ratings(app.db().clone()).await, 0, "the figures follow");
}
both_backends!(deleting_a_customer_takes_back_their_reviews);
