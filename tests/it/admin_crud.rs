//! Staff tables end to end: create, read, edit, update and delete every entity through its
//! routes; 422 for each kind of invalid input; 409 on stale versions with the row unchanged;
//! deletes that cascade or are refused; bulk delete; public pages that follow at once.

use streamvault::admin::entities;
use streamvault::db::schema::{
    Contracts, Episodes, Feedback, Schedules, SeriesGenres, SeriesReleases, SeriesStats,
};

use crate::admin_support::{
    audit_entries, created_id, demo_app, htmx, record, rows_where, send, staff, stored, version,
};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

/// (entity, fields to create it, a field to change and its new value).
struct Case {
    slug: &'static str,
    create: Vec<(&'static str, String)>,
    change: (&'static str, &'static str),
}

async fn every_entity_can_be_created_read_updated_and_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let mut ids: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let id_of = |ids: &std::collections::HashMap<&str, i64>, slug: &str| ids[slug].to_string();

    let mut cases = vec![
        Case {
            slug: "genres",
            create: vec![("name", "Noir".into())],
            change: ("name", "Neo-noir"),
        },
        Case {
            slug: "languages",
            create: vec![("name", "Basque".into())],
            change: ("name", "Euskara"),
        },
        Case {
            slug: "countries",
            create: vec![("name", "Iceland".into()), ("region", "Europe".into())],
            change: ("region", "Nordics"),
        },
        Case {
            slug: "production-houses",
            create: vec![
                ("name", "Fjord Films".into()),
                ("street", "1 Harbour Road".into()),
                ("city", "Reykjavik".into()),
                ("state", "Capital".into()),
                ("postal_code", "101".into()),
                ("country", "Iceland".into()),
                ("year_established", "1999".into()),
            ],
            change: ("year_established", "2001"),
        },
        Case {
            slug: "producers",
            create: vec![
                ("first_name", "Sigrid".into()),
                ("middle_name", "".into()),
                ("last_name", "Berg".into()),
                ("street", "2 Harbour Road".into()),
                ("city", "Reykjavik".into()),
                ("state", "Capital".into()),
                ("postal_code", "101".into()),
                ("country", "Iceland".into()),
                ("phone", "+354 555 0100".into()),
                ("email", "Sigrid@Example.com".into()),
            ],
            change: ("phone", "+354 555 0199"),
        },
    ];
    for case in cases.drain(..) {
        run_case(&app, &admin, &case, &mut ids).await;
    }
    let later = vec![
        Case {
            slug: "alliances",
            create: vec![
                ("producer_id", id_of(&ids, "producers")),
                ("production_house_id", id_of(&ids, "production-houses")),
                ("started_on", "2020-01-01".into()),
                ("ended_on", "".into()),
            ],
            change: ("ended_on", "2024-06-30"),
        },
        Case {
            slug: "series",
            create: vec![
                ("title", "Northern Tide".into()),
                ("planned_episodes", "8".into()),
                ("language_id", id_of(&ids, "languages")),
                ("release_date", "2024-03-01".into()),
                ("origin_country_id", id_of(&ids, "countries")),
                ("production_house_id", id_of(&ids, "production-houses")),
                ("poster_url", "https://example.com/poster.jpg".into()),
            ],
            change: ("title", "Northern Tides"),
        },
    ];
    for case in later {
        run_case(&app, &admin, &case, &mut ids).await;
    }
    let series_children = vec![
        Case {
            slug: "episodes",
            create: vec![
                ("series_id", id_of(&ids, "series")),
                ("number", "1".into()),
                ("title", "Landfall".into()),
                ("total_viewers", "1200".into()),
                ("tech_interrupt", "false".into()),
            ],
            change: ("total_viewers", "1500"),
        },
        Case {
            slug: "contracts",
            create: vec![
                ("series_id", id_of(&ids, "series")),
                ("per_episode_charge_cents", "250000".into()),
                ("starts_on", "2024-01-01".into()),
                ("ends_on", "2025-01-01".into()),
            ],
            change: ("per_episode_charge_cents", "275000"),
        },
    ];
    for case in series_children {
        run_case(&app, &admin, &case, &mut ids).await;
    }
    let rest = vec![
        Case {
            slug: "schedules",
            create: vec![
                ("episode_id", id_of(&ids, "episodes")),
                ("starts_on", "2024-04-01".into()),
                ("ends_on", "2024-04-30".into()),
            ],
            change: ("ends_on", "2024-05-31"),
        },
        Case {
            slug: "employees",
            create: vec![
                ("username", "Nora".into()),
                ("email", "nora@example.com".into()),
                ("password", "a long staff password".into()),
                ("first_name", "Nora".into()),
                ("last_name", "Lind".into()),
                ("country_id", id_of(&ids, "countries")),
            ],
            change: ("last_name", "Lindqvist"),
        },
        Case {
            slug: "customers",
            create: vec![
                ("username", "viewer1".into()),
                ("email", "viewer1@example.com".into()),
                ("password", "a long viewer password".into()),
                ("first_name", "Vera".into()),
                ("last_name", "Viewer".into()),
                ("country_id", "".into()),
                ("monthly_subscription_cents", "1299".into()),
            ],
            change: ("monthly_subscription_cents", "1499"),
        },
    ];
    for case in rest {
        run_case(&app, &admin, &case, &mut ids).await;
    }
    assert_eq!(
        stored(&app, "producers", ids["producers"], "email").await,
        "sigrid@example.com"
    );
    assert_eq!(
        stored(&app, "employees", ids["employees"], "username").await,
        "nora"
    );

