//! Queries on `invitations`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::InvitationRow;
use super::schema::invitations;
use super::AnyConnection;

/// The unique index on (account, lower-cased address).
pub const EMAIL_INDEX: &str = "invitations_email_idx";
/// How SQLite names that index's address column in a unique violation.
pub const EMAIL_COLUMN: &str = "invitations.email_lower";

pub fn insert(conn: &mut AnyConnection, row: &InvitationRow) -> QueryResult<()> {
    diesel::insert_into(invitations::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<InvitationRow>> {
    invitations::table.find(id).first(conn).optional()
}

/// Up to `limit` of the account's invitations that expire after `now`,
/// after the position `after` (`created_at`, `id`), in that order.
pub fn pending(
    conn: &mut AnyConnection,
    account_id: &str,
    now: PrimitiveDateTime,
    after: Option<(PrimitiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<InvitationRow>> {
    let mut query = invitations::table
        .filter(invitations::account_id.eq(account_id))
        .filter(invitations::expires_at.gt(now))
        .order((invitations::created_at.asc(), invitations::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((created_at, id)) = after {
        query = query.filter(invitations::created_at.ge(created_at)).filter(
            invitations::created_at
                .gt(created_at)
                .or(invitations::id.gt(id)),
        );
    }
    query.load(conn)
}

/// Deletes the invitation `id` of `account_id`; whether there was one.
pub fn delete(conn: &mut AnyConnection, account_id: &str, id: &str) -> QueryResult<bool> {
    diesel::delete(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::account_id.eq(account_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

/// Deletes the account's invitations that expired by `now`.
pub fn delete_expired(
    conn: &mut AnyConnection,
    account_id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        invitations::table
            .filter(invitations::account_id.eq(account_id))
            .filter(invitations::expires_at.le(now)),
    )
    .execute(conn)
}

/// Deletes the account's invitation of the address whose lower-cased form
/// is `email_lower`; whether there was one.
pub fn delete_for_email(
    conn: &mut AnyConnection,
    account_id: &str,
    email_lower: &str,
) -> QueryResult<bool> {
    diesel::delete(
        invitations::table
            .filter(invitations::account_id.eq(account_id))
            .filter(invitations::email_lower.eq(email_lower)),
    )
    .execute(conn)
    .map(|n| n > 0)
}
