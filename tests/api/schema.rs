//! Migration parity: the SQLite and PostgreSQL migrations build the same schema.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use diesel::{PgConnection, SqliteConnection};

use crate::helpers::{self, Backend, TestDatabase};

/// One column: (name, normalised type, nullable, part of the primary key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    name: String,
    ty: String,
    nullable: bool,
    primary_key: bool,
}

/// A non-primary index. Indexes that back a UNIQUE constraint get no
/// name of their own on SQLite, so they are compared as [`CONSTRAINT_INDEX`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    name: String,
    unique: bool,
    columns: Vec<String>,
}

const CONSTRAINT_INDEX: &str = "(unique constraint)";

/// (table, column, referenced table, referenced column).
type ForeignKey = (String, String, String, String);

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// Table name -> its columns, by name.
    columns: BTreeMap<String, BTreeSet<Column>>,
    /// Table name -> its non-primary indexes.
    indexes: BTreeMap<String, BTreeSet<Index>>,
    foreign_keys: BTreeSet<ForeignKey>,
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (table, columns) in &self.columns {
            writeln!(f, "  table {table}")?;
            for c in columns {
                writeln!(
                    f,
                    "    {} {}{}{}",
                    c.name,
                    c.ty,
                    if c.nullable { "" } else { " NOT NULL" },
                    if c.primary_key { " PRIMARY KEY" } else { "" }
                )?;
            }
            for i in self.indexes.get(table).into_iter().flatten() {
                writeln!(
                    f,
                    "    {}index {} ({})",
                    if i.unique { "unique " } else { "" },
                    i.name,
                    i.columns.join(", ")
                )?;
            }
        }
        for (table, column, to_table, to_column) in &self.foreign_keys {
            writeln!(f, "  {table}.{column} -> {to_table}.{to_column}")?;
        }
        Ok(())
    }
}

/// The differences, one per line, for the failure message.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    fn diff<T: Ord + fmt::Debug>(what: &str, a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<String> {
        let mut out: Vec<String> = a
            .difference(b)
            .map(|x| format!("{what} only on SQLite: {x:?}"))
            .collect();
        out.extend(
            b.difference(a)
                .map(|x| format!("{what} only on PostgreSQL: {x:?}")),
        );
        out
    }
    let tables = |s: &Schema| s.columns.keys().cloned().collect::<BTreeSet<_>>();
    let mut out = diff("table", &tables(sqlite), &tables(postgres));
    let empty_columns = BTreeSet::new();
    let empty_indexes = BTreeSet::new();
    for table in tables(sqlite).intersection(&tables(postgres)) {
        out.extend(diff(
            &format!("{table} column"),
            sqlite.columns.get(table).unwrap_or(&empty_columns),
            postgres.columns.get(table).unwrap_or(&empty_columns),
        ));
        out.extend(diff(
            &format!("{table} index"),
            sqlite.indexes.get(table).unwrap_or(&empty_indexes),
            postgres.indexes.get(table).unwrap_or(&empty_indexes),
        ));
    }
    out.extend(diff(
        "foreign key",
        &sqlite.foreign_keys,
        &postgres.foreign_keys,
    ));
    out
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    col_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteIndexColumn {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    to_table: String,
    #[diesel(sql_type = Text)]
    from_column: String,
    #[diesel(sql_type = Nullable<Text>)]
    to_column: Option<String>,
}

