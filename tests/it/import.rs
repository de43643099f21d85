//! CSV import into a staff table: the preview changes nothing and carries an `import_id`;
//! the confirmation applies exactly that preview, or nothing, once.

use streamvault::auth::Role;

use crate::admin_support::{htmx, stored, version};
use crate::both_backends;
use crate::helpers::{
    create_account, customer, employee, spawn_with, Backend, Client, Options, Page, TestApp,
};

pub(crate) const BOUNDARY: &str = "----streamvault-test-boundary";

/// Posts `csv` as the multipart field `file`, the way the import form does.
pub(crate) async fn upload(client: &Client, path: &str, csv: &str) -> Page {
    let token = client.csrf().await;
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{BOUNDARY}--\r\n"
    );
    client
        .send(
            client
                .http
                .post(format!("{}{path}", client.base))
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .header("X-CSRF-Token", token)
                .body(body),
        )
        .await
}

/// The preview's import id, from its confirmation form.
pub(crate) fn import_id(page: &Page) -> Option<String> {
    let marker = "data-import-id=\"";
    let start = page.body.find(marker)? + marker.len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].to_owned())
}

async fn genres(app: &TestApp, staff: &Client, names: &[&str]) {
    for name in names {
        let created = htmx(staff, "POST", "/admin/genres", &[("name", name)]).await;
        assert!(matches!(created.status, 200 | 201), "{}", created.body);
    }
    assert_eq!(stored(app, "genres", 1, "name").await, names[0]);
}

async fn a_previewed_import_applies_exactly_once(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let staff = employee(&app, "erin").await;
    genres(&app, &staff, &["Drama", "Comedy"]).await;

    let csv = "\u{feff}id,name\r\n1,Drama Renamed\r\n2,Comedy\r\n,\"Western, Spaghetti\"\r\n";
    let preview = upload(&staff, "/admin/genres/import", csv).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("1 to add, 1 to change, 1 unchanged"),
        "{}",
        preview.body
    );
    let id = import_id(&preview).expect("an import id");
    assert_eq!(
        stored(&app, "genres", 1, "name").await,
        "Drama",
        "the preview changed nothing"
    );

    let confirm_path = format!("/admin/genres/import/{id}/confirm");
    let applied = htmx(&staff, "POST", &confirm_path, &[]).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert!(
        applied.body.contains("1 added, 1 changed"),
        "{}",
        applied.body
    );
    assert_eq!(stored(&app, "genres", 1, "name").await, "Drama Renamed");
    assert_eq!(
        stored(&app, "genres", 3, "name").await,
        "Western, Spaghetti"
    );

    // What the table exports imports back as "unchanged".
    let exported = staff.get("/admin/genres.csv").await;
    assert_eq!(exported.status, 200);
    let round_trip = upload(&staff, "/admin/genres/import", &exported.body).await;
    assert_eq!(round_trip.status, 200, "{}", round_trip.body);
    assert!(
        round_trip
            .body
            .contains("0 to add, 0 to change, 3 unchanged"),
        "{}",
        round_trip.body
    );
    assert!(import_id(&round_trip).is_none(), "nothing to confirm");

    let again = htmx(&staff, "POST", &confirm_path, &[]).await;
    assert_eq!(again.status, 404, "a preview is applied once");
    let audit = staff.get("/admin/audit?entity=genres").await;
    assert!(audit.body.contains("Drama Renamed"), "imports are audited");
}
both_backends!(a_previewed_import_applies_exactly_once);

