//! Embedded migrations, one set per backend.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::AnyConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
        AnyConnection::Postgres(c) => c.run_pending_migrations(POSTGRES)?,
    };
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// How many migrations are not yet applied.
pub fn pending_migrations(conn: &mut AnyConnection) -> Result<usize, MigrationError> {
    Ok(match conn {
        AnyConnection::Sqlite(c) => c.pending_migrations(SQLITE)?.len(),
        AnyConnection::Postgres(c) => c.pending_migrations(POSTGRES)?.len(),
    })
}