    // The series' figures followed the episode: 1,500 viewers in one episode.
    let series = ids["series"];
    let page = admin.get(&format!("/series/{series}")).await;
    assert!(
        page.body.contains("1,500"),
        "public page shows the new viewers"
    );

    // Deleting, children first (a series with contracts is refused: see below).
    for slug in [
        "schedules",
        "contracts",
        "episodes",
        "series",
        "alliances",
        "producers",
        "production-houses",
        "employees",
        "customers",
        "genres",
        "languages",
        "countries",
    ] {
        let id = ids[slug];
        let v = version(&app, slug, id).await;
        let gone = htmx(
            &admin,
            "DELETE",
            &format!("/admin/{slug}/{id}"),
            &[("version", &v)],
        )
        .await;
        assert_eq!(gone.status, 200, "delete {slug}: {}", gone.body);
        assert!(
            record(&app, slug, id).await.is_none(),
            "{slug} {id} deleted"
        );
        let missing = htmx(&admin, "GET", &format!("/admin/{slug}/{id}"), &[]).await;
        assert_eq!(missing.status, 404, "{slug}");
    }
}
both_backends!(every_entity_can_be_created_read_updated_and_deleted);

async fn run_case(
    app: &crate::helpers::TestApp,
    admin: &crate::helpers::Client,
    case: &Case,
    ids: &mut std::collections::HashMap<&'static str, i64>,
) {
    let slug = case.slug;
    let fields: Vec<(&str, &str)> = case.create.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = htmx(admin, "POST", &format!("/admin/{slug}"), &fields).await;
    let id = created_id(&created, slug);
    assert!(
        created.body.contains(&format!("id=\"{slug}-new\"")),
        "{slug}: a fresh new row comes with the created one"
    );
    ids.insert(slug, id);

    let row = htmx(admin, "GET", &format!("/admin/{slug}/{id}"), &[]).await;
    assert_eq!(row.status, 200, "{slug} row");
    assert!(!row.body.contains("<html"), "{slug}: a fragment for htmx");
    let page = admin.get(&format!("/admin/{slug}/{id}")).await;
    assert_eq!(page.status, 200, "{slug} page");
    assert!(page.body.contains("<html"));
    let edit = htmx(admin, "GET", &format!("/admin/{slug}/{id}/edit"), &[]).await;
    assert_eq!(edit.status, 200, "{slug} edit");
    assert!(edit.body.contains("hx-put"), "{slug}: an edit form");
    assert!(!edit.body.contains("password_hash") && !edit.body.contains("$2b$"));

    let v = version(app, slug, id).await;
    let (field, value) = case.change;
    let updated = htmx(
        admin,
        "PUT",
        &format!("/admin/{slug}/{id}"),
        &[(field, value), ("version", &v)],
    )
    .await;
    assert_eq!(updated.status, 200, "{slug} update: {}", updated.body);
    assert_eq!(stored(app, slug, id, field).await, value, "{slug}.{field}");
    assert_eq!(
        version(app, slug, id).await,
        (v.parse::<i64>().expect("version") + 1).to_string()
    );
    let list = admin.get(&format!("/admin/{slug}")).await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains(&format!("id=\"{slug}-row-{id}\"")),
        "{slug} listed"
    );
}

