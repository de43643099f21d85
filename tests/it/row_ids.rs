//! A deleted row's id is never handed to a later row, on either database: SQLite's plain
//! INTEGER PRIMARY KEY gave a new row max(id) + 1, so deleting the newest genre or series let
//! the next one take its id (its Undo then refused, its history read as the new row's).

use crate::account_lifecycle::sqlite_migrated_before;
use crate::admin_support::{created_id, demo_app, htmx, record, staff, version};
use crate::admin_undo::token_in;
use crate::both_backends;
use crate::helpers::Backend;

/// The newest genre and the newest series are deleted, another is created in each table, and
/// the deleted ones still come back with their own ids through Undo.
async fn a_deleted_rows_id_is_never_handed_out_again(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, "erin").await;
    // Per table: a row to delete and a row created after it.
    let tables: [(&str, Fields, Fields); 2] = [
        (
            "genres",
            vec![("name", "Newest Of All".to_owned())],
            vec![("name", "Next In Line".to_owned())],
        ),
        (
            "series",
            series_fields("Newest Series"),
            series_fields("Next Series"),
        ),
    ];
    for (slug, newest, next) in tables {
        let created = htmx(&admin, "POST", &format!("/admin/{slug}"), &pairs(&newest)).await;
        let first = created_id(&created, slug);
        let v = version(&app, slug, first).await;
        let gone = htmx(
            &admin,
            "DELETE",
            &format!("/admin/{slug}/{first}"),
            &[("version", &v)],
        )
        .await;
        assert_eq!(gone.status, 200, "{slug}: {}", gone.body);
        let token = token_in(&gone.body);

        let again = htmx(&admin, "POST", &format!("/admin/{slug}"), &pairs(&next)).await;
        let second = created_id(&again, slug);
        assert!(second > first, "{slug}: {second} after deleted {first}");

        let undone = htmx(
            &admin,
            "POST",
            &format!("/admin/{slug}/undo"),
            &[("token", &token)],
        )
        .await;
        assert_eq!(undone.status, 200, "{slug}: {}", undone.body);
        assert!(undone.body.contains("Restored"), "{slug}: {}", undone.body);
        assert!(
            record(&app, slug, first).await.is_some(),
            "{slug} {first} back"
        );
        assert!(
            record(&app, slug, second).await.is_some(),
            "{slug} {second} kept"
        );
    }
}
both_backends!(a_deleted_rows_id_is_never_handed_out_again);

type Fields = Vec<(&'static str, String)>;

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn series_fields(title: &str) -> Fields {
    vec![
        ("title", title.to_owned()),
        ("planned_episodes", "3".to_owned()),
        ("language_id", "1".to_owned()),
        ("release_date", "2026-01-02".to_owned()),
        ("origin_country_id", "1".to_owned()),
        ("production_house_id", "1".to_owned()),
    ]
}

/// A SQLite database made before the staff tables kept their ids keeps every row, every
/// reference between them (cascades included), the catalog's series count and its triggers,
/// and new ids start above every id its audit log named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_rebuild_of_the_staff_tables_keeps_every_row_and_reference() {
    use streamvault::db::Pool;

    const REBUILD: &str = "20261203000130";
    let (db, _guards) = sqlite_migrated_before(REBUILD).await;
    let Pool::Sqlite(pool) = db.pool() else {
        panic!("a SQLite pool");
    };
    for statement in [
        "INSERT INTO countries (id, name, region) VALUES (1, 'Norway', 'Europe')",
        "INSERT INTO languages (id, name) VALUES (1, 'Norwegian')",
        "INSERT INTO genres (id, name) VALUES (1, 'Drama'), (2, 'Noir')",
        "INSERT INTO production_houses (id, name, street, city, state, postal_code, country, \
         year_established) VALUES (1, 'House', 'S', 'C', 'St', '1', 'Norway', 1990)",
        "INSERT INTO producers (id, first_name, last_name, street, city, state, postal_code, \
         country, phone, email) VALUES (1, 'P', 'Q', 'S', 'C', 'St', '1', 'Norway', '1', 'p@x.no')",
        "INSERT INTO producer_alliances (id, producer_id, production_house_id, started_on) \
         VALUES (1, 1, 1, '2020-01-01')",
        "INSERT INTO series (id, title, planned_episodes, language_id, release_date, \
         origin_country_id, production_house_id) VALUES \
         (1, 'One', 2, 1, '2020-01-01', 1, 1), (2, 'Two', 2, 1, '2020-01-01', 1, 1)",
        "INSERT INTO series_genres (series_id, genre_id) VALUES (2, 2)",
        "INSERT INTO episodes (id, series_id, number, title) VALUES (1, 2, 1, 'Pilot')",
        "INSERT INTO schedules (id, episode_id, starts_on, ends_on) \
         VALUES (1, 1, '2020-01-01', '2020-01-02')",
        "INSERT INTO contracts (id, series_id, per_episode_charge_cents, starts_on, ends_on) \
         VALUES (1, 2, 100, '2020-01-01', '2020-02-01')",
        // Entries about rows deleted before the upgrade: genre 9 and series 5.
        "INSERT INTO audit_log (action, entity, entity_id, detail, recorded_at) \
         VALUES ('delete', 'genres', '9', '[]', '2026-01-01'), \
         ('delete', 'series', '5', '[]', '2026-01-01')",
    ] {
        sqlx::query(statement).execute(pool).await.expect(statement);
    }

    db.migrate().await.expect("the rebuild");

    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .expect(sql)
    };
    for (sql, expected) in [
        ("SELECT COUNT(*) FROM genres", 2),
        ("SELECT COUNT(*) FROM series", 2),
        ("SELECT COUNT(*) FROM series_genres", 1),
        ("SELECT COUNT(*) FROM producer_alliances", 1),
        ("SELECT COUNT(*) FROM contracts", 1),
        ("SELECT series_count FROM catalog_totals", 2),
        ("SELECT COUNT(*) FROM pragma_foreign_key_check", 0),
        (
            "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_rebuilt'",
            0,
        ),
        (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'",
            2,
        ),
    ] {
        assert_eq!(count(sql).await, expected, "{sql}");
    }
    // New ids start above every id used, the audit log's included; the triggers count again.
    sqlx::query("INSERT INTO genres (name) VALUES ('Comedy')")
        .execute(pool)
        .await
        .expect("genre");
    assert_eq!(count("SELECT MAX(id) FROM genres").await, 10);
    sqlx::query(
        "INSERT INTO series (title, planned_episodes, language_id, release_date, \
         origin_country_id, production_house_id) VALUES ('Three', 1, 1, '2021-01-01', 1, 1)",
    )
    .execute(pool)
    .await
    .expect("series");
    assert_eq!(count("SELECT MAX(id) FROM series").await, 6);
    assert_eq!(count("SELECT series_count FROM catalog_totals").await, 3);
    // The children's references hold on the rebuilt tables: deleting a series cascades.
    sqlx::query("DELETE FROM series WHERE id = 2")
        .execute(pool)
        .await
        .expect("delete");
    for sql in [
        "SELECT COUNT(*) FROM episodes",
        "SELECT COUNT(*) FROM schedules",
        "SELECT COUNT(*) FROM contracts",
        "SELECT COUNT(*) FROM series_genres",
    ] {
        assert_eq!(count(sql).await, 0, "{sql}");
    }
    assert_eq!(count("SELECT series_count FROM catalog_totals").await, 2);
    db.close().await;
}
