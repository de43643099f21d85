//! The two migration trees (`migrations/sqlite`, `migrations/mysql`) describe one database:
//! both are applied to fresh databases and the resulting schemas compared table by table —
//! columns and their nullability, primary keys, unique and plain indexes by their columns,
//! and foreign keys. A migration added to one tree only, or written differently in each,
//! fails here.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;
use streamvault::db::Pool;

use crate::helpers::{Backend, TestDb};

/// Differences that are not ours to remove: apalis-sql's queue tables (`jobs`, `workers`)
/// have the shape its own per-database schemas give them, and its statements rely on it.
/// Listed exactly, so any other difference — or one of these disappearing — fails the test.
const UPSTREAM_DIFFERENCES: &[&str] = &[
    "jobs: column run_at nullable: sqlite false, mysql true",
    "jobs: primary key sqlite [] mysql [\"id\"]",
    "jobs: index only on mysql: (false, [\"lock_at\"])",
    "jobs: index only on mysql: (false, [\"run_at\"])",
    "jobs: index only on sqlite: (true, [\"id\"])",
    "workers: column last_seen nullable: sqlite false, mysql true",
    "workers: column layers nullable: sqlite true, mysql false",
    "workers: primary key sqlite [] mysql [\"id\"]",
    "workers: index only on sqlite: (true, [\"id\"])",
];

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// Column name → nullable.
    columns: BTreeMap<String, bool>,
    primary_key: Vec<String>,
    /// (unique, columns in index order).
    indexes: BTreeSet<(bool, Vec<String>)>,
    /// (columns, referenced table, referenced columns).
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>)>,
}

type Schema = BTreeMap<String, Table>;

/// Tables only one backend has, each for a reason that is not drift. (Names are compared in
/// lower case: apalis-sql names the queue tables `Jobs` and `Workers` on SQLite.)
const ONE_BACKEND_ONLY: &[&str] = &[
    // sqlx's own bookkeeping (same name on both, contents differ by tree).
    "_sqlx_migrations",
    // MariaDB only: the migrations' own guard, which a cluster's nodes share (SQLite has
    // one writer and needs none).
    "_streamvault_migration_lease",
];

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for name in names {
        let mut table = Table::default();
        let mut key: Vec<(i64, String)> = Vec::new();
        for row in sqlx::query("SELECT name, \"notnull\", pk FROM pragma_table_info(?)")
            .bind(&name)
            .fetch_all(pool)
            .await
            .expect("columns")
        {
            let column: String = row.get(0);
            let not_null: i64 = row.get(1);
            let pk: i64 = row.get(2);
            // A key column is never null (SQLite only enforces it for INTEGER PRIMARY KEY,
            // and the app never writes a null key).
            table
                .columns
                .insert(column.clone(), not_null == 0 && pk == 0);
            if pk > 0 {
                key.push((pk, column));
            }
        }
        key.sort();
        table.primary_key = key.into_iter().map(|(_, c)| c).collect();
        for row in sqlx::query("SELECT name, \"unique\", origin FROM pragma_index_list(?)")
            .bind(&name)
            .fetch_all(pool)
            .await
            .expect("indexes")
        {
            let index: String = row.get(0);
            let unique: i64 = row.get(1);
            let origin: String = row.get(2);
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .expect("index columns");
            table.indexes.insert((unique != 0, columns));
        }
        let mut keys: BTreeMap<i64, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("foreign keys")
        {
            let id: i64 = row.get(0);
            let entry = keys
                .entry(id)
                .or_insert_with(|| (Vec::new(), row.get(1), Vec::new()));
            entry.0.push(row.get(2));
            entry.2.push(row.get(3));
        }
        table.foreign_keys = keys
            .into_values()
            .map(|(from, to_table, to)| (from, to_table.to_lowercase(), to))
            .collect();
        schema.insert(name.to_lowercase(), table);
    }
    schema
}

