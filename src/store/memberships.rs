//! Queries on `memberships`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::MembershipRow;
use super::schema::{accounts, memberships, users};
use super::AnyConnection;

/// A membership with what a listing shows beside it: the member's address
/// and name, and the account's name.
pub type Listed = (MembershipRow, String, String, String);

/// What a unique violation of a membership's key (user, account) names:
/// PostgreSQL's `memberships_pkey`, SQLite's `memberships.user_id, …`.
pub const KEY: &str = "memberships";

pub fn insert(conn: &mut AnyConnection, row: &MembershipRow) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(
    conn: &mut AnyConnection,
    user_id: &str,
    account_id: &str,
) -> QueryResult<Option<MembershipRow>> {
    memberships::table
        .find((user_id, account_id))
        .first(conn)
        .optional()
}

/// The user's memberships, in no particular order: what a request by the
/// user is authorized with.
pub fn of_user(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<MembershipRow>> {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .load(conn)
}

/// The user's memberships on any of `account_ids`, share-locked until the
/// transaction ends on PostgreSQL, so that a removal (which deletes the
/// row) waits for the transaction or commits before it is read. SQLite's
/// one write lock orders the two anyway.
pub fn held_locked(
    conn: &mut AnyConnection,
    user_id: &str,
    account_ids: &[&str],
) -> QueryResult<Vec<MembershipRow>> {
    let rows = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::account_id.eq_any(account_ids));
    match conn {
        AnyConnection::Postgres(conn) => rows.for_share().load(conn),
        AnyConnection::Sqlite(conn) => rows.load(conn),
    }
}

/// The user's memberships with their accounts' names, oldest first.
pub fn listed_of_user(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<Listed>> {
    memberships::table
        .inner_join(users::table)
        .inner_join(accounts::table)
        .filter(memberships::user_id.eq(user_id))
        .order((memberships::created_at.asc(), memberships::account_id.asc()))
        .select((
            memberships::all_columns,
            users::email,
            users::name,
            accounts::name,
        ))
        .load(conn)
}

/// Up to `limit` members of `account` after the position `after`
/// (`created_at`, `user_id`), in that order, through
/// `memberships_account_idx`.
pub fn of_account(
    conn: &mut AnyConnection,
    account_id: &str,
    after: Option<(PrimitiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .inner_join(accounts::table)
        .filter(memberships::account_id.eq(account_id))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .select((
            memberships::all_columns,
            users::email,
            users::name,
            accounts::name,
        ))
        .limit(limit)
        .into_boxed();
    if let Some((created_at, id)) = after {
        query = query.filter(memberships::created_at.ge(created_at)).filter(
            memberships::created_at
                .gt(created_at)
                .or(memberships::user_id.gt(id)),
        );
    }
    query.load(conn)
}

/// Removes the membership; whether there was one.
pub fn delete(conn: &mut AnyConnection, user_id: &str, account_id: &str) -> QueryResult<bool> {
    diesel::delete(memberships::table.find((user_id, account_id)))
        .execute(conn)
        .map(|n| n > 0)
}
