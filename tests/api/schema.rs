//! Schema parity: the SQLite and the PostgreSQL migrations build the same
//! database (the same tables, the same columns in the same order with the
//! same nullability, the same keys, the same named indexes on the same
//! columns), so one set of queries serves both. Types differ by design (`INTEGER` and `BIGINT`,
//! `REAL` and `DOUBLE PRECISION`) and are not compared.

use crate::helpers::*;
use clarity_bot::store::Store;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

crate::postgres_only! {
    the_sqlite_and_postgresql_migrations_build_the_same_tables_columns_keys_and_indexes => same_schema_on_both;
}

/// What the migrations built, backend aside.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    /// Each table's columns in order, and whether each may be null.
    tables: BTreeMap<String, Vec<(String, bool)>>,
    /// (table, `primary` or `unique`, its columns joined by commas).
    keys: BTreeSet<(String, &'static str, String)>,
    /// (index name, table, unique, its columns joined by commas, an
    /// expression as `(expression)`) of every index a migration named.
    indexes: BTreeSet<(String, String, bool, String)>,
}

impl Schema {
    /// A primary key's columns are never null, whatever the engine reports
    /// (SQLite says `INTEGER PRIMARY KEY` columns may be).
    fn with_keys_not_null(mut self) -> Self {
        for (table, kind, columns) in &self.keys {
            if *kind != "primary" {
                continue;
            }
            for column in columns.split(',') {
                if let Some(entry) = self
                    .tables
                    .get_mut(table)
                    .and_then(|cols| cols.iter_mut().find(|(name, _)| name == column))
                {
                    entry.1 = false;
                }
            }
        }
        self
    }
}

async fn open(backend: Backend) -> (std::sync::Arc<TestDb>, Store) {
    let db = TestDb::create(backend).await;
    let store = Store::connect(&secrecy::SecretString::from(db.url.clone()), 1)
        .await
        .expect("the store opens and migrates");
    (db, store)
}

/// A SQLite index's columns in order, joined by commas (an expression as
/// `(expression)`).
async fn sqlite_index_columns(store: &Store, index: &str) -> String {
    let columns: Vec<String> = sqlx::query(
        "SELECT COALESCE(name, '(expression)') AS name FROM pragma_index_info($1) ORDER BY seqno",
    )
    .bind(index)
    .fetch_all(store.pool())
    .await
    .expect("index columns")
    .iter()
    .map(|row| row.get("name"))
    .collect();
    columns.join(",")
}

async fn sqlite_schema(store: &Store) -> Schema {
    let pool = store.pool();
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("tables")
    .iter()
    .map(|row| row.get("name"))
    .collect();
    let mut schema = Schema {
        tables: BTreeMap::new(),
        keys: BTreeSet::new(),
        indexes: BTreeSet::new(),
    };
    for table in names {
        let columns = sqlx::query(
            "SELECT name, \"notnull\" AS not_null, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .expect("columns");
        let primary: Vec<(i64, String)> = columns
            .iter()
            .filter(|row| row.get::<i64, _>("pk") > 0)
            .map(|row| (row.get("pk"), row.get("name")))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !primary.is_empty() {
            let joined: Vec<String> = primary.into_iter().map(|(_, name)| name).collect();
            schema
                .keys
                .insert((table.clone(), "primary", joined.join(",")));
        }
        schema.tables.insert(
            table.clone(),
            columns
                .iter()
                .map(|row| (row.get("name"), row.get::<i64, _>("not_null") == 0))
                .collect(),
        );
        let indexes =
            sqlx::query("SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("indexes");
        for index in indexes {
            let name: String = index.get("name");
            let origin: String = index.get("origin");
            match origin.as_str() {
                // UNIQUE (…) in CREATE TABLE: a key, named by SQLite.
                "u" => {
                    let columns = sqlite_index_columns(store, &name).await;
                    schema.keys.insert((table.clone(), "unique", columns));
                }
                // CREATE [UNIQUE] INDEX name …
                "c" => {
                    let columns = sqlite_index_columns(store, &name).await;
                    schema.indexes.insert((
                        name,
                        table.clone(),
                        index.get::<i64, _>("is_unique") != 0,
                        columns,
                    ));
                }
                // The primary key's own index.
                _ => {}
            }
        }
    }
    schema.with_keys_not_null()
}

async fn postgres_schema(store: &Store) -> Schema {
    let pool = store.pool();
    let columns = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
         is_nullable::text AS is_nullable FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name::text <> '_sqlx_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let mut schema = Schema {
        tables: BTreeMap::new(),
        keys: BTreeSet::new(),
        indexes: BTreeSet::new(),
    };
    for row in columns {
        schema
            .tables
            .entry(row.get("table_name"))
            .or_default()
            .push((
                row.get("column_name"),
                row.get::<String, _>("is_nullable") == "YES",
            ));
    }
    let keys = sqlx::query(
        "SELECT c.conrelid::regclass::text AS table_name, c.contype::text AS kind, \
         array_to_string(ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), ',') AS columns \
         FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace \
         AND c.contype IN ('p', 'u') AND c.conrelid::regclass::text <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("keys");
    for row in keys {
        let kind = if row.get::<String, _>("kind") == "p" {
            "primary"
        } else {
            "unique"
        };
        schema
            .keys
            .insert((row.get("table_name"), kind, row.get("columns")));
    }
    let indexes = sqlx::query(
        "SELECT c.relname::text AS name, t.relname::text AS table_name, ix.indisunique AS is_unique, \
         array_to_string(ARRAY(SELECT COALESCE(a.attname::text, '(expression)') \
           FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
           LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
           ORDER BY k.n), ',') AS columns \
         FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         WHERE c.relnamespace = current_schema()::regnamespace \
         AND t.relname::text <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    for row in indexes {
        schema.indexes.insert((
            row.get("name"),
            row.get("table_name"),
            row.get::<bool, _>("is_unique"),
            row.get("columns"),
        ));
    }
    schema.with_keys_not_null()
}

async fn same_schema_on_both() {
    let (_sqlite_db, sqlite) = open(Backend::Sqlite).await;
    let (_postgres_db, postgres) = open(Backend::Postgres).await;
    let sqlite = sqlite_schema(&sqlite).await;
    let postgres = postgres_schema(&postgres).await;
    assert!(
        sqlite.tables.contains_key("outbox") && !sqlite.indexes.is_empty(),
        "the schema was read: {sqlite:?}"
    );
    assert_eq!(sqlite.tables, postgres.tables, "tables and columns");
    assert_eq!(sqlite.keys, postgres.keys, "primary and unique keys");
    assert_eq!(sqlite.indexes, postgres.indexes, "named indexes");
}