async fn invalid_input_is_refused_with_messages_beside_the_fields(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let before = audit_entries(&app).await;
    let good: Vec<(&str, &str)> = vec![
        ("title", "A Good Title"),
        ("planned_episodes", "10"),
        ("language_id", "1"),
        ("release_date", "2024-01-01"),
        ("origin_country_id", "1"),
        ("production_house_id", "1"),
    ];
    let with = |field: &'static str, value: &'static str| {
        let mut fields = good.clone();
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        fields
    };
    let long_title = "x".repeat(201);
    let long: &'static str = Box::leak(long_title.into_boxed_str());
    for (what, fields, field, message) in [
        ("empty", with("title", "  "), "title", "Please fill this in"),
        ("too long", with("title", long), "title", "at most 200"),
        (
            "bad number",
            with("planned_episodes", "ten"),
            "planned_episodes",
            "whole number",
        ),
        (
            "out of range",
            with("planned_episodes", "0"),
            "planned_episodes",
            "from 1",
        ),
        (
            "bad date",
            with("release_date", "2024-02-30"),
            "release_date",
            "YYYY-MM-DD",
        ),
        (
            "unknown reference",
            with("language_id", "999999"),
            "language_id",
            "does not exist",
        ),
        (
            "not a reference",
            with("origin_country_id", "1 OR 1=1"),
            "origin_country_id",
            "Choose",
        ),
        (
            "bad url",
            with("poster_url", "javascript:alert(1)"),
            "poster_url",
            "https://",
        ),
    ] {
        let page = htmx(&admin, "POST", "/admin/series", &fields).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        assert!(
            page.body.contains(message),
            "{what}: {message} in {}",
            page.body
        );
        assert!(page.body.contains("field-error"), "{what}");
        assert!(
            page.body.contains(&format!("id=\"series-new-{field}\"")),
            "{what}"
        );
        assert!(!page.body.contains("<html"), "{what}: the row, not a page");
    }
    // What was typed is shown again.
    let page = htmx(
        &admin,
        "POST",
        "/admin/series",
        &with("planned_episodes", "ten"),
    )
    .await;
    assert!(page.body.contains("value=\"ten\""));
    assert!(page.body.contains("value=\"A Good Title\""));

    // End before start; duplicates (case-insensitive, on both backends).
    let schedule = htmx(
        &admin,
        "POST",
        "/admin/schedules",
        &[
            ("episode_id", "1"),
            ("starts_on", "2024-05-02"),
            ("ends_on", "2024-05-01"),
        ],
    )
    .await;
    assert_eq!(schedule.status, 422);
    assert!(schedule.body.contains("The end must be after the start"));
    let duplicate = htmx(&admin, "POST", "/admin/genres", &[("name", "drama")]).await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate.body.contains("This genre already exists"));
    let episode = htmx(
        &admin,
        "POST",
        "/admin/episodes",
        &[
            ("series_id", "1"),
            ("number", "1"),
            ("title", "Again"),
            ("total_viewers", "0"),
        ],
    )
    .await;
    assert_eq!(episode.status, 422);
    assert!(episode
        .body
        .contains("already has an episode with this number"));
    let money = htmx(
        &admin,
        "POST",
        "/admin/contracts",
        &[
            ("series_id", "1"),
            ("per_episode_charge_cents", "19.99"),
            ("starts_on", "2024-01-01"),
            ("ends_on", "2025-01-01"),
        ],
    )
    .await;
    assert_eq!(money.status, 422);
    assert!(money.body.contains("whole cents"));

    // An update keeps the row in edit mode with what was typed.
    let v = version(&app, "series", 1).await;
    let title = stored(&app, "series", 1, "title").await;
    let page = htmx(
        &admin,
        "PUT",
        "/admin/series/1",
        &[("title", ""), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("hx-put") && page.body.contains("Please fill this in"));
    assert_eq!(
        stored(&app, "series", 1, "title").await,
        title,
        "nothing written"
    );
    // A missing or malformed version is refused, never a silent overwrite.
    let page = htmx(&admin, "PUT", "/admin/series/1", &[("title", "Sneaky")]).await;
    assert_eq!(page.status, 422);
    let page = htmx(
        &admin,
        "PUT",
        "/admin/series/1",
        &[("title", "Sneaky"), ("version", "x")],
    )
    .await;
    assert_eq!(page.status, 422);
    let page = htmx(&admin, "DELETE", "/admin/series/1", &[]).await;
    assert_eq!(page.status, 422);
    assert_eq!(stored(&app, "series", 1, "title").await, title);
    // Duplicated fields and unknown ids.
    let page = htmx(
        &admin,
        "PUT",
        "/admin/series/1",
        &[("title", "A"), ("title", "B"), ("version", &v)],
    )
    .await;
    assert_eq!(page.status, 400);
    for path in [
        "/admin/series/999999",
        "/admin/series/abc",
        "/admin/series/-1/edit",
    ] {
        assert_eq!(htmx(&admin, "GET", path, &[]).await.status, 404, "{path}");
    }
    assert_eq!(
        audit_entries(&app).await,
        before,
        "refused changes leave no audit entry"
    );
}
both_backends!(invalid_input_is_refused_with_messages_beside_the_fields);

