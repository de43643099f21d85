//! Undo of a staff delete: the row and everything its delete cascaded to (a series' episodes
//! and their schedules, releases, genres, reviews and figures) come back exactly as they were,
//! in one transaction, audited as a restore; only for the one who deleted, only once, only
//! for a short while.

use sea_query::{Expr, Order, Query};
use streamvault::db::dynrow::NamedRow;
use streamvault::db::schema::{
    AuditLog, Contracts, Episodes, Feedback, Schedules, SeriesGenres, SeriesReleases, SeriesStats,
};

use crate::admin_support::{demo_app, htmx, record, rows_where, send, staff, version};
use crate::both_backends;
use crate::helpers::{Backend, TestApp};

/// Every row hanging off a series, whole and in a fixed order: what an Undo must give back.
async fn everything_of(app: &TestApp, series: i64) -> Vec<NamedRow> {
    let episodes = Query::select()
        .column(Episodes::Id)
        .from(Episodes::Table)
        .and_where(Expr::col(Episodes::SeriesId).eq(series))
        .to_owned();
    let queries = [
        Query::select()
            .column(sea_query::Asterisk)
            .from(streamvault::db::schema::Series::Table)
            .and_where(Expr::col(streamvault::db::schema::Series::Id).eq(series))
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(Episodes::Table)
            .and_where(Expr::col(Episodes::SeriesId).eq(series))
            .order_by(Episodes::Id, Order::Asc)
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(Schedules::Table)
            .and_where(Expr::col(Schedules::EpisodeId).in_subquery(episodes))
            .order_by(Schedules::Id, Order::Asc)
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(SeriesReleases::Table)
            .and_where(Expr::col(SeriesReleases::SeriesId).eq(series))
            .order_by(SeriesReleases::CountryId, Order::Asc)
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(SeriesGenres::Table)
            .and_where(Expr::col(SeriesGenres::SeriesId).eq(series))
            .order_by(SeriesGenres::GenreId, Order::Asc)
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(Feedback::Table)
            .and_where(Expr::col(Feedback::SeriesId).eq(series))
            .order_by(Feedback::AccountId, Order::Asc)
            .to_owned(),
        Query::select()
            .column(sea_query::Asterisk)
            .from(SeriesStats::Table)
            .and_where(Expr::col(SeriesStats::SeriesId).eq(series))
            .to_owned(),
    ];
    let mut rows = Vec::new();
    for query in &queries {
        rows.extend(app.db().fetch_all::<NamedRow>(query).await.expect("rows"));
    }
    rows
}