async fn an_import_is_all_or_nothing(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let staff = employee(&app, "erin").await;
    genres(&app, &staff, &["Drama", "Comedy"]).await;

    // A line with an error: the preview says so and offers nothing to confirm.
    let invalid = upload(&staff, "/admin/genres/import", "id,name\n,New One\n2,\n").await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert!(import_id(&invalid).is_none());
    assert!(invalid.body.contains("with errors"));

    // The file is not this table's: refused before any line is read.
    let unknown = upload(&staff, "/admin/genres/import", "id,colour\n1,red\n").await;
    assert_eq!(unknown.status, 422);
    let ragged = upload(&staff, "/admin/genres/import", "id,name\n1\n").await;
    assert_eq!(ragged.status, 422);
    let not_multipart = htmx(
        &staff,
        "POST",
        "/admin/genres/import",
        &[("file", "id,name")],
    )
    .await;
    assert_eq!(not_multipart.status, 400);

    // A row changes between preview and confirmation: nothing is applied, not even the
    // new row of the same file.
    let preview = upload(
        &staff,
        "/admin/genres/import",
        "id,name\n1,Mine\n,Also Mine\n",
    )
    .await;
    let id = import_id(&preview).expect("an import id");
    let current = version(&app, "genres", 1).await;
    let theirs = htmx(
        &staff,
        "PUT",
        "/admin/genres/1",
        &[("name", "Theirs"), ("version", &current)],
    )
    .await;
    assert_eq!(theirs.status, 200);
    let stale = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(stored(&app, "genres", 1, "name").await, "Theirs");
    let names = staff.get("/admin/genres?q=Also").await;
    assert!(
        !names.body.contains("Also Mine"),
        "the new row was not added either"
    );

    // Two lines of one file with the same unique name: the preview names the first line.
    let twins = upload(&staff, "/admin/genres/import", "name\nTwin\nTwin\n").await;
    assert_eq!(twins.status, 422, "{}", twins.body);
    assert!(import_id(&twins).is_none(), "nothing to confirm");
    assert!(
        twins
            .body
            .contains("Line 2 of this file has the same value"),
        "{}",
        twins.body
    );

    // A name taken by someone else between the preview and the confirmation: the database
    // refuses the row at confirmation and nothing is applied.
    let raced = upload(&staff, "/admin/genres/import", "name\nRaced\nAlso Raced\n").await;
    let id = import_id(&raced).expect("valid when previewed");
    let theirs = htmx(&staff, "POST", "/admin/genres", &[("name", "Raced")]).await;
    assert!(matches!(theirs.status, 200 | 201), "{}", theirs.body);
    let refused = htmx(
        &staff,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let names = staff.get("/admin/genres?q=Also+Raced").await;
    assert!(
        !names.body.contains("Also Raced<"),
        "the other row was not added either"
    );
}
both_backends!(an_import_is_all_or_nothing);

async fn imports_are_staff_only_and_private_to_their_author(backend: Backend) {
    let app = spawn_with(backend, Options::default()).await;
    let staff = employee(&app, "erin").await;
    let viewer = customer(&app, "alice").await;
    assert_eq!(
        upload(&viewer, "/admin/genres/import", "name\nX\n")
            .await
            .status,
        403
    );
    let preview = upload(&staff, "/admin/genres/import", "name\nMine\n").await;
    let id = import_id(&preview).expect("an import id");
    create_account(&app, "frank", Role::Employee).await;
    let frank = app.client();
    frank.sign_in("frank", crate::helpers::PASSWORD).await;
    let other = htmx(
        &frank,
        "POST",
        &format!("/admin/genres/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(other.status, 404, "only who previewed it may apply it");
    // New accounts are not imported (they need their passwords set): a line is refused.
    let accounts = upload(&staff, "/admin/customers/import", "username\nmallory\n").await;
    assert_eq!(accounts.status, 422, "{}", accounts.body);
    assert!(accounts.body.contains("New accounts are not imported"));
}
both_backends!(imports_are_staff_only_and_private_to_their_author);

/// Every table's own file imports back as "nothing changes", the demo data's producers'
/// phone numbers (`+33 …`, written `'+33 …` so a spreadsheet shows them as text) included.
async fn every_tables_export_imports_back_unchanged(backend: Backend) {
    let app = crate::admin_support::demo_app(backend).await;
    let staff = crate::admin_support::staff(&app, "erin").await;
    let producers = staff.get("/admin/producers.csv").await;
    assert!(producers.body.contains(",'+"), "a guarded phone number");
    for slug in [
        "series",
        "episodes",
        "schedules",
        "production-houses",
        "producers",
        "alliances",
        "contracts",
        "genres",
        "languages",
        "countries",
        "employees",
        "customers",
    ] {
        let exported = staff.get(&format!("/admin/{slug}.csv")).await;
        assert_eq!(exported.status, 200, "{slug}");
        let rows = exported.body.lines().count() - 1;
        let preview = upload(&staff, &format!("/admin/{slug}/import"), &exported.body).await;
        assert_eq!(preview.status, 200, "{slug}: {}", preview.body);
        assert!(
            preview.body.contains(&format!(
                "0 to add, 0 to change, {rows} unchanged, 0 with errors."
            )),
            "{slug}: {}",
            preview.body
        );
    }
}
both_backends!(every_tables_export_imports_back_unchanged);

/// The account tables import what their rows' forms change without a password (names,
/// country, a customer's price); a new account or a new e-mail address is refused with where
/// to do it instead, and a file for one table never reaches the other's rows.
async fn account_tables_import_within_their_forms_rules(backend: Backend) {
    let app = crate::admin_support::demo_app(backend).await;
    let staff = crate::admin_support::staff(&app, "erin").await;
    let exported = staff.get("/admin/customers.csv").await;
    let mut lines = exported.body.lines();
    let header = lines.next().expect("a header").to_owned();
    let alice = lines
        .find(|line| line.contains(",alice,"))
        .expect("alice's row")
        .to_owned();
    let columns: Vec<&str> = header.split(',').collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).expect(name);
    let mut cells: Vec<String> = alice.split(',').map(str::to_owned).collect();
    let alice_id: i64 = cells[at("id")].parse().expect("an id");
    cells[at("last_name")] = "Imported".into();
    cells[at("monthly_subscription")] = "15.49".into();
    let file = [header.as_str(), &cells.join(",")].join("\r\n");
    let preview = upload(&staff, "/admin/customers/import", &file).await;
    assert!(
        preview
            .body
            .contains("0 to add, 1 to change, 0 unchanged, 0 with errors."),
        "{}",
        preview.body
    );
    let id = import_id(&preview).expect("confirmable");
    let applied = htmx(
        &staff,
        "POST",
        &format!("/admin/customers/import/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert_eq!(
        stored(&app, "customers", alice_id, "last_name").await,
        "Imported"
    );
    assert_eq!(
        stored(&app, "customers", alice_id, "monthly_subscription_cents").await,
        "1549"
    );

    // A new e-mail address, a new account: refused, nothing to confirm.
    let mut moved = cells.clone();
    moved[at("email")] = "elsewhere@example.com".into();
    let mut fresh = cells.clone();
    fresh[at("id")] = String::new();
    fresh[at("username")] = "newbie".into();
    fresh[at("email")] = "newbie@example.com".into();
    let file = [header.as_str(), &moved.join(","), &fresh.join(",")].join("\r\n");
    let refused = upload(&staff, "/admin/customers/import", &file).await;
    assert!(
        refused.body.contains("E-mail addresses are not imported"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("New accounts are not imported"),
        "{}",
        refused.body
    );
    assert!(import_id(&refused).is_none());

    // The employees' file names only employees.
    let employees = staff.get("/admin/employees.csv").await;
    let header = employees.body.lines().next().expect("a header");
    let row: Vec<String> = header
        .split(',')
        .map(|name| match name {
            "id" => alice_id.to_string(),
            _ => String::new(),
        })
        .collect();
    let file = [header, &row.join(",")].join("\r\n");
    let crossed = upload(&staff, "/admin/employees/import", &file).await;
    assert!(
        crossed.body.contains("There is no row with this id."),
        "{}",
        crossed.body
    );
}
both_backends!(account_tables_import_within_their_forms_rules);