async fn mysql_schema(pool: &sqlx::MySqlPool) -> Schema {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for name in names {
        let mut table = Table::default();
        for row in sqlx::query(
            "SELECT CAST(column_name AS CHAR), CAST(is_nullable AS CHAR) \
             FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("columns")
        {
            let column: String = row.get(0);
            let nullable: String = row.get(1);
            table.columns.insert(column, nullable == "YES");
        }
        let mut foreign: BTreeMap<String, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT CAST(constraint_name AS CHAR), CAST(column_name AS CHAR), \
             CAST(referenced_table_name AS CHAR), CAST(referenced_column_name AS CHAR) \
             FROM information_schema.key_column_usage \
             WHERE table_schema = DATABASE() AND table_name = ? \
               AND referenced_table_name IS NOT NULL \
             ORDER BY constraint_name, ordinal_position",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("foreign keys")
        {
            let entry = foreign
                .entry(row.get(0))
                .or_insert_with(|| (Vec::new(), row.get(2), Vec::new()));
            entry.0.push(row.get(1));
            entry.2.push(row.get(3));
        }
        let mut indexes: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT CAST(index_name AS CHAR), CAST(non_unique AS SIGNED), \
             CAST(column_name AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = ? \
             ORDER BY index_name, seq_in_index",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("indexes")
        {
            let index: String = row.get(0);
            let non_unique: i64 = row.get(1);
            let entry = indexes
                .entry(index)
                .or_insert_with(|| (non_unique == 0, Vec::new()));
            entry.1.push(row.get(2));
        }
        for (index, (unique, columns)) in indexes {
            if index == "PRIMARY" {
                table.primary_key = columns;
            } else if !unique
                && foreign.iter().any(|(constraint, (fk_columns, _, _))| {
                    *fk_columns == columns && (index == *constraint || index == columns[0])
                })
            {
                // InnoDB's own index for a foreign key that no index covered (named after the
                // constraint or its column); SQLite needs none. The migrations name theirs.
            } else {
                table.indexes.insert((unique, columns));
            }
        }
        table.foreign_keys = foreign
            .into_values()
            .map(|(from, to_table, to)| (from, to_table.to_lowercase(), to))
            .collect();
        schema.insert(name.to_lowercase(), table);
    }
    schema
}

async fn migrated_schema(backend: Backend) -> (TestDb, Schema) {
    let test_db = TestDb::new(backend).await;
    let mut schema = match test_db.db.pool() {
        Pool::Sqlite(pool) => sqlite_schema(pool).await,
        Pool::MySql(pool) => mysql_schema(pool).await,
    };
    for name in ONE_BACKEND_ONLY {
        schema.remove(*name);
    }
    (test_db, schema)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_trees_build_the_same_schema() {
    let (_sqlite_db, sqlite) = migrated_schema(Backend::Sqlite).await;
    let (_mysql_db, mysql) = migrated_schema(Backend::MySql).await;
    assert!(
        sqlite.len() > 20,
        "the schema was read: {:?}",
        sqlite.keys()
    );

    let mut differences = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(mysql.keys()).collect();
    for name in names {
        match (sqlite.get(name), mysql.get(name)) {
            (Some(s), Some(m)) if s == m => {}
            (Some(s), Some(m)) => {
                let columns: BTreeSet<&String> = s.columns.keys().chain(m.columns.keys()).collect();
                for column in columns {
                    match (s.columns.get(column), m.columns.get(column)) {
                        (Some(a), Some(b)) if a != b => differences.push(format!(
                            "{name}: column {column} nullable: sqlite {a}, mysql {b}"
                        )),
                        (Some(_), None) => {
                            differences.push(format!("{name}: column {column} only on sqlite"))
                        }
                        (None, Some(_)) => {
                            differences.push(format!("{name}: column {column} only on mysql"))
                        }
                        _ => {}
                    }
                }
                if s.primary_key != m.primary_key {
                    differences.push(format!(
                        "{name}: primary key sqlite {:?} mysql {:?}",
                        s.primary_key, m.primary_key
                    ));
                }
                for only in s.indexes.symmetric_difference(&m.indexes) {
                    let side = if s.indexes.contains(only) {
                        "sqlite"
                    } else {
                        "mysql"
                    };
                    differences.push(format!("{name}: index only on {side}: {only:?}"));
                }
                for only in s.foreign_keys.symmetric_difference(&m.foreign_keys) {
                    let side = if s.foreign_keys.contains(only) {
                        "sqlite"
                    } else {
                        "mysql"
                    };
                    differences.push(format!("{name}: foreign key only on {side}: {only:?}"));
                }
            }
            (Some(_), None) => differences.push(format!("{name}: only on sqlite")),
            (None, Some(_)) => differences.push(format!("{name}: only on mysql")),
            (None, None) => {}
        }
    }
    let expected: Vec<String> = UPSTREAM_DIFFERENCES.iter().map(|d| d.to_string()).collect();
    differences.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(
        differences,
        expected_sorted,
        "the migration trees disagree beyond the queue tables' known upstream differences:\n{}",
        differences.join("\n")
    );
}
