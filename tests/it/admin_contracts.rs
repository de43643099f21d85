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
