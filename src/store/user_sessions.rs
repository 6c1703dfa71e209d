//! Queries on `user_sessions`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::UserSessionRow;
use super::schema::user_sessions;
use super::AnyConnection;

pub fn insert(conn: &mut AnyConnection, row: &UserSessionRow) -> QueryResult<()> {
    diesel::insert_into(user_sessions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<UserSessionRow>> {
    user_sessions::table.find(id).first(conn).optional()
}

/// The session `id`, locked until the transaction ends against its
/// deletion (sign-out, a password change): share-locked on PostgreSQL; on
/// SQLite the transaction takes the database's write lock first, which
/// orders it against every other writer.
pub fn lock(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<UserSessionRow>> {
    match conn {
        AnyConnection::Postgres(conn) => user_sessions::table
            .find(id)
            .for_share()
            .first(conn)
            .optional(),
        AnyConnection::Sqlite(conn) => {
            diesel::update(user_sessions::table.find(id))
                .set(user_sessions::last_seen_at.eq(user_sessions::last_seen_at))
                .execute(conn)?;
            user_sessions::table.find(id).first(conn).optional()
        }
    }
}

/// Notes that the session was used at `at`.
pub fn touch(conn: &mut AnyConnection, id: &str, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::last_seen_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Ends the session `id`; whether there was one.
pub fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(user_sessions::table.find(id))
        .execute(conn)
        .map(|n| n > 0)
}

/// Ends every session of `user_id` but `keep`.
pub fn delete_others(conn: &mut AnyConnection, user_id: &str, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::id.ne(keep)),
    )
    .execute(conn)
}

/// Deletes the user's sessions that have ended: past their absolute
/// lifetime at `now`, or last seen at or before `idle_since` (the rule of
/// `service::sessions::Cutoffs`).
pub fn delete_ended(
    conn: &mut AnyConnection,
    user_id: &str,
    now: PrimitiveDateTime,
    idle_since: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(
                user_sessions::expires_at
                    .le(now)
                    .or(user_sessions::last_seen_at.le(idle_since)),
            ),
    )
    .execute(conn)
}
