//! Queries on `api_keys`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use uuid::Uuid;

use super::models::{ApiKeyChanges, ApiKeyRow};
use super::schema::{api_key_last_used, api_keys};
use super::AnyConnection;

/// The unique index that makes names unique within an account.
pub const NAME_INDEX: &str = "api_keys_account_name_idx";
/// What SQLite says instead of the index name.
pub const NAME_COLUMNS: &str = "api_keys.account_id, api_keys.name";

/// Which keys a list returns, by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Active,
    Expired,
    Revoked,
}

/// Which keys a list returns: those that pass every condition given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    pub status: StatusFilter,
    /// The role's stored name (`account-owner`, `merchant-terminal`).
    pub role: Option<&'static str>,
    pub enabled: Option<bool>,
    pub external_id: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &ApiKeyRow) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .returning(api_keys::all_columns)
        .get_result(conn)
}

/// Locks the rows of `ids` until the transaction ends and returns them as
/// they are now. Call first in a transaction. PostgreSQL locks the rows, in
/// id order; SQLite has no row locks, so the first write of the transaction
/// takes its one write lock instead, after which every read sees the latest
/// state and no other writer can commit until this transaction ends.
pub fn lock(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<ApiKeyRow>> {
    let rows = api_keys::table
        .filter(api_keys::id.eq_any(ids))
        .order(api_keys::id.asc());
    match conn {
        AnyConnection::Postgres(conn) => rows.for_no_key_update().load(conn),
        AnyConnection::Sqlite(conn) => {
            diesel::update(api_keys::table.filter(api_keys::id.eq_any(ids)))
                .set(api_keys::version.eq(api_keys::version))
                .execute(conn)?;
            rows.load(conn)
        }
    }
}

pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table.find(id).first(conn).optional()
}

pub fn find_by_name(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::account_id.eq(account_id))
        .filter(api_keys::name.eq(name))
        .first(conn)
        .optional()
}

/// The account's keys, each with its last use, in the order every key list uses, (`created_at`,
/// `id`): after `after` when given (a keyset page; the index
/// `api_keys_list_idx` starts the scan there, so a deep page costs what the
/// first does), and at most `limit` when given.
pub fn list(
    conn: &mut AnyConnection,
    account_id: &str,
    filter: ListFilter,
    now: PrimitiveDateTime,
    after: Option<(PrimitiveDateTime, &str)>,
    limit: Option<i64>,
) -> QueryResult<Vec<(ApiKeyRow, Option<PrimitiveDateTime>)>> {
    // Each key with its last use, in the one query: a second query for the
    // last uses of a page cost as much again as the page itself.
    let mut query = api_keys::table
        .left_join(api_key_last_used::table)
        .select((
            api_keys::all_columns,
            api_key_last_used::last_used_at.nullable(),
        ))
        .filter(api_keys::account_id.eq(account_id))
        .order((api_keys::created_at.asc(), api_keys::id.asc()))
        .into_boxed();
    if let Some((created_at, id)) = after {
        // `created_at >= c` alone bounds the index range; the rest drops
        // the rows at `c` up to and including the last one returned.
        query = query.filter(api_keys::created_at.ge(created_at)).filter(
            api_keys::created_at
                .gt(created_at)
                .or(api_keys::id.gt(id.to_owned())),
        );
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    if let Some(role) = filter.role {
        query = query.filter(api_keys::role.eq(role));
    }
    if let Some(enabled) = filter.enabled {
        query = query.filter(api_keys::enabled.eq(enabled));
    }
    if let Some(external_id) = filter.external_id {
        // `api_keys_external_id_idx` serves this in list order.
        query = query.filter(api_keys::external_id.eq(external_id));
    }
    let query = match filter.status {
        StatusFilter::All => query,
        StatusFilter::Active => query.filter(api_keys::revoked_at.is_null()).filter(
            api_keys::expires_at
                .is_null()
                .or(api_keys::expires_at.gt(now)),
        ),
        StatusFilter::Expired => query
            .filter(api_keys::revoked_at.is_null())
            .filter(api_keys::expires_at.le(now)),
        StatusFilter::Revoked => query.filter(api_keys::revoked_at.is_not_null()),
    };
    query.load(conn)
}

/// The keys with these ids, in no particular order.
pub fn find_many(conn: &mut AnyConnection, ids: &[Uuid]) -> QueryResult<Vec<ApiKeyRow>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    api_keys::table.filter(api_keys::id.eq_any(ids)).load(conn)
}

/// Applies `changes` only if the key is still at `expected_version`; `None`
/// means another writer got there first.
pub fn update_if_version(
    conn: &mut AnyConnection,
    id: &str,
    expected_version: i64,
    changes: &ApiKeyChanges,
) -> QueryResult<Option<ApiKeyRow>> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::version.eq(expected_version)),
    )
    .set(changes)
    .returning(api_keys::all_columns)
    .get_result(conn)
    .optional()
}