async fn a_stale_version_is_a_conflict_and_changes_nothing(backend: Backend) {
    let app = demo_app(backend).await;
    let first = staff(&app, "erin").await;
    let second = staff(&app, "sam").await;
    let v = version(&app, "series", 2).await;
    // Both opened the same row; the first saves.
    let saved = htmx(
        &first,
        "PUT",
        "/admin/series/2",
        &[("title", "First Title"), ("version", &v)],
    )
    .await;
    assert_eq!(saved.status, 200);
    let audit = audit_entries(&app).await;
    // The second saves on the old version: 409, the current values, and nothing changes.
    let stale = htmx(
        &second,
        "PUT",
        "/admin/series/2",
        &[("title", "Second Title"), ("version", &v)],
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("Someone else changed this row"));
    assert!(
        stale.body.contains("value=\"First Title\""),
        "current values shown"
    );
    assert!(stale.body.contains("You typed: Second Title"));
    assert_eq!(stored(&app, "series", 2, "title").await, "First Title");
    assert_eq!(audit_entries(&app).await, audit);
    // Deleting on the old version is refused too.
    let delete = htmx(&second, "DELETE", "/admin/series/2", &[("version", &v)]).await;
    assert_eq!(delete.status, 409);
    assert!(record(&app, "series", 2).await.is_some());
    // Saving again with the version the conflict showed works.
    let fresh = version(&app, "series", 2).await;
    assert!(stale
        .body
        .contains(&format!("name=\"version\" value=\"{fresh}\"")));
    let retry = htmx(
        &second,
        "PUT",
        "/admin/series/2",
        &[("title", "Second Title"), ("version", &fresh)],
    )
    .await;
    assert_eq!(retry.status, 200);
    assert_eq!(stored(&app, "series", 2, "title").await, "Second Title");
}
both_backends!(a_stale_version_is_a_conflict_and_changes_nothing);

