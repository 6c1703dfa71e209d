//! Queries on `session_tokens`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::SessionTokenRow;
use super::schema::session_tokens;
use super::AnyConnection;

pub fn insert(conn: &mut AnyConnection, row: &SessionTokenRow) -> QueryResult<()> {
    diesel::insert_into(session_tokens::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<SessionTokenRow>> {
    session_tokens::table.find(id).first(conn).optional()
}

/// Ends the token `id` at `now` by bringing its expiry forward, unless it
/// has already expired; whether it did. Tokens never change otherwise (a
/// leak report is the one thing that ends a single token).
pub fn end(conn: &mut AnyConnection, id: &str, now: PrimitiveDateTime) -> QueryResult<bool> {
    diesel::update(
        session_tokens::table
            .filter(session_tokens::id.eq(id))
            .filter(session_tokens::expires_at.gt(now)),
    )
    .set(session_tokens::expires_at.eq(now))
    .execute(conn)
    .map(|changed| changed > 0)
}
