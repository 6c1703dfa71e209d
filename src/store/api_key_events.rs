//! Queries on `api_key_events`, the audit trail.

use diesel::prelude::*;

use super::models::ApiKeyEventRow;
use super::schema::api_key_events;
use super::AnyConnection;

pub fn insert(conn: &mut AnyConnection, row: &ApiKeyEventRow) -> QueryResult<()> {
    diesel::insert_into(api_key_events::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Up to `limit` events of the key, newest first, older than version
/// `before` when given.
pub fn list(
    conn: &mut AnyConnection,
    api_key_id: &str,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ApiKeyEventRow>> {
    let mut query = api_key_events::table
        .filter(api_key_events::api_key_id.eq(api_key_id))
        .order(api_key_events::version.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(api_key_events::version.lt(before));
    }
    query.load(conn)
}