async fn deletes_cascade_or_are_refused_and_leave_nothing_dangling(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    // A series with contracts is refused: they are business records.
    let series = 1;
    assert!(rows_where(&app, Contracts::Table, Contracts::SeriesId, series).await > 0);
    let v = version(&app, "series", series).await;
    let refused = htmx(
        &admin,
        "DELETE",
        &format!("/admin/series/{series}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("contracts"));
    assert!(record(&app, "series", series).await.is_some());

    // Without its contracts it goes, with everything that hangs off it.
    for (id, _) in contracts_of(&app, series).await {
        let v = version(&app, "contracts", id).await;
        let gone = htmx(
            &admin,
            "DELETE",
            &format!("/admin/contracts/{id}"),
            &[("version", &v)],
        )
        .await;
        assert_eq!(gone.status, 200);
    }
    let episodes = rows_where(&app, Episodes::Table, Episodes::SeriesId, series).await;
    assert!(episodes > 0, "the demo series has episodes");
    assert!(
        rows_where(&app, Feedback::Table, Feedback::SeriesId, series).await > 0 || episodes > 0
    );
    let v = version(&app, "series", series).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/series/{series}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert!(!gone.body.contains("<tr"), "the row is swapped for nothing");
    assert!(gone.body.contains("Deleted series"), "{}", gone.body);
    for (label, n) in [
        (
            "episodes",
            rows_where(&app, Episodes::Table, Episodes::SeriesId, series).await,
        ),
        (
            "releases",
            rows_where(
                &app,
                SeriesReleases::Table,
                SeriesReleases::SeriesId,
                series,
            )
            .await,
        ),
        (
            "genres",
            rows_where(&app, SeriesGenres::Table, SeriesGenres::SeriesId, series).await,
        ),
        (
            "feedback",
            rows_where(&app, Feedback::Table, Feedback::SeriesId, series).await,
        ),
        (
            "stats",
            rows_where(&app, SeriesStats::Table, SeriesStats::SeriesId, series).await,
        ),
    ] {
        assert_eq!(n, 0, "{label} left behind");
    }
    // No schedule points at an episode that is gone.
    let orphans = orphan_schedules(&app).await;
    assert_eq!(orphans, 0);
    assert_eq!(admin.get(&format!("/series/{series}")).await.status, 404);
    // The audit entry counts what went with it.
    let audit = admin.get("/admin/audit?entity=series").await;
    assert!(audit.body.contains("episodes"), "{}", audit.body);

    // A production house that still produces series is refused; a genre in use is removed
    // from its series.
    let v = version(&app, "production-houses", 2).await;
    let refused = htmx(
        &admin,
        "DELETE",
        "/admin/production-houses/2",
        &[("version", &v)],
    )
    .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("still produces series"));
    let tagged = rows_where(&app, SeriesGenres::Table, SeriesGenres::GenreId, 1).await;
    assert!(tagged > 0);
    let v = version(&app, "genres", 1).await;
    let gone = htmx(&admin, "DELETE", "/admin/genres/1", &[("version", &v)]).await;
    assert_eq!(gone.status, 200);
    assert_eq!(
        rows_where(&app, SeriesGenres::Table, SeriesGenres::GenreId, 1).await,
        0
    );
}
both_backends!(deletes_cascade_or_are_refused_and_leave_nothing_dangling);

async fn contracts_of(app: &crate::helpers::TestApp, series: i64) -> Vec<(i64, i64)> {
    let def = entities::find("contracts").expect("contracts");
    let (index, _) = def.column("series_id").expect("fk");
    let query = streamvault::admin::crud::ListQuery {
        q: String::new(),
        sort: streamvault::admin::crud::Sort::parse(def, None).expect("sort"),
        filters: vec![(index, streamvault::admin::values::Value::Int(series))],
        ranges: Vec::new(),
        page: streamvault::db::page::Page {
            number: 1,
            size: 100,
        },
    };
    streamvault::admin::crud::list(app.db(), def, &query)
        .await
        .expect("list")
        .records
        .into_iter()
        .map(|r| (r.id, r.version))
        .collect()
}

async fn orphan_schedules(app: &crate::helpers::TestApp) -> i64 {
    use sea_query::{Expr, Func, Query};
    use streamvault::db::schema::Computed;
    let episodes = Query::select()
        .column(Episodes::Id)
        .from(Episodes::Table)
        .to_owned();
    let query = Query::select()
        .expr_as(Func::count(Expr::col(Schedules::Id)), Computed::Count)
        .from(Schedules::Table)
        .and_where(Expr::col(Schedules::EpisodeId).not_in_subquery(episodes))
        .to_owned();
    crate::admin_support::count(app, &query).await
}

async fn bulk_delete_removes_all_selected_rows_or_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let mut ids = Vec::new();
    for name in ["One", "Two", "Three"] {
        let page = htmx(&admin, "POST", "/admin/genres", &[("name", name)]).await;
        ids.push(created_id(&page, "genres"));
    }
    let selected = |id: i64, v: &str| format!("{id}:{v}");
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let va = version(&app, "genres", a).await;
    let vb = version(&app, "genres", b).await;
    // One stale version: nothing is deleted.
    let stale = htmx(
        &admin,
        "POST",
        "/admin/genres/bulk-delete",
        &[
            ("selected", &selected(a, &va)),
            ("selected", &selected(b, "99")),
            ("_return", "/admin/genres"),
        ],
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("Nothing was deleted"));
    assert!(record(&app, "genres", a).await.is_some());
    // Both current: both go, the third stays; the table comes back with a message.
    let done = htmx(
        &admin,
        "POST",
        "/admin/genres/bulk-delete",
        &[
            ("selected", &selected(a, &va)),
            ("selected", &selected(b, &vb)),
            ("_return", "/admin/genres?q=T"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Deleted 2 rows"));
    assert!(done.body.contains("id=\"genres-table\""));
    assert!(record(&app, "genres", a).await.is_none());
    assert!(record(&app, "genres", b).await.is_none());
    assert!(record(&app, "genres", c).await.is_some());
    // Nothing selected; malformed selections.
    let none = htmx(&admin, "POST", "/admin/genres/bulk-delete", &[]).await;
    assert_eq!(none.status, 422);
    let bad = htmx(
        &admin,
        "POST",
        "/admin/genres/bulk-delete",
        &[("selected", "1;DROP")],
    )
    .await;
    assert_eq!(bad.status, 400);
    // Without JavaScript: a confirmation page first, then the delete and a redirect.
    let vc = version(&app, "genres", c).await;
    let ask = send(
        &admin,
        "POST",
        "/admin/genres/bulk-delete",
        &[("selected", &selected(c, &vc))],
        false,
    )
    .await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("Three") && ask.body.contains("name=\"confirm\""));
    assert!(record(&app, "genres", c).await.is_some());
    let confirmed = send(
        &admin,
        "POST",
        "/admin/genres/bulk-delete",
        &[
            ("selected", &selected(c, &vc)),
            ("confirm", "yes"),
            ("_return", "/admin/genres"),
        ],
        false,
    )
    .await;
    assert_eq!(confirmed.status, 303);
    assert_eq!(confirmed.location(), Some("/admin/genres"));
    assert!(record(&app, "genres", c).await.is_none());
}
both_backends!(bulk_delete_removes_all_selected_rows_or_none);

async fn plain_forms_work_without_javascript(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = staff(&app, "erin").await;
    let created = send(
        &admin,
        "POST",
        "/admin/genres",
        &[("name", "Western"), ("_return", "/admin/genres?q=W")],
        false,
    )
    .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.location(), Some("/admin/genres?q=W"));
    let list = admin.get("/admin/genres?q=Western").await;
    let id = created_id(&list, "genres");
    // A foreign `_return` is ignored.
    let v = version(&app, "genres", id).await;
    let updated = send(
        &admin,
        "POST",
        &format!("/admin/genres/{id}"),
        &[
            ("_method", "PUT"),
            ("name", "Westerns"),
            ("version", &v),
            ("_return", "https://evil.example/"),
        ],
        false,
    )
    .await;
    assert_eq!(updated.status, 303);
    assert_eq!(updated.location(), Some("/admin/genres"));
    assert_eq!(stored(&app, "genres", id, "name").await, "Westerns");
    // Invalid: the edit page again with messages (422).
    let v = version(&app, "genres", id).await;
    let invalid = send(
        &admin,
        "POST",
        &format!("/admin/genres/{id}"),
        &[("_method", "PUT"), ("name", ""), ("version", &v)],
        false,
    )
    .await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.body.contains("<html") && invalid.body.contains("Please fill this in"));
    // The edit page itself.
    let edit = admin.get(&format!("/admin/genres/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("name=\"_method\" value=\"PUT\""));
    // Delete asks first.
    let ask = send(
        &admin,
        "POST",
        &format!("/admin/genres/{id}"),
        &[("_method", "DELETE"), ("version", &v)],
        false,
    )
    .await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("name=\"confirm\""));
    assert!(record(&app, "genres", id).await.is_some());
    let gone = send(
        &admin,
        "POST",
        &format!("/admin/genres/{id}"),
        &[("_method", "DELETE"), ("version", &v), ("confirm", "yes")],
        false,
    )
    .await;
    assert_eq!(gone.status, 303);
    assert!(record(&app, "genres", id).await.is_none());
    let bogus = send(
        &admin,
        "POST",
        "/admin/genres/1",
        &[("_method", "PATCH")],
        false,
    )
    .await;
    assert_eq!(bogus.status, 400);
}
both_backends!(plain_forms_work_without_javascript);

