//! One integration binary: every test starts the real server over a fresh
//! database, on SQLite and (with KEYWARD_TEST_POSTGRES_URL) on PostgreSQL.

mod helpers;
mod smoke;
