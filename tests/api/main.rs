//! One integration binary: every test starts the real server over a fresh
//! database, on SQLite and (with KEYWARD_TEST_POSTGRES_URL) on PostgreSQL.

mod cli;
mod helpers;
mod schema;
mod smoke;
mod api_keys;
mod auth;
mod bad_input;