async fn tables_search_sort_filter_and_page_within_bounds(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let page = admin.get("/admin/series?q=Mile%20Zero").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mile Zero"));
    assert!(page.body.contains("1 series"), "one match counted");
    let fragment = htmx(&admin, "GET", "/admin/series", &[("q", "Mile Zero")]).await;
    assert!(fragment.body.starts_with("<section") && !fragment.body.contains("<html"));
    // Sorted both ways by an allow-listed column.
    let up = admin.get("/admin/series?sort=title&per_page=100").await;
    let down = admin.get("/admin/series?sort=-title&per_page=100").await;
    let first_row = |body: &str| {
        let at = body.find("id=\"series-row-").expect("a row");
        body[at..at + 30].to_owned()
    };
    assert_ne!(first_row(&up.body), first_row(&down.body));
    // Episodes of one series, sorted by number.
    let episodes = admin.get("/admin/episodes?series_id=2&sort=-number").await;
    assert_eq!(episodes.status, 200);
    let count = episodes.body.matches("class=\"row").count();
    assert!(count > 0);
    assert!(
        episodes.body.contains("name=\"series_id\" value=\"2\"")
            || episodes.body.contains("option value=\"2\" selected")
    );
    // Paging within bounds; everything else is a 400, never a 500.
    for bad in [
        "/admin/series?per_page=101",
        "/admin/series?per_page=0",
        "/admin/series?page=0",
        "/admin/series?page=-1",
        "/admin/series?page=abc",
        "/admin/series?sort=bogus",
        "/admin/series?sort=title;DROP%20TABLE%20series",
        "/admin/series?sort=poster_url",
        "/admin/episodes?series_id=abc",
        "/admin/episodes?tech_interrupt=maybe",
    ] {
        let page = admin.get(bad).await;
        assert_eq!(page.status, 400, "{bad}");
    }
    let long = format!("/admin/series?q={}", "x".repeat(101));
    assert_eq!(admin.get(&long).await.status, 400);
    let beyond = admin.get("/admin/series?page=9999").await;
    assert_eq!(beyond.status, 200);
    // Long reference lists are searchable.
    let options = htmx(&admin, "GET", "/admin/series/options", &[("q", "Mile")]).await;
    assert_eq!(options.status, 200);
    assert!(options.body.contains("Mile Zero"));
}
both_backends!(tables_search_sort_filter_and_page_within_bounds);

