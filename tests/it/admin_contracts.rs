//! Contracts say whether each is in force today: upcoming, active or expired.

use crate::admin_support::{created_id, demo_app, htmx, staff};
use crate::both_backends;
use crate::helpers::Backend;

async fn contracts_show_whether_they_are_in_force(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let today = app.clock.now().date_naive();
    let day = |offset: i64| {
        (today + chrono::Duration::days(offset))
            .format("%Y-%m-%d")
            .to_string()
    };
    for (starts, ends, status) in [
        (-30, 30, "Active"),
        (10, 40, "Upcoming"),
        (-60, -1, "Expired"),
        (0, 1, "Active"),
    ] {
        let (starts_on, ends_on) = (day(starts), day(ends));
        let made = htmx(
            &admin,
            "POST",
            "/admin/contracts",
            &[
                ("series_id", "1"),
                ("per_episode_charge", "1,975.00"),
                ("starts_on", starts_on.as_str()),
                ("ends_on", ends_on.as_str()),
            ],
        )
        .await;
        assert_eq!(made.status, 200, "{}", made.body);
        let id = created_id(&made, "contracts");
        let row = htmx(&admin, "GET", &format!("/admin/contracts/{id}"), &[]).await;
        assert!(
            row.body.contains(&format!(
                r#"data-column="status"><span class="cell-text" title="{status}">{status}<"#
            )),
            "{starts_on}–{ends_on} is {status}: {}",
            row.body
        );
    }
    let page = admin.get("/admin/contracts?series_id=1").await;
    assert!(page.body.contains(">Status<"), "a column of its own");
    for status in ["Active", "Upcoming", "Expired"] {
        assert!(page.body.contains(&format!(">{status}<")), "{status}");
    }
    // The file keeps the contract's columns (no status: it is not stored).
    let file = admin.get("/admin/contracts.csv").await;
    assert!(
        file.body
            .starts_with("id,series_id,per_episode_charge,starts_on,ends_on\r\n"),
        "{}",
        &file.body[..80.min(file.body.len())]
    );
}
both_backends!(contracts_show_whether_they_are_in_force);

/// The production house of a contract's series, by name and linked, beside the series: read
/// through the series when shown, so moving the series to another house moves it too.
async fn contracts_show_their_series_production_house(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let house_of = |series: i64| {
        let app = &app;
        async move {
            let id = crate::admin_support::stored(app, "series", series, "production_house_id")
                .await
                .parse::<i64>()
                .expect("a house");
            let name = crate::admin_support::record(app, "production-houses", id)
                .await
                .expect("house")
                .label;
            (id, name)
        }
    };
    let made = htmx(
        &admin,
        "POST",
        "/admin/contracts",
        &[
            ("series_id", "1"),
            ("per_episode_charge", "100"),
            ("starts_on", "2026-01-01"),
            ("ends_on", "2026-12-31"),
        ],
    )
    .await;
    let id = created_id(&made, "contracts");
    let (house, name) = house_of(1).await;
    let cell = |house: i64, name: &str| {
        let name = name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        format!(
            r#"data-column="production_house"><span class="cell-text" title="{name}"><a href="/admin/production-houses/{house}">{name}</a>"#
        )
    };
    let row = htmx(&admin, "GET", &format!("/admin/contracts/{id}"), &[]).await;
    assert!(row.body.contains(&cell(house, &name)), "{}", row.body);
    let page = admin.get("/admin/contracts?series_id=1").await;
    assert!(page.body.contains(">Production house<"), "a heading");
    assert!(page.body.contains(&cell(house, &name)), "{}", page.body);
    // The edit form shows it too, as text (it is not typed).
    let edit = htmx(&admin, "GET", &format!("/admin/contracts/{id}/edit"), &[]).await;
    assert!(
        edit.body.contains(&format!(
            r#"<span class="readonly">{}</span>"#,
            name.replace('&', "&amp;")
        )),
        "{}",
        edit.body
    );

    // Another house makes the series: the contract follows.
    let other = (1..=40)
        .find(|h| *h != house)
        .expect("another house")
        .to_string();
    let v = crate::admin_support::version(&app, "series", 1).await;
    let moved = htmx(
        &admin,
        "PUT",
        "/admin/series/1",
        &[("production_house_id", other.as_str()), ("version", &v)],
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let (house, name) = house_of(1).await;
    assert_eq!(house.to_string(), other);
    let row = htmx(&admin, "GET", &format!("/admin/contracts/{id}"), &[]).await;
    assert!(row.body.contains(&cell(house, &name)), "{}", row.body);
    // Files keep the contract's own columns.
    let file = admin.get("/admin/contracts.csv").await;
    assert!(!file.body.contains("production_house"), "not in the file");
}
both_backends!(contracts_show_their_series_production_house);

/// A contract is named by its series and its first day, written as the staff area writes days
/// ("7 Mar 2024", never the stored ISO text), on both databases and for every month; the
/// name is what a delete's message and Undo say.
async fn contracts_are_named_with_the_house_date_format(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let title = crate::admin_support::record(&app, "series", 1)
        .await
        .expect("series 1")
        .label;
    for month in 1..=12_u32 {
        let starts = chrono::NaiveDate::from_ymd_opt(2027, month, if month == 2 { 9 } else { 28 })
            .expect("a day");
        let ends = starts + chrono::Duration::days(3);
        let made = htmx(
            &admin,
            "POST",
            "/admin/contracts",
            &[
                ("series_id", "1"),
                ("per_episode_charge", "10.00"),
                ("starts_on", &starts.to_string()),
                ("ends_on", &ends.to_string()),
            ],
        )
        .await;
        let id = created_id(&made, "contracts");
        let label = crate::admin_support::record(&app, "contracts", id)
            .await
            .expect("contract")
            .label;
        assert_eq!(
            label,
            format!(
                "Contract for {title} from {}",
                views::format::short_date(starts)
            )
        );
    }
}
both_backends!(contracts_are_named_with_the_house_date_format);
