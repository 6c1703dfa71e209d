//! Queries on `accounts`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::{AccountChanges, AccountRow};
use super::schema::accounts;
use super::AnyConnection;

pub fn insert(conn: &mut AnyConnection, row: &AccountRow) -> QueryResult<AccountRow> {
    diesel::insert_into(accounts::table)
        .values(row)
        .returning(accounts::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table.find(id).first(conn).optional()
}

/// The accounts with these ids, in no particular order.
pub fn find_many(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<AccountRow>> {
    accounts::table.filter(accounts::id.eq_any(ids)).load(conn)
}

/// The account `id` and its ancestors, nearest first, at most `limit` of
/// them: one read per level, which only writes and cold lookups pay.
pub fn chain(conn: &mut AnyConnection, id: &str, limit: usize) -> QueryResult<Vec<AccountRow>> {
    walk(conn, id, limit, find)
}

/// Like [`chain`], with every row read share-locked until the transaction
/// ends (PostgreSQL; SQLite's one write lock orders its transactions
/// anyway): a change to any of these accounts then waits for the
/// transaction, or the transaction reads what the change committed.
pub fn chain_locked(
    conn: &mut AnyConnection,
    id: &str,
    limit: usize,
) -> QueryResult<Vec<AccountRow>> {
    walk(conn, id, limit, |conn, id| match conn {
        AnyConnection::Postgres(conn) => {
            accounts::table.find(id).for_share().first(conn).optional()
        }
        AnyConnection::Sqlite(_) => find(conn, id),
    })
}

fn walk(
    conn: &mut AnyConnection,
    id: &str,
    limit: usize,
    read: impl Fn(&mut AnyConnection, &str) -> QueryResult<Option<AccountRow>>,
) -> QueryResult<Vec<AccountRow>> {
    let mut chain: Vec<AccountRow> = Vec::new();
    let mut next = Some(id.to_owned());
    while let Some(id) = next.take().filter(|_| chain.len() < limit) {
        let Some(row) = read(conn, &id)? else {
            break;
        };
        next = row.parent_account_id.clone();
        chain.push(row);
    }
    Ok(chain)
}

/// Up to `limit` children of `parent` after the position `after`
/// (`created_at`, `id`), in that order: a keyset read on
/// `accounts_parent_idx`, as cheap deep in the list as at its start.
pub fn children(
    conn: &mut AnyConnection,
    parent: &str,
    after: Option<(PrimitiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AccountRow>> {
    let mut query = accounts::table
        .filter(accounts::parent_account_id.eq(parent))
        .order((accounts::created_at.asc(), accounts::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((created_at, id)) = after {
        // `created_at >= c` alone bounds the index range (as in
        // `api_keys::list`); the rest drops the rows at `c` up to and
        // including the last one returned.
        query = query
            .filter(accounts::created_at.ge(created_at))
            .filter(accounts::created_at.gt(created_at).or(accounts::id.gt(id)));
    }
    query.load(conn)
}

/// Every account, oldest first: for the command line.
pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<AccountRow>> {
    accounts::table
        .order((accounts::created_at.asc(), accounts::id.asc()))
        .load(conn)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    accounts::table.count().get_result(conn)
}

/// Applies `changes` only if the account is still at `expected_version`;
/// `None` means another writer got there first.
pub fn update_if_version(
    conn: &mut AnyConnection,
    id: &str,
    expected_version: i64,
    changes: &AccountChanges,
) -> QueryResult<Option<AccountRow>> {
    diesel::update(
        accounts::table
            .filter(accounts::id.eq(id))
            .filter(accounts::version.eq(expected_version)),
    )
    .set(changes)
    .returning(accounts::all_columns)
    .get_result(conn)
    .optional()
}
