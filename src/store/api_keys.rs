//! Queries on `api_keys`.

use diesel::dsl::AsExprOf;
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, SingleValue, SqlType, Text};
use time::macros::datetime;
use time::PrimitiveDateTime;

use uuid::Uuid;

use super::models::{ApiKeyChanges, ApiKeyRow, ListedKeyRow};
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

/// The account's keys, without their secrets, each with its last use, in
/// the order every key list uses, (`created_at`, `id`): after `after` when
/// given (a keyset page; the index `api_keys_list_idx` starts the scan
/// there, so a deep page costs what the first does), and at most `limit`
/// when given.
pub fn list(
    conn: &mut AnyConnection,
    account_id: &str,
    filter: ListFilter,
    now: PrimitiveDateTime,
    after: Option<(PrimitiveDateTime, &str)>,
    limit: Option<i64>,
) -> QueryResult<Vec<(ListedKeyRow, Option<PrimitiveDateTime>)>> {
    // One statement for every list, whatever it filters: a filter not asked
    // for is a condition its bound value makes true, so that the statement
    // is built and prepared once per connection and found again by its type,
    // not built as text on every request to be looked up by it.
    //
    // Without `after`, the position is before every key: no key is created
    // before the year 0000 (the first both databases and the API can hold)
    // and no id is empty.
    let (after_at, after_id) = after.unwrap_or((datetime!(0000-01-01 0:00), ""));
    // Both or neither are `Some`: `status` as what `revoked_at IS NOT NULL`
    // and "has an expiry and it has passed" must each be.
    let (revoked, expired) = match filter.status {
        StatusFilter::All => (None, None),
        StatusFilter::Active => (Some(false), Some(false)),
        StatusFilter::Expired => (Some(false), Some(true)),
        StatusFilter::Revoked => (Some(true), None),
    };
    let has_expired = api_keys::expires_at
        .is_not_null()
        .and(api_keys::expires_at.le(now).assume_not_null());
    // Each key with its last use, in the one query: a second query for the
    // last uses of a page cost as much again as the page itself. The query
    // runs on the backend's own connection rather than through
    // `AnyConnection`, which decodes every value through one more layer: a
    // page decodes some two thousand of them. The macro writes it once for
    // both.
    macro_rules! query {
        () => {
            api_keys::table
                .left_join(api_key_last_used::table)
                .select((
                    ListedKeyRow::as_select(),
                    api_key_last_used::last_used_at.nullable(),
                ))
                .filter(api_keys::account_id.eq(account_id))
                // `created_at >= c` alone bounds the index range; the rest
                // drops the rows at `c` up to and including the last one
                // returned.
                .filter(api_keys::created_at.ge(after_at))
                .filter(
                    api_keys::created_at
                        .gt(after_at)
                        .or(api_keys::id.gt(after_id)),
                )
                .filter(
                    is_unset::<Text, _>(filter.role).or(api_keys::role.nullable().eq(filter.role)),
                )
                .filter(
                    is_unset::<Bool, _>(filter.enabled)
                        .or(api_keys::enabled.nullable().eq(filter.enabled)),
                )
                .filter(
                    is_unset::<Bool, _>(revoked)
                        .or(api_keys::revoked_at.is_not_null().nullable().eq(revoked)),
                )
                .filter(is_unset::<Bool, _>(expired).or(has_expired.nullable().eq(expired)))
                .order((api_keys::created_at.asc(), api_keys::id.asc()))
                .limit(limit.unwrap_or(i64::MAX))
        };
    }
    // An external id is looked up through `api_keys_external_id_idx`, which
    // serves it in list order; a condition that could be true without it
    // would leave the planner only the account's whole list. So a list by
    // external id has a statement of its own.
    match (conn, filter.external_id.as_deref()) {
        (AnyConnection::Postgres(conn), None) => query!().load(conn),
        (AnyConnection::Sqlite(conn), None) => query!().load(conn),
        (AnyConnection::Postgres(conn), Some(external_id)) => query!()
            .filter(api_keys::external_id.eq(external_id))
            .load(conn),
        (AnyConnection::Sqlite(conn), Some(external_id)) => query!()
            .filter(api_keys::external_id.eq(external_id))
            .load(conn),
    }
}

/// `? IS NULL` for a filter's bound value: true when the filter is not asked for.
fn is_unset<T, V>(value: Option<V>) -> diesel::dsl::IsNull<AsExprOf<Option<V>, Nullable<T>>>
where
    T: SqlType + SingleValue,
    Option<V>: AsExpression<Nullable<T>>,
{
    value.into_sql::<Nullable<T>>().is_null()
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
