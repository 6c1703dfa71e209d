//! Choosing a backend from the URL, and opening connections to it.

use diesel::connection::SimpleConnection;
use std::time::{Duration, Instant};

use diesel::r2d2::{self, ManageConnection, R2D2Connection};
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

/// A database URL with its backend decided by its form: `postgres://` or
/// `postgresql://`, or a libpq key/value string (`host=… dbname=…`), is
/// PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a bare path is a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    target: String,
}

/// The libpq connection keywords that mark a key/value connection string.
const LIBPQ_KEYWORDS: [&str; 8] = [
    "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "service",
];

/// Whether `url` is a libpq key/value connection string such as
/// `host=db user=keyward password=…`.
fn is_key_value(url: &str) -> bool {
    url.split_whitespace().next().is_some_and(|first| {
        first
            .split_once('=')
            .is_some_and(|(key, _)| LIBPQ_KEYWORDS.contains(&key.trim()))
    })
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") || is_key_value(url) {
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
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.target)?;
                // Every statement is prepared once per connection; left to
                // choose, PostgreSQL planned a key list afresh on every run
                // (a custom plan), a quarter of its work for a page of 100
                // keys. Keyward's statements are lookups on their indexes,
                // whose plan does not depend on the values bound: one
                // generic plan per statement serves every run.
                conn.batch_execute("SET plan_cache_mode = force_generic_plan")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Postgres(conn))
            }
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

/// Shows the URL without its secrets (see [`redact`]).
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.target))
    }
}

const HIDDEN: &str = "***";

/// Whether a connection parameter's value is a secret: `password`,
/// `sslpassword` and anything else that names a pass.
fn is_secret_parameter(name: &str) -> bool {
    name.to_ascii_lowercase().contains("pass")
}

/// A database URL fit for a log line: the password of the user-info, any
/// secret query parameter (`?password=…`) and any secret key/value pair
/// (`password=…`) replaced by `***`. A URL that does not parse is shown as
/// its scheme alone, since its secrets cannot be found reliably.
///
/// `postgres://u:secret@h/db?sslpassword=x` -> `postgres://u:***@h/db?sslpassword=***`.
pub fn redact(url: &str) -> String {
    if is_key_value(url) {
        return redact_key_value(url);
    }
    let Some((scheme, _)) = url.split_once("://") else {
        // A SQLite path.
        return url.to_owned();
    };
    let Ok(mut parsed) = url::Url::parse(url) else {
        return format!("{scheme}://{HIDDEN}");
    };
    if parsed.password().is_some() && parsed.set_password(Some(HIDDEN)).is_err() {
        return format!("{scheme}://{HIDDEN}");
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = if is_secret_parameter(&name) {
                    HIDDEN.to_owned()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The serializer percent-encodes `*`; show it as written.
    parsed.to_string().replace("%2A%2A%2A", HIDDEN)
}

/// `host=h password='a b' dbname=d` -> `host=h password=*** dbname=d`, by
/// libpq's rules: values may be single-quoted, with `\'` and `\\` escapes.
fn redact_key_value(conninfo: &str) -> String {
    let mut out = String::with_capacity(conninfo.len());
    let mut rest = conninfo;
    loop {
        let trimmed = rest.trim_start();
        out.push_str(&rest[..rest.len() - trimmed.len()]);
        rest = trimmed;
        if rest.is_empty() {
            return out;
        }
        let Some(eq) = rest.find('=') else {
            // Not key/value after all: show none of it.
            out.push_str(HIDDEN);
            return out;
        };
        let name = rest[..eq].trim();
        out.push_str(&rest[..=eq]);
        let value_and_rest = rest[eq + 1..].trim_start();
        let value_len = key_value_len(value_and_rest);
        if is_secret_parameter(name) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&value_and_rest[..value_len]);
        }
        rest = &value_and_rest[value_len..];
    }
}

/// The length of the value at the start of `s`: a quoted string with its
/// quotes, or everything up to the next whitespace.
fn key_value_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    if s.starts_with('\'') {
        chars.next();
        let mut escaped = false;
        for (i, c) in chars {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '\'' => return i + 1,
                _ => {}
            }
        }
        return s.len();
    }
    s.find(char::is_whitespace).unwrap_or(s.len())
}

/// How long after a connection went back to the pool healthy it is handed
/// out again without a round trip to check it (the bypass window of
/// HikariCP, which uses the same 500 ms). Under load every connection is
/// back within this, so no request pays for a check; a connection idle
/// longer is checked with `SELECT 1` first.
const TRUSTED_FOR: Duration = Duration::from_millis(500);

/// A connection as the pool keeps it: the connection, and until when it is
/// trusted without a check.
pub struct Pooled {
    conn: AnyConnection,
    trusted_until: Instant,
    /// Set by [`Pooled::discard`]: the connection is closed on its return.
    lost: bool,
}

impl Pooled {
    /// Marks the connection as lost (its last query found it closed), so
    /// the pool closes it when it comes back instead of lending it again.
    pub fn discard(&mut self) {
        self.lost = true;
    }
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
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
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = self.url.establish().map_err(r2d2::Error::ConnectionError)?;
        Ok(Pooled {
            conn,
            trusted_until: Instant::now() + TRUSTED_FOR,
            lost: false,
        })
    }

    /// Called as the pool lends a connection: a SQLite connection is a file
    /// and cannot drop, and a PostgreSQL connection back within
    /// `TRUSTED_FOR` is taken as it is; any other is checked.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        if matches!(pooled.conn, AnyConnection::Sqlite(_)) || Instant::now() < pooled.trusted_until
        {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// Called as a connection comes back: one marked lost, or left in a
    /// broken transaction, is closed; any other is trusted for a while.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        if pooled.lost || R2D2Connection::is_broken(&mut pooled.conn) {
            return true;
        }
        pooled.trusted_until = Instant::now() + TRUSTED_FOR;
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
    fn key_value_strings_are_postgres() {
        let url = DatabaseUrl::parse("host=127.0.0.1 port=5432 user=postgres dbname=x");
        assert_eq!(url.backend(), Backend::Postgres);
    }

    #[test]
    fn secrets_are_redacted_in_every_form() {
        let cases = [
            (
                "postgres://u:hunter2@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            (
                "postgresql://u@h/db?password=hunter2&sslmode=require",
                "postgresql://u@h/db?password=***&sslmode=require",
            ),
            (
                "postgres://u:hunter2@h/db?sslpassword=hunter2",
                "postgres://u:***@h/db?sslpassword=***",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "host=h user=u password=hunter2 dbname=d",
                "host=h user=u password=*** dbname=d",
            ),
            (
                "host=h password = 'hunter2 \\' x' dbname=d",
                "host=h password =*** dbname=d",
            ),
            ("postgres://u:hun ter2@[bad/db", "postgres://***"),
            ("keyward.db", "keyward.db"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
            assert!(!redact(url).contains("hunter2"), "{url}");
        }
    }
}
