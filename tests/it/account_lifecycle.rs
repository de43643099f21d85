//! Accounts you can trust over their whole life: a reset link dies with the address, password,
//! role or standing it was sent for; disabled accounts get no new password; staff changing
//! someone's address tells the old one and ends the sessions; forms refuse invalid UTF-8;
//! registration does not reveal who has an account; employees are never customer choices; a
//! deleted account's words leave the audit log; account ids are never reused.

use std::time::Duration;

use sea_query::{Expr, Query};
use streamvault::auth::{accounts, deletion, resets, tokens, Role};
use streamvault::db::schema::{AuditLog, Feedback, PasswordResetTokens};

use crate::admin_support::{htmx, staff, version};
use crate::both_backends;
use crate::feedback::{catalog, seed_review};
use crate::helpers::{
    create_account, customer, employee, spawn_app, spawn_with, Backend, Client, Options, Page,
    TestApp, PASSWORD,
};
use crate::smtp::{self, Inbox};

const NEW_PASSWORD: &str = "a brand new secret";
const WAIT: Duration = Duration::from_secs(20);

async fn app_with_smtp(backend: Backend) -> (TestApp, Inbox) {
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
    (app, inbox)
}

/// A live reset token for the account using `email`, minted as the worker mints one.
async fn reset_token(app: &TestApp, email: &str) -> String {
    let (_, raw) = resets::mint(app.db(), email, app.clock.now())
        .await
        .expect("mint")
        .expect("an account uses the address");
    raw
}

/// A live token stored straight into the table, whatever the account's state (as one minted
/// just before a change would be).
async fn planted_token(app: &TestApp, account_id: i64) -> String {
    let raw = tokens::random_token();
    let now = app.clock.now();
    let insert = Query::insert()
        .into_table(PasswordResetTokens::Table)
        .columns([
            PasswordResetTokens::AccountId,
            PasswordResetTokens::TokenHash,
            PasswordResetTokens::CreatedAt,
            PasswordResetTokens::ExpiresAt,
        ])
        .values_panic([
            account_id.into(),
            tokens::sha256_hex(&raw).into(),
            now.into(),
            (now + resets::VALID_FOR).into(),
        ])
        .to_owned();
    app.db().execute(&insert).await.expect("plant a token");
    raw
}

/// The reset page for `raw`: 200 while the link works, 400 (the generic invalid page) after.
async fn reset_page(app: &TestApp, raw: &str) -> u16 {
    app.client()
        .get(&format!("/reset-password/{raw}"))
        .await
        .status
}

async fn account_id(app: &TestApp, username: &str) -> i64 {
    accounts::find_by_username(app.db(), username)
        .await
        .expect("lookup")
        .expect("account")
        .id
}