fn sqlite_schema(url: &str) -> Schema {
    let mut conn = SqliteConnection::establish(url).expect("open SQLite");
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name <> '__diesel_schema_migrations' AND substr(name, 1, 7) <> 'sqlite_'",
    )
    .load(&mut conn)
    .expect("SQLite tables");
    let mut schema = Schema::default();
    let mut raw_foreign_keys = Vec::new();
    for Name { name: table } in tables {
        let columns: Vec<SqliteColumn> = diesel::sql_query(
            "SELECT name, type AS col_type, \"notnull\" AS not_null, pk \
             FROM pragma_table_info(?)",
        )
        .bind::<Text, _>(&table)
        .load(&mut conn)
        .expect("SQLite columns");
        schema.columns.insert(
            table.clone(),
            columns
                .into_iter()
                .map(|c| Column {
                    name: c.name,
                    ty: normalise_type(&c.col_type),
                    nullable: c.not_null == 0,
                    primary_key: c.pk > 0,
                })
                .collect(),
        );

        let indexes: Vec<SqliteIndex> = diesel::sql_query(
            "SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list(?)",
        )
        .bind::<Text, _>(&table)
        .load(&mut conn)
        .expect("SQLite indexes");
        let mut found = BTreeSet::new();
        for index in indexes {
            // "pk": the primary key's sqlite_autoindex_*; "u": a UNIQUE constraint's.
            if index.origin == "pk" {
                continue;
            }
            let columns: Vec<SqliteIndexColumn> =
                diesel::sql_query("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind::<Text, _>(&index.name)
                    .load(&mut conn)
                    .expect("SQLite index columns");
            let name = if index.name.starts_with("sqlite_autoindex_") {
                CONSTRAINT_INDEX.to_owned()
            } else {
                index.name
            };
            found.insert(Index {
                name,
                unique: index.is_unique != 0,
                columns: columns
                    .into_iter()
                    .map(|c| c.name.unwrap_or_else(|| "(expression)".into()))
                    .collect(),
            });
        }
        schema.indexes.insert(table.clone(), found);

        let keys: Vec<SqliteForeignKey> = diesel::sql_query(
            "SELECT \"table\" AS to_table, \"from\" AS from_column, \"to\" AS to_column \
             FROM pragma_foreign_key_list(?)",
        )
        .bind::<Text, _>(&table)
        .load(&mut conn)
        .expect("SQLite foreign keys");
        raw_foreign_keys.extend(keys.into_iter().map(|k| (table.clone(), k)));
    }
    // `REFERENCES t` without a column means t's primary key.
    for (table, key) in raw_foreign_keys {
        let to_column = key.to_column.unwrap_or_else(|| {
            schema
                .columns
                .get(&key.to_table)
                .and_then(|cols| cols.iter().find(|c| c.primary_key))
                .map_or_else(|| "(primary key)".into(), |c| c.name.clone())
        });
        schema
            .foreign_keys
            .insert((table, key.from_column, key.to_table, to_column));
    }
    schema
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgKeyColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct PgIndexColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_constraint: bool,
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    position: i64,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    to_table: String,
    #[diesel(sql_type = Text)]
    to_column: String,
}

fn postgres_schema(url: &str) -> Schema {
    let mut conn = PgConnection::establish(url).expect("open PostgreSQL");
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .expect("PostgreSQL tables");
    let primary: BTreeSet<(String, String)> = diesel::sql_query(
        "SELECT kcu.table_name::text AS table_name, kcu.column_name::text AS column_name \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu \
           ON kcu.constraint_schema = tc.constraint_schema \
          AND kcu.constraint_name = tc.constraint_name \
          AND kcu.table_name = tc.table_name \
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'",
    )
    .load::<PgKeyColumn>(&mut conn)
    .expect("PostgreSQL primary keys")
    .into_iter()
    .map(|k| (k.table_name, k.column_name))
    .collect();
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(&mut conn)
    .expect("PostgreSQL columns");
    let index_columns: Vec<PgIndexColumn> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                ix.indisunique AS is_unique, \
                EXISTS (SELECT 1 FROM pg_constraint c \
                        WHERE c.conindid = ix.indexrelid AND c.contype = 'u') AS is_constraint, \
                a.attname::text AS column_name, k.position AS position \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND NOT ix.indisprimary \
         ORDER BY table_name, index_name, position",
    )
    .load(&mut conn)
    .expect("PostgreSQL indexes");
    let foreign_keys: Vec<PgForeignKey> = diesel::sql_query(
        "SELECT kcu.table_name::text AS table_name, kcu.column_name::text AS column_name, \
                ccu.table_name::text AS to_table, ccu.column_name::text AS to_column \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu \
           ON kcu.constraint_schema = tc.constraint_schema \
          AND kcu.constraint_name = tc.constraint_name \
         JOIN information_schema.constraint_column_usage ccu \
           ON ccu.constraint_schema = tc.constraint_schema \
          AND ccu.constraint_name = tc.constraint_name \
         WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'",
    )
    .load(&mut conn)
    .expect("PostgreSQL foreign keys");

    let mut schema = Schema::default();
    for Name { name } in tables {
        schema.columns.insert(name.clone(), BTreeSet::new());
        schema.indexes.insert(name, BTreeSet::new());
    }
    for c in columns {
        let Some(set) = schema.columns.get_mut(&c.table_name) else {
            continue; // a view or diesel's own table
        };
        set.insert(Column {
            primary_key: primary.contains(&(c.table_name.clone(), c.column_name.clone())),
            name: c.column_name,
            ty: normalise_type(&c.data_type),
            nullable: c.is_nullable == "YES",
        });
    }
    let mut indexes: BTreeMap<(String, String), Index> = BTreeMap::new();
    for c in index_columns {
        let index = indexes
            .entry((c.table_name, c.index_name.clone()))
            .or_insert_with(|| Index {
                name: if c.is_constraint {
                    CONSTRAINT_INDEX.to_owned()
                } else {
                    c.index_name
                },
                unique: c.is_unique,
                columns: Vec::new(),
            });
        debug_assert_eq!(index.columns.len() as i64 + 1, c.position);
        index
            .columns
            .push(c.column_name.unwrap_or_else(|| "(expression)".into()));
    }
    for ((table, _), index) in indexes {
        if let Some(set) = schema.indexes.get_mut(&table) {
            set.insert(index);
        }
    }
    schema.foreign_keys = foreign_keys
        .into_iter()
        .map(|k| (k.table_name, k.column_name, k.to_table, k.to_column))
        .collect();
    schema
}

