//! Queries on `session_tokens`.

use diesel::prelude::*;

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
