//! Money in the staff tables: typed, shown and checked in dollars and cents under the field
//! name without `_cents`, stored as integer cents; the `…_cents` field still takes whole
//! cents for scripts.

use crate::admin_support::{audit_entries, created_id, demo_app, htmx, staff, stored, version};
use crate::both_backends;
use crate::helpers::Backend;

async fn contract_charges_are_typed_and_shown_in_dollars(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;

    let table = admin.get("/admin/contracts").await;
    assert_eq!(table.status, 200);
    assert!(table.body.contains("Per-episode charge ($)"), "the heading");
    assert!(!table.body.contains("(cents)") && !table.body.contains("(CENTS)"));
    assert!(
        table.body.contains("name=\"per_episode_charge\""),
        "the input"
    );

    let created = htmx(
        &admin,
        "POST",
        "/admin/contracts",
        &[
            ("series_id", "1"),
            ("per_episode_charge", "1,975.00"),
            ("starts_on", "2031-01-01"),
            ("ends_on", "2032-01-01"),
        ],
    )
    .await;
    let id = created_id(&created, "contracts");
    let charge =
        |app| async move { stored(app, "contracts", id, "per_episode_charge_cents").await };
    assert_eq!(charge(&app).await, "197500", "stored as integer cents");
    assert!(created.body.contains(">1,975.00<"), "the cell in dollars");

    let edit = htmx(&admin, "GET", &format!("/admin/contracts/{id}/edit"), &[]).await;
    assert!(
        edit.body.contains("value=\"1975.00\""),
        "the input in dollars"
    );

    for (typed, cents) in [
        ("$1975", "197500"),
        ("19.75", "1975"),
        (" 12.5 ", "1250"),
        ("10,000,000.00", "1000000000"),
    ] {
        let v = version(&app, "contracts", id).await;
        let page = htmx(
            &admin,
            "PUT",
            &format!("/admin/contracts/{id}"),
            &[("per_episode_charge", typed), ("version", &v)],
        )
        .await;
        assert_eq!(page.status, 200, "{typed}: {}", page.body);
        assert_eq!(charge(&app).await, cents, "{typed}");
    }

    // Scripts send whole cents under the column's own name.
    let v = version(&app, "contracts", id).await;
    let page = htmx(
        &admin,
        "PUT",
        &format!("/admin/contracts/{id}"),
        &[("per_episode_charge_cents", "250000"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(charge(&app).await, "250000");
    assert!(page.body.contains(">2,500.00<"));

    let before = audit_entries(&app).await;
    for (field, typed, message) in [
        ("per_episode_charge", "19.999", "two decimals"),
        ("per_episode_charge", "-5", "above zero"),
        ("per_episode_charge", "0", "above zero"),
        ("per_episode_charge", "0.00", "above zero"),
        (
            "per_episode_charge",
            "10,000,000.01",
            "at most 10,000,000.00",
        ),
        ("per_episode_charge", "99999999999999999999999", "at most"),
        ("per_episode_charge", "lots", "in dollars"),
        ("per_episode_charge", "19,75", "groups of three"),
        ("per_episode_charge", "", "fill this in"),
        ("per_episode_charge_cents", "19.99", "whole cents"),
        ("per_episode_charge_cents", "0", "above zero"),
        ("per_episode_charge_cents", "1000000001", "at most"),
    ] {
        let v = version(&app, "contracts", id).await;
        let page = htmx(
            &admin,
            "PUT",
            &format!("/admin/contracts/{id}"),
            &[(field, typed), ("version", &v)],
        )
        .await;
        assert_eq!(page.status, 422, "{field}={typed}");
        assert!(
            page.body.contains(message),
            "{field}={typed}: {}",
            page.body
        );
        assert!(
            page.body.contains("-per_episode_charge-error"),
            "{field}={typed}: the message is beside the dollars field"
        );
        assert_eq!(charge(&app).await, "250000", "{field}={typed}: unchanged");
    }
    // A refused create writes nothing either.
    let refused = htmx(
        &admin,
        "POST",
        "/admin/contracts",
        &[
            ("series_id", "1"),
            ("per_episode_charge", "-1,975.00"),
            ("starts_on", "2031-01-01"),
            ("ends_on", "2032-01-01"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(audit_entries(&app).await, before, "nothing written");

    // The row's history reads in dollars under the column's label.
    let history = admin.get(&format!("/admin/contracts/{id}/history")).await;
    assert_eq!(history.status, 200);
    assert!(history.body.contains("Per-episode charge ($)"));
    assert!(history.body.contains(">2,500.00<"), "{}", history.body);

    // The table sorts under the dollars name too.
    let sorted = admin.get("/admin/contracts?sort=-per_episode_charge").await;
    assert_eq!(sorted.status, 200);
    assert!(sorted.body.contains("aria-sort=\"descending\""));
}
both_backends!(contract_charges_are_typed_and_shown_in_dollars);

async fn subscriptions_are_typed_in_dollars_and_may_be_free(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let created = htmx(
        &admin,
        "POST",
        "/admin/customers",
        &[
            ("username", "mona"),
            ("email", "mona@example.com"),
            ("password", "a long viewer password"),
            ("first_name", "Mona"),
            ("last_name", "Lumière"),
            ("country_id", ""),
            ("monthly_subscription", "$12.99"),
        ],
    )
    .await;
    let id = created_id(&created, "customers");
    assert_eq!(
        stored(&app, "customers", id, "monthly_subscription_cents").await,
        "1299"
    );
    assert!(created.body.contains(">12.99<"));
    let table = admin.get("/admin/customers").await;
    assert!(table.body.contains("Monthly subscription ($)"));

    let v = version(&app, "customers", id).await;
    let free = htmx(
        &admin,
        "PUT",
        &format!("/admin/customers/{id}"),
        &[("monthly_subscription", "0"), ("version", &v)],
    )
    .await;
    assert_eq!(free.status, 200, "{}", free.body);
    assert_eq!(
        stored(&app, "customers", id, "monthly_subscription_cents").await,
        "0"
    );
    let v = version(&app, "customers", id).await;
    let negative = htmx(
        &admin,
        "PUT",
        &format!("/admin/customers/{id}"),
        &[("monthly_subscription", "-0.01"), ("version", &v)],
    )
    .await;
    assert_eq!(negative.status, 422);
    assert!(negative.body.contains("zero or more"));
    assert!(
        negative.body.contains("value=\"-0.01\""),
        "what was typed is shown again"
    );
}
both_backends!(subscriptions_are_typed_in_dollars_and_may_be_free);