/// Both backends' spelling of a type, in one form.
fn normalise_type(ty: &str) -> String {
    match ty.trim().to_ascii_lowercase().as_str() {
        "timestamp without time zone" => "TIMESTAMP".into(),
        other => other.to_ascii_uppercase(),
    }
}

/// Names of the migration directories of one backend, sorted.
fn migration_dirs(backend: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|entry| entry.expect("dir entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn migration_directories_match() {
    let sqlite = migration_dirs("sqlite");
    let postgres = migration_dirs("postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations");
    assert_eq!(
        sqlite.len(),
        postgres.len(),
        "migration counts differ: SQLite {sqlite:?}, PostgreSQL {postgres:?}"
    );
    assert_eq!(sqlite, postgres, "migration names differ");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for backend in ["sqlite", "postgres"] {
        for name in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = root.join(backend).join(name).join(file);
                assert!(path.is_file(), "missing {}", path.display());
            }
        }
    }
}

/// Applies every migration to a fresh database; returns the versions applied.
fn migrate(db: &TestDatabase) -> Vec<String> {
    let store = keyward::store::Database::open(&db.url, 1).expect("open database");
    let mut conn = store.get().expect("connection");
    keyward::store::run_migrations(&mut conn).expect("migrations")
}

#[test]
fn migrations_build_the_same_schema_on_both_backends() {
    if helpers::postgres_admin_url().is_none() {
        eprintln!("skipped: schema parity needs KEYWARD_TEST_POSTGRES_URL");
        return;
    }
    let sqlite_db = TestDatabase::new(Backend::Sqlite);
    let postgres_db = TestDatabase::new(Backend::Postgres);
    let sqlite_applied = migrate(&sqlite_db);
    let postgres_applied = migrate(&postgres_db);
    assert_eq!(sqlite_applied.len(), migration_dirs("sqlite").len());
    assert_eq!(
        sqlite_applied, postgres_applied,
        "the backends applied different migrations"
    );

    let sqlite = sqlite_schema(&sqlite_db.url);
    let postgres = postgres_schema(&postgres_db.url);
    assert!(
        !sqlite.columns.is_empty(),
        "no tables after migrating SQLite"
    );
    assert!(
        sqlite == postgres,
        "the migrations build different schemas:\n{}\n\nSQLite:\n{sqlite}\nPostgreSQL:\n{postgres}",
        differences(&sqlite, &postgres).join("\n")
    );
}