/// Sends exactly `body` as an urlencoded form, with the client's CSRF token as a header.
async fn post_raw_body(client: &Client, path: &str, body: &'static [u8]) -> Page {
    let token = client.csrf().await;
    client
        .send(
            client
                .http
                .post(format!("{}{}", client.base, path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-CSRF-Token", token)
                .body(body.to_vec()),
        )
        .await
}

async fn every_change_of_address_password_or_standing_retires_reset_links(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;

    // The customer changes their own address.
    let alice = customer(&app, "alice").await;
    let link = reset_token(&app, "alice@example.com").await;
    assert_eq!(reset_page(&app, &link).await, 200, "live before the change");
    let saved = alice
        .post_form(
            "/account",
            &[
                ("email", "alice.new@example.com"),
                ("first_name", "Alice"),
                ("last_name", "A"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(reset_page(&app, &link).await, 400, "own address change");

    // The customer changes their password.
    let link = reset_token(&app, "alice.new@example.com").await;
    let changed = alice
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(reset_page(&app, &link).await, 400, "own password change");

    // Staff change a customer's address, and an employee's.
    let bob = create_account(&app, "bob", Role::Customer).await;
    let link = reset_token(&app, "bob@example.com").await;
    let v = version(&app, "customers", bob).await;
    let page = htmx(
        &admin,
        "PUT",
        &format!("/admin/customers/{bob}"),
        &[("email", "bob.elsewhere@example.com"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        reset_page(&app, &link).await,
        400,
        "staff: customer address"
    );

    let tess = create_account(&app, "tess", Role::Employee).await;
    let link = reset_token(&app, "tess@example.com").await;
    let v = version(&app, "employees", tess).await;
    let page = htmx(
        &admin,
        "PUT",
        &format!("/admin/employees/{tess}"),
        &[("email", "tess.elsewhere@example.com"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        reset_page(&app, &link).await,
        400,
        "staff: employee address"
    );

    // Disabling, and enabling (a link from before must not wake up with the account).
    let carol = create_account(&app, "carol", Role::Customer).await;
    let link = reset_token(&app, "carol@example.com").await;
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{carol}/disable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let planted = planted_token(&app, carol).await;
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{carol}/enable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(reset_page(&app, &link).await, 400, "disabling");
    assert_eq!(reset_page(&app, &planted).await, 400, "enabling");

    // Nothing else was touched: a fresh link for the enabled account works.
    let fresh = reset_token(&app, "carol@example.com").await;
    assert_eq!(reset_page(&app, &fresh).await, 200);
    app.drain_jobs().await;
}
both_backends!(every_change_of_address_password_or_standing_retires_reset_links);

async fn disabled_accounts_cannot_redeem_reset_links(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let dave = create_account(&app, "dave", Role::Customer).await;
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{dave}/disable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        resets::mint(app.db(), "dave@example.com", app.clock.now())
            .await
            .expect("mint")
            .is_none(),
        "no link is minted for a disabled account"
    );

    // A link that exists anyway (minted in the instant before the disable) does nothing.
    let raw = planted_token(&app, dave).await;
    assert_eq!(reset_page(&app, &raw).await, 400);
    let visitor = app.client();
    let refused = visitor
        .post_form(
            &format!("/reset-password/{raw}"),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        resets::reset_password(app.db(), &raw, "not a hash", app.clock.now())
            .await
            .expect("unit of work")
            .is_none(),
        "the unit of work refuses it too"
    );

    // Enabled again: the old password works, no password set while disabled does.
    let page = htmx(
        &admin,
        "POST",
        &format!("/admin/customers/{dave}/enable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(app.client().login("dave", NEW_PASSWORD).await.status, 401);
    app.client().sign_in("dave", PASSWORD).await;
    assert_eq!(reset_page(&app, &raw).await, 400, "retired by the enable");
    app.drain_jobs().await;
}
both_backends!(disabled_accounts_cannot_redeem_reset_links);

async fn staff_changing_an_address_tells_the_old_one_and_ends_sessions(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    let erin = staff(&app, "erin").await;
    let tess_client = employee(&app, "tess").await;
    let tess = account_id(&app, "tess").await;
    let vic_client = customer(&app, "vic").await;
    let vic = account_id(&app, "vic").await;
    assert_eq!(tess_client.get("/admin").await.status, 200);
    assert_eq!(vic_client.get("/account").await.status, 200);

    // A name alone: nobody is signed out, nobody is told.
    let v = version(&app, "employees", tess).await;
    let page = htmx(
        &erin,
        "PUT",
        &format!("/admin/employees/{tess}"),
        &[("first_name", "Theresa"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(tess_client.get("/admin").await.status, 200);

    let v = version(&app, "employees", tess).await;
    let page = htmx(
        &erin,
        "PUT",
        &format!("/admin/employees/{tess}"),
        &[("email", "attacker@example.net"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        tess_client.get("/admin").await.status,
        303,
        "the employee's sessions ended"
    );
    let v = version(&app, "customers", vic).await;
    let page = htmx(
        &erin,
        "PUT",
        &format!("/admin/customers/{vic}"),
        &[("email", "vic.new@example.com"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        vic_client.get("/account").await.status,
        303,
        "the customer's sessions ended"
    );

    app.drain_jobs().await;
    let mail = inbox.wait_for(2, WAIT).await;
    assert_eq!(
        inbox.recipients(),
        vec![
            "<tess@example.com>".to_owned(),
            "<vic@example.com>".to_owned()
        ],
        "the old addresses, and only they"
    );
    assert!(mail
        .iter()
        .all(|m| m.data.contains("e-mail address was changed")));
    assert!(
        mail.iter()
            .all(|m| !m.data.contains("attacker@example.net")),
        "the new address is masked"
    );
    // Staff still are signed in; the changed employee signs in with the same password.
    assert_eq!(erin.get("/admin").await.status, 200);
    app.client().sign_in("tess", PASSWORD).await;
}
both_backends!(staff_changing_an_address_tells_the_old_one_and_ends_sessions);

#[derive(sqlx::FromRow)]
struct ReviewOf {
    #[allow(dead_code)]
    account_id: i64,
}

async fn forms_refuse_invalid_utf8_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Mile Zero"]).await;
    let alice = customer(&app, "alice").await;
    let alice_id = account_id(&app, "alice").await;

    let review = post_raw_body(&alice, "/series/1/feedback", b"rating=4&body=%FF%FE").await;
    assert_eq!(review.status, 400, "{}", review.body);
    let raw_bytes = post_raw_body(&alice, "/series/1/feedback", b"rating=4&body=ok\xff").await;
    assert_eq!(raw_bytes.status, 400, "{}", raw_bytes.body);
    let reviews = Query::select()
        .column(Feedback::AccountId)
        .from(Feedback::Table)
        .and_where(Expr::col(Feedback::AccountId).eq(alice_id))
        .to_owned();
    let stored: Vec<ReviewOf> = app.db().fetch_all(&reviews).await.expect("reviews");
    assert!(stored.is_empty(), "nothing stored");

    let profile = post_raw_body(
        &alice,
        "/account",
        b"email=alice%40example.com&first_name=%FF&last_name=A",
    )
    .await;
    assert_eq!(profile.status, 400, "{}", profile.body);
    let account = accounts::find_by_id(app.db(), alice_id)
        .await
        .expect("lookup")
        .expect("account");
    assert_eq!(account.first_name, "Test", "unchanged");

    let visitor = app.client();
    let register = post_raw_body(
        &visitor,
        "/register",
        b"username=mallory&email=m%40example.com&first_name=M&last_name=%C3&password=long+enough+secret&password_confirm=long+enough+secret",
    )
    .await;
    assert_eq!(register.status, 400, "{}", register.body);
    assert!(accounts::find_by_username(app.db(), "mallory")
        .await
        .expect("lookup")
        .is_none());

    // A real U+FFFD, sent as its UTF-8 bytes, is ordinary text.
    let typed = post_raw_body(
        &alice,
        "/series/1/feedback",
        b"rating=4&body=odd+%EF%BF%BD+char",
    )
    .await;
    assert_eq!(typed.status, 303, "{}", typed.body);

    // So is a search form's query string.
    assert_eq!(visitor.get("/?q=%FF").await.status, 400);
    assert_eq!(visitor.get("/?q=%E2%82%AC").await.status, 200);

    // The staff tables read their forms the same way.
    let admin = staff(&app, "erin").await;
    let token = admin.csrf().await;
    let staff_form = admin
        .send(
            admin
                .http
                .post(app.url("/admin/genres"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-CSRF-Token", token)
                .header("HX-Request", "true")
                .body(b"name=%FF".to_vec()),
        )
        .await;
    assert_eq!(staff_form.status, 400, "{}", staff_form.body);
}
both_backends!(forms_refuse_invalid_utf8_with_400);

async fn registration_answers_the_same_whether_or_not_the_address_is_taken(backend: Backend) {
    let (app, inbox) = app_with_smtp(backend).await;
    create_account(&app, "alice", Role::Customer).await;
    let register = |username: &'static str, email: &'static str| {
        let client = app.client();
        async move {
            let page = client
                .post_form(
                    "/register",
                    &[
                        ("username", username),
                        ("email", email),
                        ("first_name", "New"),
                        ("last_name", "Viewer"),
                        ("country_id", ""),
                        ("password", NEW_PASSWORD),
                        ("password_confirm", NEW_PASSWORD),
                    ],
                )
                .await;
            (client, page)
        }
    };
    let (_, taken) = register("newcomer", "  ALICE@example.com ").await;
    let (fresh_client, fresh) = register("freshone", "fresh@example.com").await;
    for page in [&taken, &fresh] {
        assert!(!page.body.contains("already uses"), "{}", page.body);
    }
    assert_eq!(taken.status, fresh.status);
    assert_eq!(taken.location(), fresh.location());
    assert_eq!(taken.body, fresh.body);
    let cookies = |page: &Page| -> Vec<String> {
        page.set_cookies()
            .iter()
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(cookies(&taken), cookies(&fresh), "the same cookies");
    assert_eq!(fresh.status, 303);
    assert_eq!(fresh.location(), Some("/login"));

    // The new account exists; nothing was made of the taken address.
    fresh_client.sign_in("freshone", NEW_PASSWORD).await;
    assert!(accounts::find_by_username(app.db(), "newcomer")
        .await
        .expect("lookup")
        .is_none());

    // The owner of the taken address hears of it; the new account's holder gets nothing.
    app.drain_jobs().await;
    let mail = inbox.wait_for(1, WAIT).await;
    assert_eq!(inbox.recipients(), vec!["<alice@example.com>".to_owned()]);
    assert!(
        mail[0].data.contains("tried to register"),
        "{}",
        mail[0].data
    );

    // Usernames are public: a taken one is still said.
    let (_, name_taken) = register("alice", "someone@example.com").await;
    assert_eq!(name_taken.status, 422);
    assert!(name_taken.body.contains("That username is taken."));
}
both_backends!(registration_answers_the_same_whether_or_not_the_address_is_taken);

async fn employees_are_never_customer_choices(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let emma = create_account(&app, "emma", Role::Employee).await;
    create_account(&app, "carl", Role::Customer).await;
    for query in [
        format!("/admin/customers/options?selected={emma}"),
        "/admin/customers/options?q=a".to_owned(),
        "/admin/customers/options".to_owned(),
    ] {
        let page = admin.get_htmx(&query).await;
        assert_eq!(page.status, 200, "{query}");
        assert!(page.body.contains("carl"), "{query}: {}", page.body);
        assert!(
            !page.body.contains("emma") && !page.body.contains("erin"),
            "{query}: {}",
            page.body
        );
    }
    // Nor are customers among the employees.
    let page = admin
        .get_htmx(&format!(
            "/admin/employees/options?selected={}",
            account_id(&app, "carl").await
        ))
        .await;
    assert!(!page.body.contains("carl"), "{}", page.body);
}
both_backends!(employees_are_never_customer_choices);

#[derive(sqlx::FromRow)]
struct Detail {
    detail: String,
}

async fn audit_details(app: &TestApp) -> Vec<String> {
    let query = Query::select()
        .column(AuditLog::Detail)
        .from(AuditLog::Table)
        .to_owned();
    let rows: Vec<Detail> = app.db().fetch_all(&query).await.expect("audit");
    rows.into_iter().map(|r| r.detail).collect()
}

async fn deleting_an_account_redacts_its_words_from_the_audit_log(backend: Backend) {
    let app = spawn_app(backend).await;
    catalog(&app, &["Mile Zero", "Second Wind"]).await;
    let admin = staff(&app, "erin").await;
    let alice = customer(&app, "alice").await;
    let alice_id = account_id(&app, "alice").await;
    seed_review(&app, 1, alice_id, 2, "my very own private words", 5).await;
    seed_review(&app, 2, alice_id, 4, "kept until the account goes", 4).await;
    let removed = htmx(
        &admin,
        "DELETE",
        &format!("/admin/feedback/1/{alice_id}"),
        &[],
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let before = audit_details(&app).await;
    assert!(before
        .iter()
        .any(|d| d.contains("my very own private words")));

    // The customer closes the account: the review's text leaves the audit entry, which stays.
    let deleted = alice
        .post_form("/account/delete", &[("current_password", PASSWORD)])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let after = audit_details(&app).await;
    assert_eq!(after.len(), before.len(), "every entry stays");
    assert!(after
        .iter()
        .all(|d| !d.contains("my very own private words")));
    let entry = after
        .iter()
        .find(|d| d.contains("\"body\""))
        .expect("the removal's entry");
    assert!(entry.contains("(removed with the account)"), "{entry}");
    assert!(
        entry.contains("\"rating\"") && entry.contains("\"2\""),
        "what stays: {entry}"
    );
    let page = admin.get("/admin/audit").await;
    assert!(page.body.contains("erin"), "who stays");
    assert!(page.body.contains("(removed with the account)"));

    // Staff deleting a customer: the customer's names and address go from every entry too.
    let dora = create_account(&app, "dora", Role::Customer).await;
    let v = version(&app, "customers", dora).await;
    let page = htmx(
        &admin,
        "PUT",
        &format!("/admin/customers/{dora}"),
        &[("last_name", "Quillfeather"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(audit_details(&app)
        .await
        .iter()
        .any(|d| d.contains("Quillfeather")));
    let v = version(&app, "customers", dora).await;
    let page = htmx(
        &admin,
        "DELETE",
        &format!("/admin/customers/{dora}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let after = audit_details(&app).await;
    assert!(after
        .iter()
        .all(|d| !d.contains("Quillfeather") && !d.contains("dora@example.com")));
    app.drain_jobs().await;
}
both_backends!(deleting_an_account_redacts_its_words_from_the_audit_log);

async fn account_ids_are_never_reused(backend: Backend) {
    let app = spawn_app(backend).await;
    create_account(&app, "first", Role::Customer).await;
    let newest = create_account(&app, "newest", Role::Customer).await;
    deletion::delete_account(app.db(), newest)
        .await
        .expect("delete");
    let next = create_account(&app, "next", Role::Customer).await;
    assert!(next > newest, "id {next} after deleting {newest}");
}
both_backends!(account_ids_are_never_reused);

/// A SQLite database in a temporary file, migrated as an installation from before `version`
/// was: every migration file before it. The guards remove the file and the copied migrations.
pub(crate) async fn sqlite_migrated_before(
    version: &str,
) -> (streamvault::db::Db, [RemoveOnDrop; 2]) {
    use sqlx::migrate::Migrator;
    use streamvault::db::{Db, Pool};

    let name = tokens::random_token()[..12].replace(['-', '_'], "x");
    let dir = std::env::temp_dir().join("streamvault-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(format!("before-{version}-{name}.db"));
    let url = format!("sqlite://{}", file.display());
    let before = dir.join(format!("migrations-{name}"));
    std::fs::create_dir_all(&before).expect("dir");
    let guards = [RemoveOnDrop(file), RemoveOnDrop(before.clone())];
    for entry in std::fs::read_dir("migrations/sqlite").expect("migrations") {
        let path = entry.expect("entry").path();
        let file_name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if file_name.as_str() < version {
            std::fs::copy(&path, before.join(&file_name)).expect("copy");
        }
    }
    let db = Db::connect(&url).await.expect("connect");
    let Pool::Sqlite(pool) = db.pool() else {
        panic!("a SQLite pool");
    };
    Migrator::new(before.as_path())
        .await
        .expect("old migrations")
        .run(pool)
        .await
        .expect("old schema");
    (db, guards)
}

/// A SQLite database made before ids were kept from reuse keeps every account, every row that
/// refers to one (no ON DELETE action ran while the table was rebuilt) and its foreign keys,
/// and new ids start above every id its audit log ever named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_rebuild_of_accounts_keeps_every_row_and_reference() {
    use streamvault::db::Pool;

    const REBUILD: &str = "20261203000010";
    // The migrations as they were: every file before the rebuild.
    let (db, _guards) = sqlite_migrated_before(REBUILD).await;
    let Pool::Sqlite(pool) = db.pool() else {
        panic!("a SQLite pool");
    };

    for (id, name) in [(1, "first"), (2, "second"), (3, "third")] {
        sqlx::query(
            "INSERT INTO accounts (id, username, email, password_hash, role, first_name, \
             last_name, created_at) VALUES (?, ?, ?, 'x', 'customer', 'F', 'L', '2026-01-01')",
        )
        .bind(id)
        .bind(name)
        .bind(format!("{name}@example.com"))
        .execute(pool)
        .await
        .expect("account");
    }
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at) \
         VALUES ('s', 2, '2026-01-01', '2026-01-01')",
    )
    .execute(pool)
    .await
    .expect("session");
    sqlx::query(
        "INSERT INTO password_reset_tokens (account_id, token_hash, created_at, expires_at) \
         VALUES (3, 't', '2026-01-01', '2026-01-02')",
    )
    .execute(pool)
    .await
    .expect("token");
    // Entries about accounts deleted before the upgrade (ids 7 and 9), written by account 1.
    for (entity, key) in [("customers", "7"), ("feedback", "4/9")] {
        sqlx::query(
            "INSERT INTO audit_log (account_id, action, entity, entity_id, detail, recorded_at) \
             VALUES (1, 'delete', ?, ?, '[]', '2026-01-01')",
        )
        .bind(entity)
        .bind(key)
        .execute(pool)
        .await
        .expect("audit");
    }

    db.migrate().await.expect("the rebuild");

    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .expect(sql)
    };
    assert_eq!(count("SELECT COUNT(*) FROM accounts").await, 3);
    assert_eq!(
        count("SELECT COUNT(*) FROM sessions WHERE account_id = 2").await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM password_reset_tokens WHERE account_id = 3").await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE account_id = 1").await,
        2,
        "no ON DELETE SET NULL ran"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM pragma_foreign_key_list('sessions') WHERE \"table\" = 'accounts'"
        )
        .await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM pragma_foreign_key_check").await,
        0
    );
    assert_eq!(
        count("SELECT foreign_keys FROM pragma_foreign_keys").await,
        1,
        "enforcement is on again for the pool"
    );
    let next = create_account_in_db(&db, "fourth").await;
    assert_eq!(next, 10, "above every id the audit log named");
    db.close().await;
}

async fn create_account_in_db(db: &streamvault::db::Db, username: &str) -> i64 {
    crate::helpers::create_account_in(db, username, Role::Customer).await
}

pub(crate) struct RemoveOnDrop(pub(crate) std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
            for suffix in ["-wal", "-shm"] {
                let mut side = self.0.clone().into_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
    }
}