async fn the_public_pages_follow_staff_changes_at_once(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let visitor = app.client();
    // Warm the caches.
    let title = stored(&app, "series", 3, "title").await;
    assert!(visitor.get("/series/3").await.body.contains(&title));
    assert!(visitor
        .get(&format!("/?q={}", title.replace(' ', "+")))
        .await
        .body
        .contains(&title));
    let v = version(&app, "series", 3).await;
    let saved = htmx(
        &admin,
        "PUT",
        "/admin/series/3",
        &[("title", "Renamed At Once"), ("version", &v)],
    )
    .await;
    assert_eq!(saved.status, 200);
    assert!(visitor
        .get("/series/3")
        .await
        .body
        .contains("Renamed At Once"));
    assert!(visitor
        .get("/?q=Renamed")
        .await
        .body
        .contains("Renamed At Once"));

    // Links: genres and releases.
    let genre = htmx(&admin, "POST", "/admin/genres", &[("name", "Heist")]).await;
    let genre = created_id(&genre, "genres");
    let linked = htmx(
        &admin,
        "POST",
        "/admin/series/3/links/genres",
        &[("target_id", &genre.to_string())],
    )
    .await;
    assert_eq!(linked.status, 200, "{}", linked.body);
    assert!(linked.body.contains("Heist"));
    assert!(visitor.get("/series/3").await.body.contains("Heist"));
    let released = htmx(
        &admin,
        "POST",
        "/admin/series/3/links/releases",
        &[("target_id", "16"), ("released_on", "2025-02-03")],
    )
    .await;
    assert_eq!(released.status, 200, "{}", released.body);
    assert!(visitor.get("/series/3").await.body.contains("Australia"));
    let bad = htmx(
        &admin,
        "POST",
        "/admin/series/3/links/releases",
        &[("target_id", "16"), ("released_on", "soon")],
    )
    .await;
    assert_eq!(bad.status, 422);
    let unlinked = htmx(
        &admin,
        "DELETE",
        &format!("/admin/series/3/links/genres/{genre}"),
        &[],
    )
    .await;
    assert_eq!(unlinked.status, 200);
    assert!(!visitor.get("/series/3").await.body.contains("Heist"));
    assert_eq!(
        htmx(
            &admin,
            "POST",
            "/admin/series/3/links/nope",
            &[("target_id", "1")]
        )
        .await
        .status,
        404
    );
}
both_backends!(the_public_pages_follow_staff_changes_at_once);

