//! The audit log: one entry per staff change, written in the change's own transaction (a
//! change that fails leaves none, and a failing entry undoes the change), paged newest
//! first and filtered by table and by staff member.

use crate::admin_support::{audit_entries, created_id, htmx, staff, stored, version};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

async fn each_change_writes_one_entry_with_before_and_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let erin = staff(&app, "erin").await;
    let sam = staff(&app, "sam").await;
    assert_eq!(audit_entries(&app).await, 0);
    let id = created_id(
        &htmx(&erin, "POST", "/admin/genres", &[("name", "Satire")]).await,
        "genres",
    );
    assert_eq!(audit_entries(&app).await, 1);
    let v = version(&app, "genres", id).await;
    assert_eq!(
        htmx(
            &sam,
            "PUT",
            &format!("/admin/genres/{id}"),
            &[("name", "Political satire"), ("version", &v)]
        )
        .await
        .status,
        200
    );
    assert_eq!(audit_entries(&app).await, 2);
    // Refused and stale changes leave none.
    assert_eq!(
        htmx(
            &sam,
            "PUT",
            &format!("/admin/genres/{id}"),
            &[("name", ""), ("version", &v)]
        )
        .await
        .status,
        422
    );
    assert_eq!(
        htmx(
            &sam,
            "PUT",
            &format!("/admin/genres/{id}"),
            &[("name", "Stale"), ("version", &v)]
        )
        .await
        .status,
        409
    );
    assert_eq!(
        audit_entries(&app).await,
        2,
        "failed changes leave no entry"
    );
    let v = version(&app, "genres", id).await;
    assert_eq!(
        htmx(
            &erin,
            "DELETE",
            &format!("/admin/genres/{id}"),
            &[("version", &v)]
        )
        .await
        .status,
        200
    );
    assert_eq!(audit_entries(&app).await, 3);

    let log = erin.get("/admin/audit").await;
    assert_eq!(log.status, 200);
    let (delete, update, create) = (
        log.body.find(">delete<").expect("delete entry"),
        log.body.find(">update<").expect("update entry"),
        log.body.find(">create<").expect("create entry"),
    );
    assert!(delete < update && update < create, "newest first");
    assert!(log.body.contains("Satire") && log.body.contains("Political satire"));
    // Filtered by staff member and by table.
    let sam_id = streamvault::auth::accounts::find_by_username(app.db(), "sam")
        .await
        .expect("q")
        .expect("sam")
        .id;
    let by_sam = erin.get(&format!("/admin/audit?staff_id={sam_id}")).await;
    assert!(by_sam.body.contains(">update<") && !by_sam.body.contains(">create<"));
    let other = erin.get("/admin/audit?entity=series").await;
    assert!(other.body.contains("No changes recorded"));
    let fragment = htmx(&erin, "GET", "/admin/audit", &[("entity", "genres")]).await;
    assert!(!fragment.body.contains("<html") && fragment.body.contains(">create<"));
    for bad in [
        "/admin/audit?page=0",
        "/admin/audit?entity=bogus",
        "/admin/audit?staff_id=x",
    ] {
        assert_eq!(erin.get(bad).await.status, 400, "{bad}");
    }
    // The overview shows the latest entries.
    let home = erin.get("/admin").await;
    assert!(home.body.contains("Latest changes") && home.body.contains("Political satire"));
}
both_backends!(each_change_writes_one_entry_with_before_and_after);

async fn a_change_whose_audit_entry_fails_is_undone(backend: Backend) {
    let app = spawn_app(backend).await;
    let erin = staff(&app, "erin").await;
    let id = created_id(
        &htmx(&erin, "POST", "/admin/genres", &[("name", "Mystery")]).await,
        "genres",
    );
    let v = version(&app, "genres", id).await;
    // Hide the audit table: the entry cannot be written, so the change must not stay.
    app.db()
        .transaction("test setup", |tx| {
            Box::pin(async move {
                tx.execute_static("ALTER TABLE audit_log RENAME TO audit_log_hidden")
                    .await
            })
        })
        .await
        .expect("rename");
    let page = htmx(
        &erin,
        "PUT",
        &format!("/admin/genres/{id}"),
        &[("name", "Whodunit"), ("version", &v)],
    )
    .await;
    assert!(page.status >= 500, "the write failed: {}", page.status);
    app.db()
        .transaction("test setup", |tx| {
            Box::pin(async move {
                tx.execute_static("ALTER TABLE audit_log_hidden RENAME TO audit_log")
                    .await
            })
        })
        .await
        .expect("rename back");
    assert_eq!(
        stored(&app, "genres", id, "name").await,
        "Mystery",
        "the change was rolled back"
    );
    assert_eq!(version(&app, "genres", id).await, v);
    assert_eq!(audit_entries(&app).await, 1, "only the create's entry");
}
both_backends!(a_change_whose_audit_entry_fails_is_undone);

async fn the_log_filters_by_date_range_and_a_series_links_to_its_page(backend: Backend) {
    let app = crate::admin_support::demo_app(backend).await;
    let admin = crate::admin_support::staff(&app, "erin").await;
    let made =
        crate::admin_support::htmx(&admin, "POST", "/admin/genres", &[("name", "Zydeco Noir")])
            .await;
    assert_eq!(made.status, 200);
    let today = app.clock.now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let yesterday = today.pred_opt().expect("yesterday");
    let within = admin
        .get(&format!(
            "/admin/audit?from={}&to={}",
            day(today),
            day(today)
        ))
        .await;
    assert_eq!(within.status, 200);
    assert!(within.body.contains("Zydeco Noir"), "{}", within.body);
    let before = admin
        .get(&format!("/admin/audit?to={}", day(yesterday)))
        .await;
    assert_eq!(before.status, 200);
    assert!(!before.body.contains("Zydeco Noir"));
    let after = admin
        .get(&format!(
            "/admin/audit?from={}",
            day(today.succ_opt().expect("tomorrow"))
        ))
        .await;
    assert!(!after.body.contains("Zydeco Noir"));
    assert_eq!(admin.get("/admin/audit?from=12/03/2026").await.status, 400);
    // Years chrono reads but MariaDB cannot hold are refused, not sent to the database.
    for path in [
        "/admin/audit?from=-5-01-01",
        "/admin/audit?to=99999-01-01",
        "/admin/audit?from=0999-12-31",
    ] {
        assert_eq!(admin.get(path).await.status, 400, "{path}");
    }
    let backwards = format!("/admin/audit?from={}&to={}", day(today), day(yesterday));
    assert_eq!(admin.get(&backwards).await.status, 400);

    // A series' staff page links to its public page, and back.
    let record = admin.get("/admin/series/1").await;
    assert!(
        record.body.contains(r#"href="/series/1">View on site"#),
        "{}",
        record.body
    );
    let public = admin.get("/series/1").await;
    assert!(public.body.contains("Edit in admin"));
}
both_backends!(the_log_filters_by_date_range_and_a_series_links_to_its_page);
