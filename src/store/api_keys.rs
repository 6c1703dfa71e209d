//! Queries on `api_keys`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use uuid::Uuid;

use super::models::{ApiKeyChanges, ApiKeyRow};
use super::schema::api_keys;
use super::AnyConnection;

/// The unique index that makes names unique within an account.
pub const NAME_INDEX: &str = "api_keys_account_name_idx";
/// What SQLite says instead of the index name.
pub const NAME_COLUMNS: &str = "api_keys.account_id, api_keys.name";

/// Which keys a list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Active,
    Expired,
    Revoked,
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

/// The account's keys, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    account_id: &str,
    filter: StatusFilter,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<ApiKeyRow>> {
    let query = api_keys::table
        .filter(api_keys::account_id.eq(account_id))
        .order((api_keys::created_at.asc(), api_keys::name.asc()))
        .into_boxed();
    let query = match filter {
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

/// The ids of up to `limit` unrevoked keys, most recently used first (along
/// `api_keys_last_used_idx`); keys never used are left out. What a
/// restarted instance loads into its cache.
pub fn recently_used(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    use diesel::connection::DefaultLoadingMode;
    // Streamed and kept as 16-byte ids: the list may be as long as the cache.
    let ids = api_keys::table
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::last_used_at.is_not_null())
        .order((api_keys::last_used_at.desc(), api_keys::id.desc()))
        .select(api_keys::id)
        .limit(limit)
        .load_iter::<String, DefaultLoadingMode>(conn)?;
    let mut parsed = Vec::new();
    for id in ids {
        parsed.extend(Uuid::try_parse(&id?).ok());
    }
    Ok(parsed)
}

/// The keys with these ids, in no particular order.
pub fn find_many(conn: &mut AnyConnection, ids: &[Uuid]) -> QueryResult<Vec<ApiKeyRow>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    api_keys::table.filter(api_keys::id.eq_any(ids)).load(conn)
}

/// Moves each key's `last_used_at` forward to the time given with it; never
/// back, never a change (no version bump). `uses` must be in key-id order,
/// the order every writer of several key rows locks them in. Call in a
/// transaction.
pub fn touch_last_used(
    conn: &mut AnyConnection,
    uses: &[(String, PrimitiveDateTime)],
) -> QueryResult<()> {
    match conn {
        // One statement for the lot: per-row statements cost the server
        // more than the rest of a busy instance's work together.
        AnyConnection::Postgres(conn) => {
            use diesel::sql_types::{Array, Text, Timestamp};
            let (ids, times): (Vec<&str>, Vec<PrimitiveDateTime>) =
                uses.iter().map(|(id, at)| (id.as_str(), *at)).unzip();
            // Lock first, in id order; the join below would lock in its own.
            api_keys::table
                .filter(api_keys::id.eq_any(&ids))
                .order(api_keys::id.asc())
                .select(api_keys::id)
                .for_no_key_update()
                .load::<String>(conn)?;
            diesel::sql_query(
                "UPDATE api_keys AS k SET last_used_at = u.at \
                 FROM unnest($1::text[], $2::timestamp[]) AS u(id, at) \
                 WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)",
            )
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<Timestamp>, _>(times)
            .execute(conn)
            .map(drop)
        }
        AnyConnection::Sqlite(conn) => {
            for (id, at) in uses {
                diesel::update(
                    api_keys::table.filter(api_keys::id.eq(id)).filter(
                        api_keys::last_used_at
                            .is_null()
                            .or(api_keys::last_used_at.lt(at)),
                    ),
                )
                .set(api_keys::last_used_at.eq(at))
                .execute(conn)?;
            }
            Ok(())
        }
    }
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
