//! One integration binary: every test starts the real server over a fresh
//! database, on SQLite and (with KEYWARD_TEST_POSTGRES_URL) on PostgreSQL.

mod accounts;
mod allowlist;
mod api_keys;
mod auth;
mod bad_input;
mod cli;
mod commit_auth;
mod concurrency;
mod crash;
mod docs_examples;
mod hardening;
mod helpers;
mod hostile;
mod instances;
mod lifecycle;
mod limits;
mod logs;
mod long_tail;
mod matrix;
mod meta;
mod migrations;
mod openapi;
mod operations;
mod outage;
mod paging;
mod proxies;
mod schema;
mod secrets_at_rest;
mod seed_requests;
mod session_tokens;
mod smoke;
mod throttle;
mod tree;
mod v1;
mod verify;
