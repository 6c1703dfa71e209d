//! The change log other instances read to keep their caches current, and
//! the counter that numbers it (`change_epoch`). An entry names a key by its
//! id, an account as `account:{accountId}`, or a session token ended on its
//! own as `session-token:{tokenId}` (an instance that predates such entries
//! reads one as an unknown id and drops all its key state, which is safe).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::schema::{change_epoch, key_changes};
use super::AnyConnection;

const ROW: i32 = 1;

/// Entries kept; older ones are pruned. An instance that falls further
/// behind than this drops all its cached key state and starts over.
const KEEP: i64 = 100_000;

/// Records that key `api_key_id` changed; call in the transaction of the
/// change. Moving the counter takes its row lock until commit, which puts
/// every change's entry in commit order.
pub fn record(
    conn: &mut AnyConnection,
    api_key_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    let epoch: i64 = diesel::update(change_epoch::table.find(ROW))
        .set(change_epoch::value.eq(change_epoch::value + 1))
        .returning(change_epoch::value)
        .get_result(conn)?;
    diesel::insert_into(key_changes::table)
        .values((
            key_changes::epoch.eq(epoch),
            key_changes::api_key_id.eq(api_key_id),
            key_changes::changed_at.eq(at),
        ))
        .execute(conn)?;
    diesel::delete(key_changes::table.filter(key_changes::epoch.le(epoch - KEEP)))
        .execute(conn)
        .map(drop)
}

/// How an entry names an account.
pub const ACCOUNT_PREFIX: &str = "account:";

/// Records that account `account_id` changed (or was created); call in the
/// transaction of the change.
pub fn record_account(
    conn: &mut AnyConnection,
    account_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    record(conn, &format!("{ACCOUNT_PREFIX}{account_id}"), at)
}

/// How an entry names a session token.
pub const SESSION_TOKEN_PREFIX: &str = "session-token:";

/// Records that session token `token_id` was ended; call in the
/// transaction that ended it.
pub fn record_session_token(
    conn: &mut AnyConnection,
    token_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    record(conn, &format!("{SESSION_TOKEN_PREFIX}{token_id}"), at)
}

/// The number of the latest change.
pub fn latest(conn: &mut AnyConnection) -> QueryResult<i64> {
    change_epoch::table
        .find(ROW)
        .select(change_epoch::value)
        .first(conn)
}

/// Up to `limit` entries after `after`, in order: (number, key id).
pub fn since(conn: &mut AnyConnection, after: i64, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    key_changes::table
        .filter(key_changes::epoch.gt(after))
        .order(key_changes::epoch.asc())
        .select((key_changes::epoch, key_changes::api_key_id))
        .limit(limit)
        .load(conn)
}