async fn episode_writes_keep_the_series_figures(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let viewers = |app: &crate::helpers::TestApp, series: i64| {
        let db = app.db().clone();
        async move {
            let page =
                streamvault::catalog::find_series(&mut db.reader().await.expect("reader"), series)
                    .await
                    .expect("series")
                    .expect("exists");
            page.total_viewers
        }
    };
    let (a, b) = (4, 5);
    let (before_a, before_b) = (viewers(&app, a).await, viewers(&app, b).await);
    let created = htmx(
        &admin,
        "POST",
        "/admin/episodes",
        &[
            ("series_id", &a.to_string()),
            ("number", "900"),
            ("title", "Bonus"),
            ("total_viewers", "1000"),
        ],
    )
    .await;
    let id = created_id(&created, "episodes");
    assert!(
        created
            .body
            .contains(&format!("<option value=\"{a}\" selected>")),
        "the next new row keeps the series"
    );
    assert_eq!(viewers(&app, a).await, before_a + 1000);
    let v = version(&app, "episodes", id).await;
    let moved = htmx(
        &admin,
        "PUT",
        &format!("/admin/episodes/{id}"),
        &[
            ("series_id", &b.to_string()),
            ("total_viewers", "2500"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(viewers(&app, a).await, before_a);
    assert_eq!(viewers(&app, b).await, before_b + 2500);
    let v = version(&app, "episodes", id).await;
    let gone = htmx(
        &admin,
        "DELETE",
        &format!("/admin/episodes/{id}"),
        &[("version", &v)],
    )
    .await;
    assert_eq!(gone.status, 200);
    assert_eq!(viewers(&app, b).await, before_b);
}
both_backends!(episode_writes_keep_the_series_figures);
