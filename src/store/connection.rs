//! Choosing a backend from the URL, and opening connections to it.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

/// A connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The two supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL with its backend decided by its scheme: `postgres://` or
/// `postgresql://` is PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a bare
/// path is a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self {
                backend: Backend::Postgres,
                target: url.to_owned(),
            };
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self {
            backend: Backend::Sqlite,
            target: path.to_owned(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether this is an in-memory SQLite database, which exists once per
    /// connection and so must not be pooled over more than one.
    pub fn is_in_memory(&self) -> bool {
        self.backend == Backend::Sqlite && self.target == ":memory:"
    }

    /// Opens one connection and prepares it for use.
    pub fn establish(&self) -> Result<AnyConnection, ConnectionError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(AnyConnection::Postgres),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                // busy_timeout first, so the other pragmas wait for a lock too.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    /// Puts a SQLite file into WAL mode; done once, before the pool opens.
    pub fn prepare(&self) -> Result<(), ConnectionError> {
        if self.backend == Backend::Sqlite && !self.is_in_memory() {
            let mut conn = self.establish()?;
            conn.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
        }
        Ok(())
    }
}

/// Shows the URL without its password.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_password(&self.target))
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

/// An r2d2 manager that reports the real connection error of the chosen backend.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.url.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(DatabaseUrl::parse("keyward.db").backend(), Backend::Sqlite);
        assert_eq!(DatabaseUrl::parse("sqlite://x.db").target, "x.db");
        assert_eq!(DatabaseUrl::parse("sqlite:x.db").target, "x.db");
    }

    #[test]
    fn password_is_redacted() {
        assert_eq!(
            redact_password("postgres://u:hunter2@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("keyward.db"), "keyward.db");
    }
}