/// The Undo token in a delete's answer (`name="token" value="N"`).
pub(crate) fn token_in(body: &str) -> String {
    let at = body
        .find(r#"name="token" value=""#)
        .expect("an Undo button");
    let rest = &body[at + r#"name="token" value=""#.len()..];
    rest[..rest.find('"').expect("end")].to_owned()
}

async fn a_deleted_series_comes_back_with_its_episodes(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let other = staff(&app, "sam").await;
    // A series without contracts (those refuse the delete), with episodes and schedules.
    let mut series = 0;
    for id in 1..=40 {
        if rows_where(&app, Contracts::Table, Contracts::SeriesId, id).await == 0
            && rows_where(&app, Episodes::Table, Episodes::SeriesId, id).await > 0
        {
            series = id;
            break;
        }
    }
    assert!(series > 0, "a demo series without contracts");
    let before = everything_of(&app, series).await;
    assert!(before.len() > 3, "{before:?}");
    let label = record(&app, "series", series).await.expect("series").label;

    let v = version(&app, "series", series).await;
    let path = format!("/admin/series/{series}");
    let gone = htmx(&admin, "DELETE", &path, &[("version", &v)]).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert!(
        gone.body.contains(&format!("Deleted series “{label}”")),
        "{}",
        gone.body
    );
    let token = token_in(&gone.body);
    assert_eq!(everything_of(&app, series).await.len(), 0, "all of it went");

    // Someone else cannot undo it, nor can the series table's Undo be aimed at another table.
    let theirs = htmx(&other, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(theirs.status, 409, "{}", theirs.body);
    let elsewhere = htmx(&admin, "POST", "/admin/genres/undo", &[("token", &token)]).await;
    assert_eq!(elsewhere.status, 409);
    let bad = htmx(&admin, "POST", "/admin/series/undo", &[("token", "x")]).await;
    assert_eq!(bad.status, 400);
    assert!(record(&app, "series", series).await.is_none());

    // The table comes back as the page asked for it (here: searched for the title).
    let back = format!("/admin/series?q={}", label.replace(' ', "+"));
    let undone = htmx(
        &admin,
        "POST",
        "/admin/series/undo",
        &[("token", &token), ("_return", &back)],
    )
    .await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert!(undone.body.contains("Restored series"), "{}", undone.body);
    assert!(
        undone.body.contains(&format!("series-row-{series}")),
        "the table shows it again"
    );
    assert_eq!(
        everything_of(&app, series).await,
        before,
        "exactly as it was"
    );
    assert_eq!(admin.get(&format!("/series/{series}")).await.status, 200);

    // Audited as a restore that names what came back with it.
    #[derive(sqlx::FromRow)]
    struct Entry {
        action: String,
        detail: String,
    }
    let last = Query::select()
        .columns([AuditLog::Action, AuditLog::Detail])
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::Entity).eq("series"))
        .and_where(Expr::col(AuditLog::EntityId).eq(series.to_string()))
        .order_by(AuditLog::Id, Order::Desc)
        .limit(1)
        .to_owned();
    let entry = app
        .db()
        .fetch_optional::<Entry>(&last)
        .await
        .expect("audit")
        .expect("an entry");
    assert_eq!(entry.action, "restore");
    assert!(entry.detail.contains("episodes"), "{}", entry.detail);

    // Only once.
    let again = htmx(&admin, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(again.status, 409);

    // And only for a while.
    let v = version(&app, "series", series).await;
    let gone = htmx(&admin, "DELETE", &path, &[("version", &v)]).await;
    assert_eq!(gone.status, 200);
    let token = token_in(&gone.body);
    app.clock.advance(chrono::Duration::seconds(
        streamvault::admin::crud::UNDO_WINDOW_SECONDS + 1,
    ));
    let late = htmx(&admin, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("Too late"), "{}", late.body);
    assert!(record(&app, "series", series).await.is_none());
}
both_backends!(a_deleted_series_comes_back_with_its_episodes);

/// A series without contracts (those refuse the delete) that has episodes.
async fn deletable_series(app: &TestApp, skip: &[i64]) -> i64 {
    for id in 1..=40 {
        if !skip.contains(&id)
            && rows_where(app, Contracts::Table, Contracts::SeriesId, id).await == 0
            && rows_where(app, Episodes::Table, Episodes::SeriesId, id).await > 0
        {
            return id;
        }
    }
    panic!("a demo series without contracts");
}

/// As maud writes text into a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Without JavaScript a delete is a form post and a redirect: the page it lands on says what
/// went and offers the same Undo, once.
async fn a_plain_delete_says_what_went_and_offers_undo(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let series = deletable_series(&app, &[]).await;
    let before = everything_of(&app, series).await;
    let label = record(&app, "series", series).await.expect("series").label;
    let v = version(&app, "series", series).await;
    let back = "/admin/series?sort=-title";
    let path = format!("/admin/series/{series}");
    let gone = send(
        &admin,
        "POST",
        &path,
        &[
            ("_method", "DELETE"),
            ("version", &v),
            ("confirm", "yes"),
            ("_return", back),
        ],
        false,
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(gone.location(), Some(back));
    assert!(record(&app, "series", series).await.is_none());

    let page = admin.get(back).await;
    assert_eq!(page.status, 200);
    let message = format!("Deleted series “{}”.", escaped(&label));
    assert!(page.body.contains(&message), "{}", page.body);
    assert!(
        page.body
            .contains(r#"<form class="undo-form" method="post" action="/admin/series/undo""#),
        "{}",
        page.body
    );
    let token = token_in(&page.body);
    // Shown once: the next page is quiet.
    let again = admin.get(back).await;
    assert!(!again.body.contains(&message), "a one-shot message");

    // The Undo works as a plain form too, and leads back to the table.
    let undone = send(
        &admin,
        "POST",
        "/admin/series/undo",
        &[("token", &token), ("_return", back)],
        false,
    )
    .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert_eq!(undone.location(), Some(back));
    assert_eq!(
        everything_of(&app, series).await,
        before,
        "all of it is back"
    );

    // Accounts get the message without an Undo, and only on their own table.
    let zed = crate::helpers::create_account(&app, "zed", streamvault::auth::Role::Customer).await;
    let label = record(&app, "customers", zed)
        .await
        .expect("customer")
        .label;
    let v = version(&app, "customers", zed).await;
    let gone = send(
        &admin,
        "POST",
        &format!("/admin/customers/{zed}"),
        &[("_method", "DELETE"), ("version", &v), ("confirm", "yes")],
        false,
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    let to = gone.location().expect("a redirect").to_owned();
    assert!(to.starts_with("/admin/customers"), "{to}");
    let page = admin.get(&to).await;
    assert!(
        page.body
            .contains(&format!("Deleted customer “{}”.", escaped(&label))),
        "{}",
        page.body
    );
    assert!(!page.body.contains("undo-form"), "no Undo for accounts");
}
both_backends!(a_plain_delete_says_what_went_and_offers_undo);

/// The ids of a series' episodes, in order.
async fn episode_ids(app: &TestApp, series: i64) -> Vec<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let query = Query::select()
        .column(Episodes::Id)
        .from(Episodes::Table)
        .and_where(Expr::col(Episodes::SeriesId).eq(series))
        .order_by(Episodes::Id, Order::Asc)
        .to_owned();
    app.db()
        .fetch_all::<Id>(&query)
        .await
        .expect("episodes")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// The newest audit entry about one row: (action, detail).
async fn last_entry(app: &TestApp, entity: &str, id: i64) -> (String, String) {
    #[derive(sqlx::FromRow)]
    struct Entry {
        action: String,
        detail: String,
    }
    let last = Query::select()
        .columns([AuditLog::Action, AuditLog::Detail])
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::Entity).eq(entity))
        .and_where(Expr::col(AuditLog::EntityId).eq(id.to_string()))
        .order_by(AuditLog::Id, Order::Desc)
        .limit(1)
        .to_owned();
    let entry = app
        .db()
        .fetch_optional::<Entry>(&last)
        .await
        .expect("audit")
        .expect("an entry");
    (entry.action, entry.detail)
}

/// "Delete selected" offers one Undo that brings back every row it deleted, each with what
/// its delete cascaded to, in one transaction; with JavaScript or without.
async fn a_bulk_delete_is_undone_as_a_whole(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    let first = deletable_series(&app, &[]).await;
    let second = deletable_series(&app, &[first]).await;
    let before = [
        everything_of(&app, first).await,
        everything_of(&app, second).await,
    ];
    let selected = [
        format!("{first}:{}", version(&app, "series", first).await),
        format!("{second}:{}", version(&app, "series", second).await),
    ];
    let gone = htmx(
        &admin,
        "POST",
        "/admin/series/bulk-delete",
        &[
            ("selected", &selected[0]),
            ("selected", &selected[1]),
            ("_return", "/admin/series"),
        ],
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert!(gone.body.contains("Deleted 2 rows."), "{}", gone.body);
    let token = token_in(&gone.body);
    assert!(record(&app, "series", first).await.is_none());
    assert_eq!(everything_of(&app, second).await.len(), 0);

    // Someone else's Undo, or another table's, restores nothing.
    let other = staff(&app, "sam").await;
    let theirs = htmx(&other, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(theirs.status, 409);
    let undone = htmx(&admin, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert!(undone.body.contains("Restored 2 rows"), "{}", undone.body);
    assert_eq!(
        everything_of(&app, first).await,
        before[0],
        "exactly as it was"
    );
    assert_eq!(
        everything_of(&app, second).await,
        before[1],
        "exactly as it was"
    );
    // One restore entry per row, each counting its own episodes.
    for series in [first, second] {
        let (action, detail) = last_entry(&app, "series", series).await;
        assert_eq!(action, "restore");
        let episodes = episode_ids(&app, series).await.len();
        assert!(
            detail.contains(&format!(
                r#"{{"field":"episodes","before":null,"after":"{episodes}"}}"#
            )),
            "{detail}"
        );
    }
    let again = htmx(&admin, "POST", "/admin/series/undo", &[("token", &token)]).await;
    assert_eq!(again.status, 409, "only once");

    // Without JavaScript: a series' episodes (with their schedules), and the series' figures.
    let before = everything_of(&app, first).await;
    let episodes = episode_ids(&app, first).await;
    assert!(episodes.len() >= 2, "{episodes:?}");
    let mut fields = Vec::new();
    for id in &episodes[..2] {
        fields.push((
            "selected",
            format!("{id}:{}", version(&app, "episodes", *id).await),
        ));
    }
    fields.push(("confirm", "yes".to_owned()));
    let back = format!("/admin/episodes?series_id={first}");
    fields.push(("_return", back.clone()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let gone = send(
        &admin,
        "POST",
        "/admin/episodes/bulk-delete",
        &fields,
        false,
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(gone.location(), Some(back.as_str()));
    assert_ne!(
        everything_of(&app, first).await,
        before,
        "the figures moved"
    );
    let page = admin.get(&back).await;
    assert!(page.body.contains("Deleted 2 rows."), "{}", page.body);
    let token = token_in(&page.body);
    let undone = send(
        &admin,
        "POST",
        "/admin/episodes/undo",
        &[("token", &token), ("_return", &back)],
        false,
    )
    .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert_eq!(
        everything_of(&app, first).await,
        before,
        "episodes, schedules and the series' figures as they were"
    );
}
both_backends!(a_bulk_delete_is_undone_as_a_whole);
