//! Queries on `users`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::UserRow;
use super::schema::users;
use super::AnyConnection;

/// The unique index on the lower-cased address.
pub const EMAIL_INDEX: &str = "users_email_idx";
/// How SQLite names that index's column in a unique violation.
pub const EMAIL_COLUMN: &str = "users.email_lower";

pub fn insert(conn: &mut AnyConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).first(conn).optional()
}

/// The user with this address, by its lower-cased form.
pub fn find_by_email(conn: &mut AnyConnection, email_lower: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email_lower.eq(email_lower))
        .first(conn)
        .optional()
}

pub fn set_last_login(
    conn: &mut AnyConnection,
    id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(at))
        .execute(conn)
        .map(drop)
}

pub fn set_password(conn: &mut AnyConnection, id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(drop)
}
