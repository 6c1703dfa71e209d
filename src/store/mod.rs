//! Persistence: diesel over SQLite or PostgreSQL, chosen at run time.

pub mod accounts;
pub mod api_key_events;
pub mod api_keys;
mod connection;
pub mod invitations;
pub mod key_changes;
pub mod last_used;
pub mod limits;
pub mod memberships;
mod migrations;
pub mod models;
pub mod schema;
pub mod session_tokens;
pub mod usage;
pub mod user_sessions;
pub mod users;

use std::time::Duration;

use anyhow::Context as _;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub use connection::{redact, AnyConnection, Backend, ConnectionManager, DatabaseUrl};
pub use migrations::{pending_migrations, run_migrations};

/// How long a request waits for a pooled connection before it is answered
/// 503: short, so that an unreachable database fails requests fast (and
/// `/readyz` answers within a second) instead of holding them.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_millis(500);

/// A pool of connections to one database.
#[derive(Clone)]
pub struct Database {
    pool: Pool<ConnectionManager>,
    backend: Backend,
}

/// A connection borrowed from the pool; back to it when dropped.
pub struct Conn(PooledConnection<ConnectionManager>);

impl Conn {
    /// Has the pool close this connection instead of lending it again: its
    /// last query found it closed.
    pub fn discard(&mut self) {
        self.0.discard();
    }
}

impl std::ops::Deref for Conn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

impl Database {
    /// Opens a pool of `size` connections to `url`, failing with the
    /// backend's own error if the database cannot be reached.
    pub fn open(url: &str, size: u32) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(url);
        let shown = format!("{url:?}");
        url.prepare()
            .with_context(|| format!("cannot open database {shown}"))?;
        // Check once by hand: r2d2 would only report a time-out.
        drop(
            url.establish()
                .with_context(|| format!("cannot open database {shown}"))?,
        );
        let backend = url.backend();
        let size = if url.is_in_memory() { 1 } else { size.max(1) };
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_TIMEOUT)
            .build(ConnectionManager::new(url))
            .with_context(|| format!("cannot open a connection pool to {shown}"))?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Borrows a connection, waiting up to the pool's time-out. Blocking.
    pub fn get(&self) -> Result<Conn, diesel::r2d2::PoolError> {
        self.pool.get().map(Conn)
    }

    /// Connections open and idle, for metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }
}

/// Whether `e` is a unique-constraint violation on an index whose name or
/// message mentions `what` (PostgreSQL names the constraint, SQLite the columns).
pub fn is_unique_violation(e: &DieselError, what: &str) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name().is_some_and(|c| c.contains(what))
                || info.message().contains(what)
        }
        _ => false,
    }
}
